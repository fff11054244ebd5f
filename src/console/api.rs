//! The console's JSON API: routing by path and role, and the handlers for items, playlists,
//! previews, timelines, the Excel import, the report and the live status.
//!
//! Handlers validate with the rest of the program (`items::prepare`, `playlists::judge`),
//! write with `fsutil::write_atomic` under the console's write lock, and record an `edit`
//! after every write. Heavy work (parsing folders, rendering, simulating) runs on the
//! blocking pool, never on the async threads.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use crate::evidence::Event;
use crate::evidence::record::Edit;
use crate::evidence::record::sha256_hex;
use crate::fsutil::{sync_dir, write_atomic};
use crate::sources::folder::FolderConfig;

use super::http::{self, Reply, diags_json, error, ok, percent_decode, query, unprocessable};
use super::site::Site;
use super::{Console, Who, auth, items, playlists, preview, report, xlsx};

fn forbidden(who: &Who) -> Reply {
    error(StatusCode::FORBIDDEN, format!("你的角色（{}）不能使用此功能", who.role.label()), format!("your role ({}) may not do this", who.role.key()))
}

fn not_found() -> Reply {
    error(StatusCode::NOT_FOUND, "没有这个接口", "no such API endpoint")
}

/// Runs blocking work; a panic there becomes a 500, never a dead daemon.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Reply> {
    tokio::task::spawn_blocking(f).await.map_err(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "内部错误", "internal error"))
}

/// A time from a query: RFC 3339, or a local `2026-12-01T09:00` / `2026-12-01 09:00` in the screens' zone.
pub(crate) fn parse_time(s: &str, tz: &TimeZone) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let s = s.trim().replace(' ', "T");
    s.parse::<jiff::civil::DateTime>().ok().and_then(|dt| dt.to_zoned_datetime(tz.clone()).ok()).map(|z| z.timestamp())
}

pub(crate) async fn route(c: &Arc<Console>, who: &Who, req: Request<Incoming>) -> Reply {
    let path = req.uri().path().to_string();
    let Some(segs) = path["/api/".len()..].split('/').map(|s| percent_decode(s, false)).collect::<Option<Vec<String>>>() else {
        return error(StatusCode::BAD_REQUEST, "地址编码有误", "malformed path");
    };
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let m = req.method().clone();
    let role = who.role;
    match (&m, segs.as_slice()) {
        (&Method::GET, ["session"]) => ok(&json!({"user": who.user, "role": role, "role_label": role.label(), "csrf": who.csrf})),
        (&Method::POST, ["logout"]) => auth::logout(c, &req),
        (&Method::GET, ["status"]) => ok(&crate::status::pages::status_json(&c.live)),
        (&Method::GET, ["frame", f]) => frame(c, f, &req),
        (_, ["users", ..]) if !role.manages_users() => forbidden(who),
        (&Method::GET, ["users"]) => auth::list(c),
        (&Method::POST, ["users"]) => auth::save(c, who, None, req).await,
        (&Method::PUT, ["users", name]) => auth::save(c, who, Some(name.to_string()), req).await,
        (&Method::DELETE, ["users", name]) => auth::delete(c, who, name).await,
        (&Method::GET, ["report"] | ["edits"]) if !role.reads_reports() => forbidden(who),
        (&Method::GET, ["report"]) => report_file(c, &req).await,
        (&Method::GET, ["edits"]) => edits(c, &req).await,
        (_, ["items" | "playlists" | "preview" | "schedule" | "import", ..]) if !role.edits() => forbidden(who),
        (&Method::GET, ["items"]) => list_items(c).await,
        (&Method::GET, ["items", rest @ ..]) => get_item(c, &rest.join("/")).await,
        (&Method::PUT, ["items", rest @ ..]) => put_item(c, who, &rest.join("/"), req).await,
        (&Method::DELETE, ["items", rest @ ..]) => delete_item(c, who, &rest.join("/"), &req).await,
        (&Method::GET, ["playlists"]) => ok(&playlists::list(&*c.config())),
        (&Method::GET, ["playlists", name]) => get_playlist(c, name),
        (&Method::PUT, ["playlists", name]) => put_playlist(c, who, name, req).await,
        (&Method::POST, ["playlists", name, "check"]) => check_playlist(c, name, req).await,
        (&Method::GET | &Method::POST, ["preview", f]) => match f.strip_suffix(".png") {
            Some(screen) => preview_screen(c, screen, req).await,
            None => not_found(),
        },
        (&Method::POST, ["preview", screen, "item.png"]) => preview_item(c, screen, req).await,
        (&Method::GET | &Method::POST, ["schedule", screen]) => schedule(c, screen, req).await,
        (&Method::POST, ["import", "xlsx"]) => import(c, req).await,
        _ => not_found(),
    }
}

