//! Calendar rules (`when`): date ranges, weekdays, days of the month and daily time
//! windows, evaluated in the screen's local time. Pure: the caller passes local time.

use std::fmt;

use jiff::ZonedDateTime;
use jiff::civil::{Date, Time, Weekday};

use super::cron::Cron;

/// When a playlist or slot applies. Every criterion given must hold; an empty rule always holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct When {
    /// Inclusive date ranges (a single date is a one-day range).
    pub dates: Vec<(Date, Date)>,
    pub weekdays: Vec<Weekday>,
    /// Days of the month, 1..=31.
    pub monthdays: Vec<i8>,
    /// Daily windows; `end <= start` crosses midnight (22:00-06:00).
    pub times: Vec<Window>,
    /// Cron recurrences, each holding for a number of minutes after it fires.
    pub cron: Vec<(Cron, u32)>,
}

/// A daily time window `[start, end)`; when `end <= start` it runs past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Time,
    pub end: Time,
}

impl Window {
    pub fn contains(&self, t: Time) -> bool {
        if self.start < self.end { self.start <= t && t < self.end } else { t >= self.start || t < self.end }
    }

    /// Length in seconds (a window crossing midnight wraps; equal ends mean all day).
    pub fn seconds(&self) -> i64 {
        let s = secs_of(self.start);
        let e = secs_of(self.end);
        if e > s { e - s } else { 86_400 - s + e }
    }

    /// Parses `HH:MM-HH:MM` as people type it: `8:00-12:00`, a full-width colon `：`, and a
    /// dash typed with a Chinese input method (`—`, `——`, `–`, `－`, `～`, `至`). Errors are
    /// (Chinese, English).
    pub fn parse(s: &str) -> Result<Window, (String, String)> {
        const DASHES: &[char] = &['-', '—', '–', '－', '~', '～', '至'];
        let bad = || (format!("“{s}”不是时间段：请写成 开始-结束，例如 07:00-21:00"), format!("`{s}` is not a time window like 07:00-21:00"));
        let (a, b) = s.split_once(DASHES).ok_or_else(bad)?;
        let p = |x: &str| -> Result<Time, (String, String)> {
            parse_time_of_day(x).ok_or_else(|| {
                (format!("“{}”不是时刻：请写成 07:30 这样（时:分）", x.trim()), format!("`{}` is not a time of day like 07:30", x.trim()))
            })
        };
        Ok(Window { start: p(a)?, end: p(b.trim_start().trim_start_matches(DASHES))? })
    }
}

/// A time of day as people write it: `7:30`, `07:30`, `07:30:15`, `24:00` (the end of the
/// day, as midnight), with a full-width colon `：` accepted.
pub(crate) fn parse_time_of_day(s: &str) -> Option<Time> {
    let s = s.trim().replace('：', ":");
    if s == "24:00" {
        return Some(Time::MIN);
    }
    let mut parts = s.split(':');
    let mut num = |max: i8| -> Option<i8> {
        let p = parts.next()?;
        let ok = (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| p.parse().ok()).flatten().filter(|n| *n <= max)
    };
    let (h, m) = (num(23)?, num(59)?);
    let sec = match parts.next() {
        None => 0,
        Some(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => p.parse::<i8>().ok().filter(|n| *n <= 59)?,
        Some(_) => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    Time::new(h, m, sec, 0).ok()
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start.strftime("%H:%M"), self.end.strftime("%H:%M"))
    }
}

pub(crate) fn secs_of(t: Time) -> i64 {
    t.hour() as i64 * 3600 + t.minute() as i64 * 60 + t.second() as i64
}

impl When {
    pub fn is_empty(&self) -> bool {
        self == &When::default()
    }

    /// Whether the rule holds at this local time. For a window crossing midnight, the
    /// morning part belongs to the previous day's date (22:00 Friday - 06:00 Saturday
    /// is "Friday night"), as operators mean it.
    pub fn matches(&self, local: &ZonedDateTime) -> bool {
        if !self.cron.is_empty() && !self.cron.iter().any(|(c, m)| c.within(local.datetime(), *m)) {
            return false;
        }
        let t = local.time();
        let today = local.date();
        if self.times.is_empty() {
            return self.day_matches(today);
        }
        self.times.iter().any(|w| {
            if !w.contains(t) {
                return false;
            }
            let day = if w.start >= w.end && t < w.end { today.yesterday().unwrap_or(today) } else { today };
            self.day_matches(day)
        })
    }

