//! The district feed against a real HTTP server on 127.0.0.1:0, real minisign signatures, real files.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::render::font::FontLibrary;
use yiping::api::sources::http::HttpSource;
use yiping::api::sources::http::{HttpFeed, Polled, cache};

use crate::feed_server::*;
use crate::support::*;

const GEN: &str = "2026-11-27T08:00:00+08:00";

fn load(cfg: &Path) -> Config {
    let (c, d) = Config::load(cfg);
    c.unwrap_or_else(|| panic!("{d:?}"))
}

fn http_of(c: &Config) -> HttpSource {
    c.sources[0].get::<HttpSource>().unwrap_or_else(|| panic!("{:?}", c.sources[0])).clone()
}

/// A source over `server` with state in `dir`.
fn source(dir: &Path, server: &Server, extra: &str) -> (Config, HttpFeed) {
    let c = load(&write_http_config(dir, &server.url(), extra));
    let f = HttpFeed::new(&http_of(&c), &c.state_dir, Clock::starting_at(DEMO_AT.parse().unwrap())).unwrap();
    (c, f)
}

fn ids(f: &HttpFeed) -> Vec<String> {
    f.update().items.iter().map(|i| i.id.clone()).collect()
}

fn publish(server: &Server, signer: &Signer, seq: u64, items: &[String]) -> String {
    let body = feed(seq, GEN, items);
    server.publish(&body, &signer.sign(body.as_bytes()));
    body
}

#[tokio::test(start_paused = true)]
async fn a_signed_feed_is_fetched_gzipped_then_a_304_costs_nothing() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    publish(&server, &signer, 1, &[item("a", "甲", "approved"), item("b", "乙", "approved")]);
    let (c, mut f) = source(t.path(), &server, "token = \"s3cret\"");
    assert!(!f.start().await, "no cache yet: nothing to send before the network");
    assert_eq!(f.poll().await, Polled::Changed);
    assert_eq!(ids(&f), ["a", "b"]);
    assert_eq!(f.poll().await, Polled::Confirmed);
    assert_eq!(ids(&f), ["a", "b"]);

    let hits = server.hits();
    let feed_hits: Vec<_> = hits.iter().filter(|h| h.path == "/feed.json").collect();
    assert_eq!(feed_hits.len(), 2);
    assert!(feed_hits[0].gzip, "the client asks for gzip and reads it");
    assert_eq!(feed_hits[1].if_none_match.as_deref().map(|s| s.starts_with('"')), Some(true), "conditional request");
    assert_eq!(feed_hits[1].status, 304);
    assert_eq!(hits.iter().filter(|h| h.path == "/feed.json.minisig").count(), 1, "a 304 fetches no signature");
    assert!(hits.iter().all(|h| h.auth.as_deref() == Some("Bearer s3cret")), "bearer token on every request");
    let cached = cache::read(&cache::path(&c.state_dir, "district"), 1 << 20).unwrap().unwrap();
    assert!(cached.feed.contains("\"sequence\": 1"));
    let h = f.health();
    assert_eq!((h.sequence, h.last_error), (Some(1), None));
}

#[tokio::test(start_paused = true)]
async fn server_down_at_start_with_a_valid_cache_shows_content_within_a_second() {
    let t = tempfile::tempdir().unwrap();
    let signer = Signer::new("test");
    let url = {
        let server = Server::start().await;
        publish(&server, &signer, 3, &[item("cached", "缓存条目", "approved")]);
        let (_, mut f) = source(t.path(), &server, "");
        assert_eq!(f.poll().await, Polled::Changed);
        server.url()
    }; // the server is gone: connections are refused
    let c = load(&write_http_config(t.path(), &url, ""));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    let rx = running.screens[0].1.clone();
    let mut shown = false;
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if rx.borrow().caption.contains("district/cached") {
            shown = true;
            break;
        }
    }
    assert!(shown, "cached content within 1 s: {}", rx.borrow().caption);
    cancel.cancel();
    running.wait().await;
}

