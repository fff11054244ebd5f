//! The status endpoint queried over real HTTP on 127.0.0.1, and the token rule.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::render::font::FontLibrary;

use crate::support::*;

const TOKEN: &str = "0123456789abcdef0123";

pub(crate) struct Reply {
    pub(crate) status: u16,
    content_type: String,
    pub(crate) body: Vec<u8>,
}

pub(crate) async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> Reply {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let mut req = hyper::Request::get(path).header("host", addr.to_string());
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = sender.send_request(req.body(http_body_util::Empty::<bytes::Bytes>::new()).unwrap()).await.unwrap();
    let status = res.status().as_u16();
    let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply { status, content_type, body }
}

pub(crate) fn config(dir: &std::path::Path, status: &str) -> (Option<Config>, Vec<yiping::api::diag::Diag>) {
    let cfg = write_config(dir, "name = \"门口\"\nwidth = 128\nheight = 32\nfps = 10", None);
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(status);
    std::fs::write(&cfg, text).unwrap();
    std::fs::write(dir.join("items/a.json"), item_json("a", "party", "党务公开", &["内容"])).unwrap();
    Config::load(&cfg)
}

#[test]
fn a_status_endpoint_reachable_from_other_machines_needs_a_token() {
    let d = tempfile::tempdir().unwrap();
    let (c, diags) = config(d.path(), "\n[status]\nlisten = \"0.0.0.0:8480\"\n");
    assert!(c.is_none());
    let msg: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert!(msg.iter().any(|m| m.contains("yiping.toml:17:10") && m.contains("set `token`") && m.contains("必须设置 token")), "{msg:#?}");

    let (c, diags) = config(d.path(), "\n[status]\nlisten = \"0.0.0.0:8480\"\ntoken = \"short\"\n");
    assert!(c.is_none() && diags.iter().any(|d| d.en.contains("at least 16 characters")), "{diags:#?}");

    let (c, diags) = config(d.path(), &format!("\n[status]\nlisten = \"0.0.0.0:8480\"\ntoken = \"{TOKEN}\"\n"));
    assert!(c.is_some(), "{diags:#?}");
    let (c, _) = config(d.path(), "\n[status]\n");
    assert_eq!(c.unwrap().status.unwrap().listen.to_string(), "127.0.0.1:8480", "loopback by default");
}

#[test]
fn evidence_and_status_mistakes_are_all_reported_with_positions() {
    let d = tempfile::tempdir().unwrap();
    let (c, diags) = config(d.path(), "\n[evidence]\nrotate_mb = 0\nrotate = 5\n\n[status]\nlisten = \"localhost\"\n");
    assert!(c.is_none());
    let msg: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    for want in [
        ("yiping.toml:17:13: 错误 error: ", "`rotate_mb` must be between 1 and 4096"),
        ("yiping.toml:18:1: 错误 error: ", "unknown key `rotate`"),
        ("yiping.toml:21:10: 错误 error: ", "cannot read listen address `localhost`"),
    ] {
        assert!(msg.iter().any(|m| m.contains(want.0) && m.contains(want.1)), "missing {want:?} in {msg:#?}");
    }
    let (c, _) = config(d.path(), "\n[evidence]\ndir = \"proof\"\nrotate_mb = 2\n");
    let e = c.unwrap().evidence;
    assert_eq!((e.dir, e.rotate_bytes), (d.path().join("proof"), 2 << 20), "relative to the config file");
}

