//! The log read as runs of the daemon (a `start` record to its `stop`, or to its last
//! record before the next start), the gaps between them, and the records whose times
//! cannot be true.
//!
//! Pure. A run's extent comes from its believable records only. The gaps are the time
//! the daemon was not running; the screens' hours in force then (recorded in `start` and
//! `config_reloaded`) tell scheduled off time from an outage. A record is doubted by
//! `guard::check` against the trusted clock when the report is made (the writer's own
//! check), by being ahead of the next trusted `start` (a run cannot begin before the
//! records of the one before it), or by an untrusted clock going back behind a trusted
//! record (a rehearsal with `--at` in the past, a board that booted without the time).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::evidence::guard::{self, Doubt, SKEW};
use crate::evidence::record::{Event, HoursLog, Record};
use crate::schedule::rules::Window;

/// Screen name -> daily on-hours (empty: all day).
pub(super) type Hours = Arc<BTreeMap<String, Vec<Window>>>;

/// Reads recorded hours; a screen whose windows do not parse is left out (unknown).
pub(super) fn parse_hours(h: &HoursLog) -> Hours {
    Arc::new(
        h.iter()
            .filter_map(|(screen, ws)| ws.iter().map(|w| Window::parse(w)).collect::<Result<Vec<_>, _>>().ok().map(|ws| (screen.clone(), ws)))
            .collect(),
    )
}

/// Why the daemon was not running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Before the first record of the log.
    BeforeLog,
    /// After a clean `stop`.
    Stopped,
    /// The run ended without a `stop` record (power cut, crash, kill).
    Crashed,
    /// Nothing recorded since the newest record and no `stop`: the daemon stopped without
    /// a record, or still shows what it started last (a play is logged when it ends).
    SinceLastRecord,
}

impl Cause {
    pub fn zh(self) -> &'static str {
        match self {
            Cause::BeforeLog => "记录开始之前",
            Cause::Stopped => "程序停止",
            Cause::Crashed => "程序意外中断（断电或崩溃，无停止记录）",
            Cause::SinceLastRecord => "最后一条记录之后无记录",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Cause::BeforeLog => "before the log begins",
            Cause::Stopped => "daemon stopped",
            Cause::Crashed => "daemon ended without a stop record (power cut or crash)",
            Cause::SinceLastRecord => "nothing recorded since the newest record",
        }
    }
}

struct Run {
    /// The start record's time, when believable.
    start: Option<i64>,
    min: i64,
    max: i64,
    /// Has believable records.
    live: bool,
    stopped: bool,
    hours_first: Option<Hours>,
    hours_last: Option<Hours>,
}

impl Run {
    fn new() -> Run {
        Run { start: None, min: i64::MAX, max: i64::MIN, live: false, stopped: false, hours_first: None, hours_last: None }
    }
}

/// Time the daemon was not running.
pub(super) struct Gap {
    pub from: i64,
    pub until: i64,
    pub cause: Cause,
    /// The screens' hours then; `None`: not recorded.
    pub hours: Option<Hours>,
}

/// A record whose times cannot be true.
pub(super) struct Doubted {
    pub seq: u64,
    pub at: Timestamp,
    pub kind: &'static str,
    pub doubt: Doubt,
    /// The record it was judged by, when not the report's own clock.
    pub by: Option<u64>,
}

pub(super) struct Runs {
    trusted_now: Timestamp,
    runs: Vec<Run>,
    /// Believable records since the last trusted start: (latest time, seq, run, kind).
    pending: Vec<(i64, u64, u32, u8)>,
    /// The latest time of a trusted record.
    trusted_max: Option<i64>,
    pub flagged: HashSet<u64>,
    pub doubts: Vec<Doubted>,
}

/// Record kinds by a byte, so the records held until the next trusted start stay small.
const KINDS: [&str; 12] =
    ["start", "stop", "play", "power", "device", "source_failed", "source_recovered", "config_reloaded", "item", "torn_tail", "dropped", "refused"];

fn kind_code(kind: &str) -> u8 {
    KINDS.iter().position(|k| *k == kind).map_or(u8::MAX, |i| i as u8)
}

/// The earliest and latest time a record speaks of, in ms.
fn extent(r: &Record) -> (i64, i64) {
    let at = r.at.as_millisecond();
    match &r.event {
        Event::Play(p) => (at.min(p.start.as_millisecond()), at.max(p.end.as_millisecond())),
        _ => (at, at),
    }
}

impl Runs {
    /// `trusted_now`: the trusted clock as the report is made (`None`: not trusted, not checked).
    pub(super) fn new(trusted_now: Option<Timestamp>) -> Runs {
        Runs {
            trusted_now: trusted_now.unwrap_or(Timestamp::MAX),
            runs: vec![Run::new()],
            pending: Vec::new(),
            trusted_max: None,
            flagged: HashSet::new(),
            doubts: Vec::new(),
        }
    }

