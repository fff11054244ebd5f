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
