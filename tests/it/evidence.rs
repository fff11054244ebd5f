//! The evidence log end to end: a simulated day's report, tampering caught by
//! `log verify`, SIGKILL and power cuts survived, the status endpoint over real HTTP.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::evidence::{EndReason, Event, LogConfig, Play, Recorder};
use yiping::api::render::font::FontLibrary;

use crate::support::*;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// 2026-12-01 (China time) at `hh:mm`.
fn t(hm: &str) -> Timestamp {
    at(&format!("2026-12-01T{hm}:00+08:00"))
}

fn log_config(dir: &Path) -> LogConfig {
    LogConfig { dir: dir.to_path_buf(), rotate_bytes: 4096, time_zone: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap() }
}

fn start_event() -> Event {
    Event::Start {
        version: "test".into(),
        config: "yiping.toml".into(),
        time_zone: "Asia/Shanghai".into(),
        screens: vec!["门口".into()],
        village: None,
        hours: None,
    }
}

/// Writes records straight through the log writer, as a daemon of the past would have
/// (the recorder refuses plays longer than its own run, so a simulated day cannot go through it).
pub fn write_log(dir: &Path, records: Vec<(Timestamp, Event)>) {
    let (mut w, _) = yiping::api::evidence::writer::Writer::open(dir, 4096, jiff::tz::TimeZone::get("Asia/Shanghai").unwrap()).unwrap();
    for (at, e) in records {
        w.append(at, true, e).unwrap();
    }
    w.sync().unwrap();
}

fn played(p: Play) -> (Timestamp, Event) {
    (p.end, Event::Play(Box::new(p)))
}

fn play(item: &str, urgent: bool, min: Option<u32>, from: Timestamp, to: Timestamp, ended: EndReason) -> Play {
    let (content, key) = match item {
        "idle" => ("idle", "idle".to_string()),
        _ => ("item", format!("local/{item}")),
    };
    Play {
        screen: "门口".into(),
        content: content.into(),
        item: key,
        revision: (item != "idle").then_some(1),
        content_sha256: None,
        category: (item != "idle").then(|| "village".into()),
        list: None,
        urgent: (item != "idle").then_some(urgent),
        window: (item != "idle").then(|| (at("2026-11-25T00:00:00+08:00"), at("2026-12-31T00:00:00+08:00"))),
        min_seconds_per_day: min,
        slot: "main".into(),
        start: from,
        end: to,
        seconds: to.duration_since(from).as_secs_f64(),
        ended,
        sinks: vec![],
    }
}

/// One simulated day on screen 门口, as the daemon records it.
fn simulated_day(dir: &Path) {
    let power = |on| Event::Power { screen: "门口".into(), on, brightness: if on { 100 } else { 0 } };
    let device = |ok: bool| Event::Device { screen: "门口".into(), ok, error: (!ok).then(|| "card not answering".into()) };
    // The screen's hours are recorded at start, as a daemon does now.
    let start = match start_event() {
        Event::Start { version, config, time_zone, screens, .. } => Event::Start {
            version,
            config,
            time_zone,
            screens,
            village: Some("青山村".into()),
            hours: Some([("门口".to_string(), vec!["07:00-22:00".to_string()])].into_iter().collect()),
        },
        e => e,
    };
    write_log(
        dir,
        vec![
            (t("00:00"), start),
            (t("00:00"), power(false)),
            (t("07:00"), power(true)),
            played(play("a", false, Some(600), t("07:00"), t("07:10"), EndReason::SlotEnd)),
            played(play("b", false, None, t("07:10"), t("07:20"), EndReason::SlotEnd)),
            played(play("flood", true, None, t("07:20"), t("07:25"), EndReason::SlotEnd)),
            played(play("idle", false, None, t("07:25"), t("07:30"), EndReason::ContentArrived)),
            (t("07:30"), device(false)),
            (t("07:40"), device(true)),
            played(play("a", false, Some(600), t("07:40"), t("08:00"), EndReason::Shutdown)),
            // Daemon down 08:00-09:00 (nothing recorded), then b all day until the screen goes off.
            played(play("b", false, None, t("09:00"), t("22:00"), EndReason::ScreenOff)),
            (t("22:00"), power(false)),
            (t("23:00"), Event::Stop),
        ],
    );
}