    /// Takes a record in chain order; false when its times cannot be true (leave it out).
    pub(super) fn add(&mut self, r: &Record) -> bool {
        // A refusal carries no figures, and its own time is whatever clock refused: it is
        // listed as it is, and says nothing about the runs.
        if matches!(r.event, Event::Refused { .. }) {
            return true;
        }
        let (lo, hi) = extent(r);
        let run_len = self.runs.last().and_then(|run| run.start).map(|s| SignedDuration::from_millis(r.at.as_millisecond() - s));
        let mut doubt = guard::check(r.at, &r.event, self.trusted_now, run_len);
        if doubt.is_none()
            && !r.clock_trusted
            && let Some(m) = self.trusted_max
            && r.at.as_millisecond() < m - SKEW.as_millis() as i64
        {
            doubt = Some(Doubt::Behind { claimed: r.at, trusted: Timestamp::from_millisecond(m).unwrap_or(r.at) });
        }
        if let Event::Start { hours, .. } = &r.event {
            if doubt.is_none() && r.clock_trusted {
                self.settle(Some((r.at.as_millisecond(), r.seq)));
            }
            let mut run = Run::new();
            run.start = doubt.is_none().then(|| r.at.as_millisecond());
            run.hours_first = hours.as_ref().map(parse_hours);
            run.hours_last = run.hours_first.clone();
            self.runs.push(run);
        }
        if let Some(d) = doubt {
            self.flag(r.seq, r.at, r.event.kind(), d, None);
            return false;
        }
        let idx = self.runs.len() as u32 - 1;
        let run = self.runs.last_mut().expect("a run");
        match &r.event {
            Event::Stop => run.stopped = true,
            Event::ConfigReloaded { ok: true, hours: Some(h), .. } => run.hours_last = Some(parse_hours(h)),
            _ => {}
        }
        run.min = run.min.min(lo);
        self.pending.push((hi, r.seq, idx, kind_code(r.event.kind())));
        if r.clock_trusted {
            self.trusted_max = Some(self.trusted_max.map_or(hi, |m| m.max(hi)));
        }
        true
    }

    fn flag(&mut self, seq: u64, at: Timestamp, kind: &'static str, doubt: Doubt, by: Option<u64>) {
        self.flagged.insert(seq);
        self.doubts.push(Doubted { seq, at, kind, doubt, by });
    }

    /// Records ahead of a trusted start (time `t`, record `seq`) are from the future;
    /// then the runs since the last trusted start get their extents.
    fn settle(&mut self, by: Option<(i64, u64)>) {
        let pending = std::mem::take(&mut self.pending);
        if let Some((t, start_seq)) = by {
            let limit = t + SKEW.as_millis() as i64;
            for &(hi, seq, _, kind) in pending.iter().filter(|p| p.0 > limit) {
                let claimed = Timestamp::from_millisecond(hi).unwrap_or(Timestamp::MAX);
                let trusted = Timestamp::from_millisecond(t).unwrap_or(Timestamp::MIN);
                let kind = KINDS.get(kind as usize).copied().unwrap_or("record");
                self.flag(seq, claimed, kind, Doubt::Ahead { claimed, trusted }, Some(start_seq));
            }
            self.trusted_max = Some(t);
        }
        for (hi, seq, run, _) in pending {
            if self.flagged.contains(&seq) {
                continue;
            }
            let r = &mut self.runs[run as usize];
            r.max = r.max.max(hi);
            r.live = true;
        }
    }

    /// Ends reading: the extents of the last runs.
    pub(super) fn finish(&mut self) {
        self.settle(None);
    }

    /// The gaps between runs within [lo, hi); `fallback` hours where the log has none.
    pub(super) fn gaps(&self, lo: i64, hi: i64, fallback: Option<&Hours>) -> Vec<Gap> {
        let live: Vec<&Run> = self.runs.iter().filter(|r| r.live).collect();
        let pick = |h: &Option<Hours>| h.clone().or_else(|| fallback.cloned());
        let mut out = Vec::new();
        let mut push = |from: i64, until: i64, cause: Cause, hours: Option<Hours>| {
            let (from, until) = (from.max(lo), until.min(hi));
            if from < until {
                out.push(Gap { from, until, cause, hours });
            }
        };
        let Some(first) = live.first() else {
            push(lo, hi, Cause::BeforeLog, fallback.cloned());
            return out;
        };
        push(lo, first.min, Cause::BeforeLog, pick(&first.hours_first));
        for w in live.windows(2) {
            let cause = if w[0].stopped { Cause::Stopped } else { Cause::Crashed };
            push(w[0].max, w[1].min, cause, pick(&w[0].hours_last));
        }
        let last = live[live.len() - 1];
        push(last.max, hi, if last.stopped { Cause::Stopped } else { Cause::SinceLastRecord }, pick(&last.hours_last));
        out
    }
}
