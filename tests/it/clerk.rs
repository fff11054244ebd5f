//! A village clerk's mistakes, made against the real binary and real files (issue 12):
//! each test reproduces one and pins what the screen and the operator see.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

const PLAYLIST: &str = "[[slot]]\nname = \"党务\"\nselect = { category = \"party\" }\neffect = \"static\"\npage_seconds = 5\n";

/// A free port on 127.0.0.1 (bound, then released for the daemon).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A config with one 128x32 screen drawing into a PNG file, a status endpoint on `port`, and one item.
fn clerk_setup(dir: &Path, port: u16) -> std::path::PathBuf {
    let screen = "name = \"门口\"\nwidth = 128\nheight = 32\nfps = 5\n[[screens.sinks]]\ntype = \"png\"\npath = \"screen.png\"\n";
    let cfg = write_config(dir, screen, Some(PLAYLIST));
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text = text.replace("state_dir = \"state\"\n", &format!("state_dir = \"state\"\n[status]\nlisten = \"127.0.0.1:{port}\"\n"));
    std::fs::write(&cfg, text).unwrap();
    std::fs::write(dir.join("items/a.json"), item_json("a", "party", "党务公开", &["内容"])).unwrap();
    cfg
}

/// Plain HTTP GET against the daemon; `None` while it does not answer.
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let code = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Some((code, body))
}

