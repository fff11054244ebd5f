//! The status endpoint: `/healthz`, `/status`, `/screens/<name>/frame.png`, `/metrics` over HTTP/1.1.
//!
//! Read-only: no request can change what a screen shows. Listens on 127.0.0.1
//! unless configured otherwise, and config refuses any other address without
//! a token. Hostile clients cannot hurt the daemon: the shared `listener` bounds
//! connections (closing the oldest idle one first, keeping a slot for loopback) and
//! times out headers; GET only, nothing read from request bodies.

pub(crate) mod config;
pub(crate) mod config_state;
pub(crate) mod listener;
pub(crate) mod pages;

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::info;

pub(crate) use config_state::{ReloadStatus, RunningOn};
pub(crate) use pages::State;

/// Serves until cancelled, through the shared listener: bounded connections with the oldest
/// idle one closed first and a slot kept for loopback, so idle sockets cannot silence `/healthz`.
pub(crate) async fn serve(listener: TcpListener, state: Arc<State>, cancel: CancellationToken) {
    if let Ok(a) = listener.local_addr() {
        info!(listen = %a, token = state.token.is_some(), "status endpoint");
    }
    let handler = Arc::new(move |req: Request<Incoming>, _peer: std::net::SocketAddr| {
        let state = Arc::clone(&state);
        async move { respond(&state, &req) }
    });
    crate::status::listener::serve("status", listener, None, crate::status::listener::Limits::default(), handler, cancel).await;
}

fn reply(code: StatusCode, ctype: &'static str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = code;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(ctype));
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Compares without stopping at the first differing byte.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn authorized(state: &State, given: Option<&str>) -> bool {
    let Some(token) = &state.token else { return true };
    let given = given.and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    same(given.trim().as_bytes(), token.as_bytes())
}

/// `%E9%97%A8` -> bytes -> UTF-8; `None` when malformed.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn respond(state: &State, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let auth = req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let (code, ctype, body) = route(state, req.method(), req.uri().path(), auth);
    let mut r = reply(code, ctype, body);
    if code == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"yiping\""));
    }
    r
}

/// The page for a request: status code, content type and body. Pure apart from reading the
/// shared handles in `state`; the fuzz target calls it with any request target.
pub(crate) fn route(state: &State, method: &Method, path: &str, auth: Option<&str>) -> (StatusCode, &'static str, Bytes) {
    const TEXT: &str = "text/plain; charset=utf-8";
    if !authorized(state, auth) {
        return (StatusCode::UNAUTHORIZED, TEXT, Bytes::from_static(b"unauthorized: send Authorization: Bearer <token>\n"));
    }
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, TEXT, Bytes::from_static(b"only GET\n"));
    }
    match path {
        "/healthz" => {
            let bad = pages::health(state);
            let degraded = state.config.borrow().degraded();
            if let (true, Some(why)) = (bad.is_empty(), &degraded) {
                // Screens run; someone must fix a file: not a reason for a watchdog to restart anything.
                (StatusCode::OK, TEXT, format!("degraded: {why}\n").into())
            } else if bad.is_empty() {
                (StatusCode::OK, TEXT, Bytes::from_static(b"ok\n"))
            } else {
                (StatusCode::SERVICE_UNAVAILABLE, TEXT, format!("unhealthy: {}\n", bad.join("; ")).into())
            }
        }
        "/status" => (StatusCode::OK, "application/json", serde_json::to_vec_pretty(&pages::status_json(state)).unwrap_or_default().into()),
        "/metrics" => (StatusCode::OK, "text/plain; version=0.0.4; charset=utf-8", pages::metrics(state).into()),
        _ => {
            let screen = path.strip_prefix("/screens/").and_then(|p| p.strip_suffix("/frame.png")).and_then(percent_decode);
            match screen.and_then(|s| pages::frame_png(state, &s)) {
                Some(png) => (StatusCode::OK, "image/png", png.into()),
                None => (StatusCode::NOT_FOUND, TEXT, Bytes::from_static(b"not found: try /healthz, /status, /metrics, /screens/<name>/frame.png\n")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_handles_chinese_names_and_refuses_garbage() {
        assert_eq!(percent_decode("%E9%97%A8%E5%8F%A3").as_deref(), Some("门口"));
        assert_eq!(percent_decode("square").as_deref(), Some("square"));
        assert_eq!(percent_decode("%E9%97"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
    }

    #[test]
    fn token_comparison_needs_every_byte() {
        assert!(same(b"abcdefgh", b"abcdefgh"));
        assert!(!same(b"abcdefgh", b"abcdefgX"));
        assert!(!same(b"abc", b"abcd"));
    }
}
