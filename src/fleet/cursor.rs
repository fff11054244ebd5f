//! The record cursor: the newest evidence record the broker has acknowledged, kept in state_dir.
//!
//! `P/S/records` resumes after it. It is written atomically (it survives
//! kill -9 and power cuts as the old or the new value) and at most about once
//! a second, so after a crash a few records may be sent twice, never skipped.
//! It names the record by seq *and* hash: a cursor that does not match the
//! log (a log replaced or cut back) is noticed and the link starts again from
//! the log's first record instead of skipping.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::fsutil::write_atomic;

/// Every record up to and including `seq` was acknowledged by the broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Cursor {
    pub seq: u64,
    pub hash: String,
    /// When it was written (for the operator).
    pub at: Timestamp,
}

/// `<state_dir>/fleet/cursor.json`.
pub(crate) fn path(state_dir: &Path) -> PathBuf {
    state_dir.join("fleet").join("cursor.json")
}

/// The saved cursor; `None` when there is none or it is unreadable (then everything is sent again).
pub(crate) fn load(path: &Path) -> Option<Cursor> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

pub(crate) fn save(path: &Path, c: &Cursor) -> std::io::Result<()> {
    // write_atomic never creates directories; `fleet/` is ours to make.
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    write_atomic(path, serde_json::to_string(c).expect("a cursor serializes").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_reads_as_none() {
        let d = tempfile::tempdir().unwrap();
        let p = path(d.path());
        assert_eq!(load(&p), None);
        let c = Cursor { seq: 41, hash: "ab".repeat(32), at: "2026-12-01T01:00:00Z".parse().unwrap() };
        save(&p, &c).unwrap();
        assert_eq!(load(&p), Some(c));
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1, "no temp file left");
        std::fs::write(&p, "{\"seq\":").unwrap();
        assert_eq!(load(&p), None);
    }
}
