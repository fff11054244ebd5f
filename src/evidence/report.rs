//! The compliance report: per screen and item, time shown each day against its
//! minimum, and every other second of the day explained.
//!
//! Pure: takes records and `now`, reads no file and no clock. Each day's time
//! is cut at every boundary and each piece given exactly one class, in this
//! order: screen off, device error, the item shown, preempted (another urgent
//! item), rotation (other items and notices), idle, offline (nothing recorded:
//! the daemon was not running). So shown + gaps = on-hours exactly, and
//! on-hours + off = the day's length. A screen with no off records is on all day.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;

use super::record::{Event, Record};

/// What to report on.
#[derive(Debug, Clone)]
pub struct Query {
    pub from: Date,
    /// Inclusive.
    pub to: Date,
    pub screen: Option<String>,
    /// An item key (`local/x`) or id (`x`).
    pub item: Option<String>,
    /// Overrides the zone the log's start records name.
    pub time_zone: Option<TimeZone>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Item(u32),
    Idle,
    Offline,
}

struct PlaySpan {
    start: i64,
    end: i64,
    what: Class,
}

#[derive(Default)]
struct ScreenLog {
    plays: Vec<PlaySpan>,
    /// (ms, on)
    power: Vec<(i64, bool)>,
    /// (ms, ok)
    device: Vec<(i64, bool)>,
}

#[derive(Debug, Clone, Default)]
struct ItemMeta {
    key: String,
    category: Option<String>,
    list: Option<String>,
    urgent: bool,
    revisions: Vec<u64>,
    window: Option<(Timestamp, Timestamp)>,
    min: Option<u32>,
    notice: bool,
    /// Delivered approved with a window in the period: expected on every screen.
    expected: bool,
}

/// Collects records, then computes the report.
pub struct Builder {
    q: Query,
    range: (i64, i64),
    tz_name: Option<String>,
    screens: BTreeMap<String, ScreenLog>,
    items: Vec<ItemMeta>,
    index: HashMap<String, u32>,
}

/// One day of one item on one screen, in milliseconds.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Day {
    pub date: String,
    pub shown_ms: i64,
    pub preempted_ms: i64,
    pub rotation_ms: i64,
    pub idle_ms: i64,
    pub device_error_ms: i64,
    pub offline_ms: i64,
    /// shown + preempted + rotation + idle + device_error + offline.
    pub on_hours_ms: i64,
    pub screen_off_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meets_min: Option<bool>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemReport {
    pub screen: String,
    pub item: String,
    pub category: Option<String>,
    pub list: Option<String>,
    pub urgent: bool,
    pub revisions: Vec<u64>,
    pub window: Option<(Timestamp, Timestamp)>,
    pub min_seconds_per_day: Option<u32>,
    pub total_shown_ms: i64,
    pub days_shown: usize,
    pub days_reported: usize,
    pub days_below_min: usize,
    pub days: Vec<Day>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub items: Vec<ItemReport>,
}

impl Builder {
    pub fn new(q: Query) -> Builder {
        let tz = q.time_zone.clone().unwrap_or(TimeZone::UTC);
        // Wide margins: the zone may only be known after reading (from start records).
        let lo = q.from.to_zoned_datetime(tz.clone()).map(|z| z.timestamp().as_millisecond()).unwrap_or(i64::MIN) - 2 * 86_400_000;
        let hi =
            q.to.checked_add(1.day()).ok().and_then(|d| d.to_zoned_datetime(tz).ok()).map(|z| z.timestamp().as_millisecond()).unwrap_or(i64::MAX)
                + 2 * 86_400_000;
        Builder { q, range: (lo, hi), tz_name: None, screens: BTreeMap::new(), items: Vec::new(), index: HashMap::new() }
    }

