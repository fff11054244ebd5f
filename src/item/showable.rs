//! The gate between sources and screens: only approved, in-window, masked items pass.
//!
//! `Showable` has a private field and one constructor, `Showable::admit`,
//! which checks status and display window against `now`. The scheduler and
//! renderer take `Showable`, so nothing unapproved or out of its window can
//! reach a screen by construction. The text a `Showable` exposes is the
//! masked copy; the original stays in `Entry` for evidence hashes. An `Entry`
//! (private fields) is made only by `Entry::new`, which masks, and entries get
//! into a `Catalog` only through `Catalog::merge`: nothing skips masking.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;

use crate::diag::Diag;

use super::mask::{self, MaskPolicy, MaskRules};
use super::{Item, Status};

/// An item as held by the store: the original and the copy fit for a public screen.
#[derive(Debug)]
pub struct Entry {
    /// Unique across sources: `<source>/<id>`.
    key: String,
    source: String,
    /// Exactly what the source delivered.
    original: Arc<Item>,
    /// The same item with personal numbers masked; the only text screens get. `None`
    /// when masking changed nothing: then it is `original` (one copy, not two, in memory;
    /// boxed, so an entry without one is a few dozen bytes, not the size of an `Item`).
    public: Option<Box<Item>>,
    /// How many text fields masking changed (for logs and `check`).
    masked_count: usize,
}

impl Entry {
    pub fn new(source: &str, item: Arc<Item>, rules: &MaskRules) -> Entry {
        let mut public = (*item).clone();
        let mut count = 0;
        let mut m = |s: &mut String| {
            if let std::borrow::Cow::Owned(o) = mask::mask(s, rules) {
                count += 1;
                *s = o;
            }
        };
        m(&mut public.title);
        public.body.iter_mut().for_each(&mut m);
        if let Some(mn) = &mut public.mn {
            m(&mut mn.title);
            mn.body.iter_mut().for_each(&mut m);
        }
        if let Some(t) = &mut public.table {
            t.columns.iter_mut().for_each(&mut m);
            t.rows.iter_mut().flatten().for_each(&mut m);
        }
        let public = (count > 0).then(|| Box::new(public));
        Entry { key: format!("{source}/{}", item.id), source: source.to_string(), original: item, public, masked_count: count }
    }

    /// Unique across sources: `<source>/<id>`.
    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Exactly what the source delivered (evidence hashes it; never shown).
    pub fn original(&self) -> &Arc<Item> {
        &self.original
    }

    /// The same item with personal numbers masked; the only text screens get.
    pub fn public(&self) -> &Item {
        self.public.as_deref().unwrap_or(&self.original)
    }

    /// How many text fields masking changed (for logs and `check`).
    pub fn masked_count(&self) -> usize {
        self.masked_count
    }
}

/// Why an item is not on screen now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotApproved(Status),
    NotYetDue,
    Expired,
}

/// An item that may be shown now. Cannot be built except through `admit`.
#[derive(Debug, Clone)]
pub struct Showable {
    entry: Arc<Entry>,
}

impl Showable {
    /// Admits an item if it is approved and `from <= now < until`.
    pub fn admit(entry: &Arc<Entry>, now: Timestamp) -> Result<Showable, Refusal> {
        let it = &entry.original;
        if it.status != Status::Approved || it.approval.is_none() {
            return Err(Refusal::NotApproved(it.status));
        }
        if now < it.display.from.0 {
            return Err(Refusal::NotYetDue);
        }
        if now >= it.display.until.0 {
            return Err(Refusal::Expired);
        }
        Ok(Showable { entry: Arc::clone(entry) })
    }

    /// The masked item: what may appear on a public screen.
    pub fn item(&self) -> &Item {
        self.entry.public()
    }

    pub fn key(&self) -> &str {
        &self.entry.key
    }

    pub fn entry(&self) -> &Arc<Entry> {
        &self.entry
    }
}

