//! Logging in and out, and the accounts an admin manages from the console.
//!
//! A login is refused with 429 once an address or a name has failed too often (`throttle`),
//! before any password is checked. An unknown name costs as long as a wrong password and
//! gets the same answer. Every login and every checked failure is an evidence record.

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde::Deserialize;
use serde_json::json;
use tracing::{info, warn};

use crate::evidence::Event;
use crate::evidence::record::Edit;

use super::accounts::{self, Account, Role};
use super::http::{self, Reply, error, ok, with_header};
use super::{Console, Who};

#[derive(Deserialize)]
struct LoginBody {
    user: String,
    password: String,
}

fn json_body(req: &Request<Incoming>) -> bool {
    http::header(req, "content-type").is_some_and(|c| c.trim_start().to_ascii_lowercase().starts_with("application/json"))
}

/// `POST /api/login {user, password}` -> 200 `{csrf, user, role}` and the session cookie, or 401 / 429.
pub(crate) async fn login(c: &Arc<Console>, req: Request<Incoming>, addr: SocketAddr) -> Reply {
    if !json_body(&req) {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "请以 JSON 提交", "send the login as application/json");
    }
    let body = match http::body(req, 4096).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Ok(LoginBody { user, password }) = serde_json::from_slice::<LoginBody>(&body) else {
        return error(StatusCode::BAD_REQUEST, "需要用户名和密码", "expected {\"user\": .., \"password\": ..}");
    };
    let user = user.trim().to_string();
    let now = c.clock.now();
    let ip = addr.ip();
    let wait = c.throttle.lock().ok().and_then(|t| t.check(ip, &user, now));
    if let Some(wait) = wait {
        let mins = wait.as_secs().div_ceil(60);
        let r = error(
            StatusCode::TOO_MANY_REQUESTS,
            format!("登录失败次数太多，请 {mins} 分钟后再试"),
            format!("too many failed logins: try again in {mins} min"),
        );
        return with_header(r, "retry-after", &wait.as_secs().to_string());
    }
    let account = c.book.lock().ok().and_then(|mut b| {
        b.refresh();
        b.get(&user).cloned()
    });
    let hash = account.as_ref().map_or_else(|| accounts::dummy_hash().to_string(), |a| a.hash.clone());
    let Ok(_permit) = c.hashing.acquire().await else { return error(StatusCode::SERVICE_UNAVAILABLE, "正在停止", "shutting down") };
    let pw = password;
    let good = tokio::task::spawn_blocking(move || accounts::verify_password(&hash, &pw)).await.unwrap_or(false);
    let address = ip.to_string();
    let known = account.is_some();
    let Some(account) = account.filter(|_| good) else {
        let reason = if known { "wrong password" } else { "unknown user" };
        warn!(user = %user, address = %address, "console login refused");
        if let Ok(mut t) = c.throttle.lock() {
            t.failed(ip, &user, now);
        }
        c.recorder.record(now, Event::LoginFailed { user, address, reason: reason.into() });
        return error(StatusCode::UNAUTHORIZED, "用户名或密码错误", "wrong user name or password");
    };
    if let Ok(mut t) = c.throttle.lock() {
        t.succeeded(&account.name);
    }
    let Ok(mut sessions) = c.sessions.lock() else { return error(StatusCode::INTERNAL_SERVER_ERROR, "内部错误", "internal error") };
    let (id, s) = sessions.create(&account.name, account.role, now);
    drop(sessions);
    info!(user = %account.name, role = account.role.key(), address = %address, "console login");
    c.recorder.record(now, Event::Login { user: account.name.clone(), address });
    let secure = if c.tls() { "; Secure" } else { "" };
    let cookie = format!("{}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}", c.cookie_name(), c.cfg.session_max.as_secs());
    let r = ok(&json!({"csrf": s.csrf, "user": s.user, "role": s.role, "role_label": s.role.label()}));
    with_header(r, "set-cookie", &cookie)
}

/// `POST /api/logout`: ends the session and clears the cookie.
pub(crate) fn logout(c: &Console, req: &Request<Incoming>) -> Reply {
    if let (Some(id), Ok(mut s)) = (http::cookie(req, c.cookie_name()), c.sessions.lock()) {
        s.end(&id);
    }
    let secure = if c.tls() { "; Secure" } else { "" };
    with_header(ok(&json!({"ok": true})), "set-cookie", &format!("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}", c.cookie_name()))
}

fn msg(code: StatusCode, m: (String, String)) -> Reply {
    error(code, m.0, m.1)
}

fn record_user_change(c: &Console, who: &Who, name: &str, role: Option<Role>, action: &str) {
    c.recorder.record(
        c.clock.now(),
        Event::Edit(Box::new(Edit {
            user: who.user.clone(),
            role: who.role.key().into(),
            address: who.addr.ip().to_string(),
            what: "user".into(),
            name: name.into(),
            file: Some(c.cfg.users_file.display().to_string()),
            old_sha256: None,
            new_sha256: None,
            status: Some(match role {
                Some(r) => format!("{action} {}", r.key()),
                None => action.to_string(),
            }),
            approval_by: None,
            revision: None,
        })),
    );
}

