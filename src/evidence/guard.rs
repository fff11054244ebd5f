//! Whether a record's times can be true: none ahead of the trusted clock, and a play
//! no longer than the time it had. The writer refuses a record by this check, and the
//! report flags an old log's records by the same check, so the two never disagree.
//!
//! Pure: every time is an argument; reads no clock. A rehearsal (`run --at`) stamps
//! records with made-up times, which is why it writes to a log of its own.

use jiff::{SignedDuration, Timestamp};

use super::record::Event;

/// How far a record may run ahead of the trusted clock (clocks of a few machines,
/// the moment between stamping and writing). The same skew a feed's `generated_at` gets.
pub(crate) const SKEW: SignedDuration = SignedDuration::from_mins(10);

/// A play's `seconds` may exceed its end minus start by rounding only.
const ROUNDING: f64 = 1.0;

/// Why a record's times cannot be true.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Doubt {
    /// A time in it is later than the trusted clock allowed.
    Ahead { claimed: Timestamp, trusted: Timestamp },
    /// A play that ends before it starts.
    EndsBeforeStart,
    /// A play whose `seconds` exceed its own start-to-end span.
    SecondsExceedSpan { seconds: f64, span: f64 },
    /// A play longer than the daemon had been running when it ended.
    LongerThanRun { span: f64, run: f64 },
    /// Stamped by an untrusted clock earlier than a trusted record before it (a rehearsal
    /// with `--at` in the past, or a board that booted without the time). Only a reader of
    /// the whole log can see this; the writer cannot.
    Behind { claimed: Timestamp, trusted: Timestamp },
}

impl Doubt {
    /// A short machine word for JSON and tests.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Doubt::Ahead { .. } => "future",
            Doubt::Behind { .. } => "behind",
            Doubt::EndsBeforeStart | Doubt::SecondsExceedSpan { .. } | Doubt::LongerThanRun { .. } => "over_long",
        }
    }

    pub(crate) fn zh(&self) -> String {
        match self {
            Doubt::Ahead { claimed, trusted } => format!("记录时间 {claimed} 晚于可信时钟 {trusted}（来自未来）"),
            Doubt::EndsBeforeStart => "显示结束早于开始".to_string(),
            Doubt::SecondsExceedSpan { seconds, span } => format!("显示秒数 {seconds:.0} 超过起止时间之差 {span:.0} 秒"),
            Doubt::LongerThanRun { span, run } => format!("显示了 {span:.0} 秒，但程序当时只运行了 {run:.0} 秒"),
            Doubt::Behind { claimed, trusted } => {
                format!("时钟不可信时记下的时间 {claimed} 早于此前可信记录的 {trusted}（时间倒退，可能是演练或未对时）")
            }
        }
    }

    pub(crate) fn en(&self) -> String {
        match self {
            Doubt::Ahead { claimed, trusted } => format!("time {claimed} is ahead of the trusted clock {trusted} (from the future)"),
            Doubt::EndsBeforeStart => "play ends before it starts".to_string(),
            Doubt::SecondsExceedSpan { seconds, span } => format!("play claims {seconds:.0} s within a {span:.0} s span"),
            Doubt::LongerThanRun { span, run } => format!("play lasted {span:.0} s but the daemon had run only {run:.0} s"),
            Doubt::Behind { claimed, trusted } => {
                format!(
                    "time {claimed}, from an untrusted clock, is before an earlier trusted record's {trusted} (time went back: a rehearsal or an unset clock)"
                )
            }
        }
    }
}

impl std::fmt::Display for Doubt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.zh(), self.en())
    }
}

/// The latest time a record claims: its own `at`, or a play's end if later.
pub(crate) fn latest(at: Timestamp, event: &Event) -> Timestamp {
    match event {
        Event::Play(p) => at.max(p.end).max(p.start),
        _ => at,
    }
}

/// Checks a record stamped `at` against the trusted clock's `trusted` reading and,
/// when known, how long the daemon had been running (`run`) when it was recorded.
pub(crate) fn check(at: Timestamp, event: &Event, trusted: Timestamp, run: Option<SignedDuration>) -> Option<Doubt> {
    let claimed = latest(at, event);
    if claimed > trusted.checked_add(SKEW).unwrap_or(Timestamp::MAX) {
        return Some(Doubt::Ahead { claimed, trusted });
    }
    let Event::Play(p) = event else { return None };
    if p.end < p.start {
        return Some(Doubt::EndsBeforeStart);
    }
    let span = p.end.duration_since(p.start).as_secs_f64();
    if p.seconds > span + ROUNDING {
        return Some(Doubt::SecondsExceedSpan { seconds: p.seconds, span });
    }
    if let Some(run) = run
        && span > (run + SKEW).as_secs_f64()
    {
        return Some(Doubt::LongerThanRun { span, run: run.as_secs_f64() });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::record::{EndReason, Play};

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn play(start: &str, end: &str, seconds: f64) -> Event {
        Event::Play(Box::new(Play {
            screen: "s".into(),
            content: "item".into(),
            item: "local/a".into(),
            revision: None,
            content_sha256: None,
            category: None,
            list: None,
            urgent: None,
            window: None,
            min_seconds_per_day: None,
            slot: "x".into(),
            start: at(start),
            end: at(end),
            seconds,
            ended: EndReason::SlotEnd,
            sinks: vec![],
        }))
    }

    #[test]
    fn a_record_from_the_future_is_doubted_within_the_skew_it_is_not() {
        let now = at("2026-12-01T09:00:00Z");
        let stop = Event::Stop;
        assert_eq!(check(at("2026-12-01T09:09:59Z"), &stop, now, None), None);
        assert_eq!(check(at("2099-01-01T00:00:00Z"), &stop, now, None), Some(Doubt::Ahead { claimed: at("2099-01-01T00:00:00Z"), trusted: now }));
        // A play recorded now whose end lies in the future.
        let p = play("2026-12-01T08:59:00Z", "2099-01-01T00:00:00Z", 10.0);
        assert_eq!(check(now, &p, now, None).map(|d| d.code()), Some("future"));
    }

    #[test]
    fn a_play_longer_than_its_span_or_its_run_is_doubted() {
        let now = at("2026-12-01T09:00:00Z");
        let ok = play("2026-12-01T08:59:00Z", "2026-12-01T09:00:00Z", 60.0);
        assert_eq!(check(now, &ok, now, Some(SignedDuration::from_secs(60))), None);
        let bad = play("2026-12-01T08:59:00Z", "2026-12-01T09:00:00Z", 2_274_912_954.0);
        assert!(matches!(check(now, &bad, now, None), Some(Doubt::SecondsExceedSpan { .. })));
        let inverted = play("2026-12-01T09:00:00Z", "2026-12-01T08:00:00Z", 0.0);
        assert_eq!(check(now, &inverted, now, None), Some(Doubt::EndsBeforeStart));
        // A clock that jumped: the play's span (a day) is far more than the 5 s the daemon ran.
        let jumped = play("2026-11-30T09:00:00Z", "2026-12-01T09:00:00Z", 86_400.0);
        let d = check(now, &jumped, now, Some(SignedDuration::from_secs(5))).unwrap();
        assert_eq!(d, Doubt::LongerThanRun { span: 86_400.0, run: 5.0 });
        assert!(d.to_string().starts_with("显示了 86400 秒，但程序当时只运行了 5 秒 / play lasted 86400 s"), "{d}");
    }
}
