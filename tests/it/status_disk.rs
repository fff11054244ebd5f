//! `/healthz` on a full disk (issue 13): the evidence log's directory is a real 64 KiB
//! tmpfs (the tests run as root in CI), filled until the kernel says ENOSPC.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::render::font::FontLibrary;

use crate::status::{config, get};
use crate::support::*;

/// Mounts a small tmpfs at `dir`; `None` (skipped outside CI) when this user cannot mount.
fn small_tmpfs(dir: &std::path::Path) -> Option<Tmpfs> {
    std::fs::create_dir_all(dir).unwrap();
    let ok = std::process::Command::new("mount").args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"]).arg(dir).status().is_ok_and(|s| s.success());
    if !ok {
        assert!(std::env::var_os("YIPING_CI").is_none(), "CI runs as root and must be able to mount a tmpfs");
        eprintln!("skipped: cannot mount a tmpfs here (not root?)");
        return None;
    }
    Some(Tmpfs(dir.to_path_buf()))
}

struct Tmpfs(std::path::PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// Fills the file system holding `dir` until a write fails with ENOSPC.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("filler");
    let mut f = std::fs::File::create(&p).unwrap();
    let chunk = vec![0u8; 4096];
    loop {
        match f.write_all(&chunk) {
            Ok(()) => {}
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(28), "ENOSPC expected: {e}");
                break;
            }
        }
    }
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_says_evidence_is_not_being_written_when_the_disk_is_full() {
    let d = tempfile::tempdir().unwrap();
    let Some(_mount) = small_tmpfs(&d.path().join("state/evidence")) else { return };
    let (c, diags) = config(d.path(), "\n[status]\nlisten = \"127.0.0.1:0\"\n");
    let c = c.unwrap_or_else(|| panic!("{diags:#?}"));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    let addr = running.status_addr.unwrap();
    let healthz = move || async move { get(addr, "/healthz", None).await };
    let waited = |what: &str, start: Instant| assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
    let start = Instant::now();
    while healthz().await.status != 200 {
        waited("a healthy start", start);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let filler = fill(&d.path().join("state/evidence"));
    // New items make records (item, play): the first of them to be written fails.
    for n in 0..3 {
        std::fs::write(d.path().join(format!("items/n{n}.json")), item_json(&format!("n{n}"), "party", "新公告", &["内容"])).unwrap();
    }
    let start = Instant::now();
    let first_failure = loop {
        waited("a failed write", start);
        let j: serde_json::Value = serde_json::from_slice(&get(addr, "/status", None).await.body).unwrap();
        if j["evidence"]["write_errors"].as_u64().unwrap_or(0) >= 1 {
            break Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let r = loop {
        let r = healthz().await;
        if r.status == 503 {
            break r;
        }
        waited("/healthz to notice", first_failure);
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    eprintln!("healthz unhealthy {} ms after the first failed write was counted", first_failure.elapsed().as_millis());
    let body = String::from_utf8_lossy(&r.body);
    assert!(body.contains("证据日志无法写入") && body.contains("evidence not being written"), "{body}");
    // Space again: the records kept in memory are written and health comes back.
    std::fs::remove_file(filler).unwrap();
    let start = Instant::now();
    while healthz().await.status != 200 {
        waited("health after space returned", start);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cancel.cancel();
    running.wait().await;
}
