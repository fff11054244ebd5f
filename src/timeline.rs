//! What a screen will play over a period: the engine run on a simulated clock.
//! Used by `yiping schedule` (the timeline) and `yiping check` (mandated minimums).

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::engine::ScreenEngine;
use crate::item::Catalog;
use crate::schedule::{Content, Ended};

/// One stretch of time with one content on screen.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Segment {
    pub start: Timestamp,
    pub end: Timestamp,
    pub slot: String,
    /// Item key, `notice:…`, `idle` or `off`.
    pub key: String,
    pub title: String,
    pub urgent: bool,
    /// Continues content an urgent interrupt paused.
    pub resumed: bool,
    /// It interrupted what was on air.
    pub interrupts: bool,
}

impl Segment {
    pub(crate) fn seconds(&self) -> i64 {
        self.end.duration_since(self.start).as_secs()
    }

    pub(crate) fn is_off(&self) -> bool {
        self.key == "off"
    }
}

/// Runs the engine from `from` to `until` in steps of `step` and returns what was on screen.
/// Same inputs, same output.
pub(crate) fn simulate(engine: &mut ScreenEngine, catalog: &Catalog, from: Timestamp, until: Timestamp, step: Duration) -> Vec<Segment> {
    let step = SignedDuration::try_from(step).unwrap_or(SignedDuration::from_secs(1));
    let mut out: Vec<Segment> = Vec::new();
    let mut t = from;
    // The catalog is fixed: the list changes only at window edges.
    let mut showable = crate::item::ShowableCache::default();
    while t < until {
        let (items, urgent) = showable.get(catalog, t);
        if let Some(ch) = engine.advance_cached(items, urgent, t) {
            if let Some(last) = out.last_mut() {
                last.end = t;
            }
            let on = &ch.next;
            let title = match &on.content {
                Content::Item(s) => s.item().title.clone(),
                Content::Notice { title, text } => title.clone().unwrap_or_else(|| text.chars().take(20).collect()),
                Content::Idle => "（空闲：村名和时钟）".into(),
                Content::Off => "（关屏）".into(),
            };
            out.push(Segment {
                start: t,
                end: until,
                slot: on.slot_name.clone(),
                key: on.content_key(),
                title,
                urgent: on.urgent,
                resumed: on.start < t,
                interrupts: ch.ended == Some(Ended::Preempted),
            });
        }
        t += step;
    }
    if let Some(last) = out.last_mut() {
        last.end = until;
    }
    out
}

/// Seconds on screen per content key.
pub(crate) fn seconds_by_key(segments: &[Segment]) -> BTreeMap<String, (i64, u32)> {
    let mut m: BTreeMap<String, (i64, u32)> = BTreeMap::new();
    for s in segments {
        let e = m.entry(s.key.clone()).or_default();
        e.0 += s.seconds();
        if !s.resumed {
            e.1 += 1;
        }
    }
    m
}
