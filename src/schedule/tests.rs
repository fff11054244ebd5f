//! Scheduler tests with a simulated clock: order, durations, skipping, withdrawal,
//! urgent interrupts and resume, weights, slot rules.

use std::sync::Arc;
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::item::mask::MaskRules;
use crate::item::parse::{Format, Limits, parse_item};
use crate::item::{Category, Entry};
use crate::schedule::playlist::{Selector, default_playlist};
use crate::schedule::rules::{When, Window};
use crate::schedule::{Effect, Playlist, Slot, SlotContent, Timing};

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
    Slot { name: name.into(), content, effect: Effect::Static { page_seconds: 5.0 }, timing, when: When::default(), weight: 1, urgent: false }
}

fn select(cats: &[Category]) -> SlotContent {
    SlotContent::Select(Selector { categories: cats.to_vec(), ..Selector::default() })
}

fn playlist(slots: Vec<Slot>) -> Playlist {
    Playlist { name: "p".into(), file: None, when: When::default(), priority: 0, slots }
}

type Log = Vec<(u32, String, Option<Ended>)>;

/// Runs the scheduler second by second with every content taking 10 s; returns
/// (second, what went on air, why the previous ended).
fn simulate_with(pl: &Playlist, urgent: &UrgentPolicy, entries_at: &dyn Fn(u32) -> Vec<Arc<Entry>>, seconds: u32) -> Log {
    let t0: Timestamp = T0.parse().unwrap();
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    let measure = |_: &Content, _: &Slot| Duration::from_secs(10);
    let mut rot = Rotation::default();
    let mut log = Vec::new();
    for s in 0..seconds {
        let now = t0 + SignedDuration::from_secs(s as i64);
        let items = admit(&entries_at(s), now);
        let local = now.to_zoned_datetime(tz.clone());
        let urgent_items = crate::item::showable::urgent_of(&items);
        let inp = Inputs { playlist: pl, urgent, items: &items, urgent_items: &urgent_items, local: &local };
        if let Some(ch) = rot.step(&inp, now, &measure) {
            let what = match &ch.next.content {
                Content::Item(i) => i.item().id.clone(),
                Content::Notice { text, .. } => format!("notice:{text}"),
                Content::Idle => "idle".into(),
                Content::Off => "off".into(),
            };
            log.push((s, what, ch.ended));
        }
    }
    log
}

fn simulate(pl: &Playlist, entries_at: &dyn Fn(u32) -> Vec<Arc<Entry>>, seconds: u32) -> Log {
    simulate_with(pl, &UrgentPolicy::default(), entries_at, seconds)
}

fn names(log: &Log) -> Vec<String> {
    log.iter().map(|(s, w, _)| format!("{s}:{w}")).collect()
}

#[test]
fn rotates_through_slots_and_items_in_order() {
    let pl = playlist(vec![
        slot("party", select(&[Category::Party]), Timing::Auto),
        slot("finance", select(&[Category::Finance]), Timing::Fixed(Duration::from_secs(7))),
        slot("hello", SlotContent::Notice { title: None, text: "hi".into() }, Timing::Passes(2)),
    ]);
    let es = vec![entry("b", "party", "normal"), entry("a", "party", "normal"), entry("c", "finance", "normal")];
    let log = simulate(&pl, &|_| es.clone(), 75);
    assert_eq!(names(&log), ["0:a", "10:b", "20:c", "27:notice:hi", "47:a", "57:b", "67:c", "74:notice:hi"]);
    assert!(log[1..].iter().all(|(_, _, e)| *e == Some(Ended::SlotEnd)));
}

#[test]
fn empty_slots_are_skipped_and_nothing_showable_gives_idle_not_black() {
    let pl = playlist(vec![slot("village", select(&[Category::Village]), Timing::Auto), slot("finance", select(&[Category::Finance]), Timing::Auto)]);
    let c = entry("c", "finance", "normal");
    let log = simulate(&pl, &|s| if s < 25 { vec![c.clone()] } else { vec![] }, 40);
    assert_eq!(names(&log), ["0:c", "10:c", "20:c", "25:idle", "35:idle"]);
    assert_eq!(log[3].2, Some(Ended::Withdrawn));
}

