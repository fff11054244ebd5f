//! Issue 13, clock jumps: the system clock is stepped back an hour, then forward a day, under
//! paused tokio time and a guarded `Clock` over a system-time reader the test steps
//! (`Clock::guarded_by`, the hook src/clock.rs gives). A real daemon, a real items folder.
//! The rotation keeps turning (a step back does not hold one item for an hour), an item whose
//! window the forward step passed is not shown, and the evidence log has no negative or
//! huge play durations and no refused records.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::evidence::Event;
use yiping::api::render::font::FontLibrary;

use crate::support::*;

/// What the screen had on air, sampled once a second for `secs` seconds: (on-air number, content key).
async fn watch(running: &yiping::api::daemon::Running, secs: u64) -> Vec<(u64, String)> {
    let mut seen: Vec<(u64, String)> = Vec::new();
    for _ in 0..secs {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let out = running.screens[0].1.borrow().clone();
        if let Some(a) = &out.on_air
            && seen.last().is_none_or(|l| l.0 != a.seq)
        {
            seen.push((a.seq, a.content_key()));
        }
    }
    seen
}

#[tokio::test(start_paused = true)]
async fn stepping_the_clock_back_an_hour_and_forward_a_day_keeps_the_rotation_and_the_evidence_sane() {
    let t = tempfile::tempdir().unwrap();
    let playlist = "[[slot]]\nname = \"村务\"\nselect = { category = \"village\" }\neffect = \"static\"\npage_seconds = 5\n";
    let cfg = write_config(t.path(), "name = \"门口\"\nwidth = 128\nheight = 32\nfps = 2", Some(playlist));
    for id in ["a", "b"] {
        std::fs::write(t.path().join(format!("items/{id}.json")), item_json(id, "village", &format!("条目{id}"), &["内容"])).unwrap();
    }
    // `c` ends twelve hours after the start: the forward step passes its window.
    let c = item_json("c", "village", "条目c", &["内容"]).replace("2027-01-01T00:00:00+08:00", "2026-12-01T21:00:00+08:00");
    std::fs::write(t.path().join("items/c.json"), c).unwrap();
    let (c, d) = Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{d:?}"));

    let base: Timestamp = DEMO_AT.parse().unwrap();
    let step = Arc::new(AtomicI64::new(0));
    let t0 = tokio::time::Instant::now();
    let s = Arc::clone(&step);
    let system = move || base + SignedDuration::from_secs(s.load(Ordering::SeqCst)) + SignedDuration::try_from(t0.elapsed()).unwrap();
    let clock = Clock::guarded_by(system, base - SignedDuration::from_hours(24 * 30));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, clock.clone(), cancel.clone()).unwrap();

    let before = watch(&running, 40).await;
    assert!(before.len() >= 4 && before.iter().any(|s| s.1.ends_with("/c")), "the rotation turns over a, b, c: {before:?}");

    step.store(-3600, Ordering::SeqCst); // back an hour
    let back = watch(&running, 40).await;
    assert!(back.len() >= 4, "after a step back the rotation keeps turning, no item is held for the hour: {back:?}");
    let now = clock.now();
    assert!(now < base, "the daemon follows the plausible system clock back: {now}");

    step.store(24 * 3600 - 3600, Ordering::SeqCst); // then forward a day from there
    let forward = watch(&running, 40).await;
    assert!(forward.len() >= 4, "after a step forward the rotation keeps turning: {forward:?}");
    assert!(!forward.iter().skip(1).any(|s| s.1.ends_with("/c")), "c's window was passed by the step: {forward:?}");
    cancel.cancel();
    running.wait().await;

    let (mut plays, mut refused) = (Vec::new(), Vec::new());
    yiping::api::evidence::verify::read(&c.evidence.dir, |r| match &r.event {
        Event::Play(p) => plays.push((**p).clone()),
        Event::Refused { .. } => refused.push(r.event.clone()),
        _ => {}
    })
    .unwrap();
    assert!(plays.len() >= 12, "{} plays", plays.len());
    assert!(refused.is_empty(), "the writer had to refuse records: {refused:?}");
    for p in &plays {
        let span = p.end.duration_since(p.start).as_secs_f64();
        assert!(p.seconds >= 0.0 && p.seconds <= 60.0, "a play of {} s: {p:?}", p.seconds);
        assert!(span >= 0.0 && (span - p.seconds).abs() <= 1.0, "span {span} s vs {} s: {p:?}", p.seconds);
    }
}