/// Everything the sources currently hold, merged; rebuilt whenever a source reports.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Sorted by key; one entry per key. Private: only `merge` fills it.
    entries: Vec<Arc<Entry>>,
    /// Problems found while reading sources (bad files, duplicate ids).
    pub problems: Vec<Diag>,
    /// How fresh each network source's content is, by source name (folder sources have none).
    pub freshness: BTreeMap<String, SourceHealth>,
    /// Every source that reported, by name: why its last read failed, or `None` when it worked.
    pub failures: BTreeMap<String, Option<String>>,
    /// How many reads (fetches, scans) each source has reported since start, so the status
    /// counts every attempt even when one failure repeats another (set by the store).
    pub reads: BTreeMap<String, u64>,
}

/// When a network source last confirmed its content, for the staleness marker and the status page.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceHealth {
    /// The last successful fetch (a verified feed or a 304), possibly from before a restart.
    pub last_success: Option<Timestamp>,
    pub stale_after: std::time::Duration,
    /// The `generated_at` and `sequence` of the feed in force.
    pub generated_at: Option<Timestamp>,
    pub sequence: Option<u64>,
    /// Why the last attempt failed, while failing.
    pub last_error: Option<String>,
    /// The highest publication ever accepted (sequence, SHA-256 of its body): the rollback
    /// floor, which the evidence log records on every acceptance.
    pub floor: Option<(u64, String)>,
}

impl SourceHealth {
    /// True when nothing has been fetched for longer than `stale_after` (or ever, yet content is held).
    pub fn is_stale(&self, now: Timestamp) -> bool {
        match self.last_success {
            Some(t) => now.duration_since(t).as_secs_f64() > self.stale_after.as_secs_f64(),
            None => true,
        }
    }
}

/// What one source contributes to a catalog (its latest full update).
pub struct Contribution<'a> {
    pub source: &'a str,
    pub items: &'a [Arc<Item>],
    pub problems: &'a [Diag],
    pub health: Option<&'a SourceHealth>,
    pub failure: Option<&'a str>,
}

impl Catalog {
    /// Merges sources: every item becomes an `Entry` keyed `<source>/<id>`, masked
    /// by its list's rules. The one way entries get into a catalog.
    pub fn merge<'a>(parts: impl IntoIterator<Item = Contribution<'a>>, policy: &MaskPolicy) -> Catalog {
        let mut entries: Vec<Arc<Entry>> = Vec::new();
        let mut problems = Vec::new();
        let mut freshness = BTreeMap::new();
        let mut failures = BTreeMap::new();
        for u in parts {
            problems.extend(u.problems.iter().cloned());
            failures.insert(u.source.to_string(), u.failure.map(str::to_string));
            if let Some(h) = u.health {
                freshness.insert(u.source.to_string(), h.clone());
            }
            for it in u.items {
                let rules = policy.rules_for(it.list.as_deref());
                entries.push(Arc::new(Entry::new(u.source, Arc::clone(it), &rules)));
            }
        }
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        entries.dedup_by(|a, b| a.key == b.key);
        Catalog { entries, problems, freshness, failures, reads: BTreeMap::new() }
    }

    /// The same entries and problems, with the sources' newer health (a poll that only confirmed its content).
    pub fn refreshed(&self, freshness: BTreeMap<String, SourceHealth>, failures: BTreeMap<String, Option<String>>) -> Catalog {
        Catalog { entries: self.entries.clone(), problems: self.problems.clone(), freshness, failures, reads: BTreeMap::new() }
    }

    /// Every entry, sorted by key.
    pub fn entries(&self) -> &[Arc<Entry>] {
        &self.entries
    }

    /// The items that may be shown at `now`, in key order.
    pub fn showable(&self, now: Timestamp) -> Vec<Showable> {
        self.entries.iter().filter_map(|e| Showable::admit(e, now).ok()).collect()
    }

    /// The first instant after `now` at which `showable` can give another answer (an
    /// approved item's window opens or closes); `None` when no window edge is ahead.
    pub fn next_change(&self, now: Timestamp) -> Option<Timestamp> {
        let approved = self.entries.iter().map(|e| &e.original).filter(|it| it.status == Status::Approved && it.approval.is_some());
        approved.flat_map(|it| [it.display.from.0, it.display.until.0]).filter(|&t| t > now).min()
    }

    pub fn get(&self, key: &str) -> Option<&Arc<Entry>> {
        self.entries.binary_search_by(|e| e.key.as_str().cmp(key)).ok().map(|i| &self.entries[i])
    }
}

