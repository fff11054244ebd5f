//! Running as a service: `--version` for packagers, readiness and watchdog over a real unix
//! datagram socket, as systemd provides it with Type=notify and WatchdogSec=.

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{DEMO_AT, item_json, root, write_config};

/// Reads datagrams until `want` arrives; the socket timeout only bounds a broken run.
fn wait_for(sock: &UnixDatagram, want: &str, seen: &mut Vec<String>) {
    let mut buf = [0u8; 512];
    loop {
        let n = sock.recv(&mut buf).unwrap_or_else(|e| panic!("no {want} from yiping (got {seen:?}): {e}"));
        let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
        let hit = msg.lines().any(|l| l == want);
        seen.push(msg);
        if hit {
            return;
        }
    }
}

#[test]
fn run_tells_systemd_it_is_ready_then_pings_the_watchdog_then_says_it_stops() {
    let t = tempfile::tempdir().unwrap();
    let png = t.path().join("square.png");
    let screen = format!("name = \"square\"\nwidth = 128\nheight = 32\nfps = 10\n[[screens.sinks]]\ntype = \"png\"\npath = \"{}\"\n", png.display());
    let cfg = write_config(t.path(), &screen, None);
    std::fs::write(t.path().join("items/a.json"), item_json("a", "notice", "停水通知", &["明天停水"])).unwrap();
    let sock_path = t.path().join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(60))).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_yiping"))
        .args(["run", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT])
        .env("YIPING_FONTS", root().join("fonts"))
        .env("NOTIFY_SOCKET", &sock_path)
        .env("WATCHDOG_USEC", "200000")
        .env_remove("WATCHDOG_PID")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    wait_for(&sock, "READY=1", &mut seen);
    assert_eq!(seen.len(), 1, "READY=1 is the first message: {seen:?}");
    wait_for(&sock, "WATCHDOG=1", &mut seen);
    wait_for(&sock, "WATCHDOG=1", &mut seen);

    // SAFETY: sending SIGTERM to the child we spawned.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    wait_for(&sock, "STOPPING=1", &mut seen);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(png.is_file(), "the screen's frame was written");
}

#[test]
fn version_names_the_release_and_the_commit() {
    let t = tempfile::tempdir().unwrap();
    let o = crate::support::yiping(t.path(), &["--version"]);
    let out = crate::support::stdout(&o);
    let rest = out.trim().strip_prefix(concat!("yiping ", env!("CARGO_PKG_VERSION"), " (commit ")).unwrap_or_else(|| panic!("{out}"));
    let commit = rest.strip_suffix(')').unwrap();
    // A git checkout gives the abbreviated hash; a tarball without .git says "unknown".
    assert!(commit == "unknown" || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())), "{out}");
}

/// The ready-made playlists a clerk starts from (playlists/) and the HDMI example that
/// plays all of them: `check` is clean on them with the demo items, every playlist in the
/// folder is used by the example (so none goes unchecked), and each explains itself in Chinese.
#[test]
fn the_ready_made_playlists_and_the_hdmi_example_check_clean() {
    let root = root();
    let example = "deploy/examples/hdmi-1920x1080-fbdev.toml";
    let out = crate::support::yiping(&root, &["check", "--config", example, "--at", DEMO_AT]);
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("0 个错误 error(s), 0 个警告 warning(s)"), "{text}");
    let cfg = std::fs::read_to_string(root.join(example)).unwrap();
    let mut names = Vec::new();
    for e in std::fs::read_dir(root.join("playlists")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        assert!(cfg.contains(&format!("\"{name}\"")), "{example} does not use playlists/{name}.toml, so check never reads it");
        let src = std::fs::read_to_string(&p).unwrap();
        let first = src.lines().next().unwrap_or("");
        assert!(first.starts_with("# ") && first.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{name}: no Chinese heading comment");
        names.push(name);
    }
    names.sort();
    assert_eq!(names, ["market-day", "quiet-hours", "standard", "urgent-template"]);
}
