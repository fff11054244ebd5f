//! Evidence log costs: appending a record with the durability the daemon uses,
//! and `report` over a month of records for 10 screens.
//! Run: `cargo bench --bench evidence`. Prints figures; asserts nothing about time.

use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use yiping::api::clock::Clock;
use yiping::api::evidence::report::{Builder, Query};
use yiping::api::evidence::report::{LogSummary, html, markdown};
use yiping::api::evidence::writer::Writer;
use yiping::api::evidence::{EndReason, Event, LogConfig, Play, Recorder, SinkReport, verify};

fn tz() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Asia/Shanghai").unwrap()
}

fn play(screen: usize, item: usize, start: Timestamp, secs: i64) -> Event {
    let end = start.checked_add(SignedDuration::from_secs(secs)).unwrap();
    Event::Play(Box::new(Play {
        screen: format!("screen-{screen:02}"),
        content: "item".into(),
        item: format!("local/item-{item:02}"),
        revision: Some(3),
        content_sha256: Some("9aa2195cf7dc972be86f645a431e9969a6ab5d85d64738a47add942c7cf0921d".into()),
        category: Some("finance".into()),
        list: Some("财务收支".into()),
        urgent: Some(false),
        window: Some(("2026-11-01T00:00:00+08:00".parse().unwrap(), "2027-01-01T00:00:00+08:00".parse().unwrap())),
        min_seconds_per_day: Some(600),
        slot: "财务公开".into(),
        start,
        end,
        seconds: secs as f64,
        ended: EndReason::SlotEnd,
        sinks: vec![SinkReport { kind: "bx".into(), written: 1, acked: 1, errors: 0, last_error: None, mn_omitted: None }],
    }))
}

