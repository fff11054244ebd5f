//! The real `yiping run` with `[fleet]` against a real Mosquitto: the Last Will after kill -9,
//! the acknowledged cursor across kill -9 (the district's archive gets every record once),
//! a signed `refresh` taking a revoked item off the screen, an `urgent` item shown at once and
//! kept across a restart, and unsigned, forged and replayed commands refused and recorded.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::feed_server::{Server, Signer, feed, item};
use crate::mqtt::*;
use crate::support::*;

/// A `yiping run` child; killed (SIGKILL) and reaped on drop, so no test leaves a daemon behind.
struct Daemon {
    child: Option<Child>,
}

impl Daemon {
    fn start(cfg: &Path, log: &Path) -> Daemon {
        let child = Command::new(env!("CARGO_BIN_EXE_yiping"))
            .args(["run", "--config", cfg.to_str().unwrap()])
            .env("YIPING_FONTS", root().join("fonts"))
            .env("YIPING_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap())
            .spawn()
            .unwrap();
        Daemon { child: Some(child) }
    }

    /// SIGKILL: no goodbye, no final save.
    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait: the clean stop.
    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SAFETY: signalling our own child process by its id.
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            let _ = c.wait();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// `[fleet]` for the test broker, trusting `key` (a minisign public key line).
fn fleet_section(url: &str, key: &str) -> String {
    format!(
        "\n[fleet]\nbroker = \"{url}\"\nsite = \"qingshan\"\ncommand_keys = [\"{key}\"]\nstatus_every_seconds = 5\nkeep_alive_seconds = 5\nrecords_per_second = 500\n"
    )
}

/// A box with the folder source `local` (item `a`) and one screen, reporting to `url`.
fn folder_box(dir: &Path, url: &str, key: &str) -> PathBuf {
    let cfg = write_config(dir, "name = \"门口\"\nwidth = 128\nheight = 32\nfps = 5", None);
    std::fs::write(dir.join("items/a.json"), item_json("a", "party", "党务公开", &["内容"])).unwrap();
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    // `[fleet]` must come before the `[[screens]]` array (TOML tables end at the next header).
    text = text.replacen("[[screens]]", &format!("{}\n[[screens]]", fleet_section(url, key)), 1);
    std::fs::write(&cfg, text).unwrap();
    cfg
}

fn keypair() -> (minisign::SecretKey, String) {
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    (kp.sk, kp.pk.to_base64())
}

fn signed(sk: &minisign::SecretKey, body: Value) -> Vec<u8> {
    yiping::api::fleet::command::envelope(&body, |b| yiping::api::fleet::command::sign_with(sk, b)).unwrap()
}

fn command(cmd: &str, nonce: &str) -> Value {
    json!({"cmd": cmd, "site": "qingshan", "nonce": nonce, "issued_at": Timestamp::now()})
}

fn json_of(m: &Msg) -> Value {
    serde_json::from_slice(&m.payload).unwrap_or(Value::Null)
}

/// What the newest status in `m` says screen 0 shows (`Null` for nothing); `None` before any status.
/// Takes what a `Sub` saw, so it can be used inside `Sub::wait` (whose lock is held while it asks).
fn on_air(m: &[Msg]) -> Option<Value> {
    m.iter().rfind(|m| m.topic == "yiping/qingshan/status").map(|m| json_of(m)["screens"][0]["on_air"]["item"].clone())
}

/// The same, counting only statuses published live (not the retained one a new subscriber gets first).
fn fresh_on_air(m: &[Msg]) -> Option<Value> {
    on_air(&m.iter().filter(|m| !m.retain).cloned().collect::<Vec<_>>())
}

fn results(m: &[Msg]) -> Vec<Value> {
    m.iter().filter(|m| m.topic == "yiping/qingshan/cmd/result").map(json_of).collect()
}

fn seen(sub: &Sub) -> Vec<Msg> {
    sub.seen.lock().unwrap().clone()
}

fn seq_of(line: &str) -> u64 {
    serde_json::from_str::<Value>(line).unwrap()["seq"].as_u64().unwrap()
}

fn log_lines(dir: &Path) -> Vec<String> {
    yiping::api::evidence::files::list(dir)
        .unwrap()
        .iter()
        .flat_map(|(_, p)| std::fs::read_to_string(p).unwrap().lines().map(String::from).collect::<Vec<_>>())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_with_sigkill_shows_offline_by_its_last_will_and_its_records_reach_the_archive_once() {
    let Some(bin) = skip_without_mosquitto() else { return };
    let broker = Broker::start(&bin);
    let url = broker.url();
    let t = tempfile::tempdir().unwrap();
    let (_sk, pk) = keypair();
    let cfg = folder_box(t.path(), &url, &pk);
    // The district's archive session exists before the box reports (the broker queues records for it).
    let raw = Sub::start(broker.port, "raw-records", &["yiping/qingshan/records"], true);
    let o = yiping(t.path(), &["fleet", "collect", "--broker", &url, "--out", "archive", "--client-id", "district-archive", "--exit-when-idle", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let presence = Sub::start(broker.port, "presence", &["yiping/qingshan/online"], false);
    let mut d = Daemon::start(&cfg, &t.path().join("daemon.log"));
    assert!(presence.wait(30, |m| m.last().is_some_and(|m| m.payload == b"true")).await, "online=true");
    assert!(raw.wait(30, |m| !m.is_empty()).await, "records flowing");
    // Killed mid-stream: no goodbye, so only the broker's Last Will can say the box is gone.
    d.kill9();
    let killed = Instant::now();
    let log_dir = t.path().join("state/evidence");
    let before_kill = log_lines(&log_dir).len() as u64;
    let log = std::fs::read_to_string(t.path().join("daemon.log")).unwrap_or_default();
    assert!(presence.wait(30, |m| m.last().is_some_and(|m| m.payload == b"false")).await, "the Last Will says offline\n{log}");
    eprintln!("FIGURE last will: offline {:.1} s after kill -9 (keep_alive_seconds = 5)", killed.elapsed().as_secs_f64());
    let late = Sub::start(broker.port, "late", &["yiping/qingshan/online"], false);
    assert!(late.wait(10, |m| m.iter().any(|m| m.payload == b"false" && m.retain)).await, "offline is retained");

    // Restarted: the stream resumes from the acknowledged cursor.
    let mut d = Daemon::start(&cfg, &t.path().join("daemon.log"));
    assert!(presence.wait(30, |m| m.last().is_some_and(|m| m.payload == b"true")).await, "online again");
    let after_restart = log_lines(&log_dir).len() as u64;
    assert!(after_restart > before_kill, "the restart wrote records");
    // Everything written before the kill, and the restart's own first records, reach the broker.
    let seen_through = |m: &[Msg], n: u64| m.iter().any(|m| seq_of(&m.text()) + 1 >= n);
    assert!(raw.wait(30, |m| seen_through(m, after_restart)).await, "records through #{} published", after_restart - 1);
    // A clean stop: records written after the link closed (the `stop` record) wait in the log for the next start.
    d.stop();
    let lines = log_lines(&log_dir);
    let head = raw.on("yiping/qingshan/records").iter().map(|m| seq_of(&m.text())).max().unwrap();
    assert!(head + 1 >= after_restart);
    // The raw stream: nothing missing, in order; a record acknowledged in the last second before the kill may come twice.
    let seqs: Vec<u64> = raw.on("yiping/qingshan/records").iter().map(|m| seq_of(&m.text())).collect();
    let mut want = 0;
    for s in &seqs {
        assert!(*s <= want, "gap before #{s} (expected #{want}): {seqs:?}");
        if *s == want {
            want += 1;
        }
    }
    assert_eq!(want, head + 1, "every record through #{head}");
    eprintln!("FIGURE cursor after kill -9: {} records, {} resent", head + 1, seqs.len() as u64 - (head + 1));
    // The district's archive keeps each record exactly once, and it verifies.
    let o = yiping(t.path(), &["fleet", "collect", "--broker", &url, "--out", "archive", "--client-id", "district-archive", "--exit-when-idle", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let archived = log_lines(&t.path().join("archive/qingshan"));
    assert_eq!(archived, lines[..archived.len()], "the archive holds the box's log exactly: none lost, none twice");
    assert_eq!(archived.len() as u64, head + 1, "every published record archived");
    let o = yiping(t.path(), &["log", "verify", "--dir", t.path().join("archive/qingshan").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_refresh_takes_a_revoked_item_off_the_screen_without_waiting_for_the_poll() {
    let Some(bin) = skip_without_mosquitto() else { return };
    let broker = Broker::start(&bin);
    let server = Server::start().await;
    let signer = Signer::new("test");
    let publish_feed = |seq: u64, status: &str| {
        let body = feed(seq, &Timestamp::now().to_string(), &[item("notice-1", "征地补偿公示", status)]);
        server.publish(&body, &signer.sign(body.as_bytes()));
    };
    publish_feed(1, "approved");
    let t = tempfile::tempdir().unwrap();
    let (sk, pk) = keypair();
    // An hour between polls: without the command the revocation would wait that long.
    let cfg = crate::feed_server::write_http_config(t.path(), &server.url(), "");
    let text = std::fs::read_to_string(&cfg).unwrap().replace("interval_seconds = 60", "interval_seconds = 3600");
    let text = text.replacen("[[screens]]", &format!("{}\n[[screens]]", fleet_section(&broker.url(), &pk)), 1);
    std::fs::write(&cfg, text).unwrap();
    let sub = Sub::start(broker.port, "district", &["yiping/qingshan/status", "yiping/qingshan/cmd/result"], false);
    let _d = Daemon::start(&cfg, &t.path().join("daemon.log"));
    assert!(sub.wait(60, |m| on_air(m).is_some_and(|v| v == "district/notice-1")).await, "notice-1 on air: {:?}", on_air(&seen(&sub)));
    let hits_before = server.feed_hits().len();
    publish_feed(2, "revoked");
    let sent = Instant::now();
    publish(broker.port, "yiping/qingshan/cmd", signed(&sk, command("refresh", "refresh-1"))).await;
    // Off the screen: the newest status shows something else on air (the idle screen: no item at all).
    let gone = sub.wait(30, |m| on_air(m).is_some_and(|v| v != "district/notice-1")).await;
    assert!(gone, "the revoked item left the screen after the refresh: {:?}", on_air(&seen(&sub)));
    eprintln!("FIGURE refresh: revoked item off the screen (status published) {:.2} s after the signed command", sent.elapsed().as_secs_f64());
    assert!(server.feed_hits().len() > hits_before, "the refresh polled the feed");
    let results = results(&seen(&sub));
    assert!(results.iter().any(|r| r["nonce"] == "refresh-1" && r["ok"] == true), "{results:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_urgent_item_shows_at_once_survives_a_restart_and_bad_commands_are_refused_and_recorded() {
    let Some(bin) = skip_without_mosquitto() else { return };
    let broker = Broker::start(&bin);
    let t = tempfile::tempdir().unwrap();
    let (sk, pk) = keypair();
    let (forger, _) = keypair();
    let cfg = folder_box(t.path(), &broker.url(), &pk);
    let sub = Sub::start(broker.port, "district", &["yiping/qingshan/status", "yiping/qingshan/cmd/result"], false);
    let mut d = Daemon::start(&cfg, &t.path().join("daemon.log"));
    assert!(sub.wait(60, |m| on_air(m).is_some_and(|v| v == "local/a")).await, "{:?}", on_air(&seen(&sub)));
    let now = Timestamp::now();
    let flood = json!({"id": "flood-1", "revision": 1, "category": "notice", "title": "防汛紧急通知", "body": ["今晚有暴雨，请远离河道"],
        "status": "approved", "approval": {"by": "镇防汛办", "at": now}, "priority": "urgent",
        "display": {"from": now - jiff::SignedDuration::from_mins(1), "until": now + jiff::SignedDuration::from_hours(2)}});
    let mut urgent = command("urgent", "urgent-1");
    urgent["item"] = flood;
    publish(broker.port, "yiping/qingshan/cmd", signed(&sk, urgent.clone())).await;
    assert!(sub.wait(30, |m| on_air(m).is_some_and(|v| v == "fleet/flood-1")).await, "urgent on screen: {:?}", on_air(&seen(&sub)));
    // Refused: unsigned, forged, replayed. None of them acts, each is answered.
    publish(broker.port, "yiping/qingshan/cmd", br#"{"body":"{\"cmd\":\"urgent_cancel\",\"id\":\"flood-1\"}","minisig":""}"#.to_vec()).await;
    let mut cancel = command("urgent_cancel", "cancel-forged");
    cancel["id"] = json!("flood-1");
    publish(broker.port, "yiping/qingshan/cmd", signed(&forger, cancel)).await;
    publish(broker.port, "yiping/qingshan/cmd", signed(&sk, urgent)).await;
    assert!(sub.wait(20, |m| results(m).len() >= 4).await, "{:#?}", results(&seen(&sub)));
    let r = results(&seen(&sub));
    assert_eq!(r.iter().filter(|v| v["ok"] == true).count(), 1, "only the first urgent command acted: {r:#?}");
    assert!(r.iter().any(|v| v["nonce"] == "urgent-1" && v["error"].as_str().is_some_and(|e| e.contains("replayed"))), "{r:#?}");

    // Restarted (even by kill -9): the urgent item is still there.
    d.kill9();
    let restarted = Sub::start(broker.port, "after", &["yiping/qingshan/status"], false);
    let mut d = Daemon::start(&cfg, &t.path().join("daemon.log"));
    assert!(
        restarted.wait(60, |m| fresh_on_air(m).is_some_and(|v| v == "fleet/flood-1")).await,
        "urgent after restart: {:?}",
        on_air(&seen(&restarted))
    );
    // Withdrawn by id.
    let mut cancel = command("urgent_cancel", "cancel-1");
    cancel["id"] = json!("flood-1");
    publish(broker.port, "yiping/qingshan/cmd", signed(&sk, cancel)).await;
    assert!(restarted.wait(30, |m| fresh_on_air(m).is_some_and(|v| v == "local/a")).await, "withdrawn: {:?}", on_air(&seen(&restarted)));
    d.stop();
    // Every command, obeyed or refused, is in the evidence log, which still verifies.
    let log_dir = t.path().join("state/evidence");
    let cmds: Vec<Value> = log_lines(&log_dir).iter().map(|l| serde_json::from_str::<Value>(l).unwrap()).filter(|v| v["kind"] == "command").collect();
    assert!(cmds.iter().any(|v| v["nonce"] == "urgent-1" && v["ok"] == true), "{cmds:#?}");
    assert!(cmds.iter().any(|v| v["nonce"] == "urgent-1" && v["ok"] == false), "the replay: {cmds:#?}");
    assert!(cmds.iter().any(|v| v["nonce"] == "cancel-1" && v["ok"] == true), "{cmds:#?}");
    assert!(cmds.iter().any(|v| v["nonce"].is_null() && v["ok"] == false), "the unsigned and forged ones: {cmds:#?}");
    assert!(yiping::api::evidence::verify::read(&log_dir, |_| {}).unwrap().problem.is_none());
}