fn frame(c: &Console, f: &str, req: &Request<Incoming>) -> Reply {
    let Some(screen) = f.strip_suffix(".png") else { return not_found() };
    let Some((_, rx)) = c.live.screens.iter().find(|(n, _)| n == screen) else {
        return error(StatusCode::NOT_FOUND, format!("没有屏幕“{screen}”"), format!("no screen `{screen}`"));
    };
    let out = Arc::clone(&rx.borrow());
    let scale = query(req, "scale").and_then(|s| s.parse().ok()).unwrap_or_else(|| preview::default_scale(out.frame.width()));
    http::png(preview::frame_png(&out.frame, scale))
}

async fn list_items(c: &Arc<Console>) -> Reply {
    let cfg = c.config();
    let catalog = Arc::clone(&c.live.catalog.borrow());
    let on_air: Vec<(String, Option<String>)> =
        c.live.screens.iter().map(|(n, rx)| (n.clone(), rx.borrow().on_air.as_ref().and_then(|a| a.content.key().map(str::to_string)))).collect();
    let now = c.clock.now();
    match blocking(move || items::list(&*cfg, &catalog, &on_air, now)).await {
        Ok(v) => ok(&v),
        Err(r) => r,
    }
}

/// The source named in a key, when it is a feed (read-only here).
fn feed_source(cfg: &dyn Site, key: &str) -> Option<String> {
    let (s, _) = key.split_once('/')?;
    cfg.sources().iter().find(|src| src.name() == s && src.get::<FolderConfig>().is_none()).map(|src| src.name().to_string())
}

fn read_only(source: &str) -> Reply {
    error(
        StatusCode::FORBIDDEN,
        format!("该条目来自区县信息平台（来源“{source}”，已签名），只能查看，不能在控制台修改或覆盖"),
        format!("this item comes from the signed district feed (source `{source}`): read-only here, it cannot be edited or overridden"),
    )
}

async fn get_item(c: &Arc<Console>, key: &str) -> Reply {
    let cfg = c.config();
    if let Some(src) = feed_source(&*cfg, key) {
        let catalog = Arc::clone(&c.live.catalog.borrow());
        return match catalog.entries().iter().find(|e| e.key() == key) {
            Some(e) => ok(&json!({
                "key": e.key(), "source": src, "editable": false, "item": &**e.original(), "json": items::pretty(e.original()),
                "note": {"zh": "来自区县信息平台的条目只能查看，不能在此修改", "en": "feed items are read-only here"},
            })),
            None => error(StatusCode::NOT_FOUND, format!("没有条目“{key}”"), format!("no item `{key}`")),
        };
    }
    let (folder, id) = match items::resolve(&*cfg, key) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(folder) = folder else { return error(StatusCode::NOT_FOUND, "没有这个条目来源", "no such item source") };
    let id = id.to_string();
    match blocking(move || {
        let (_, fi) = items::locate(&folder, &id);
        fi.map(|fi| items::file_json(&folder, &fi))
    })
    .await
    {
        Ok(Some(v)) => ok(&v),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("没有条目“{key}”"), format!("no item `{key}`")),
        Err(r) => r,
    }
}

fn edit_record(c: &Console, who: &Who, what: &str, name: &str, file: &std::path::Path, old: Option<String>, new: Option<String>) -> Edit {
    let _ = c;
    Edit {
        user: who.user.clone(),
        role: who.role.key().into(),
        address: who.addr.ip().to_string(),
        what: what.into(),
        name: name.into(),
        file: Some(file.display().to_string()),
        old_sha256: old,
        new_sha256: new,
        status: None,
        approval_by: None,
        revision: None,
    }
}

fn precondition_failed() -> Reply {
    error(
        StatusCode::PRECONDITION_FAILED,
        "文件在你编辑期间已被别人修改；请重新打开后再改",
        "the file changed while you were editing it: open it again and redo the change",
    )
}

