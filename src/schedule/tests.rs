//! Scheduler tests with a simulated clock: order, durations, skipping, withdrawal.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::config::playlist::{Selector, default_playlist};
use crate::config::{Effect, Playlist, Slot, SlotContent, Timing};
use crate::item::mask::MaskRules;
use crate::item::parse::{Format, Limits, parse_item};
use crate::item::{Category, Entry};

const T0: &str = "2026-12-01T09:00:00+08:00";

fn entry(id: &str, category: &str, priority: &str) -> Arc<Entry> {
    let src = format!(
        r#"{{"id":"{id}","revision":1,"category":"{category}","title":"{id}","status":"approved","priority":"{priority}",
            "approval":{{"by":"x","at":"2026-01-01T00:00:00+08:00"}},
            "display":{{"from":"2026-11-01T00:00:00+08:00","until":"2027-01-01T00:00:00+08:00"}}}}"#
    );
    let it = parse_item(std::path::Path::new("t.json"), &src, Format::Json, &Limits::default()).unwrap();
    Arc::new(Entry::new("s", Arc::new(it), &MaskRules::default()))
}

fn admit(es: &[Arc<Entry>], now: Timestamp) -> Vec<Showable> {
    es.iter().filter_map(|e| Showable::admit(e, now).ok()).collect()
}

fn slot(name: &str, content: SlotContent, timing: Timing) -> Slot {
    Slot { name: name.into(), content, effect: Effect::Static { page_seconds: 5.0 }, timing }
}

fn select(cats: &[Category]) -> SlotContent {
    SlotContent::Select(Selector { categories: cats.to_vec(), ..Selector::default() })
}

/// Runs the scheduler second by second; returns (second, what went on air, why the previous ended).
fn simulate(pl: &Playlist, entries_at: &dyn Fn(u32) -> Vec<Arc<Entry>>, seconds: u32) -> Vec<(u32, String, Option<Ended>)> {
    let t0: Timestamp = T0.parse().unwrap();
    let measure = |_: &Content, _: &Slot| Duration::from_secs(10);
    let mut on: Option<OnAir> = None;
    let mut log = Vec::new();
    for s in 0..seconds {
        let now = t0 + SignedDuration::from_secs(s as i64);
        let items = admit(&entries_at(s), now);
        if let Some(ch) = step(on.as_ref(), pl, &items, now, &measure) {
            let what = match &ch.next.content {
                Content::Item(i) => i.item().id.clone(),
                Content::Notice { text, .. } => format!("notice:{text}"),
                Content::Idle => "idle".into(),
            };
            log.push((s, what, ch.ended));
            on = Some(ch.next);
        }
    }
    log
}

fn names(log: &[(u32, String, Option<Ended>)]) -> Vec<String> {
    log.iter().map(|(s, w, _)| format!("{s}:{w}")).collect()
}

#[test]
fn rotates_through_slots_and_items_in_order() {
    let pl = Playlist {
        name: "p".into(),
        file: None,
        slots: vec![
            slot("party", select(&[Category::Party]), Timing::Auto),
            slot("finance", select(&[Category::Finance]), Timing::Fixed(Duration::from_secs(7))),
            slot("hello", SlotContent::Notice { title: None, text: "hi".into() }, Timing::Passes(2)),
        ],
    };
    let es = vec![entry("b", "party", "normal"), entry("a", "party", "normal"), entry("c", "finance", "normal")];
    let log = simulate(&pl, &|_| es.clone(), 75);
    assert_eq!(names(&log), ["0:a", "10:b", "20:c", "27:notice:hi", "47:a", "57:b", "67:c", "74:notice:hi"]);
    assert!(log[1..].iter().all(|(_, _, e)| *e == Some(Ended::SlotEnd)));
}

#[test]
fn empty_slots_are_skipped_and_nothing_showable_gives_idle_not_black() {
    let pl = Playlist {
        name: "p".into(),
        file: None,
        slots: vec![slot("village", select(&[Category::Village]), Timing::Auto), slot("finance", select(&[Category::Finance]), Timing::Auto)],
    };
    let c = entry("c", "finance", "normal");
    let log = simulate(&pl, &|s| if s < 25 { vec![c.clone()] } else { vec![] }, 40);
    assert_eq!(names(&log), ["0:c", "10:c", "20:c", "25:idle", "35:idle"]);
    assert_eq!(log[3].2, Some(Ended::Withdrawn));
}

#[test]
fn withdrawn_item_leaves_at_once_and_new_items_wait_for_the_boundary() {
    let pl = default_playlist();
    let (a, b, n) = (entry("a", "party", "normal"), entry("b", "village", "normal"), entry("n", "party", "normal"));
    // b is withdrawn at 13 s, mid-slot; n arrives at 3 s, mid-slot of a.
    let log = simulate(
        &pl,
        &|s| {
            let mut v = vec![a.clone()];
            if s < 13 {
                v.push(b.clone());
            }
            if s >= 3 {
                v.push(n.clone());
            }
            v
        },
        40,
    );
    assert_eq!(names(&log), ["0:a", "10:n", "20:a", "30:n"]);
    let log2 = simulate(&pl, &|s| if s < 13 { vec![a.clone(), b.clone()] } else { vec![a.clone()] }, 30);
    assert_eq!(names(&log2), ["0:a", "10:b", "13:a", "23:a"]);
    assert_eq!(log2[2].2, Some(Ended::Withdrawn));
}

#[test]
fn idle_gives_way_as_soon_as_content_arrives() {
    let pl = default_playlist();
    let a = entry("a", "notice", "normal");
    let log = simulate(&pl, &|s| if s >= 4 { vec![a.clone()] } else { vec![] }, 6);
    assert_eq!(names(&log), ["0:idle", "4:a"]);
    assert_eq!(log[1].2, Some(Ended::ContentArrived));
}

#[test]
fn urgent_items_come_first_within_a_slot() {
    let pl = default_playlist();
    let es = vec![entry("a", "notice", "normal"), entry("z", "notice", "urgent")];
    let log = simulate(&pl, &|_| es.clone(), 25);
    assert_eq!(names(&log), ["0:z", "10:a", "20:z"]);
}

#[test]
fn same_inputs_same_decisions() {
    let pl = default_playlist();
    let es = vec![entry("a", "party", "normal"), entry("b", "finance", "normal"), entry("c", "village", "urgent")];
    assert_eq!(simulate(&pl, &|_| es.clone(), 100), simulate(&pl, &|_| es.clone(), 100));
}