/// Waits (at most a minute) until `f` gives something.
fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A running daemon, killed if the test fails before stopping it.
struct Daemon(Option<Child>);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `yiping run` in `dir`, with the clock at the demo time.
fn spawn_run(dir: &Path) -> Daemon {
    let child = Command::new(env!("CARGO_BIN_EXE_yiping"))
        .args(["run", "--config", "yiping.toml", "--at", DEMO_AT])
        .current_dir(dir)
        .env("YIPING_FONTS", root().join("fonts"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    Daemon(Some(child))
}

/// SIGTERM, then the exit code and stderr.
fn stop(mut daemon: Daemon) -> (Option<i32>, String) {
    let mut child = daemon.0.take().unwrap();
    // SAFETY: signalling our own child by its id.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (status.code(), err)
}

/// The `/status` JSON once the first screen has `content` on air (`item` for items: the key).
fn status_on_air(port: u16, content: &str) -> serde_json::Value {
    until(content, || {
        let (_, body) = http_get(port, "/status")?;
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        (v["screens"][0]["on_air"]["item"] == content || v["screens"][0]["on_air"]["content"] == content).then_some(v)
    })
}

#[test]
fn a_broken_playlist_on_disk_at_boot_runs_the_last_good_rotation_degraded() {
    let t = tempfile::tempdir().unwrap();
    let port = free_port();
    clerk_setup(t.path(), port);
    // First boot: a correct configuration is accepted and kept as the last good one.
    let child = spawn_run(t.path());
    status_on_air(port, "local/a");
    until("the snapshot", || t.path().join("state/last-good-config.json").is_file().then_some(()));
    assert_eq!(http_get(port, "/healthz").unwrap(), (200, "ok\n".to_string()));
    let (code, _) = stop(child);
    assert_eq!(code, Some(0));

    // The clerk leaves a stray copy with a wrong effect; then the power is cut.
    std::fs::write(t.path().join("playlists/main - 副本.toml"), PLAYLIST.replace("\"static\"", "\"scroll\"")).unwrap();
    let child = spawn_run(t.path());
    // The last good rotation plays.
    let v = status_on_air(port, "local/a");
    assert_eq!(v["configuration"]["running_on"], "last_good", "{v:#}");
    let errors = v["configuration"]["errors"].to_string();
    assert!(errors.contains("main - 副本.toml:4:10"), "{errors}");
    let (code, body) = http_get(port, "/healthz").unwrap();
    assert_eq!(code, 200, "degraded, not down");
    assert!(body.starts_with("degraded: running on the last good configuration") && body.contains("main - 副本.toml:4:10"), "{body}");
    let (code, err) = stop(child);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("main - 副本.toml:4:10") && err.contains("改用上次正确的配置"), "{err}");

    // The evidence says so, and the log still verifies (a run with --at is a rehearsal: its own log).
    let o = yiping(t.path(), &["log", "verify", "--dir", "state/rehearsal-evidence"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let log: String = std::fs::read_dir(t.path().join("state/rehearsal-evidence"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect();
    let rejected: Vec<&str> = log.lines().filter(|l| l.contains("\"kind\":\"config_rejected\"")).collect();
    assert_eq!(rejected.len(), 1, "{log}");
    assert!(rejected[0].contains("\"running_on\":\"last_good\"") && rejected[0].contains("main - 副本.toml:4:10"), "{}", rejected[0]);
}

#[test]
fn a_first_install_with_a_broken_playlist_shows_the_config_error_notice_not_black() {
    let t = tempfile::tempdir().unwrap();
    let port = free_port();
    clerk_setup(t.path(), port);
    std::fs::write(t.path().join("playlists/main.toml"), PLAYLIST.replace("\"static\"", "\"scroll\"")).unwrap();
    let child = spawn_run(t.path());
    let v = status_on_air(port, "notice");
    let on_air = &v["screens"][0]["on_air"];
    assert_eq!((on_air["content"].as_str(), on_air["slot"].as_str()), (Some("notice"), Some("配置有误")), "{v:#}");
    assert_eq!(v["configuration"]["running_on"], "fallback", "{v:#}");
    let (code, body) = http_get(port, "/healthz").unwrap();
    assert!(code == 200 && body.starts_with("degraded: ") && body.contains("配置有误"), "{code} {body}");
    assert!(v["configuration"]["errors"].to_string().contains("main.toml:4:10"), "{v:#}");
    // The clerk fixes the file: the daemon starts again on it by itself.
    std::fs::write(t.path().join("playlists/main.toml"), PLAYLIST).unwrap();
    until("the item after the fix", || {
        let (_, body) = http_get(port, "/status")?;
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        (v["screens"][0]["on_air"]["item"] == "local/a" && v["configuration"]["running_on"] == "disk").then_some(())
    });
    let (code, err) = stop(child);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("配置有误"), "{err}");
}

#[test]
fn a_dropped_comma_in_the_item_on_air_keeps_it_on_screen_and_a_revocation_still_withdraws_it() {
    let t = tempfile::tempdir().unwrap();
    let port = free_port();
    clerk_setup(t.path(), port);
    let child = spawn_run(t.path());
    status_on_air(port, "local/a");
    let good = item_json("a", "party", "党务公开", &["内容"]);
    std::fs::write(t.path().join("items/a.json"), good.replace("\"revision\": 1,", "\"revision\": 2")).unwrap();
    let v = until("the folder to report the broken file", || {
        let (_, body) = http_get(port, "/status")?;
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        (v["sources"]["local"]["ok"] == false).then_some(v)
    });
    let on_air = &v["screens"][0]["on_air"];
    assert_eq!((on_air["item"].as_str(), on_air["revision"].as_u64()), (Some("local/a"), Some(1)), "{v:#}");
    assert_eq!(v["items"]["showable"], 1, "{v:#}");
    let error = v["sources"]["local"]["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("a.json:1:") && error.contains("expected"), "{error}");
    // A valid revision that revokes it takes it off at once.
    let revoked = good.replace("\"revision\": 1", "\"revision\": 3").replace("approved", "revoked");
    std::fs::write(t.path().join("items/a.json"), revoked).unwrap();
    status_on_air(port, "idle");
    let (code, err) = stop(child);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("its last good revision (1) stays on screen"), "{err}");
}

#[test]
fn a_missing_scheduled_playlist_is_reported_at_its_own_line() {
    let t = tempfile::tempdir().unwrap();
    let cfg = write_config(t.path(), "name = \"门口\"\nwidth = 128\nheight = 32\nplaylists = [\"赶集\", \"夜间\"]", Some(PLAYLIST));
    std::fs::write(t.path().join("playlists/赶集.toml"), PLAYLIST).unwrap();
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let line = out.lines().find(|l| l.contains("“夜间”不存在")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("yiping.toml:14:20: 错误 error"), "{line}");
}

#[test]
fn a_select_that_matches_no_item_is_warned_about_with_the_near_match() {
    let t = tempfile::tempdir().unwrap();
    let playlist = "[[slot]]\nname = \"低保公示\"\nselect = { list = \"低宝\" }\n";
    let cfg = write_config(t.path(), "name = \"门口\"\nwidth = 128\nheight = 32", Some(playlist));
    let item = item_json("a", "village", "低保名单", &["内容"]).replace("\"category\"", "\"list\": \"低保\", \"category\"");
    std::fs::write(t.path().join("items/a.json"), item).unwrap();
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT]);
    let out = stdout(&o);
    assert!(out.contains("playlists/main.toml:3:19: 警告 warning: 时段“低保公示”选择的 list“低宝”没有任何条目，是不是“低保”？"), "{out}");
}

#[test]
fn a_screen_without_its_playlist_key_is_warned_about_when_the_folder_has_one() {
    let t = tempfile::tempdir().unwrap();
    let cfg = write_config(t.path(), "name = \"门口\"\nwidth = 128\nheight = 32", Some(PLAYLIST));
    // The clerk deletes the line `playlist = "main"` while editing.
    let text = std::fs::read_to_string(&cfg).unwrap().replace("playlist = \"main\"\n", "");
    std::fs::write(&cfg, text).unwrap();
    std::fs::write(t.path().join("items/a.json"), item_json("a", "party", "党务公开", &["内容"])).unwrap();
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "a warning, not an error: {out}");
    assert!(
        out.contains("yiping.toml:9:1: 警告 warning: 屏幕“门口”没有写 playlist，正在播放内置的默认列表；播放列表文件夹里有“main”，是不是漏写了 playlist = \"main\"？"),
        "{out}"
    );
    // With the key back, no warning.
    let o = yiping(
        t.path(),
        &[
            "check",
            "--config",
            write_config(t.path(), "name = \"门口\"\nwidth = 128\nheight = 32", Some(PLAYLIST)).to_str().unwrap(),
            "--at",
            DEMO_AT,
        ],
    );
    assert!(!stdout(&o).contains("没有写 playlist"), "{}", stdout(&o));
}