    fn day_matches(&self, d: Date) -> bool {
        (self.dates.is_empty() || self.dates.iter().any(|(a, b)| *a <= d && d <= *b))
            && (self.weekdays.is_empty() || self.weekdays.contains(&d.weekday()))
            && (self.monthdays.is_empty() || self.monthdays.contains(&d.day()))
    }
}

/// Parses `mon`..`sun` (also full English names and 周一..周日).
pub(crate) fn parse_weekday(s: &str) -> Result<Weekday, String> {
    use Weekday::*;
    Ok(match s.trim().to_lowercase().as_str() {
        "mon" | "monday" | "周一" | "星期一" => Monday,
        "tue" | "tuesday" | "周二" | "星期二" => Tuesday,
        "wed" | "wednesday" | "周三" | "星期三" => Wednesday,
        "thu" | "thursday" | "周四" | "星期四" => Thursday,
        "fri" | "friday" | "周五" | "星期五" => Friday,
        "sat" | "saturday" | "周六" | "星期六" => Saturday,
        "sun" | "sunday" | "周日" | "星期日" | "周天" | "星期天" => Sunday,
        _ => return Err(format!("`{s}` is not a weekday (mon, tue, wed, thu, fri, sat, sun)")),
    })
}

/// Parses `2026-12-01` or `2026-12-01..2026-12-31`.
pub(crate) fn parse_dates(s: &str) -> Result<(Date, Date), String> {
    let p = |x: &str| x.trim().parse::<Date>().map_err(|_| format!("`{}` is not a date like 2026-12-01", x.trim()));
    match s.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (p(a)?, p(b)?);
            if b < a {
                return Err(format!("`{s}`: the range ends before it starts"));
            }
            Ok((a, b))
        }
        None => {
            let d = p(s)?;
            Ok((d, d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;

    fn at(s: &str) -> ZonedDateTime {
        s.parse::<jiff::Timestamp>().unwrap().to_zoned_datetime(TimeZone::get("Asia/Shanghai").unwrap())
    }

    #[test]
    fn windows_crossing_midnight_belong_to_the_evening_they_start() {
        let w = When { weekdays: vec![Weekday::Friday], times: vec![Window::parse("22:00-06:00").unwrap()], ..When::default() };
        // 2026-12-04 is a Friday.
        assert!(w.matches(&at("2026-12-04T23:30:00+08:00")));
        assert!(w.matches(&at("2026-12-05T05:59:59+08:00")), "Saturday early morning is still Friday night");
        assert!(!w.matches(&at("2026-12-05T06:00:00+08:00")));
        assert!(!w.matches(&at("2026-12-05T23:00:00+08:00")), "Saturday night is not Friday night");
        assert!(!w.matches(&at("2026-12-04T05:00:00+08:00")), "Friday early morning is Thursday night");
    }

    #[test]
    fn dates_weekdays_and_monthdays_all_must_hold() {
        let w = When { dates: vec![parse_dates("2026-12-01..2026-12-31").unwrap()], monthdays: vec![1, 15], ..When::default() };
        assert!(w.matches(&at("2026-12-15T10:00:00+08:00")));
        assert!(!w.matches(&at("2026-12-16T10:00:00+08:00")));
        assert!(!w.matches(&at("2027-01-01T10:00:00+08:00")));
        assert!(When::default().matches(&at("2027-01-01T10:00:00+08:00")));
        assert_eq!(parse_weekday("周三"), Ok(Weekday::Wednesday));
        assert!(parse_dates("2026-12-31..2026-12-01").is_err());
    }

    #[test]
    fn window_lengths() {
        assert_eq!(Window::parse("07:00-21:00").unwrap().seconds(), 14 * 3600);
        assert_eq!(Window::parse("22:00-06:00").unwrap().seconds(), 8 * 3600);
        assert_eq!(Window::parse("00:00-24:00").unwrap().seconds(), 86_400);
        assert!(Window::parse("7am").is_err());
        // As a clerk types them: one-digit hours, a full-width colon, a Chinese dash.
        for s in ["8:00-12:00", "08:00—12:00", "08:00——12:00", "8：00 - 12：00", "08:00～12:00", "8:00至12:00"] {
            assert_eq!(Window::parse(s).map(|w| w.to_string()), Ok("08:00-12:00".to_string()), "{s}");
        }
        assert_eq!(Window::parse("8:00-25:00").unwrap_err().0, "“25:00”不是时刻：请写成 07:30 这样（时:分）");
        assert_eq!(Window::parse("八点到十二点").unwrap_err().0, "“八点到十二点”不是时间段：请写成 开始-结束，例如 07:00-21:00");
    }
}
