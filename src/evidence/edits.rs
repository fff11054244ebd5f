//! The console's part of the evidence log: edits, logins and refused logins in a period,
//! for the report and the console's own history page.
//!
//! Pure: takes records, reads no file and no clock.

use std::fmt::Write;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::record::{Event, Record};

/// One console event as a report lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Activity {
    pub seq: u64,
    pub at: Timestamp,
    /// `edit`, `login` or `login_failed`.
    pub kind: String,
    pub user: String,
    pub address: String,
    /// For edits: `item`, `playlist` or `user`, and which one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_by: Option<String>,
    /// Why a login was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The console event a record holds, when it holds one within `[from, to)`.
pub(crate) fn of(r: &Record, from: Timestamp, to: Timestamp) -> Option<Activity> {
    if r.at < from || r.at >= to {
        return None;
    }
    let base = |kind: &str, user: &str, address: &str| Activity {
        seq: r.seq,
        at: r.at,
        kind: kind.to_string(),
        user: user.to_string(),
        address: address.to_string(),
        what: None,
        name: None,
        old_sha256: None,
        new_sha256: None,
        status: None,
        approval_by: None,
        reason: None,
    };
    match &r.event {
        Event::Edit(e) => Some(Activity {
            what: Some(e.what.clone()),
            name: Some(e.name.clone()),
            old_sha256: e.old_sha256.clone(),
            new_sha256: e.new_sha256.clone(),
            status: e.status.clone(),
            approval_by: e.approval_by.clone(),
            ..base("edit", &e.user, &e.address)
        }),
        Event::Login { user, address } => Some(base("login", user, address)),
        Event::LoginFailed { user, address, reason } => Some(Activity { reason: Some(reason.clone()), ..base("login_failed", user, address) }),
        _ => None,
    }
}

fn short(h: &Option<String>) -> String {
    h.as_deref().map_or("—".to_string(), |h| h.chars().take(12).collect())
}

fn action(a: &Activity) -> String {
    match (a.kind.as_str(), &a.old_sha256, &a.new_sha256) {
        ("login", ..) => "登录 login".into(),
        ("login_failed", ..) => format!("登录失败 login refused ({})", a.reason.as_deref().unwrap_or("")),
        (_, None, Some(_)) => "新建 created".into(),
        (_, Some(_), None) => "删除 deleted".into(),
        _ => "修改 changed".into(),
    }
}

/// A Markdown section listing console activity (empty list: says so).
pub(crate) fn markdown(list: &[Activity], tz: &TimeZone) -> String {
    let mut o = String::from("## 控制台操作记录 Console edits and logins\n\n");
    if list.is_empty() {
        o.push_str("本期间没有通过控制台的修改或登录。No console edits or logins in this period.\n");
        return o;
    }
    o.push_str("| 时间 time | 用户 user | 地址 address | 操作 action | 对象 what | 审核 approval | 旧 old sha256 | 新 new sha256 |\n|---|---|---|---|---|---|---|---|\n");
    for a in list {
        let when = a.at.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string();
        let what = match (&a.what, &a.name) {
            (Some(w), Some(n)) => format!("{w} {n}"),
            _ => String::new(),
        };
        let approval = match (&a.status, &a.approval_by) {
            (Some(s), Some(by)) => format!("{s}（{by}）"),
            (Some(s), None) => s.clone(),
            _ => String::new(),
        };
        let _ = writeln!(
            o,
            "| {when} | {} | {} | {} | {} | {approval} | {} | {} |",
            a.user.replace('|', "/"),
            a.address,
            action(a),
            what.replace('|', "/"),
            short(&a.old_sha256),
            short(&a.new_sha256)
        );
    }
    o
}

/// CSV rows of console activity, full hashes.
pub(crate) fn csv(list: &[Activity]) -> String {
    let q = |s: &str| if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
    let mut o = String::from("seq,at,kind,user,address,what,name,status,approval_by,old_sha256,new_sha256,reason\n");
    for a in list {
        let opt = |v: &Option<String>| q(v.as_deref().unwrap_or(""));
        let _ = writeln!(
            o,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            a.seq,
            a.at,
            a.kind,
            q(&a.user),
            q(&a.address),
            opt(&a.what),
            opt(&a.name),
            opt(&a.status),
            opt(&a.approval_by),
            opt(&a.old_sha256),
            opt(&a.new_sha256),
            opt(&a.reason)
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::record::{Edit, GENESIS, decode, encode};

    fn rec(seq: u64, at: &str, event: Event) -> Record {
        Record { seq, at: at.parse().unwrap(), prev: GENESIS.into(), clock_trusted: true, event }
    }

    fn edit() -> Edit {
        Edit {
            user: "张会计".into(),
            role: "clerk".into(),
            address: "192.0.2.7".into(),
            what: "item".into(),
            name: "local/dibao-2026-12".into(),
            file: Some("/var/lib/yiping/items/dibao-2026-12.json".into()),
            old_sha256: None,
            new_sha256: Some("ab".repeat(32)),
            status: Some("approved".into()),
            approval_by: Some("村务监督委员会".into()),
            revision: Some(1),
        }
    }

    #[test]
    fn edit_records_round_trip_and_keep_the_approver_beside_the_clerk() {
        let r = rec(5, "2026-12-01T01:00:00Z", Event::Edit(Box::new(edit())));
        let (line, _) = encode(&r);
        assert!(line.contains(r#""kind":"edit","user":"张会计","role":"clerk","address":"192.0.2.7","what":"item""#), "{line}");
        assert!(line.contains(r#""status":"approved","approval_by":"村务监督委员会""#), "{line}");
        assert_eq!(decode(&line).unwrap().0, r);
        let l = rec(6, "2026-12-01T01:00:00Z", Event::LoginFailed { user: "x".into(), address: "192.0.2.7".into(), reason: "wrong password".into() });
        assert!(encode(&l).0.contains(r#""kind":"login_failed","user":"x""#));
    }

    #[test]
    fn activity_in_a_period_is_listed_in_both_languages() {
        let from = "2026-12-01T00:00:00Z".parse().unwrap();
        let to = "2026-12-02T00:00:00Z".parse().unwrap();
        let recs = [
            rec(1, "2026-11-30T23:59:59Z", Event::Login { user: "early".into(), address: "127.0.0.1".into() }),
            rec(2, "2026-12-01T01:00:00Z", Event::Login { user: "张会计".into(), address: "192.0.2.7".into() }),
            rec(3, "2026-12-01T01:05:00Z", Event::Edit(Box::new(edit()))),
            rec(4, "2026-12-01T02:00:00Z", Event::Stop),
            rec(5, "2026-12-02T00:00:00Z", Event::Login { user: "late".into(), address: "127.0.0.1".into() }),
        ];
        let list: Vec<Activity> = recs.iter().filter_map(|r| of(r, from, to)).collect();
        assert_eq!(list.iter().map(|a| a.seq).collect::<Vec<_>>(), vec![2, 3]);
        let md = markdown(&list, &TimeZone::get("Asia/Shanghai").unwrap());
        assert!(md.contains("| 2026-12-01 09:05:00 | 张会计 | 192.0.2.7 | 新建 created | item local/dibao-2026-12 | approved（村务监督委员会） | — | abababababab |"), "{md}");
        let csv = csv(&list);
        assert_eq!(csv.lines().count(), 3);
        assert!(markdown(&[], &TimeZone::UTC).contains("本期间没有"));
    }
}
