//! Cron-style recurrence for `when` rules: `minute hour day-of-month month day-of-week`,
//! with `*`, lists, ranges, steps and names. Day-of-week 0 and 7 are Sunday, as in
//! Vixie cron; when both day fields are restricted a day matching either counts.

use jiff::civil::DateTime;

/// A parsed cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    text: String,
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    dom_any: bool,
    dow_any: bool,
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn field(spec: &str, min: u32, max: u32, names: &[&str], name_base: u32) -> Result<(u64, bool), String> {
    let mut bits = 0u64;
    let value = |s: &str| -> Result<u32, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            return Ok(i as u32 + name_base);
        }
        s.parse::<u32>().ok().filter(|v| (min..=max).contains(v)).ok_or_else(|| format!("`{s}` is not between {min} and {max}"))
    };
    for part in spec.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(|| format!("bad step in `{part}`"))?),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a)?, value(b)?)
        } else {
            let v = value(range)?;
            (v, if part.contains('/') { max } else { v })
        };
        // `sat-sun` in the day-of-week field: Sunday as 7 closes the range.
        let hi = if max == 7 && hi == 0 && lo > 0 { 7 } else { hi };
        if lo > hi {
            return Err(format!("range `{range}` runs backwards"));
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok((bits, spec == "*"))
}

impl Cron {
    pub fn parse(text: &str) -> Result<Cron, String> {
        let f: Vec<&str> = text.split_whitespace().collect();
        if f.len() != 5 {
            return Err(format!("`{text}` needs 5 fields: minute hour day-of-month month day-of-week"));
        }
        let (minutes, _) = field(f[0], 0, 59, &[], 0)?;
        let (hours, _) = field(f[1], 0, 23, &[], 0)?;
        let (days, dom_any) = field(f[2], 1, 31, &[], 0)?;
        let (months, _) = field(f[3], 1, 12, &MONTHS, 1)?;
        let (mut wd, dow_any) = field(f[4], 0, 7, &DAYS, 0)?;
        if wd & (1 << 7) != 0 {
            wd = (wd | 1) & 0x7f;
        }
        Ok(Cron {
            text: text.to_string(),
            minutes,
            hours: hours as u32,
            days: days as u32,
            months: months as u16,
            weekdays: wd as u8,
            dom_any,
            dow_any,
        })
    }

    /// Whether the expression fires in the minute of `t`.
    pub fn fires_at(&self, t: DateTime) -> bool {
        let dom = self.days & (1 << t.day()) != 0;
        let dow = self.weekdays & (1 << t.weekday().to_sunday_zero_offset()) != 0;
        let day = match (self.dom_any, self.dow_any) {
            (true, true) => true,
            (true, false) => dow,
            (false, true) => dom,
            (false, false) => dom || dow,
        };
        self.minutes & (1 << t.minute()) != 0 && self.hours & (1 << t.hour()) != 0 && self.months & (1 << t.month()) != 0 && day
    }

    /// Whether `t` falls within `minutes` minutes after a firing.
    pub fn within(&self, t: DateTime, minutes: u32) -> bool {
        let mut m = t.with().second(0).subsec_nanosecond(0).build().unwrap_or(t);
        for _ in 0..minutes.max(1) {
            if self.fires_at(m) {
                return true;
            }
            match m.checked_sub(jiff::SignedDuration::from_mins(1)) {
                Ok(p) => m = p,
                Err(_) => return false,
            }
        }
        false
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> DateTime {
        s.parse().unwrap()
    }

    #[test]
    fn weekday_numbering_and_windows() {
        // 2026-12-06 is a Sunday: 0, 7 and `sun` all mean it.
        for spec in ["0 8 * * 0", "0 8 * * 7", "0 8 * * sun", "0 8 * * sat-sun"] {
            let c = Cron::parse(spec).unwrap();
            assert!(c.fires_at(dt("2026-12-06T08:00")), "{spec}");
            assert!(!c.fires_at(dt("2026-12-07T08:00")), "{spec} not Monday");
        }
        let c = Cron::parse("30 7 * * mon-fri").unwrap();
        assert!(c.within(dt("2026-12-07T09:29"), 120));
        assert!(!c.within(dt("2026-12-07T09:30"), 120));
        assert!(!c.within(dt("2026-12-06T08:00"), 120), "Sunday");
    }

    #[test]
    fn day_fields_or_when_both_restricted_and_steps() {
        let c = Cron::parse("0 9 1,15 * mon").unwrap();
        assert!(c.fires_at(dt("2026-12-01T09:00")), "1st");
        assert!(c.fires_at(dt("2026-12-07T09:00")), "a Monday");
        assert!(!c.fires_at(dt("2026-12-08T09:00")));
        let c = Cron::parse("*/15 * * jan,dec *").unwrap();
        assert!(c.fires_at(dt("2026-12-08T10:45")));
        assert!(!c.fires_at(dt("2026-11-08T10:45")));
        assert!(Cron::parse("60 * * * *").is_err());
        assert!(Cron::parse("* * *").is_err());
    }
}
