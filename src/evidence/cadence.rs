//! Disclosure cadence: how often each catalogue list must be disclosed (`[compliance]`),
//! and whether it was, period by period.
//!
//! Village Committee Organic Law Art. 30: general affairs at least quarterly, finance
//! monthly where transactions are frequent; provinces add "within N days of approval".
//! `[compliance]` (read by `config.rs`) maps a list name to `monthly`, `quarterly`, `yearly`,
//! or a table `{ every = "quarterly", within = "5d" }`. `judge` is a pure function of the
//! items and `now`.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Serialize;

/// A calendar rhythm: at least one newly opened disclosure per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Every {
    Monthly,
    Quarterly,
    Yearly,
}

impl Every {
    pub(crate) fn parse(s: &str) -> Option<Every> {
        match s.trim() {
            "monthly" | "每月" => Some(Every::Monthly),
            "quarterly" | "每季度" | "每季" => Some(Every::Quarterly),
            "yearly" | "annually" | "每年" => Some(Every::Yearly),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Every::Monthly => "每月",
            Every::Quarterly => "每季度",
            Every::Yearly => "每年",
        }
    }

    fn months(self) -> i8 {
        match self {
            Every::Monthly => 1,
            Every::Quarterly => 3,
            Every::Yearly => 12,
        }
    }
}

/// One list's required rhythm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every: Option<Every>,
    /// Shown on a screen within this long after approval.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_secs")]
    pub within: Option<SignedDuration>,
}

fn ser_secs<S: serde::Serializer>(d: &Option<SignedDuration>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(d.map_or(0, |d| d.as_secs()))
}

impl Rule {
    /// `每月；审批后 5 天内 / monthly; within 5 days of approval`.
    pub fn describe(&self) -> (String, String) {
        let mut zh = Vec::new();
        let mut en = Vec::new();
        if let Some(e) = self.every {
            zh.push(e.zh().to_string());
            en.push(format!("{e:?}").to_lowercase());
        }
        if let Some(w) = self.within {
            zh.push(format!("审批后 {}内上屏", human_zh(w)));
            en.push(format!("on screen within {} of approval", human_en(w)));
        }
        (zh.join("；"), en.join("; "))
    }
}

fn human_zh(d: SignedDuration) -> String {
    let h = d.as_secs() / 3600;
    if h % 24 == 0 { format!("{} 天", h / 24) } else { format!("{h} 小时") }
}

fn human_en(d: SignedDuration) -> String {
    let h = d.as_secs() / 3600;
    if h % 24 == 0 { format!("{} day(s)", h / 24) } else { format!("{h} hour(s)") }
}

/// `[compliance]`: list name -> rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compliance {
    pub lists: BTreeMap<String, Rule>,
}

/// `"5d"`, `"36h"`, `"5天"`, `"36小时"`: whole days or hours, 1 hour to 366 days.
pub(crate) fn parse_within(s: &str) -> Option<SignedDuration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num.parse().ok()?;
    let hours = match unit.trim() {
        "d" | "天" | "日" => n * 24,
        "h" | "小时" => n,
        _ => return None,
    };
    (1..=366 * 24).contains(&hours).then(|| SignedDuration::from_hours(hours))
}

/// An approved item as the cadence sees it (from the log, or from the catalog in `check`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Published {
    pub item: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub list: String,
    /// When its display window opened.
    pub opened: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved: Option<Timestamp>,
    /// First time it was on a screen (unknown to `check`, which has no log).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_shown: Option<Timestamp>,
}

/// How a period or an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Disclosed in time.
    Met,
    /// The period ended (or the deadline passed) without it: 逾期.
    Overdue,
    /// Not yet, but there is still time.
    Open,
    /// Shown, but later than `within` after approval.
    Late,
    /// No approval time recorded: cannot be judged.
    Unknown,
}

impl State {
    pub fn zh(self) -> &'static str {
        match self {
            State::Met => "按时",
            State::Overdue => "逾期",
            State::Open => "进行中",
            State::Late => "超时",
            State::Unknown => "无法判断",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            State::Met => "on time",
            State::Overdue => "overdue",
            State::Open => "in progress",
            State::Late => "late",
            State::Unknown => "unknown",
        }
    }
}

/// One calendar period of a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    /// `2026-12`, `2026 Q4`, `2026`.
    pub name: String,
    pub from: Date,
    /// Inclusive.
    pub to: Date,
    pub state: State,
    /// Items whose display window opened in the period (by `now`).
    pub items: Vec<Published>,
    /// Approved items whose window opens later in the period.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scheduled: Vec<Published>,
}

