//! Screen hours and brightness: when a screen is lit and how brightly, as a pure
//! function of local time. Off reaches sinks as off (black frames, card off commands).

use jiff::ZonedDateTime;
use jiff::civil::Time;

use super::rules::{Window, secs_of};

/// Whether the screen is lit, and how bright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Power {
    pub on: bool,
    /// 0..=100 percent.
    pub brightness: u8,
}

impl Default for Power {
    fn default() -> Self {
        Power { on: true, brightness: 100 }
    }
}

/// A screen's daily hours and brightness steps, in its local time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScreenHours {
    /// Lit during any of these windows; empty: always lit.
    pub on: Vec<Window>,
    /// Brightness from each time of day until the next step (wrapping past midnight); empty: 100%.
    pub brightness: Vec<(Time, u8)>,
    /// Urgent content lights a screen that is off (flood, fire warnings at night).
    pub urgent_wakes: bool,
}

impl ScreenHours {
    /// Power at a local time, ignoring urgent content.
    pub fn power_at(&self, local: &ZonedDateTime) -> Power {
        let t = local.time();
        let on = self.on.is_empty() || self.on.iter().any(|w| w.contains(t));
        Power { on, brightness: self.brightness_at(t) }
    }

    fn brightness_at(&self, t: Time) -> u8 {
        if self.brightness.is_empty() {
            return 100;
        }
        // The last step at or before t; before the first step of the day, the day's last step still holds.
        let mut steps = self.brightness.clone();
        steps.sort_by_key(|(s, _)| *s);
        steps.iter().rev().find(|(s, _)| *s <= t).or(steps.last()).map_or(100, |(_, l)| *l)
    }

    /// Seconds the screen is lit in a day (overlapping windows counted once).
    pub fn on_seconds_per_day(&self) -> i64 {
        if self.on.is_empty() {
            return 86_400;
        }
        let mut lit = vec![false; 1440];
        for w in &self.on {
            let (s, len) = (secs_of(w.start) / 60, w.seconds() / 60);
            for m in 0..len {
                lit[((s + m) % 1440) as usize] = true;
            }
        }
        lit.iter().filter(|b| **b).count() as i64 * 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;

    fn at(s: &str, tz: &str) -> ZonedDateTime {
        s.parse::<jiff::Timestamp>().unwrap().to_zoned_datetime(TimeZone::get(tz).unwrap())
    }

    fn hours() -> ScreenHours {
        ScreenHours {
            on: vec![Window::parse("07:00-21:00").unwrap()],
            brightness: vec![("07:00".parse().unwrap(), 100), ("18:00".parse().unwrap(), 40)],
            urgent_wakes: false,
        }
    }

    #[test]
    fn on_hours_and_night_dimming() {
        let h = hours();
        assert_eq!(h.power_at(&at("2026-12-01T06:59:59+08:00", "Asia/Shanghai")), Power { on: false, brightness: 40 });
        assert_eq!(h.power_at(&at("2026-12-01T07:00:00+08:00", "Asia/Shanghai")), Power { on: true, brightness: 100 });
        assert_eq!(h.power_at(&at("2026-12-01T18:30:00+08:00", "Asia/Shanghai")), Power { on: true, brightness: 40 });
        assert!(!h.power_at(&at("2026-12-01T21:00:00+08:00", "Asia/Shanghai")).on);
        assert_eq!(h.on_seconds_per_day(), 14 * 3600);
        assert_eq!(ScreenHours::default().on_seconds_per_day(), 86_400);
    }

    #[test]
    fn local_hours_follow_daylight_saving() {
        // Berlin moves to summer time on 2026-03-29 at 02:00 local: 07:00 local is 06:00 UTC before, 05:00 UTC after.
        let h = hours();
        assert!(h.power_at(&at("2026-03-28T06:00:00Z", "Europe/Berlin")).on);
        assert!(!h.power_at(&at("2026-03-28T05:30:00Z", "Europe/Berlin")).on);
        assert!(h.power_at(&at("2026-03-30T05:00:00Z", "Europe/Berlin")).on);
        assert!(!h.power_at(&at("2026-03-30T04:59:00Z", "Europe/Berlin")).on);
    }
}