fn main() {
    let t0: Timestamp = "2026-12-01T00:00:00+08:00".parse().unwrap();
    let dir = tempfile::tempdir_in(std::env::var_os("BENCH_DIR").unwrap_or_else(|| std::env::temp_dir().into())).unwrap();
    println!("log folder on: {}", dir.path().display());

    // 0. Reading one record back (what verify and report pay per record).
    let (line, _) = yiping::api::evidence::record::encode(&yiping::api::evidence::Record {
        seq: 1,
        at: t0,
        prev: "0".repeat(64),
        clock_trusted: true,
        event: play(0, 1, t0, 30),
    });
    let n = 100_000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(yiping::api::evidence::record::decode(std::hint::black_box(&line)).unwrap());
    }
    let decode = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(yiping::api::evidence::record::sha256_hex(std::hint::black_box(line.as_bytes())));
    }
    println!(
        "decode one record (parse + hash):   {decode:>8.2} µs/record, of which SHA-256 {:.2} µs ({} B)",
        t.elapsed().as_secs_f64() * 1e6 / n as f64,
        line.len()
    );

    // 1. One record, made durable before the next (fdatasync each): the worst case, a lone play.
    let d = dir.path().join("single");
    let (mut w, _) = Writer::open(&d, 16 << 20, tz()).unwrap();
    let n = 2000;
    let t = Instant::now();
    for i in 0..n {
        w.append(t0, true, play(0, i % 20, t0, 30)).unwrap();
        w.sync().unwrap();
    }
    let el = t.elapsed();
    let bytes = std::fs::metadata(d.join("2026-12-01-000.jsonl")).unwrap().len();
    println!(
        "append + fdatasync per record:      {:>8.1} µs/record  ({} records, {} B/record)",
        el.as_secs_f64() * 1e6 / n as f64,
        n,
        bytes / n as u64
    );

    // 2. The CPU part alone (encode, hash, write; no sync).
    let d = dir.path().join("nosync");
    let (mut w, _) = Writer::open(&d, 16 << 20, tz()).unwrap();
    let n = 50_000;
    let t = Instant::now();
    for i in 0..n {
        w.append(t0, true, play(0, i % 20, t0, 30)).unwrap();
    }
    w.sync().unwrap();
    println!("append without sync (encode+hash):  {:>8.1} µs/record  ({n} records)", t.elapsed().as_secs_f64() * 1e6 / n as f64);

    // 3. Through the recorder as the daemon uses it: bursts of 1000 from the caller, group commit on the writer thread.
    let d = dir.path().join("recorder");
    // The plays are stamped 2026-12-01: so is the recorder's clock (the writer refuses records from its future).
    let clock = Clock::starting_at(t0.checked_add(SignedDuration::from_mins(1)).unwrap());
    let (rec, h) = Recorder::start(&LogConfig { dir: d.clone(), rotate_bytes: 16 << 20, time_zone: tz() }, clock, Event::Stop).unwrap();
    let bursts = 50;
    let t = Instant::now();
    let mut enqueue = std::time::Duration::ZERO;
    for b in 0..bursts {
        let q = Instant::now();
        for i in 0..1000 {
            rec.record(t0, play(i % 10, i % 20, t0, 30));
        }
        enqueue += q.elapsed();
        let want = 1 + (b + 1) * 1000;
        while rec.stats().written.load(std::sync::atomic::Ordering::Relaxed) < want as u64 {
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
    }
    let el = t.elapsed();
    rec.stop();
    h.join().unwrap();
    println!(
        "recorder, group commit:             {:>8.1} µs/record durable; caller pays {:.2} µs/record to queue; dropped {}",
        el.as_secs_f64() * 1e6 / (bursts * 1000) as f64,
        enqueue.as_secs_f64() * 1e6 / (bursts * 1000) as f64,
        rec.stats().dropped.load(std::sync::atomic::Ordering::Relaxed)
    );

    // 4. A month for 10 screens: each screen changes item every 30 s around the clock.
    let d = dir.path().join("month");
    let (mut w, _) = Writer::open(&d, 16 << 20, tz()).unwrap();
    let per_screen_day = 86_400 / 30;
    let t = Instant::now();
    let mut records = 0u64;
    for day in 0..30i64 {
        for k in 0..per_screen_day {
            for s in 0..10 {
                let start = t0.checked_add(SignedDuration::from_secs(day * 86_400 + k * 30)).unwrap();
                w.append(start.checked_add(SignedDuration::from_secs(30)).unwrap(), true, play(s, (k as usize + s) % 20, start, 30)).unwrap();
                records += 1;
            }
        }
    }
    w.sync().unwrap();
    let size: u64 = std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    println!("month log written: {records} records, {:.0} MB, {:.1} s", size as f64 / 1e6, t.elapsed().as_secs_f64());

    let t = Instant::now();
    let v = verify::read(&d, |_| {}).unwrap();
    assert!(v.problem.is_none());
    println!("log verify, month x 10 screens:     {:>8.2} s  ({} records, {} files)", t.elapsed().as_secs_f64(), v.records, v.files);

    let t = Instant::now();
    let mut q = Query::new("2026-12-01".parse().unwrap(), "2026-12-30".parse().unwrap());
    q.time_zone = Some(tz());
    // As `yiping report` does: records are checked against the trusted clock.
    q.trusted_now = Some("2027-01-01T00:00:00+08:00".parse().unwrap());
    let mut b = Builder::new(q);
    let v = verify::read(&d, |r| b.add(r)).unwrap();
    let r = b.finish("2027-01-01T00:00:00+08:00".parse().unwrap());
    let md = markdown::markdown(&r, "");
    println!(
        "report (verify + compute + md), month x 10 screens: {:>5.2} s  ({} records -> {} item/screen rows, {} day rows, {} KB of markdown)",
        t.elapsed().as_secs_f64(),
        v.records,
        r.items.len(),
        r.items.iter().map(|i| i.days.len()).sum::<usize>(),
        md.len() / 1024
    );
    let t = Instant::now();
    let log = LogSummary {
        records: v.records,
        verified: true,
        head_seq: v.head.as_ref().map(|h| h.0),
        head_hash: v.head.map(|h| h.1),
        ..LogSummary::default()
    };
    let page = html::html(&r, &log, "bench", r.counted_to);
    println!("html page from the same report:     {:>8.3} s  ({} KB)", t.elapsed().as_secs_f64(), page.len() / 1024);

    // The computing alone, on records already read (the figure above is mostly reading 600 MB).
    let mut all = Vec::with_capacity(v.records as usize);
    verify::read(&d, |r| all.push(r.clone())).unwrap();
    let t = Instant::now();
    let mut q = Query::new("2026-12-01".parse().unwrap(), "2026-12-30".parse().unwrap());
    q.time_zone = Some(tz());
    q.trusted_now = Some("2027-01-01T00:00:00+08:00".parse().unwrap());
    let mut b = Builder::new(q);
    all.iter().for_each(|r| b.add(r));
    let r2 = b.finish("2027-01-01T00:00:00+08:00".parse().unwrap());
    println!("report compute only (records in memory): {:>5.3} s  ({} rows)", t.elapsed().as_secs_f64(), r2.items.len());
    drop(all);
}