#[tokio::test(start_paused = true)]
async fn errors_and_timeouts_back_off_exponentially_then_the_interval_resumes() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    publish(&server, &signer, 1, &[item("a", "甲", "approved")]);
    server.script([Reply::Status(500), Reply::Status(503), Reply::Status(500), Reply::Stall, Reply::Stall]);
    let (c, _) = source(t.path(), &server, "max_backoff_seconds = 60");
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(yiping::api::sources::http::run(
        http_of(&c),
        c.state_dir.clone(),
        Clock::starting_at(DEMO_AT.parse().unwrap()),
        tx,
        cancel.clone(),
    ));
    // Every failed attempt is reported with its own cause (the status counts attempts); then the feed.
    let first = rx.recv().await.unwrap();
    assert!(first.items.is_empty() && first.health.as_ref().unwrap().last_error.as_deref().unwrap().contains("500"), "{:?}", first.health);
    let mut causes = vec![first.failure.unwrap()];
    let ok = loop {
        let u = rx.recv().await.unwrap();
        match u.failure.clone() {
            Some(e) => causes.push(e),
            None => break u,
        }
    };
    assert_eq!(causes.len(), 5, "{causes:?}");
    assert!(causes[1].contains("503") && causes[4].contains("no answer"), "{causes:?}");
    assert_eq!(ok.items.len(), 1);
    assert_eq!(ok.health.unwrap().last_error, None);
    while server.feed_hits().len() < 7 {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    cancel.cancel();
    task.await.unwrap();
    let at: Vec<_> = server.feed_hits().iter().map(|h| h.at).collect();
    let gaps: Vec<u64> = at.windows(2).map(|w| (w[1] - w[0]).as_secs_f64().round() as u64).collect();
    // 5, 10, 20 s after the 500s; a stall costs the 30 s timeout plus 40 s, the next 30 s plus the 60 s cap;
    // after success the 60 s interval (jitter 0).
    assert_eq!(gaps, [5, 10, 20, 70, 90, 60], "{gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn a_slow_body_hits_the_total_timeout_and_the_feed_in_force_stays() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    publish(&server, &signer, 1, &[item("a", "甲", "approved")]);
    let (_, mut f) = source(t.path(), &server, "");
    assert_eq!(f.poll().await, Polled::Changed);
    publish(&server, &signer, 2, &[item("b", "乙", "approved")]);
    server.script([Reply::SlowBody]);
    let start = tokio::time::Instant::now();
    let Polled::Failed(why) = f.poll().await else { panic!("a stalled body must fail") };
    assert!(why.contains("no answer within 30s"), "{why}");
    assert_eq!((tokio::time::Instant::now() - start).as_secs(), 30, "the total timeout covers the body");
    assert_eq!(ids(&f), ["a"]);
    assert_eq!(f.poll().await, Polled::Changed, "the next poll gets the new feed");
    assert_eq!(ids(&f), ["b"]);
}

#[tokio::test(start_paused = true)]
async fn truncated_json_is_rejected_whole() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    publish(&server, &signer, 1, &[item("a", "甲", "approved")]);
    let (_, mut f) = source(t.path(), &server, "");
    assert_eq!(f.poll().await, Polled::Changed);
    // Cut in transfer: the signature (over the whole feed) no longer matches.
    let body = publish(&server, &signer, 2, &[item("b", "乙", "approved"), item("c", "丙", "approved")]);
    server.script([Reply::Truncated(body.len() - 40)]);
    let Polled::Failed(why) = f.poll().await else { panic!() };
    assert!(why.contains("signature does not match"), "{why}");
    // Published truncated and signed that way (a platform bug): the parser refuses it.
    let cut = &body[..body.len() - 40];
    server.publish(cut, &signer.sign(cut.as_bytes()));
    let Polled::Failed(why) = f.poll().await else { panic!() };
    assert!(why.contains("malformed feed at line"), "{why}");
    assert_eq!(ids(&f), ["a"], "the last good feed stays");
}

#[tokio::test(start_paused = true)]
async fn an_oversize_body_is_refused_without_reading_it_all() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    let items: Vec<String> = (0..40).map(|i| item(&format!("i{i}"), "一条很长的公示标题用于撑大信息源", "approved")).collect();
    publish(&server, &signer, 1, &items);
    let (_, mut f) = source(t.path(), &server, "max_body_bytes = 4096");
    let Polled::Failed(why) = f.poll().await else { panic!() };
    assert!(why.contains("feed body is larger than 4096 bytes"), "{why}");
    assert!(ids(&f).is_empty());
    // Over the item count too.
    let (_, mut f) = source(t.path(), &server, "max_items = 39");
    let Polled::Failed(why) = f.poll().await else { panic!() };
    assert!(why.contains("more than 39 items"), "{why}");
}