async fn put_item(c: &Arc<Console>, who: &Who, key: &str, req: Request<Incoming>) -> Reply {
    let cfg = c.config();
    if let Some(src) = feed_source(&*cfg, key) {
        return read_only(&src);
    }
    let if_match = http::header(&req, "if-match").map(|s| s.trim_matches('"').to_string());
    let body = match http::text(req).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (folder, id) = match items::resolve(&*cfg, key) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(folder) = folder else { return error(StatusCode::NOT_FOUND, "没有这个条目来源", "no such item source") };
    let id = id.to_string();
    // Local items never shadow the district's: an id the feed uses is refused.
    let catalog = Arc::clone(&c.live.catalog.borrow());
    if let Some(e) = catalog.entries().iter().find(|e| e.original().id == id && feed_source(&*cfg, e.key()).is_some()) {
        return error(
            StatusCode::CONFLICT,
            format!("id“{id}”已被区县信息平台的条目（{}）使用；本地条目不能覆盖它，请换一个 id", e.key()),
            format!("id `{id}` belongs to a district feed item ({}); a local item cannot override it: choose another id", e.key()),
        );
    }
    let _w = c.writes.lock().await;
    let f = folder.clone();
    let done = blocking(move || -> Result<Value, Reply> {
        let (path, old) = items::locate(&f, &id);
        if !items::confined(&f.dir, &path) {
            return Err(error(
                StatusCode::FORBIDDEN,
                "条目文件是符号链接或不在条目目录中，不能在控制台修改",
                "the item file is a symbolic link or outside the items folder",
            ));
        }
        let old_sha = old.as_ref().map(|o| sha256_hex(o.text.as_bytes()));
        if let (Some(want), Some(have)) = (&if_match, &old_sha)
            && want != have
        {
            return Err(precondition_failed());
        }
        let saved = items::prepare(&path, &id, &body, old.as_ref())?;
        let new_sha = sha256_hex(saved.text.as_bytes());
        if !saved.unchanged {
            write_atomic(&path, saved.text.as_bytes()).map_err(|e| {
                error(StatusCode::INTERNAL_SERVER_ERROR, format!("无法写入 {}：{e}", path.display()), format!("cannot write {}: {e}", path.display()))
            })?;
        }
        Ok(json!({
            "ok": true, "unchanged": saved.unchanged, "key": format!("{}/{id}", f.source),
            "file": path.file_name().map(|n| n.to_string_lossy().into_owned()), "path": path,
            "revision": saved.item.revision, "etag": new_sha, "old_sha256": old_sha,
            "status": saved.item.status, "approval_by": saved.item.approval.as_ref().map(|a| a.by.clone()),
            "warnings": diags_json(&saved.warnings, Some(&saved.text)),
        }))
    })
    .await;
    let v = match done {
        Ok(Ok(v)) => v,
        Ok(Err(r)) | Err(r) => return r,
    };
    if v["unchanged"] != true {
        let s = |k: &str| v[k].as_str().map(str::to_string);
        let mut e = edit_record(
            c,
            who,
            "item",
            v["key"].as_str().unwrap_or_default(),
            std::path::Path::new(v["path"].as_str().unwrap_or("")),
            s("old_sha256"),
            s("etag"),
        );
        e.status = s("status");
        e.approval_by = s("approval_by");
        e.revision = v["revision"].as_u64();
        tracing::info!(user = %who.user, item = %e.name, revision = e.revision, "item saved through the console");
        c.recorder.record(c.clock.now(), Event::Edit(Box::new(e)));
    }
    ok(&v)
}

async fn delete_item(c: &Arc<Console>, who: &Who, key: &str, req: &Request<Incoming>) -> Reply {
    let cfg = c.config();
    if let Some(src) = feed_source(&*cfg, key) {
        return read_only(&src);
    }
    let if_match = http::header(req, "if-match").map(|s| s.trim_matches('"').to_string());
    let (folder, id) = match items::resolve(&*cfg, key) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(folder) = folder else { return error(StatusCode::NOT_FOUND, "没有这个条目来源", "no such item source") };
    let id = id.to_string();
    let _w = c.writes.lock().await;
    let f = folder.clone();
    let idc = id.clone();
    let done = blocking(move || -> Result<(std::path::PathBuf, String), Reply> {
        let (path, old) = items::locate(&f, &idc);
        let Some(old) = old else { return Err(error(StatusCode::NOT_FOUND, format!("没有条目“{idc}”"), format!("no item `{idc}`"))) };
        if !items::confined(&f.dir, &path) {
            return Err(error(
                StatusCode::FORBIDDEN,
                "条目文件是符号链接或不在条目目录中",
                "the item file is a symbolic link or outside the items folder",
            ));
        }
        let sha = sha256_hex(old.text.as_bytes());
        if if_match.as_ref().is_some_and(|w| *w != sha) {
            return Err(precondition_failed());
        }
        std::fs::remove_file(&path)
            .and_then(|()| sync_dir(&f.dir))
            .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, format!("无法删除：{e}"), format!("cannot delete: {e}")))?;
        Ok((path, sha))
    })
    .await;
    let (path, sha) = match done {
        Ok(Ok(v)) => v,
        Ok(Err(r)) | Err(r) => return r,
    };
    let name = format!("{}/{id}", folder.source);
    c.recorder.record(c.clock.now(), Event::Edit(Box::new(edit_record(c, who, "item", &name, &path, Some(sha), None))));
    tracing::info!(user = %who.user, item = %name, "item deleted through the console");
    ok(&json!({"ok": true, "key": name}))
}

