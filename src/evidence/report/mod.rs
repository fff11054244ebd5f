//! The compliance report: per screen and item, time shown each day against its
//! minimum, every other second of the day explained, the outages, the records whose
//! times cannot be true, and the disclosure cadence of each catalogue list.
//!
//! Pure: takes records and `now`, reads no file and no clock. Each day's time is cut
//! at every boundary and each piece given exactly one class (`day`), so shown + gaps =
//! on-hours and on-hours + screen off = the day. Time the daemon was not running
//! (`runs`) is offline inside the screen's scheduled hours and screen off outside them.
//! Records whose times cannot be true (`guard`) are left out of every figure and listed.

pub(crate) mod csv;
mod day;
pub(crate) mod html;
pub(crate) mod markdown;
mod model;
mod outages;
mod qr;
mod runs;
pub(crate) mod seconds;

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use super::cadence::{self, Compliance, Published};
use super::record::{ApprovalSeen, Event, HoursLog, Record};
use day::{Class, PlaySpan, ScreenLog};
pub use model::*;
pub(crate) use runs::Cause;

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
    /// The trusted clock as the report is made: a record later than this (beyond the
    /// writer's skew) is from the future. `None`: the clock is not trusted; not checked.
    pub trusted_now: Option<Timestamp>,
    /// Screen hours for outages the log has no hours for (logs from before they were
    /// recorded): the current configuration's. Without them such outages count as offline.
    pub hours: Option<HoursLog>,
    /// Disclosure rhythms per list (`[compliance]`).
    pub compliance: Compliance,
    /// The village, when the log does not name it (logs from before it was recorded).
    pub village: Option<String>,
}