#[test]
fn a_failing_source_is_recorded_once_per_spell_then_its_recovery() {
    let d = tempfile::tempdir().unwrap();
    let (rec, h) = Recorder::start(&log_config(d.path()), Clock::System, start_event()).unwrap();
    rec.source_failed("feed", "connection refused");
    rec.source_failed("feed", "connection refused");
    rec.source_recovered("feed");
    rec.stop();
    h.join().unwrap();
    let all: String = std::fs::read_dir(d.path()).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect();
    assert_eq!(all.matches("\"kind\":\"source_failed\"").count(), 1);
    assert_eq!(all.matches("\"kind\":\"source_recovered\"").count(), 1);
}

fn report_json(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["report", "--dir", dir.to_str().unwrap(), "--from", "2026-12-01", "--to", "2026-12-01", "--format", "json"];
    if !extra.contains(&"--at") {
        args.extend_from_slice(&["--at", "2026-12-02T00:00:00+08:00"]);
    }
    args.extend_from_slice(extra);
    let o = yiping(dir, &args);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

#[test]
fn a_simulated_day_gives_the_expected_report_and_every_second_is_explained() {
    let d = tempfile::tempdir().unwrap();
    simulated_day(d.path());
    let j = report_json(d.path(), &["--item", "a"]);
    assert_eq!(j["log"]["verified"], true, "{j:#}");
    let items = j["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{j:#}");
    let a = &items[0];
    assert_eq!(a["item"], "local/a");
    assert_eq!(a["screen"], "门口");
    assert_eq!(a["total_shown_ms"], 1_800_000);
    assert_eq!(a["days_shown"], 1);
    assert_eq!(a["days_below_min"], 0);
    let day = &a["days"][0];
    let want = [
        ("shown_ms", 1_800_000),
        ("preempted_ms", 300_000),
        ("rotation_ms", 600_000 + 46_800_000),
        ("idle_ms", 300_000),
        ("device_error_ms", 600_000),
        ("offline_ms", 3_600_000),
        ("on_hours_ms", 15 * 3_600_000),
        ("screen_off_ms", 9 * 3_600_000),
    ];
    for (k, v) in want {
        assert_eq!(day[k], v, "{k} in {day:#}");
    }
    assert_eq!(day["meets_min"], true);

    // Markdown: the same day, in whole seconds that add up to the on-hours.
    let o = yiping(
        d.path(),
        &["report", "--dir", d.path().to_str().unwrap(), "--from", "2026-12-01", "--to", "2026-12-01", "--at", "2026-12-02T00:00:00+08:00"],
    );
    let md = stdout(&o);
    assert!(o.status.success(), "{md}");
    assert!(md.contains("| 2026-12-01 | 1800 | ✓ | 300 | 47400 | 300 | 600 | 3600 | 54000 | 32400 |"), "{md}");
    assert!(md.contains("## local/b on screen `门口`"), "{md}");
    assert!(md.contains("display window 公示期: 2026-11-25 00:00 – 2026-12-31 00:00"), "windows in local time: {md}");
    assert!(!md.contains("local/flood` ") || md.contains("urgent"), "{md}");
    assert!(md.contains("Log verified"), "{md}");

    // CSV: one row per item and day, for Chinese Excel (BOM, Chinese headings, English under them).
    let csv_of = |lang: &str| {
        let o = yiping(
            d.path(),
            &[
                "report",
                "--dir",
                d.path().to_str().unwrap(),
                "--from",
                "2026-12-01",
                "--to",
                "2026-12-01",
                "--format",
                "csv",
                "--lang",
                lang,
                "--at",
                "2026-12-02T00:00:00+08:00",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let csv = csv_of("zh");
    assert!(csv.starts_with("\u{feff}屏幕,条目编号,标题,类别,清单,日期,显示秒数,每日最短秒数,是否达标,"), "{csv}");
    assert_eq!(
        csv.lines().nth(1),
        Some(
            "screen,item,title,category,list,date,shown_s,min_seconds_per_day,meets_min,preempted_s,rotation_s,idle_s,device_error_s,offline_s,on_hours_s,screen_off_s"
        )
    );
    assert_eq!(csv.lines().count(), 2 + 3, "{csv}");
    assert!(csv.contains("门口,local/a,,村务,,2026-12-01,1800.000,600,达标,300.000,47400.000,300.000,600.000,3600.000,54000.000,32400.000"), "{csv}");
    let csv = csv_of("en");
    assert_eq!(csv.lines().count(), 1 + 3, "{csv}");
    assert!(
        csv.contains("门口,local/a,,village,,2026-12-01,1800.000,600,true,300.000,47400.000,300.000,600.000,3600.000,54000.000,32400.000"),
        "{csv}"
    );
    let j = report_json(d.path(), &["--screen", "广场"]);
    assert_eq!(j["items"].as_array().unwrap().len(), 0);
}

#[test]
fn an_item_below_its_daily_minimum_is_flagged() {
    let d = tempfile::tempdir().unwrap();
    // Delivered, approved, never shown: the report must still list it.
    let seen = |id: &str, status: &str| {
        let mut it: yiping::api::item::Item = serde_json::from_str(&item_json(id, "finance", "财务", &["x"])).unwrap();
        it.status = serde_json::from_value(serde_json::json!(status)).unwrap();
        it.display.min_seconds_per_day = Some(300);
        Event::Item(Box::new(yiping::api::evidence::record::ItemSeen::of(&format!("local/{id}"), &it)))
    };
    write_log(
        d.path(),
        vec![
            (t("00:00"), start_event()),
            (t("08:00"), seen("never", "approved")),
            (t("08:00"), seen("unapproved", "pending")),
            played(play("a", false, Some(600), t("10:00"), t("10:05"), EndReason::SlotEnd)),
            played(play("b", false, None, t("10:05"), t("23:59"), EndReason::SlotEnd)),
            (t("23:59"), Event::Stop),
        ],
    );
    let j = report_json(d.path(), &[]);
    let keys: Vec<&str> = j["items"].as_array().unwrap().iter().map(|i| i["item"].as_str().unwrap()).collect();
    assert_eq!(keys, ["local/a", "local/b", "local/never"], "pending items are not expected on screen");
    let never = &j["items"][2];
    assert_eq!((never["total_shown_ms"].as_i64(), never["days_below_min"].as_i64()), (Some(0), Some(1)), "{never:#}");
    assert_eq!(never["screen"], "门口", "listed for the screens named at start");
    let j = report_json(d.path(), &["--item", "local/a"]);
    let a = &j["items"][0];
    assert_eq!(a["days_below_min"], 1, "{a:#}");
    assert_eq!(a["days"][0]["meets_min"], false);
    assert_eq!(a["days"][0]["shown_ms"], 300_000);
    // No off records and no hours recorded: the screen counts as on for all 24 hours
    // (the minute after the stop is an outage of unknown hours: offline).
    assert_eq!(a["days"][0]["on_hours_ms"], 86_400_000);
}

/// A log of a few files (rotation at 4 KiB) written by the real recorder.
fn sample_log(dir: &Path) -> Vec<PathBuf> {
    // The recorder's clock reads 10:00 on the day of the plays (it refuses plays from its future).
    let (rec, h) = Recorder::start(&log_config(dir), Clock::starting_at(t("10:00")), start_event()).unwrap();
    for i in 0..40 {
        let s = t("09:00").checked_add(jiff::SignedDuration::from_mins(i)).unwrap();
        let e = s.checked_add(jiff::SignedDuration::from_mins(1)).unwrap();
        rec.play(play(if i % 2 == 0 { "a" } else { "b" }, false, None, s, e, EndReason::SlotEnd));
    }
    rec.stop();
    h.join().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

fn verify(dir: &Path) -> (Option<i32>, String) {
    let o = yiping(dir, &["log", "verify", "--dir", dir.to_str().unwrap()]);
    (o.status.code(), stdout(&o) + &stderr(&o))
}

/// A change made to a log file's lines.
type Edit = Box<dyn Fn(&mut Vec<String>)>;

fn edit_lines(path: &Path, f: impl FnOnce(&mut Vec<String>)) {
    let mut lines: Vec<String> = std::fs::read_to_string(path).unwrap().lines().map(String::from).collect();
    f(&mut lines);
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn log_verify_passes_an_untouched_log_and_catches_edits_deletions_insertions_and_swaps() {
    let d = tempfile::tempdir().unwrap();
    let files = sample_log(d.path());
    assert!(files.len() >= 3, "rotation by size gives several files: {files:?}");
    let (code, out) = verify(d.path());
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("42 record(s)") && out.contains("chain intact"), "{out}");

    let second = files[1].file_name().unwrap().to_str().unwrap().to_string();
    let cases: Vec<(&str, Edit, String)> = vec![
        ("edit", Box::new(|l| l[2] = l[2].replacen("local/", "local/x", 1)), format!("{second}:3: 错误 error: 记录无法读取（hash does not match")),
        ("delete", Box::new(|l| drop(l.remove(2))), format!("{second}:3: 错误 error: 这里应是第 #")),
        (
            "insert",
            Box::new(|l| {
                let copy = l[1].clone();
                l.insert(3, copy)
            }),
            format!("{second}:4: 错误 error: 第 #"),
        ),
        ("swap", Box::new(|l| l.swap(2, 3)), format!("{second}:3: 错误 error: 这里应是第 #")),
    ];
    for (name, f, want) in cases {
        let c = tempfile::tempdir().unwrap();
        for p in &files {
            std::fs::copy(p, c.path().join(p.file_name().unwrap())).unwrap();
        }
        edit_lines(&c.path().join(&second), f);
        let (code, out) = verify(c.path());
        assert_eq!(code, Some(1), "{name}: {out}");
        assert!(out.contains(&want), "{name}: want {want:?} in\n{out}");
        assert!(out.contains("日志校验失败 log does NOT verify"), "{name}: {out}");
    }

    // A forged record with a correct hash of its own still breaks the link to the one before.
    let c = tempfile::tempdir().unwrap();
    for p in &files {
        std::fs::copy(p, c.path().join(p.file_name().unwrap())).unwrap();
    }
    edit_lines(&c.path().join(&second), |l| {
        let (mut r, _) = yiping::api::evidence::record::decode(&l[2]).unwrap();
        r.prev = yiping::api::evidence::record::GENESIS.into();
        l[2] = yiping::api::evidence::record::encode(&r).0;
    });
    let (code, out) = verify(c.path());
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("{second}:3: 错误 error: 第 #")) && out.contains("与前一条接不上") && out.contains("does not follow"), "{out}");

    // Removing the first file is noticed too.
    std::fs::remove_file(c.path().join(files[0].file_name().unwrap())).unwrap();
    let (_, out) = verify(c.path());
    assert!(out.contains("log starts at record #"), "{out}");
}

/// A config whose playlist changes item every second: a record a second.
fn busy_config(dir: &Path) -> PathBuf {
    let cfg = write_config(
        dir,
        "name = \"门口\"\nwidth = 64\nheight = 16\nfps = 5",
        Some("[[slot]]\nselect = { category = [\"party\", \"finance\"] }\nseconds = 1\n"),
    );
    std::fs::write(dir.join("items/a.json"), item_json("a", "party", "甲", &["一"])).unwrap();
    std::fs::write(dir.join("items/b.json"), item_json("b", "finance", "乙", &["二"])).unwrap();
    cfg
}

fn plays_in(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map_or(0, |rd| rd.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default().matches("\"kind\":\"play\"").count()).sum())
}

fn spawn_daemon(dir: &Path, cfg: &Path) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_yiping"))
        .args(["run", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT])
        .current_dir(dir)
        .env("YIPING_FONTS", root().join("fonts"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (for a real process: there is no clock to advance) until `n` plays are logged.
fn wait_for_plays(log: &Path, n: usize) {
    for _ in 0..300 {
        if plays_in(log) >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("daemon never logged {n} plays");
}

#[test]
fn sigkill_during_appends_and_a_torn_tail_leave_a_log_that_verifies_after_restart() {
    let d = tempfile::tempdir().unwrap();
    let cfg = busy_config(d.path());
    // `run --at` is a rehearsal: its log is the rehearsal log (same writer, same chain rules).
    let log = d.path().join("state/rehearsal-evidence");
    let mut child = spawn_daemon(d.path(), &cfg);
    wait_for_plays(&log, 4);
    // SIGKILL: no chance to write the stop record or flush anything.
    child.kill().unwrap();
    child.wait().unwrap();
    let (code, out) = verify(&log);
    assert_eq!(code, Some(0), "after SIGKILL: {out}");

    // A power cut can also leave half a line (a kill cannot: one write() is atomic for the process).
    let last = yiping::api::evidence::files::list(&log).unwrap().pop().unwrap().1;
    let text = std::fs::read_to_string(&last).unwrap();
    let half = &text.lines().last().unwrap()[..60];
    std::fs::write(&last, format!("{text}{half}")).unwrap();
    let (code, out) = verify(&log);
    assert_eq!(code, Some(0), "an unrecovered torn tail is not tampering: {out}");
    assert!(out.contains("torn record skipped"), "{out}");
    let torn_line = text.lines().count() + 1;

    // Restart: the torn line is reported, recorded and skipped; the chain goes on.
    let before = plays_in(&log);
    let child = spawn_daemon(d.path(), &cfg);
    wait_for_plays(&log, before + 3);
    // SAFETY: sending SIGTERM to the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("last line was torn"), "{err}");
    let (code, out) = verify(&log);
    assert_eq!(code, Some(0), "after restart: {out}");
    let name = last.file_name().unwrap().to_str().unwrap();
    assert!(out.contains(&format!("{name}:{torn_line}: 警告 warning: 断电时未写完的记录，已跳过 / torn record skipped")), "{out}");
    let all = std::fs::read_to_string(&last).unwrap();
    assert!(all.contains(&format!("\"kind\":\"torn_tail\",\"file\":\"{name}\",\"line\":{torn_line}")), "{all}");
    assert!(all.contains("\"kind\":\"stop\""), "clean stop after restart");
}

#[test]
fn run_at_writes_evidence_only_to_the_rehearsal_folder_and_says_so() {
    let d = tempfile::tempdir().unwrap();
    let cfg = busy_config(d.path());
    // A real log already there must come out byte for byte the same.
    let real = d.path().join("state/evidence");
    let files = sample_log(&real);
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let rehearsal = d.path().join("state/rehearsal-evidence");
    let child = spawn_daemon(d.path(), &cfg);
    wait_for_plays(&rehearsal, 3);
    // SAFETY: sending SIGTERM to the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "演练：时钟从 2026-12-01T01:00:00Z 开始，显示记录写入演练文件夹 {}，不写入正式记录 {}",
            rehearsal.display(),
            real.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "rehearsal: the clock starts at 2026-12-01T01:00:00Z; evidence goes to {}, never to the real log",
            rehearsal.display()
        )),
        "{err}"
    );
    let mut now: Vec<PathBuf> = std::fs::read_dir(&real).unwrap().map(|e| e.unwrap().path()).collect();
    now.sort();
    assert_eq!(now, files, "no file added to the real log");
    for (f, b) in files.iter().zip(&before) {
        assert_eq!(&std::fs::read(f).unwrap(), b, "{} changed", f.display());
    }
    let (code, out) = verify(&rehearsal);
    assert_eq!(code, Some(0), "{out}");
}

#[tokio::test(start_paused = true)]
async fn the_daemon_records_what_it_showed_and_the_report_adds_up() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write_config(
        d.path(),
        "name = \"门口\"\nwidth = 64\nheight = 16\nfps = 5",
        Some("[[slot]]\nselect = { category = [\"party\", \"finance\"] }\nseconds = 30\n"),
    );
    std::fs::write(d.path().join("items/a.json"), item_json("a", "party", "甲", &["一"])).unwrap();
    std::fs::write(d.path().join("items/b.json"), item_json("b", "finance", "乙", &["二"])).unwrap();
    let (c, diags) = Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{diags:?}"));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let start = at(DEMO_AT);
    let running = yiping::api::daemon::start(&c, fonts, Clock::starting_at(start), cancel.clone()).unwrap();
    // 10:40 in, b is on air (a and b alternate every 30 s from 09:00).
    tokio::time::sleep(Duration::from_secs(640)).await;
    // Withdraw b; it leaves at once and is logged as withdrawn.
    std::fs::remove_file(d.path().join("items/b.json")).unwrap();
    tokio::time::sleep(Duration::from_secs(80)).await;
    cancel.cancel();
    running.wait().await;

    let log = d.path().join("state/evidence");
    let mut plays = Vec::new();
    let mut delivered = Vec::new();
    let v = yiping::api::evidence::verify::read(&log, |r| match &r.event {
        Event::Play(p) => plays.push((**p).clone()),
        Event::Item(i) => delivered.push(i.item.clone()),
        _ => {}
    })
    .unwrap();
    assert_eq!(delivered, ["local/a", "local/b"], "each delivered item is recorded once");
    assert!(v.problem.is_none(), "{:?}", v.problem);
    assert!(plays.iter().any(|p| p.item == "local/b" && p.ended == EndReason::Withdrawn), "{plays:#?}");
    assert_eq!(plays.last().unwrap().ended, EndReason::Shutdown);
    let a = plays.iter().find(|p| p.item == "local/a").unwrap();
    assert_eq!(a.revision, Some(1));
    assert_eq!(a.content_sha256.as_deref().map(str::len), Some(64));
    assert!(a.sinks.is_empty(), "this screen has no sinks");
    // Plays follow each other without gaps or overlaps.
    for w in plays.windows(2) {
        assert_eq!(w[0].end, w[1].start, "{w:#?}");
    }

    let stop = start.checked_add(jiff::SignedDuration::from_secs(720)).unwrap();
    let j = report_json(&log, &["--at", &stop.to_string()]);
    let mut shown = 0;
    for it in j["items"].as_array().unwrap() {
        let day = &it["days"][0];
        let parts: i64 =
            ["shown_ms", "preempted_ms", "rotation_ms", "idle_ms", "device_error_ms", "offline_ms"].iter().map(|k| day[k].as_i64().unwrap()).sum();
        assert_eq!(parts, day["on_hours_ms"].as_i64().unwrap(), "{day:#}");
        // 09:00 is 9 h into the day: everything before it is offline (the daemon was not running).
        assert_eq!(day["on_hours_ms"], 9 * 3_600_000 + 720_000, "{day:#}");
        assert!(day["offline_ms"].as_i64().unwrap() >= 9 * 3_600_000, "{day:#}");
        shown += day["shown_ms"].as_i64().unwrap();
    }
    // a and b together fill the 12 minutes the daemon ran, give or take the first frame tick.
    assert!((719_000..=720_000).contains(&shown), "{shown}");
}

/// Issue 13: a feed's `generated_at` of 2099 moved the clock, and the play on air was
/// logged as 2,274,912,954 s. A play's length is now measured on the monotonic clock (a clock
/// step never makes it huge: the writer would refuse such a record), and the report leaves
/// out what is stamped 2099.
#[tokio::test(start_paused = true)]
async fn a_clock_moved_to_2099_logs_the_play_as_measured_and_the_report_leaves_2099_out() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write_config(
        d.path(),
        "name = \"门口\"\nwidth = 64\nheight = 16\nfps = 5",
        Some("[[slot]]\nselect = { category = [\"party\", \"finance\"] }\nseconds = 600\n"),
    );
    std::fs::write(d.path().join("items/a.json"), item_json("a", "party", "甲", &["一"])).unwrap();
    let (c, diags) = Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{diags:?}"));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    // A board without the time: the clock holds at a trusted estimate, which a feed then moves.
    let clock = Clock::guarded_by(|| "1970-01-01T00:00:10Z".parse().unwrap(), at(DEMO_AT));
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, clock.clone(), cancel.clone()).unwrap();
    let recorder = running.recorder.clone();
    tokio::time::sleep(Duration::from_secs(60)).await;
    clock.learn(at("2099-01-01T00:00:00+08:00"), "feed generated_at");
    tokio::time::sleep(Duration::from_secs(30)).await;
    cancel.cancel();
    running.wait().await;

    let log = d.path().join("state/evidence");
    let mut refused = Vec::new();
    let mut longest = 0.0f64;
    let v = yiping::api::evidence::verify::read(&log, |r| match &r.event {
        Event::Refused { record, reason, .. } => refused.push((record.clone(), reason.clone())),
        Event::Play(p) => longest = longest.max(p.seconds),
        _ => {}
    })
    .unwrap();
    assert!(v.problem.is_none(), "{:?}", v.problem);
    // The play on air when the clock jumped has its measured length, not 73 years; had the
    // tracker produced a longer one, the writer would have refused it.
    assert!(longest > 0.0 && longest <= 90.0, "no play longer than the daemon ran: {longest}");
    assert!(!refused.iter().any(|(k, _)| k == "play"), "{refused:?}");
    assert_eq!(recorder.stats().refused.load(std::sync::atomic::Ordering::Relaxed), refused.len() as u64);

    // The records stamped 2099 are from the future for the report: left out and listed.
    let j = report_json(&log, &[]);
    let future = j["anomalies"].as_array().unwrap().iter().filter(|a| a["code"] == "future").count();
    assert!(future >= 1, "{:#}", j["anomalies"]);
    // The play on air when the clock jumped ends in 2099 by the clock it was closed with:
    // nothing is credited, not the minute before the jump, and certainly not 73 years.
    let shown: i64 = j["items"].as_array().unwrap().iter().map(|i| i["total_shown_ms"].as_i64().unwrap()).sum();
    assert_eq!(shown, 0);
}