fn get_playlist(c: &Console, name: &str) -> Reply {
    let cfg = c.config();
    let path = match playlists::file_of(&*cfg, name) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match playlists::get(&*cfg, name, &path) {
        Ok(v) => ok(&v),
        Err(r) => r,
    }
}

/// The configuration with a draft playlist in place; `Err` is the 422 to send.
async fn with_draft(
    c: &Arc<Console>,
    name: &str,
    text: String,
) -> Result<(Arc<dyn Site>, std::path::PathBuf, Vec<crate::diag::Diag>, String), Reply> {
    let cfg = c.config();
    let path = playlists::file_of(&*cfg, name)?;
    let p = path.clone();
    let t = text.clone();
    match blocking(move || cfg.with_playlist(&p, &t)).await? {
        Ok((new, warnings)) => Ok((new, path, warnings, text)),
        Err(mut diags) => {
            // The edited file's own problems first: they are what the clerk can fix here.
            diags.sort_by_key(|d| d.file != path);
            let src = diags.iter().all(|d| d.file == path).then_some(text.as_str());
            Err(unprocessable(&diags, src))
        }
    }
}

async fn check_playlist(c: &Arc<Console>, name: &str, req: Request<Incoming>) -> Reply {
    let text = match http::text(req).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    match with_draft(c, name, text).await {
        Ok((_, _, warnings, text)) => ok(&json!({"ok": true, "warnings": diags_json(&warnings, Some(&text)), "doc": playlists::doc(&text)})),
        Err(r) => r,
    }
}

async fn put_playlist(c: &Arc<Console>, who: &Who, name: &str, req: Request<Incoming>) -> Reply {
    let if_match = http::header(&req, "if-match").map(|s| s.trim_matches('"').to_string());
    let text = match http::text(req).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let _w = c.writes.lock().await;
    let (new_cfg, path, warnings, text) = match with_draft(c, name, text).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let p = path.clone();
    let t = text.clone();
    let done = blocking(move || -> Result<(Option<String>, String), Reply> {
        if !items::confined(p.parent().unwrap_or(&p), &p) {
            return Err(error(StatusCode::FORBIDDEN, "播放列表文件是符号链接", "the playlist file is a symbolic link"));
        }
        let old = std::fs::read(&p).ok().map(|b| sha256_hex(&b));
        if let (Some(want), Some(have)) = (&if_match, &old)
            && want != have
        {
            return Err(precondition_failed());
        }
        write_atomic(&p, t.as_bytes()).map_err(|e| {
            error(StatusCode::INTERNAL_SERVER_ERROR, format!("无法写入 {}：{e}", p.display()), format!("cannot write {}: {e}", p.display()))
        })?;
        Ok((old, sha256_hex(t.as_bytes())))
    })
    .await;
    let (old, new) = match done {
        Ok(Ok(v)) => v,
        Ok(Err(r)) | Err(r) => return r,
    };
    let changed = old.as_deref() != Some(new.as_str());
    if changed {
        c.recorder.record(c.clock.now(), Event::Edit(Box::new(edit_record(c, who, "playlist", name, &path, old, Some(new.clone())))));
        tracing::info!(user = %who.user, playlist = %name, "playlist saved through the console");
    }
    let note = if new_cfg.watch() {
        json!({"zh": "已保存；屏幕将在当前内容播完后采用新的播放列表", "en": "saved; screens take it over at the next slot boundary"})
    } else {
        json!({"zh": "已保存；配置中 watch = false，需执行 systemctl reload yiping 才会生效", "en": "saved; watch = false in the configuration, so run `systemctl reload yiping` for it to take effect"})
    };
    ok(&json!({"ok": true, "unchanged": !changed, "etag": new, "warnings": diags_json(&warnings, Some(&text)), "note": note}))
}

