//! The console's pages: Chinese, phone-first HTML rendered on the box. Lists and the
//! dashboard are complete HTML; the two editors are built by `app.js` from JSON embedded
//! in the page (one code path for loading and adding fields).
//!
//! Each role sees only its own navigation and pages. No external assets, no inline script
//! (the Content-Security-Policy forbids both).

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::http::{self, Reply, esc, html, query, reply, script_json};
use super::{Console, Role, Who, assets, items, playlists};

struct Nav {
    href: &'static str,
    label: &'static str,
    allowed: fn(Role) -> bool,
}

const NAV: &[Nav] = &[
    Nav { href: "/", label: "屏幕", allowed: |_| true },
    Nav { href: "/items", label: "条目", allowed: Role::edits },
    Nav { href: "/import", label: "Excel 导入", allowed: Role::edits },
    Nav { href: "/playlists", label: "播放列表", allowed: Role::edits },
    Nav { href: "/reports", label: "报告", allowed: Role::reads_reports },
    Nav { href: "/users", label: "账号", allowed: Role::manages_users },
];

fn layout(who: Option<&Who>, page: &str, title: &str, current: &str, main: &str, data: &Value) -> String {
    let v = assets::VERSION;
    let nav: String = match who {
        Some(w) => NAV
            .iter()
            .filter(|n| (n.allowed)(w.role))
            .map(|n| format!("<a href=\"{}\"{}>{}</a>", n.href, if n.href == current { " aria-current=\"page\"" } else { "" }, n.label))
            .collect(),
        None => String::new(),
    };
    let me = who.map_or(String::new(), |w| {
        format!("<span class=\"me\">{}（{}）<button type=\"button\" id=\"logout\" class=\"link\">退出</button></span>", esc(&w.user), w.role.label())
    });
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{t} · 一屏控制台</title><link rel=\"stylesheet\" href=\"/assets/app.css?v={v}\"><link rel=\"icon\" href=\"/assets/icon.svg?v={v}\"></head>\
         <body data-page=\"{page}\" data-csrf=\"{csrf}\"><header class=\"top\"><a class=\"brand\" href=\"/\">一屏</a><nav>{nav}</nav>{me}</header>\
         <main>{main}</main><script type=\"application/json\" id=\"data\">{data}</script><script src=\"/assets/app.js?v={v}\"></script>{editor}</body></html>",
        t = esc(title),
        csrf = who.map_or(String::new(), |w| esc(&w.csrf)),
        data = script_json(data),
        editor = match page {
            "item" | "playlist" => format!("<script src=\"/assets/{page}.js?v={v}\"></script>"),
            _ => String::new(),
        },
    )
}

pub(crate) fn login(tls: bool) -> Reply {
    let warn = if tls { "" } else { "<p class=\"hint\">本机访问（127.0.0.1）。从其他设备访问时必须使用 HTTPS。</p>" };
    let main = format!(
        "<section class=\"card narrow\"><h1>一屏控制台</h1><p>村务公开屏幕管理 · 请登录</p>\
         <form id=\"login\" method=\"post\" action=\"/login\"><label>用户名<input name=\"user\" autocomplete=\"username\" required autofocus></label>\
         <label>密码<input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\" class=\"primary\">登录</button><p class=\"error\" id=\"msg\" role=\"alert\"></p></form>{warn}\
         <p class=\"hint\">没有账号？请管理员在设备上执行 <code>sudo yiping user add 名字 --config /etc/yiping/yiping.toml</code></p></section>"
    );
    html(layout(None, "login", "登录", "", &main, &json!({})))
}

fn forbidden_page(who: &Who) -> Reply {
    let main = format!(
        "<section class=\"card\"><h1>没有权限</h1><p>你的角色（{}）不能打开此页。</p><p><a href=\"/\">返回</a></p></section>",
        who.role.label()
    );
    let mut r = html(layout(Some(who), "none", "没有权限", "", &main, &json!({})));
    *r.status_mut() = StatusCode::FORBIDDEN;
    r
}

