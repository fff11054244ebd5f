//! The operator console in a real browser: headless Chromium driven through WebDriver
//! (chromedriver + fantoccini) at phone size, against a running daemon.
//!
//! Screenshots go to target/console-screenshots/ on every run; with
//! YIPING_UPDATE_SCREENSHOTS=1 they also replace the ones in docs/screenshots/ (look at
//! them before committing). Skips, loudly, only when chromium or chromedriver is missing.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::console::{PASSWORD, start};
use crate::support::root;

fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n))).find(|p| p.is_file())
}

/// chromedriver, ended by its process id when the test is done.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    let dir = root().join("target/console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), &png).unwrap();
    if std::env::var_os("YIPING_UPDATE_SCREENSHOTS").is_some() {
        let docs = root().join("docs/screenshots");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(docs.join(name), &png).unwrap();
    }
}

async fn css(c: &Client, sel: &str) -> fantoccini::elements::Element {
    match c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(sel)).await {
        Ok(e) => e,
        Err(e) => {
            shot(c, "failure.png").await;
            let body = c.find(Locator::Css("body")).await.unwrap().text().await.unwrap_or_default();
            panic!("{sel}: {e}; the page says:\n{body}\n(screenshot: target/console-screenshots/failure.png)")
        }
    }
}

async fn wait_text(c: &Client, sel: &str, want: &str) {
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css(sel)).await
            && e.text().await.unwrap_or_default().contains(want)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    shot(c, "failure.png").await;
    let body = c.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    panic!("no `{want}` in {sel}; the page says:\n{body}\n(screenshot: target/console-screenshots/failure.png)");
}

/// Scrolls an element to the middle of the screen (clear of the sticky save bar) and taps it.
async fn click(c: &Client, sel: &str) {
    let e = css(c, sel).await;
    c.execute("arguments[0].scrollIntoView({block: 'center'})", vec![serde_json::to_value(&e).unwrap()]).await.unwrap();
    e.click().await.unwrap_or_else(|err| panic!("{sel}: {err}"));
}

/// The page's script loaded and reported no error.
async fn script_ok(c: &Client) {
    let errors = c.execute("return window.yipingErrors", vec![]).await.unwrap();
    assert_eq!(errors, json!([]), "script errors (or app.js did not load) on {}", c.current_url().await.unwrap());
}

