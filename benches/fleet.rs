//! Fleet benchmark: one Mosquitto, N simulated boxes (default 1,000 lightweight MQTT clients in
//! this process), each publishing its status every 60 s and a play record every 30 s, time
//! compressed; the district collector is the real `yiping fleet collect`. Reports the broker's
//! CPU (from /proc/<pid>/stat), the collector's CPU and throughput, and a box's own cost per
//! record through the real link code path (log tail read + verify + publish + PUBACK).
//!
//! cargo bench --bench fleet
//! YIPING_BENCH_BOXES=1000 YIPING_BENCH_SPEEDUP=20 YIPING_BENCH_SECONDS=30 cargo bench --bench fleet
//!
//! Needs `mosquitto` (Debian package); says so and exits when it is missing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, QoS};
use yiping::api::evidence::record::{GENESIS, encode};
use yiping::api::evidence::{EndReason, Event as Ev, Play, Record};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn mosquitto() -> Option<PathBuf> {
    ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto"].iter().map(PathBuf::from).find(|p| p.is_file())
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().ok()? + f[12].parse::<f64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    Some(ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64)
}

fn raise_fd_limit() {
    let mut l = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: plain getrlimit/setrlimit on our own process.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut l);
        l.rlim_cur = l.rlim_max.min(65_536);
        libc::setrlimit(libc::RLIMIT_NOFILE, &l);
    }
}

fn start_broker(bin: &Path, dir: &Path) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(&conf, format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\nmax_inflight_messages 100\nlog_dest none\n")).unwrap();
    let child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n 65536 2>/dev/null || ulimit -n 4096; exec {} -c {}", bin.display(), conf.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    (child, port)
}

/// A play record of `box_` with sequence `seq` following `prev`, as its log line.
fn play_line(box_: usize, seq: u64, prev: &str, at: jiff::Timestamp) -> (String, String) {
    let start = at - jiff::SignedDuration::from_secs(30);
    let r = Record {
        seq,
        at,
        prev: prev.to_string(),
        clock_trusted: true,
        event: Ev::Play(Box::new(Play {
            screen: "门口".into(),
            content: "item".into(),
            item: format!("district/notice-{}", seq % 17),
            revision: Some(3),
            content_sha256: Some("ab".repeat(32)),
            category: Some("village".into()),
            list: None,
            urgent: Some(false),
            window: Some((at - jiff::SignedDuration::from_hours(240), at + jiff::SignedDuration::from_hours(240))),
            min_seconds_per_day: Some(600),
            slot: format!("box{box_}"),
            start,
            end: at,
            seconds: 30.0,
            ended: EndReason::SlotEnd,
            sinks: vec![],
        })),
    };
    encode(&r)
}

struct Counters {
    connected: AtomicU64,
    /// Connection errors (refused, reset, timed out) across all boxes.
    errors: AtomicU64,
    records: AtomicU64,
    statuses: AtomicU64,
    acks: AtomicU64,
}

