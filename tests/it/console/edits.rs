//! Console edits: items and playlists saved only when valid, previews, timelines, the Excel import,
//! feed items read-only, and the evidence they leave.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::console::accounts::{self, Account, Role};
use yiping::api::render::font::FontLibrary;

use super::*;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_item_reaches_the_screen_and_an_invalid_one_is_never_written() {
    let b = start("").await;
    let mut c = Client::new(b.addr);
    c.login("张会计", PASSWORD).await;

    // Broken JSON: 422 with the position in the editor's text, Chinese first, nothing written.
    let before = b.listing(&b.items());
    let broken = item("dibao", "低保名单", Some("村务监督委员会")).replace("\"第一段\"]", "\"第一段\"");
    let r = c.change("PUT", "/api/items/dibao", &broken, "application/json").await;
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    let d = &r.json()["diagnostics"][0];
    assert_eq!((d["line"].as_u64(), d["severity"].as_str()), (Some(7), Some("error")), "{d}");
    assert!(r.json()["error"]["zh"].as_str().unwrap().starts_with("有错误，未保存"));
    // Approved without saying by whom: refused at the approval.
    let nobody = item("dibao", "低保名单", Some(" "));
    let r = c.change("PUT", "/api/items/dibao", &nobody, "application/json").await;
    assert_eq!(r.status, 422);
    assert!(r.json()["diagnostics"][0]["zh"].as_str().unwrap().contains("审核人"), "{}", r.json());
    assert_eq!(r.json()["diagnostics"][0]["key"], "approval");
    // An id that could leave the folder never becomes a path.
    let r = c.change("PUT", "/api/items/..%2F..%2Fetc", &item("x", "t", None), "application/json").await;
    assert!(r.status == 400 || r.status == 404, "{}", r.status);
    assert_eq!(b.listing(&b.items()), before, "nothing written");

    // A valid approved item: written as <id>.json and on screen.
    let good = item("dibao", "十二月低保名单", Some("村务监督委员会"));
    let r = c.change("PUT", "/api/items/local/dibao", &good, "application/json").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let saved = std::fs::read_to_string(b.items().join("dibao.json")).unwrap();
    assert!(saved.contains("十二月低保名单"));
    assert!(b.wait_on_air("local/dibao").await, "the saved item reaches the screen");
    let listed = c.get("/api/items").await.json();
    let row = listed["items"].as_array().unwrap().iter().find(|i| i["key"] == "local/dibao").unwrap().clone();
    assert_eq!((row["showable"].as_bool(), row["editable"].as_bool()), (Some(true), Some(true)));
    assert_eq!(row["screens"], serde_json::json!(["门口"]));

    // Editing it again bumps the revision; a stale If-Match is refused.
    let etag = r.json()["etag"].as_str().unwrap().to_string();
    let r2 = c
        .send(
            "PUT",
            "/api/items/dibao",
            good.replace("十二月", "12月").into_bytes(),
            "application/json",
            &[("x-csrf-token", c.csrf.as_deref().unwrap()), ("if-match", &etag)],
        )
        .await;
    assert_eq!((r2.status, r2.json()["revision"].as_u64()), (200, Some(2)));
    let stale = c
        .send(
            "PUT",
            "/api/items/dibao",
            good.clone().into_bytes(),
            "application/json",
            &[("x-csrf-token", c.csrf.as_deref().unwrap()), ("if-match", &etag)],
        )
        .await;
    assert_eq!(stale.status, 412);

    // The edit records name the clerk and, beside it, who approved; the log verifies.
    let edits = records(&b, "edit", 2).await;
    let e = &edits[0];
    assert_eq!((e["user"].as_str(), e["what"].as_str(), e["name"].as_str()), (Some("张会计"), Some("item"), Some("local/dibao")));
    assert_eq!((e["status"].as_str(), e["approval_by"].as_str()), (Some("approved"), Some("村务监督委员会")));
    assert!(e.get("old_sha256").is_none() && e["new_sha256"].as_str().unwrap().len() == 64, "created: {e}");
    assert_eq!(edits[1]["old_sha256"], e["new_sha256"]);

    // Deleting withdraws it.
    let del = c.change("DELETE", "/api/items/dibao", "", "").await;
    assert_eq!(del.status, 200);
    assert!(!b.items().join("dibao.json").exists());
    let dir = b.dir.path().join("state/evidence");
    let _keep = b.stop().await;
    let out = yiping(&dir, &["log", "verify", "--dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_playlist_is_refused_and_the_file_stays_as_it_was() {
    let b = start("").await;
    let mut c = Client::new(b.addr);
    c.login("张会计", PASSWORD).await;
    let path = b.dir.path().join("playlists/main.toml");
    let before = std::fs::read(&path).unwrap();
    let got = c.get("/api/playlists/main").await.json();
    assert_eq!(got["text"], PLAYLIST);
    assert_eq!(got["doc"]["slot"][1]["page_seconds"], 4);

    let broken = PLAYLIST.replace("page_seconds = 4", "effect = \"fade\"\npage_seconds = 4");
    let r = c.change("PUT", "/api/playlists/main", &broken, "text/plain").await;
    assert_eq!(r.status, 422, "{}", String::from_utf8_lossy(&r.body));
    let d = &r.json()["diagnostics"][0];
    assert_eq!((d["line"].as_u64(), d["col"].as_u64(), d["file"].as_str()), (Some(8), Some(10), Some("main.toml")), "{d}");
    assert!(d["zh"].as_str().unwrap().contains("effect"), "{d}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file on disk is untouched");

    // A playlist that parses but breaks the configuration (a screen's scheduled playlist
    // renamed away) is refused as check refuses it.
    let renamed = format!("name = \"other\"\n{PLAYLIST}");
    let r = c.change("PUT", "/api/playlists/main", &renamed, "text/plain").await;
    assert_eq!(r.status, 422);
    assert!(r.json()["diagnostics"].as_array().unwrap().iter().any(|d| d["en"].as_str().unwrap().contains("main.toml")), "{}", r.json());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(c.change("PUT", "/api/playlists/default", PLAYLIST, "text/plain").await.status, 403);
    assert_eq!(c.change("PUT", "/api/playlists/..%2Fyiping", PLAYLIST, "text/plain").await.status, 400);

    // A good edit is written and picked up by hot reload.
    let good = PLAYLIST.replace("page_seconds = 4", "page_seconds = 5");
    let r = c.change("PUT", "/api/playlists/main", &good, "text/plain").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), good);
    let mut reload = b.running.reload.clone();
    let seen = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            if reload.borrow().attempts > 0 {
                return reload.borrow().ok;
            }
            reload.changed().await.unwrap();
        }
    })
    .await;
    assert_eq!(seen, Ok(true), "hot reload took the saved playlist");
    let e = records(&b, "edit", 1).await;
    assert_eq!((e[0]["what"].as_str(), e[0]["name"].as_str()), (Some("playlist"), Some("main")));
    b.stop().await;
}

