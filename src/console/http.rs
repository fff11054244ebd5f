//! HTTP plumbing for the console: replies with the security headers every page carries,
//! bounded body reading, query strings, cookies and JSON error bodies in Chinese and English.
//!
//! No routing and no decisions here: only how bytes go in and out.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::diag::Diag;

pub(crate) type Reply = Response<Full<Bytes>>;

/// Largest JSON or TOML body accepted (an item's table of 5,000 cells fits).
pub(crate) const MAX_BODY: usize = 2 << 20;
/// Largest Excel upload.
pub(crate) const MAX_UPLOAD: usize = 8 << 20;

/// Pages may load only what the box itself serves: no CDN, no inline script, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub(crate) fn reply(code: StatusCode, ctype: &str, body: impl Into<Bytes>) -> Reply {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = code;
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_str(ctype).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(HeaderName::from_static("content-security-policy"), HeaderValue::from_static(CSP));
    h.insert(HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff"));
    h.insert(HeaderName::from_static("x-frame-options"), HeaderValue::from_static("DENY"));
    h.insert(HeaderName::from_static("referrer-policy"), HeaderValue::from_static("no-referrer"));
    r
}

pub(crate) fn json(code: StatusCode, v: &Value) -> Reply {
    reply(code, "application/json; charset=utf-8", serde_json::to_vec(v).unwrap_or_default())
}

pub(crate) fn ok(v: &Value) -> Reply {
    json(StatusCode::OK, v)
}

/// `{"error": {"zh": .., "en": ..}}` with a status code.
pub(crate) fn error(code: StatusCode, zh: impl Into<String>, en: impl Into<String>) -> Reply {
    json(code, &json!({"error": {"zh": zh.into(), "en": en.into()}}))
}

pub(crate) fn html(body: String) -> Reply {
    reply(StatusCode::OK, "text/html; charset=utf-8", body)
}

pub(crate) fn png(bytes: Vec<u8>) -> Reply {
    reply(StatusCode::OK, "image/png", bytes)
}

pub(crate) fn redirect(to: &str) -> Reply {
    let mut r = reply(StatusCode::SEE_OTHER, "text/plain; charset=utf-8", "");
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(hyper::header::LOCATION, v);
    }
    r
}

pub(crate) fn with_header(mut r: Reply, name: &'static str, value: &str) -> Reply {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(HeaderName::from_static(name), v);
    }
    r
}

/// A diagnostic as the pages show it; `key` names the JSON field on its line, when there is one.
pub(crate) fn diag_json(d: &Diag, src: Option<&str>) -> Value {
    let key = src.and_then(|s| key_on_line(s, d.line));
    json!({
        "severity": if d.is_error() { "error" } else { "warning" },
        "file": d.file.file_name().map(|f| f.to_string_lossy().into_owned()),
        "line": d.line, "col": d.col, "zh": d.zh, "en": d.en, "key": key,
        "text": d.to_string(),
    })
}

/// `"title"` from a line such as `  "title": "x",` (the editor uses it to mark the field).
fn key_on_line(src: &str, line: u32) -> Option<String> {
    let l = src.lines().nth(line.checked_sub(1)? as usize)?;
    let rest = l.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    rest[end + 1..].trim_start().starts_with(':').then(|| rest[..end].to_string())
}

pub(crate) fn diags_json(diags: &[Diag], src: Option<&str>) -> Value {
    Value::Array(diags.iter().map(|d| diag_json(d, src)).collect())
}

/// 422 with every diagnostic: the request was understood and refused; nothing was written.
pub(crate) fn unprocessable(diags: &[Diag], src: Option<&str>) -> Reply {
    let first = diags.iter().find(|d| d.is_error());
    json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({
            "error": {
                "zh": format!("有错误，未保存：{}", first.map_or(String::new(), |d| d.zh.clone())),
                "en": format!("not saved: {}", first.map_or(String::new(), |d| d.en.clone())),
            },
            "diagnostics": diags_json(diags, src),
        }),
    )
}

/// Reads a body of at most `limit` bytes; `Err` is the reply to send.
pub(crate) async fn body(req: Request<Incoming>, limit: usize) -> Result<Bytes, Reply> {
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(_) => Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("内容太大（最多 {} KB）", limit / 1024),
            format!("request body too large (at most {} KiB)", limit / 1024),
        )),
    }
}

/// A UTF-8 body (a byte-order mark is dropped).
pub(crate) async fn text(req: Request<Incoming>) -> Result<String, Reply> {
    let b = body(req, MAX_BODY).await?;
    let s = String::from_utf8(b.to_vec()).map_err(|_| error(StatusCode::BAD_REQUEST, "内容不是 UTF-8 编码", "body is not UTF-8"))?;
    Ok(s.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(s))
}

/// `%E9%97%A8` -> bytes -> UTF-8 (and `+` as space in queries); `None` when malformed.
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes everything but unreserved characters (for paths and query values).
pub(crate) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// A query parameter, decoded.
pub(crate) fn query(req: &Request<Incoming>, key: &str) -> Option<String> {
    query_of(req.uri().query().unwrap_or(""), key)
}

pub(crate) fn query_of(q: &str, key: &str) -> Option<String> {
    q.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == key).and_then(|(_, v)| percent_decode(v, true))
}

/// A cookie's value from the `Cookie` header.
pub(crate) fn cookie(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub(crate) fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Compares without stopping at the first differing byte.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// HTML-escapes text for element content and attribute values (the report's escaper).
pub(crate) use crate::evidence::report::html::esc;

/// JSON for a `<script type="application/json">` element: `<` escaped so no `</script>` can end it early.
pub(crate) fn script_json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default().replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_handles_chinese_plus_and_refuses_garbage() {
        assert_eq!(percent_decode("%E9%97%A8%E5%8F%A3", false).as_deref(), Some("门口"));
        assert_eq!(percent_decode("a+b", true).as_deref(), Some("a b"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("%E9%97", false), None);
        assert_eq!(percent_decode("%zz", false), None);
        assert_eq!(query_of("from=2026-12-01&screen=%E9%97%A8", "screen").as_deref(), Some("门"));
        assert_eq!(escape("local/a b门"), "local%2Fa%20b%E9%97%A8");
        assert_eq!(percent_decode(&escape("local/a b门"), false).as_deref(), Some("local/a b门"));
    }

    #[test]
    fn the_key_of_a_diagnostic_line_is_found_and_html_is_escaped() {
        let src = "{\n  \"id\": \"a\",\n  \"title\": \"x\"\n}";
        assert_eq!(key_on_line(src, 3).as_deref(), Some("title"));
        assert_eq!(key_on_line(src, 1), None);
        assert_eq!(esc("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(script_json(&json!({"t": "</script>"})), r#"{"t":"\u003c/script>"}"#);
    }
}
