//! The play log's record types and their exact line format (JSON with a trailing chained hash).
//!
//! A line is `{"seq":..,"at":..,"prev":..,"kind":..,...,"hash":"<sha256>"}` where
//! `hash` is SHA-256 over the line's bytes without the `,"hash":"..."` member
//! and `prev` is the previous record's hash. Hashing the exact bytes (not a
//! re-serialisation) means any edit, however small, is caught. This module
//! never touches files.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub(crate) use crate::sinks::MnOmitted;

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
        /// The village named in the configuration, for the report's cover.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        village: Option<String>,
        /// Each screen's daily hours, so a report can tell scheduled off time from an
        /// outage while the daemon was not running. Absent in logs before it was added.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hours: Option<HoursLog>,
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
    /// A network source's feed in force: its signed sequence and the SHA-256 of its body. Written
    /// on every acceptance (and once at start for the feed loaded from the cache), so the
    /// rollback floor survives the loss of both the floor file and the cache (`accepted`).
    FeedAccepted { source: String, sequence: u64, sha256: String },
    /// The configuration was reloaded (or a reload was refused: `ok` false).
    ConfigReloaded {
        path: String,
        ok: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        errors: Vec<String>,
        /// The screens' hours from now on (only when the reload was accepted).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hours: Option<HoursLog>,
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
    /// The writer refused a record whose times cannot be true (ahead of the trusted clock,
    /// or a play longer than the daemon had been running): what it was and why.
    Refused {
        /// The refused record's kind (`play`, `power`, ...).
        record: String,
        /// The latest time it claimed.
        claimed: Timestamp,
        reason: String,
    },
    /// A command from the district (fleet link): obeyed, or refused and why.
    Command(Box<CommandSeen>),
    /// A change made through the operator console.
    Edit(Box<Edit>),
    /// Someone logged in to the operator console.
    Login { user: String, address: String },
    /// A console login was refused (wrong password, unknown name, or too many failures).
    LoginFailed { user: String, address: String, reason: String },
    /// A kind this version does not know (written by a newer yiping): its line still
    /// verifies (the hash covers the exact bytes) and reports pass over it.
    #[serde(other)]
    Unknown,
}

impl Event {
    /// The record's `kind` as written in the log.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Start { .. } => "start",
            Event::Stop => "stop",
            Event::Play(_) => "play",
            Event::Power { .. } => "power",
            Event::Device { .. } => "device",
            Event::SourceFailed { .. } => "source_failed",
            Event::SourceRecovered { .. } => "source_recovered",
            Event::FeedAccepted { .. } => "feed_accepted",
            Event::ConfigReloaded { .. } => "config_reloaded",
            Event::ConfigRejected { .. } => "config_rejected",
            Event::Item(_) => "item",
            Event::TornTail { .. } => "torn_tail",
            Event::Dropped { .. } => "dropped",
            Event::Refused { .. } => "refused",
            Event::Command(_) => "command",
            Event::Edit(_) => "edit",
            Event::Login { .. } => "login",
            Event::LoginFailed { .. } => "login_failed",
            Event::Unknown => "unknown",
        }
    }
}

/// Screen name -> its daily on-hours as `HH:MM-HH:MM` windows in the log's time zone
/// (an empty list: on all day).
pub(crate) type HoursLog = BTreeMap<String, Vec<String>>;

/// The hours record of a set of screens.
pub(crate) fn hours_log<'a>(screens: impl IntoIterator<Item = (&'a str, &'a crate::schedule::hours::ScreenHours)>) -> HoursLog {
    screens.into_iter().map(|(name, h)| (name.to_string(), h.on.iter().map(|w| w.to_string()).collect())).collect()
}

/// A command as the box judged it. Only what a verified signature vouches for is
/// filled in; a refused unsigned payload leaves the fields empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandSeen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<Timestamp>,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Who changed what through the operator console, and the content before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    pub user: String,
    /// `clerk`, `viewer` or `admin`.
    pub role: String,
    /// The client's IP address.
    pub address: String,
    /// `item`, `playlist` or `user`.
    pub what: String,
    /// The item key (`<source>/<id>`), playlist name or account name.
    pub name: String,
    /// The file written or removed (items and playlists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// SHA-256 of the file's bytes before (absent: it was created).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_sha256: Option<String>,
    /// SHA-256 of the file's bytes after (absent: it was deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_sha256: Option<String>,
    /// For items: the review state saved, and who approved it as the clerk entered it, kept
    /// beside the clerk's own name so an approval always says who vouched for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
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

#[cfg(test)]
impl Play {
    /// For tests: a whole play of `item` on screen 门口 in slot main, ended by the slot;
    /// change what a test needs with `Play { field, ..Play::sample(…) }`.
    pub(crate) fn sample(item: &str, start: Timestamp, end: Timestamp) -> Play {
        Play {
            screen: "门口".into(),
            content: "item".into(),
            item: item.into(),
            revision: Some(1),
            content_sha256: None,
            category: None,
            list: None,
            urgent: Some(false),
            window: None,
            min_seconds_per_day: None,
            slot: "main".into(),
            start,
            end,
            seconds: end.duration_since(start).as_secs_f64(),
            ended: EndReason::SlotEnd,
            sinks: vec![],
        }
    }
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
    /// The title as screens show it (personal numbers masked), so a report made
    /// from the log alone, years later, can name the item. Absent in older logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    /// Who approved it and when (四议两公开), for the report and the `within` cadence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalSeen>,
}

