//! Source health: last success and failure per source, for the log and the status page.
//!
//! Every source reports each read in its updates (`SourceUpdate::failure`,
//! carried by the catalog), whatever its kind; a failure is recorded when a
//! spell starts or its error changes, a recovery when it ends, so a source
//! failing every minute for a day writes one record, not 1,440. Never blocks:
//! a short mutex and a queued record.

use std::collections::BTreeMap;
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
/// and each source's failure spells (an unreadable folder or malformed item
/// file, an unreachable or rejected feed) from what the source reported.
pub(crate) async fn watch_catalog(mut catalog: watch::Receiver<Arc<crate::item::Catalog>>, recorder: super::Recorder, cancel: CancellationToken) {
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    // Reads already counted per source: a catalog changed by one source does not count another's
    // read again, and reads coalesced by the watch channel are all counted.
    let mut counted: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    // The rollback floor recorded per source: one `feed_accepted` record per acceptance.
    let mut floors: std::collections::HashMap<String, (u64, String)> = std::collections::HashMap::new();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            r = catalog.changed() => if r.is_err() { return },
        }
        let cat: Arc<Catalog> = Arc::clone(&catalog.borrow_and_update());
        for e in cat.entries() {
            let mut item = super::record::ItemSeen::of(e.key(), e.original());
            // The title as screens show it: a report may be passed around, the log is not public.
            item.title = Some(e.public().title.clone());
            if seen.get(e.key()) != Some(&item.content_sha256) {
                seen.insert(e.key().to_string(), item.content_sha256.clone());
                recorder.now(super::Event::Item(Box::new(item)));
            }
        }
        for (name, h) in &cat.freshness {
            if let Some((sequence, sha256)) = &h.floor
                && floors.get(name) != h.floor.as_ref()
            {
                floors.insert(name.clone(), (*sequence, sha256.clone()));
                recorder.now(super::Event::FeedAccepted { source: name.clone(), sequence: *sequence, sha256: sha256.clone() });
            }
        }
        for (name, failure) in &cat.failures {
            // A catalog made without the store (tests, tools) counts as one read of each source.
            let (before, reads) = match cat.reads.get(name) {
                Some(&r) => (counted.insert(name.clone(), r).unwrap_or(0), r),
                None => (0, 1),
            };
            for _ in before..reads {
                match failure {
                    Some(e) => recorder.source_failed(name, e),
                    None => recorder.source_recovered(name),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use jiff::tz::TimeZone;

    use super::*;
    use crate::clock::Clock;
    use crate::evidence::{Event, LogConfig, Recorder, verify};
    use crate::sources::SourceUpdate;

    /// Any kind of source (here a made-up USB-stick watcher) is recorded from what it reports.
    #[tokio::test]
    async fn a_failure_spell_of_any_source_kind_is_recorded_once_and_its_end_too() {
        let d = tempfile::tempdir().unwrap();
        let cfg = LogConfig { dir: d.path().to_path_buf(), rotate_bytes: 1 << 20, time_zone: TimeZone::UTC };
        let (rec, dormant) = Recorder::open(&cfg, Clock::System, Event::Stop, 64).unwrap();
        let writer = dormant.spawn().unwrap();
        let (tx, rx) = watch::channel(Arc::new(Catalog::default()));
        let cancel = CancellationToken::new();
        let task = tokio::spawn(watch_catalog(rx, rec.clone(), cancel.clone()));
        let update = |failure: Option<&str>| {
            let u =
                SourceUpdate { source: "usb".into(), items: Vec::new(), problems: Vec::new(), health: None, failure: failure.map(str::to_string) };
            Arc::new(crate::store::build_catalog(&BTreeMap::from([("usb".to_string(), u)]), &Default::default()))
        };
        for (i, failure) in [Some("stick removed"), Some("stick removed"), None].into_iter().enumerate() {
            tx.send_replace(update(failure));
            // The watcher has seen this catalog when the book counts one more read.
            while rec.sources().snapshot().get("usb").map_or(0, |s| s.fetches) <= i as u64 {
                tokio::task::yield_now().await;
            }
        }
        cancel.cancel();
        task.await.unwrap();
        rec.stop();
        writer.join().unwrap();
        let mut kinds = Vec::new();
        verify::read(d.path(), |r| kinds.push(serde_json::to_value(&r.event).unwrap()["kind"].as_str().unwrap().to_string())).unwrap();
        assert_eq!(kinds.iter().filter(|k| *k == "source_failed").count(), 1, "{kinds:?}");
        assert_eq!(kinds.iter().filter(|k| *k == "source_recovered").count(), 1, "{kinds:?}");
        assert_eq!(rec.sources().snapshot()["usb"].failures, 2);
    }
}
