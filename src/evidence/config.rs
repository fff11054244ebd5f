//! `[evidence]`: where the play log goes and when its files rotate.
//!
//! Pure reading and validation: opens no file.

use std::path::{Path, PathBuf};

use crate::tomlread::Table;

#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceConfig {
    /// Where the hash-chained JSON Lines files go.
    pub dir: PathBuf,
    /// A file is rotated beyond this many bytes (and at every local midnight).
    pub rotate_bytes: u64,
}

impl EvidenceConfig {
    pub fn default_for(state_dir: &Path) -> EvidenceConfig {
        EvidenceConfig { dir: state_dir.join("evidence"), rotate_bytes: 16 << 20 }
    }
}

/// Reads `[evidence]`; absent means the defaults under `state_dir`.
pub(crate) fn parse_evidence(t: Option<Table<'_, '_>>, state_dir: &Path, rel: &dyn Fn(PathBuf) -> PathBuf) -> EvidenceConfig {
    let mut c = EvidenceConfig::default_for(state_dir);
    if let Some(mut t) = t {
        if let Some(d) = t.opt::<PathBuf>("dir") {
            c.dir = rel(d);
        }
        if let Some(mb) = t.int_in("rotate_mb", 1..=4096, Some(16)) {
            c.rotate_bytes = mb as u64 * 1024 * 1024;
        }
        t.finish();
    }
    c
}