    pub fn add(&mut self, r: &Record) {
        match &r.event {
            Event::Start { time_zone, screens, .. } => {
                self.tz_name = Some(time_zone.clone());
                for s in screens {
                    if self.q.screen.as_ref().is_none_or(|q| q == s) {
                        self.screen(s);
                    }
                }
            }
            Event::Item(it) => {
                // Approved items are expected on screen during their window even if never shown.
                let (f, u) = (it.window.0.as_millisecond(), it.window.1.as_millisecond());
                if it.status != "approved" || u <= self.range.0 || f >= self.range.1 {
                    return;
                }
                let i = self.intern(&it.item, false);
                let m = &mut self.items[i as usize];
                m.category = Some(it.category.clone());
                m.list = it.list.clone();
                m.urgent = it.urgent;
                m.window = Some(it.window);
                m.min = it.min_seconds_per_day;
                m.expected = true;
                if !m.revisions.contains(&it.revision) {
                    m.revisions.push(it.revision);
                }
            }
            Event::Power { screen, on, .. } => self.screen(screen).power.push((r.at.as_millisecond(), *on)),
            Event::Device { screen, ok, .. } => self.screen(screen).device.push((r.at.as_millisecond(), *ok)),
            Event::Play(p) => {
                let (start, end) = (p.start.as_millisecond(), p.end.as_millisecond());
                if end <= self.range.0 || start >= self.range.1 || end <= start {
                    return;
                }
                if self.q.screen.as_ref().is_some_and(|s| *s != p.screen) {
                    return;
                }
                let what = match p.content.as_str() {
                    "idle" => Class::Idle,
                    _ => {
                        let i = self.intern(&p.item, p.content == "notice");
                        let m = &mut self.items[i as usize];
                        m.category = p.category.clone().or(m.category.take());
                        m.list = p.list.clone().or(m.list.take());
                        m.urgent = p.urgent.unwrap_or(false);
                        m.window = p.window.or(m.window);
                        m.min = p.min_seconds_per_day.or(m.min);
                        if let Some(rev) = p.revision
                            && !m.revisions.contains(&rev)
                        {
                            m.revisions.push(rev);
                        }
                        Class::Item(i)
                    }
                };
                self.screen(&p.screen).plays.push(PlaySpan { start, end, what });
            }
            _ => {}
        }
    }

    fn intern(&mut self, key: &str, notice: bool) -> u32 {
        let n = self.items.len() as u32;
        let i = *self.index.entry(key.to_string()).or_insert(n);
        if i == n {
            self.items.push(ItemMeta { key: key.to_string(), notice, ..ItemMeta::default() });
        }
        i
    }

    fn screen(&mut self, name: &str) -> &mut ScreenLog {
        if !self.screens.contains_key(name) {
            self.screens.insert(name.to_string(), ScreenLog::default());
        }
        self.screens.get_mut(name).expect("inserted")
    }

    fn wanted(&self, m: &ItemMeta) -> bool {
        match &self.q.item {
            None => !m.notice,
            Some(want) => m.key == *want || m.key.rsplit_once('/').is_some_and(|(_, id)| id == want),
        }
    }

    /// The report, with days cut off at `now` (the future is not yet offline).
    pub fn finish(mut self, now: Timestamp) -> Report {
        let tz = self.q.time_zone.clone().or_else(|| self.tz_name.as_deref().and_then(|n| TimeZone::get(n).ok())).unwrap_or(TimeZone::UTC);
        let tz_name = tz.iana_name().unwrap_or("UTC").to_string();
        let now = now.as_millisecond();
        let mut out = Vec::new();
        let q = self.q.clone();
        for log in self.screens.values_mut() {
            log.plays.sort_by_key(|p| p.start);
            log.power.sort_by_key(|p| p.0);
            log.device.sort_by_key(|p| p.0);
        }
        for (name, log) in &self.screens {
            if q.screen.as_ref().is_some_and(|s| s != name) {
                continue;
            }
            let mut on_screen: Vec<u32> = log.plays.iter().filter_map(|p| if let Class::Item(i) = p.what { Some(i) } else { None }).collect();
            // Items that should have been shown are listed even when they never were.
            on_screen.extend((0..self.items.len() as u32).filter(|&i| self.items[i as usize].expected));
            on_screen.sort_unstable();
            on_screen.dedup();
            // One pass per day gives every item's figures for that day.
            let mut days: Vec<(Date, i64, i64)> = Vec::new();
            let mut d = q.from;
            while d <= q.to {
                let a = d.to_zoned_datetime(tz.clone()).map(|z| z.timestamp().as_millisecond());
                let b = d.checked_add(1.day()).ok().and_then(|n| n.to_zoned_datetime(tz.clone()).ok()).map(|z| z.timestamp().as_millisecond());
                if let (Ok(a), Some(b)) = (a, b)
                    && a < now
                {
                    days.push((d, a, b.min(now)));
                }
                match d.checked_add(1.day()) {
                    Ok(n) => d = n,
                    Err(_) => break,
                }
            }
            let per_day: Vec<DayTotals> = days.iter().map(|&(_, a, b)| day_totals(log, a, b)).collect();
            for &i in &on_screen {
                let m = &self.items[i as usize];
                if !self.wanted(m) {
                    continue;
                }
                let mut rows = Vec::new();
                for ((date, a, b), t) in days.iter().zip(&per_day) {
                    // Only days that overlap the item's display window (all days when unknown).
                    if let Some((f, u)) = m.window
                        && (u.as_millisecond() <= *a || f.as_millisecond() >= *b)
                    {
                        continue;
                    }
                    let shown = t.items.get(&i).copied().unwrap_or(0);
                    let preempted: i64 = t.items.iter().filter(|(k, _)| **k != i && self.items[**k as usize].urgent).map(|(_, v)| v).sum();
                    let rotation = t.items_total - shown - preempted;
                    rows.push(Day {
                        date: date.to_string(),
                        shown_ms: shown,
                        preempted_ms: preempted,
                        rotation_ms: rotation,
                        idle_ms: t.idle,
                        device_error_ms: t.device,
                        offline_ms: t.offline,
                        on_hours_ms: t.on,
                        screen_off_ms: t.off,
                        meets_min: m.min.map(|min| shown >= min as i64 * 1000),
                    });
                }
                let total: i64 = rows.iter().map(|r| r.shown_ms).sum();
                out.push(ItemReport {
                    screen: name.clone(),
                    item: m.key.clone(),
                    category: m.category.clone(),
                    list: m.list.clone(),
                    urgent: m.urgent,
                    revisions: m.revisions.clone(),
                    window: m.window,
                    min_seconds_per_day: m.min,
                    total_shown_ms: total,
                    days_shown: rows.iter().filter(|r| r.shown_ms > 0).count(),
                    days_reported: rows.len(),
                    days_below_min: rows.iter().filter(|r| r.meets_min == Some(false)).count(),
                    days: rows,
                });
            }
        }
        out.sort_by(|a, b| (&a.item, &a.screen).cmp(&(&b.item, &b.screen)));
        Report { from: q.from.to_string(), to: q.to.to_string(), time_zone: tz_name, items: out }
    }
}

