//! The report's figures on small hand-made logs: local days, outages judged by the
//! screen hours, records whose times cannot be true.

use super::*;
use crate::evidence::record::Play;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn rec(event: Event, at: &str) -> Record {
    Record { seq: 0, at: at.parse().unwrap(), prev: String::new(), clock_trusted: true, event }
}

fn play(item: &str, start: &str, end: &str) -> Record {
    let p = Play {
        screen: "s".into(),
        min_seconds_per_day: Some(3600),
        slot: "x".into(),
        seconds: 0.0,
        ..Play::sample(item, start.parse().unwrap(), end.parse().unwrap())
    };
    rec(Event::Play(Box::new(p)), end)
}

#[test]
fn a_play_across_midnight_counts_on_both_days_in_local_time() {
    let q = Query { time_zone: Some(TimeZone::get("Asia/Shanghai").unwrap()), ..Query::new(d("2026-12-01"), d("2026-12-02")) };
    let mut b = Builder::new(q);
    b.add(&rec(Event::Power { screen: "s".into(), on: false, brightness: 0 }, "2026-12-01T22:30:00+08:00"));
    b.add(&rec(Event::Power { screen: "s".into(), on: true, brightness: 100 }, "2026-12-02T06:00:00+08:00"));
    b.add(&play("local/a", "2026-12-01T21:00:00+08:00", "2026-12-01T22:30:00+08:00"));
    b.add(&play("local/a", "2026-12-01T23:00:00+08:00", "2026-12-02T01:00:00+08:00"));
    let r = b.finish("2026-12-03T00:00:00+08:00".parse().unwrap());
    let days = &r.items[0].days;
    assert_eq!(days.len(), 2);
    // Day 1: shown 21:00-22:30 and (while marked off) nothing counts after 22:30.
    assert_eq!(days[0].shown_ms, 5_400_000);
    assert_eq!(days[0].screen_off_ms, 5_400_000);
    assert_eq!(days[0].offline_ms, 21 * 3_600_000);
    assert_eq!(days[1].shown_ms, 0, "the screen was off: a play logged then is not counted as shown");
    assert_eq!(days[1].on_hours_ms, 18 * 3_600_000);
    assert_eq!(days[1].meets_min, Some(false));
    for d in days {
        assert_eq!(d.shown_ms + d.preempted_ms + d.rotation_ms + d.idle_ms + d.device_error_ms + d.offline_ms, d.on_hours_ms);
        assert_eq!(d.on_hours_ms + d.screen_off_ms, 86_400_000);
    }
}

fn sh() -> Option<TimeZone> {
    Some(TimeZone::get("Asia/Shanghai").unwrap())
}

/// A record in chain order (seq counts up), stamped by a trusted clock unless said.
struct Log {
    records: Vec<Record>,
}

impl Log {
    fn new() -> Log {
        Log { records: Vec::new() }
    }

    fn push(&mut self, event: Event, at: &str, trusted: bool) -> &mut Log {
        let seq = self.records.len() as u64;
        self.records.push(Record { seq, at: at.parse().unwrap(), prev: String::new(), clock_trusted: trusted, event });
        self
    }

    fn at(&mut self, at: &str, event: Event) -> &mut Log {
        self.push(event, at, true)
    }

    fn play(&mut self, item: &str, start: &str, end: &str) -> &mut Log {
        let r = play(item, start, end);
        self.push(r.event, end, true)
    }

    fn report(&self, q: Query, now: &str) -> Report {
        let mut b = Builder::new(q);
        for r in &self.records {
            b.add(r);
        }
        b.finish(now.parse().unwrap())
    }
}

fn start(hours: Option<&[&str]>) -> Event {
    Event::Start {
        version: "t".into(),
        config: "yiping.toml".into(),
        time_zone: "Asia/Shanghai".into(),
        screens: vec!["s".into()],
        village: Some("青山村".into()),
        hours: hours.map(|h| [("s".to_string(), h.iter().map(|w| w.to_string()).collect())].into_iter().collect()),
    }
}

fn power(on: bool) -> Event {
    Event::Power { screen: "s".into(), on, brightness: if on { 100 } else { 0 } }
}

/// Hours 07:00-21:00. Dec 1 runs all day; the box loses power at 02:00 on Dec 2 and
/// comes back at 09:00 (issue 12: the morning outage was reported as screen off).
fn outage_log(hours: Option<&[&str]>) -> Log {
    let mut l = Log::new();
    l.at("2026-12-01T00:00:00+08:00", start(hours))
        .at("2026-12-01T00:00:00+08:00", power(false))
        .at("2026-12-01T07:00:00+08:00", power(true))
        .play("local/a", "2026-12-01T07:00:00+08:00", "2026-12-01T21:00:00+08:00")
        .at("2026-12-01T21:00:00+08:00", power(false))
        .at("2026-12-02T02:00:00+08:00", Event::SourceRecovered { source: "feed".into() })
        .at("2026-12-02T09:00:00+08:00", start(hours))
        .at("2026-12-02T09:00:00+08:00", power(true))
        .play("local/a", "2026-12-02T09:00:00+08:00", "2026-12-02T21:00:00+08:00")
        .at("2026-12-02T21:00:00+08:00", power(false))
        .at("2026-12-02T23:00:00+08:00", Event::Stop);
    l
}