/// One simulated box: a task that only polls the MQTT event loop (rumqttc's `poll` is not
/// cancel-safe while connecting: racing it against a timer, as the first version of this bench
/// did, aborted every connection that took longer than the timer, so with 1,000 boxes
/// connecting at once on two cores none ever finished connecting and the run never settled),
/// and a publisher on the same client that waits for each period.
async fn simulated_box(i: usize, port: u16, speedup: f64, until: Instant, c: Arc<Counters>) {
    let (status_every, play_every) = (Duration::from_secs_f64(60.0 / speedup), Duration::from_secs_f64(30.0 / speedup));
    // Boxes boot at different times: spread the connections (and the periods) over one play period.
    let phase = Duration::from_secs_f64(fastrand::f64() * play_every.as_secs_f64());
    tokio::time::sleep(phase).await;
    let mut o = MqttOptions::new(format!("bench-box-{i}"), "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(60));
    o.set_last_will(rumqttc::LastWill::new(format!("yiping/box{i}/online"), "false", QoS::AtLeastOnce, true));
    let (client, mut ev) = AsyncClient::new(o, 64);
    let (up_tx, mut up_rx) = tokio::sync::watch::channel(false);
    let c2 = Arc::clone(&c);
    let poller = tokio::spawn(async move {
        let mut connected = false;
        loop {
            match ev.poll().await {
                Ok(Event::Incoming(Incoming::ConnAck(_))) => {
                    if !connected {
                        c2.connected.fetch_add(1, Ordering::Relaxed);
                        connected = true;
                    }
                    let _ = up_tx.send(true);
                }
                Ok(Event::Incoming(Incoming::PubAck(_))) => {
                    c2.acks.fetch_add(1, Ordering::Relaxed);
                }
                Ok(_) => {}
                Err(_) => {
                    c2.errors.fetch_add(1, Ordering::Relaxed);
                    let _ = up_tx.send(false);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    });
    let status = serde_json::to_vec(&serde_json::json!({
        "site": format!("box{i}"), "version": "0.1.0", "clock_trusted": true, "healthy": true,
        "screens": [{"name": "门口", "width": 192, "height": 64, "on_air": {"content": "item", "item": "district/notice-3", "slot": "村务"}, "power": {"on": true, "brightness": 80}}],
        "sources": {"district": {"ok": true, "stale_seconds": 30.0}}, "sinks": [{"screen": "门口", "kind": "bx", "state": "ok", "written": 1234}],
        "evidence": {"head_seq": 1000, "records_written": 1000}, "below_min_today": [],
    }))
    .unwrap();
    let deadline = tokio::time::Instant::from_std(until);
    // Wait for the first connection (or the end of the run).
    let _ = tokio::time::timeout_at(deadline, up_rx.wait_for(|up| *up)).await;
    let _ = client.try_publish(format!("yiping/box{i}/online"), QoS::AtLeastOnce, true, "true");
    let mut next_status = tokio::time::Instant::now();
    let mut next_play = tokio::time::Instant::now();
    let (mut seq, mut prev) = (0u64, GENESIS.to_string());
    let mut at: jiff::Timestamp = "2026-12-01T01:00:00Z".parse().unwrap();
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep_until(next_status.min(next_play).min(deadline)).await;
        let now = tokio::time::Instant::now();
        if now >= deadline {
            break;
        }
        if now >= next_status {
            if client.try_publish(format!("yiping/box{i}/status"), QoS::AtLeastOnce, true, status.clone()).is_ok() {
                c.statuses.fetch_add(1, Ordering::Relaxed);
            }
            next_status += status_every;
        }
        if now >= next_play {
            at += jiff::SignedDuration::from_secs(30);
            let (line, hash) = play_line(i, seq, &prev, at);
            if client.try_publish(format!("yiping/box{i}/records"), QoS::AtLeastOnce, false, line.into_bytes()).is_ok() {
                c.records.fetch_add(1, Ordering::Relaxed);
                seq += 1;
                prev = hash;
            }
            next_play += play_every;
        }
    }
    // Let the last PUBACKs in, then disconnect (the Last Will is not sent on a clean disconnect).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = client.try_disconnect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    poller.abort();
}

/// One box's link cost per record: read from the log (tail + hash check) and publish with QoS 1 until acknowledged.
async fn per_record_cost(port: u16, dir: &Path, n: u64) -> f64 {
    let log = dir.join("box-log");
    let (mut w, _) = yiping::api::evidence::writer::Writer::open(&log, 16 << 20, jiff::tz::TimeZone::UTC).unwrap();
    let mut at: jiff::Timestamp = "2026-12-01T01:00:00Z".parse().unwrap();
    for i in 0..n {
        at += jiff::SignedDuration::from_secs(30);
        let (line, _) = play_line(0, i, GENESIS, at);
        let rec = yiping::api::evidence::record::decode(&line).unwrap().0;
        w.append(at, true, rec.event).unwrap();
    }
    w.sync().unwrap();
    let (client, mut ev) = AsyncClient::new(MqttOptions::new("bench-link", "127.0.0.1", port), 256);
    let connected = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(Event::Incoming(Incoming::ConnAck(_))) = ev.poll().await {
                break;
            }
        }
    });
    if connected.await.is_err() {
        println!("link path: could not connect to the broker in 30 s; skipped");
        return 0.0;
    }
    let bound = Instant::now() + Duration::from_secs(120);
    let cpu0 = cpu_seconds(std::process::id()).unwrap();
    let t0 = Instant::now();
    let mut tail = yiping::api::fleet::backlog::LogTail::open(&log, None).unwrap();
    let (mut sent, mut acked, mut inflight) = (0u64, 0u64, 0u64);
    while acked < n && Instant::now() < bound {
        while inflight < 32 {
            match tail.next(u64::MAX).unwrap() {
                Some(l) => {
                    client.try_publish("yiping/link/records", QoS::AtLeastOnce, false, l.text.into_bytes()).unwrap();
                    sent += 1;
                    inflight += 1;
                }
                None => break,
            }
        }
        match tokio::time::timeout(Duration::from_secs(5), ev.poll()).await {
            Ok(Ok(Event::Incoming(Incoming::PubAck(_)))) => {
                acked += 1;
                inflight -= 1;
            }
            Ok(Ok(_)) => {}
            // A lost connection loses what was in flight (clean session): stop rather than wait forever.
            Ok(Err(e)) => {
                println!("link path: connection lost after {acked} acks: {e}");
                break;
            }
            Err(_) => {
                println!("link path: no PUBACK for 5 s after {acked} acks; stopped");
                break;
            }
        }
    }
    let cpu = cpu_seconds(std::process::id()).unwrap() - cpu0;
    println!(
        "link path: {sent} records read from the log, verified and published, {acked} acknowledged in {:.2} s ({:.0} records/s); CPU {:.1} µs a record",
        t0.elapsed().as_secs_f64(),
        acked as f64 / t0.elapsed().as_secs_f64(),
        cpu / acked.max(1) as f64 * 1e6
    );
    cpu / acked.max(1) as f64
}

