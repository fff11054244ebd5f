//! Issue 13, item 1: a future date must not take over the clock. Each attack vector against
//! a real HTTP(S) server on 127.0.0.1, real minisign signatures, real files, a real daemon.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::render::font::FontLibrary;
use yiping::api::sources::http::HttpSource;
use yiping::api::sources::http::{HttpFeed, Polled};

use crate::feed_server::*;
use crate::support::*;

const GEN: &str = "2026-11-27T08:00:00+08:00";
const FUTURE: &str = "2099-01-01T00:00:00+08:00";
const FUTURE_DATE: &str = "Thu, 01 Jan 2099 00:00:00 GMT";
/// The system clock of these tests: correct, and after the build floor below.
const SYS: &str = "2026-12-01T01:00:00Z";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A system clock reading `at` when created and running with tokio's (paused) clock.
fn ticking(at: &str) -> impl Fn() -> Timestamp + Send + Sync + 'static {
    let (at, base) = (ts(at), tokio::time::Instant::now());
    move || at.checked_add(SignedDuration::try_from(base.elapsed()).unwrap()).unwrap()
}

/// A guarded clock over a plausible system clock (the case the attack exploited).
fn plausible() -> Clock {
    Clock::guarded_by(ticking(SYS), ts("2026-11-01T00:00:00Z"))
}

/// A guarded clock over a board stuck in 1970 (no RTC, no NTP yet).
fn implausible() -> Clock {
    Clock::guarded_by(|| ts("1970-01-01T00:00:10Z"), ts("2020-01-01T00:00:00Z"))
}

fn load(cfg: &Path) -> Config {
    let (c, d) = Config::load(cfg);
    c.unwrap_or_else(|| panic!("{d:?}"))
}

fn http_of(c: &Config) -> HttpSource {
    c.sources[0].get::<HttpSource>().unwrap().clone()
}

fn ca() -> String {
    format!("ca_file = {:?}", root().join("tests/data/feed/tls/ca.pem").display().to_string())
}

fn publish(server: &Server, seq: u64, generated_at: &str, items: &[String]) {
    let body = feed(seq, generated_at, items);
    server.publish(&body, &Signer::new("test").sign(body.as_bytes()));
}

fn ids(f: &HttpFeed) -> Vec<String> {
    f.update().items.iter().map(|i| i.id.clone()).collect()
}

#[tokio::test(start_paused = true)]
async fn a_signed_feed_from_2099_is_rejected_as_from_the_future_and_the_clock_stays() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    publish(&server, 1, GEN, &[item("a", "甲", "approved")]);
    let c = load(&write_http_config(t.path(), &server.url(), ""));
    let clock = plausible();
    let mut f = HttpFeed::new(&http_of(&c), &c.state_dir, clock.clone()).unwrap();
    assert_eq!(f.poll().await, Polled::Changed);

    publish(&server, 2, FUTURE, &[item("b", "乙", "approved")]);
    let Polled::Failed(why) = f.poll().await else { panic!("a feed from 2099 must be rejected") };
    assert!(why.contains("feed from the future") && why.contains("2098-12-31T16:00:00Z"), "{why}");
    assert_eq!(ids(&f), ["a"], "the feed in force stays");
    assert!(clock.trusted());
    assert!(clock.now() < ts("2026-12-02T00:00:00Z"), "the clock did not move: {}", clock.now());

    // A later normal feed is accepted as usual.
    publish(&server, 3, GEN, &[item("c", "丙", "approved")]);
    assert_eq!(f.poll().await, Polled::Changed);
    assert_eq!(ids(&f), ["c"]);
}

#[tokio::test(start_paused = true)]
async fn an_https_date_of_2099_does_not_move_a_plausible_clock() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start_tls().await;
    server.set_date(FUTURE_DATE);
    publish(&server, 1, GEN, &[item("a", "甲", "approved")]);
    let c = load(&write_http_config(t.path(), &server.url(), &ca()));
    let clock = plausible();
    let mut f = HttpFeed::new(&http_of(&c), &c.state_dir, clock.clone()).unwrap();
    assert_eq!(f.poll().await, Polled::Changed, "{:?}", f.health().last_error);
    assert!(clock.trusted());
    assert!(clock.now() < ts("2026-12-02T00:00:00Z"), "{}", clock.now());
}

#[tokio::test(start_paused = true)]
async fn an_https_to_http_redirect_is_refused_and_its_date_never_counts() {
    let t = tempfile::tempdir().unwrap();
    let tls = Server::start_tls().await;
    let plain = Server::start().await;
    plain.set_date(FUTURE_DATE);
    publish(&plain, 1, "2021-01-01T00:00:00+08:00", &[item("a", "甲", "approved")]);
    tls.script([Reply::Redirect(plain.url())]);
    let c = load(&write_http_config(t.path(), &tls.url(), &ca()));
    let clock = implausible();
    let mut f = HttpFeed::new(&http_of(&c), &c.state_dir, clock.clone()).unwrap();
    let Polled::Failed(why) = f.poll().await else { panic!("a downgrade to plain http must be refused") };
    assert!(why.contains("refused") && why.contains("http://"), "{why}");
    assert!(plain.feed_hits().is_empty(), "the plain-http server is never asked");
    assert!(clock.now() < ts("2021-01-01T00:00:00Z"), "{}", clock.now());
}

