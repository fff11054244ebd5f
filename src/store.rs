//! The item store: merges the sources' latest updates into one `Catalog`.
//!
//! Pure merge (`build_catalog`) plus a task that publishes the newest catalog
//! on a watch channel. The store never reads files or the network.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::config::MaskPolicy;
use crate::item::{Catalog, Entry};
use crate::sources::SourceUpdate;

/// Merges per-source updates: every item becomes an `Entry` keyed `<source>/<id>`, masked by its list's rules.
pub fn build_catalog(updates: &BTreeMap<String, SourceUpdate>, policy: &MaskPolicy) -> Catalog {
    let mut entries: Vec<Arc<Entry>> = Vec::new();
    let mut problems = Vec::new();
    let mut freshness = BTreeMap::new();
    for u in updates.values() {
        problems.extend(u.problems.iter().cloned());
        if let Some(h) = &u.health {
            freshness.insert(u.source.clone(), h.clone());
        }
        for it in &u.items {
            let rules = policy.rules_for(it.list.as_deref());
            entries.push(Arc::new(Entry::new(&u.source, Arc::clone(it), &rules)));
        }
    }
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    entries.dedup_by(|a, b| a.key == b.key);
    Catalog { entries, problems, freshness }
}

/// Receives source updates until cancelled or every source is gone, publishing a fresh catalog after each.
pub async fn run(mut rx: mpsc::Receiver<SourceUpdate>, out: watch::Sender<Arc<Catalog>>, policy: MaskPolicy, cancel: CancellationToken) {
    let mut latest: BTreeMap<String, SourceUpdate> = BTreeMap::new();
    loop {
        let update = tokio::select! {
            _ = cancel.cancelled() => return,
            u = rx.recv() => match u { Some(u) => u, None => return },
        };
        latest.insert(update.source.clone(), update);
        out.send_replace(Arc::new(build_catalog(&latest, &policy)));
    }
}
