//! Turns one screen loop's observations into play, power and device records.
//!
//! A play covers only time the content was really lit: it ends when the
//! schedule moves on, the screen goes off, every output fails, or the daemon
//! stops, and a new one starts when the screen or output comes back. Called
//! from the screen loop every frame, so it must stay cheap and never block
//! (it only queues records).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use jiff::Timestamp;
use tracing::warn;

use crate::schedule::{Content, Ended, OnAir};
use crate::sinks::{Power, SinkStatus};

use super::Recorder;
use super::record::{EndReason, Event, Play, SinkReport, content_sha256};

/// How far (seconds) the wall clock may drift from the monotonic one over a play before the
/// difference is taken as a step of the system clock (NTP slews far less than this).
const CLOCK_STEP: f64 = 2.0;

/// What is being shown since when, and the sink counters at its start.
struct Segment {
    on_air: OnAir,
    start: Timestamp,
    /// The monotonic clock at `start`: a play's length is measured by it, so a step of the
    /// system clock during a play never gives a negative or day-long duration.
    since: tokio::time::Instant,
    base: Vec<(u64, u64, u64)>,
    content_sha256: Option<String>,
}

pub(crate) struct PlayTracker {
    screen: String,
    recorder: Recorder,
    sinks: Vec<Arc<SinkStatus>>,
    open: Option<Segment>,
    power: Option<Power>,
    device_ok: bool,
    /// Each sink's `lapses` at the last observation.
    lapses: Vec<u64>,
}

impl PlayTracker {
    pub(crate) fn new(screen: &str, recorder: Recorder, sinks: Vec<Arc<SinkStatus>>) -> PlayTracker {
        let lapses = sinks.iter().map(|s| s.lapses.load(Ordering::Relaxed)).collect();
        PlayTracker { screen: screen.to_string(), recorder, sinks, open: None, power: None, device_ok: true, lapses }
    }

    /// The schedule changed: what was on air ended for `ended`, `next` starts now.
    pub(crate) fn change(&mut self, next: &OnAir, ended: Option<Ended>, now: Timestamp) {
        let reason = match ended {
            Some(Ended::SlotEnd) | None => EndReason::SlotEnd,
            Some(Ended::Withdrawn) => EndReason::Withdrawn,
            Some(Ended::ContentArrived) => EndReason::ContentArrived,
            Some(Ended::Preempted) => EndReason::Preempted,
            Some(Ended::ScreenOff) => EndReason::ScreenOff,
        };
        self.close(reason, now);
        // Screen-off time is not a play: `observe` records the power change.
        if self.lit() && !matches!(next.content, Content::Off) {
            self.open(next, now);
        }
    }

    /// Called every frame with the screen's power and what is on air: records
    /// power and device transitions and starts or ends plays accordingly.
    pub(crate) fn observe(&mut self, power: Power, on_air: Option<&OnAir>, now: Timestamp) {
        if self.power.is_none_or(|p| p.on != power.on) {
            self.power = Some(power);
            self.recorder.record(now, Event::Power { screen: self.screen.clone(), on: power.on, brightness: power.brightness });
            if !power.on {
                self.close(EndReason::ScreenOff, now);
            }
        }
        let failing = self.failing();
        if failing.is_some() == self.device_ok {
            self.device_ok = failing.is_none();
            self.recorder.record(now, Event::Device { screen: self.screen.clone(), ok: self.device_ok, error: failing });
            if !self.device_ok {
                self.close(EndReason::DeviceError, now);
            }
        }
        if self.open.is_none()
            && self.lit()
            && let Some(a) = on_air.filter(|a| !matches!(a.content, Content::Off))
        {
            self.open(a, now);
        }
    }

    /// The daemon stops: what is on air ends now.
    pub(crate) fn stop(&mut self, now: Timestamp) {
        self.close(EndReason::Shutdown, now);
    }

    fn lit(&self) -> bool {
        self.power.is_none_or(|p| p.on) && self.device_ok
    }