#[tokio::test(start_paused = true)]
async fn a_date_from_another_https_origin_after_a_redirect_never_counts() {
    let t = tempfile::tempdir().unwrap();
    let tls = Server::start_tls().await;
    let other = Server::start_tls().await;
    other.set_date(FUTURE_DATE);
    publish(&other, 1, "2021-01-01T00:00:00+08:00", &[item("a", "甲", "approved")]);
    // The signature is fetched from the configured origin.
    publish(&tls, 1, "2021-01-01T00:00:00+08:00", &[item("a", "甲", "approved")]);
    tls.script([Reply::Redirect(other.url())]);
    let c = load(&write_http_config(t.path(), &tls.url(), &ca()));
    let clock = implausible();
    let mut f = HttpFeed::new(&http_of(&c), &c.state_dir, clock.clone()).unwrap();
    assert_eq!(f.poll().await, Polled::Changed, "{:?}", f.health().last_error);
    assert_eq!(ids(&f), ["a"]);
    let now = clock.now();
    assert!(now >= ts("2020-12-31T16:00:00Z") && now < ts("2021-01-02T00:00:00Z"), "the signed generated_at, not the other origin's Date: {now}");
}

#[test]
fn check_feed_says_a_feed_from_the_future_is_rejected() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("feed.json"), feed(1, FUTURE, &[item("a", "甲", "approved")])).unwrap();
    let o = yiping(t.path(), &["check", "--feed", "feed.json", "--at", DEMO_AT]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("feed from the future") && out.contains("来自未来的数据源"), "{out}");
    // Ten minutes of skew are tolerated.
    std::fs::write(t.path().join("soon.json"), feed(1, "2026-12-01T09:09:00+08:00", &[item("a", "甲", "approved")])).unwrap();
    let o = yiping(t.path(), &["check", "--feed", "soon.json", "--at", DEMO_AT]);
    assert!(o.status.success(), "{}", stdout(&o));
}

/// Waits (in paused tokio time) until the screen's caption contains `what`.
async fn wait_for(rx: &tokio::sync::watch::Receiver<Arc<yiping::api::sinks::Output>>, what: &str) -> Arc<yiping::api::sinks::Output> {
    for _ in 0..100 {
        if rx.borrow().caption.contains(what) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    rx.borrow().clone()
}

#[tokio::test(start_paused = true)]
async fn a_daemon_attacked_with_2099_keeps_its_screen_and_a_restart_with_a_2099_cache_does_not_stay_there() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let c = load(&write_http_config(t.path(), &server.url(), ""));
    // A board without a clock accepted a 2099 feed (there was nothing to judge it by) and cached it.
    publish(&server, 5, FUTURE, &[item("future", "未来", "approved")]);
    let mut f = HttpFeed::new(&http_of(&c), &c.state_dir, implausible()).unwrap();
    assert_eq!(f.poll().await, Polled::Changed);
    drop(f);

    // Restart with a correct system clock: the cache from the future is moved aside, not believed.
    publish(&server, 6, GEN, &[item("a", "甲", "approved")]);
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let clock = plausible();
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, clock.clone(), cancel.clone()).unwrap();
    let rx = running.screens[0].1.clone();
    let out = wait_for(&rx, "district/a").await;
    assert!(out.caption.contains("district/a"), "{}", out.caption);
    assert!(out.at < ts("2027-01-01T00:00:00Z"), "the screen is not in 2099: {}", out.at);
    let aside: Vec<String> = std::fs::read_dir(c.state_dir.join("feeds"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".bad-") && !n.ends_with(".why"))
        .collect();
    assert_eq!(aside.len(), 1, "the cache from the future was moved aside");

    // The running daemon is now sent a 2099 feed: refused, the screen keeps its item and its time.
    publish(&server, 7, FUTURE, &[item("b", "乙", "approved")]);
    tokio::time::sleep(Duration::from_secs(130)).await;
    let out = rx.borrow().clone();
    assert!(out.caption.contains("district/a") && !out.caption.contains("district/b"), "{}", out.caption);
    assert!(out.at < ts("2027-01-01T00:00:00Z"), "{}", out.at);
    assert!(clock.trusted());
    cancel.cancel();
    running.wait().await;

    // The evidence log has no record dated in the future.
    let mut lines = 0;
    for e in std::fs::read_dir(c.state_dir.join("evidence")).unwrap() {
        for line in std::fs::read_to_string(e.unwrap().path()).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let at = ts(v["at"].as_str().unwrap());
            assert!(at < ts("2027-01-01T00:00:00Z"), "{line}");
            lines += 1;
        }
    }
    assert!(lines >= 2, "the log was written");
}

/// Issue 13: a bearer token over plain http:// is a warning, with the position of `token`.
#[test]
fn a_bearer_token_over_plain_http_is_warned_about() {
    let t = tempfile::tempdir().unwrap();
    let (c, diags) = yiping::api::config::Config::load(&write_http_config(t.path(), "http://gongkai.example.org/feed.json", "token = \"s3cret\""));
    assert!(c.is_some(), "a warning, not an error: {diags:?}");
    let w: Vec<String> = diags.iter().map(|d| d.to_string()).filter(|d| d.contains("bearer token")).collect();
    assert_eq!(w.len(), 1, "{diags:?}");
    assert!(w[0].contains("yiping.toml:") && w[0].contains("明文") && w[0].contains("https://"), "{}", w[0]);
    assert!(!w[0].contains("s3cret"), "the token itself is never printed");
    let (_, diags) = yiping::api::config::Config::load(&write_http_config(t.path(), "https://gongkai.example.org/feed.json", "token = \"s3cret\""));
    assert!(!diags.iter().any(|d| d.to_string().contains("bearer token")), "{diags:?}");
}