/// One item judged against `within`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timely {
    pub item: Published,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Timestamp>,
    pub state: State,
}

/// A list's verdict over the report's period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub list: String,
    pub rule: Rule,
    pub periods: Vec<Period>,
    pub within: Vec<Timely>,
}

impl Verdict {
    /// Whether anything in it is overdue or late.
    pub fn failed(&self) -> bool {
        self.periods.iter().any(|p| p.state == State::Overdue) || self.within.iter().any(|t| matches!(t.state, State::Overdue | State::Late))
    }
}

/// The calendar periods of `every` that overlap `[from, to]`.
fn periods(every: Every, from: Date, to: Date) -> Vec<(String, Date, Date)> {
    let m = every.months();
    let first_month = (from.month() - 1) / m * m + 1;
    let mut start = Date::new(from.year(), first_month, 1).unwrap_or(from);
    let mut out = Vec::new();
    while start <= to {
        let Ok(next) = start.checked_add((m as i32).months()) else { break };
        let name = match every {
            Every::Monthly => start.strftime("%Y-%m").to_string(),
            Every::Quarterly => format!("{} Q{}", start.year(), (start.month() - 1) / 3 + 1),
            Every::Yearly => start.year().to_string(),
        };
        out.push((name, start, next.yesterday().unwrap_or(next)));
        start = next;
    }
    out
}

fn midnight(d: Date, tz: &TimeZone) -> Timestamp {
    d.to_zoned_datetime(tz.clone()).map(|z| z.timestamp()).unwrap_or(Timestamp::MAX)
}

/// Every list with a rule, judged over `[from, to]` (local dates) as known at `now`.
pub(crate) fn judge(c: &Compliance, items: &[Published], from: Date, to: Date, tz: &TimeZone, now: Timestamp) -> Vec<Verdict> {
    let mut out = Vec::new();
    for (list, rule) in &c.lists {
        let mine: Vec<&Published> = items.iter().filter(|p| &p.list == list).collect();
        let mut v = Verdict { list: list.clone(), rule: rule.clone(), periods: Vec::new(), within: Vec::new() };
        if let Some(every) = rule.every {
            for (name, a, b) in periods(every, from, to) {
                let (ta, tb) = (midnight(a, tz), midnight(b.tomorrow().unwrap_or(b), tz));
                let mut opened: Vec<Published> = mine.iter().filter(|p| p.opened >= ta && p.opened < tb).map(|p| (*p).clone()).collect();
                opened.sort_by(|x, y| (x.opened, &x.item).cmp(&(y.opened, &y.item)));
                let scheduled = opened.iter().filter(|p| p.opened > now).cloned().collect();
                opened.retain(|p| p.opened <= now);
                let state = if !opened.is_empty() {
                    State::Met
                } else if tb <= now {
                    State::Overdue
                } else {
                    State::Open
                };
                v.periods.push(Period { name, from: a, to: b, state, items: opened, scheduled });
            }
        }
        if let Some(within) = rule.within {
            let (ta, tb) = (midnight(from, tz), midnight(to.tomorrow().unwrap_or(to), tz));
            let mut judged: Vec<Timely> = Vec::new();
            for p in &mine {
                // Items approved in the period, or (no approval recorded) opened in it.
                let when = p.approved.unwrap_or(p.opened);
                if when < ta || when >= tb {
                    continue;
                }
                let deadline = p.approved.and_then(|a| a.checked_add(within).ok());
                let state = match (deadline, p.first_shown) {
                    (None, _) => State::Unknown,
                    (Some(d), Some(s)) if s <= d => State::Met,
                    (Some(_), Some(_)) => State::Late,
                    (Some(d), None) if d <= now => State::Overdue,
                    (Some(_), None) => State::Open,
                };
                judged.push(Timely { item: (*p).clone(), deadline, state });
            }
            judged.sort_by(|x, y| (x.item.approved, &x.item.item).cmp(&(y.item.approved, &y.item.item)));
            v.within = judged;
        }
        out.push(v);
    }
    out
}

impl Published {
    /// An item from the catalog (for `check`), if approved and in a list.
    pub fn of(key: &str, it: &crate::item::Item, title: &str) -> Option<Published> {
        if it.status != crate::item::Status::Approved {
            return None;
        }
        Some(Published {
            item: key.to_string(),
            title: Some(title.to_string()),
            list: it.list.clone()?,
            opened: it.display.from.0,
            approved: it.approval.as_ref().map(|a| a.at.0),
            first_shown: None,
        })
    }
}