const H: i64 = 3_600_000;

#[test]
fn time_in_screen_hours_while_yiping_was_down_is_offline_not_screen_off() {
    let hours: &[&str] = &["07:00-21:00"];
    let q =
        || Query { time_zone: sh(), trusted_now: Some("2026-12-03T00:00:00+08:00".parse().unwrap()), ..Query::new(d("2026-12-02"), d("2026-12-02")) };
    let r = outage_log(Some(hours)).report(q(), "2026-12-03T00:00:00+08:00");
    let day = &r.items[0].days[0];
    assert_eq!(day.shown_ms, 12 * H);
    assert_eq!(day.offline_ms, 2 * H, "07:00-09:00: the screen should have been on");
    assert_eq!(day.screen_off_ms, 10 * H, "00:00-07:00 and 21:00-24:00: scheduled off, daemon up or not");
    assert_eq!(day.on_hours_ms, 14 * H);
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    let kinds: Vec<(Option<Cause>, String, String, Option<i64>)> =
        r.outages.iter().map(|o| (o.cause, o.from.to_string(), o.until.to_string(), o.in_hours_ms)).collect();
    assert_eq!(
        kinds,
        [
            (Some(Cause::Crashed), "2026-12-01T18:00:00Z".into(), "2026-12-02T01:00:00Z".into(), Some(2 * H)),
            (Some(Cause::Stopped), "2026-12-02T15:00:00Z".into(), "2026-12-02T16:00:00Z".into(), Some(0)),
        ]
    );

    // A log from before hours were recorded: the outage counts as offline in full, and the
    // report says so; given the configuration's hours, the figures are the same as above.
    let old = outage_log(None);
    let r = old.report(q(), "2026-12-03T00:00:00+08:00");
    let day = &r.items[0].days[0];
    assert_eq!((day.offline_ms, day.screen_off_ms), (8 * H, 4 * H));
    assert!(r.notes[0].en.contains("pass --config"), "{:?}", r.notes);
    let with_config = Query { hours: Some([("s".to_string(), vec!["07:00-21:00".to_string()])].into_iter().collect()), ..q() };
    let r = old.report(with_config, "2026-12-03T00:00:00+08:00");
    assert_eq!((r.items[0].days[0].offline_ms, r.items[0].days[0].screen_off_ms), (2 * H, 10 * H));
    assert_eq!(r.village.as_deref(), Some("青山村"));
}

#[test]
fn records_whose_times_cannot_be_true_are_left_out_and_listed() {
    let mut l = Log::new();
    l.at("2026-12-01T08:00:00+08:00", start(None)).play("local/a", "2026-12-01T08:00:00+08:00", "2026-12-01T09:00:00+08:00");
    // A clock moved to 2099 by a feed: the play on air seems to last 73 years.
    l.play("local/a", "2026-12-01T09:00:00+08:00", "2099-01-01T00:00:00+08:00");
    // A play claiming more seconds than its own span.
    let mut bad = play("local/a", "2026-12-01T09:00:00+08:00", "2026-12-01T09:01:00+08:00");
    if let Event::Play(p) = &mut bad.event {
        p.seconds = 86_400.0;
    }
    l.push(bad.event, "2026-12-01T09:01:00+08:00", true);
    // A rehearsal with --at a week ahead wrote into this log, then the real daemon started again.
    l.push(start(None), "2026-12-07T09:00:00+08:00", false);
    let mut rehearsed = play("local/a", "2026-12-07T09:00:00+08:00", "2026-12-07T10:00:00+08:00");
    rehearsed.clock_trusted = false;
    l.push(rehearsed.event, "2026-12-07T10:00:00+08:00", false);
    l.at("2026-12-01T10:00:00+08:00", start(None));
    // And one with --at in the past.
    l.push(start(None), "2026-11-20T09:00:00+08:00", false);
    let rehearsed = play("local/a", "2026-11-20T09:00:00+08:00", "2026-11-20T10:00:00+08:00");
    l.push(rehearsed.event, "2026-11-20T10:00:00+08:00", false);
    let q =
        Query { time_zone: sh(), trusted_now: Some("2026-12-31T00:00:00+08:00".parse().unwrap()), ..Query::new(d("2026-11-20"), d("2026-12-07")) };
    let r = l.report(q, "2026-12-31T00:00:00+08:00");
    let codes: Vec<(u64, &str, &str)> = r.anomalies.iter().map(|a| (a.seq, a.kind.as_str(), a.code.as_str())).collect();
    assert_eq!(
        codes,
        [
            (2, "play", "future"),
            (3, "play", "over_long"),
            (4, "start", "future"),
            (5, "play", "future"),
            (7, "start", "behind"),
            (8, "play", "behind")
        ]
    );
    assert!(r.anomalies[3].zh.contains("以第 #6 条启动记录为准"), "{:?}", r.anomalies[3]);
    let shown: i64 = r.items.iter().map(|i| i.total_shown_ms).sum();
    assert_eq!(shown, H, "only the real hour 08:00-09:00 on Dec 1 counts");
    assert!(r.notes.iter().any(|n| n.zh.contains("有 6 条记录的时间不可信")), "{:?}", r.notes);
}