fn main() {
    let Some(bin) = mosquitto() else {
        eprintln!("SKIPPED: mosquitto is not installed (apt-get install mosquitto); the fleet benchmark needs a real broker");
        return;
    };
    raise_fd_limit();
    let boxes = env("YIPING_BENCH_BOXES", 1000) as usize;
    let speedup = env("YIPING_BENCH_SPEEDUP", 20) as f64;
    let seconds = env("YIPING_BENCH_SECONDS", 30);
    let dir = tempfile::tempdir().unwrap();
    let (mut broker, port) = start_broker(&bin, dir.path());
    let broker_pid = broker.id(); // sh execs mosquitto: same pid
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let out = dir.path().join("archive");
    let yiping_bin = env!("CARGO_BIN_EXE_yiping");
    let broker_url = format!("mqtt://127.0.0.1:{port}");
    let register = Command::new(yiping_bin)
        .args(["fleet", "collect", "--broker", &broker_url, "--out"])
        .arg(&out)
        .args(["--client-id", "bench-collector", "--exit-when-idle", "1"])
        .output()
        .unwrap();
    assert!(register.status.success(), "{}", String::from_utf8_lossy(&register.stderr));
    println!(
        "fleet bench: {boxes} boxes, status every 60 s and a play every 30 s, {speedup}x faster, for {seconds} s ({:.0} simulated minutes)",
        seconds as f64 * speedup / 60.0
    );
    let c = Arc::new(Counters {
        connected: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        records: AtomicU64::new(0),
        statuses: AtomicU64::new(0),
        acks: AtomicU64::new(0),
    });
    let b_cpu0 = cpu_seconds(broker_pid).unwrap_or(0.0);
    let me_cpu0 = cpu_seconds(std::process::id()).unwrap();
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs(seconds);
    rt.block_on(async {
        let tasks: Vec<_> = (0..boxes).map(|i| tokio::spawn(simulated_box(i, port, speedup, until, Arc::clone(&c)))).collect();
        for t in tasks {
            let _ = t.await;
        }
    });
    let wall = t0.elapsed().as_secs_f64();
    let broker_cpu = cpu_seconds(broker_pid).unwrap_or(0.0) - b_cpu0;
    let me_cpu = cpu_seconds(std::process::id()).unwrap() - me_cpu0;
    // The collector was away during the run (its session registered): the broker queued every
    // record for it, so draining the queue measures how fast it archives.
    let c0 = Instant::now();
    let mut collector = Command::new(yiping_bin)
        .args(["fleet", "collect", "--broker", &broker_url, "--out"])
        .arg(&out)
        .args(["--client-id", "bench-collector", "--exit-when-idle", "3"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let coll_pid = collector.id();
    let mut coll_cpu = 0.0;
    // Bounded: a collector that cannot drain in two minutes is reported, not waited for forever.
    while collector.try_wait().unwrap().is_none() {
        coll_cpu = cpu_seconds(coll_pid).unwrap_or(coll_cpu);
        if c0.elapsed() > Duration::from_secs(120) {
            println!("collector still draining after 120 s: stopped (the figures below are partial)");
            let _ = collector.kill();
            let _ = collector.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let coll_wall = c0.elapsed().as_secs_f64() - 3.0;
    let (records, statuses) = (c.records.load(Ordering::Relaxed), c.statuses.load(Ordering::Relaxed));
    let archived: u64 = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| {
            yiping::api::fleet::backlog::LogTail::open(&e.path(), None)
                .map(|mut t| std::iter::from_fn(|| t.next(u64::MAX).ok().flatten()).count() as u64)
                .unwrap_or(0)
        })
        .sum();
    let sample_ok = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .take(20)
        .all(|e| yiping::api::evidence::verify::read(&e.path(), |_| {}).unwrap().problem.is_none());
    println!(
        "published: {records} records ({:.0}/s), {statuses} statuses ({:.0}/s), {} PUBACKs, in {wall:.1} s",
        records as f64 / wall,
        statuses as f64 / wall,
        c.acks.load(Ordering::Relaxed)
    );
    println!("boxes connected: {} of {boxes} ({} connection errors)", c.connected.load(Ordering::Relaxed), c.errors.load(Ordering::Relaxed));
    println!("broker (mosquitto pid {broker_pid}): {broker_cpu:.2} CPU s = {:.1}% of one core", broker_cpu / wall * 100.0);
    println!(
        "simulated boxes (this process): {:.1} µs CPU a message published (MQTT client side only)",
        me_cpu / (records + statuses).max(1) as f64 * 1e6
    );
    println!(
        "collector (yiping fleet collect, draining the queue the broker kept for it): {archived} records archived of {records} ({:.0} records/s over {coll_wall:.1} s), {coll_cpu:.2} CPU s = {:.1} µs a record; sample of 20 site archives verifies: {sample_ok}",
        archived as f64 / coll_wall,
        coll_cpu / archived.max(1) as f64 * 1e6
    );
    rt.block_on(per_record_cost(port, dir.path(), env("YIPING_BENCH_LINK_RECORDS", 20_000)));
    let _ = broker.kill();
    let _ = broker.wait();
}
