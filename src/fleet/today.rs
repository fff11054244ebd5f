//! Seconds each item was shown on each screen today, from the play records, for the fleet status.
//!
//! The district's table flags items below their daily minimum (`min_seconds_per_day`)
//! so far today. Fed with records in order (today's files are read once at
//! start, then the new ones as they come); a play that crosses midnight counts
//! only its part within today. Pure: `now` and the zone are arguments.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;

use crate::evidence::record::{Event, Record};

/// An item that has not yet had its daily minimum on a screen today.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Below {
    pub screen: String,
    pub item: String,
    pub shown_seconds: f64,
    pub min_seconds: u32,
}

pub(crate) struct Today {
    tz: TimeZone,
    day: Date,
    bounds: (Timestamp, Timestamp),
    /// (screen, item) -> seconds shown today.
    shown: BTreeMap<(String, String), f64>,
}

fn bounds(day: Date, tz: &TimeZone) -> (Timestamp, Timestamp) {
    let start = day.to_zoned_datetime(tz.clone()).map(|z| z.timestamp()).unwrap_or(Timestamp::MIN);
    let end = day.checked_add(1.day()).ok().and_then(|d| d.to_zoned_datetime(tz.clone()).ok()).map(|z| z.timestamp()).unwrap_or(Timestamp::MAX);
    (start, end)
}

impl Today {
    pub(crate) fn new(tz: TimeZone, now: Timestamp) -> Today {
        let day = now.to_zoned_datetime(tz.clone()).date();
        Today { bounds: bounds(day, &tz), tz, day, shown: BTreeMap::new() }
    }

    /// The local day, as the log names its files (`YYYY-MM-DD`).
    pub(crate) fn day_name(&self) -> String {
        self.day.strftime("%Y-%m-%d").to_string()
    }

    /// Starts a new day when `now` has passed midnight (counts restart from zero).
    pub(crate) fn roll(&mut self, now: Timestamp) -> bool {
        let day = now.to_zoned_datetime(self.tz.clone()).date();
        if day == self.day {
            return false;
        }
        self.day = day;
        self.bounds = bounds(day, &self.tz);
        self.shown.clear();
        true
    }

    pub(crate) fn add(&mut self, r: &Record) {
        let Event::Play(p) = &r.event else { return };
        if p.content != "item" {
            return;
        }
        let (from, to) = (p.start.max(self.bounds.0), p.end.min(self.bounds.1));
        if to <= from {
            return;
        }
        let secs = to.duration_since(from).as_secs_f64();
        *self.shown.entry((p.screen.clone(), p.item.clone())).or_default() += secs;
    }

    /// Of the expected (screen, item, minimum) triples, those below their minimum so far.
    pub(crate) fn below(&self, expected: &[(String, String, u32)]) -> Vec<Below> {
        expected
            .iter()
            .filter_map(|(screen, item, min)| {
                let shown = self.shown.get(&(screen.clone(), item.clone())).copied().unwrap_or(0.0);
                (shown < *min as f64).then(|| Below { screen: screen.clone(), item: item.clone(), shown_seconds: shown.floor(), min_seconds: *min })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::record::{GENESIS, Play};

    fn play(item: &str, start: &str, end: &str) -> Record {
        let (start, end): (Timestamp, Timestamp) = (start.parse().unwrap(), end.parse().unwrap());
        Record {
            seq: 0,
            at: end,
            prev: GENESIS.into(),
            clock_trusted: true,
            event: Event::Play(Box::new(Play { urgent: None, min_seconds_per_day: Some(600), ..Play::sample(item, start, end) })),
        }
    }

    #[test]
    fn plays_count_only_within_the_local_day_and_a_new_day_starts_from_zero() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let mut t = Today::new(tz, "2026-12-01T10:00:00+08:00".parse().unwrap());
        assert_eq!(t.day_name(), "2026-12-01");
        // 23:55 the day before to 00:05: five minutes count.
        t.add(&play("local/a", "2026-11-30T23:55:00+08:00", "2026-12-01T00:05:00+08:00"));
        t.add(&play("local/b", "2026-12-01T09:00:00+08:00", "2026-12-01T09:20:00+08:00"));
        let expected = vec![("门口".to_string(), "local/a".to_string(), 600), ("门口".to_string(), "local/b".to_string(), 600)];
        assert_eq!(t.below(&expected), vec![Below { screen: "门口".into(), item: "local/a".into(), shown_seconds: 300.0, min_seconds: 600 }]);
        assert!(!t.roll("2026-12-01T23:59:00+08:00".parse().unwrap()));
        assert!(t.roll("2026-12-02T00:00:00+08:00".parse().unwrap()));
        assert_eq!(t.below(&expected).len(), 2);
    }
}
