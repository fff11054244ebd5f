//! One owner thread per serial port shared by BX cards on an RS-485 bus.
//!
//! Sinks for cards at different addresses on the same port hand their requests
//! to the port's owner, which does one transaction at a time (write, then wait
//! for that card's reply), opens and reopens the port with backoff, and probes
//! the baud rate. It never lets two sinks write to one port at once.
//! Before each transaction it checks that the port's path still names the
//! device it opened (device and inode): a replugged adapter behind the same
//! by-id path is reopened at once, and every open bumps a generation the
//! sinks compare to know the card needs its content again.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};
use tracing::{info, warn};

use super::config::Baud;
use crate::sinks::serial;
use crate::spell::{Backoff, Spell};

use super::command::{self, Reply};
use super::packet::{self, BROADCAST, Decoder};

/// Why a transaction got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BusError {
    #[error("port {0} unavailable: {1}")]
    Unavailable(String, String),
    #[error("port {0}: {1}")]
    Io(String, String),
    #[error("no reply from card {addr:#06x} within {ms} ms")]
    Timeout { addr: u16, ms: u128 },
    #[error("no card answered a ping at 9600 or 57600 baud")]
    NoBaud,
}

struct Request {
    addr: u16,
    data: Vec<u8>,
    timeout: Duration,
    reply: mpsc::Sender<Result<Reply, BusError>>,
}

/// A handle on a port's owner thread; the thread ends when the last handle is dropped.
pub struct Bus {
    tx: Mutex<mpsc::Sender<Request>>,
    pub path: PathBuf,
    baud: Baud,
    /// Counts successful opens of the port: a change means a new link (the card may have lost its RAM).
    opened: Arc<AtomicU64>,
}

static REGISTRY: Mutex<Option<HashMap<PathBuf, Weak<Bus>>>> = Mutex::new(None);

/// The bus for `path`, shared with every other sink using the same port.
pub fn bus_for(path: &Path, baud: Baud) -> std::io::Result<Arc<Bus>> {
    let mut reg = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    let map = reg.get_or_insert_with(HashMap::new);
    map.retain(|_, w| w.strong_count() > 0);
    if let Some(b) = map.get(path).and_then(Weak::upgrade) {
        if b.baud != baud {
            warn!(port = %path.display(), "cards on one port are configured with different baud rates; the first one's is used");
        }
        return Ok(b);
    }
    let (tx, rx) = mpsc::channel();
    // Opening a device node is cheap: retry often, so a replugged adapter is found within seconds.
    let backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(2));
    let opened = Arc::new(AtomicU64::new(0));
    let owner = Owner {
        path: path.to_path_buf(),
        baud,
        port: None,
        identity: None,
        missing: None,
        speed: None,
        backoff,
        spell: Spell::default_reminder(),
        opened: Arc::clone(&opened),
    };
    let name = format!("bus-{}", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    std::thread::Builder::new().name(name).spawn(move || owner.run(rx))?;
    let bus = Arc::new(Bus { tx: Mutex::new(tx), path: path.to_path_buf(), baud, opened });
    map.insert(path.to_path_buf(), Arc::downgrade(&bus));
    Ok(bus)
}

impl Bus {
    /// How many times the port has been opened (changes when the link was reopened).
    pub fn generation(&self) -> u64 {
        self.opened.load(Ordering::SeqCst)
    }

    /// Sends one request to the card at `addr` and waits for its ACK/NACK.
    pub fn transact(&self, addr: u16, data: Vec<u8>, timeout: Duration) -> Result<Reply, BusError> {
        let (rtx, rrx) = mpsc::channel();
        let gone = || BusError::Io(self.path.display().to_string(), "port owner stopped".into());
        self.tx.lock().map_err(|_| gone())?.send(Request { addr, data, timeout, reply: rtx }).map_err(|_| gone())?;
        rrx.recv().map_err(|_| gone())?
    }
}

struct Owner {
    path: PathBuf,
    baud: Baud,
    port: Option<TTYPort>,
    /// Device and inode the path named when the port was opened.
    identity: Option<(u64, u64)>,
    /// What the path named at the last failed open (`None` inside: nothing there).
    missing: Option<Option<(u64, u64)>>,
    /// The baud rate in use (found by probing when `auto`).
    speed: Option<u32>,
    backoff: Backoff,
    /// Port failures are logged once per spell.
    spell: Spell,
    opened: Arc<AtomicU64>,
}

/// The device and inode `path` names now (following symlinks such as /dev/serial/by-id/...).
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

