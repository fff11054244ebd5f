//! The offline cache: the last verified feed (body and signature) of one source, in the state directory.
//!
//! One file per source, `<state_dir>/feeds/<source>.json`, written atomically
//! (`fsutil::write_atomic`: temp file, fsync, rename over the old one, fsync
//! of the directory). A crash
//! at any point leaves either the old or the new cache, never a mix. The
//! cache is never trusted as it is: the caller verifies it again on load, and
//! moves a bad one aside (`move_aside`) rather than deleting evidence.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub(crate) const FORMAT: &str = "yiping.feed-cache/1";

/// What is cached for one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cached {
    pub format: String,
    pub url: String,
    /// When this feed was fetched (or last confirmed by a 304).
    pub fetched_at: Timestamp,
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub last_modified: Option<String>,
    /// The `.minisig` text as fetched (absent only when signatures are not required).
    #[serde(default)]
    pub signature: Option<String>,
    /// The feed body, byte for byte as signed.
    pub feed: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is larger than {limit} bytes")]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{path} is not a feed cache: {msg}")]
    Malformed { path: PathBuf, msg: String },
    /// Unreadable or not UTF-8, as `fsutil::read_text` says it (Chinese first, with the position).
    #[error("{0}")]
    Text(Box<crate::diag::Diag>),
}

/// Where a source's cache lives.
pub fn path(state_dir: &Path, source: &str) -> PathBuf {
    state_dir.join("feeds").join(format!("{source}.json"))
}

/// Reads a cache file; `Ok(None)` when there is none. `limit` bounds what is read.
pub fn read(path: &Path, limit: u64) -> Result<Option<Cached>, CacheError> {
    let io = |source| CacheError::Io { path: path.to_path_buf(), source };
    let len = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    if len > limit {
        return Err(CacheError::TooLarge { path: path.to_path_buf(), limit });
    }
    let text = crate::fsutil::read_text(path).map_err(|d| CacheError::Text(Box::new(d)))?;
    let c: Cached = serde_json::from_str(&text).map_err(|e| CacheError::Malformed { path: path.to_path_buf(), msg: e.to_string() })?;
    if c.format != FORMAT {
        return Err(CacheError::Malformed { path: path.to_path_buf(), msg: format!("format `{}`, expected `{FORMAT}`", c.format) });
    }
    Ok(Some(c))
}

/// Replaces the cache atomically and durably (creating `<state_dir>/feeds` when needed).
pub(crate) fn write(path: &Path, c: &Cached) -> std::io::Result<()> {
    replace(path, &serde_json::to_vec(c)?)
}

/// The folder is made on first use; the write itself is `fsutil::write_atomic`.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::fsutil::write_atomic(path, bytes)
}

/// Where the time of the last confirmation (a 304) is kept, beside the cache.
fn checked_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".checked");
    PathBuf::from(s)
}

/// Records when the cached feed was last confirmed current (a few bytes, not the whole feed).
pub(crate) fn write_checked(path: &Path, at: Timestamp) -> std::io::Result<()> {
    replace(&checked_path(path), at.to_string().as_bytes())
}

/// The last recorded confirmation, if any and readable.
pub(crate) fn read_checked(path: &Path) -> Option<Timestamp> {
    let p = checked_path(path);
    if std::fs::metadata(&p).ok()?.len() > 64 {
        return None;
    }
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

/// Removes temp files a crash left behind for this cache; returns how many.
/// Also those of versions before `fsutil` (`<name>.tmp.<pid>`), so an upgraded box cleans up too.
pub(crate) fn clean_temps(path: &Path) -> usize {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else { return 0 };
    let ours = |n: &str| n.strip_prefix(name).is_some_and(|rest| rest.starts_with(".tmp.") || rest.starts_with(".checked.tmp."));
    let Ok(rd) = std::fs::read_dir(dir) else { return 0 };
    let legacy = rd.flatten().filter(|e| e.file_name().to_str().is_some_and(ours)).filter(|e| std::fs::remove_file(e.path()).is_ok()).count();
    legacy + crate::fsutil::clean_temps(path) + crate::fsutil::clean_temps(&checked_path(path))
}

/// Renames a bad cache to `<name>.bad-<UTC time>` so it is kept for inspection but never loaded,
/// and writes `why` beside it (`<name>.bad-<UTC time>.why`) for `check` to show.
pub(crate) fn move_aside(path: &Path, now: Timestamp, why: &str) -> std::io::Result<PathBuf> {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".bad-{}", now.strftime("%Y%m%dT%H%M%SZ")));
    let to = PathBuf::from(s);
    std::fs::rename(path, &to)?;
    if let Some(dir) = path.parent() {
        crate::fsutil::sync_dir(dir)?;
    }
    // The reason is a help, not evidence (the log has it too): a failure to write it is not fatal.
    let _ = crate::fsutil::write_atomic(&why_path(&to), why.as_bytes());
    Ok(to)
}

fn why_path(bad: &Path) -> PathBuf {
    let mut s = bad.as_os_str().to_owned();
    s.push(".why");
    PathBuf::from(s)
}

/// The newest cache moved aside for `path`, with the reason recorded beside it (if any).
pub(crate) fn last_moved_aside(path: &Path) -> Option<(PathBuf, Option<String>)> {
    let (dir, name) = (path.parent()?, path.file_name()?.to_str()?);
    let prefix = format!("{name}.bad-");
    // The UTC time in the name sorts as text.
    let newest = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(&prefix) && !n.ends_with(".why"))
        .max()?;
    let bad = dir.join(newest);
    let why = std::fs::read_to_string(why_path(&bad)).ok().map(|w| w.trim().to_string());
    Some((bad, why))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Cached {
        Cached {
            format: FORMAT.into(),
            url: "https://x/feed.json".into(),
            fetched_at: "2026-11-27T00:00:00Z".parse().unwrap(),
            etag: Some("\"e1\"".into()),
            last_modified: None,
            signature: Some("sig".into()),
            feed: "{\"中\": 1}\n".into(),
        }
    }

    #[test]
    fn write_then_read_round_trips_and_leaves_no_temp_file() {
        let t = tempfile::tempdir().unwrap();
        let p = path(t.path(), "district");
        write(&p, &sample()).unwrap();
        write(&p, &sample()).unwrap();
        assert_eq!(read(&p, 1 << 20).unwrap(), Some(sample()));
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
        assert!(read(&t.path().join("none.json"), 10).unwrap().is_none());
        assert!(matches!(read(&p, 10), Err(CacheError::TooLarge { .. })));
        let at: Timestamp = "2026-11-27T01:00:00Z".parse().unwrap();
        write_checked(&p, at).unwrap();
        assert_eq!(read_checked(&p), Some(at));
    }

    #[test]
    fn leftover_temp_files_are_cleaned_and_bad_caches_moved_aside() {
        let t = tempfile::tempdir().unwrap();
        let p = path(t.path(), "district");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(format!("{}.tmp.123", p.display()), "half").unwrap();
        assert_eq!(clean_temps(&p), 1);
        std::fs::write(&p, "{ not json").unwrap();
        assert!(matches!(read(&p, 1 << 20), Err(CacheError::Malformed { .. })));
        assert_eq!(last_moved_aside(&p), None);
        let to = move_aside(&p, "2026-11-27T01:02:03Z".parse().unwrap(), "cache: not JSON").unwrap();
        assert!(to.to_string_lossy().ends_with("district.json.bad-20261127T010203Z"), "{}", to.display());
        assert!(!p.exists() && to.exists());
        assert_eq!(last_moved_aside(&p), Some((to, Some("cache: not JSON".to_string()))));
    }
}