#[test]
fn withdrawn_item_leaves_at_once_and_new_items_wait_for_the_boundary() {
    let pl = default_playlist();
    let (a, b, n) = (entry("a", "party", "normal"), entry("b", "village", "normal"), entry("n", "party", "normal"));
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
fn urgent_item_interrupts_at_once_repeats_and_the_rotation_resumes_where_it_was() {
    let pl = default_playlist();
    let policy = UrgentPolicy { every: Duration::from_secs(60), ..UrgentPolicy::default() };
    let (a, b, z) = (entry("a", "party", "normal"), entry("b", "village", "normal"), entry("z", "notice", "urgent"));
    // z becomes showable at 14 s, in the middle of b (10..20).
    let log = simulate_with(&pl, &policy, &|s| if s < 14 { vec![a.clone(), b.clone()] } else { vec![a.clone(), b.clone(), z.clone()] }, 100);
    assert_eq!(names(&log), ["0:a", "10:b", "14:z", "24:b", "30:a", "40:b", "50:a", "60:b", "70:a", "80:b", "84:z", "94:b"]);
    assert_eq!(log[2].2, Some(Ended::Preempted));
    // b resumed at 24 s with its remaining 6 s, then the rotation went on to a.
    assert_eq!(log[4].2, Some(Ended::SlotEnd));
}

#[test]
fn urgent_notice_slots_interrupt_only_inside_their_rule() {
    let mut notice = slot("停水", SlotContent::Notice { title: None, text: "停水".into() }, Timing::Auto);
    notice.urgent = true;
    notice.when = When { times: vec![Window::parse("09:00:30-10:00").unwrap()], ..When::default() };
    let pl = playlist(vec![slot("all", select(&Category::ALL), Timing::Auto), notice]);
    let a = entry("a", "party", "normal");
    let log = simulate(&pl, &|_| vec![a.clone()], 45);
    assert_eq!(names(&log), ["0:a", "10:a", "20:a", "30:notice:停水", "40:a"]);
}

#[test]
fn weights_give_a_slot_more_turns() {
    let mut fin = slot("finance", select(&[Category::Finance]), Timing::Auto);
    fin.weight = 2;
    let pl = playlist(vec![slot("party", select(&[Category::Party]), Timing::Auto), fin]);
    let es = vec![entry("p", "party", "normal"), entry("f", "finance", "normal")];
    let log = simulate(&pl, &|_| es.clone(), 60);
    let f = log.iter().filter(|(_, w, _)| w == "f").count();
    let p = log.iter().filter(|(_, w, _)| w == "p").count();
    assert_eq!((f, p), (4, 2), "{:?}", names(&log));
}

#[test]
fn same_inputs_same_decisions() {
    let pl = default_playlist();
    let es = vec![entry("a", "party", "normal"), entry("b", "finance", "normal"), entry("c", "village", "urgent")];
    assert_eq!(simulate(&pl, &|_| es.clone(), 100), simulate(&pl, &|_| es.clone(), 100));
}

/// Issue 13: an item whose pass takes 800 s gets turns of at most `MAX_TURN`, each
/// continuing where the last stopped, and the other item gets its turns in between.
#[test]
fn a_long_item_takes_turns_of_at_most_five_minutes_and_continues_where_it_stopped() {
    let t0: Timestamp = T0.parse().unwrap();
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    let es = vec![entry("long", "party", "normal"), entry("short", "village", "normal")];
    let pl = playlist(vec![slot("all", select(&[Category::Party, Category::Village]), Timing::Auto)]);
    let measure = |c: &Content, _: &Slot| match c {
        Content::Item(s) if s.key() == "s/long" => Duration::from_secs(800),
        _ => Duration::from_secs(10),
    };
    let mut rot = Rotation::default();
    let mut turns = Vec::new();
    let mut now = t0;
    while turns.len() < 8 {
        let items = admit(&es, now);
        let local = now.to_zoned_datetime(tz.clone());
        let urgent_items = crate::item::showable::urgent_of(&items);
        let inp = Inputs { playlist: &pl, urgent: &UrgentPolicy::default(), items: &items, urgent_items: &urgent_items, local: &local };
        if let Some(ch) = rot.step(&inp, now, &measure) {
            let a = &ch.next;
            let key = match &a.content {
                Content::Item(s) => s.key().to_string(),
                _ => "other".into(),
            };
            // (item, how far into its pass this turn starts, how long the turn is)
            turns.push((key, a.elapsed(now).as_secs(), a.end.duration_since(now).as_secs()));
        }
        now += SignedDuration::from_secs(1);
    }
    let want: Vec<(String, u64, i64)> = [
        ("s/long", 0, 300),
        ("s/short", 0, 10),
        ("s/long", 300, 300),
        ("s/short", 0, 10),
        ("s/long", 600, 200),
        ("s/short", 0, 10),
        ("s/long", 0, 300),
        ("s/short", 0, 10),
    ]
    .iter()
    .map(|(k, o, d)| (k.to_string(), *o, *d))
    .collect();
    assert_eq!(turns, want);
}
