//! The district's commands against a real Mosquitto and a box's fleet link: `yiping fleet` (the
//! table), `fleet send` with a key made by the minisign CLI, `fleet collect` whose archive passes
//! `log verify` and `report`, and `log verify --anchors` failing on a box log cut back.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::Ordering;

use yiping::api::clock::Clock;

use crate::fleet::start_box_at;
use crate::mqtt::*;
use crate::support::*;

/// Runs the binary off the async runtime.
async fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let (dir, args): (std::path::PathBuf, Vec<String>) = (dir.to_path_buf(), args.iter().map(|s| s.to_string()).collect());
    tokio::task::spawn_blocking(move || yiping(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap()
}

/// A district key pair: made by the minisign CLI when installed (as a technician would), else by the crate.
fn district_key(dir: &Path) -> String {
    let (pk, sk) = (dir.join("district.pub"), dir.join("district.key"));
    let cli = Command::new("minisign").args(["-G", "-W", "-p"]).arg(&pk).arg("-s").arg(&sk).output();
    if !cli.is_ok_and(|o| o.status.success()) {
        eprintln!("!! minisign CLI not installed: the district key is made by the minisign crate instead");
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        std::fs::write(&pk, kp.pk.to_box().unwrap().into_string()).unwrap();
        std::fs::write(&sk, kp.sk.to_box(None).unwrap().into_string()).unwrap();
    }
    yiping::api::sources::http::verify::key_line(&std::fs::read_to_string(&pk).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_district_sees_every_site_commands_it_and_archives_evidence_that_reports_and_anchors() {
    let Some(bin) = skip_without_mosquitto() else { return };
    let broker = Broker::start(&bin);
    let url = broker.url();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let key = district_key(w);
    // The district's collector session exists before the box reports (the broker queues records for it).
    let o = run(w, &["fleet", "collect", "--broker", &url, "--out", "archive", "--client-id", "district-test", "--exit-when-idle", "1"]).await;
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // The system clock: `fleet send` dates its commands with it.
    let b = start_box_at(&url, vec![key], Clock::System).await;
    let today = Clock::System.now().to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap()).date().to_string();
    let sub = Sub::start(broker.port, "watch", &["yiping/qingshan/status"], false);
    assert!(sub.wait(20, |m| m.iter().any(|m| String::from_utf8_lossy(&m.payload).contains("local/a"))).await, "box reporting");

    // The table.
    let o = run(w, &["fleet", "--broker", &url, "--listen-seconds", "2"]).await;
    let table = stdout(&o);
    let row = table.lines().find(|l| l.starts_with("qingshan")).unwrap_or_else(|| panic!("{table}{}", stderr(&o)));
    assert!(row.contains("在线 yes") && row.contains("门口:local/a") && row.contains("100%"), "{table}");
    assert_eq!(o.status.code(), Some(0), "{table}");

    // A signed command, with a key made by the minisign CLI.
    let o = run(w, &["fleet", "send", "--broker", &url, "--site", "qingshan", "--key", "district.key", "refresh"]).await;
    assert!(stdout(&o).contains("qingshan: 完成 ok"), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(b.actions.refreshes.load(Ordering::SeqCst), 1);
    let o =
        run(w, &["fleet", "send", "--broker", &url, "--site", "all", "--key", "district.key", "--wait-seconds", "3", "screenshot", "--out", "shots"])
            .await;
    assert!(stdout(&o).contains("qingshan: 截图 screenshot of 门口"), "{}{}", stdout(&o), stderr(&o));
    let png = yiping::api::sinks::png::decode(&std::fs::read(w.join("shots/qingshan-门口.png")).unwrap()).unwrap();
    assert_eq!((png.width(), png.height()), (128, 32));

    // The archive: every record and head, then verified and reported like the box's own log.
    let o = run(w, &["fleet", "collect", "--broker", &url, "--out", "archive", "--client-id", "district-test", "--exit-when-idle", "3"]).await;
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("qingshan: 新归档"), "{}", stdout(&o));
    let archived = w.join("archive/qingshan");
    let o = run(w, &["log", "verify", "--dir", archived.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = run(w, &["report", "--dir", archived.to_str().unwrap(), "--from", &today, "--to", &today, "--format", "json"]).await;
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let rep: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(rep["log"]["verified"], true);
    assert!(rep["items"].as_array().unwrap().iter().any(|i| i["item"] == "local/a"), "{rep:#}");

    // Anchors: the district's heads against the box's log, whole and then cut back.
    let log_dir = b.log_dir.clone();
    let keep = b.stop().await;
    // The stop published a final head; collect it too.
    run(w, &["fleet", "collect", "--broker", &url, "--out", "archive", "--client-id", "district-test", "--exit-when-idle", "2"]).await;
    let anchors = archived.join("heads.jsonl");
    assert!(std::fs::read_to_string(&anchors).unwrap().lines().count() >= 1);
    let o = run(w, &["log", "verify", "--dir", log_dir.to_str().unwrap(), "--anchors", anchors.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("全部相符"), "{}", stdout(&o));
    // Someone cuts the newest records off the box's log: the chain alone still verifies...
    let files = yiping::api::evidence::files::list(&log_dir).unwrap();
    let last = &files.last().unwrap().1;
    let text = std::fs::read_to_string(last).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(last, lines[..lines.len() - 3].iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let o = run(w, &["log", "verify", "--dir", log_dir.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(0), "a cut-back chain verifies on its own: {}", stdout(&o));
    // ...but not against the district's heads.
    let o = run(w, &["log", "verify", "--dir", log_dir.to_str().unwrap(), "--anchors", anchors.to_str().unwrap()]).await;
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("heads.jsonl:") && out.contains("日志中没有锚点记录") && out.contains("cut back behind this anchor"), "{out}");
    drop(keep);
}
