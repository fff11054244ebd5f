//! Nonces of obeyed commands, kept in state_dir for the command window so a replay is refused even after a restart.
//!
//! A command's `issued_at` must lie within 10 minutes of the box's clock, so a
//! nonce only needs remembering while its command could still pass that check:
//! until `issued_at + WINDOW`. Each new nonce is written (atomically) before
//! the command acts; a crash after that can lose the action, never allow a replay.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::command::WINDOW;
use crate::fsutil::write_atomic;

/// More nonces than this within one window means a flood: further commands are refused until some expire.
pub(crate) const MAX_NONCES: usize = 10_000;

pub(crate) struct Nonces {
    path: PathBuf,
    /// nonce -> issued_at
    seen: BTreeMap<String, Timestamp>,
}

/// `<state_dir>/fleet/nonces.json`.
pub(crate) fn path(state_dir: &Path) -> PathBuf {
    state_dir.join("fleet").join("nonces.json")
}

impl Nonces {
    /// Loads the remembered nonces; an unreadable file is treated as empty (its commands are expired by then or still dated).
    pub(crate) fn load(path: &Path) -> Nonces {
        let seen = std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
        Nonces { path: path.to_path_buf(), seen }
    }

    pub(crate) fn contains(&self, nonce: &str) -> bool {
        self.seen.contains_key(nonce)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.seen.len()
    }

    /// Remembers a nonce (forgetting those whose window is over) and saves the set before returning.
    pub(crate) fn remember(&mut self, nonce: &str, issued_at: Timestamp, now: Timestamp) -> Result<(), String> {
        self.seen.retain(|_, at| at.checked_add(WINDOW).is_ok_and(|end| end >= now));
        if self.seen.len() >= MAX_NONCES {
            return Err(format!("more than {MAX_NONCES} commands within 10 minutes; refusing more until older ones expire"));
        }
        self.seen.insert(nonce.to_string(), issued_at);
        let text = serde_json::to_string(&self.seen).expect("nonces serialize");
        // write_atomic never creates directories; `fleet/` is ours to make.
        let dir = self.path.parent().map_or(Ok(()), std::fs::create_dir_all);
        dir.and_then(|_| write_atomic(&self.path, text.as_bytes())).map_err(|e| format!("cannot save the nonce in {}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn nonces_survive_a_restart_and_are_forgotten_after_the_window() {
        let d = tempfile::tempdir().unwrap();
        let p = path(d.path());
        let mut n = Nonces::load(&p);
        n.remember("a", at("2026-12-01T01:00:00Z"), at("2026-12-01T01:00:00Z")).unwrap();
        n.remember("b", at("2026-12-01T01:05:00Z"), at("2026-12-01T01:05:00Z")).unwrap();
        let n = Nonces::load(&p);
        assert!(n.contains("a") && n.contains("b") && !n.contains("c"));
        let mut n = Nonces::load(&p);
        n.remember("c", at("2026-12-01T01:12:00Z"), at("2026-12-01T01:12:00Z")).unwrap();
        let n = Nonces::load(&p);
        assert!(!n.contains("a"), "a's command expired at 01:10 and can no longer pass the time check");
        assert!(n.contains("b") && n.contains("c"));
        assert_eq!(n.len(), 2);
    }
}
