//! Operators' schedule end to end: screen hours reaching sinks, hot reload (file edits and
//! SIGHUP), the timeline command, mandated minimums, boundaries without drift.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::render::font::FontLibrary;
use yiping::api::schedule::Content;
use yiping::api::sinks::Output;

use crate::support::*;

type Rx = tokio::sync::watch::Receiver<Arc<Output>>;

async fn wait_until(rx: &Rx, what: &str, f: impl Fn(&Output) -> bool) -> Arc<Output> {
    for _ in 0..3000 {
        let o = Arc::clone(&rx.borrow());
        if f(&o) {
            return o;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never: {what}; last caption {}", rx.borrow().caption);
}

fn notice_text(o: &Output) -> Option<String> {
    match o.on_air.as_ref().map(|a| &a.content) {
        Some(Content::Notice { text, .. }) => Some(text.clone()),
        _ => None,
    }
}

fn fonts() -> Arc<FontLibrary> {
    Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap())
}

#[tokio::test(start_paused = true)]
async fn screen_off_hours_reach_the_sinks_as_black_frames_and_come_back() {
    let t = tempfile::tempdir().unwrap();
    // The demo clock starts at 09:00 China time; the screen is lit 09:00:00-09:00:20 only.
    let screen = "name = \"door\"\nwidth = 64\nheight = 16\nfps = 5\n[screens.hours]\non = [\"09:00-09:00:20\", \"09:00:40-10:00\"]\nbrightness = [{ from = \"08:00\", level = 100 }, { from = \"09:00:10\", level = 30 }]";
    let cfg = write_config(t.path(), screen, None);
    std::fs::write(t.path().join("items/a.json"), item_json("a", "notice", "公告", &["内容"])).unwrap();
    let (c, d) = Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts(), Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    let rx = running.screens[0].1.clone();
    assert_eq!(c.screens[0].hours.on.len(), 2, "{:?}", c.screens[0].hours);
    let lit = wait_until(&rx, "content lit", |o| o.power.on && o.frame.to_ascii().contains('#')).await;
    assert_eq!(lit.power.brightness, 100);
    let dim = wait_until(&rx, "dimmed", |o| o.power.brightness == 30).await;
    assert!(dim.power.on);
    let off = wait_until(&rx, "off", |o| !o.power.on).await;
    let off = wait_until(&rx, "black frame", |o| !o.power.on && o.number > off.number).await;
    assert!(!off.frame.to_ascii().contains('#'), "off is black:\n{}", off.frame.to_ascii());
    assert!(off.caption.contains("off"), "{}", off.caption);
    wait_until(&rx, "back on with content", |o| o.power.on && o.frame.to_ascii().contains('#')).await;
    cancel.cancel();
    running.wait().await;
}

#[tokio::test(start_paused = true)]
async fn a_broken_edit_keeps_the_old_playlist_and_a_fixed_one_takes_over() {
    let t = tempfile::tempdir().unwrap();
    let playlist = |text: &str| format!("[[slot]]\nname = \"n\"\nnotice = \"{text}\"\nseconds = 5\n");
    let cfg = write_config(t.path(), "name = \"door\"\nwidth = 64\nheight = 16\nfps = 5", Some(&playlist("旧通知")));
    let (c, d) = Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts(), Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    let rx = running.screens[0].1.clone();
    let mut reload = running.reload.clone();
    wait_until(&rx, "old notice", |o| notice_text(o).as_deref() == Some("旧通知")).await;

    // A broken edit (saved the way editors do: write a temp file, rename over).
    let pl = t.path().join("playlists/main.toml");
    std::fs::write(t.path().join("playlists/.main.tmp"), "[[slot]]\nnotice = \"坏\"\nefect = \"marquee\"\nseconds = -3\n").unwrap();
    std::fs::rename(t.path().join("playlists/.main.tmp"), &pl).unwrap();
    tokio::time::timeout(Duration::from_secs(60), reload.wait_for(|s| s.attempts >= 1)).await.expect("reload attempted").unwrap();
    let st = reload.borrow().clone();
    assert!(!st.ok);
    let msgs: Vec<String> = st.errors.iter().map(|d| d.to_string()).collect();
    assert!(msgs.iter().any(|m| m.contains("main.toml:3:1") && m.contains("efect")), "{msgs:#?}");
    assert!(msgs.iter().any(|m| m.contains("main.toml:4:")), "{msgs:#?}");
    // Still the old notice, and never black, over the next slots.
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let o = Arc::clone(&rx.borrow());
        assert_eq!(notice_text(&o).as_deref(), Some("旧通知"), "{}", o.caption);
        assert!(o.frame.to_ascii().contains('#'));
    }

    std::fs::write(&pl, playlist("新通知")).unwrap();
    tokio::time::timeout(Duration::from_secs(60), reload.wait_for(|s| s.attempts >= 2)).await.expect("second reload").unwrap();
    assert!(reload.borrow().ok, "{:?}", reload.borrow().errors);
    wait_until(&rx, "new notice", |o| notice_text(o).as_deref() == Some("新通知")).await;
    cancel.cancel();
    running.wait().await;
}