    /// `Some(last error)` when the screen has outputs and every one of them is failing,
    /// or lost its link since the last observation (a replug quicker than a frame still
    /// leaves a `device` gap in the log).
    fn failing(&mut self) -> Option<String> {
        if self.sinks.is_empty() {
            return None;
        }
        let mut last = None;
        let mut all = true;
        for (s, seen) in self.sinks.iter().zip(self.lapses.iter_mut()) {
            let lapses = s.lapses.load(Ordering::Relaxed);
            let lapsed = lapses != *seen;
            *seen = lapses;
            match s.last_error.lock().ok().and_then(|e| e.clone()) {
                Some(e) => last = Some(e),
                None if lapsed => last = Some("link lost and restored; content sent again".to_string()),
                None => all = false,
            }
        }
        if all { last } else { None }
    }

    fn counters(&self) -> Vec<(u64, u64, u64)> {
        self.sinks.iter().map(|s| (s.written.load(Ordering::Relaxed), s.acked.load(Ordering::Relaxed), s.errors.load(Ordering::Relaxed))).collect()
    }

    fn open(&mut self, on_air: &OnAir, now: Timestamp) {
        let content_sha256 = match &on_air.content {
            Content::Item(s) => Some(content_sha256(s.entry().original())),
            _ => None,
        };
        self.open = Some(Segment { on_air: on_air.clone(), start: now, since: tokio::time::Instant::now(), base: self.counters(), content_sha256 });
    }

