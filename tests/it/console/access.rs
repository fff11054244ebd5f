//! Console access: logins, sessions, CSRF, roles, the throttle, accounts, TLS and connection limits.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_sessions_csrf_roles_and_the_throttle() {
    let b = start("").await;
    let mut c = Client::new(b.addr);
    // Nothing without a session.
    assert_eq!(c.get("/api/items").await.status, 401);
    let page = c.get("/items").await;
    assert_eq!((page.status, page.header("location").as_str()), (303, "/login"));
    assert_eq!(c.get("/login").await.status, 200);

    let bad = c.login("张会计", "wrong password").await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.json()["error"]["zh"], "用户名或密码错误");
    let unknown = c.login("nobody", "wrong password").await;
    assert_eq!(unknown.json(), bad.json(), "an unknown name gets the same answer");

    let r = c.login("张会计", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!((r.json()["user"].as_str(), r.json()["role"].as_str()), (Some("张会计"), Some("clerk")));
    let cookie = r.header("set-cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"), "{cookie}");
    assert!(r.header("content-security-policy").contains("script-src 'self'"));

    // A change without the CSRF token is refused and writes nothing.
    let before = b.listing(&b.items());
    let no_csrf = c.send("PUT", "/api/items/x", item("x", "标题", Some("村委会")).into_bytes(), "application/json", &[]).await;
    assert_eq!(no_csrf.status, 403);
    let wrong = c.send("PUT", "/api/items/x", item("x", "标题", Some("村委会")).into_bytes(), "application/json", &[("x-csrf-token", "0000")]).await;
    assert_eq!(wrong.status, 403);
    assert!(wrong.json()["error"]["zh"].as_str().unwrap().contains("CSRF"));
    assert_eq!(b.listing(&b.items()), before);
    // A browser request from another site is refused even with a session.
    let cross = c.send("GET", "/api/items", Vec::new(), "", &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(cross.status, 403);

    // Roles: a clerk has no reports or accounts; a viewer has no item forms.
    assert_eq!(c.get("/api/items").await.status, 200);
    assert_eq!(c.get("/api/users").await.status, 403);
    assert_eq!(c.get("/api/report?from=2026-12-01&to=2026-12-01").await.status, 403);
    let mut v = Client::new(b.addr);
    v.login("王监督", PASSWORD).await;
    assert_eq!(v.get("/api/items").await.status, 403);
    assert_eq!(v.get("/items").await.status, 403);
    assert_eq!(v.get("/api/status").await.status, 200);
    let rep = v.get("/api/report?from=2026-12-01&to=2026-12-01&format=csv").await;
    assert_eq!((rep.status, rep.header("content-type").as_str()), (200, "text/csv; charset=utf-8"));
    let dash = String::from_utf8(v.get("/").await.body).unwrap();
    assert!(dash.contains("href=\"/reports\"") && !dash.contains("href=\"/items\""), "a viewer sees only its own pages");

    // Logout ends the session.
    assert_eq!(c.change("POST", "/api/logout", "", "").await.status, 200);
    assert_eq!(c.get("/api/items").await.status, 401);

    // Five wrong passwords for one name, then 429 even with the right one.
    let mut t = Client::new(b.addr);
    for _ in 0..5 {
        assert_eq!(t.login("李主任", "not the password").await.status, 401);
    }
    let locked = t.login("李主任", PASSWORD).await;
    assert_eq!(locked.status, 429, "{}", String::from_utf8_lossy(&locked.body));
    assert!(locked.header("retry-after").parse::<u64>().unwrap() > 0);
    assert!(locked.json()["error"]["zh"].as_str().unwrap().contains("分钟后再试"));

    let fails = records(&b, "login_failed", 7).await;
    assert!(fails.iter().any(|r| r["user"] == "nobody" && r["reason"] == "unknown user" && r["address"] == "127.0.0.1"));
    let logins = records(&b, "login", 2).await;
    assert!(logins.iter().any(|r| r["user"] == "张会计"));
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_manages_accounts_and_a_removed_account_loses_its_session() {
    let b = start("").await;
    let mut admin = Client::new(b.addr);
    admin.login("李主任", PASSWORD).await;
    let mut clerk = Client::new(b.addr);
    clerk.login("张会计", PASSWORD).await;
    let users = admin.get("/api/users").await.json();
    assert_eq!(users["users"].as_array().unwrap().len(), 3);
    let weak = admin.change("POST", "/api/users", r#"{"name": "赵出纳", "role": "clerk", "password": "12345678"}"#, "application/json").await;
    assert_eq!(weak.status, 422);
    let add = admin.change("POST", "/api/users", r#"{"name": "赵出纳", "role": "clerk", "password": "出纳的长密码2026"}"#, "application/json").await;
    assert_eq!(add.status, 200, "{}", String::from_utf8_lossy(&add.body));
    assert_eq!(Client::new(b.addr).login("赵出纳", "出纳的长密码2026").await.status, 200);
    assert_eq!(admin.change("DELETE", "/api/users/%E6%9D%8E%E4%B8%BB%E4%BB%BB", "", "").await.status, 409, "not oneself");
    assert_eq!(admin.change("DELETE", "/api/users/%E5%BC%A0%E4%BC%9A%E8%AE%A1", "", "").await.status, 200);
    assert_eq!(clerk.get("/api/items").await.status, 401, "a removed account's session ends at once");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(b.dir.path().join("state/console-users")).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    b.stop().await;
}

#[test]
fn user_commands_read_the_password_from_stdin_and_keep_only_a_hash() {
    use std::io::Write;
    let d = tempfile::tempdir().unwrap();
    let cfg = write_config(d.path(), "name = \"s\"\nwidth = 64\nheight = 16", None);
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("\n[console]\n");
    std::fs::write(&cfg, text).unwrap();
    std::fs::create_dir_all(d.path().join("state")).unwrap();
    let add = |name: &str, pw: &str, role: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_yiping"))
            .args(["user", "add", name, "--config", cfg.to_str().unwrap(), "--role", role])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{pw}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = add("张会计", PASSWORD, "clerk");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = std::fs::read_to_string(d.path().join("state/console-users")).unwrap();
    assert!(file.contains("张会计:clerk:$argon2id$") && !file.contains(PASSWORD), "{file}");
    let weak = add("李四", "123", "viewer");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("密码至少 8 个字符"));
    let again = add("张会计", PASSWORD, "clerk");
    assert!(!again.status.success(), "no silent overwrite");
    let check = yiping(d.path(), &["check", "--config", cfg.to_str().unwrap()]);
    assert!(!stdout(&check).contains("控制台还没有账号"), "{}", stdout(&check));
    let list = yiping(d.path(), &["user", "list", "--config", cfg.to_str().unwrap()]);
    assert_eq!(stdout(&list).trim(), "张会计\tclerk\t文书");
    let del = yiping(d.path(), &["user", "del", "张会计", "--config", cfg.to_str().unwrap()]);
    assert!(del.status.success());
    assert!(stdout(&yiping(d.path(), &["user", "list", "--config", cfg.to_str().unwrap()])).contains("没有账号"));
    let check = yiping(d.path(), &["check", "--config", cfg.to_str().unwrap()]);
    assert!(stdout(&check).contains("控制台还没有账号，谁都无法登录"), "check warns: {}", stdout(&check));
    assert_eq!(check.status.code(), Some(0), "a warning, not an error");
}

#[test]
fn a_console_beyond_loopback_needs_tls_and_check_says_so() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write_config(d.path(), "name = \"s\"\nwidth = 64\nheight = 16", None);
    let base = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, format!("{base}\n[console]\nlisten = \"0.0.0.0:8481\"\n")).unwrap();
    let out = yiping(d.path(), &["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("yiping.toml:16:10") && text.contains("必须设置 tls_cert 和 tls_key"), "{text}");
    let tls = root().join("tests/data/console");
    std::fs::write(
        &cfg,
        format!(
            "{base}\n[console]\nlisten = \"0.0.0.0:8481\"\ntls_cert = {:?}\ntls_key = {:?}\n",
            tls.join("test.crt").display().to_string(),
            tls.join("test.key").display().to_string()
        ),
    )
    .unwrap();
    let out = yiping(d.path(), &["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A key that does not belong to the certificate is refused by check.
    std::fs::write(
        &cfg,
        format!(
            "{base}\n[console]\nlisten = \"0.0.0.0:8481\"\ntls_cert = {:?}\ntls_key = {:?}\n",
            tls.join("test.crt").display().to_string(),
            root().join("tests/data/feed/tls/server.key").display().to_string()
        ),
    )
    .unwrap();
    let out = yiping(d.path(), &["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("无法使用 TLS 证书或私钥"), "{}", stdout(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_cannot_lock_anyone_out_of_the_console() {
    let b = start("").await;
    // More silent sockets than the console holds: the oldest idle ones are closed to make room.
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(tokio::net::TcpStream::connect(b.addr).await.unwrap());
    }
    let mut c = Client::new(b.addr);
    let r = tokio::time::timeout(Duration::from_secs(10), c.login("张会计", PASSWORD)).await.expect("answered while 40 sockets sit idle");
    assert_eq!(r.status, 200);
    drop(idle);
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_the_cookie_is_secure_and_bound_to_the_origin() {
    use rustls::pki_types::pem::PemObject;
    let tls = root().join("tests/data/console");
    let extra = format!("tls_cert = {:?}\ntls_key = {:?}\n", tls.join("test.crt").display().to_string(), tls.join("test.key").display().to_string());
    let b = start(&extra).await;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(tls.join("ca.crt")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(b.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let stream = tokio_rustls::TlsConnector::from(Arc::new(cfg)).connect(name, tcp).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let body = serde_json::json!({"user": "张会计", "password": PASSWORD}).to_string();
    let req = hyper::Request::post("/api/login")
        .header("host", b.addr.to_string())
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-yiping_session=") && cookie.contains("; Secure") && cookie.contains("HttpOnly"), "{cookie}");
    // Plain HTTP on the TLS port gets nothing.
    let plain = Client::new(b.addr);
    let r = tokio::time::timeout(Duration::from_secs(10), async {
        let stream = tokio::net::TcpStream::connect(plain.addr).await.unwrap();
        match hyper::client::conn::http1::handshake::<_, http_body_util::Empty<bytes::Bytes>>(hyper_util::rt::TokioIo::new(stream)).await {
            Ok((mut s, conn)) => {
                tokio::spawn(conn);
                s.send_request(hyper::Request::get("/login").body(http_body_util::Empty::new()).unwrap()).await.is_err()
            }
            Err(_) => true,
        }
    })
    .await;
    assert_eq!(r, Ok(true), "no page is served in clear text");
    b.stop().await;
}