impl Owner {
    fn run(mut self, rx: mpsc::Receiver<Request>) {
        while let Ok(req) = rx.recv() {
            let res = self.serve(&req);
            let _ = req.reply.send(res);
        }
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn serve(&mut self, req: &Request) -> Result<Reply, BusError> {
        if self.port.is_some() && identity(&self.path) != self.identity {
            // Unplugged and plugged in again (or gone): the open fd is a dead device.
            info!(port = %self.name(), "the port's path names another device now (replugged); reopening");
            self.port = None;
            self.speed = None;
        }
        self.ensure_open()?;
        if self.speed.is_none() {
            self.probe(req.addr, req.timeout)?;
        }
        let wire = packet::encode(req.addr, &req.data);
        self.exchange(req.addr, &wire, req.timeout)
    }

    fn ensure_open(&mut self) -> Result<(), BusError> {
        if self.port.is_some() {
            return Ok(());
        }
        let now = Instant::now();
        // A device that appeared at the path since the last failed open is tried at once,
        // not after the backoff: that is the replug a blank card is waiting for.
        let appeared = self.missing.is_some_and(|m| m != identity(&self.path));
        if !self.backoff.ready(now) && !appeared {
            return Err(BusError::Unavailable(self.name(), "waiting to retry".into()));
        }
        let first = match self.baud {
            Baud::Fixed(b) => b,
            Baud::Auto => 9600,
        };
        match serial::open(&self.path, first, Duration::from_millis(20)) {
            Ok(p) => {
                match self.spell.success(now) {
                    Some(r) => info!(port = %self.name(), failures = r.failures, lasted = %crate::diag::duration(r.lasted), "serial port is back"),
                    None => info!(port = %self.name(), baud = first, "serial port opened"),
                }
                self.backoff.succeed();
                self.port = Some(p);
                self.identity = identity(&self.path);
                self.missing = None;
                self.opened.fetch_add(1, Ordering::SeqCst);
                self.speed = match self.baud {
                    Baud::Fixed(b) => Some(b),
                    Baud::Auto => None,
                };
                Ok(())
            }
            Err(e) => {
                self.missing = Some(identity(&self.path));
                if let Some(say) = self.spell.failure(&e.to_string(), now) {
                    warn!(port = %self.name(), error = %e, repeated = say.repeated, "cannot open serial port; will keep trying");
                }
                let d = self.backoff.fail(now);
                Err(BusError::Unavailable(self.name(), format!("{e} (retry in {:.1} s)", d.as_secs_f64())))
            }
        }
    }

    /// The protocol's baud detection: ping at 9600, wait up to 2 s, then at 57600.
    fn probe(&mut self, addr: u16, timeout: Duration) -> Result<(), BusError> {
        let ping = packet::encode(addr, &command::ping());
        for b in [9600, 57600] {
            if let Some(p) = self.port.as_mut()
                && let Err(e) = p.set_baud_rate(b)
            {
                return Err(self.drop_port(e.to_string()));
            }
            match self.exchange(addr, &ping, timeout.max(Duration::from_secs(2))) {
                Ok(_) => {
                    info!(port = %self.name(), baud = b, "card answers at this baud rate");
                    self.speed = Some(b);
                    return Ok(());
                }
                Err(BusError::Timeout { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(BusError::NoBaud)
    }

    fn drop_port(&mut self, why: String) -> BusError {
        self.port = None;
        self.speed = None;
        let now = Instant::now();
        if let Some(say) = self.spell.failure(&why, now) {
            warn!(port = %self.name(), error = %why, repeated = say.repeated, "serial port failed; reopening with backoff");
        }
        self.backoff.fail(now);
        BusError::Io(self.name(), why)
    }

    /// Writes one frame and waits for the addressed card's reply.
    fn exchange(&mut self, addr: u16, wire: &[u8], timeout: Duration) -> Result<Reply, BusError> {
        let Some(port) = self.port.as_mut() else { return Err(BusError::Unavailable(self.name(), "not open".into())) };
        let _ = port.clear(serialport::ClearBuffer::Input);
        if let Err(e) = port.write_all(wire).and_then(|_| port.flush()) {
            return Err(self.drop_port(e.to_string()));
        }
        if addr == BROADCAST {
            return Ok(Reply::Ack);
        }
        let deadline = Instant::now() + timeout;
        let mut dec = Decoder::new();
        let mut buf = [0u8; 256];
        while Instant::now() < deadline {
            let port = self.port.as_mut().expect("open");
            match port.read(&mut buf) {
                Ok(0) => std::thread::sleep(Duration::from_millis(5)),
                Ok(n) => {
                    for frame in dec.push(&buf[..n]) {
                        let Ok(p) = frame else { continue };
                        // On a shared bus only the addressed card answers; a reply from
                        // anyone else is an echo or noise.
                        if p.header.src != addr && addr != packet::BROADCAST_REPLY {
                            continue;
                        }
                        if let Some(r) = Reply::parse(&p) {
                            return Ok(r);
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut || e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.drop_port(e.to_string())),
            }
        }
        Err(BusError::Timeout { addr, ms: timeout.as_millis() })
    }
}
