//! systemd readiness and watchdog (the sd_notify datagram protocol), driven by the screen loops.
//!
//! READY=1 goes out once every screen has published its first frame; WATCHDOG=1
//! only when every screen has published a frame since the previous ping, so a
//! hung renderer or a stuck loop stops the pings and systemd restarts the service.
//! It must never block or fail a screen loop: send errors are logged once and ignored.
//! Outside systemd (no $NOTIFY_SOCKET) everything here is a no-op.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tracing::{debug, warn};

/// Where and how often to notify, read from the environment systemd sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyEnv {
    /// $NOTIFY_SOCKET: a path, or an abstract name starting with '@'.
    pub socket: String,
    /// $WATCHDOG_USEC, when the watchdog is meant for this process ($WATCHDOG_PID absent or ours).
    pub watchdog: Option<Duration>,
}

impl NotifyEnv {
    /// Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID; `None` when not started by systemd with Type=notify.
    pub fn from_env() -> Option<NotifyEnv> {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self::parse(get("NOTIFY_SOCKET"), get("WATCHDOG_USEC"), get("WATCHDOG_PID"), std::process::id())
    }

    fn parse(socket: Option<String>, usec: Option<String>, pid: Option<String>, own_pid: u32) -> Option<NotifyEnv> {
        let socket = socket?;
        let for_us = pid.is_none_or(|p| p.trim().parse::<u32>().ok() == Some(own_pid));
        let watchdog = usec.and_then(|u| u.trim().parse::<u64>().ok()).filter(|&u| u > 0 && for_us).map(Duration::from_micros);
        Some(NotifyEnv { socket, watchdog })
    }
}

/// Sends sd_notify messages (one datagram each) to systemd's socket.
pub struct Notifier {
    sock: UnixDatagram,
    addr: SocketAddr,
    env: NotifyEnv,
}

impl Notifier {
    pub fn new(env: NotifyEnv) -> std::io::Result<Notifier> {
        let addr = socket_addr(&env.socket)?;
        let sock = UnixDatagram::unbound()?;
        sock.set_nonblocking(true)?;
        Ok(Notifier { sock, addr, env })
    }

    /// Sends one message such as "READY=1" or "STATUS=...".
    pub fn send(&self, msg: &str) -> std::io::Result<()> {
        self.sock.send_to_addr(msg.as_bytes(), &self.addr).map(|_| ())
    }
}

fn socket_addr(name: &str) -> std::io::Result<SocketAddr> {
    if let Some(abs) = name.strip_prefix('@') {
        use std::os::linux::net::SocketAddrExt;
        SocketAddr::from_abstract_name(abs.as_bytes())
    } else {
        SocketAddr::from_pathname(name)
    }
}

/// Tracks the screens' frames and decides when to send READY=1 and WATCHDOG=1.
pub struct Liveness {
    notifier: Option<Notifier>,
    state: Mutex<State>,
}

struct State {
    /// Which screens published a frame since the last ping (or since start, before READY).
    produced: Vec<bool>,
    ready: bool,
    last_ping: Instant,
    failed: bool,
}

impl Liveness {
    /// From the environment; a no-op when not under systemd or the socket is unusable (logged).
    pub fn from_env(screens: usize) -> Liveness {
        let notifier = NotifyEnv::from_env().and_then(|env| match Notifier::new(env.clone()) {
            Ok(n) => {
                debug!(socket = %env.socket, watchdog_ms = ?env.watchdog.map(|d| d.as_millis()), "systemd notification socket");
                Some(n)
            }
            Err(e) => {
                warn!(socket = %env.socket, error = %e, "cannot use $NOTIFY_SOCKET; systemd will not hear readiness or watchdog pings");
                None
            }
        });
        Self::with(notifier, screens)
    }

    pub fn with(notifier: Option<Notifier>, screens: usize) -> Liveness {
        Liveness { notifier, state: Mutex::new(State { produced: vec![false; screens], ready: false, last_ping: Instant::now(), failed: false }) }
    }

