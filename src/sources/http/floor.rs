//! The rollback floor: the highest sequence accepted from one source and its feed's hash,
//! kept in its own small file apart from the cache, so a lost or replaced cache cannot
//! reopen a rollback to an older, validly signed feed.
//!
//! One file per source, `<state_dir>/rollback/<source>.json`, written atomically
//! (`fsutil::write_atomic`). Never lowered: the caller takes the maximum of this
//! file and the cache. An unreadable file is reported, never taken as "no floor"
//! silently.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const FORMAT: &str = "yiping.rollback/1";

/// A publication that was accepted: nothing older may follow it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub sequence: u64,
    /// SHA-256 of the feed body as signed (lowercase hex): the same sequence with other content is refused.
    pub sha256: String,
}

impl Seen {
    pub fn of(sequence: u64, body: &[u8]) -> Seen {
        Seen { sequence, sha256: sha256_hex(body) }
    }

    /// The later of two (by sequence; `self` on a tie).
    pub fn max(self, other: Option<Seen>) -> Seen {
        match other {
            Some(o) if o.sequence > self.sequence => o,
            _ => self,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    #[serde(flatten)]
    seen: Seen,
}

/// Where a source's floor lives.
pub fn path(state_dir: &Path, source: &str) -> PathBuf {
    state_dir.join("rollback").join(format!("{source}.json"))
}

/// Reads a floor; `Ok(None)` when there is none yet.
pub fn read(path: &Path) -> Result<Option<Seen>, String> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    if text.len() > 4096 {
        return Err(format!("{} is larger than 4096 bytes", path.display()));
    }
    match serde_json::from_slice::<File>(&text) {
        Ok(f) if f.format == FORMAT => Ok(Some(f.seen)),
        Ok(f) => Err(format!("{}: unknown format {:?}", path.display(), f.format)),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Writes a floor atomically (fsync of the file and its directory).
pub(crate) fn write(path: &Path, seen: &Seen) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let f = File { format: FORMAT.into(), seen: seen.clone() };
    let mut bytes = serde_json::to_vec_pretty(&f).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    // Temp files of a write that a crash interrupted (the floor is written on every acceptance).
    crate::fsutil::clean_temps(path);
    crate::fsutil::write_atomic(path, &bytes)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_floor_round_trips_and_a_damaged_one_is_an_error_not_zero() {
        let d = tempfile::tempdir().unwrap();
        let p = path(d.path(), "district");
        assert_eq!(read(&p), Ok(None));
        let s = Seen::of(200, b"feed");
        write(&p, &s).unwrap();
        assert_eq!(read(&p), Ok(Some(s.clone())));
        assert_eq!(s.sha256.len(), 64);
        std::fs::write(&p, "{").unwrap();
        assert!(read(&p).unwrap_err().contains("rollback/district.json"));
        assert_eq!(Seen::of(1, b"a").max(Some(s.clone())), s);
        assert_eq!(s.clone().max(Some(Seen::of(1, b"a"))), s);
    }
}