    fn close(&mut self, reason: EndReason, now: Timestamp) {
        let Some(seg) = self.open.take() else { return };
        let now_counts = self.counters();
        let sinks = self
            .sinks
            .iter()
            .zip(seg.base.iter().zip(now_counts))
            .map(|(s, (b, n))| SinkReport {
                kind: s.kind.clone(),
                written: n.0.saturating_sub(b.0),
                acked: n.1.saturating_sub(b.1),
                errors: n.2.saturating_sub(b.2),
                last_error: s.last_error.lock().ok().and_then(|e| e.clone()),
                mn_omitted: s.omitted_for(seg.on_air.seq),
            })
            .collect();
        let a = &seg.on_air;
        let (content, item, revision, category, list, urgent, window, min) = match &a.content {
            Content::Item(s) => {
                let it = s.entry().original();
                (
                    "item",
                    s.key().to_string(),
                    Some(it.revision),
                    Some(it.category.key().to_string()),
                    it.list.clone(),
                    Some(it.priority == crate::item::Priority::Urgent),
                    Some((it.display.from.0, it.display.until.0)),
                    it.display.min_seconds_per_day,
                )
            }
            Content::Notice { .. } => ("notice", "notice".to_string(), None, None, None, None, None, None),
            Content::Idle => ("idle", "idle".to_string(), None, None, None, None, None, None),
            Content::Off => ("off", "off".to_string(), None, None, None, None, None, None),
        };
        let measured = seg.since.elapsed().as_secs_f64();
        let wall = now.duration_since(seg.start).as_secs_f64();
        // The wall clock agrees with the monotonic one unless it was stepped during the play:
        // then the measured length counts, ending now by the clock as it is (so the record is
        // neither ahead of the clock nor longer than the run).
        let (seconds, start) = if (wall - measured).abs() <= CLOCK_STEP {
            (wall.max(0.0), seg.start.min(now))
        } else {
            let start = now.checked_sub(jiff::SignedDuration::from_secs_f64(measured)).unwrap_or(now);
            warn!(screen = %self.screen, wall_seconds = wall, measured_seconds = measured, "the system clock was stepped during a play; its measured length is recorded");
            (measured, start)
        };
        self.recorder.play(Play {
            screen: self.screen.clone(),
            content: content.to_string(),
            item,
            revision,
            content_sha256: seg.content_sha256,
            category,
            list,
            urgent,
            window,
            min_seconds_per_day: min,
            slot: a.slot_name.clone(),
            start,
            end: now,
            seconds: (seconds * 1000.0).round() / 1000.0,
            ended: reason,
            sinks,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::evidence::{LogConfig, verify};
    use crate::schedule::Effect;
    use crate::sinks::MnOmitted;

    /// The plays a tracker records while `sinks` report what they left out.
    fn plays(run: impl FnOnce(&mut PlayTracker, &[Arc<SinkStatus>])) -> Vec<Play> {
        events(2, run).into_iter().filter_map(|e| if let Event::Play(p) = e { Some(*p) } else { None }).collect()
    }

    /// Every event a tracker over `n` sinks records.
    fn events(n: usize, run: impl FnOnce(&mut PlayTracker, &[Arc<SinkStatus>])) -> Vec<Event> {
        let d = tempfile::tempdir().unwrap();
        let cfg = LogConfig { dir: d.path().to_path_buf(), rotate_bytes: 1 << 20, time_zone: jiff::tz::TimeZone::UTC };
        // The clock at the plays' day: the writer refuses records from the future.
        let clock = Clock::starting_at("2026-12-01T01:00:00Z".parse().unwrap());
        let (rec, dormant) = Recorder::open(&cfg, clock, Event::Stop, 64).unwrap();
        let sinks: Vec<_> = ["bx", "png"][..n].iter().map(|k| Arc::new(SinkStatus::new("门口", k))).collect();
        let mut t = PlayTracker::new("门口", rec.clone(), sinks.clone());
        run(&mut t, &sinks);
        let h = dormant.spawn().unwrap();
        rec.stop();
        h.join().unwrap();
        let mut out = Vec::new();
        let v = verify::read(d.path(), |r| out.push(r.event.clone())).unwrap();
        assert!(v.problem.is_none(), "{:?}", v.problem);
        out
    }

    #[test]
    fn a_play_names_the_sink_that_left_the_mongolian_out_and_only_for_that_content() {
        let at = |m: i64| "2026-12-01T01:00:00Z".parse::<Timestamp>().unwrap() + jiff::SignedDuration::from_mins(m);
        let first = crate::schedule::testkit::notice_on_air(None, "甲", Effect::Static { page_seconds: 5.0 }, 60, at(0));
        let mut second = first.clone();
        second.seq = first.seq + 1;
        let p = plays(|t, sinks| {
            t.change(&first, None, at(0));
            // The card planned the first content and showed it in Chinese alone; the png sink left nothing out.
            sinks[0].planned(first.seq, Some(MnOmitted::Chinese));
            t.change(&second, None, at(1));
            // The card has not planned the second content yet when it ends: nothing to say about it.
            t.stop(at(2));
        });
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0].sinks.iter().map(|s| s.mn_omitted).collect::<Vec<_>>(), vec![Some(MnOmitted::Chinese), None]);
        assert_eq!(p[1].sinks.iter().map(|s| s.mn_omitted).collect::<Vec<_>>(), vec![None, None]);
    }

    /// Issue 13, item 5: a card replugged between two frames (its link lost and found again, its
    /// text sent again) still leaves a `device` gap in the log, and the play is split around it.
    #[test]
    fn a_replug_quicker_than_a_frame_still_records_a_device_gap() {
        let at = |s: i64| "2026-12-01T01:00:00Z".parse::<Timestamp>().unwrap() + jiff::SignedDuration::from_secs(s);
        let on = crate::schedule::testkit::notice_on_air(None, "甲", Effect::Static { page_seconds: 5.0 }, 600, at(0));
        let ev = events(1, |t, sinks| {
            t.change(&on, None, at(0));
            t.observe(crate::sinks::Power::default(), Some(&on), at(1));
            sinks[0].lapsed(); // no error left behind: the content is already back
            t.observe(crate::sinks::Power::default(), Some(&on), at(2));
            t.observe(crate::sinks::Power::default(), Some(&on), at(3));
            t.stop(at(4));
        });
        let devices: Vec<bool> = ev.iter().filter_map(|e| if let Event::Device { ok, .. } = e { Some(*ok) } else { None }).collect();
        assert_eq!(devices, vec![false, true], "{ev:?}");
        let plays: Vec<EndReason> = ev.iter().filter_map(|e| if let Event::Play(p) = e { Some(p.ended) } else { None }).collect();
        assert_eq!(plays, vec![EndReason::DeviceError, EndReason::Shutdown], "{ev:?}");
    }
}
