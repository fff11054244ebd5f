//! What a report says: the figures per item, screen and day, the outages, the doubted
//! records, the cadence. JSON is these types serialized; the formats read them. No logic
//! beyond naming a status.

use jiff::Timestamp;
use serde::Serialize;

use super::runs::Cause;
use crate::evidence::cadence;
use crate::evidence::record::ApprovalSeen;

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

/// An item's standing on one screen over the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Never on this screen in the period: 未显示.
    NeverShown,
    /// Some day below its minimum: 未达标.
    Below,
    /// Every day at or above its minimum: 达标.
    Met,
    /// Shown; it has no daily minimum.
    NoMinimum,
}

impl ItemStatus {
    pub fn zh(self) -> &'static str {
        match self {
            ItemStatus::NeverShown => "未显示",
            ItemStatus::Below => "✗ 未达标",
            ItemStatus::Met => "✓ 达标",
            ItemStatus::NoMinimum => "✓ 已显示",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            ItemStatus::NeverShown => "never shown",
            ItemStatus::Below => "below minimum",
            ItemStatus::Met => "met",
            ItemStatus::NoMinimum => "shown (no minimum)",
        }
    }

    /// Items needing attention first.
    pub fn rank(self) -> u8 {
        match self {
            ItemStatus::NeverShown => 0,
            ItemStatus::Below => 1,
            ItemStatus::Met => 2,
            ItemStatus::NoMinimum => 3,
        }
    }
}

/// A revision delivered or shown, with the SHA-256 of its content as delivered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevisionSeen {
    pub revision: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_sha256: Option<String>,
    /// On some screen in the period.
    pub shown: bool,
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
    /// From the item's newest `item` record; `None` in logs from before titles were recorded.
    pub title: Option<String>,
    pub village: Option<String>,
    pub approval: Option<ApprovalSeen>,
    pub revisions_seen: Vec<RevisionSeen>,
    /// First time on any screen in the period.
    pub first_shown: Option<Timestamp>,
    pub status: ItemStatus,
}

/// What kind of outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutageKind {
    /// yiping was not running (every screen).
    NotRunning,
    /// Every output of one screen failed.
    DeviceError,
}

/// A span within the period when nothing could be shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outage {
    pub kind: OutageKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screen: Option<String>,
    pub from: Timestamp,
    pub until: Timestamp,
    pub ms: i64,
    /// Of `ms`, the part inside the screens' scheduled hours (`None`: hours not known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_hours_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A record left out of the figures because its times cannot be true, or a refusal the writer noted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    pub seq: u64,
    /// The record's kind.
    pub kind: String,
    /// `future`, `behind`, `over_long`, or `refused` (the writer refused it when it was made).
    pub code: String,
    pub at: Timestamp,
    pub zh: String,
    pub en: String,
}

/// What `log verify` found, for the cover and the JSON `log` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LogSummary {
    pub records: u64,
    pub verified: bool,
    pub problem: Option<String>,
    pub torn: usize,
    /// The first and the newest record's sequence number, and the newest record's hash:
    /// note them down, and a later inspection can check the log still holds that record.
    pub first_seq: Option<u64>,
    pub head_seq: Option<u64>,
    pub head_hash: Option<String>,
}

impl LogSummary {
    /// What `verify::read` found, with the first record's sequence number seen while reading.
    pub(crate) fn of(v: &crate::evidence::verify::Verified, first_seq: Option<u64>) -> LogSummary {
        LogSummary {
            records: v.records,
            verified: v.problem.is_none(),
            problem: v.problem.as_ref().map(|p| p.to_string()),
            torn: v.torn.len(),
            first_seq,
            head_seq: v.head.as_ref().map(|h| h.0),
            head_hash: v.head.as_ref().map(|h| h.1.clone()),
        }
    }

    /// The one line a Markdown report opens with.
    pub(crate) fn line(&self) -> String {
        match &self.problem {
            None => format!("Log verified 日志校验通过: {} records, chain intact; {} torn record(s) skipped.", self.records, self.torn),
            Some(p) => format!("WARNING 警告: the log does NOT verify 日志校验失败 — {p}. Figures below rest on a damaged log."),
        }
    }
}

/// Something the reader must know to read the figures right.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub items: Vec<ItemReport>,
    pub village: Option<String>,
    pub screens: Vec<String>,
    /// The instant figures are counted up to.
    pub counted_to: Timestamp,
    pub outages: Vec<Outage>,
    pub anomalies: Vec<Anomaly>,
    pub cadence: Vec<cadence::Verdict>,
    pub notes: Vec<Note>,
}