/// The configuration a preview or timeline is made from: a POST with `?playlist=NAME` sends
/// a draft of that playlist, applied as the editor shows it before saving; else `cfg`.
async fn draft_or(c: &Arc<Console>, cfg: Arc<dyn Site>, req: Request<Incoming>) -> Result<Arc<dyn Site>, Reply> {
    match (req.method() == Method::POST, query(&req, "playlist")) {
        (true, Some(name)) => {
            let text = http::text(req).await?;
            with_draft(c, &name, text).await.map(|(cfg, ..)| cfg)
        }
        _ => Ok(cfg),
    }
}

async fn preview_screen(c: &Arc<Console>, screen: &str, req: Request<Incoming>) -> Reply {
    let cfg = c.config();
    let at = query(&req, "at").map(|s| parse_time(&s, cfg.time_zone()));
    let at = match at {
        Some(None) => return error(StatusCode::BAD_REQUEST, "时间格式不对（如 2026-12-01T09:00）", "bad time (e.g. 2026-12-01T09:00 or RFC 3339)"),
        Some(Some(t)) => t,
        None => c.clock.now(),
    };
    let scale = query(&req, "scale").and_then(|s| s.parse().ok());
    let cfg = match draft_or(c, cfg, req).await {
        Ok(cfg) => cfg,
        Err(r) => return r,
    };
    let (catalog, screen) = (Arc::clone(&c.live.catalog.borrow()), screen.to_string());
    match blocking(move || cfg.screen_png(&catalog, &screen, at, scale)).await {
        Ok(Ok(png)) => http::png(png),
        Ok(Err(e)) => error(StatusCode::NOT_FOUND, format!("无法预览：{e}"), format!("cannot preview: {e}")),
        Err(r) => r,
    }
}

async fn preview_item(c: &Arc<Console>, screen: &str, req: Request<Incoming>) -> Reply {
    let page: usize = query(&req, "page").and_then(|s| s.parse().ok()).unwrap_or(0);
    let scale = query(&req, "scale").and_then(|s| s.parse().ok());
    let body = match http::text(req).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (cfg, fonts, screen, now) = (c.config(), Arc::clone(&c.fonts), screen.to_string(), c.clock.now());
    let done = blocking(move || -> Result<preview::ItemPreview, Reply> {
        let path = std::path::Path::new("draft.json");
        let (item, _) = crate::sources::folder::read_item(path, &body, crate::item::parse::Format::Json, &Default::default())
            .map_err(|d| unprocessable(&d, Some(&body)))?;
        preview::item_png(&*cfg, &fonts, &screen, &item, page, now, scale)
            .map_err(|e| error(StatusCode::NOT_FOUND, format!("无法预览：{e}"), format!("cannot preview: {e}")))
    })
    .await;
    match done {
        Ok(Ok(p)) => {
            let missing: Vec<String> = p.missing.chars().map(|c| format!("U+{:04X}", c as u32)).collect();
            let r = http::png(p.png);
            let r = http::with_header(r, "x-yiping-pages", &p.pages.to_string());
            let r = http::with_header(r, "x-yiping-masked", &p.masked.to_string());
            http::with_header(r, "x-yiping-missing", &missing.join(" "))
        }
        Ok(Err(r)) | Err(r) => r,
    }
}

async fn schedule(c: &Arc<Console>, screen: &str, req: Request<Incoming>) -> Reply {
    let cfg = c.config();
    let from = match query(&req, "from").map(|s| parse_time(&s, cfg.time_zone())) {
        Some(None) => return error(StatusCode::BAD_REQUEST, "时间格式不对（如 2026-12-01T09:00）", "bad time (e.g. 2026-12-01T09:00 or RFC 3339)"),
        Some(Some(t)) => t,
        None => c.clock.now(),
    };
    let hours: u32 = query(&req, "hours").and_then(|s| s.parse().ok()).unwrap_or(48);
    let cfg = match draft_or(c, cfg, req).await {
        Ok(cfg) => cfg,
        Err(r) => return r,
    };
    let (catalog, screen) = (Arc::clone(&c.live.catalog.borrow()), screen.to_string());
    match blocking(move || cfg.timeline_json(&catalog, &screen, from, hours)).await {
        Ok(Ok(v)) => ok(&v),
        Ok(Err(e)) => error(StatusCode::NOT_FOUND, format!("无法计算时间表：{e}"), format!("cannot compute the timeline: {e}")),
        Err(r) => r,
    }
}