/// The verdict `check` gives for the period `now` falls in, from the catalog alone: an
/// item counts as shown from the moment its window opens (the earliest it can be), so an
/// item whose window opens later than `within` after approval is late already. `within`
/// is judged for every item of the catalog approved up to today, whenever that was: the
/// catalog holds what is current, and a late one is worth saying while it is there.
pub(crate) fn current(c: &Compliance, items: &[Published], now: Timestamp, tz: &TimeZone) -> Vec<Verdict> {
    let local = |t: Timestamp| t.to_zoned_datetime(tz.clone()).date();
    let today = local(now);
    let assumed: Vec<Published> = items.iter().map(|p| Published { first_shown: Some(p.opened), ..p.clone() }).collect();
    let earliest = assumed.iter().map(|p| local(p.approved.unwrap_or(p.opened))).min().unwrap_or(today).min(today);
    let mut verdicts = judge(c, &assumed, today, today, tz, now);
    for (v, w) in verdicts.iter_mut().zip(judge(c, &assumed, earliest, today, tz, now)) {
        v.within = w.within;
    }
    verdicts
}

/// One line per period and per item not on time, for a terminal: (needs attention, zh, en).
pub(crate) fn lines(v: &Verdict, tz: &TimeZone) -> Vec<(bool, String, String)> {
    let local = |t: Timestamp| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
    let (rule_zh, rule_en) = v.rule.describe();
    let mut out = Vec::new();
    for p in &v.periods {
        let items: Vec<String> = p.items.iter().map(|i| i.title.clone().unwrap_or_else(|| i.item.clone())).collect();
        let (zh, en) = match p.state {
            State::Met => (format!("已公开：{}", items.join("、")), format!("disclosed: {}", items.join(", "))),
            State::Open => {
                let next: Vec<String> = p
                    .scheduled
                    .iter()
                    .map(|i| format!("{}（{} 开始）", i.title.clone().unwrap_or_else(|| i.item.clone()), local(i.opened)))
                    .collect();
                let next_en: Vec<String> = p
                    .scheduled
                    .iter()
                    .map(|i| format!("{} (opens {})", i.title.clone().unwrap_or_else(|| i.item.clone()), local(i.opened)))
                    .collect();
                if next.is_empty() {
                    (format!("尚无新公开，本期到 {} 结束", p.to), format!("nothing new yet; the period ends {}", p.to))
                } else {
                    (format!("尚无新公开，已排定：{}", next.join("、")), format!("nothing new yet; scheduled: {}", next_en.join(", ")))
                }
            }
            _ => ("没有新公开的条目".to_string(), "no new item disclosed".to_string()),
        };
        out.push((
            p.state == State::Overdue,
            format!("清单“{}”（{rule_zh}）{}：{}，{zh}", v.list, p.name, p.state.zh()),
            format!("list `{}` ({rule_en}) {}: {}, {en}", v.list, p.name, p.state.en()),
        ));
    }
    for t in v.within.iter().filter(|t| t.state != State::Met) {
        let name = t.item.title.clone().unwrap_or_else(|| t.item.item.clone());
        let due = t.deadline.map_or("—".to_string(), local);
        out.push((
            matches!(t.state, State::Late | State::Overdue),
            format!("清单“{}”的“{name}”应在 {due} 前上屏，{}（公示开始 {}）", v.list, t.state.zh(), local(t.item.opened)),
            format!("`{name}` of list `{}` is due on screen by {due}: {} (its window opens {})", v.list, t.state.en(), local(t.item.opened)),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_reads_days_and_hours_in_either_language_and_nothing_else() {
        assert_eq!(parse_within("5d"), Some(SignedDuration::from_hours(120)));
        assert_eq!(parse_within("5天"), Some(SignedDuration::from_hours(120)));
        assert_eq!(parse_within("36h"), Some(SignedDuration::from_hours(36)));
        assert_eq!(parse_within("36小时"), Some(SignedDuration::from_hours(36)));
        for bad in ["5", "d", "0d", "367d", "5 weeks", "-1d", "1.5d"] {
            assert_eq!(parse_within(bad), None, "{bad}");
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn item(key: &str, opened: &str, approved: Option<&str>, shown: Option<&str>) -> Published {
        Published {
            item: key.into(),
            title: None,
            list: "财务收支".into(),
            opened: ts(opened),
            approved: approved.map(ts),
            first_shown: shown.map(ts),
        }
    }

    #[test]
    fn a_month_without_a_new_item_is_overdue_and_the_current_one_in_progress() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let mut c = Compliance::default();
        c.lists.insert("财务收支".into(), Rule { every: Some(Every::Monthly), within: Some(SignedDuration::from_hours(120)) });
        let items = [
            // Opens 2026-10-01 00:00 local (still September in UTC): counts for October.
            item("local/oct", "2026-10-01T00:00:00+08:00", Some("2026-09-29T10:00:00+08:00"), Some("2026-10-01T00:00:05+08:00")),
            item("local/dec", "2026-12-10T00:00:00+08:00", Some("2026-12-01T10:00:00+08:00"), Some("2026-12-10T00:00:00+08:00")),
            item("local/dec2", "2026-12-20T00:00:00+08:00", Some("2026-12-18T10:00:00+08:00"), None),
        ];
        let now = ts("2026-12-24T12:00:00+08:00");
        let v = judge(&c, &items, "2026-10-01".parse().unwrap(), "2026-12-31".parse().unwrap(), &tz, now);
        let states: Vec<(&str, State)> = v[0].periods.iter().map(|p| (p.name.as_str(), p.state)).collect();
        assert_eq!(states, [("2026-10", State::Met), ("2026-11", State::Overdue), ("2026-12", State::Met)]);
        let late: Vec<(&str, State)> = v[0].within.iter().map(|t| (t.item.item.as_str(), t.state)).collect();
        // oct was approved before the period. dec: approved Dec 1, first on screen Dec 10, later than
        // 5 days. dec2: approved Dec 18, not on a screen by Dec 23 10:00, and now is Dec 24.
        assert_eq!(late, [("local/dec", State::Late), ("local/dec2", State::Overdue)]);
        assert!(v[0].failed());
        // The quarter Q4 in progress on Dec 24 with no item yet is open, not overdue.
        c.lists.insert("财务收支".into(), Rule { every: Some(Every::Quarterly), within: None });
        let v = judge(&c, &items[..0], "2026-12-01".parse().unwrap(), "2026-12-31".parse().unwrap(), &tz, now);
        assert_eq!(
            (v[0].periods[0].name.as_str(), v[0].periods[0].from.to_string(), v[0].periods[0].state),
            ("2026 Q4", "2026-10-01".into(), State::Open)
        );
    }

    #[test]
    fn check_judges_the_current_period_from_the_catalog_and_a_window_opening_too_late() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let mut c = Compliance::default();
        c.lists.insert("财务收支".into(), Rule { every: Some(Every::Monthly), within: Some(SignedDuration::from_hours(120)) });
        let mut late = item("local/late", "2026-12-20T00:00:00+08:00", Some("2026-12-10T10:00:00+08:00"), None);
        late.title = Some("十二月财务".into());
        let v = current(&c, &[late], ts("2026-12-12T09:00:00+08:00"), &tz);
        assert_eq!(v[0].periods.len(), 1);
        assert_eq!((v[0].periods[0].name.as_str(), v[0].periods[0].state), ("2026-12", State::Open), "its window opens on the 20th");
        assert_eq!(
            lines(&v[0], &tz)[0].1,
            "清单“财务收支”（每月；审批后 5 天内上屏）2026-12：进行中，尚无新公开，已排定：十二月财务（2026-12-20 00:00 开始）"
        );
        // Approved two days ago, on screen from the 20th: later than 5 days, whenever check is run.
        assert_eq!((v[0].within.len(), v[0].within[0].state), (1, State::Late));
        let v = current(
            &c,
            &[item("local/late", "2026-12-20T00:00:00+08:00", Some("2026-12-12T08:00:00+08:00"), None)],
            ts("2026-12-12T09:00:00+08:00"),
            &tz,
        );
        assert_eq!(v[0].within[0].state, State::Late, "approved today, window opens 8 days later");
        let l = lines(&v[0], &tz);
        assert!(l[0].1.ends_with("2026-12：进行中，尚无新公开，已排定：local/late（2026-12-20 00:00 开始）") && !l[0].0, "{l:?}");
        assert!(l[1].0 && l[1].1.contains("应在 2026-12-17 08:00 前上屏，超时（公示开始 2026-12-20 00:00）"), "{l:?}");
    }
}