#[tokio::test(start_paused = true)]
async fn a_bad_signature_is_rejected_and_the_last_good_feed_stays() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    publish(&server, &signer, 1, &[item("a", "甲", "approved")]);
    let (_, mut f) = source(t.path(), &server, "");
    assert_eq!(f.poll().await, Polled::Changed);
    // Signed by a key nobody trusts.
    publish(&server, &Signer::new("other"), 2, &[item("forged", "伪造", "approved")]);
    let Polled::Failed(why) = f.poll().await else { panic!() };
    assert!(why.contains("not trusted"), "{why}");
    // Tampered after signing.
    let body = feed(3, GEN, &[item("b", "乙", "approved")]);
    server.publish(&body.replace("乙", "假"), &signer.sign(body.as_bytes()));
    let Polled::Failed(why) = f.poll().await else { panic!() };
    assert!(why.contains("signature does not match"), "{why}");
    assert_eq!(ids(&f), ["a"]);
    assert!(f.health().last_error.is_some());
}

#[tokio::test(start_paused = true)]
async fn a_rollback_to_an_older_sequence_is_rejected_even_after_a_restart() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    let old = feed(4, GEN, &[item("old", "旧", "approved")]);
    let old_sig = signer.sign(old.as_bytes());
    publish(&server, &signer, 5, &[item("new", "新", "approved")]);
    let (_, mut f) = source(t.path(), &server, "");
    assert_eq!(f.poll().await, Polled::Changed);
    server.publish(&old, &old_sig); // a validly signed but older publication, replayed
    let Polled::Failed(why) = f.poll().await else { panic!() };
    assert!(why.contains("sequence 4 is lower than the accepted 5"), "{why}");
    assert_eq!(ids(&f), ["new"]);
    // After a restart the cache remembers the sequence.
    let (_, mut f) = source(t.path(), &server, "");
    assert!(f.start().await);
    let Polled::Failed(why) = f.poll().await else { panic!() };
    assert!(why.contains("rollback"), "{why}");
    assert_eq!(ids(&f), ["new"]);
}

#[tokio::test(start_paused = true)]
async fn items_revoked_or_removed_between_polls_leave_the_screen_within_one_poll() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    // One item alone stays on air slot after slot: only the feed can take it off.
    publish(&server, &signer, 1, &[item("b", "乙", "approved")]);
    let c = load(&write_http_config(t.path(), &server.url(), ""));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    let rx = running.screens[0].1.clone();
    // Waits until the caption shows (or stops showing) `what`; returns how long that took.
    let wait = |what: &'static str, present: bool| {
        let rx = rx.clone();
        async move {
            let start = tokio::time::Instant::now();
            for _ in 0..1200 {
                if rx.borrow().caption.contains(what) == present {
                    return tokio::time::Instant::now() - start;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("caption never {} {what}: {}", if present { "showed" } else { "lost" }, rx.borrow().caption);
        }
    };
    wait("district/b", true).await;
    tokio::time::sleep(Duration::from_secs(90)).await;
    assert!(rx.borrow().caption.contains("district/b"), "{}", rx.borrow().caption);
    // Revoked while on air: replaced at the next poll (interval 60 s), not at the end of a slot.
    publish(&server, &signer, 2, &[item("b", "乙", "revoked"), item("c", "丙", "approved")]);
    let took = wait("district/b", false).await;
    assert!(took <= Duration::from_secs(61), "{took:?}");
    wait("district/c", true).await;
    // Removed from the feed while on air: gone within one poll too.
    publish(&server, &signer, 3, &[]);
    let took = wait("district/c", false).await;
    assert!(took <= Duration::from_secs(61), "{took:?}");
    assert!(running.catalog.borrow().entries().is_empty());
    cancel.cancel();
    running.wait().await;
}