/// `GET /api/users`.
pub(crate) fn list(c: &Console) -> Reply {
    let Ok(mut b) = c.book.lock() else { return error(StatusCode::INTERNAL_SERVER_ERROR, "内部错误", "internal error") };
    b.refresh();
    let users: Vec<_> = b.all().iter().map(|a| json!({"name": a.name, "role": a.role, "role_label": a.role.label()})).collect();
    ok(&json!({"users": users, "file": b.path(), "error": b.error}))
}

#[derive(Deserialize)]
struct UserBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    password: Option<String>,
}

/// `POST /api/users {name, role, password}` (add) or `PUT /api/users/<name> {role?, password?}` (change).
pub(crate) async fn save(c: &Arc<Console>, who: &Who, name: Option<String>, req: Request<Incoming>) -> Reply {
    let body = match http::body(req, 4096).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Ok(b) = serde_json::from_slice::<UserBody>(&body) else {
        return error(StatusCode::BAD_REQUEST, "需要 name、role、password", "expected {name, role, password}");
    };
    let adding = name.is_none();
    let Some(name) = name.or(b.name).map(|n| n.trim().to_string()) else {
        return error(StatusCode::BAD_REQUEST, "需要用户名", "name is required");
    };
    if let Err(m) = accounts::check_name(&name) {
        return msg(StatusCode::UNPROCESSABLE_ENTITY, m);
    }
    if adding && (b.role.is_none() || b.password.is_none()) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "新账号需要角色和密码", "a new account needs a role and a password");
    }
    let hash = match &b.password {
        Some(pw) => {
            if let Err(m) = accounts::check_password(&name, pw) {
                return msg(StatusCode::UNPROCESSABLE_ENTITY, m);
            }
            let Ok(_permit) = c.hashing.acquire().await else { return error(StatusCode::SERVICE_UNAVAILABLE, "正在停止", "shutting down") };
            let pw = pw.clone();
            match tokio::task::spawn_blocking(move || accounts::hash_password(&pw)).await {
                Ok(Ok(h)) => Some(h),
                _ => return error(StatusCode::INTERNAL_SERVER_ERROR, "无法计算密码哈希", "cannot hash the password"),
            }
        }
        None => None,
    };
    let _w = c.writes.lock().await;
    let Ok(mut book) = c.book.lock() else { return error(StatusCode::INTERNAL_SERVER_ERROR, "内部错误", "internal error") };
    book.refresh();
    let mut all = book.all().to_vec();
    let existing = all.iter().position(|a| a.name == name);
    match (adding, existing) {
        (true, Some(_)) => return error(StatusCode::CONFLICT, format!("账号“{name}”已存在"), format!("account `{name}` exists already")),
        (false, None) => return error(StatusCode::NOT_FOUND, format!("没有账号“{name}”"), format!("no account `{name}`")),
        (true, None) => all.push(Account { name: name.clone(), role: b.role.unwrap_or(Role::Clerk), hash: hash.unwrap_or_default() }),
        (false, Some(i)) => {
            let new_role = b.role.unwrap_or(all[i].role);
            if all[i].role == Role::Admin && new_role != Role::Admin && all.iter().filter(|a| a.role == Role::Admin).count() == 1 {
                return error(StatusCode::CONFLICT, "不能取消最后一个管理员", "cannot demote the last admin");
            }
            all[i].role = new_role;
            if let Some(h) = hash {
                all[i].hash = h;
            }
        }
    }
    let role = all.iter().find(|a| a.name == name).map(|a| a.role);
    if let Err(e) = book.store(all) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, format!("无法写入账号文件：{e}"), format!("cannot write the accounts file: {e}"));
    }
    drop(book);
    if !adding && let Ok(mut s) = c.sessions.lock() {
        // A changed password or role takes effect at once: the account logs in again.
        s.end_user(&name);
    }
    record_user_change(c, who, &name, role, if adding { "added" } else { "changed" });
    ok(&json!({"ok": true, "name": name, "role": role}))
}

/// `DELETE /api/users/<name>`: never one's own account, never the last admin.
pub(crate) async fn delete(c: &Arc<Console>, who: &Who, name: &str) -> Reply {
    if name == who.user {
        return error(StatusCode::CONFLICT, "不能删除自己的账号", "you cannot delete your own account");
    }
    let _w = c.writes.lock().await;
    let Ok(mut book) = c.book.lock() else { return error(StatusCode::INTERNAL_SERVER_ERROR, "内部错误", "internal error") };
    book.refresh();
    let mut all = book.all().to_vec();
    let Some(i) = all.iter().position(|a| a.name == name) else {
        return error(StatusCode::NOT_FOUND, format!("没有账号“{name}”"), format!("no account `{name}`"));
    };
    all.remove(i);
    if let Err(e) = book.store(all) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, format!("无法写入账号文件：{e}"), format!("cannot write the accounts file: {e}"));
    }
    drop(book);
    if let Ok(mut s) = c.sessions.lock() {
        s.end_user(name);
    }
    record_user_change(c, who, name, None, "deleted");
    ok(&json!({"ok": true}))
}