async fn import(c: &Arc<Console>, req: Request<Incoming>) -> Reply {
    let Some(b) = http::header(&req, "content-type").and_then(super::multipart::boundary) else {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "请以表单（multipart/form-data）上传文件", "upload the file as multipart/form-data");
    };
    let body = match http::body(req, http::MAX_UPLOAD).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(up) = super::multipart::file_part(&body, &b, "file") else {
        return error(StatusCode::BAD_REQUEST, "没有收到文件（字段名应为 file）", "no file received (the form field must be named `file`)");
    };
    let (now, tz) = (c.clock.now(), c.config().time_zone().clone());
    match blocking(move || xlsx::import(&up.bytes, &up.file_name, now, &tz)).await {
        Ok(Ok(d)) => {
            let json_text = serde_json::to_string_pretty(&d.item).unwrap_or_default();
            ok(&json!({
                "item": d.item, "json": json_text, "sheet": d.sheet, "sheets": d.sheets, "rows": d.rows,
                "warnings": d.warnings.iter().map(|(zh, en)| json!({"zh": zh, "en": en})).collect::<Vec<_>>(),
                "note": {"zh": "这是草稿，尚未保存：请核对后保存", "en": "this is a draft, not saved: review it, then save"},
            }))
        }
        Ok(Err((zh, en))) => error(StatusCode::UNPROCESSABLE_ENTITY, zh, en),
        Err(r) => r,
    }
}

fn dates(req: &Request<Incoming>) -> Result<(jiff::civil::Date, jiff::civil::Date), Reply> {
    let d = |k: &str| query(req, k).and_then(|s| s.parse::<jiff::civil::Date>().ok());
    match (d("from"), d("to")) {
        (Some(a), Some(b)) if a <= b => Ok((a, b)),
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            "需要起止日期 from 和 to（如 2026-12-01），且 from 不晚于 to",
            "give from and to as dates (2026-12-01), from not after to",
        )),
    }
}

async fn report_file(c: &Arc<Console>, req: &Request<Incoming>) -> Reply {
    let (from, to) = match dates(req) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let Some(fmt) = report::Format::parse(&query(req, "format").unwrap_or_else(|| "html".into())) else {
        return error(StatusCode::BAD_REQUEST, "格式只能是 html、csv 或 md", "format must be html, csv or md");
    };
    let screen = query(req, "screen").filter(|s| !s.is_empty());
    let cfg = c.config();
    let (dir, tz, now) = (cfg.evidence_dir().to_path_buf(), cfg.time_zone().clone(), c.clock.now());
    match blocking(move || report::render(&dir, from, to, screen, &tz, now, fmt)).await {
        Ok(Ok(text)) => {
            let r = http::reply(StatusCode::OK, fmt.content_type(), text);
            let disposition = format!("attachment; filename=\"yiping-report-{from}-{to}.{}\"", fmt.extension());
            if query(req, "download").is_some() { http::with_header(r, "content-disposition", &disposition) } else { r }
        }
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("无法读取证据日志：{e}"), format!("cannot read the evidence log: {e}")),
        Err(r) => r,
    }
}

async fn edits(c: &Arc<Console>, req: &Request<Incoming>) -> Reply {
    let (from, to) = match dates(req) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let cfg = c.config();
    let (dir, tz) = (cfg.evidence_dir().to_path_buf(), cfg.time_zone().clone());
    match blocking(move || report::activity(&dir, from, to, &tz)).await {
        Ok(Ok((list, _))) if query(req, "csv").is_some() => {
            let r = http::reply(StatusCode::OK, "text/csv; charset=utf-8", crate::evidence::edits::csv(&list));
            http::with_header(r, "content-disposition", &format!("attachment; filename=\"yiping-edits-{from}-{to}.csv\""))
        }
        Ok(Ok((list, problem))) => ok(&json!({"from": from, "to": to, "activity": list, "log_problem": problem})),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("无法读取证据日志：{e}"), format!("cannot read the evidence log: {e}")),
        Err(r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_or_local_to_the_screens() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        assert_eq!(parse_time("2026-12-01T09:00", &tz).unwrap().to_string(), "2026-12-01T01:00:00Z");
        assert_eq!(parse_time("2026-12-01 09:00", &tz).unwrap().to_string(), "2026-12-01T01:00:00Z");
        assert_eq!(parse_time("2026-12-01T09:00:00+08:00", &tz).unwrap().to_string(), "2026-12-01T01:00:00Z");
        assert!(parse_time("tomorrow", &tz).is_none());
    }
}