#[tokio::test(start_paused = true)]
async fn a_corrupted_cache_is_moved_aside_reported_and_never_trusted() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    publish(&server, &signer, 1, &[item("a", "甲", "approved")]);
    let (c, mut f) = source(t.path(), &server, "");
    assert_eq!(f.poll().await, Polled::Changed);
    let path = cache::path(&c.state_dir, "district");
    // Flip one character of the cached feed: still JSON, but the signature fails.
    let text = std::fs::read_to_string(&path).unwrap().replace("甲", "丁");
    std::fs::write(&path, text).unwrap();
    let (_, mut f) = source(t.path(), &server, "");
    assert!(f.start().await, "the problem is reported");
    let u = f.update();
    assert!(u.items.is_empty(), "never trusted");
    assert!(u.problems[0].en.contains("moved to") && u.problems[0].en.contains("signature does not match"), "{}", u.problems[0]);
    assert!(!path.exists());
    let aside: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().flatten().map(|e| e.file_name().into_string().unwrap()).collect();
    assert!(aside.iter().any(|n| n.starts_with("district.json.bad-")), "{aside:?}");
    // Issue 13: `check --config` names the file moved aside and why, not "no cached feed yet".
    let o = yiping(t.path(), &["check", "--config", "yiping.toml", "--at", DEMO_AT]);
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert!(out.contains("district.json.bad-") && out.contains("moved aside") && out.contains("已被移到此文件"), "{out}");
    assert!(out.contains("signature does not match") && !out.contains("no cached feed yet"), "{out}");
    // Garbage is moved aside too; then the network refills the cache.
    std::fs::write(&path, "\0\0garbage").unwrap();
    let (_, mut f) = source(t.path(), &server, "");
    assert!(f.start().await);
    assert!(f.update().problems[0].en.contains("not a feed cache"), "{}", f.update().problems[0]);
    assert_eq!(f.poll().await, Polled::Changed);
    assert!(f.update().problems.is_empty());
    assert!(path.exists());
}

#[tokio::test(start_paused = true)]
async fn a_board_booted_in_1970_shows_the_cached_feed_by_its_generated_time() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    publish(&server, &signer, 1, &[item("a", "甲", "approved")]);
    let (c, mut f) = source(t.path(), &server, "");
    assert_eq!(f.poll().await, Polled::Changed);
    drop(server);
    // A system clock stuck in 1970, a build date before the items' window: only the feed's generated_at helps.
    let clock = Clock::guarded_by(|| "1970-01-01T00:00:10Z".parse().unwrap(), "2026-01-01T00:00:00Z".parse().unwrap());
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, clock.clone(), cancel.clone()).unwrap();
    let rx = running.screens[0].1.clone();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if rx.borrow().caption.contains("district/a") {
            break;
        }
    }
    let out = rx.borrow().clone();
    assert!(out.caption.contains("district/a"), "{}", out.caption);
    assert!(!clock.trusted());
    assert!(out.at >= GEN.parse().unwrap(), "time is the feed's generated_at or later: {}", out.at);
    cancel.cancel();
    running.wait().await;
}

#[tokio::test(start_paused = true)]
async fn after_stale_after_without_a_fetch_the_screen_says_when_it_last_updated() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    publish(&server, &signer, 1, &[item("a", "甲", "approved")]);
    let c = load(&write_http_config(t.path(), &server.url(), "stale_after_hours = 1"));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let mut engine = yiping::api::engine::ScreenEngine::new(&c.screens[0], &c, &fonts).unwrap();
    let now: jiff::Timestamp = DEMO_AT.parse().unwrap();
    let (_, mut f) = source(t.path(), &server, "stale_after_hours = 1");
    assert_eq!(f.poll().await, Polled::Changed);
    let fresh = f.health();
    let mut map = std::collections::BTreeMap::new();
    map.insert("district".to_string(), fresh);
    let draw = |e: &yiping::api::engine::ScreenEngine, at| {
        let mut fr = yiping::api::render::Frame::new(128, 32);
        e.draw(&mut fr, at);
        fr
    };
    engine.note_freshness(&map, now);
    assert_eq!(engine.stale_since(), None);
    let later = now + jiff::SignedDuration::from_hours(2);
    engine.note_freshness(&map, later);
    assert_eq!(engine.stale_since(), Some(Some(now)));
    let frame = draw(&engine, later);
    let png = t.path().join("stale.png");
    yiping::api::sinks::png::save(&png, &yiping::api::sinks::png::scaled(&frame, 4, false)).unwrap();
    if std::env::var_os("YIPING_KEEP_PNG").is_some() {
        std::fs::copy(&png, std::env::temp_dir().join("yiping-stale.png")).unwrap();
    }
    engine.note_freshness(&std::collections::BTreeMap::new(), later);
    let plain = draw(&engine, later);
    let art = frame.to_ascii();
    let differ: Vec<(u32, u32)> =
        (0..32).flat_map(|y| (0..128).map(move |x| (x, y))).filter(|&(x, y)| frame.pixel(x, y) != plain.pixel(x, y)).collect();
    assert!(!differ.is_empty(), "the marker changes the frame");
    assert!(differ.iter().all(|&(_, y)| y >= 20), "the marker stays in the bottom 12 rows:\n{art}");
}

