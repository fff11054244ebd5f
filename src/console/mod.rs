//! The operator console: Chinese web pages on the box, so that a clerk can edit items and
//! playlists from a phone without being able to break the screen.
//!
//! Served by the daemon over HTTP/1.1 (TLS beyond loopback) through the shared `listener`.
//! Every page and API call but the login needs a session; every change needs the session's
//! CSRF token; each role reaches only its own pages. Nothing is written that does not pass
//! the same validation as `check`, every write is atomic, and every change and login goes to
//! the evidence log with the user's name. Files are read and written only in the configured
//! items and playlists folders (reports are read from the evidence log).

// Handlers return `Result<_, Reply>` so a refusal is the reply itself; a reply is built once
// per request, so its size (144 bytes) does not matter.
#![allow(clippy::result_large_err)]

pub(crate) mod accounts;
mod api;
mod assets;
mod auth;
pub(crate) mod config;
mod http;
pub(crate) mod items;
mod multipart;
pub(crate) mod numfmt;
mod pages;
pub(crate) mod playlists;
pub(crate) mod preview;
pub(crate) mod report;
pub(crate) mod session;
pub(crate) mod site;
pub(crate) mod throttle;
pub(crate) mod xlsx;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::clock::Clock;
use crate::evidence::Recorder;
use crate::render::font::FontLibrary;
use crate::status;

pub(crate) use accounts::Role;
pub(crate) use config::ConsoleConfig;

use http::{Reply, error, redirect};

/// Everything the console reads and writes through.
pub(crate) struct Console {
    pub(crate) cfg: ConsoleConfig,
    /// The daemon: the configuration in force (replaced on every accepted reload) and what
    /// the last hot reload said.
    pub(crate) host: Box<dyn site::Host>,
    pub(crate) fonts: Arc<FontLibrary>,
    /// The live screens, sinks, sources and catalog, shared with the status endpoint's pages.
    pub(crate) live: Arc<status::State>,
    pub(crate) recorder: Recorder,
    pub(crate) clock: Clock,
    book: Mutex<accounts::Book>,
    sessions: Mutex<session::Sessions>,
    throttle: Mutex<throttle::Throttle>,
    /// One edit at a time: validate and write happen under it.
    pub(crate) writes: tokio::sync::Mutex<()>,
    /// Argon2 takes 19 MiB a hash: at most two at once.
    hashing: Semaphore,
}

/// The caller of a request, once its session checked out.
#[derive(Debug, Clone)]
pub(crate) struct Who {
    pub user: String,
    pub role: Role,
    pub csrf: String,
    pub addr: SocketAddr,
}

impl Console {
    pub(crate) fn new(
        cfg: ConsoleConfig,
        host: Box<dyn site::Host>,
        fonts: Arc<FontLibrary>,
        live: Arc<status::State>,
        recorder: Recorder,
        clock: Clock,
    ) -> Console {
        let book = accounts::Book::new(&cfg.users_file);
        let sessions = session::Sessions::new(cfg.session_idle, cfg.session_max);
        Console {
            cfg,
            host,
            fonts,
            live,
            recorder,
            clock,
            book: Mutex::new(book),
            sessions: Mutex::new(sessions),
            throttle: Mutex::new(throttle::Throttle::default()),
            writes: tokio::sync::Mutex::new(()),
            hashing: Semaphore::new(2),
        }
    }

    /// The configuration in force.
    pub(crate) fn config(&self) -> Arc<dyn site::Site> {
        self.host.site()
    }

    fn tls(&self) -> bool {
        self.cfg.tls.is_some()
    }

    /// The session cookie's name: `__Host-` under TLS, which browsers bind to this exact origin.
    fn cookie_name(&self) -> &'static str {
        if self.tls() { "__Host-yiping_session" } else { "yiping_session" }
    }

    /// The caller, when the request carries a live session of an account that still exists
    /// with the same role.
    fn who(&self, req: &Request<Incoming>, addr: SocketAddr) -> Option<Who> {
        let id = http::cookie(req, self.cookie_name())?;
        let now = self.clock.now();
        let s = self.sessions.lock().ok()?.touch(&id, now)?;
        let mut book = self.book.lock().ok()?;
        book.refresh();
        if book.get(&s.user).is_none_or(|a| a.role != s.role) {
            drop(book);
            if let Ok(mut ss) = self.sessions.lock() {
                ss.end_user(&s.user);
            }
            return None;
        }
        Some(Who { user: s.user, role: s.role, csrf: s.csrf, addr })
    }

    /// Routes one request.
    pub(crate) async fn handle(self: Arc<Self>, req: Request<Incoming>, addr: SocketAddr) -> Reply {
        let path = req.uri().path().to_string();
        let method = req.method().clone();
        if let Some(name) = path.strip_prefix("/assets/") {
            let gz = http::header(&req, "accept-encoding").is_some_and(|a| a.split(',').any(|e| e.trim().starts_with("gzip")));
            return assets::get(name, gz);
        }
        let api = path.starts_with("/api/");
        if !same_origin(&req) {
            return error(StatusCode::FORBIDDEN, "请求来自其他网站，已拒绝", "cross-site request refused");
        }
        match (&method, path.as_str()) {
            (&Method::GET, "/login") => return pages::login(self.tls()),
            (&Method::POST, "/api/login") => return auth::login(&self, req, addr).await,
            _ => {}
        }
        let Some(who) = self.who(&req, addr) else {
            return if api {
                error(StatusCode::UNAUTHORIZED, "未登录或登录已过期，请重新登录", "not logged in, or the session expired: log in again")
            } else {
                redirect("/login")
            };
        };
        if !matches!(method, Method::GET | Method::HEAD) {
            let given = http::header(&req, "x-csrf-token").unwrap_or("");
            if !http::same(given.as_bytes(), who.csrf.as_bytes()) {
                return error(
                    StatusCode::FORBIDDEN,
                    "缺少或错误的 CSRF 令牌（X-CSRF-Token），请刷新页面后再试",
                    "missing or wrong CSRF token (X-CSRF-Token): reload the page and try again",
                );
            }
        }
        if api { api::route(&self, &who, req).await } else { pages::route(&self, &who, &req).await }
    }
}

/// A request a browser says came from another site (`Sec-Fetch-Site`, or an `Origin` that is
/// not this host) is refused; clients that send neither (scripts, tests) are judged by their
/// session and CSRF token alone.
fn same_origin(req: &Request<Incoming>) -> bool {
    if http::header(req, "sec-fetch-site").is_some_and(|s| s == "cross-site" || s == "same-site") {
        return false;
    }
    match (http::header(req, "origin"), http::header(req, "host")) {
        (Some(o), Some(h)) => o.split_once("://").is_some_and(|(_, rest)| rest == h),
        (Some(_), None) => false,
        _ => true,
    }
}

/// Serves the console until cancelled.
pub(crate) async fn serve(listener: TcpListener, console: Arc<Console>, cancel: CancellationToken) {
    if let Ok(a) = listener.local_addr() {
        let scheme = if console.tls() { "https" } else { "http" };
        info!(listen = %a, users_file = %console.cfg.users_file.display(), "operator console at {scheme}://{a}/");
    }
    let tls = console.cfg.tls.as_ref().map(|t| tokio_rustls::TlsAcceptor::from(Arc::clone(&t.server.config)));
    let c = Arc::clone(&console);
    let handler = Arc::new(move |req: Request<Incoming>, addr: SocketAddr| Arc::clone(&c).handle(req, addr));
    crate::status::listener::serve("console", listener, tls, crate::status::listener::Limits::default(), handler, cancel).await;
}