async fn start(status: &str) -> (tempfile::TempDir, yiping::api::daemon::Running, CancellationToken) {
    let d = tempfile::tempdir().unwrap();
    let (c, diags) = config(d.path(), status);
    let c = c.unwrap_or_else(|| panic!("{diags:#?}"));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    // The folder source reports within a poll; wait for the item to be on air.
    let rx = running.screens[0].1.clone();
    for _ in 0..100 {
        if rx.borrow().caption.contains("local/a") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (d, running, cancel)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_endpoint_serves_health_status_frame_and_metrics() {
    let (_d, running, cancel) = start("\n[status]\nlisten = \"127.0.0.1:0\"\n").await;
    let addr = running.status_addr.expect("status listening");
    assert!(addr.ip().is_loopback());

    let r = get(addr, "/healthz", None).await;
    assert_eq!((r.status, String::from_utf8_lossy(&r.body).trim()), (200, "ok"));

    let r = get(addr, "/status", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "application/json");
    let j: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(j["version"], env!("CARGO_PKG_VERSION"));
    assert!(j["uptime_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(j["clock_trusted"], false, "a shifted (rehearsal) clock is not real time");
    let s = &j["screens"][0];
    assert_eq!(s["name"], "门口");
    assert_eq!((s["width"].as_u64(), s["height"].as_u64()), (Some(128), Some(32)));
    assert_eq!(s["on_air"]["item"], "local/a", "{j:#}");
    assert_eq!(s["on_air"]["slot"], "党务", "the default playlist names slots by category");
    assert_eq!(s["power"]["on"], true);
    assert_eq!(j["sources"]["local"]["ok"], true, "{j:#}");
    assert!(j["sources"]["local"]["last_success"].is_string(), "{j:#}");
    assert!(j["sources"]["local"]["stale_seconds"].is_number(), "{j:#}");
    assert_eq!(j["items"]["showable"], 1);
    assert!(j["evidence"]["records_written"].as_u64().unwrap() >= 1, "{j:#}");
    assert_eq!(j["evidence"]["head_hash"].as_str().map(str::len), Some(64));
    assert!(j["sinks"].as_array().unwrap().is_empty());

    // Screen names are Chinese: the path is percent-encoded.
    let r = get(addr, "/screens/%E9%97%A8%E5%8F%A3/frame.png", None).await;
    assert_eq!((r.status, r.content_type.as_str()), (200, "image/png"));
    let f = yiping::api::sinks::png::decode(&r.body).unwrap();
    assert_eq!((f.width(), f.height()), (128, 32));
    assert!(f.to_ascii().contains('#'), "the frame shows something:\n{}", f.to_ascii());
    assert_eq!(get(addr, "/screens/nowhere/frame.png", None).await.status, 404);
    assert_eq!(get(addr, "/screens/%zz/frame.png", None).await.status, 404);

    let r = get(addr, "/metrics", None).await;
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with("text/plain; version=0.0.4"), "{}", r.content_type);
    let text = String::from_utf8(r.body).unwrap();
    let metrics = parse_prometheus(&text);
    for want in [
        "yiping_frames_rendered_total",
        "yiping_sink_errors_total",
        "yiping_source_fetches_total",
        "yiping_showable_items",
        "yiping_log_records_total",
        "yiping_log_records_refused_total",
    ] {
        assert!(metrics.iter().any(|(n, _, _)| n == want) || text.contains(&format!("# TYPE {want} ")), "{want} missing:\n{text}");
    }
    let frames = metrics.iter().find(|(n, l, _)| n == "yiping_frames_rendered_total" && l == "screen=\"门口\"").unwrap();
    assert!(frames.2 >= 1.0, "{text}");
    assert_eq!(metrics.iter().find(|(n, _, _)| n == "yiping_showable_items").unwrap().2, 1.0);
    assert_eq!(
        metrics.iter().find(|(n, l, _)| n == "yiping_source_fetches_total" && l == "source=\"local\"").map(|m| m.2 >= 1.0),
        Some(true),
        "{text}"
    );

    cancel.cancel();
    running.wait().await;
}

/// Parses the Prometheus text format strictly enough to fail on malformed lines:
/// every sample belongs to a family declared with `# TYPE`, and its value is a number.
fn parse_prometheus(text: &str) -> Vec<(String, String, f64)> {
    let mut typed = Vec::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(["counter", "gauge"].contains(&kind), "{line}");
            typed.push(name.to_string());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad line {line:?}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value in {line:?}"));
        let (name, labels) = match series.split_once('{') {
            Some((n, l)) => (n, l.strip_suffix('}').unwrap_or_else(|| panic!("bad labels {line:?}"))),
            None => (series, ""),
        };
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{line}");
        assert!(typed.iter().any(|t| t == name), "{name} has no # TYPE");
        out.push((name.to_string(), labels.to_string(), value));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_requests_without_it_get_401() {
    let (_d, running, cancel) = start(&format!("\n[status]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n")).await;
    let addr = running.status_addr.unwrap();
    for path in ["/healthz", "/status", "/metrics", "/screens/%E9%97%A8%E5%8F%A3/frame.png"] {
        assert_eq!(get(addr, path, None).await.status, 401, "{path}");
        assert_eq!(get(addr, path, Some("0123456789abcdef012X")).await.status, 401, "{path}");
        assert_eq!(get(addr, path, Some(TOKEN)).await.status, 200, "{path}");
    }
    cancel.cancel();
    running.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_idle_sockets_do_not_silence_healthz() {
    let (_d, running, cancel) = start("\n[status]\nlisten = \"127.0.0.1:0\"\n").await;
    let addr = running.status_addr.unwrap();
    // The attack of issue 13: more silent connections than the endpoint holds, kept coming.
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    for _ in 0..5 {
        let r = tokio::time::timeout(Duration::from_secs(5), get(addr, "/healthz", None)).await.expect("/healthz answered");
        assert_eq!(r.status, 200);
        idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    drop(idle);
    cancel.cancel();
    running.wait().await;
}
