//! The fleet link against a real Mosquitto broker: presence, retained status and head, every
//! record in seq order with the acknowledged cursor, a broker outage drained from the log,
//! and signed commands (valid, forged, foreign, replayed, expired, screenshot).

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::evidence::Event;
use yiping::api::fleet::config::{Broker as BrokerAddr, FleetConfig};
use yiping::api::fleet::{Actions, Link, LinkStats};
use yiping::api::render::font::FontLibrary;

use crate::mqtt::*;
use crate::support::*;

/// Records what the commands asked of the daemon.
#[derive(Default)]
pub struct Recorded {
    pub refreshes: AtomicU32,
    pub urgent: Mutex<Vec<String>>,
}

impl Actions for Recorded {
    fn refresh(&self) -> Result<String, String> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        Ok("polled 0 http sources".into())
    }
    fn reload(&self) -> Result<String, String> {
        Ok("reloaded".into())
    }
    fn urgent(&self, item: &str, _now: Timestamp) -> Result<String, String> {
        self.urgent.lock().unwrap().push(item.to_string());
        Ok("kept".into())
    }
    fn urgent_cancel(&self, id: &str) -> Result<String, String> {
        Err(format!("no urgent item {id}"))
    }
}

pub fn fleet_config(url: &str, keys: Vec<String>) -> FleetConfig {
    FleetConfig {
        broker: BrokerAddr::parse(url).unwrap(),
        site: "qingshan".into(),
        prefix: "yiping".into(),
        ca_pem: None,
        username: None,
        password: None,
        client_auth: None,
        command_keys: keys,
        status_every: Duration::from_secs(60),
        head_every: Duration::from_secs(300),
        records_per_second: 500,
        keep_alive: Duration::from_secs(5),
    }
}

pub struct Box_ {
    _dir: tempfile::TempDir,
    running: yiping::api::daemon::Running,
    pub state: Arc<yiping::api::status::State>,
    pub stats: Arc<LinkStats>,
    pub actions: Arc<Recorded>,
    cancel: CancellationToken,
    link_cancel: CancellationToken,
    link: tokio::task::JoinHandle<()>,
    pub log_dir: std::path::PathBuf,
}

/// A daemon with one 128x32 screen showing one item, and its fleet link, on the demo clock.
pub async fn start_box(url: &str, keys: Vec<String>) -> Box_ {
    start_box_at(url, keys, Clock::starting_at(DEMO_AT.parse().unwrap())).await
}

