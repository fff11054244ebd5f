//! The daemon run for real with the test-only sink kinds: a sink thread that panics
//! shows on `/status` (over HTTP) and in the evidence log; one that never stops is
//! abandoned at the shutdown deadline and named.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::Config;
use crate::render::font::FontLibrary;
use crate::sinks::testkinds::release_hung;

fn config(dir: &Path, sink: &str) -> Config {
    std::fs::create_dir_all(dir.join("items")).unwrap();
    let text = format!(
        "village = \"测试村\"\nstate_dir = \"state\"\n[status]\nlisten = \"127.0.0.1:0\"\n\
         [[sources]]\ntype = \"folder\"\nname = \"local\"\npath = \"items\"\n\
         [[screens]]\nname = \"门口\"\nwidth = 128\nheight = 32\nfps = 10\n[[screens.sinks]]\ntype = \"{sink}\"\n"
    );
    let path = dir.join("yiping.toml");
    std::fs::write(&path, text).unwrap();
    let (c, d) = Config::load(&path);
    c.unwrap_or_else(|| panic!("{d:?}"))
}

fn fonts() -> Arc<FontLibrary> {
    Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap())
}

/// One GET over a real connection: status code and body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let req = hyper::Request::get(path).header("host", addr.to_string()).body(http_body_util::Empty::<bytes::Bytes>::new()).unwrap();
    let res = sender.send_request(req).await.unwrap();
    let status = res.status().as_u16();
    (status, String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap())
}

/// Waits (without asserting how long it takes) until `done` holds.
async fn wait_until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..2000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_that_panics_shows_as_panicked_on_status_and_its_screen_as_failing_in_the_log() {
    let t = tempfile::tempdir().unwrap();
    let c = config(t.path(), "panic");
    let cancel = CancellationToken::new();
    let running = super::start(&c, fonts(), Clock::System, cancel.clone()).unwrap();
    let addr = running.status_addr.expect("status endpoint");
    let sink = Arc::clone(&running.sinks[0]);
    wait_until("the sink thread panicked", || sink.stopped().is_some()).await;

    let (code, body) = get(addr, "/status").await;
    assert_eq!(code, 200, "{body}");
    let j: serde_json::Value = serde_json::from_str(&body).unwrap();
    let s = &j["sinks"][0];
    assert_eq!((s["screen"].as_str(), s["kind"].as_str(), s["state"].as_str()), (Some("门口"), Some("panic"), Some("panicked")), "{j:#}");
    assert_eq!(s["last_error"].as_str(), Some("panic: test sink of screen 门口 gave up"), "{j:#}");
    assert_eq!(j["healthy"], false, "{j:#}");
    let (code, body) = get(addr, "/healthz").await;
    assert_eq!(code, 503);
    assert!(body.contains("sink panic of screen 门口 stopped: panic: test sink"), "{body}");

    // The screen's only output is dead: the evidence log says the device failed.
    let evidence = c.evidence.dir.clone();
    let logged = || std::fs::read_dir(&evidence).unwrap().flatten().any(|e| std::fs::read_to_string(e.path()).unwrap().contains("\"ok\":false"));
    wait_until("a device record", || running.recorder.stats().written.load(std::sync::atomic::Ordering::Relaxed) > 0 && logged()).await;
    cancel.cancel();
    assert_eq!(running.wait().await, Vec::<String>::new(), "a dead sink does not hold shutdown");
    let all: String = std::fs::read_dir(&evidence).unwrap().flatten().map(|e| std::fs::read_to_string(e.path()).unwrap()).collect();
    let device = all.lines().find(|l| l.contains("\"kind\":\"device\"")).expect("a device record");
    assert!(device.contains("\"ok\":false") && device.contains("panic: test sink of screen 门口 gave up"), "{device}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_that_never_stops_is_abandoned_at_the_deadline_and_named() {
    let t = tempfile::tempdir().unwrap();
    let c = config(t.path(), "hang");
    let cancel = CancellationToken::new();
    let running = super::start(&c, fonts(), Clock::System, cancel.clone()).unwrap();
    cancel.cancel();
    let abandoned = running.wait_within(Duration::from_millis(300)).await;
    release_hung();
    assert_eq!(abandoned, vec!["thread sink-门口-hang".to_string()]);
}
