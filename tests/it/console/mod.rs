//! The operator console against a running daemon: a real HTTP client on 127.0.0.1, real
//! files, the real evidence log (and `yiping log verify` on it), a real Excel workbook.
//! This file holds the client and the daemon fixture; the tests are in `access` (accounts,
//! sessions, TLS, connections) and `edits` (items, playlists, previews, import, evidence).

mod access;
mod edits;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::console::accounts::{self, Account, Role};
use yiping::api::render::font::FontLibrary;

use crate::support::*;

pub const PASSWORD: &str = "青山村公开2026";

pub struct Reply {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
    }
}

/// A browser-less client: keeps the session cookie and the CSRF token from its login.
pub struct Client {
    pub addr: SocketAddr,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client { addr, cookie: None, csrf: None }
    }

    pub async fn send(&self, method: &str, path: &str, body: Vec<u8>, ctype: &str, extra: &[(&str, &str)]) -> Reply {
        let stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
        tokio::spawn(conn);
        let mut req = hyper::Request::builder().method(method).uri(path).header("host", self.addr.to_string());
        if !ctype.is_empty() {
            req = req.header("content-type", ctype);
        }
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let res = sender.send_request(req.body(http_body_util::Full::new(bytes::Bytes::from(body))).unwrap()).await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, Vec::new(), "", &[]).await
    }

    /// A state-changing request carrying the CSRF token.
    pub async fn change(&self, method: &str, path: &str, body: &str, ctype: &str) -> Reply {
        let csrf = self.csrf.clone().unwrap_or_default();
        self.send(method, path, body.as_bytes().to_vec(), ctype, &[("x-csrf-token", &csrf)]).await
    }

    pub async fn login(&mut self, user: &str, password: &str) -> Reply {
        let body = serde_json::json!({"user": user, "password": password}).to_string();
        let r = self.send("POST", "/api/login", body.into_bytes(), "application/json", &[]).await;
        if r.status == 200 {
            let set = r.header("set-cookie");
            self.cookie = Some(set.split(';').next().unwrap().to_string());
            self.csrf = r.json()["csrf"].as_str().map(str::to_string);
        }
        r
    }
}

pub struct Box_ {
    pub dir: tempfile::TempDir,
    pub running: yiping::api::daemon::Running,
    pub cancel: CancellationToken,
    pub addr: SocketAddr,
}

impl Box_ {
    pub fn items(&self) -> PathBuf {
        self.dir.path().join("items")
    }
    pub fn listing(&self, dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }
    /// Stops the daemon; the folder stays until the returned handle is dropped.
    pub async fn stop(self) -> tempfile::TempDir {
        self.cancel.cancel();
        self.running.wait().await;
        self.dir
    }
    /// Waits until a screen shows the item with this key (the daemon picks files up within a poll).
    pub async fn wait_on_air(&self, key: &str) -> bool {
        let rx = self.running.screens[0].1.clone();
        for _ in 0..200 {
            if rx.borrow().caption.contains(key) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

pub const PLAYLIST: &str = "[[slot]]\nname = \"党务\"\nselect = { category = \"party\" }\n\n[[slot]]\nname = \"村务\"\nselect = { category = \"village\" }\npage_seconds = 4\n";

/// A daemon with a 128x32 screen, a `main` playlist, an items folder and the console on 127.0.0.1:0,
/// with accounts 张会计 (clerk), 李主任 (admin) and 王监督 (viewer).
pub async fn start(extra: &str) -> Box_ {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "name = \"门口\"\nwidth = 128\nheight = 32\nfps = 10", Some(PLAYLIST));
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("\n[console]\nlisten = \"127.0.0.1:0\"\n");
    text.push_str(extra);
    std::fs::write(&cfg, text).unwrap();
    std::fs::write(dir.path().join("items/old.json"), item_json("old", "party", "党务公开", &["内容"])).unwrap();
    let (c, diags) = Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{diags:#?}"));
    let users = c.console.as_ref().unwrap().users_file.clone();
    std::fs::create_dir_all(users.parent().unwrap()).unwrap();
    let hash = accounts::hash_password(PASSWORD).unwrap();
    let acct = |n: &str, role| Account { name: n.into(), role, hash: hash.clone() };
    accounts::save(&users, &[acct("张会计", Role::Clerk), acct("李主任", Role::Admin), acct("王监督", Role::Viewer)]).unwrap();
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    let addr = running.console_addr.expect("console listening");
    let b = Box_ { dir, running, cancel, addr };
    assert!(b.wait_on_air("local/old").await, "the first item reaches the screen");
    b
}

pub fn item(id: &str, title: &str, by: Option<&str>) -> String {
    let approval = by.map_or(String::new(), |b| format!(r#""approval": {{"by": "{b}", "at": "2026-11-30T10:00:00+08:00"}},"#));
    let status = if by.is_some() { "approved" } else { "pending" };
    format!(
        "{{\n  \"id\": \"{id}\",\n  \"revision\": 1,\n  \"category\": \"village\",\n  \"title\": \"{title}\",\n  \"body\": [\"第一段\"],\n  \"status\": \"{status}\",\n  {approval}\n  \"display\": {{\"from\": \"2026-11-01T00:00:00+08:00\", \"until\": \"2027-01-01T00:00:00+08:00\"}}\n}}\n"
    )
}

pub fn kinds(dir: &Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let v = yiping::api::evidence::verify::read(dir, |r| out.push(serde_json::to_value(r).unwrap())).unwrap();
    assert!(v.problem.is_none(), "{:?}", v.problem);
    out
}

/// Waits for the evidence writer to have written records of this kind.
pub async fn records(b: &Box_, kind: &str, n: usize) -> Vec<serde_json::Value> {
    let dir = b.dir.path().join("state/evidence");
    for _ in 0..100 {
        let found: Vec<_> = kinds(&dir).into_iter().filter(|r| r["kind"] == kind).collect();
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {n} `{kind}` record(s) in {}", dir.display());
}