fn png_size(b: &[u8]) -> (u32, u32) {
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n");
    (u32::from_be_bytes(b[16..20].try_into().unwrap()), u32::from_be_bytes(b[20..24].try_into().unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn previews_and_timelines_of_saved_and_edited_versions() {
    let b = start("").await;
    let mut c = Client::new(b.addr);
    c.login("张会计", PASSWORD).await;
    let r = c.get("/api/preview/%E9%97%A8%E5%8F%A3.png?at=2026-12-01T09:00").await;
    assert_eq!((r.status, r.header("content-type").as_str()), (200, "image/png"));
    assert_eq!(png_size(&r.body), (384, 96), "128x32 enlarged 3 times for a phone");
    let live = c.get("/api/frame/%E9%97%A8%E5%8F%A3.png?scale=1").await;
    assert_eq!(png_size(&live.body), (128, 32));

    // A draft item, masked as the screen would show it.
    let draft = item("draft", "低保名单", None).replace("\"第一段\"", "\"张三 110105194912310021 1,260.00\"");
    let r = c.change("POST", "/api/preview/%E9%97%A8%E5%8F%A3/item.png?page=0", &draft, "application/json").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("x-yiping-masked"), "1");
    assert!(r.header("x-yiping-pages").parse::<u32>().unwrap() >= 1);
    let bad = c.change("POST", "/api/preview/%E9%97%A8%E5%8F%A3/item.png", "{\"id\": 1}", "application/json").await;
    assert_eq!(bad.status, 422);

    // The timeline of the saved playlist, and of an edited one (not saved).
    let t = c.get("/api/schedule/%E9%97%A8%E5%8F%A3?from=2026-12-01T09:00&hours=2").await.json();
    assert!(t["segments"].as_array().unwrap().iter().any(|s| s["key"] == "local/old" && s["slot"] == "党务"), "{t}");
    let edited = PLAYLIST.replace("name = \"党务\"", "name = \"党务公开\"");
    let r = c.change("POST", "/api/schedule/%E9%97%A8%E5%8F%A3?playlist=main&from=2026-12-01T09:00&hours=1", &edited, "text/plain").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.json()["segments"].as_array().unwrap().iter().any(|s| s["slot"] == "党务公开"));
    let r = c.change("POST", "/api/preview/%E9%97%A8%E5%8F%A3.png?playlist=main", "[[slot]]\nselect = 1\n", "text/plain").await;
    assert_eq!(r.status, 422);
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_excel_sheet_becomes_a_draft_that_keeps_displayed_numbers() {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let money = Format::new().set_num_format("#,##0.00");
    for (j, h) in ["姓名", "身份证号", "人数", "金额（元）"].iter().enumerate() {
        ws.write_string(0, j as u16, *h).unwrap();
    }
    let rows = [("张三", "110105194912310021", 3.0, 1260.0), ("李四", "11010519491231002X", 1.0, 980.5)];
    for (i, (n, id, k, amt)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, *n).unwrap();
        ws.write_string(r, 1, *id).unwrap();
        ws.write_number(r, 2, *k).unwrap();
        ws.write_number_with_format(r, 3, *amt, &money).unwrap();
    }
    ws.write_number(3, 0, 110105194912310021.0).unwrap();
    let bytes = wb.save_to_buffer().unwrap();

    let b = start("").await;
    let mut c = Client::new(b.addr);
    c.login("张会计", PASSWORD).await;
    let boundary = "----yipingTestBoundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"2026年12月低保名单.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let before = b.listing(&b.items());
    let csrf = c.csrf.clone().unwrap();
    let r = c.send("POST", "/api/import/xlsx", body, &format!("multipart/form-data; boundary={boundary}"), &[("x-csrf-token", &csrf)]).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    let t = &j["item"]["table"];
    assert_eq!(t["columns"], serde_json::json!(["姓名", "身份证号", "人数", "金额（元）"]));
    assert_eq!(t["rows"][0], serde_json::json!(["张三", "110105194912310021", "3", "1,260.00"]));
    assert_eq!(t["rows"][1][3], "980.50");
    assert_eq!(t["align"][3], "right");
    assert_eq!(
        (j["item"]["title"].as_str(), j["item"]["list"].as_str(), j["item"]["status"].as_str()),
        (Some("2026年12月低保名单"), Some("低保"), Some("pending"))
    );
    assert!(j["warnings"].as_array().unwrap().iter().any(|w| w["zh"].as_str().unwrap().contains("15 位有效数字")), "{j}");
    assert_eq!(b.listing(&b.items()), before, "a draft is returned, not saved");

    // The draft saves as an item once reviewed.
    let mut draft = j["item"].clone();
    draft["id"] = "dibao-2026-12".into();
    let r = c.change("PUT", "/api/items/dibao-2026-12", &serde_json::to_string_pretty(&draft).unwrap(), "application/json").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let garbage = c
        .send(
            "POST",
            "/api/import/xlsx",
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.xls\"\r\n\r\nnot a workbook\r\n--{boundary}--\r\n")
                .into_bytes(),
            &format!("multipart/form-data; boundary={boundary}"),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(garbage.status, 422);
    assert!(garbage.json()["error"]["zh"].as_str().unwrap().contains("另存为 .xlsx"));
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_of_the_signed_district_feed_are_read_only_and_cannot_be_shadowed() {
    use crate::feed_server::{Server, Signer, feed, item as feed_item, write_http_config};
    let server = Server::start().await;
    let body = feed(1, "2026-11-30T08:00:00+08:00", &[feed_item("a", "平台条目", "approved")]);
    server.publish(&body, &Signer::new("test").sign(body.as_bytes()));
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("items")).unwrap();
    std::fs::create_dir_all(dir.path().join("state")).unwrap();
    let extra = "\n[[sources]]\ntype = \"folder\"\nname = \"local\"\npath = \"items\"\n\n[console]\nlisten = \"127.0.0.1:0\"\n";
    let (c, diags) = Config::load(&write_http_config(dir.path(), &server.url(), extra));
    let c = c.unwrap_or_else(|| panic!("{diags:#?}"));
    accounts::save(
        &c.console.as_ref().unwrap().users_file,
        &[Account { name: "张会计".into(), role: Role::Clerk, hash: accounts::hash_password(PASSWORD).unwrap() }],
    )
    .unwrap();
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    for _ in 0..100 {
        if !running.catalog.borrow().entries().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut cl = Client::new(running.console_addr.unwrap());
    cl.login("张会计", PASSWORD).await;
    let got = cl.get("/api/items/district/a").await.json();
    assert_eq!((got["editable"].as_bool(), got["item"]["title"].as_str()), (Some(false), Some("平台条目")), "{got}");
    let r = cl.change("PUT", "/api/items/district/a", &item("a", "改过的", None), "application/json").await;
    assert_eq!(r.status, 403);
    assert!(r.json()["error"]["zh"].as_str().unwrap().contains("只能查看"));
    assert_eq!(cl.change("DELETE", "/api/items/district/a", "", "").await.status, 403);
    let shadow = cl.change("PUT", "/api/items/local/a", &item("a", "本地同名", Some("村委会")), "application/json").await;
    assert_eq!(shadow.status, 409, "{}", String::from_utf8_lossy(&shadow.body));
    assert!(std::fs::read_dir(dir.path().join("items")).unwrap().next().is_none(), "nothing written");
    let list = cl.get("/api/items").await.json();
    assert_eq!(list["items"][0]["editable"], false);
    let page = String::from_utf8(cl.get("/items").await.body).unwrap();
    assert!(page.contains("区县平台（district），只读"), "the list says so");
    cancel.cancel();
    running.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_written_before_the_console_verifies_and_so_does_its_chain_continued_with_edit_records() {
    use yiping::api::evidence::{Edit, Event, LogConfig, Recorder};
    let d = tempfile::tempdir().unwrap();
    let fixture = root().join("tests/data/console/pre-console-log/2026-12-01-000.jsonl");
    std::fs::copy(&fixture, d.path().join("2026-12-01-000.jsonl")).unwrap();
    let out = yiping(d.path(), &["log", "verify", "--dir", d.path().to_str().unwrap()]);
    assert!(out.status.success(), "the old log verifies: {}{}", stdout(&out), stderr(&out));

    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let cfg = LogConfig { dir: d.path().to_path_buf(), rotate_bytes: 1 << 20, time_zone: tz };
    let start = Event::Start {
        version: "test".into(),
        config: "yiping.toml".into(),
        time_zone: "Asia/Shanghai".into(),
        screens: vec!["门口".into()],
        village: None,
        hours: None,
    };
    let (rec, writer) = Recorder::start(&cfg, Clock::starting_at("2026-12-01T01:10:00Z".parse().unwrap()), start).unwrap();
    rec.now(Event::Login { user: "张会计".into(), address: "192.0.2.7".into() });
    rec.now(Event::Edit(Box::new(Edit {
        user: "张会计".into(),
        role: "clerk".into(),
        address: "192.0.2.7".into(),
        what: "item".into(),
        name: "local/dibao".into(),
        file: Some("items/dibao.json".into()),
        old_sha256: None,
        new_sha256: Some("ab".repeat(32)),
        status: Some("approved".into()),
        approval_by: Some("村务监督委员会".into()),
        revision: Some(1),
    })));
    rec.stop();
    writer.join().unwrap();
    let out = yiping(d.path(), &["log", "verify", "--dir", d.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = std::fs::read_to_string(d.path().join("2026-12-01-000.jsonl")).unwrap();
    assert!(text.starts_with(&std::fs::read_to_string(&fixture).unwrap()), "the old records are kept as they were");
    assert!(text.contains("\"kind\":\"edit\"") && text.contains("\"approval_by\":\"村务监督委员会\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_playlist_broken_by_hand_shows_on_the_dashboard_while_the_old_one_plays() {
    let b = start("").await;
    let mut c = Client::new(b.addr);
    c.login("王监督", PASSWORD).await;
    std::fs::write(b.dir.path().join("playlists/main.toml"), "[[slot]]\nselect = { category = \"money\" }\n").unwrap();
    let mut reload = b.running.reload.clone();
    let refused = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            if reload.borrow().attempts > 0 {
                return !reload.borrow().ok;
            }
            reload.changed().await.unwrap();
        }
    })
    .await;
    assert_eq!(refused, Ok(true));
    let page = String::from_utf8(c.get("/").await.body).unwrap();
    assert!(page.contains("没有生效") && page.contains("main.toml:2:23"), "{page}");
    b.stop().await;
}
