//! A moment on the command line (`--at`, `--from`): RFC 3339, or a local time in the configured zone.

use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// `2026-12-01T09:00:00+08:00` is exact; `2026-12-01 09:00`, `2026-12-01T09:00` and
/// `2026-12-01` (midnight) are read in the configuration's time zone, as a clerk means them.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Moment {
    Exact(Timestamp),
    Local(DateTime),
}

impl FromStr for Moment {
    type Err = String;
    fn from_str(s: &str) -> Result<Moment, String> {
        let s = s.trim();
        if let Ok(t) = s.parse::<Timestamp>() {
            return Ok(Moment::Exact(t));
        }
        if let Ok(dt) = s.replacen(' ', "T", 1).parse::<DateTime>() {
            return Ok(Moment::Local(dt));
        }
        if let Ok(d) = s.parse::<Date>() {
            return Ok(Moment::Local(d.to_datetime(jiff::civil::Time::midnight())));
        }
        Err(format!(
            "“{s}”不是时间：请写成 2026-12-01 09:00（本地时间）、2026-12-01（当天零点）或 2026-12-01T09:00:00+08:00 / `{s}` is not a time: write 2026-12-01 09:00 (local), 2026-12-01 (midnight) or 2026-12-01T09:00:00+08:00"
        ))
    }
}

impl Moment {
    /// The instant, a local time read in `tz` (a time skipped by a clock change moves forward).
    pub(crate) fn resolve(self, tz: &TimeZone) -> Timestamp {
        match self {
            Moment::Exact(t) => t,
            // Only a time past the year 9999 fails; such a clerk's typo stays at the UTC reading.
            Moment::Local(dt) => tz
                .to_ambiguous_timestamp(dt)
                .compatible()
                .unwrap_or_else(|_| TimeZone::UTC.to_ambiguous_timestamp(dt).compatible().unwrap_or_default()),
        }
    }
}

/// A time for people: local in the configured zone, to the minute, with its offset
/// (`2026-11-30 09:00 (+08:00)`), not `2026-11-30T01:00:00Z`.
pub(crate) fn human(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M (%:z)").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_in_the_configured_zone_and_shown_back_in_it() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let want: Timestamp = "2026-12-01T01:00:00Z".parse().unwrap();
        for s in ["2026-12-01 09:00", "2026-12-01T09:00", "2026-12-01 09:00:00", "2026-12-01T09:00:00+08:00"] {
            assert_eq!(s.parse::<Moment>().unwrap().resolve(&tz), want, "{s}");
        }
        assert_eq!("2026-12-01".parse::<Moment>().unwrap().resolve(&tz), "2026-11-30T16:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(human("2026-11-30T01:00:00Z".parse().unwrap(), &tz), "2026-11-30 09:00 (+08:00)");
        let e = "明天".parse::<Moment>().unwrap_err();
        assert!(e.starts_with("“明天”不是时间：请写成 2026-12-01 09:00"), "{e}");
    }
}
