//! The item store: merges the sources' latest updates into one `Catalog`.
//!
//! Pure merge (`build_catalog`) plus a task that publishes the newest catalog
//! on a watch channel. The store never reads files or the network.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::item::Catalog;
use crate::item::mask::MaskPolicy;
use crate::item::showable::Contribution;
use crate::sources::SourceUpdate;

/// Merges per-source updates: every item becomes an `Entry` keyed `<source>/<id>`, masked by its list's rules.
pub fn build_catalog(updates: &BTreeMap<String, SourceUpdate>, policy: &MaskPolicy) -> Catalog {
    let parts = updates.values().map(|u| Contribution {
        source: &u.source,
        items: &u.items,
        problems: &u.problems,
        health: u.health.as_ref(),
        failure: u.failure.as_deref(),
    });
    Catalog::merge(parts, policy)
}

/// Whether an update carries exactly the items (the same shared objects) and problems of the previous one.
fn same_content(old: &SourceUpdate, new: &SourceUpdate) -> bool {
    old.items.len() == new.items.len() && old.items.iter().zip(&new.items).all(|(a, b)| Arc::ptr_eq(a, b)) && old.problems == new.problems
}

/// Receives source updates until cancelled or every source is gone, publishing a fresh catalog after each.
pub(crate) async fn run(mut rx: mpsc::Receiver<SourceUpdate>, out: watch::Sender<Arc<Catalog>>, policy: MaskPolicy, cancel: CancellationToken) {
    let mut latest: BTreeMap<String, SourceUpdate> = BTreeMap::new();
    // Every update is one read by its source (a failure repeating the last one included).
    let mut reads: BTreeMap<String, u64> = BTreeMap::new();
    loop {
        let update = tokio::select! {
            _ = cancel.cancelled() => return,
            u = rx.recv() => match u { Some(u) => u, None => return },
        };
        // A poll that only confirms the content (an HTTP 304) changes freshness alone: no re-merge, no re-mask.
        let same = latest.get(&update.source).is_some_and(|old| same_content(old, &update));
        *reads.entry(update.source.clone()).or_default() += 1;
        latest.insert(update.source.clone(), update);
        let mut catalog = if same {
            let cur = Arc::clone(&out.borrow());
            let freshness = latest.values().filter_map(|u| Some((u.source.clone(), u.health.clone()?))).collect();
            let failures = latest.values().map(|u| (u.source.clone(), u.failure.clone())).collect();
            cur.refreshed(freshness, failures)
        } else {
            build_catalog(&latest, &policy)
        };
        catalog.reads = reads.clone();
        out.send_replace(Arc::new(catalog));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::SourceHealth;
    use crate::item::parse::{Format, Limits, parse_item};

    fn update(items: Vec<Arc<crate::item::Item>>, at: &str) -> SourceUpdate {
        let health = SourceHealth {
            last_success: Some(at.parse().unwrap()),
            stale_after: std::time::Duration::from_secs(3600),
            generated_at: None,
            sequence: Some(1),
            last_error: None,
            floor: None,
        };
        SourceUpdate { source: "district".into(), items, problems: Vec::new(), health: Some(health), failure: None }
    }

    #[tokio::test]
    async fn a_confirming_update_refreshes_freshness_without_rebuilding_entries() {
        let src = r#"{"id":"a","revision":1,"category":"village","title":"t","status":"pending","display":{"from":"2021-01-01T00:00:00Z","until":"2022-01-01T00:00:00Z"}}"#;
        let item = Arc::new(parse_item(std::path::Path::new("a.json"), src, Format::Json, &Limits::default()).unwrap());
        let (tx, rx) = mpsc::channel(4);
        let (out, mut cat) = watch::channel(Arc::new(Catalog::default()));
        let cancel = CancellationToken::new();
        let task = tokio::spawn(run(rx, out, MaskPolicy::default(), cancel.clone()));
        tx.send(update(vec![Arc::clone(&item)], "2026-11-27T00:00:00Z")).await.unwrap();
        cat.changed().await.unwrap();
        let first = Arc::clone(&cat.borrow_and_update().entries()[0]);
        tx.send(update(vec![Arc::clone(&item)], "2026-11-27T01:00:00Z")).await.unwrap();
        cat.changed().await.unwrap();
        let c = cat.borrow_and_update().clone();
        assert!(Arc::ptr_eq(&first, &c.entries()[0]), "same entry, not re-masked");
        assert_eq!(c.freshness["district"].last_success, Some("2026-11-27T01:00:00Z".parse().unwrap()));
        // New content (a new object) is merged again.
        tx.send(update(vec![Arc::new((*item).clone())], "2026-11-27T02:00:00Z")).await.unwrap();
        cat.changed().await.unwrap();
        assert!(!Arc::ptr_eq(&first, &cat.borrow().entries()[0]));
        cancel.cancel();
        task.await.unwrap();
    }
}