fn local(t: &Value, tz: &jiff::tz::TimeZone) -> String {
    t.as_str()
        .and_then(|s| s.parse::<Timestamp>().ok())
        .map_or("—".to_string(), |t| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string())
}

pub(crate) async fn route(c: &Arc<Console>, who: &Who, req: &Request<Incoming>) -> Reply {
    let path = req.uri().path();
    let role = who.role;
    let allowed = |f: fn(Role) -> bool| f(role);
    match path {
        "/" => dashboard(c, who),
        "/items" if allowed(Role::edits) => items_page(c, who).await,
        "/items/edit" if allowed(Role::edits) => item_editor(c, who, req),
        "/import" if allowed(Role::edits) => html(layout(Some(who), "import", "Excel 导入", "/import", IMPORT, &json!({}))),
        "/playlists" if allowed(Role::edits) => playlists_page(c, who),
        "/playlists/edit" if allowed(Role::edits) => playlist_editor(c, who, req),
        "/reports" if allowed(Role::reads_reports) => reports_page(c, who),
        "/users" if allowed(Role::manages_users) => html(layout(Some(who), "users", "账号", "/users", USERS, &json!({"me": who.user}))),
        "/items" | "/items/edit" | "/import" | "/playlists" | "/playlists/edit" | "/reports" | "/users" => forbidden_page(who),
        _ => reply(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "not found 没有这个页面\n"),
    }
}

fn dashboard(c: &Arc<Console>, who: &Who) -> Reply {
    let st = crate::status::pages::status_json(&c.live);
    let cfg = c.config();
    let tz = cfg.time_zone();
    let catalog = Arc::clone(&c.live.catalog.borrow());
    let mut m = String::from("<h1>屏幕</h1>");
    for s in st["screens"].as_array().into_iter().flatten() {
        let name = s["name"].as_str().unwrap_or("");
        let on = &s["on_air"];
        let what = match on["content"].as_str() {
            Some("item") => {
                let key = on["item"].as_str().unwrap_or("");
                let title = catalog.entries().iter().find(|e| e.key() == key).map_or(key.to_string(), |e| e.public().title.clone());
                format!("“{}”", esc(&title))
            }
            Some("notice") => "固定通知".into(),
            Some("idle") => "待机画面（村名和时钟）".into(),
            Some("off") => "关屏".into(),
            _ => "启动中".into(),
        };
        let power = if s["power"]["on"] == true { format!("开屏，亮度 {}%", s["power"]["brightness"]) } else { "关屏".into() };
        let enc = http::escape(name);
        m.push_str(&format!(
            "<section class=\"card screen\"><h2>{n} <small>{w}×{h}</small></h2>\
             <img class=\"frame live\" src=\"/api/frame/{enc}.png\" data-src=\"/api/frame/{enc}.png\" alt=\"屏幕 {n} 当前画面\">\
             <p class=\"onair\" data-screen=\"{n}\">正在播放：{what}<br><small>时段“{slot}”，到 {until}</small></p><p>{power}</p></section>",
            n = esc(name),
            w = s["width"],
            h = s["height"],
            slot = esc(on["slot"].as_str().unwrap_or("")),
            until = on["until"]
                .as_str()
                .and_then(|s| s.parse::<Timestamp>().ok())
                .map_or("—".into(), |t| t.to_zoned_datetime(tz.clone()).strftime("%H:%M:%S").to_string()),
        ));
    }
    m.push_str("<section class=\"card\"><h2>输出设备</h2><ul class=\"plain\">");
    if st["sinks"].as_array().is_none_or(Vec::is_empty) {
        m.push_str("<li class=\"hint\">没有配置输出设备</li>");
    }
    for k in st["sinks"].as_array().into_iter().flatten() {
        let ok = k["state"] == "ok";
        m.push_str(&format!(
            "<li><span class=\"dot {}\"></span>{} · {}：{}{}</li>",
            if ok { "ok" } else { "bad" },
            esc(k["screen"].as_str().unwrap_or("")),
            esc(k["kind"].as_str().unwrap_or("")),
            if ok { "正常" } else { "故障" },
            k["last_error"].as_str().map_or(String::new(), |e| format!("（{}）", esc(e)))
        ));
    }
    m.push_str("</ul><h2>信息来源</h2><ul class=\"plain\">");
    for (name, s) in st["sources"].as_object().into_iter().flatten() {
        let ok = s["ok"] == true;
        m.push_str(&format!(
            "<li><span class=\"dot {}\"></span>{}：{}{}</li>",
            if ok { "ok" } else { "bad" },
            esc(name),
            if ok { "正常" } else { "故障" },
            s["error"].as_str().map_or(String::new(), |e| format!("（{}）", esc(e)))
        ));
    }
    m.push_str("</ul></section>");
    let refused = c.host.reload_refused();
    let problems: Vec<&crate::diag::Diag> = refused.iter().flatten().chain(catalog.problems.iter()).filter(|d| d.is_error()).collect();
    m.push_str(&format!("<section class=\"card\"><h2>问题 <small>{}</small></h2>", problems.len()));
    if refused.is_some() {
        m.push_str("<p class=\"error\">修改后的配置或播放列表有错误，没有生效，屏幕继续按原来的配置播放。请修正下列错误：</p>");
    }
    if problems.is_empty() {
        m.push_str("<p>没有发现问题。</p>");
    } else {
        m.push_str("<ul class=\"diags\">");
        for d in problems.iter().take(50) {
            m.push_str(&format!("<li class=\"error\">{}</li>", esc(&d.to_string())));
        }
        m.push_str("</ul>");
    }
    m.push_str(&format!(
        "<p class=\"hint\">条目 {} 个，当前可显示 {} 个；时钟{}。</p></section>",
        st["items"]["total"],
        st["items"]["showable"],
        if st["clock_trusted"] == true { "已校准" } else { "未校准（按估计时间）" }
    ));
    html(layout(Some(who), "dashboard", "屏幕", "/", &m, &common(c)))
}

