//! The play log's record types and their exact line format (JSON with a trailing chained hash).
//!
//! A line is `{"seq":..,"at":..,"prev":..,"kind":..,...,"hash":"<sha256>"}` where
//! `hash` is SHA-256 over the line's bytes without the `,"hash":"..."` member
//! and `prev` is the previous record's hash. Hashing the exact bytes (not a
//! re-serialisation) means any edit, however small, is caught. This module
//! never touches files.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `prev` of the very first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const HASH_KEY: &str = ",\"hash\":\"";
/// `,"hash":"` + 64 hex digits + `"}`.
const SUFFIX_LEN: usize = HASH_KEY.len() + 64 + 2;

/// One record of the log: its place in the chain and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Counts records from 0 across all files; a gap means records were removed.
    pub seq: u64,
    /// When it happened (for plays: when the item left the screen).
    pub at: Timestamp,
    /// The hash of the record before (GENESIS for the first).
    pub prev: String,
    /// Whether the clock that gave `at` was trusted (synchronised) then.
    pub clock_trusted: bool,
    #[serde(flatten)]
    pub event: Event,
}

/// What a record says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// The daemon started (the writer writes it itself).
    Start {
        version: String,
        config: String,
        time_zone: String,
        /// Screens configured, for the report's list of screens.
        screens: Vec<String>,
    },
    /// The daemon stopped cleanly (last record of a run).
    Stop,
    /// Something left a screen after being shown from `start` to `end`.
    Play(Box<Play>),
    /// The screen was switched on or off, or its brightness changed.
    Power { screen: String, on: bool, brightness: u8 },
    /// Every output of the screen started failing (`ok` false), or one works again.
    Device {
        screen: String,
        ok: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A source could not deliver (bad files, network, signature).
    SourceFailed { source: String, error: String },
    /// A source delivers again after failing.
    SourceRecovered { source: String },
    /// The configuration was reloaded (or a reload was refused: `ok` false).
    ConfigReloaded {
        path: String,
        ok: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        errors: Vec<String>,
    },
    /// At start the configuration on disk had errors, so it was not used: the daemon
    /// runs on the last good one (`running_on` = `last_good`), or, with none kept,
    /// its screens show only the 配置有误 notice (`fallback`).
    ConfigRejected { path: String, running_on: String, errors: Vec<String> },
    /// A source delivered an item (new, or a new revision): what it was and its window,
    /// so reports can list items that should have been shown but never were.
    Item(Box<ItemSeen>),
    /// On restart the last line of a file was found incomplete (power cut while writing) and skipped.
    TornTail { file: String, line: u64, bytes: u64 },
    /// Records could not be queued (writer too slow): they are lost, and this says how many.
    Dropped { count: u64 },
}

/// What was shown, for how long, why it ended and what the outputs reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Play {
    pub screen: String,
    /// `item`, `notice` or `idle`.
    pub content: String,
    /// The item's key (`<source>/<id>`), `notice` or `idle`.
    pub item: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
    /// SHA-256 of the item exactly as the source delivered it (before masking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent: Option<bool>,
    /// The item's mandated window and minimum, so reports need nothing but the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<(Timestamp, Timestamp)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_seconds_per_day: Option<u32>,
    pub slot: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub seconds: f64,
    pub ended: EndReason,
    /// One per sink of the screen: what it did while this was on screen.
    pub sinks: Vec<SinkReport>,
}

/// An item as a source delivered it (first seen, or changed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemSeen {
    pub item: String,
    pub revision: u64,
    pub content_sha256: String,
    /// `approved`, `pending`, `rejected` or `revoked`.
    pub status: String,
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    pub urgent: bool,
    pub window: (Timestamp, Timestamp),
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_seconds_per_day: Option<u32>,
}

impl ItemSeen {
    pub fn of(key: &str, it: &crate::item::Item) -> ItemSeen {
        ItemSeen {
            item: key.to_string(),
            revision: it.revision,
            content_sha256: content_sha256(it),
            status: serde_json::to_value(it.status).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
            category: it.category.key().to_string(),
            list: it.list.clone(),
            urgent: it.priority == crate::item::Priority::Urgent,
            window: (it.display.from.0, it.display.until.0),
            min_seconds_per_day: it.display.min_seconds_per_day,
        }
    }
}

