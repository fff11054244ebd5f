//! The one accept loop behind the daemon's HTTP ports (the status endpoint and the operator
//! console): bounded connections with the oldest idle one closed first, a slot always kept
//! for loopback, a per-address limit for other machines, a header-read timeout, optional TLS.
//!
//! Hostile or broken clients cannot silence a port: a connection that sends nothing is
//! idle, and idle connections are what gets closed when the table is full. A connection in
//! the middle of a request is never closed to make room. Reads no clock: recency is a
//! counter of activity, and timeouts are tokio timers.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::spell::{Backoff, Spell};

/// How many connections a port holds, and how long a client may take to send its headers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limits {
    /// Connections held at once, all addresses together.
    pub max_connections: usize,
    /// Connections one non-loopback address may hold.
    pub per_address: usize,
    /// A request's headers must arrive within this; it is also how long an idle keep-alive
    /// connection stays open.
    pub header_timeout: Duration,
    /// Largest request head (and buffered body chunk) read.
    pub max_buf: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_connections: 32, per_address: 8, header_timeout: Duration::from_secs(5), max_buf: 64 * 1024 }
    }
}

/// What to do with a new connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    Accept,
    /// Accept it after closing this idle connection.
    Evict(u64),
    /// Close it at once: every connection that could make room is busy with a request.
    Refuse,
}

/// A live connection as the admission rule sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Seen {
    pub id: u64,
    pub ip: IpAddr,
    /// Requests in progress; 0 means idle (between requests, or none sent yet).
    pub busy: u32,
    /// Larger is more recent activity.
    pub last: u64,
}

fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_loopback(),
        // An IPv4 peer on a dual-stack socket arrives as ::ffff:127.0.0.1.
        IpAddr::V6(a) => a.is_loopback() || a.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// The admission rule (pure). In order: a non-loopback address over its own limit makes
/// room among its own connections; non-loopback clients together never take the last slot
/// (kept for loopback: systemd's and the watchdog's `/healthz`); a full table makes room by
/// closing the oldest idle connection. Only idle connections are ever closed.
pub(crate) fn admit(conns: &[Seen], ip: IpAddr, limits: &Limits) -> Admit {
    let oldest_idle = |keep: &dyn Fn(&Seen) -> bool| -> Admit {
        conns.iter().filter(|c| c.busy == 0 && keep(c)).min_by_key(|c| c.last).map_or(Admit::Refuse, |c| Admit::Evict(c.id))
    };
    let max = limits.max_connections.max(2);
    if !is_local(ip) {
        if conns.iter().filter(|c| c.ip == ip).count() >= limits.per_address.max(1) {
            return oldest_idle(&|c| c.ip == ip);
        }
        if conns.iter().filter(|c| !is_local(c.ip)).count() >= max - 1 {
            return oldest_idle(&|c| !is_local(c.ip));
        }
        if conns.len() >= max {
            return oldest_idle(&|c| !is_local(c.ip));
        }
        return Admit::Accept;
    }
    if conns.len() >= max {
        return oldest_idle(&|_| true);
    }
    Admit::Accept
}

struct Entry {
    seen: Seen,
    close: CancellationToken,
}

/// The live connections of one port.
#[derive(Default)]
struct Table {
    conns: HashMap<u64, Entry>,
    next_id: u64,
    clock: u64,
}

impl Table {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn touch(&mut self, id: u64, delta: i32) {
        let t = self.tick();
        if let Some(e) = self.conns.get_mut(&id) {
            e.seen.busy = e.seen.busy.saturating_add_signed(delta);
            e.seen.last = t;
        }
    }
}

/// Marks a connection busy while a request is handled, and idle again after.
struct Busy {
    table: Arc<Mutex<Table>>,
    id: u64,
}

impl Busy {
    fn new(table: &Arc<Mutex<Table>>, id: u64) -> Busy {
        if let Ok(mut t) = table.lock() {
            t.touch(id, 1);
        }
        Busy { table: Arc::clone(table), id }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Ok(mut t) = self.table.lock() {
            t.touch(self.id, -1);
        }
    }
}

/// Optional TLS for a port.
pub(crate) type Tls = Option<tokio_rustls::TlsAcceptor>;

/// Serves `handler` on `listener` until cancelled. `name` is for logs.
pub(crate) async fn serve<H, F>(name: &'static str, listener: TcpListener, tls: Tls, limits: Limits, handler: Arc<H>, cancel: CancellationToken)
where
    H: Fn(Request<Incoming>, SocketAddr) -> F + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let table = Arc::new(Mutex::new(Table::default()));
    // Out of file descriptors and the like fail on every accept: one line per spell, and a
    // growing wait instead of a spin.
    let mut spell = Spell::default_reminder();
    let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(2));
    loop {
        let (stream, peer) = tokio::select! {
            _ = cancel.cancelled() => return,
            r = listener.accept() => match r {
                Ok(c) => {
                    if let Some(r) = spell.success(std::time::Instant::now()) {
                        info!(port = name, failures = r.failures, lasted = %crate::diag::duration(r.lasted), "accepting connections again");
                    }
                    backoff.succeed();
                    c
                }
                Err(e) => {
                    let now = std::time::Instant::now();
                    if let Some(say) = spell.failure(&e.to_string(), now) {
                        warn!(port = name, error = %e, repeated = say.repeated, "accept failed; will keep trying");
                    }
                    tokio::time::sleep(backoff.fail(now)).await;
                    continue;
                }
            },
        };
        let Some((id, close)) = register(&table, peer.ip(), &limits) else {
            debug!(port = name, peer = %peer, "connection refused: every slot is busy with a request");
            drop(stream);
            continue;
        };
        let (table, handler, cancel, tls) = (Arc::clone(&table), Arc::clone(&handler), cancel.clone(), tls.clone());
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let run = async {
                match tls {
                    None => connection(stream, peer, &table, id, &limits, handler).await,
                    Some(acceptor) => match tokio::time::timeout(limits.header_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(s)) => connection(s, peer, &table, id, &limits, handler).await,
                        Ok(Err(e)) => debug!(port = name, peer = %peer, error = %e, "TLS handshake failed"),
                        Err(_) => debug!(port = name, peer = %peer, "TLS handshake timed out"),
                    },
                }
            };
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = close.cancelled() => debug!(port = name, peer = %peer, "idle connection closed to make room"),
                _ = run => {}
            }
            if let Ok(mut t) = table.lock() {
                t.conns.remove(&id);
            }
        });
    }
}

