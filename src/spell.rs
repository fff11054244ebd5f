//! Failure spells: when to say that something keeps failing (`Spell`) and when to try
//! it again (`Backoff`). The one helper every sink and source that can fail repeatedly uses.
//!
//! A dead serial port or a full disk fails on every frame; logging each one would
//! flood journald and wear the SD card. Callers keep one `Spell` per thing that can
//! fail and ask it whether to speak: one log line when a failure spell starts, a
//! reminder now and then with the count of repeats, one line when it ends. Retrying
//! a missing device at full speed would burn the CPU; `Backoff` doubles the wait
//! between attempts up to a cap. Time is an argument (no clock read here), and
//! nothing is lost: the repeats are counted and reported in the next line said.

use std::time::{Duration, Instant};

/// One failure spell's bookkeeping for one thing that can fail (a device, a path, a feed).
#[derive(Debug, Clone)]
pub(crate) struct Spell {
    reminder: Duration,
    failing: Option<Failing>,
}

#[derive(Debug, Clone)]
struct Failing {
    since: Instant,
    last_said: Instant,
    kind: String,
    /// Failures since the last line said.
    unsaid: u64,
    /// Failures in the whole spell.
    total: u64,
}

/// Say this failure: the caller logs one line with these fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Say {
    /// True for the first failure of a spell or a different error than before; false for a reminder.
    pub new: bool,
    /// Failures not logged since the previous line (0 for a new spell).
    pub repeated: u64,
    /// How long the spell has lasted.
    pub failing_for: Duration,
}

/// The spell is over: the caller logs one line saying so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recovered {
    pub failures: u64,
    pub lasted: Duration,
}

impl Spell {
    /// `reminder`: the least time between two lines about the same ongoing failure.
    pub(crate) fn new(reminder: Duration) -> Spell {
        Spell { reminder, failing: None }
    }

    /// Ten minutes between reminders: often enough to see a failure persists, rare enough for an SD card.
    pub(crate) fn default_reminder() -> Spell {
        Spell::new(Duration::from_secs(600))
    }

    /// Records a failure of `kind` (e.g. the error's message or kind); `Some` when it should be logged.
    pub(crate) fn failure(&mut self, kind: &str, now: Instant) -> Option<Say> {
        match &mut self.failing {
            None => {
                self.failing = Some(Failing { since: now, last_said: now, kind: kind.to_string(), unsaid: 0, total: 1 });
                Some(Say { new: true, repeated: 0, failing_for: Duration::ZERO })
            }
            Some(f) => {
                f.total += 1;
                let changed = f.kind != kind;
                if changed || now.saturating_duration_since(f.last_said) >= self.reminder {
                    let say = Say { new: changed, repeated: f.unsaid, failing_for: now.saturating_duration_since(f.since) };
                    f.last_said = now;
                    f.unsaid = 0;
                    if changed {
                        f.kind = kind.to_string();
                    }
                    Some(say)
                } else {
                    f.unsaid += 1;
                    None
                }
            }
        }
    }

    /// Records a success; `Some` when it ends a failure spell (log that it works again).
    pub(crate) fn success(&mut self, now: Instant) -> Option<Recovered> {
        self.failing.take().map(|f| Recovered { failures: f.total, lasted: now.saturating_duration_since(f.since) })
    }

    pub(crate) fn is_failing(&self) -> bool {
        self.failing.is_some()
    }

    /// Failures in the current spell (0 when not failing).
    pub(crate) fn failures(&self) -> u64 {
        self.failing.as_ref().map_or(0, |f| f.total)
    }
}

/// Doubling delays between attempts, from `min` to `max`.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
    /// No attempt before this.
    pub until: Option<Instant>,
}

impl Backoff {
    pub(crate) fn new(min: Duration, max: Duration) -> Backoff {
        Backoff { min, max, next: min, until: None }
    }

    /// Records a failure at `now`; returns the delay before the next attempt.
    pub(crate) fn fail(&mut self, now: Instant) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        self.until = Some(now + d);
        d
    }

    pub(crate) fn succeed(&mut self) {
        self.next = self.min;
        self.until = None;
    }

    /// Whether an attempt may be made at `now`.
    pub(crate) fn ready(&self, now: Instant) -> bool {
        self.until.is_none_or(|u| now >= u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A port that fails on every frame at 25 fps for an hour is logged a handful of times.
    #[test]
    fn a_dead_port_failing_every_frame_is_logged_once_then_every_reminder() {
        let t0 = Instant::now();
        let mut spell = Spell::new(Duration::from_secs(600));
        let mut said = Vec::new();
        for frame in 0..25 * 3600u64 {
            let now = t0 + Duration::from_millis(frame * 40);
            if let Some(s) = spell.failure("No such file or directory", now) {
                said.push((frame, s));
            }
        }
        assert_eq!(said.len(), 6, "{said:?}");
        assert_eq!(said[0], (0, Say { new: true, repeated: 0, failing_for: Duration::ZERO }));
        assert_eq!(said[1], (15_000, Say { new: false, repeated: 14_999, failing_for: Duration::from_secs(600) }));
        // Every failure is accounted for: said once each, or counted in the next line.
        let counted: u64 = said.iter().map(|(_, s)| 1 + s.repeated).sum();
        let tail = 25 * 3600 - 1 - said.last().unwrap().0;
        assert_eq!(counted + tail, 25 * 3600);
        let end = t0 + Duration::from_secs(3600);
        assert_eq!(spell.success(end), Some(Recovered { failures: 25 * 3600, lasted: Duration::from_secs(3600) }));
        assert!(!spell.is_failing());
    }

    #[test]
    fn a_different_error_is_said_at_once_and_a_new_spell_starts_fresh() {
        let t0 = Instant::now();
        let mut spell = Spell::new(Duration::from_secs(600));
        assert!(spell.failure("timeout", t0).is_some());
        assert!(spell.failure("timeout", t0 + Duration::from_secs(1)).is_none());
        let s = spell.failure("nack 0x03", t0 + Duration::from_secs(2)).unwrap();
        assert_eq!(s, Say { new: true, repeated: 1, failing_for: Duration::from_secs(2) });
        assert_eq!(spell.success(t0 + Duration::from_secs(3)).unwrap().failures, 3);
        assert_eq!(spell.success(t0 + Duration::from_secs(4)), None, "success without a spell says nothing");
        assert_eq!(spell.failure("timeout", t0 + Duration::from_secs(5)).unwrap().repeated, 0);
    }

    #[test]
    fn backoff_doubles_to_its_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(2));
        let t = Instant::now();
        assert!(b.ready(t));
        assert_eq!(b.fail(t), Duration::from_millis(500));
        assert!(!b.ready(t) && b.ready(t + Duration::from_millis(500)));
        assert_eq!(b.fail(t), Duration::from_secs(1));
        assert_eq!(b.fail(t), Duration::from_secs(2));
        assert_eq!(b.fail(t), Duration::from_secs(2));
        b.succeed();
        assert!(b.ready(t) && b.until.is_none());
        assert_eq!(b.fail(t), Duration::from_millis(500));
    }
}