#[test]
fn sighup_reloads_a_running_daemon() {
    use std::io::{BufRead, BufReader};
    let t = tempfile::tempdir().unwrap();
    let cfg = write_config(t.path(), "name = \"door\"\nwidth = 64\nheight = 16\nfps = 2", Some("[[slot]]\nnotice = \"一\"\n"));
    // Turn file watching off so only the signal can trigger the reload.
    let text = std::fs::read_to_string(&cfg).unwrap().replacen("village", "watch = false\nvillage", 1);
    std::fs::write(&cfg, text).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_yiping"))
        .args(["run", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT])
        .env("YIPING_FONTS", root().join("fonts"))
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut wait_for = |what: &str| {
        for l in lines.by_ref() {
            let l = l.unwrap();
            if l.contains(what) {
                return l;
            }
        }
        panic!("daemon never logged {what:?}");
    };
    wait_for("on air");
    std::fs::write(t.path().join("playlists/main.toml"), "[[slot]]\nnotice = \"二\"\n").unwrap();
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGHUP) };
    let l = wait_for("configuration reloaded");
    assert!(l.contains("signal=true"), "{l}");
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert!(child.wait().unwrap().success());
}

#[test]
fn the_timeline_is_reproducible_and_shows_off_hours_and_interrupts() {
    let demo = demo_config();
    let args = ["schedule", "--config", demo.to_str().unwrap(), "--from", DEMO_AT, "--hours", "30"];
    let a = yiping(&root(), &args);
    let b = yiping(&root(), &args);
    assert!(a.status.success(), "{}", stderr(&a));
    let out = stdout(&a);
    assert_eq!(out, stdout(&b), "same inputs, same timeline");
    assert!(out.contains("2026-12-01 21:00:00 .. 2026-12-02 07:00:00  36000s  关屏 off"), "{out}");
    assert!(
        out.contains("2026-12-01 09:00:00 .. 2026-12-01 09:01:02     62s  [紧急] 紧急插播 URGENT  local/qingshan-water-cut-2026-12-01  停水通知"),
        "{out}"
    );
    assert!(out.contains("（续播 resumes）"), "{out}");
    // The water cut window ends at 16:00: no urgent segment starts after it.
    assert!(!out.lines().any(|l| l.contains("URGENT") && &l[11..13] >= "16" && l.starts_with("2026-12-01")), "{out}");
    assert!(!out.contains("qingshan-pending") && !out.contains("qingshan-expired"));
}

#[test]
fn check_names_items_whose_minimum_the_day_cannot_give() {
    let t = tempfile::tempdir().unwrap();
    // 10 items of 20 s each in one hour of screen time: 360 s each, below a 600 s minimum.
    let cfg = write_config(
        t.path(),
        "name = \"door\"\nwidth = 128\nheight = 32\n[screens.hours]\non = [\"08:00-09:00\"]",
        Some("[[slot]]\nselect = { category = \"notice\" }\nseconds = 20\n"),
    );
    for i in 0..10 {
        let j = item_json(&format!("n{i}"), "notice", "公告", &["内容"]).replace("\"display\": {", "\"display\": {\"min_seconds_per_day\": 600, ");
        std::fs::write(t.path().join(format!("items/n{i}.json")), j).unwrap();
    }
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(
            "can give item local/n0 only 360 s/day (18 turns × 20 s in 1.0 on-hours, shared with 9 other item(s)), below its minimum of 600 s"
        ),
        "{out}"
    );
}