async fn items_page(c: &Arc<Console>, who: &Who) -> Reply {
    let cfg = c.config();
    let catalog = Arc::clone(&c.live.catalog.borrow());
    let on_air: Vec<(String, Option<String>)> =
        c.live.screens.iter().map(|(n, rx)| (n.clone(), rx.borrow().on_air.as_ref().and_then(|a| a.content.key().map(str::to_string)))).collect();
    let now = c.clock.now();
    let cfg2 = Arc::clone(&cfg);
    let Ok(list) = tokio::task::spawn_blocking(move || items::list(&*cfg2, &catalog, &on_air, now)).await else {
        return reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", "internal error\n");
    };
    let tz = cfg.time_zone();
    let mut m = String::from(
        "<h1>条目</h1><p class=\"actions\"><a class=\"button primary\" href=\"/items/edit?new=1\">新建条目</a> <a class=\"button\" href=\"/import\">从 Excel 导入</a></p>\
         <form class=\"filters card\" id=\"filters\"><input type=\"search\" name=\"q\" placeholder=\"搜索标题或 id\" aria-label=\"搜索\">\
         <select name=\"category\" aria-label=\"类别\"><option value=\"\">全部类别</option><option value=\"party\">党务</option><option value=\"village\">村务</option><option value=\"finance\">财务</option><option value=\"notice\">公告</option></select>\
         <select name=\"state\" aria-label=\"状态\"><option value=\"\">全部状态</option><option value=\"showable\">可显示</option><option value=\"pending\">待审核</option><option value=\"not_yet_due\">未到公示期</option><option value=\"expired\">已过公示期</option><option value=\"revoked\">已撤回</option><option value=\"rejected\">未通过</option></select></form><ul class=\"items\" id=\"list\">",
    );
    for it in list["items"].as_array().into_iter().flatten() {
        let key = it["key"].as_str().unwrap_or("");
        let screens: Vec<&str> = it["screens"].as_array().into_iter().flatten().filter_map(|s| s.as_str()).collect();
        let on_air = it["on_air"].as_array().is_some_and(|a| !a.is_empty());
        let diags = it["diagnostics"].as_array().map_or(0, Vec::len);
        m.push_str(&format!(
            "<li class=\"item card\" data-category=\"{cat}\" data-state=\"{state}\" data-text=\"{text}\"><a href=\"/items/edit?key={enc}\">\
             <span class=\"badge {cat}\">{cat_label}</span> <b>{title}</b>{air}</a>\
             <p><span class=\"state {state}\">{state_label}</span> · {from} 至 {until}{source}</p>\
             <p class=\"hint\">屏幕：{screens}{masked}{diags}</p></li>",
            cat = esc(it["category"].as_str().unwrap_or("")),
            state = esc(it["state"].as_str().unwrap_or("")),
            text = esc(&format!("{} {}", it["title"].as_str().unwrap_or(""), key).to_lowercase()),
            enc = http::escape(key),
            cat_label = esc(it["category_label"].as_str().unwrap_or("")),
            title = esc(it["title"].as_str().unwrap_or("")),
            air = if on_air { " <span class=\"onair-badge\">正在播放</span>" } else { "" },
            state_label = esc(it["state_label"].as_str().unwrap_or("")),
            from = local(&it["from"], tz),
            until = local(&it["until"], tz),
            source = if it["editable"] == true {
                String::new()
            } else {
                format!(" · 区县平台（{}），只读", esc(it["source"].as_str().unwrap_or("")))
            },
            screens = if screens.is_empty() { "没有屏幕的播放列表选中它".to_string() } else { esc(&screens.join("、")) },
            masked = if it["masked"].as_u64().unwrap_or(0) > 0 { format!(" · 已脱敏 {} 处", it["masked"]) } else { String::new() },
            diags = if diags > 0 { format!(" · <span class=\"warn\">{diags} 条提示</span>") } else { String::new() },
        ));
    }
    m.push_str("</ul>");
    let broken = list["broken"].as_array().cloned().unwrap_or_default();
    if !broken.is_empty() {
        m.push_str("<section class=\"card\"><h2>无法读取的文件</h2><p class=\"hint\">这些文件有错误，没有显示在屏幕上。点击文件名在编辑器中修复。</p><ul class=\"diags\">");
        for b in &broken {
            let file = b["file"].as_str().unwrap_or("");
            let id = file.rsplit_once('.').map_or(file, |(s, _)| s);
            m.push_str(&format!(
                "<li class=\"error\"><a href=\"/items/edit?key={}\">{}</a>",
                http::escape(&format!("{}/{id}", b["source"].as_str().unwrap_or(""))),
                esc(file)
            ));
            for d in b["diagnostics"].as_array().into_iter().flatten() {
                m.push_str(&format!("<br><small>{}:{}　{}</small>", d["line"], d["col"], esc(d["zh"].as_str().unwrap_or(""))));
            }
            m.push_str("</li>");
        }
        m.push_str("</ul></section>");
    }
    if list["items"].as_array().is_none_or(Vec::is_empty) {
        m.push_str("<p class=\"hint\">还没有条目。点击“新建条目”或“从 Excel 导入”。</p>");
    }
    html(layout(Some(who), "items", "条目", "/items", &m, &json!({})))
}