/// SHA-256 of an item exactly as delivered (its JSON form, before masking).
pub(crate) fn content_sha256(it: &crate::item::Item) -> String {
    sha256_hex(&serde_json::to_vec(it).unwrap_or_default())
}

/// How a play ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    SlotEnd,
    /// Something more urgent took the screen.
    Preempted,
    /// Withdrawn, revoked or expired while on screen.
    Withdrawn,
    /// Idle gave way to content.
    ContentArrived,
    ScreenOff,
    Shutdown,
    /// Every output failed while it was on screen.
    DeviceError,
}

/// A sink's counters over one play (deltas) and its last error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SinkReport {
    pub kind: String,
    pub written: u64,
    pub acked: u64,
    pub errors: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// Hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d {
        use std::fmt::Write;
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The line for a record (without newline) and its hash.
pub fn encode(record: &Record) -> (String, String) {
    let body = serde_json::to_string(record).expect("records always serialize");
    let hash = sha256_hex(body.as_bytes());
    let mut line = body;
    line.pop(); // the closing brace
    line.push_str(HASH_KEY);
    line.push_str(&hash);
    line.push_str("\"}");
    (line, hash)
}

/// Why a line is not a valid record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LineError {
    #[error("not a complete record (no hash at the end)")]
    Incomplete,
    #[error("not a record: {0}")]
    Malformed(String),
    #[error("hash does not match the record's content (edited)")]
    HashMismatch,
}

/// Parses a line, checking that its hash matches its bytes. Returns the record and its hash.
pub fn decode(line: &str) -> Result<(Record, String), LineError> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.len() < SUFFIX_LEN + 2 || !line.ends_with("\"}") || !line.is_char_boundary(line.len() - SUFFIX_LEN) {
        return Err(LineError::Incomplete);
    }
    let (head, tail) = line.split_at(line.len() - SUFFIX_LEN);
    if !tail.starts_with(HASH_KEY) {
        return Err(LineError::Incomplete);
    }
    let hash = &tail[HASH_KEY.len()..HASH_KEY.len() + 64];
    if !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(LineError::Incomplete);
    }
    let body = format!("{head}}}");
    let record: Record = serde_json::from_str(&body).map_err(|e| LineError::Malformed(e.to_string()))?;
    if sha256_hex(body.as_bytes()) != hash {
        return Err(LineError::HashMismatch);
    }
    Ok((record, hash.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: u64) -> Record {
        Record {
            seq,
            at: "2026-12-01T01:00:00Z".parse().unwrap(),
            prev: GENESIS.into(),
            clock_trusted: true,
            event: Event::Power { screen: "门口".into(), on: false, brightness: 0 },
        }
    }

    #[test]
    fn a_line_round_trips_and_carries_its_hash_last() {
        let (line, hash) = encode(&rec(3));
        assert!(line.starts_with(r#"{"seq":3,"at":"2026-12-01T01:00:00Z","prev":"000"#), "{line}");
        assert!(line.contains(r#""kind":"power","screen":"门口","on":false"#), "{line}");
        assert!(line.ends_with(&format!(",\"hash\":\"{hash}\"}}")), "{line}");
        assert_eq!(decode(&line).unwrap(), (rec(3), hash));
    }

    #[test]
    fn any_edit_or_truncation_is_refused() {
        let (line, _) = encode(&rec(3));
        assert_eq!(decode(&line.replace("\"on\":false", "\"on\":true ")).unwrap_err(), LineError::HashMismatch);
        assert_eq!(decode(&line.replace("门口", "广场")).unwrap_err(), LineError::HashMismatch);
        assert_eq!(decode(&line[..line.len() - 5]).unwrap_err(), LineError::Incomplete);
        assert_eq!(decode(&line[..40]).unwrap_err(), LineError::Incomplete);
        assert!(matches!(decode(&line.replace("\"seq\":3", "\"seq\":\"x\"")), Err(LineError::Malformed(_))));
    }
}
