//! One screen's day cut into pieces, each given exactly one class, so shown + gaps =
//! on-hours and on-hours + screen off = the day, by construction.
//!
//! Order of precedence: the daemon not running (then the screen's scheduled hours say
//! offline or screen off), screen off (recorded), device error, the item shown,
//! preempted, rotation, idle, offline (running, but nothing recorded). Pure.

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::schedule::rules::Window;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    Item(u32),
    Idle,
}

pub(super) struct PlaySpan {
    pub start: i64,
    pub end: i64,
    pub what: Class,
    pub seq: u64,
}

/// A stretch the daemon was not running, and whether the screen's hours had it lit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Down {
    pub from: i64,
    pub until: i64,
    pub scheduled_on: bool,
}

#[derive(Default)]
pub(super) struct ScreenLog {
    pub plays: Vec<PlaySpan>,
    /// (ms, on, seq)
    pub power: Vec<(i64, bool, u64)>,
    /// (ms, ok, seq)
    pub device: Vec<(i64, bool, u64)>,
    /// Errors of `device` records that said every output failed: seq -> text.
    pub device_errors: HashMap<u64, String>,
    /// Sorted, not overlapping.
    pub down: Vec<Down>,
}

#[derive(Default)]
pub(super) struct DayTotals {
    pub items: HashMap<u32, i64>,
    pub items_total: i64,
    pub idle: i64,
    pub device: i64,
    pub offline: i64,
    pub on: i64,
    pub off: i64,
}

/// State at `t` of a sorted transition list; `default` before the first.
fn state_at(list: &[(i64, bool, u64)], t: i64, default: bool) -> bool {
    match list.partition_point(|(at, _, _)| *at <= t) {
        0 => default,
        n => list[n - 1].1,
    }
}

/// Classifies every millisecond of [a, b) on one screen.
pub(super) fn day_totals(log: &ScreenLog, a: i64, b: i64) -> DayTotals {
    let mut cuts = vec![a, b];
    let first = log.plays.partition_point(|p| p.end <= a);
    let plays: Vec<&PlaySpan> = log.plays[first..].iter().take_while(|p| p.start < b).filter(|p| p.end > a).collect();
    for p in &plays {
        cuts.push(p.start.clamp(a, b));
        cuts.push(p.end.clamp(a, b));
    }
    for list in [&log.power, &log.device] {
        cuts.extend(list.iter().map(|(t, _, _)| *t).filter(|t| *t > a && *t < b));
    }
    let first_down = log.down.partition_point(|d| d.until <= a);
    let downs = &log.down[first_down..];
    for d in downs.iter().take_while(|d| d.from < b) {
        cuts.push(d.from.clamp(a, b));
        cuts.push(d.until.clamp(a, b));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut t = DayTotals::default();
    let (mut pi, mut di) = (0, 0);
    for w in cuts.windows(2) {
        let (s, e) = (w[0], w[1]);
        let len = e - s;
        while di < downs.len() && downs[di].until <= s {
            di += 1;
        }
        if let Some(d) = downs.get(di).filter(|d| d.from <= s) {
            if d.scheduled_on {
                t.on += len;
                t.offline += len;
            } else {
                t.off += len;
            }
            continue;
        }
        if !state_at(&log.power, s, true) {
            t.off += len;
            continue;
        }
        t.on += len;
        if !state_at(&log.device, s, true) {
            t.device += len;
            continue;
        }
        while pi < plays.len() && plays[pi].end <= s {
            pi += 1;
        }
        match plays[pi..].iter().take_while(|p| p.start <= s).find(|p| p.end > s).map(|p| p.what) {
            Some(Class::Item(i)) => {
                *t.items.entry(i).or_default() += len;
                t.items_total += len;
            }
            Some(Class::Idle) => t.idle += len,
            None => t.offline += len,
        }
    }
    t
}

fn local_ms(d: Date, time: jiff::civil::Time, tz: &TimeZone) -> Option<i64> {
    d.to_datetime(time).to_zoned_datetime(tz.clone()).ok().map(|z| z.timestamp().as_millisecond())
}

/// The parts of [a, b) inside the daily `windows` (local time; empty: all day), sorted and merged.
pub(super) fn lit(windows: &[Window], tz: &TimeZone, a: i64, b: i64) -> Vec<(i64, i64)> {
    if windows.is_empty() || a >= b {
        return if a < b { vec![(a, b)] } else { Vec::new() };
    }
    let date = |ms: i64| Timestamp::from_millisecond(ms).map(|t| t.to_zoned_datetime(tz.clone()).date()).ok();
    let (Some(first), Some(last)) = (date(a), date(b)) else { return vec![(a, b)] };
    let mut out = Vec::new();
    // A window crossing midnight starts the day before.
    let mut d = first.yesterday().unwrap_or(first);
    while d <= last {
        for w in windows {
            let end_day = if w.end <= w.start { d.tomorrow().unwrap_or(d) } else { d };
            if let (Some(s), Some(e)) = (local_ms(d, w.start, tz), local_ms(end_day, w.end, tz)) {
                let (s, e) = (s.max(a), e.min(b));
                if s < e {
                    out.push((s, e));
                }
            }
        }
        match d.checked_add(1.day()) {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    out.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// [a, b) split into down pieces, lit or not by the windows (unknown hours: all lit).
pub(super) fn down_pieces(windows: Option<&[Window]>, tz: &TimeZone, a: i64, b: i64) -> Vec<Down> {
    let on = windows.map_or_else(|| vec![(a, b)], |w| lit(w, tz, a, b));
    let mut out = Vec::new();
    let mut at = a;
    for (s, e) in on {
        if s > at {
            out.push(Down { from: at, until: s, scheduled_on: false });
        }
        out.push(Down { from: s, until: e, scheduled_on: true });
        at = e;
    }
    if at < b {
        out.push(Down { from: at, until: b, scheduled_on: false });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn hours_across_midnight_and_a_daylight_saving_change_are_cut_in_local_time() {
        let sh = TimeZone::get("Asia/Shanghai").unwrap();
        let w = [Window::parse("22:00-06:00").unwrap()];
        let got = lit(&w, &sh, ms("2026-12-01T05:00:00+08:00"), ms("2026-12-01T23:00:00+08:00"));
        assert_eq!(
            got,
            [(ms("2026-12-01T05:00:00+08:00"), ms("2026-12-01T06:00:00+08:00")), (ms("2026-12-01T22:00:00+08:00"), ms("2026-12-01T23:00:00+08:00"))]
        );
        // Berlin moves to summer time on 2026-03-29: 07:00 local is 06:00 UTC before, 05:00 UTC after.
        let be = TimeZone::get("Europe/Berlin").unwrap();
        let w = [Window::parse("07:00-21:00").unwrap()];
        let got = lit(&w, &be, ms("2026-03-28T00:00:00Z"), ms("2026-03-30T00:00:00Z"));
        assert_eq!(got, [(ms("2026-03-28T06:00:00Z"), ms("2026-03-28T20:00:00Z")), (ms("2026-03-29T05:00:00Z"), ms("2026-03-29T19:00:00Z"))]);
        let pieces = down_pieces(None, &sh, 0, 10);
        assert_eq!(pieces, [Down { from: 0, until: 10, scheduled_on: true }], "unknown hours: an outage is never excused");
    }
}
