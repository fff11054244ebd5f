//! The last-good configuration: the exact text of the config file and of every
//! playlist of the last configuration that was accepted, kept in one file under
//! `state_dir` so that a broken file on disk never blacks out the screen at boot.
//!
//! Written with `fsutil::write_atomic` (one file: a power cut leaves the old
//! snapshot or the new one, never a mix of versions). The texts are parsed again
//! as if they sat at their original paths, so relative paths keep their meaning.
//! This module never decides what runs: `cli::run` does.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::tomlread::TomlFile;

/// File name of the snapshot inside `state_dir`.
pub(crate) const FILE_NAME: &str = "last-good-config.json";

/// One file's path (as configured) and its exact text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileText {
    pub path: PathBuf,
    pub text: String,
}

/// The texts a configuration was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub(crate) struct Snapshot {
    pub config: Option<FileText>,
    pub playlists: Vec<FileText>,
}

impl Snapshot {
    /// Where the snapshot of the configuration at `state_dir` lives.
    pub(crate) fn path_in(state_dir: &Path) -> PathBuf {
        state_dir.join(FILE_NAME)
    }

    /// Saves the snapshot into `state_dir` (created when missing) unless the same one is
    /// already there, so an unchanged configuration costs the SD card no write.
    pub(crate) fn save(&self, state_dir: &Path) -> std::io::Result<bool> {
        let bytes = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let path = Snapshot::path_in(state_dir);
        // Temp files of a save that a crash (kill -9, power cut) interrupted: one per crash would pile up.
        crate::fsutil::clean_temps(&path);
        if std::fs::read(&path).is_ok_and(|old| old == bytes) {
            return Ok(false);
        }
        std::fs::create_dir_all(state_dir)?;
        crate::fsutil::write_atomic(&path, &bytes)?;
        Ok(true)
    }

    /// The snapshot kept for the config file at `config`, whose (possibly broken) text is
    /// `src`: looked for in the `state_dir` the text names, else in the default `state`.
    /// `None` when there is none, or it belongs to another config file.
    pub(crate) fn find(config: &Path, src: &str) -> Option<(Snapshot, PathBuf)> {
        let base = config.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut dirs = Vec::new();
        let (file, root) = TomlFile::parse(config, src);
        let mut top = file.table(&root, "config");
        if let Some(d) = top.opt::<PathBuf>("state_dir") {
            dirs.push(if d.is_absolute() { d } else { base.join(d) });
        }
        dirs.push(base.join("state"));
        dirs.into_iter().find_map(|dir| {
            let path = Snapshot::path_in(&dir);
            let snap: Snapshot = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
            (snap.config.as_ref()?.path == config).then_some((snap, path))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_snapshot_is_found_from_a_broken_config_and_not_rewritten_when_unchanged() {
        let d = tempfile::tempdir().unwrap();
        let cfg = d.path().join("yiping.toml");
        let snap = Snapshot {
            config: Some(FileText { path: cfg.clone(), text: "state_dir = \"s\"\n".into() }),
            playlists: vec![FileText { path: d.path().join("playlists/main.toml"), text: "name = \"main\"\n".into() }],
        };
        assert!(snap.save(&d.path().join("s")).unwrap(), "first save writes");
        assert!(!snap.save(&d.path().join("s")).unwrap(), "same snapshot: no write");
        // The broken text still names its state_dir: the snapshot is found there.
        let (found, at) = Snapshot::find(&cfg, "state_dir = \"s\"\n[[screens]\nname = 1").unwrap();
        assert_eq!(found, snap);
        assert_eq!(at, d.path().join("s").join(FILE_NAME));
        // Another config file's snapshot is not taken.
        assert!(Snapshot::find(&d.path().join("other.toml"), "state_dir = \"s\"").is_none());
        assert!(Snapshot::find(&cfg, "state_dir = \"elsewhere\"").is_none());
    }

    /// Found by the kill -9 test (tests/it/crash.rs): a kill during a save left its temp file,
    /// one more per crash, since nothing removed them.
    #[test]
    fn a_save_removes_the_temp_files_of_saves_a_crash_interrupted() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("s");
        std::fs::create_dir_all(&dir).unwrap();
        for pid in [101, 202] {
            std::fs::write(dir.join(format!(".{FILE_NAME}.{pid}.0.tmp")), "{").unwrap();
        }
        std::fs::write(dir.join("other.tmp"), "not ours").unwrap();
        let snap = Snapshot { config: None, playlists: Vec::new() };
        snap.save(&dir).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        left.sort();
        assert_eq!(left, [FILE_NAME, "other.tmp"]);
    }
}