impl Query {
    /// Every item on every screen from `from` to `to`, nothing else assumed.
    pub fn new(from: Date, to: Date) -> Query {
        Query {
            from,
            to,
            screen: None,
            item: None,
            time_zone: None,
            trusted_now: None,
            hours: None,
            compliance: Compliance::default(),
            village: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct ItemMeta {
    key: String,
    category: Option<String>,
    list: Option<String>,
    urgent: bool,
    revisions: Vec<u64>,
    seen: Vec<RevisionSeen>,
    window: Option<(Timestamp, Timestamp)>,
    min: Option<u32>,
    notice: bool,
    /// Delivered approved with a window in the period: expected on every screen.
    expected: bool,
    first_shown: Option<i64>,
}

/// Title, village and approval of an item, from its newest `item` record.
#[derive(Debug, Clone, Default)]
struct Named {
    title: Option<String>,
    village: Option<String>,
    approval: Option<ApprovalSeen>,
}

/// Collects records, then computes the report.
pub struct Builder {
    q: Query,
    range: (i64, i64),
    tz_name: Option<String>,
    village: Option<String>,
    screens: BTreeMap<String, ScreenLog>,
    items: Vec<ItemMeta>,
    index: HashMap<String, u32>,
    names: HashMap<String, Named>,
    published: BTreeMap<(String, Timestamp), Published>,
    runs: runs::Runs,
    refused: Vec<Anomaly>,
    newest: Option<Timestamp>,
}

impl Builder {
    pub fn new(q: Query) -> Builder {
        let tz = q.time_zone.clone().unwrap_or(TimeZone::UTC);
        // Wide margins: the zone may only be known after reading (from start records).
        let lo = q.from.to_zoned_datetime(tz.clone()).map(|z| z.timestamp().as_millisecond()).unwrap_or(i64::MIN / 2) - 2 * 86_400_000;
        let hi =
            q.to.checked_add(1.day()).ok().and_then(|d| d.to_zoned_datetime(tz).ok()).map(|z| z.timestamp().as_millisecond()).unwrap_or(i64::MAX / 2)
                + 2 * 86_400_000;
        let runs = runs::Runs::new(q.trusted_now);
        Builder {
            q,
            range: (lo, hi),
            tz_name: None,
            village: None,
            screens: BTreeMap::new(),
            items: Vec::new(),
            index: HashMap::new(),
            names: HashMap::new(),
            published: BTreeMap::new(),
            runs,
            refused: Vec::new(),
            newest: None,
        }
    }

    /// The newest time among the records taken (those believed).
    pub fn newest(&self) -> Option<Timestamp> {
        self.newest
    }

    pub fn add(&mut self, r: &Record) {
        if !self.runs.add(r) {
            return;
        }
        if matches!(r.event, Event::Refused { .. }) {
            self.refused(r);
            return;
        }
        self.newest = Some(self.newest.map_or(r.at, |n| n.max(r.at)));
        match &r.event {
            Event::Start { time_zone, screens, village, .. } => {
                self.tz_name = Some(time_zone.clone());
                if village.is_some() {
                    self.village.clone_from(village);
                }
                for s in screens {
                    if self.q.screen.as_ref().is_none_or(|q| q == s) {
                        // A new run starts with working outputs: the tracker records only failures.
                        self.screen(s).device.push((r.at.as_millisecond(), true, r.seq));
                    }
                }
            }
            Event::Item(it) => {
                let named = self.names.entry(it.item.clone()).or_default();
                if it.title.is_some() {
                    named.title.clone_from(&it.title);
                }
                if it.village.is_some() {
                    named.village.clone_from(&it.village);
                }
                if it.approval.is_some() {
                    named.approval.clone_from(&it.approval);
                }
                if it.status == "approved"
                    && let Some(list) = &it.list
                {
                    let p = Published {
                        item: it.item.clone(),
                        title: it.title.clone(),
                        list: list.clone(),
                        opened: it.window.0,
                        approved: it.approval.as_ref().map(|a| a.at),
                        first_shown: None,
                    };
                    self.published.insert((it.item.clone(), it.window.0), p);
                }
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
                if !m.seen.iter().any(|s| s.revision == it.revision) {
                    m.seen.push(RevisionSeen { revision: it.revision, content_sha256: Some(it.content_sha256.clone()), shown: false });
                }
            }
            Event::Power { screen, on, .. } => self.screen(screen).power.push((r.at.as_millisecond(), *on, r.seq)),
            Event::Device { screen, ok, error } => {
                let log = self.screen(screen);
                log.device.push((r.at.as_millisecond(), *ok, r.seq));
                if !ok && let Some(e) = error {
                    log.device_errors.insert(r.seq, e.clone());
                }
            }
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
                        m.first_shown = Some(m.first_shown.map_or(start, |f| f.min(start)));
                        if let Some(rev) = p.revision {
                            if !m.revisions.contains(&rev) {
                                m.revisions.push(rev);
                            }
                            match m.seen.iter_mut().find(|s| s.revision == rev) {
                                Some(s) => {
                                    s.shown = true;
                                    if s.content_sha256.is_none() {
                                        s.content_sha256.clone_from(&p.content_sha256);
                                    }
                                }
                                None => m.seen.push(RevisionSeen { revision: rev, content_sha256: p.content_sha256.clone(), shown: true }),
                            }
                        }
                        Class::Item(i)
                    }
                };
                self.screen(&p.screen).plays.push(PlaySpan { start, end, what, seq: r.seq });
            }
            _ => {}
        }
    }

    /// The writer refused a record when it was made: listed, never counted.
    fn refused(&mut self, r: &Record) {
        let Event::Refused { record, claimed, reason } = &r.event else { return };
        let (zh, en) = reason.split_once(" / ").unwrap_or((reason, reason));
        self.refused.push(Anomaly {
            seq: r.seq,
            kind: record.clone(),
            code: "refused".into(),
            at: *claimed,
            zh: format!("写入时已拒收：{zh}"),
            en: format!("refused by the writer: {en}"),
        });
    }