#[test]
fn the_example_feed_is_signed_and_checks_clean() {
    let dir = root().join("deploy/feed-example");
    let sig = dir.join("feed.json.minisig");
    if std::env::var_os("YIPING_UPDATE_GOLDEN").is_some() {
        std::fs::write(&sig, Signer::new("test").sign(&std::fs::read(dir.join("feed.json")).unwrap())).unwrap();
    }
    let o = yiping(&dir, &["check", "--feed", "feed.json", "--key", "example.pub", "--at", "2026-11-28T10:00:00+08:00"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(out.contains("sequence 1042"), "{out}");
    assert!(out.contains("签名 signature feed.json.minisig: 有效 good，1 把不同的可信密钥 / 1 distinct"), "{out}");
    assert!(out.contains("qingshan-dibao-2026-11") && out.contains("showable"), "{out}");
    assert!(out.contains("status revoked"), "{out}");
    assert!(out.contains("0 个错误 error(s)"), "{out}");
}

#[test]
fn check_feed_reports_forgery_and_bad_items_with_positions() {
    let t = tempfile::tempdir().unwrap();
    let ex = root().join("deploy/feed-example");
    let key = ex.join("example.pub");
    let key = key.to_str().unwrap();
    let body = std::fs::read_to_string(ex.join("feed.json")).unwrap();
    std::fs::write(t.path().join("feed.json"), body.replace("92,810.00", "192,810.00")).unwrap();
    std::fs::copy(ex.join("feed.json.minisig"), t.path().join("feed.json.minisig")).unwrap();
    let o = yiping(t.path(), &["check", "--feed", "feed.json", "--key", key]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    let line = out.lines().find(|l| l.contains("signature does not match")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.starts_with("feed.json: 错误 error: 整个信息源被拒绝："), "Chinese first: {line}");

    // Unsigned, checked for format only: a bad item is reported at its line, the others listed.
    let bad =
        feed(1, GEN, &[item("ok", "好", "approved"), item("bad", "坏", "approved").replace("\"category\": \"village\"", "\"category\": \"money\"")]);
    std::fs::write(t.path().join("draft.json"), bad).unwrap();
    let o = yiping(t.path(), &["check", "--feed", "draft.json", "--at", DEMO_AT]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("draft.json:4:") && out.contains("item #2 (id \"bad\") skipped") && out.contains("unknown variant `money`"), "{out}");
    assert!(out.contains("signature not checked"), "{out}");
    assert!(out.lines().any(|l| l.contains(" ok ") && l.contains("showable")), "{out}");

    // A signature without a key to check it with is a usage error.
    let o = yiping(t.path(), &["check", "--feed", "feed.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--key"), "{}", stderr(&o));
}

#[test]
fn http_source_config_errors_are_reported_with_positions() {
    let t = tempfile::tempdir().unwrap();
    let cfg = "[[sources]]\ntype = \"http\"\nname = \"district\"\nurl = \"ftp://x/feed.json\"\npublic_keys = [\"RWnotakey\"]\ninterval_seconds = 1\ntoken = \"a\"\ntoken_file = \"missing\"\n\
               [[sources]]\ntype = \"http\"\nname = \"b\"\nurl = \"https://x/feed.json\"\n\n[[screens]]\nname = \"s\"\nwidth = 64\nheight = 16\n";
    let (c, d) = Config::from_str(&t.path().join("yiping.toml"), cfg);
    assert!(c.is_none());
    let text: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    let has = |line: u32, what: &str| d.iter().any(|x| x.line == line && x.en.contains(what));
    assert!(has(4, "must start with https://"), "{text:#?}");
    assert!(has(5, "not a valid minisign public key"), "{text:#?}");
    assert!(has(6, "between 5 and 86400"), "{text:#?}");
    assert!(has(8, "either `token` or `token_file`"), "{text:#?}");
    assert!(has(9, "needs `public_keys`"), "{text:#?}");
    // The second source: https, keys from the committed file, defaults.
    let ok = format!(
        "[[sources]]\ntype = \"http\"\nname = \"district\"\nurl = \"https://x/feed.json\"\npublic_key_files = [{:?}]\n\n[[screens]]\nname = \"s\"\nwidth = 64\nheight = 16\n",
        root().join("deploy/feed-example/example.pub").display().to_string()
    );
    let (c, d) = Config::from_str(&t.path().join("yiping.toml"), &ok);
    let h = http_of(&c.unwrap_or_else(|| panic!("{d:?}")));
    assert_eq!((h.interval, h.max_body_bytes, h.max_items, h.require_signature), (Duration::from_secs(60), 8 << 20, 10_000, true));
    assert_eq!(h.stale_after, Duration::from_secs(24 * 3600));
    assert_eq!(h.public_keys, ["RWQNVa/eMpfvzdrTwkDvimoL/JYD7+5bmC+Kzl4MSOj859YTKBMlrMT+"]);
}

/// The real binary, killed with SIGKILL at different moments around its cache writes, then restarted:
/// the cache it finds is always one complete, verified feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_with_sigkill_while_writing_the_cache_then_restarted_loads_a_valid_cache() {
    use std::process::{Command, Stdio};
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let signer = Signer::new("test");
    let cfg = write_http_config(t.path(), &server.url(), "");
    let c = load(&cfg);
    let cache_path = cache::path(&c.state_dir, "district");
    let spawn = |log: &str| {
        Command::new(env!("CARGO_BIN_EXE_yiping"))
            .args(["run", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT])
            .env("YIPING_FONTS", root().join("fonts"))
            .env("YIPING_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(t.path().join(log)).unwrap())
            .spawn()
            .unwrap()
    };
    let sig_hits = |s: &Server| s.hits().iter().filter(|h| h.path.ends_with(".minisig")).count();
    // A feed of about a megabyte, so verifying, parsing and writing take a while.
    let big =
        |seq: u64| -> Vec<String> { (0..3000).map(|i| item(&format!("s{seq}-{i:04}"), "大型信息源里的公示条目", "approved")).collect() };
    let has_temp =
        || std::fs::read_dir(cache_path.parent().unwrap()).is_ok_and(|d| d.flatten().any(|e| e.file_name().to_string_lossy().contains(".tmp.")));
    let cached_seq = |seq: u64| cache::read(&cache_path, 64 << 20).ok().flatten().is_some_and(|c| c.feed.contains(&format!("\"sequence\": {seq},")));
    let mut mid_write = 0;
    for round in 0..4u64 {
        let seq = round + 1;
        publish(&server, &signer, seq, &big(seq));
        let before = sig_hits(&server);
        let mut child = spawn(&format!("run{round}.log"));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while sig_hits(&server) == before {
            assert!(tokio::time::Instant::now() < deadline, "the daemon never fetched");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        // Round 0 completes its write, so there is a good cache to protect; later rounds are
        // killed the moment the temp file appears (mid-write), or else just after the rename.
        loop {
            if round > 0 && has_temp() {
                mid_write += 1;
                break;
            }
            if cached_seq(seq) {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "the daemon never cached");
            std::thread::sleep(Duration::from_micros(200));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }
    eprintln!("{mid_write} of 3 kills landed while the temp file was being written");
    // Restart with the network gone: the cache must verify and its items show.
    drop(server);
    let mut child = spawn("restart.log");
    let log = t.path().join("restart.log");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&log).unwrap().contains("cached feed verified") {
        assert!(std::time::Instant::now() < deadline, "{}", std::fs::read_to_string(&log).unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("moved aside"), "{text}");
    let leftovers: Vec<_> = std::fs::read_dir(cache_path.parent().unwrap()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(leftovers.iter().all(|n| !n.to_string_lossy().contains(".tmp.")), "temp files are cleaned at start: {leftovers:?}");
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert!(child.wait().unwrap().success());
    // And `check` (read-only) agrees: one complete publication, every item showable.
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT]);
    let out = stdout(&o);
    assert!(!out.contains("fails verification"), "{out}");
    let seqs: std::collections::BTreeSet<&str> =
        out.lines().filter_map(|l| l.trim().strip_prefix("district/s")).filter_map(|l| l.split('-').next()).collect();
    assert_eq!(seqs.len(), 1, "items of exactly one publication: {seqs:?}");
    assert!(out.contains("当前可显示 3000 showable now"), "{out}");
}

#[tokio::test(start_paused = true)]
async fn folder_and_http_sources_combine_with_ids_namespaced_per_source() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    publish(&server, &Signer::new("test"), 1, &[item("a", "平台条目", "approved")]);
    std::fs::create_dir_all(t.path().join("items")).unwrap();
    std::fs::write(t.path().join("items/a.json"), item_json("a", "party", "本村条目", &["内容"])).unwrap();
    let extra = "\n[[sources]]\ntype = \"folder\"\nname = \"local\"\npath = \"items\"\n";
    let c = load(&write_http_config(t.path(), &server.url(), extra));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    let mut keys = Vec::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        keys = running.catalog.borrow().entries().iter().map(|e| e.key().to_string()).collect::<Vec<_>>();
        if keys.len() == 2 {
            break;
        }
    }
    assert_eq!(keys, ["district/a", "local/a"]);
    let fresh = running.catalog.borrow().freshness.clone();
    assert_eq!(fresh.keys().collect::<Vec<_>>(), ["district"], "only network sources report freshness");
    cancel.cancel();
    running.wait().await;
}

#[tokio::test(start_paused = true)]
async fn https_with_a_private_ca_and_its_date_header_teaches_a_1970_clock() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start_tls().await;
    let signer = Signer::new("test");
    // generated_at far in the past: only the HTTPS Date (the server's real clock) can bring the estimate to now.
    let body = feed(1, "2021-01-01T00:00:00+08:00", &[item("a", "甲", "approved")]);
    server.publish(&body, &signer.sign(body.as_bytes()));
    let ca = format!("ca_file = {:?}", root().join("tests/data/feed/tls/ca.pem").display().to_string());
    let c = load(&write_http_config(t.path(), &server.url(), &ca));
    assert!(server.url().starts_with("https://127.0.0.1:"));
    let clock = Clock::guarded_by(|| "1970-01-01T00:00:10Z".parse().unwrap(), "2020-01-01T00:00:00Z".parse().unwrap());
    let mut f = HttpFeed::new(&http_of(&c), &c.state_dir, clock.clone()).unwrap();
    assert_eq!(f.poll().await, Polled::Changed, "{:?}", f.health().last_error);
    assert_eq!(ids(&f), ["a"]);
    assert!(!clock.trusted());
    assert!(clock.now() > "2026-01-01T00:00:00Z".parse().unwrap(), "learned from the HTTPS Date: {}", clock.now());

    // Without the CA the certificate is refused.
    let c = load(&write_http_config(t.path(), &server.url(), ""));
    let mut f = HttpFeed::new(&http_of(&c), &c.state_dir, Clock::starting_at(DEMO_AT.parse().unwrap())).unwrap();
    let Polled::Failed(why) = f.poll().await else { panic!("an unknown CA must be refused") };
    assert!(why.to_lowercase().contains("certificate"), "{why}");
}

#[tokio::test(start_paused = true)]
async fn a_plain_http_date_is_not_trusted_by_the_clock() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let body = feed(1, "2021-01-01T00:00:00+08:00", &[item("a", "甲", "approved")]);
    server.publish(&body, &Signer::new("test").sign(body.as_bytes()));
    let c = load(&write_http_config(t.path(), &server.url(), ""));
    let clock = Clock::guarded_by(|| "1970-01-01T00:00:10Z".parse().unwrap(), "2020-01-01T00:00:00Z".parse().unwrap());
    let mut f = HttpFeed::new(&http_of(&c), &c.state_dir, clock.clone()).unwrap();
    assert_eq!(f.poll().await, Polled::Changed);
    let now = clock.now();
    assert!(
        now >= "2020-12-31T16:00:00Z".parse().unwrap() && now < "2021-01-02T00:00:00Z".parse().unwrap(),
        "the signed generated_at, not the Date: {now}"
    );
}
