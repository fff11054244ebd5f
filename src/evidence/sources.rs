//! Source health: last success and failure per source, for the log and the status page.
//!
//! Sources (or, for the folder source, a watcher of the catalog) report every
//! fetch; a failure is recorded when a spell starts or its error changes, a
//! recovery when it ends, so a source failing every minute for a day writes
//! one record, not 1,440. Never blocks: a short mutex and a queued record.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::item::Catalog;

/// What is known about one source.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SourceState {
    pub last_success: Option<Timestamp>,
    pub last_failure: Option<Timestamp>,
    /// The current failure; `None` when the last attempt worked.
    pub error: Option<String>,
    /// Fetches (or folder scans) seen, successful or not.
    pub fetches: u64,
    pub failures: u64,
}

#[derive(Debug, Default)]
pub struct SourceBook {
    map: Mutex<BTreeMap<String, SourceState>>,
}

/// What a report changed, so the caller knows whether to write a record.
#[derive(Debug, PartialEq, Eq)]
pub enum Transition {
    None,
    Failed,
    Recovered,
}

impl SourceBook {
    pub fn snapshot(&self) -> BTreeMap<String, SourceState> {
        self.map.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn ok(&self, source: &str, now: Timestamp) -> Transition {
        let Ok(mut m) = self.map.lock() else { return Transition::None };
        let s = m.entry(source.to_string()).or_default();
        s.fetches += 1;
        s.last_success = Some(now);
        if s.error.take().is_some() { Transition::Recovered } else { Transition::None }
    }

    pub fn failed(&self, source: &str, error: &str, now: Timestamp) -> Transition {
        let Ok(mut m) = self.map.lock() else { return Transition::None };
        let s = m.entry(source.to_string()).or_default();
        s.fetches += 1;
        s.failures += 1;
        s.last_failure = Some(now);
        if s.error.as_deref() == Some(error) {
            return Transition::None;
        }
        s.error = Some(error.to_string());
        Transition::Failed
    }
}

/// Watches the catalog: records every item delivered (new or changed revision),
/// and, since folder sources report only through the catalog, counts a problem
/// under a source's folder (unreadable folder, malformed item file) as that source failing.
pub async fn watch_catalog(
    mut catalog: watch::Receiver<Arc<crate::item::Catalog>>,
    folders: Vec<(String, PathBuf)>,
    recorder: super::Recorder,
    cancel: CancellationToken,
) {
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            r = catalog.changed() => if r.is_err() { return },
        }
        let cat: Arc<Catalog> = Arc::clone(&catalog.borrow_and_update());
        for e in &cat.entries {
            let item = super::record::ItemSeen::of(&e.key, &e.original);
            if seen.get(&e.key) != Some(&item.content_sha256) {
                seen.insert(e.key.clone(), item.content_sha256.clone());
                recorder.now(super::Event::Item(Box::new(item)));
            }
        }
        // Network sources report their own health with each update.
        for (name, health) in &cat.freshness {
            match &health.last_error {
                Some(e) => recorder.source_failed(name, e),
                None => recorder.source_recovered(name),
            }
        }
        for (name, dir) in &folders {
            let problems: Vec<String> = cat.problems.iter().filter(|d| d.file.starts_with(dir) && d.is_error()).map(|d| d.to_string()).collect();
            if problems.is_empty() {
                recorder.source_recovered(name);
            } else {
                let more = if problems.len() > 1 { format!(" (and {} more)", problems.len() - 1) } else { String::new() };
                recorder.source_failed(name, &format!("{}{more}", problems[0]));
            }
        }
    }
}