    fn intern(&mut self, key: &str, notice: bool) -> u32 {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        let n = self.items.len() as u32;
        self.index.insert(key.to_string(), n);
        self.items.push(ItemMeta { key: key.to_string(), notice, ..ItemMeta::default() });
        n
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
        self.runs.finish();
        let tz = self.q.time_zone.clone().or_else(|| self.tz_name.as_deref().and_then(|n| TimeZone::get(n).ok())).unwrap_or(TimeZone::UTC);
        let tz_name = tz.iana_name().unwrap_or("UTC").to_string();
        let now_ms = now.as_millisecond();
        let q = self.q.clone();
        let flagged = std::mem::take(&mut self.runs.flagged);
        for log in self.screens.values_mut() {
            if !flagged.is_empty() {
                log.plays.retain(|p| !flagged.contains(&p.seq));
                log.power.retain(|p| !flagged.contains(&p.2));
                log.device.retain(|p| !flagged.contains(&p.2));
            }
            log.plays.sort_by_key(|p| p.start);
            log.power.sort_by_key(|p| p.0);
            log.device.sort_by_key(|p| p.0);
        }
        // The period in local time, and the days in it (cut at now).
        let midnight = |d: Date| d.to_zoned_datetime(tz.clone()).map(|z| z.timestamp().as_millisecond()).ok();
        let mut days: Vec<(Date, i64, i64)> = Vec::new();
        let mut d = q.from;
        while d <= q.to {
            if let (Some(a), Some(b)) = (midnight(d), d.tomorrow().ok().and_then(midnight))
                && a < now_ms
            {
                days.push((d, a, b.min(now_ms)));
            }
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
        let period = (midnight(q.from).unwrap_or(self.range.0), q.to.tomorrow().ok().and_then(midnight).unwrap_or(self.range.1).min(now_ms));

        // Time the daemon was not running, by the screens' hours then.
        let fallback = q.hours.as_ref().map(runs::parse_hours);
        let gaps = self.runs.gaps(self.range.0, self.range.1, fallback.as_ref());
        let mut notes = Vec::new();
        let mut hours_unknown = false;
        let names: Vec<String> = self.screens.keys().cloned().collect();
        for name in &names {
            let log = self.screens.get_mut(name).expect("known screen");
            for g in &gaps {
                let windows = g.hours.as_ref().and_then(|h| h.get(name)).map(Vec::as_slice);
                hours_unknown |= windows.is_none() && g.until > period.0 && g.from < period.1;
                log.down.extend(day::down_pieces(windows, &tz, g.from, g.until));
            }
        }
        if hours_unknown {
            notes.push(Note {
                zh: "部分停机时段日志中没有屏幕开关屏时间（较早版本的记录）：这些时段全部算作离线。用 --config 指定配置文件可按其中的开屏时间计算。".into(),
                en: "the log does not record the screen hours for some outages (an older yiping): they count as offline in full; pass --config to use its screen hours".into(),
            });
        }
        if q.trusted_now.is_none() {
            notes.push(Note {
                zh: "生成报告时本机时钟不可信，未检查“来自未来”的记录。".into(),
                en: "the clock was not trusted when the report was made: records from the future were not checked".into(),
            });
        }
        let outages = outages::list(&gaps, &self.screens, period, q.screen.as_deref());

        let mut out = Vec::new();
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
            let per_day: Vec<day::DayTotals> = days.iter().map(|&(_, a, b)| day::day_totals(log, a, b)).collect();
            for &i in &on_screen {
                let m = &self.items[i as usize];
                if !self.wanted(m) {
                    continue;
                }
                out.push(self.item_report(name, i, &days, &per_day));
            }
        }
        out.sort_by(|a, b| (&a.item, &a.screen).cmp(&(&b.item, &b.screen)));

        let mut published: Vec<Published> = std::mem::take(&mut self.published).into_values().collect();
        for p in &mut published {
            p.first_shown =
                self.index.get(&p.item).and_then(|&i| self.items[i as usize].first_shown).and_then(|t| Timestamp::from_millisecond(t).ok());
        }
        let cadence = cadence::judge(&q.compliance, &published, q.from, q.to, &tz, now);

        let mut anomalies: Vec<Anomaly> = std::mem::take(&mut self.runs.doubts)
            .into_iter()
            .map(|d| {
                let by = d.by.map(|s| (format!("（以第 #{s} 条启动记录为准）"), format!(" (by start record #{s})"))).unwrap_or_default();
                Anomaly {
                    seq: d.seq,
                    kind: d.kind.to_string(),
                    code: d.doubt.code().to_string(),
                    at: d.at,
                    zh: d.doubt.zh() + &by.0,
                    en: d.doubt.en() + &by.1,
                }
            })
            .chain(std::mem::take(&mut self.refused))
            .collect();
        anomalies.sort_by_key(|a| a.seq);
        if !anomalies.is_empty() {
            notes.push(Note {
                zh: format!("有 {} 条记录的时间不可信（来自未来、时间倒退或时长超过其时间跨度），未计入任何数字，列在“可疑记录”中。", anomalies.len()),
                en: format!(
                    "{} record(s) have times that cannot be true (from the future, time going back, or longer than their span): left out of every figure and listed under anomalies",
                    anomalies.len()
                ),
            });
        }
        Report {
            from: q.from.to_string(),
            to: q.to.to_string(),
            time_zone: tz_name,
            items: out,
            village: self.village.clone().or(q.village.clone()).or_else(|| self.names.values().find_map(|n| n.village.clone())),
            screens: self.screens.keys().filter(|s| q.screen.as_ref().is_none_or(|q| q == *s)).cloned().collect(),
            counted_to: now,
            outages,
            anomalies,
            cadence,
            notes,
        }
    }

