//! Issue 13, item 4: `/status` and `/metrics` count every attempt during a failure spell and
//! show the latest cause, while the log stays once per spell (per cause). A real daemon, a
//! real feed server on 127.0.0.1, the status endpoint over real HTTP.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::render::font::FontLibrary;

use crate::feed_server::*;
use crate::support::*;

async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let r = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.text().await.unwrap()
}

fn metric(text: &str, series: &str) -> f64 {
    let line = text.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("{series} missing:\n{text}"));
    line.rsplit_once(' ').unwrap().1.parse().unwrap()
}

#[tokio::test(start_paused = true)]
async fn status_and_metrics_count_every_failed_poll_and_follow_the_latest_cause() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let body = feed(1, "2026-11-27T08:00:00+08:00", &[item("a", "甲", "approved")]);
    server.publish(&body, &Signer::new("test").sign(body.as_bytes()));
    // Accepted once, then a spell of five failures whose cause changes from 500 to 404.
    server.script([Reply::Feed, Reply::Status(500), Reply::Status(500), Reply::Status(500), Reply::Status(404), Reply::Status(404)]);
    let cfg = write_http_config(t.path(), &server.url(), "");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{text}\n[status]\nlisten = \"127.0.0.1:0\"\n")).unwrap();
    let (c, d) = Config::load(&cfg);
    let c: Config = c.unwrap_or_else(|| panic!("{d:?}"));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    let addr = running.status_addr.unwrap();

    // Interval 60 s, then backoff 5, 10, 20, 40 s: wait until the server has answered all six.
    for _ in 0..400 {
        if server.feed_hits().len() >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(server.feed_hits().len(), 6);
    tokio::time::sleep(Duration::from_secs(1)).await; // the last answer reaches the store

    let status: serde_json::Value = serde_json::from_str(&get(addr, "/status").await).unwrap();
    let s = &status["sources"]["district"];
    assert_eq!(s["failures"], 5, "every failed attempt counts: {s:#}");
    assert_eq!(s["fetches"], 6, "{s:#}");
    assert!(s["error"].as_str().unwrap().contains("404"), "the latest cause, not the first: {s:#}");
    assert!(s["last_failure"].as_str().unwrap() > s["last_success"].as_str().unwrap(), "{s:#}");
    let metrics = get(addr, "/metrics").await;
    assert_eq!(metric(&metrics, "yiping_source_failures_total{source=\"district\"}"), 5.0);
    assert_eq!(metric(&metrics, "yiping_source_fetches_total{source=\"district\"}"), 6.0);
    cancel.cancel();
    running.wait().await;

    // The log has one record per cause, not one per attempt.
    let mut failed = Vec::new();
    for e in std::fs::read_dir(c.state_dir.join("evidence")).unwrap() {
        for line in std::fs::read_to_string(e.unwrap().path()).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["kind"] == "source_failed" {
                failed.push(v["error"].as_str().unwrap().to_string());
            }
        }
    }
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(failed[0].contains("500") && failed[1].contains("404"), "{failed:?}");
}