/// A screen's showable list, kept between frames: rebuilt only when the catalog
/// changes (the caller says so) or an item's window opens or closes, never per frame.
/// The urgent ones of `items`, in order: what may interrupt a rotation. Worked out once per
/// showable list, so a frame does not look at every item to find them.
pub(crate) fn urgent_of(items: &[Showable]) -> Vec<Showable> {
    items.iter().filter(|s| s.item().priority == super::Priority::Urgent).cloned().collect()
}

#[derive(Debug, Default)]
pub(crate) struct ShowableCache {
    items: Vec<Showable>,
    urgent: Vec<Showable>,
    /// The list holds for `from <= now < until` (`None`: for ever).
    span: Option<(Timestamp, Option<Timestamp>)>,
}

impl ShowableCache {
    /// The catalog was replaced: the next `get` rebuilds the list.
    pub(crate) fn invalidate(&mut self) {
        self.span = None;
    }

    /// `catalog.showable(now)`, from the cache while no window edge has passed.
    /// The showable items at `now`, and the urgent ones of them.
    pub(crate) fn get(&mut self, catalog: &Catalog, now: Timestamp) -> (&[Showable], &[Showable]) {
        let fresh = self.span.is_some_and(|(from, until)| now >= from && until.is_none_or(|u| now < u));
        if !fresh {
            self.items = catalog.showable(now);
            self.urgent = urgent_of(&self.items);
            self.span = Some((now, catalog.next_change(now)));
        }
        (&self.items, &self.urgent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::parse::{Format, Limits, parse_item};

    fn item(status: &str, from: &str, until: &str) -> Arc<Entry> {
        let approval = if status == "approved" { r#","approval":{"by":"x","at":"2021-01-01T00:00:00+08:00"}"# } else { "" };
        let src = format!(
            r#"{{"id":"a","revision":1,"category":"village","title":"低保 张三 身份证110105199001011234","status":"{status}"{approval},
                "display":{{"from":"{from}","until":"{until}"}}}}"#
        );
        let it = parse_item(std::path::Path::new("a.json"), &src, Format::Json, &Limits::default()).unwrap();
        Arc::new(Entry::new("local", Arc::new(it), &MaskRules::default()))
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn only_approved_items_inside_their_window_are_admitted() {
        let (f, u) = ("2021-01-05T00:00:00+08:00", "2021-02-01T00:00:00+08:00");
        let now = at("2021-01-10T00:00:00+08:00");
        assert!(Showable::admit(&item("approved", f, u), now).is_ok());
        for s in ["pending", "rejected", "revoked"] {
            assert!(matches!(Showable::admit(&item(s, f, u), now), Err(Refusal::NotApproved(_))), "{s}");
        }
        assert_eq!(Showable::admit(&item("approved", f, u), at("2021-01-04T23:59:59+08:00")).unwrap_err(), Refusal::NotYetDue);
        assert!(Showable::admit(&item("approved", f, u), at("2021-01-05T00:00:00+08:00")).is_ok());
        assert_eq!(Showable::admit(&item("approved", f, u), at("2021-02-01T00:00:00+08:00")).unwrap_err(), Refusal::Expired);
    }

    #[test]
    fn showable_exposes_only_the_masked_text() {
        let e = item("approved", "2021-01-05T00:00:00+08:00", "2021-02-01T00:00:00+08:00");
        let s = Showable::admit(&e, at("2021-01-10T00:00:00+08:00")).unwrap();
        assert!(!s.item().title.contains("199001011234"), "{}", s.item().title);
        assert!(e.original.title.contains("110105199001011234"));
        assert_eq!(s.key(), "local/a");
    }
    #[test]
    fn mongolian_text_goes_through_the_same_masking() {
        let src = r#"{"id":"a","revision":1,"category":"village","title":"低保","status":"pending",
            "display":{"from":"2021-01-05T00:00:00+08:00","until":"2021-02-01T00:00:00+08:00"},
            "mn":{"title":"ᠬᠠᠮᠠᠭᠠᠯᠠᠯ 13812345678","body":["ᠤᠲᠠᠰᠤ ᠑᠓᠘᠑᠒᠓᠔᠕᠖᠗᠘"]}}"#;
        let it = parse_item(std::path::Path::new("a.json"), src, Format::Json, &Limits::default()).unwrap();
        let e = Entry::new("local", Arc::new(it), &MaskRules::default());
        let mn = e.public().mn.as_ref().unwrap();
        assert_eq!(mn.title, "ᠬᠠᠮᠠᠭᠠᠯᠠᠯ 138****5678");
        assert_eq!(mn.body, ["ᠤᠲᠠᠰᠤ ᠑᠓᠘＊＊＊＊᠕᠖᠗᠘"]);
        assert_eq!(e.masked_count, 2);
        assert!(e.original.mn.as_ref().unwrap().title.contains("13812345678"), "the original is kept for evidence");
    }

    /// The per-screen cache must give what `showable` gives at every instant, across window edges.
    #[test]
    fn showable_cache_follows_window_edges_without_rebuilding_per_call() {
        let windows =
            [("a", "approved", 10, 20), ("b", "approved", 15, 40), ("c", "pending", 0, 50), ("d", "approved", 30, 31), ("e", "approved", 18, 40)];
        let items: Vec<Arc<Item>> = windows
            .iter()
            .map(|(id, status, from, until)| {
                let approval = if *status == "approved" { r#","approval":{"by":"x","at":"2021-01-01T00:00:00Z"}"# } else { "" };
                let priority = if *id == "e" { "urgent" } else { "normal" };
                let src = format!(
                    r#"{{"id":"{id}","revision":1,"category":"village","title":"t","status":"{status}"{approval},"priority":"{priority}",
                        "display":{{"from":"2021-01-01T00:00:{from:02}Z","until":"2021-01-01T00:00:{until:02}Z"}}}}"#
                );
                Arc::new(parse_item(std::path::Path::new("a.json"), &src, Format::Json, &Limits::default()).unwrap())
            })
            .collect();
        let part = Contribution { source: "local", items: &items, problems: &[], health: None, failure: None };
        let catalog = Catalog::merge([part], &Default::default());
        let t = |s: i64| at("2021-01-01T00:00:00Z") + jiff::SignedDuration::from_secs(s);
        assert_eq!(catalog.next_change(t(0)), Some(t(10)));
        assert_eq!(catalog.next_change(t(31)), Some(t(40)));
        assert_eq!(catalog.next_change(t(40)), None);
        let mut cache = ShowableCache::default();
        for s in 0..60 {
            let (shown, urgent) = cache.get(&catalog, t(s));
            let keys: Vec<&str> = shown.iter().map(|x| x.key()).collect();
            let urgent: Vec<&str> = urgent.iter().map(|x| x.key()).collect();
            let want = catalog.showable(t(s));
            assert_eq!(keys, want.iter().map(|x| x.key()).collect::<Vec<_>>(), "at {s} s");
            assert_eq!(urgent, if (18..40).contains(&s) { vec!["local/e"] } else { vec![] }, "the urgent one, in its window only: at {s} s");
        }
        // Back in time (a clock set back): rebuilt, not served from the later span.
        assert_eq!(cache.get(&catalog, t(12)).0.len(), 1);
    }
}