    fn item_report(&self, screen: &str, i: u32, days: &[(Date, i64, i64)], per_day: &[day::DayTotals]) -> ItemReport {
        let m = &self.items[i as usize];
        let mut rows = Vec::new();
        for ((date, a, b), t) in days.iter().zip(per_day) {
            // Only days that overlap the item's display window (all days when unknown).
            if let Some((f, u)) = m.window
                && (u.as_millisecond() <= *a || f.as_millisecond() >= *b)
            {
                continue;
            }
            let shown = t.items.get(&i).copied().unwrap_or(0);
            let preempted: i64 = t.items.iter().filter(|(k, _)| **k != i && self.items[**k as usize].urgent).map(|(_, v)| v).sum();
            rows.push(Day {
                date: date.to_string(),
                shown_ms: shown,
                preempted_ms: preempted,
                rotation_ms: t.items_total - shown - preempted,
                idle_ms: t.idle,
                device_error_ms: t.device,
                offline_ms: t.offline,
                on_hours_ms: t.on,
                screen_off_ms: t.off,
                meets_min: m.min.map(|min| shown >= min as i64 * 1000),
            });
        }
        let total: i64 = rows.iter().map(|r| r.shown_ms).sum();
        let below = rows.iter().filter(|r| r.meets_min == Some(false)).count();
        let status = match (total, m.min, below) {
            (0, _, _) => ItemStatus::NeverShown,
            (_, Some(_), 1..) => ItemStatus::Below,
            (_, Some(_), 0) => ItemStatus::Met,
            (_, None, _) => ItemStatus::NoMinimum,
        };
        let named = self.names.get(&m.key).cloned().unwrap_or_default();
        ItemReport {
            screen: screen.to_string(),
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
            days_below_min: below,
            days: rows,
            title: named.title,
            village: named.village,
            approval: named.approval,
            revisions_seen: m.seen.clone(),
            first_shown: m.first_shown.and_then(|t| Timestamp::from_millisecond(t).ok()),
            status,
        }
    }
}

/// A category key (`party` ...) as the screen labels it (党务 ...); any other text as it is.
fn category_zh(key: &str) -> &str {
    crate::item::Category::ALL.iter().find(|c| c.key() == key).map_or(key, |c| c.label())
}

#[cfg(test)]
mod tests;
