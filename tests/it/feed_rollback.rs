//! Issue 13, item 2: rollback protection survives a lost, corrupted or replaced cache.
//! A real HTTP server on 127.0.0.1, real minisign signatures, real files in state_dir.

use std::path::Path;

use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::item::Status;
use yiping::api::sources::http::{HttpFeed, HttpSource, Polled, cache, floor};

use crate::feed_server::*;
use crate::support::*;

const GEN: &str = "2026-11-27T08:00:00+08:00";

fn source(dir: &Path, server: &Server) -> (Config, HttpFeed) {
    let (c, d) = Config::load(&write_http_config(dir, &server.url(), ""));
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    let h = c.sources[0].get::<HttpSource>().unwrap().clone();
    let f = HttpFeed::new(&h, &c.state_dir, Clock::starting_at(DEMO_AT.parse().unwrap())).unwrap();
    (c, f)
}

fn ids(f: &HttpFeed) -> Vec<String> {
    f.update().items.iter().map(|i| i.id.clone()).collect()
}

/// Sequence 150 shows `x`; sequence 200 revokes it. Returns 150 (body, signature) for replay.
async fn accept_200_after_150(dir: &Path, server: &Server) -> (Config, String, String) {
    let signer = Signer::new("test");
    let old = feed(150, GEN, &[item("x", "撤回的条目", "approved"), item("y", "乙", "approved")]);
    let old_sig = signer.sign(old.as_bytes());
    server.publish(&old, &old_sig);
    let (c, mut f) = source(dir, server);
    assert_eq!(f.poll().await, Polled::Changed);
    assert_eq!(ids(&f), ["x", "y"]);
    let new = feed(200, GEN, &[item("x", "撤回的条目", "revoked"), item("y", "乙", "approved")]);
    server.publish(&new, &signer.sign(new.as_bytes()));
    assert_eq!(f.poll().await, Polled::Changed);
    assert!(!f.update().items.iter().any(|i| i.id == "x" && i.status == Status::Approved), "x is revoked");
    let seen = floor::read(&floor::path(&c.state_dir, "district")).unwrap().unwrap();
    assert_eq!(seen.sequence, 200, "the floor file holds the accepted sequence");
    server.publish(&old, &old_sig); // the server now replays the older, validly signed feed
    (c, old, old_sig)
}

fn showable(f: &HttpFeed) -> Vec<String> {
    f.update().items.iter().filter(|i| i.status == Status::Approved).map(|i| i.id.clone()).collect()
}

#[tokio::test(start_paused = true)]
async fn a_deleted_cache_does_not_reopen_a_rollback() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let (c, _, _) = accept_200_after_150(t.path(), &server).await;
    std::fs::remove_file(cache::path(&c.state_dir, "district")).unwrap();
    let (_, mut f) = source(t.path(), &server);
    assert!(!f.start().await);
    let Polled::Failed(why) = f.poll().await else { panic!("sequence 150 after 200 must be refused") };
    assert!(why.contains("sequence 150 is lower than the accepted 200"), "{why}");
    assert!(ids(&f).is_empty(), "the withdrawn item is not back: {:?}", ids(&f));
}

#[tokio::test(start_paused = true)]
async fn a_corrupted_cache_does_not_reopen_a_rollback() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let (c, _, _) = accept_200_after_150(t.path(), &server).await;
    std::fs::write(cache::path(&c.state_dir, "district"), "{\"format\": garbage").unwrap();
    let (_, mut f) = source(t.path(), &server);
    assert!(f.start().await, "the bad cache is reported");
    let Polled::Failed(why) = f.poll().await else { panic!("sequence 150 after 200 must be refused") };
    assert!(why.contains("rollback"), "{why}");
    assert!(!showable(&f).contains(&"x".to_string()));
}

#[tokio::test(start_paused = true)]
async fn a_cache_replaced_by_an_older_signed_feed_is_moved_aside() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let (c, old, old_sig) = accept_200_after_150(t.path(), &server).await;
    let path = cache::path(&c.state_dir, "district");
    let mut cached = cache::read(&path, 1 << 20).unwrap().unwrap();
    cached.feed = old;
    cached.signature = Some(old_sig);
    std::fs::write(&path, serde_json::to_vec(&cached).unwrap()).unwrap();
    let (_, mut f) = source(t.path(), &server);
    assert!(f.start().await);
    assert!(ids(&f).is_empty(), "the replaced cache is not shown: {:?}", ids(&f));
    assert!(f.update().problems.iter().any(|p| p.en.contains("lower than the accepted 200")), "{:?}", f.update().problems);
    assert!(!path.exists(), "moved aside");
    let Polled::Failed(_) = f.poll().await else { panic!("the replay is refused too") };
    assert!(!showable(&f).contains(&"x".to_string()));
}