/// What both editors need to know about the screens and the time zone.
fn common(c: &Console) -> Value {
    let cfg = c.config();
    let screens: Vec<Value> = cfg.screens().iter().map(|s| json!({"name": s.name, "width": s.display.width, "height": s.display.height})).collect();
    json!({"screens": screens, "tz": cfg.time_zone_name(), "now": c.clock.now()})
}

fn item_editor(c: &Arc<Console>, who: &Who, req: &Request<Incoming>) -> Reply {
    let cfg = c.config();
    let catalog = Arc::clone(&c.live.catalog.borrow());
    let mut lists: Vec<String> = catalog.entries().iter().filter_map(|e| e.original().list.clone()).collect();
    lists.sort();
    lists.dedup();
    let key = query(req, "key");
    let folder = items::folders(cfg.sources()).into_iter().next().map(|f| f.source);
    let mut data = common(c);
    data["key"] = json!(key);
    data["lists"] = json!(lists);
    data["village"] = json!(cfg.village());
    data["folder"] = json!(folder);
    let title = if key.is_some() { "编辑条目" } else { "新建条目" };
    let main = "<h1 id=\"title\"></h1><div id=\"editor\" class=\"editor\"><p>正在载入…</p></div>";
    let mut page = layout(Some(who), "item", title, "/items", main, &data);
    if folder.is_none() {
        page = layout(
            Some(who),
            "none",
            title,
            "/items",
            "<section class=\"card\"><p>配置中没有条目目录（type = \"folder\" 的来源），控制台不能新建条目。</p></section>",
            &json!({}),
        );
    }
    html(page)
}