#[derive(Default)]
struct DayTotals {
    items: HashMap<u32, i64>,
    items_total: i64,
    idle: i64,
    device: i64,
    offline: i64,
    on: i64,
    off: i64,
}

/// State at `t` of a sorted transition list; `default` before the first.
fn state_at(list: &[(i64, bool)], t: i64, default: bool) -> bool {
    match list.partition_point(|(at, _)| *at <= t) {
        0 => default,
        n => list[n - 1].1,
    }
}

/// Classifies every millisecond of [a, b) on one screen.
fn day_totals(log: &ScreenLog, a: i64, b: i64) -> DayTotals {
    let mut cuts = vec![a, b];
    let first = log.plays.partition_point(|p| p.end <= a);
    let plays: Vec<&PlaySpan> = log.plays[first..].iter().take_while(|p| p.start < b).filter(|p| p.end > a).collect();
    for p in &plays {
        cuts.push(p.start.clamp(a, b));
        cuts.push(p.end.clamp(a, b));
    }
    for list in [&log.power, &log.device] {
        cuts.extend(list.iter().map(|(t, _)| *t).filter(|t| *t > a && *t < b));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut t = DayTotals::default();
    let mut pi = 0;
    for w in cuts.windows(2) {
        let (s, e) = (w[0], w[1]);
        let len = e - s;
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
        let what = plays[pi..].iter().take_while(|p| p.start <= s).find(|p| p.end > s).map_or(Class::Offline, |p| p.what);
        match what {
            Class::Item(i) => {
                *t.items.entry(i).or_default() += len;
                t.items_total += len;
            }
            Class::Idle => t.idle += len,
            Class::Offline => t.offline += len,
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::record::{EndReason, Play};

    fn rec(event: Event, at: &str) -> Record {
        Record { seq: 0, at: at.parse().unwrap(), prev: String::new(), clock_trusted: true, event }
    }

    fn play(item: &str, start: &str, end: &str) -> Record {
        let p = Play {
            screen: "s".into(),
            content: "item".into(),
            item: item.into(),
            revision: Some(1),
            content_sha256: None,
            category: None,
            list: None,
            urgent: Some(false),
            window: None,
            min_seconds_per_day: Some(3600),
            slot: "x".into(),
            start: start.parse().unwrap(),
            end: end.parse().unwrap(),
            seconds: 0.0,
            ended: EndReason::SlotEnd,
            sinks: vec![],
        };
        rec(Event::Play(Box::new(p)), end)
    }

    #[test]
    fn a_play_across_midnight_counts_on_both_days_in_local_time() {
        let q = Query {
            from: "2026-12-01".parse().unwrap(),
            to: "2026-12-02".parse().unwrap(),
            screen: None,
            item: None,
            time_zone: Some(TimeZone::get("Asia/Shanghai").unwrap()),
        };
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
}