    /// Called by screen loop `screen` after it published a frame. `now` is the monotonic clock.
    pub fn frame_published(&self, screen: usize, now: Instant) {
        let Some(n) = &self.notifier else { return };
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = st.produced.get_mut(screen) {
            *p = true;
        }
        if !st.produced.iter().all(|&p| p) {
            return;
        }
        let msg = if !st.ready {
            st.ready = true;
            "READY=1\nSTATUS=showing on every screen"
        } else {
            // Ping at half the interval, as sd_watchdog_enabled(3) advises.
            match n.env.watchdog {
                Some(every) if now.duration_since(st.last_ping) >= every / 2 => "WATCHDOG=1",
                _ => return,
            }
        };
        st.last_ping = now;
        st.produced.iter_mut().for_each(|p| *p = false);
        match n.send(msg) {
            Ok(()) => st.failed = false,
            Err(e) if !st.failed => {
                st.failed = true;
                warn!(error = %e, "cannot notify systemd; will keep trying")
            }
            Err(_) => {}
        }
    }

    /// Tells systemd the service is stopping (so a slow shutdown is not taken for a hang).
    pub fn stopping(&self) {
        if let Some(n) = &self.notifier {
            let _ = n.send("STOPPING=1");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(usec: Option<&str>, pid: Option<&str>) -> Option<NotifyEnv> {
        NotifyEnv::parse(Some("/run/systemd/notify".into()), usec.map(String::from), pid.map(String::from), 42)
    }

    #[test]
    fn watchdog_interval_is_read_only_when_meant_for_this_process() {
        assert_eq!(env(Some("3000000"), None).unwrap().watchdog, Some(Duration::from_secs(3)));
        assert_eq!(env(Some("3000000"), Some("42")).unwrap().watchdog, Some(Duration::from_secs(3)));
        assert_eq!(env(Some("3000000"), Some("41")).unwrap().watchdog, None);
        assert_eq!(env(Some("0"), None).unwrap().watchdog, None);
        assert_eq!(env(Some("soon"), None).unwrap().watchdog, None);
        assert_eq!(NotifyEnv::parse(None, Some("1".into()), None, 42), None);
    }

    /// A real abstract-namespace datagram socket standing in for systemd.
    fn listener() -> (UnixDatagram, String) {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("yiping-test-{}-{:?}", std::process::id(), std::thread::current().id());
        let sock = UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap()).unwrap();
        sock.set_nonblocking(true).unwrap();
        (sock, format!("@{name}"))
    }

    fn received(sock: &UnixDatagram) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = [0u8; 256];
        while let Ok(n) = sock.recv(&mut buf) {
            out.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        out
    }

    #[test]
    fn ready_waits_for_every_screen_and_pings_stop_when_one_screen_stalls() {
        let (sock, name) = listener();
        let notifier = Notifier::new(NotifyEnv { socket: name, watchdog: Some(Duration::from_secs(2)) }).unwrap();
        let live = Liveness::with(Some(notifier), 2);
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        live.frame_published(0, at(0));
        assert!(received(&sock).is_empty(), "not ready before screen 1 has a frame");
        live.frame_published(1, at(40));
        assert_eq!(received(&sock), ["READY=1\nSTATUS=showing on every screen"]);
        live.frame_published(0, at(500));
        live.frame_published(1, at(540));
        assert!(received(&sock).is_empty(), "no ping before half the interval");
        // Due, and both screens produced since READY (screen 1 at 540 ms).
        live.frame_published(0, at(1100));
        assert_eq!(received(&sock), ["WATCHDOG=1"]);
        live.frame_published(0, at(2200));
        assert!(received(&sock).is_empty(), "screen 1 has not produced since the last ping");
        live.frame_published(1, at(2240));
        assert_eq!(received(&sock), ["WATCHDOG=1"]);
        // Screen 1 hangs: screen 0 alone never pings again.
        for ms in (2300..10_000).step_by(40) {
            live.frame_published(0, at(ms));
        }
        assert!(received(&sock).is_empty(), "a stalled screen must stop the pings");
        live.frame_published(1, at(10_000));
        assert_eq!(received(&sock), ["WATCHDOG=1"]);
    }

    #[test]
    fn without_systemd_nothing_is_sent_and_nothing_fails() {
        let live = Liveness::with(None, 1);
        live.frame_published(0, Instant::now());
        live.frame_published(5, Instant::now());
        live.stopping();
    }
}
