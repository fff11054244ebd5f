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

fn authorized(state: &State, req: &Request<Incoming>) -> bool {
    let Some(token) = &state.token else { return true };
    let given = req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
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
    if !authorized(state, req) {
        let mut r = reply(StatusCode::UNAUTHORIZED, "text/plain; charset=utf-8", "unauthorized: send Authorization: Bearer <token>\n");
        r.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"yiping\""));
        return r;
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return reply(StatusCode::METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "only GET\n");
    }
    let path = req.uri().path();
    match path {
        "/healthz" => {
            let bad = pages::health(state);
            let degraded = state.config.borrow().degraded();
            if let (true, Some(why)) = (bad.is_empty(), &degraded) {
                // Screens run; someone must fix a file: not a reason for a watchdog to restart anything.
                reply(StatusCode::OK, "text/plain; charset=utf-8", format!("degraded: {why}\n"))
            } else if bad.is_empty() {
                reply(StatusCode::OK, "text/plain; charset=utf-8", "ok\n")
            } else {
                reply(StatusCode::SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", format!("unhealthy: {}\n", bad.join("; ")))
            }
        }
        "/status" => {
            let body = serde_json::to_vec_pretty(&pages::status_json(state)).unwrap_or_default();
            reply(StatusCode::OK, "application/json", body)
        }
        "/metrics" => reply(StatusCode::OK, "text/plain; version=0.0.4; charset=utf-8", pages::metrics(state)),
        _ => {
            let screen = path.strip_prefix("/screens/").and_then(|p| p.strip_suffix("/frame.png")).and_then(percent_decode);
            match screen.and_then(|s| pages::frame_png(state, &s)) {
                Some(png) => reply(StatusCode::OK, "image/png", png),
                None => reply(
                    StatusCode::NOT_FOUND,
                    "text/plain; charset=utf-8",
                    "not found: try /healthz, /status, /metrics, /screens/<name>/frame.png\n",
                ),
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