fn playlists_page(c: &Arc<Console>, who: &Who) -> Reply {
    let cfg = c.config();
    let list = playlists::list(&*cfg);
    let mut m = String::from(
        "<h1>播放列表</h1><form class=\"card\" id=\"newlist\"><label>新建播放列表（名称，如 赶集日）<input name=\"name\" required pattern=\"[\\p{L}\\p{N}_\\-]{1,64}\"></label><button type=\"submit\">新建</button></form><ul class=\"items\">",
    );
    for p in list["playlists"].as_array().into_iter().flatten() {
        let name = p["name"].as_str().unwrap_or("");
        let uses: Vec<String> = p["screens"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|u| format!("{}（{}）", u["screen"].as_str().unwrap_or(""), if u["as"] == "default" { "默认" } else { "按时段" }))
            .collect();
        let head = if p["builtin"] == true {
            format!("<b>{}</b> <span class=\"hint\">内置，不能修改</span>", esc(name))
        } else {
            format!("<a href=\"/playlists/edit?name={}\"><b>{}</b></a>", http::escape(name), esc(name))
        };
        let state =
            if p["loaded"] == true { format!("{} 个时段", p["slots"]) } else { "<span class=\"warn\">有错误，未生效</span>".into() };
        m.push_str(&format!(
            "<li class=\"card\">{head}<p>{state} · {}</p><p class=\"hint\">使用它的屏幕：{}</p></li>",
            esc(p["file"].as_str().unwrap_or("")),
            if uses.is_empty() { "无".into() } else { esc(&uses.join("、")) }
        ));
    }
    m.push_str("</ul>");
    if list["watch"] == false {
        m.push_str("<p class=\"warn\">配置中 watch = false：保存后需执行 systemctl reload yiping 才会生效。</p>");
    }
    html(layout(Some(who), "playlists", "播放列表", "/playlists", &m, &json!({})))
}

fn playlist_editor(c: &Arc<Console>, who: &Who, req: &Request<Incoming>) -> Reply {
    let mut data = common(c);
    let name = query(req, "name").unwrap_or_default();
    data["name"] = json!(name);
    data["new"] = json!(query(req, "new").is_some());
    let cfg = c.config();
    let mut lists: Vec<String> = c.live.catalog.borrow().entries().iter().filter_map(|e| e.original().list.clone()).collect();
    lists.sort();
    lists.dedup();
    data["lists"] = json!(lists);
    data["uses"] = playlists::list(&*cfg)["playlists"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == name.as_str()).map(|p| p["screens"].clone()))
        .unwrap_or(json!([]));
    let main = format!("<h1>播放列表：{}</h1><div id=\"editor\" class=\"editor\"><p>正在载入…</p></div>", esc(&name));
    html(layout(Some(who), "playlist", "编辑播放列表", "/playlists", &main, &data))
}