/// An item's approval as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalSeen {
    pub by: String,
    pub at: Timestamp,
}

impl ItemSeen {
    /// The record for an item as delivered (the catalog watcher then puts in the masked title).
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
            title: Some(it.title.clone()),
            village: it.village.clone(),
            approval: it.approval.as_ref().map(|a| ApprovalSeen { by: a.by.clone(), at: a.at.0 }),
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
    /// The sink left out the item's Mongolian (`chinese`: shown in Chinese alone;
    /// `skipped`: the skip notice instead). Added with bilingual items: absent on
    /// older lines and when nothing was left out, so old logs keep their bytes and hashes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mn_omitted: Option<MnOmitted>,
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

    /// A play line written before bilingual items (no `mn_omitted` member).
    const OLD_PLAY: &str = r#"{"seq":7,"at":"2026-12-01T01:05:00Z","prev":"0000000000000000000000000000000000000000000000000000000000000000","clock_trusted":true,"kind":"play","screen":"门口","content":"item","item":"local/a","revision":1,"slot":"items","start":"2026-12-01T01:00:00Z","end":"2026-12-01T01:05:00Z","seconds":300.0,"ended":"slot_end","sinks":[{"kind":"bx","written":2,"acked":2,"errors":0}],"hash":"53cc5991b24b92861f15b5d5b7907b1fc174bb542b410defdd38c4d5325b11f7"}"#;

    #[test]
    fn old_play_lines_still_verify_and_mn_omitted_is_chained_like_any_member() {
        let (r, hash) = decode(OLD_PLAY).unwrap();
        let Event::Play(p) = &r.event else { panic!("{r:?}") };
        assert_eq!(p.sinks[0].mn_omitted, None);
        // Nothing left out: the line is byte for byte what older versions wrote.
        assert_eq!(encode(&r), (OLD_PLAY.to_string(), hash));
        let mut new = r.clone();
        if let Event::Play(p) = &mut new.event {
            p.sinks[0].mn_omitted = Some(MnOmitted::Chinese);
        }
        let (line, _) = encode(&new);
        assert!(line.contains(r#""errors":0,"mn_omitted":"chinese"}"#), "{line}");
        assert_eq!(decode(&line).unwrap().0, new);
        assert_eq!(decode(&line.replace("\"chinese\"", "\"skipped\"")).unwrap_err(), LineError::HashMismatch);
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

    /// A line written before titles, hours and villages were recorded, byte for byte.
    const OLD_ITEM: &str = r#"{"seq":7,"at":"2026-12-01T01:00:00Z","prev":"0000000000000000000000000000000000000000000000000000000000000000","clock_trusted":true,"kind":"item","item":"local/a","revision":1,"content_sha256":"ab","status":"approved","category":"finance","list":"财务收支","urgent":false,"window":["2026-11-01T00:00:00Z","2027-01-01T00:00:00Z"]"#;

    fn sealed(body: &str) -> String {
        let body = format!("{body}}}");
        let hash = sha256_hex(body.as_bytes());
        format!("{},\"hash\":\"{hash}\"}}", &body[..body.len() - 1])
    }

    #[test]
    fn an_old_item_record_still_decodes_with_no_title_and_its_hash_holds() {
        let (r, _) = decode(&sealed(OLD_ITEM)).unwrap();
        let Event::Item(it) = r.event else { panic!("{r:?}") };
        assert_eq!((it.item.as_str(), it.title.as_deref(), it.approval.as_ref()), ("local/a", None, None));
    }

    #[test]
    fn a_field_from_a_newer_yiping_is_ignored_not_refused() {
        let newer = OLD_ITEM.replacen(r#""kind":"item","#, r#""kind":"item","colour":"red","#, 1);
        assert!(decode(&sealed(&newer)).is_ok());
    }

    #[test]
    fn a_new_item_record_carries_title_village_and_approval() {
        let it: crate::item::Item = serde_json::from_str(
            r#"{"id":"a","revision":2,"category":"finance","list":"财务收支","village":"青山村","title":"十一月财务收支","status":"approved",
            "approval":{"by":"村务监督委员会","at":"2026-11-28T10:00:00+08:00"},"display":{"from":"2026-12-01T00:00:00+08:00","until":"2026-12-31T00:00:00+08:00"}}"#,
        )
        .unwrap();
        let mut r = rec(9);
        r.event = Event::Item(Box::new(ItemSeen::of("local/a", &it)));
        let (line, _) = encode(&r);
        assert!(
            line.contains(r#""title":"十一月财务收支","village":"青山村","approval":{"by":"村务监督委员会","at":"2026-11-28T02:00:00Z"}"#),
            "{line}"
        );
        assert_eq!(decode(&line).unwrap().0, r);
    }

    #[test]
    fn a_kind_from_a_newer_version_still_verifies_and_reads_as_unknown() {
        let mut r = rec(4);
        r.event = Event::Stop;
        let (line, _) = encode(&r);
        // What a later yiping might write: a kind and fields this one has never heard of.
        let body = line[..line.find(",\"hash\"").unwrap()].replace("\"kind\":\"stop\"", "\"kind\":\"brightness_sensor\",\"lux\":312");
        let body = format!("{body}}}");
        let hash = sha256_hex(body.as_bytes());
        let newer = format!("{},\"hash\":\"{hash}\"}}", &body[..body.len() - 1]);
        let (got, h) = decode(&newer).unwrap();
        assert_eq!((got.seq, got.event, h), (4, Event::Unknown, hash));
    }
}