/// Applies the admission rule and records the new connection; `None` when refused.
fn register(table: &Arc<Mutex<Table>>, ip: IpAddr, limits: &Limits) -> Option<(u64, CancellationToken)> {
    let mut t = table.lock().ok()?;
    let seen: Vec<Seen> = t.conns.values().map(|e| e.seen.clone()).collect();
    match admit(&seen, ip, limits) {
        Admit::Refuse => return None,
        Admit::Evict(old) => {
            if let Some(e) = t.conns.remove(&old) {
                e.close.cancel();
            }
        }
        Admit::Accept => {}
    }
    t.next_id += 1;
    let id = t.next_id;
    let last = t.tick();
    let close = CancellationToken::new();
    t.conns.insert(id, Entry { seen: Seen { id, ip, busy: 0, last }, close: close.clone() });
    Some((id, close))
}

async fn connection<S, H, F>(io: S, peer: SocketAddr, table: &Arc<Mutex<Table>>, id: u64, limits: &Limits, handler: Arc<H>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(Request<Incoming>, SocketAddr) -> F + Send + Sync + 'static,
    F: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let table = Arc::clone(table);
    let svc = hyper::service::service_fn(move |req| {
        let busy = Busy::new(&table, id);
        let fut = handler(req, peer);
        async move {
            let r = fut.await;
            drop(busy);
            Ok::<_, Infallible>(r)
        }
    });
    let mut b = hyper::server::conn::http1::Builder::new();
    b.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).max_buf_size(limits.max_buf.max(8192));
    if let Err(e) = b.serve_connection(TokioIo::new(io), svc).await {
        debug!(peer = %peer, error = %e, "connection ended");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn c(id: u64, addr: &str, busy: u32, last: u64) -> Seen {
        Seen { id, ip: ip(addr), busy, last }
    }

    const L: Limits = Limits { max_connections: 4, per_address: 2, header_timeout: Duration::from_secs(5), max_buf: 65536 };

    #[test]
    fn a_full_table_closes_the_oldest_idle_connection_never_a_busy_one() {
        let conns = [c(1, "127.0.0.1", 1, 1), c(2, "127.0.0.1", 0, 5), c(3, "127.0.0.1", 0, 3), c(4, "127.0.0.1", 2, 2)];
        assert_eq!(admit(&conns, ip("127.0.0.1"), &L), Admit::Evict(3));
        let all_busy: Vec<Seen> = conns.iter().map(|s| Seen { busy: 1, ..s.clone() }).collect();
        assert_eq!(admit(&all_busy, ip("127.0.0.1"), &L), Admit::Refuse);
        assert_eq!(admit(&conns[..3], ip("127.0.0.1"), &L), Admit::Accept);
    }

    #[test]
    fn other_machines_never_take_the_last_slot_which_loopback_keeps() {
        let conns = [c(1, "192.0.2.1", 0, 1), c(2, "192.0.2.2", 0, 2), c(3, "192.0.2.3", 1, 3)];
        // Three remote connections of four: a fourth remote one must make room among the remote ones.
        assert_eq!(admit(&conns, ip("192.0.2.4"), &L), Admit::Evict(1));
        // Loopback gets the kept slot without closing anything.
        assert_eq!(admit(&conns, ip("127.0.0.1"), &L), Admit::Accept);
        // Remote busy everywhere: refused, while loopback still gets in.
        let busy: Vec<Seen> = conns.iter().map(|s| Seen { busy: 1, ..s.clone() }).collect();
        assert_eq!(admit(&busy, ip("192.0.2.4"), &L), Admit::Refuse);
        assert_eq!(admit(&busy, ip("::ffff:127.0.0.1"), &L), Admit::Accept, "IPv4-mapped loopback is loopback");
    }

    #[test]
    fn one_address_over_its_limit_makes_room_among_its_own_connections() {
        let conns = [c(1, "127.0.0.1", 0, 1), c(2, "192.0.2.9", 0, 4), c(3, "192.0.2.9", 0, 2)];
        assert_eq!(admit(&conns, ip("192.0.2.9"), &L), Admit::Evict(3), "its own oldest, not the loopback one");
        let busy = [c(1, "127.0.0.1", 0, 1), c(2, "192.0.2.9", 1, 4), c(3, "192.0.2.9", 1, 2)];
        assert_eq!(admit(&busy, ip("192.0.2.9"), &L), Admit::Refuse);
        assert_eq!(admit(&busy, ip("192.0.2.10"), &L), Admit::Accept, "another address is not held back");
    }

    #[test]
    fn a_remote_newcomer_never_closes_a_loopback_connection() {
        let conns = [c(1, "127.0.0.1", 0, 1), c(2, "127.0.0.1", 0, 2), c(3, "192.0.2.1", 1, 3), c(4, "192.0.2.2", 1, 4)];
        assert_eq!(admit(&conns, ip("192.0.2.5"), &L), Admit::Refuse);
    }
}