async fn type_into(c: &Client, sel: &str, text: &str) {
    let e = css(c, sel).await;
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

fn workbook(path: &Path) {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let money = Format::new().set_num_format("#,##0.00");
    for (j, h) in ["户主", "身份证号", "人数", "月保障金（元）"].iter().enumerate() {
        ws.write_string(0, j as u16, *h).unwrap();
    }
    let rows = [("张喆", "110105194912310021", 3.0, 1260.0), ("李堃", "11010519580304002X", 1.0, 680.0), ("王珺", "110105196507120014", 2.0, 980.5)];
    for (i, (n, id, k, amt)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, *n).unwrap();
        ws.write_string(r, 1, *id).unwrap();
        ws.write_number(r, 2, *k).unwrap();
        ws.write_number_with_format(r, 3, *amt, &money).unwrap();
    }
    wb.save(path).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_logs_in_adds_an_item_sees_it_and_edits_a_playlist_slot_in_a_real_browser() {
    let (Some(chromium), Some(chromedriver)) = (which(&["chromium", "chromium-browser", "google-chrome"]), which(&["chromedriver"])) else {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!! SKIPPED: the console browser test needs chromium and chromedriver\n!! (Debian: apt-get install chromium chromium-driver). CI installs them.\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        return;
    };
    let b = start("").await;
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .env("LANG", "zh_CN.UTF-8")
            .env("LANGUAGE", "zh_CN")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--lang=zh-CN", format!("--user-data-dir={}", profile.path().display())],
            "mobileEmulation": {"deviceMetrics": {"width": 412, "height": 915, "pixelRatio": 1.0, "touch": true},
                                "userAgent": "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"},
        }
    });
    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(caps.as_object().unwrap().clone());
    let c = builder.connect(&format!("http://127.0.0.1:{port}")).await.expect("a WebDriver session");
    let base = format!("http://{}", b.addr);

    // Log in.
    c.goto(&format!("{base}/items")).await.unwrap();
    css(&c, "#login").await;
    assert!(c.current_url().await.unwrap().as_str().ends_with("/login"), "a page without a session goes to the login");
    script_ok(&c).await;
    shot(&c, "console-login.png").await;
    type_into(&c, "input[name=user]", "张会计").await;
    type_into(&c, "input[name=password]", PASSWORD).await;
    click(&c, "#login button[type=submit]").await;
    css(&c, "img.frame.live").await;
    assert!(b.wait_on_air("local/old").await);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    script_ok(&c).await;
    shot(&c, "console-dashboard.png").await;

    // Create an item with the form.
    c.goto(&format!("{base}/items/edit?new=1")).await.unwrap();
    type_into(&c, "label[data-field=title] input", "十二月低保公示").await;
    type_into(&c, "label[data-field=id] input", "dibao-2026-12").await;
    css(&c, "label[data-field=status] select").await.select_by_value("approved").await.unwrap();
    type_into(&c, "label[data-field=approval] input", "村务监督委员会").await;
    type_into(&c, "fieldset[data-field=body] textarea", "经村民代表会议评议，以下家庭享受最低生活保障。监督电话 13812345678").await;
    css(&c, "img.frame[src^='blob:']").await;
    click(&c, "fieldset[data-field=table] button").await;
    type_into(&c, "fieldset[data-field=table] tbody tr td input", "张喆").await;
    // The live preview shows the draft with the phone number masked.
    css(&c, "img.frame[src^='blob:']").await;
    wait_text(&c, "#editor", "已脱敏").await;
    c.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    shot(&c, "console-item-form.png").await;
    let w = c.execute("return document.querySelector('img.frame').naturalWidth", vec![]).await.unwrap();
    assert_eq!(w, json!(384), "the 128x32 screen, enlarged");
    click(&c, ".sticky-save button.primary").await;
    wait_text(&c, "[role=status]", "已保存").await;
    let preview = css(&c, "img.frame").await;
    c.execute("arguments[0].scrollIntoView({block: 'start'})", vec![serde_json::to_value(&preview).unwrap()]).await.unwrap();
    script_ok(&c).await;
    shot(&c, "console-item.png").await;
    let saved = std::fs::read_to_string(b.items().join("dibao-2026-12.json")).expect("saved as <id>.json");
    assert!(saved.contains("村务监督委员会") && saved.contains("张喆"), "{saved}");
    assert!(b.wait_on_air("local/dibao-2026-12").await, "the saved item reaches the screen");

    // It is in the list.
    c.goto(&format!("{base}/items")).await.unwrap();
    wait_text(&c, "#list", "十二月低保公示").await;
    script_ok(&c).await;
    shot(&c, "console-items.png").await;

    // Excel import: a draft for review.
    // chromedriver refuses non-ASCII upload paths; the title comes from the file name.
    let upload = tempfile::tempdir().unwrap();
    let xlsx = upload.path().join("dibao-2026-12.xlsx");
    workbook(&xlsx);
    c.goto(&format!("{base}/import")).await.unwrap();
    css(&c, "input[type=file]").await.send_keys(xlsx.to_str().unwrap()).await.unwrap();
    click(&c, "#upload button").await;
    wait_text(&c, "#result", "1,260.00").await;
    script_ok(&c).await;
    shot(&c, "console-import.png").await;

    // Edit a playlist slot: the second slot's page time.
    c.goto(&format!("{base}/playlists/edit?name=main")).await.unwrap();
    let input = css(&c, "#editor fieldset:nth-of-type(2) input[data-key=page_seconds]").await;
    input.clear().await.unwrap();
    input.send_keys("8").await.unwrap();
    click(&c, ".sticky-save button.primary").await;
    wait_text(&c, "[role=status]", "已保存").await;
    let text = std::fs::read_to_string(b.dir.path().join("playlists/main.toml")).unwrap();
    assert!(text.contains("page_seconds = 8") && text.contains("name = \"村务\""), "{text}");
    click(&c, "section.card button").await;
    wait_text(&c, "#editor", "48 小时内开屏").await;
    script_ok(&c).await;
    let section = css(&c, "section.card").await;
    c.execute("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -60)", vec![serde_json::to_value(&section).unwrap()]).await.unwrap();
    shot(&c, "console-timeline.png").await;
    let slot = css(&c, "#editor fieldset:nth-of-type(2)").await;
    c.execute("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -70)", vec![serde_json::to_value(&slot).unwrap()]).await.unwrap();
    shot(&c, "console-playlist.png").await;

    // An admin sees the edits in the report page and manages accounts.
    click(&c, "#logout").await;
    css(&c, "#login").await;
    type_into(&c, "input[name=user]", "李主任").await;
    type_into(&c, "input[name=password]", PASSWORD).await;
    click(&c, "#login button[type=submit]").await;
    css(&c, "img.frame.live").await;
    c.goto(&format!("{base}/reports")).await.unwrap();
    let from = css(&c, "input[name=from]").await;
    c.execute(
        "arguments[0].value = '2026-11-01'; arguments[0].dispatchEvent(new Event('change', {bubbles: true}))",
        vec![serde_json::to_value(&from).unwrap()],
    )
    .await
    .unwrap();
    wait_text(&c, "#edits", "dibao-2026-12").await;
    script_ok(&c).await;
    shot(&c, "console-reports.png").await;
    c.goto(&format!("{base}/users")).await.unwrap();
    wait_text(&c, "#users", "王监督").await;
    script_ok(&c).await;
    shot(&c, "console-users.png").await;

    c.close().await.unwrap();
    b.stop().await;
}