fn reports_page(c: &Arc<Console>, who: &Who) -> Reply {
    let cfg = c.config();
    let today = c.clock.now().to_zoned_datetime(cfg.time_zone().clone()).date();
    let first = today.first_of_month();
    let options: String = cfg.screens().iter().map(|s| format!("<option>{}</option>", esc(&s.name))).collect();
    let m = format!(
        "<h1>报告</h1><form class=\"card\" id=\"report\" action=\"/api/report\" method=\"get\">\
         <label>从<input type=\"date\" name=\"from\" value=\"{first}\" required></label><label>到<input type=\"date\" name=\"to\" value=\"{today}\" required></label>\
         <label>屏幕<select name=\"screen\"><option value=\"\">全部屏幕</option>{options}</select></label>\
         <label>格式<select name=\"format\"><option value=\"html\">网页（HTML）</option><option value=\"csv\">表格（CSV，可用 Excel 打开）</option><option value=\"md\">文本（Markdown）</option></select></label>\
         <input type=\"hidden\" name=\"download\" value=\"1\"><button type=\"submit\" class=\"primary\">下载报告</button> \
         <button type=\"submit\" formaction=\"/api/edits\" name=\"csv\" value=\"1\">下载控制台操作记录（CSV）</button></form>\
         <section class=\"card\"><h2>控制台操作记录</h2><p class=\"hint\">所选期间内通过控制台的修改和登录（来自证据日志）。</p><div id=\"edits\"></div></section>"
    );
    html(layout(Some(who), "reports", "报告", "/reports", &m, &common(c)))
}

const IMPORT: &str = "<h1>从 Excel 导入</h1><section class=\"card\"><p>选择一个 .xlsx 文件：第一行是表头，其余每行是一行数据。数字按 Excel 中显示的样子保留（如 1,260.00）。导入的结果是<b>草稿</b>，核对后才保存。</p>\
<form id=\"upload\"><input type=\"file\" name=\"file\" accept=\".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\" required><button type=\"submit\" class=\"primary\">上传并预览</button></form>\
<p class=\"error\" id=\"msg\" role=\"alert\"></p></section><div id=\"result\"></div>";

const USERS: &str = "<h1>账号</h1><section class=\"card\"><table class=\"grid\" id=\"users\"><thead><tr><th>用户名</th><th>角色</th><th></th></tr></thead><tbody></tbody></table></section>\
<form class=\"card\" id=\"adduser\"><h2>添加账号</h2><label>用户名<input name=\"name\" required autocomplete=\"off\"></label>\
<label>角色<select name=\"role\"><option value=\"clerk\">文书（编辑条目和播放列表）</option><option value=\"viewer\">查看（状态和报告）</option><option value=\"admin\">管理员（全部）</option></select></label>\
<label>密码（至少 8 个字符）<input name=\"password\" type=\"password\" required minlength=\"8\" autocomplete=\"new-password\"></label>\
<button type=\"submit\" class=\"primary\">添加</button><p class=\"error\" id=\"msg\" role=\"alert\"></p></form>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_carry_no_inline_script_and_escape_names() {
        let who = Who { user: "<b>x</b>".into(), role: Role::Viewer, csrf: "t".into(), addr: "127.0.0.1:1".parse().unwrap() };
        let p = layout(Some(&who), "dashboard", "屏幕", "/", "<p>hi</p>", &json!({"a": "</script><script>alert(1)</script>"}));
        assert!(p.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(!p.contains("<script>alert"));
        assert_eq!(p.matches("<script").count(), 2, "the data block and app.js only");
        assert_eq!(layout(Some(&who), "item", "t", "/", "", &json!({})).matches("<script").count(), 3, "editors add their own script");
        assert!(p.contains("href=\"/reports\""), "a viewer sees reports");
        assert!(!p.contains("href=\"/items\""), "a viewer sees no item forms");
        assert!(!p.contains("href=\"/users\""));
    }
}