/// The same on any clock; the item's window is the month around the clock's now.
pub async fn start_box_at(url: &str, keys: Vec<String>, clock: Clock) -> Box_ {
    let d = tempfile::tempdir().unwrap();
    let cfg = write_config(d.path(), "name = \"门口\"\nwidth = 128\nheight = 32\nfps = 10", None);
    let now = clock.now();
    let item = item_json("a", "party", "党务公开", &["内容"])
        .replace("2026-11-01T00:00:00+08:00\", \"until", &format!("{}\", \"until", now - jiff::SignedDuration::from_hours(24 * 15)))
        .replace("2027-01-01T00:00:00+08:00", &(now + jiff::SignedDuration::from_hours(24 * 15)).to_string());
    std::fs::write(d.path().join("items/a.json"), item).unwrap();
    let (c, diags) = yiping::api::config::Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{diags:#?}"));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, clock.clone(), cancel.clone()).unwrap();
    let state = Arc::new(yiping::api::status::State {
        started: clock.now(),
        clock,
        screens: running.screens.clone(),
        sinks: running.sinks.clone(),
        catalog: running.catalog.clone(),
        recorder: running.recorder.clone(),
        config: tokio::sync::watch::channel(yiping::api::status::ReloadStatus { ok: true, ..Default::default() }).1,
        token: None,
    });
    let actions = Arc::new(Recorded::default());
    let stats = Arc::new(LinkStats::default());
    let link_cancel = CancellationToken::new();
    let link = Link {
        cfg: fleet_config(url, keys),
        state: Arc::clone(&state),
        log_dir: c.evidence.dir.clone(),
        state_dir: c.state_dir.clone(),
        time_zone: c.time_zone.clone(),
        actions: Arc::clone(&actions) as Arc<dyn Actions>,
    };
    let task = tokio::spawn(yiping::api::fleet::link::run(link, Arc::clone(&stats), link_cancel.clone()));
    Box_ { log_dir: c.evidence.dir.clone(), _dir: d, running, state, stats, actions, cancel, link_cancel, link: task }
}

impl Box_ {
    /// Stops the link, then the daemon; the folder (and its log) stays until the returned guard drops.
    pub async fn stop(self) -> tempfile::TempDir {
        self.link_cancel.cancel();
        let _ = self.link.await;
        self.cancel.cancel();
        self.running.wait().await;
        self._dir
    }

    fn head(&self) -> u64 {
        self.state.recorder.stats().head.lock().unwrap().as_ref().unwrap().0
    }
}

/// Every record line in the log, in order.
fn log_lines(dir: &Path) -> Vec<String> {
    yiping::api::evidence::files::list(dir)
        .unwrap()
        .iter()
        .flat_map(|(_, p)| std::fs::read_to_string(p).unwrap().lines().map(String::from).collect::<Vec<_>>())
        .collect()
}

fn seq_of(line: &str) -> u64 {
    serde_json::from_str::<Value>(line).unwrap()["seq"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_reports_presence_status_head_and_every_record_in_seq_order() {
    let Some(bin) = skip_without_mosquitto() else { return };
    let broker = Broker::start(&bin);
    let sub = Sub::start(broker.port, "district", &["yiping/#"], false);
    let b = start_box(&broker.url(), vec![]).await;
    assert!(sub.wait(20, |m| m.iter().any(|m| m.topic == "yiping/qingshan/online" && m.payload == b"true")).await, "online=true");
    for i in 0..40 {
        b.state.recorder.now(Event::SourceRecovered { source: format!("test{i}") });
    }
    let got_all = sub
        .wait(30, |m| {
            let head = b.head();
            m.iter().filter(|m| m.topic == "yiping/qingshan/records").any(|m| seq_of(&m.text()) == head) && head >= 40
        })
        .await;
    assert!(got_all, "every record reaches the broker");
    let recs: Vec<String> = sub.on("yiping/qingshan/records").iter().map(Msg::text).collect();
    let log = log_lines(&b.log_dir);
    assert_eq!(recs, log[..recs.len()], "exactly the log's lines, in seq order, none twice");
    assert!(recs.iter().enumerate().all(|(i, l)| seq_of(l) == i as u64));
    // The status and the head are retained: a district tool that subscribes later gets them.
    let late = Sub::start(broker.port, "late", &["yiping/+/status", "yiping/+/evidence/head", "yiping/+/online"], false);
    assert!(late.wait(10, |m| m.len() >= 3).await, "{:?}", late.seen.lock().unwrap());
    assert!(late.on("yiping/qingshan/status")[0].retain, "retained");
    assert!(late.on("yiping/qingshan/evidence/head")[0].retain, "retained");
    // A new status follows within about a second of what is on air changing.
    let on_air = |m: &Msg| serde_json::from_slice::<Value>(&m.payload).unwrap()["screens"][0]["on_air"]["item"] == "local/a";
    assert!(late.wait(10, |m| m.iter().any(|m| m.topic == "yiping/qingshan/status" && on_air(m))).await);
    let status: Value = serde_json::from_slice(&late.on("yiping/qingshan/status").last().unwrap().payload).unwrap();
    assert_eq!(status["site"], "qingshan");
    assert_eq!(status["screens"][0]["name"], "门口");
    assert_eq!(status["screens"][0]["on_air"]["item"], "local/a", "{status:#}");
    let head: Value = serde_json::from_slice(&late.on("yiping/qingshan/evidence/head")[0].payload).unwrap();
    assert_eq!(head["hash"].as_str().map(str::len), Some(64), "{head}");
    // The cursor names the newest acknowledged record.
    assert!(sub.wait(10, |_| b.stats.acked_next.load(Ordering::Relaxed) > b.head()).await);
    let cursor_file = b._dir.path().join("state/fleet/cursor.json");
    assert!(sub.wait(5, |_| std::fs::read_to_string(&cursor_file).is_ok_and(|t| t.contains(&format!("\"seq\":{}", b.head())))).await, "cursor saved");
    b.stop().await;
    // A clean stop says so.
    let late = Sub::start(broker.port, "later", &["yiping/qingshan/online"], false);
    assert!(late.wait(10, |m| m.iter().any(|m| m.payload == b"false" && m.retain)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_down_for_a_while_costs_the_screens_nothing_and_the_backlog_drains_in_order() {
    let Some(bin) = skip_without_mosquitto() else { return };
    let mut broker = Broker::start(&bin);
    // A persistent district session: the broker keeps its subscription across its own restart.
    let sub = Sub::start(broker.port, "district-archive", &["yiping/+/records"], true);
    let b = start_box(&broker.url(), vec![]).await;
    assert!(sub.wait(20, |m| !m.is_empty()).await);
    broker.stop();
    let frames_before = b.running.screens[0].1.borrow().number;
    // 20 s down (the issue says a minute; 20 s already spans five reconnect attempts with backoff).
    let outage = std::time::Instant::now();
    for i in 0..600 {
        b.state.recorder.now(Event::SourceRecovered { source: format!("while-down-{i}") });
        if i % 30 == 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    while outage.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let frames_after = b.running.screens[0].1.borrow().number;
    assert!(frames_after >= frames_before + 100, "the screen kept drawing at 10 fps: {frames_before} -> {frames_after}");
    assert!(!b.stats.connected.load(Ordering::Relaxed));
    broker.restart();
    let head = b.head();
    assert!(head > 600);
    let drained = sub.wait(90, |m| m.iter().any(|m| seq_of(&m.text()) == head)).await;
    assert!(drained, "backlog drained after the broker came back");
    // In order, none missing; a record resent after the outage may arrive twice, never out of order.
    let seqs: Vec<u64> = sub.on("yiping/qingshan/records").iter().map(|m| seq_of(&m.text())).collect();
    let mut want = 0;
    for s in &seqs {
        assert!(*s <= want, "gap before #{s} (expected #{want})");
        if *s == want {
            want += 1;
        }
    }
    assert!(want > head, "every record through #{head} arrived (got through #{})", want - 1);
    b.stop().await;
}

fn keypair() -> (minisign::SecretKey, String) {
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    (kp.sk, kp.pk.to_base64())
}

fn signed(sk: &minisign::SecretKey, body: Value) -> Vec<u8> {
    yiping::api::fleet::command::envelope(&body, |b| yiping::api::fleet::command::sign_with(sk, b)).unwrap()
}

fn results(seen: &[Msg]) -> Vec<Value> {
    seen.iter().filter(|m| m.topic == "yiping/qingshan/cmd/result").map(|m| serde_json::from_slice(&m.payload).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_signed_current_unseen_commands_for_this_site_are_obeyed() {
    let Some(bin) = skip_without_mosquitto() else { return };
    let broker = Broker::start(&bin);
    let sub = Sub::start(broker.port, "district", &["yiping/qingshan/cmd/result", "yiping/qingshan/screens/#"], false);
    let (sk, pk) = keypair();
    let (forger, _) = keypair();
    let b = start_box(&broker.url(), vec![pk]).await;
    assert!(sub.wait(20, |_| b.stats.connected.load(Ordering::Relaxed)).await);
    let now = b.state.clock.now();
    let body = |cmd: &str, site: &str, nonce: &str, at: Timestamp| json!({"cmd": cmd, "site": site, "nonce": nonce, "issued_at": at});
    let port = broker.port;
    publish(port, "yiping/qingshan/cmd", signed(&sk, body("refresh", "qingshan", "good-1", now))).await;
    publish(port, "yiping/qingshan/cmd", signed(&forger, body("refresh", "qingshan", "forged-1", now))).await;
    publish(port, "yiping/all/cmd", signed(&sk, body("refresh", "baiyun", "foreign-1", now))).await;
    publish(port, "yiping/qingshan/cmd", signed(&sk, body("refresh", "qingshan", "good-1", now))).await;
    publish(port, "yiping/qingshan/cmd", signed(&sk, body("refresh", "qingshan", "old-1", now - jiff::SignedDuration::from_mins(11)))).await;
    publish(port, "yiping/qingshan/cmd", br#"{"body":"{\"cmd\":\"refresh\"}","minisig":""}"#.to_vec()).await;
    let mut shot = body("screenshot", "*", "shot-1", now);
    shot["screen"] = json!("门口");
    publish(port, "yiping/all/cmd", signed(&sk, shot)).await;
    assert!(sub.wait(20, |m| results(m).len() >= 7).await, "{:#?}", results(&sub.seen.lock().unwrap()));
    let r = results(&sub.seen.lock().unwrap());
    let by = |nonce: Option<&str>| r.iter().filter(|v| v["nonce"].as_str() == nonce).cloned().collect::<Vec<_>>();
    assert_eq!(by(Some("good-1")).len(), 2);
    assert_eq!(by(Some("good-1"))[0]["ok"], true, "{r:#?}");
    assert!(by(Some("good-1"))[1]["error"].as_str().unwrap().contains("replayed"), "{r:#?}");
    assert!(by(None).iter().all(|v| v["ok"] == false), "forged and unsigned answered without a nonce: {r:#?}");
    assert!(by(None).iter().any(|v| v["error"].as_str().unwrap().contains("not trusted")), "{r:#?}");
    assert!(by(None).iter().any(|v| v["error"].as_str().unwrap().contains("签名")), "Chinese first: {r:#?}");
    assert!(by(Some("foreign-1"))[0]["error"].as_str().unwrap().contains("site `baiyun`"), "{r:#?}");
    assert!(by(Some("old-1"))[0]["error"].as_str().unwrap().contains("more than 10 minutes"), "{r:#?}");
    assert_eq!(by(Some("shot-1"))[0]["ok"], true, "{r:#?}");
    assert_eq!(b.actions.refreshes.load(Ordering::SeqCst), 1, "only the one good refresh acted");
    // The screenshot: the PNG of what the screen shows.
    let frames = sub.on("yiping/qingshan/screens/门口/frame");
    assert_eq!(frames.len(), 1);
    let f = yiping::api::sinks::png::decode(&frames[0].payload).unwrap();
    assert_eq!((f.width(), f.height()), (128, 32));
    assert!(f.to_ascii().contains('#'), "{}", f.to_ascii());
    // Every command is in the evidence log (the forged and unsigned ones once per spell).
    let log_dir = b.log_dir.clone();
    let _keep = b.stop().await;
    let cmds: Vec<Value> =
        log_lines(&log_dir).into_iter().map(|l| serde_json::from_str::<Value>(&l).unwrap()).filter(|v| v["kind"] == "command").collect();
    assert!(cmds.iter().any(|v| v["nonce"] == "good-1" && v["ok"] == true), "{cmds:#?}");
    assert!(cmds.iter().any(|v| v["nonce"] == "good-1" && v["ok"] == false), "the replay: {cmds:#?}");
    assert!(cmds.iter().any(|v| v["nonce"] == "old-1" && v["ok"] == false), "{cmds:#?}");
    assert!(cmds.iter().any(|v| v["nonce"] == "foreign-1" && v["ok"] == false), "{cmds:#?}");
    assert!(cmds.iter().any(|v| v["nonce"].is_null() && v["ok"] == false), "anonymous refusals too: {cmds:#?}");
    assert!(yiping::api::evidence::verify::read(&log_dir, |_| {}).unwrap().problem.is_none(), "the log still verifies");
}