#[test]
fn a_simulated_day_lands_on_the_planned_boundaries() {
    let t = tempfile::tempdir().unwrap();
    let cfg =
        write_config(t.path(), "name = \"door\"\nwidth = 64\nheight = 16", Some("[[slot]]\nselect = { category = \"notice\" }\nseconds = 45\n"));
    std::fs::write(t.path().join("items/a.json"), item_json("a", "notice", "甲", &[])).unwrap();
    std::fs::write(t.path().join("items/b.json"), item_json("b", "notice", "乙", &[])).unwrap();
    let o = yiping(t.path(), &["schedule", "--config", cfg.to_str().unwrap(), "--from", DEMO_AT, "--hours", "24"]);
    let out = stdout(&o);
    let starts: Vec<&str> = out.lines().filter(|l| l.starts_with("20")).map(|l| &l[..19]).collect();
    assert_eq!(starts.len(), 24 * 80, "45 s slots for a day");
    assert_eq!(starts.last().copied(), Some("2026-12-02 08:59:15"));
    assert!(out.lines().filter(|l| l.starts_with("20")).all(|l| l.contains("   45s")), "every slot exactly 45 s");
}

#[test]
fn screen_hours_follow_local_time_across_daylight_saving() {
    let t = tempfile::tempdir().unwrap();
    let cfg = write_config(t.path(), "name = \"door\"\nwidth = 64\nheight = 16\n[screens.hours]\non = [\"07:00-21:00\"]", None);
    let text = std::fs::read_to_string(&cfg).unwrap().replacen("village", "time_zone = \"Europe/Berlin\"\nvillage", 1);
    std::fs::write(&cfg, text).unwrap();
    std::fs::write(t.path().join("items/a.json"), item_json("a", "notice", "甲", &[])).unwrap();
    // Berlin springs forward on 2026-03-29 at 02:00: that night is one hour shorter.
    let o = yiping(t.path(), &["schedule", "--config", cfg.to_str().unwrap(), "--from", "2026-03-28T12:00:00+01:00", "--hours", "48"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.contains("2026-03-28 21:00:00 .. 2026-03-29 07:00:00  32400s  关屏 off"), "{out}");
    assert!(out.contains("2026-03-29 21:00:00 .. 2026-03-30 07:00:00  36000s  关屏 off"), "{out}");
}

#[test]
fn an_urgent_item_keeps_a_screen_with_urgent_wakes_on_after_hours_and_only_while_it_lasts() {
    let t = tempfile::tempdir().unwrap();
    let wakes = |on: bool| format!("name = \"door\"\nwidth = 64\nheight = 16\n[screens.hours]\non = [\"07:00-21:00\"]\nurgent_wakes = {on}");
    let urgent = item_json("cut", "notice", "停水", &["今晚停水"]).replace(
        r#""display": {"from": "2026-11-01T00:00:00+08:00", "until": "2027-01-01T00:00:00+08:00"}"#,
        r#""display": {"from": "2026-12-01T00:00:00+08:00", "until": "2026-12-01T23:00:00+08:00"}, "priority": "urgent""#,
    );
    let run = |on: bool| {
        let cfg = write_config(t.path(), &wakes(on), None);
        std::fs::write(t.path().join("items/cut.json"), &urgent).unwrap();
        std::fs::write(t.path().join("items/a.json"), item_json("a", "notice", "公告", &["内容"])).unwrap();
        let o = yiping(t.path(), &["schedule", "--config", cfg.to_str().unwrap(), "--from", "2026-12-01T20:00:00+08:00", "--hours", "4"]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let asleep = run(false);
    assert!(asleep.contains("2026-12-01 21:00:00 .. 2026-12-02 00:00:00  10800s  关屏 off"), "{asleep}");
    let awake = run(true);
    assert!(awake.lines().any(|l| l.starts_with("2026-12-01 22:") && l.contains("紧急插播 URGENT")), "lit for the urgent item after 21:00:\n{awake}");
    assert!(
        awake.contains(" .. 2026-12-02 00:00:00") && awake.lines().any(|l| l.contains("关屏 off") && l.contains("2026-12-01 23:00:")),
        "off once it ends at 23:00:\n{awake}"
    );
}
