//! Withdrawal while the platform fails (issue 13): a feed that is fetched applies at once
//! whatever the failure spell before it, the backoff is bounded by default, and a failing
//! source's items still leave the screen when their display window ends.

use std::collections::BTreeMap;
use std::time::Duration;

use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::sources::http::{HttpFeed, HttpSource, Polled};

use crate::feed_server::*;
use crate::support::*;

const GEN: &str = "2026-11-27T08:00:00+08:00";

fn source(dir: &std::path::Path, server: &Server) -> (HttpSource, HttpFeed) {
    let (c, d) = Config::load(&write_http_config(dir, &server.url(), ""));
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    let h = c.sources[0].get::<HttpSource>().unwrap().clone();
    let f = HttpFeed::new(&h, &c.state_dir, Clock::starting_at(DEMO_AT.parse().unwrap())).unwrap();
    (h, f)
}

#[tokio::test(start_paused = true)]
async fn a_withdrawal_fetched_after_a_failure_spell_applies_at_the_first_good_fetch() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    let body = feed(1, GEN, &[item("a", "甲", "approved"), item("b", "乙", "approved")]);
    server.publish(&body, &signer.sign(body.as_bytes()));
    let (h, mut f) = source(t.path(), &server);
    // interval 60 s: the backoff stops at 120 s, not 900 s, so the platform's recovery is seen soon.
    assert_eq!(h.max_backoff, Duration::from_secs(120));
    assert_eq!(f.poll().await, Polled::Changed);
    server.script([Reply::Status(500), Reply::Status(503), Reply::Status(404)]);
    for _ in 0..3 {
        assert!(matches!(f.poll().await, Polled::Failed(_)));
    }
    // The platform is back, with `b` withdrawn (revoked): the first good fetch applies it.
    let body = feed(2, GEN, &[item("a", "甲", "approved"), item("b", "乙", "revoked")]);
    server.publish(&body, &signer.sign(body.as_bytes()));
    assert_eq!(f.poll().await, Polled::Changed);
    let now = DEMO_AT.parse().unwrap();
    let mut updates = BTreeMap::new();
    updates.insert("district".to_string(), f.update());
    let cat = yiping::api::store::build_catalog(&updates, &Default::default());
    let shown: Vec<String> = cat.showable(now).iter().map(|s| s.key().to_string()).collect();
    assert_eq!(shown, ["district/a"]);
}

#[tokio::test(start_paused = true)]
async fn a_failing_sources_items_still_leave_the_screen_when_their_window_ends() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    let body = feed(1, GEN, &[item("a", "甲", "approved")]);
    server.publish(&body, &signer.sign(body.as_bytes()));
    let (_, mut f) = source(t.path(), &server);
    assert_eq!(f.poll().await, Polled::Changed);
    server.script([Reply::Status(500)]);
    assert!(matches!(f.poll().await, Polled::Failed(_)));
    let mut updates = BTreeMap::new();
    let u = f.update();
    assert!(u.health.as_ref().is_some_and(|h| h.last_error.is_some()), "the source is failing: {:?}", u.health);
    updates.insert("district".to_string(), u);
    let cat = yiping::api::store::build_catalog(&updates, &Default::default());
    // The item's window ends 2027-01-01T00:00:00+08:00 (feed_server::item).
    let until: jiff::Timestamp = "2027-01-01T00:00:00+08:00".parse().unwrap();
    assert_eq!(cat.showable(until - jiff::SignedDuration::from_secs(1)).len(), 1);
    assert!(cat.showable(until).is_empty(), "the window ends on time while the source fails");
}