#[tokio::test(start_paused = true)]
async fn a_lost_floor_file_is_rebuilt_from_the_cache() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let (c, _, _) = accept_200_after_150(t.path(), &server).await;
    let fp = floor::path(&c.state_dir, "district");
    std::fs::remove_file(&fp).unwrap();
    let (_, mut f) = source(t.path(), &server);
    assert!(f.start().await);
    assert_eq!(floor::read(&fp).unwrap().map(|s| s.sequence), Some(200), "rewritten from the cache");
    let Polled::Failed(why) = f.poll().await else { panic!() };
    assert!(why.contains("rollback"), "{why}");
    assert_eq!(showable(&f), ["y"]);
}

/// The catalog's approved items and the district source's sequence in force.
fn on_air(running: &yiping::api::daemon::Running) -> (Vec<String>, Option<u64>) {
    let cat = running.catalog.borrow().clone();
    let ids = cat.entries().iter().filter(|e| e.original().status == Status::Approved).map(|e| e.original().id.clone()).collect();
    (ids, cat.freshness.get("district").and_then(|h| h.sequence))
}

/// The `feed_accepted` records of the log, as (sequence, sha256).
fn accepted_in_log(dir: &Path) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    yiping::api::evidence::verify::read(dir, |r| {
        if let yiping::api::evidence::Event::FeedAccepted { source, sequence, sha256 } = &r.event {
            assert_eq!(source, "district");
            out.push((*sequence, sha256.clone()));
        }
    })
    .unwrap();
    out
}

async fn run_daemon(c: &Config) -> (tokio_util::sync::CancellationToken, yiping::api::daemon::Running) {
    let fonts =
        std::sync::Arc::new(yiping::api::render::font::FontLibrary::load(&yiping::api::render::font::FontLibrary::default_dirs(None)).unwrap());
    let cancel = tokio_util::sync::CancellationToken::new();
    let running = yiping::api::daemon::start(c, fonts, Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    (cancel, running)
}

/// Waits (in paused time) until `done` holds, at most an hour of daemon time.
async fn until(running: &yiping::api::daemon::Running, what: &str, done: impl Fn(&(Vec<String>, Option<u64>)) -> bool) {
    for _ in 0..3600 {
        if done(&on_air(running)) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    panic!("{what}: {:?}", on_air(running));
}

/// Issue 13, failure 2: the evidence log is the third copy of the floor. Accept 150, then 200
/// (which revokes `x`); stop; delete the floor file AND the cache; restart while the server
/// replays the validly signed 150: refused, `x` stays off the screen.
#[tokio::test(start_paused = true)]
async fn losing_both_the_floor_file_and_the_cache_does_not_reopen_a_rollback_the_log_recorded() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    let old = feed(150, GEN, &[item("x", "撤回的条目", "approved"), item("y", "乙", "approved")]);
    let old_sig = signer.sign(old.as_bytes());
    server.publish(&old, &old_sig);
    let (c, d) = Config::load(&write_http_config(t.path(), &server.url(), ""));
    let c = c.unwrap_or_else(|| panic!("{d:?}"));

    let (cancel, running) = run_daemon(&c).await;
    until(&running, "150 accepted", |(ids, seq)| *seq == Some(150) && ids.contains(&"x".to_string())).await;
    let new = feed(200, GEN, &[item("x", "撤回的条目", "revoked"), item("y", "乙", "approved")]);
    server.publish(&new, &signer.sign(new.as_bytes()));
    until(&running, "200 accepted at the next poll", |(ids, seq)| *seq == Some(200) && !ids.contains(&"x".to_string())).await;
    cancel.cancel();
    running.wait().await;
    let logged = accepted_in_log(&c.evidence.dir);
    assert_eq!(logged.iter().map(|l| l.0).collect::<Vec<_>>(), [150, 200], "one record per acceptance");
    assert_eq!(logged[1].1, floor::Seen::of(200, new.as_bytes()).sha256, "the feed's hash is recorded");

    std::fs::remove_file(cache::path(&c.state_dir, "district")).unwrap();
    std::fs::remove_file(floor::path(&c.state_dir, "district")).unwrap();
    server.publish(&old, &old_sig);
    let hits = server.feed_hits().len();
    let (cancel, running) = run_daemon(&c).await;
    for _ in 0..600 {
        if server.feed_hits().len() > hits {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    assert!(server.feed_hits().len() > hits, "the restarted daemon fetched the replayed feed");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await; // the refusal reaches the store
    let (ids, seq) = on_air(&running);
    assert!(!ids.contains(&"x".to_string()) && seq.is_none(), "the replayed 150 is refused: {ids:?} {seq:?}");
    let fp = floor::read(&floor::path(&c.state_dir, "district")).unwrap();
    assert_eq!(fp.map(|s| s.sequence), Some(200), "the floor file is rebuilt from the log");
    cancel.cancel();
    running.wait().await;
    let mut refusals = Vec::new();
    yiping::api::evidence::verify::read(&c.evidence.dir, |r| {
        if let yiping::api::evidence::Event::SourceFailed { error, .. } = &r.event {
            refusals.push(error.clone());
        }
    })
    .unwrap();
    assert!(refusals.iter().any(|e| e.contains("sequence 150 is lower than the accepted 200")), "{refusals:?}");
    assert_eq!(accepted_in_log(&c.evidence.dir).last().map(|l| l.0), Some(200), "no acceptance of 150 recorded");
}
