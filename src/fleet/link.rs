//! The fleet link: one task keeping the box's MQTT 3.1.1 session with the district's broker.
//!
//! It never touches a screen: it reads shared state (watch channels, the
//! evidence head) and the log files, so a broker that is down, slow or
//! refusing costs the screens nothing. Each connection attempt gets a fresh
//! client (clean session), so nothing stale is replayed after a reconnect:
//! records resume from the acknowledged cursor, and commands queued while the
//! box was away are never delivered to it. Reconnects back off exponentially
//! with jitter; a failure is logged once per spell.
//!
//! Records: QoS 1, the exact lines of the log, in seq order, at most
//! `records_per_second` and `INFLIGHT` unacknowledged at once. The cursor
//! moves only past records whose PUBACK came back (the broker has taken them
//! over); a record published but not acknowledged when the link drops is sent
//! again on the next connection.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::tz::TimeZone;
use rumqttc::{AsyncClient, ConnectReturnCode, Event, EventLoop, Incoming, LastWill, MqttOptions, Outgoing, QoS, Transport};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use crate::sources::http::verify::Keys;
use crate::spell::{Backoff, Spell};
use crate::status::State;

use super::backlog::{Line, LogTail};
use super::config::FleetConfig;
use super::cursor::{self, Cursor};
use super::nonces::{self, Nonces};
use super::obey::{self, Out};
use super::today::Today;
use super::topics::Topics;
use super::{Actions, report, tls};

/// Records published and not yet acknowledged, at most.
pub(crate) const INFLIGHT: usize = 32;
/// First wait after a failed connection; doubles up to `MAX_BACKOFF`, each wait jittered.
pub(crate) const FIRST_BACKOFF: Duration = Duration::from_secs(1);
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// The cursor is saved at most this often while records are being acknowledged.
const SAVE_EVERY: Duration = Duration::from_secs(1);
/// How long a clean stop may spend telling the broker (head, offline).
const GOODBYE: Duration = Duration::from_secs(2);
const TICK: Duration = Duration::from_millis(100);

/// What the link needs from the daemon.
pub struct Link {
    pub cfg: FleetConfig,
    /// Status, frames, catalog, evidence recorder and clock.
    pub state: Arc<State>,
    /// The evidence log folder.
    pub log_dir: PathBuf,
    pub state_dir: PathBuf,
    pub time_zone: TimeZone,
    pub actions: Arc<dyn Actions>,
}

/// The link's counters, for tests, the benchmark and the status page.
#[derive(Debug, Default)]
pub struct LinkStats {
    pub connected: AtomicBool,
    pub connections: AtomicU64,
    /// Records published (including resends).
    pub records_sent: AtomicU64,
    /// Acknowledged through this seq, plus one (0: none yet).
    pub acked_next: AtomicU64,
    pub status_sent: AtomicU64,
}

/// Publishes in flight: what each Outgoing::Publish event stands for, in request order.
enum Tag {
    Record(u64, String),
    Other,
}

/// The record stream's state across connections: cursor, reader, unacknowledged records.
struct Records {
    dir: PathBuf,
    cursor_path: PathBuf,
    cursor: Option<Cursor>,
    saved: Option<u64>,
    last_save: Instant,
    /// Opened at each connection, from the cursor.
    tail: Option<LogTail>,
    /// A line read but not yet handed to the client (its channel was full).
    pending: Option<Line>,
    /// pkid -> record, once the client gave the publish its packet id.
    inflight: HashMap<u16, (u64, String)>,
    /// Acknowledged beyond the cursor (acks may come out of order).
    acked: BTreeMap<u64, String>,
    sent_unacked: usize,
    tokens: f64,
    rate: f64,
    last_fill: Instant,
}

impl Records {
    fn open(dir: PathBuf, state_dir: &std::path::Path, rate: u32) -> Records {
        let cursor_path = cursor::path(state_dir);
        let mut c = cursor::load(&cursor_path);
        if let Some(cur) = &c {
            match super::backlog::hash_of(&dir, cur.seq) {
                Ok(Some(h)) if h == cur.hash => info!(seq = cur.seq, "fleet: records resume after the acknowledged cursor"),
                Ok(found) => {
                    warn!(seq = cur.seq, found = ?found, "fleet: the saved cursor does not match the evidence log (log replaced or cut back?); sending the whole log again");
                    c = None;
                }
                Err(e) => warn!(error = %e, "fleet: cannot check the cursor against the log; trusting it"),
            }
        }
        let saved = c.as_ref().map(|c| c.seq);
        Records {
            dir,
            cursor_path,
            cursor: c,
            saved,
            last_save: Instant::now(),
            tail: None,
            pending: None,
            inflight: HashMap::new(),
            acked: BTreeMap::new(),
            sent_unacked: 0,
            tokens: 0.0,
            rate: rate as f64,
            last_fill: Instant::now(),
        }
    }

    /// A new connection: forget what was in flight and read again from the cursor.
    fn restart(&mut self) {
        self.inflight.clear();
        self.acked.clear();
        self.sent_unacked = 0;
        self.pending = None;
        self.tail = match LogTail::open(&self.dir, self.cursor.as_ref().map(|c| c.seq)) {
            Ok(t) => Some(t),
            Err(e) => {
                error!(dir = %self.dir.display(), error = %e, "fleet: cannot read the evidence log; records wait until it can be read");
                None
            }
        };
    }

    /// Publishes what the pace and the in-flight limit allow, up to the durable head.
    fn pump(&mut self, client: &AsyncClient, topic: &str, upto: Option<u64>, tags: &mut VecDeque<Tag>, stats: &LinkStats) {
        let now = Instant::now();
        self.tokens = (self.tokens + self.rate * now.duration_since(self.last_fill).as_secs_f64()).min(self.rate.max(1.0));
        self.last_fill = now;
        let Some(upto) = upto else { return };
        while self.tokens >= 1.0 && self.sent_unacked < INFLIGHT {
            let line = match self.pending.take() {
                Some(l) => l,
                None => match self.tail.as_mut().map_or(Ok(None), |t| t.next(upto)) {
                    Ok(Some(l)) => l,
                    Ok(None) => break,
                    Err(e) => {
                        debug!(error = %e, "fleet: evidence log read failed; retrying");
                        break;
                    }
                },
            };
            match client.try_publish(topic, QoS::AtLeastOnce, false, line.text.clone().into_bytes()) {
                Ok(()) => {
                    tags.push_back(Tag::Record(line.seq, line.hash));
                    self.sent_unacked += 1;
                    self.tokens -= 1.0;
                    stats.records_sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => {
                    self.pending = Some(line);
                    break;
                }
            }
        }
    }

    fn puback(&mut self, pkid: u16, stats: &LinkStats) {
        let Some((seq, hash)) = self.inflight.remove(&pkid) else { return };
        self.sent_unacked = self.sent_unacked.saturating_sub(1);
        self.acked.insert(seq, hash);
        // The cursor moves over a run of acknowledged records with no gap.
        while let Some((&s, _)) = self.acked.first_key_value() {
            let next = self.cursor.as_ref().map_or(0, |c| c.seq + 1);
            if s < next {
                self.acked.pop_first();
            } else if s == next {
                let (s, h) = self.acked.pop_first().expect("present");
                self.cursor = Some(Cursor { seq: s, hash: h, at: jiff::Timestamp::UNIX_EPOCH });
                stats.acked_next.store(s + 1, Ordering::Relaxed);
            } else {
                break;
            }
        }
    }

    /// Saves the cursor if it moved (at most once a second unless `force`).
    fn save(&mut self, now: jiff::Timestamp, force: bool) {
        let Some(c) = &mut self.cursor else { return };
        if self.saved == Some(c.seq) || (!force && self.last_save.elapsed() < SAVE_EVERY) {
            return;
        }
        c.at = now;
        match cursor::save(&self.cursor_path, c) {
            Ok(()) => self.saved = Some(c.seq),
            Err(e) => {
                warn!(path = %self.cursor_path.display(), error = %e, "fleet: cannot save the record cursor (records may be sent twice after a restart)")
            }
        }
        self.last_save = Instant::now();
    }
}

/// Why a session ended.
enum Ended {
    Cancelled,
    Failed(String),
}

/// Runs the link until cancelled.
pub async fn run(link: Link, stats: Arc<LinkStats>, cancel: CancellationToken) {
    let topics = Topics::new(&link.cfg.prefix, &link.cfg.site);
    let keys = match Keys::new(&link.cfg.command_keys) {
        Ok(k) => k,
        Err(e) => {
            error!(error = %e, "fleet: command keys unusable; every command will be refused");
            Keys::new(&[]).expect("no keys")
        }
    };
    let tls = if link.cfg.broker.tls {
        let auth = link.cfg.client_auth.as_ref().map(|(c, k)| (c.as_slice(), k.0.as_bytes()));
        match tls::client_config(link.cfg.ca_pem.as_deref(), auth) {
            Ok(c) => Some(Arc::new(c)),
            Err(e) => {
                error!(broker = %link.cfg.broker.url, error = %e, "fleet: TLS cannot be set up; the link stays down (fix [fleet] and restart)");
                return;
            }
        }
    } else {
        None
    };
    let (cmd_tx, cmd_rx) = mpsc::channel::<Vec<u8>>(16);
    let (out_tx, mut out_rx) = mpsc::channel::<Out>(16);
    let worker = obey::Worker {
        site: link.cfg.site.clone(),
        keys,
        state: Arc::clone(&link.state),
        nonces: Arc::new(Mutex::new(Nonces::load(&nonces::path(&link.state_dir)))),
        actions: Arc::clone(&link.actions),
    };
    let worker = tokio::spawn(obey::run(worker, cmd_rx, out_tx, cancel.clone()));
    let mut records = Records::open(link.log_dir.clone(), &link.state_dir, link.cfg.records_per_second);
    let now = link.state.clock.now();
    let mut today = Today::new(link.time_zone.clone(), now);
    let mut today_tail = LogTail::from_day(&link.log_dir, &today.day_name()).ok();
    let mut spell = Spell::default_reminder();
    let mut backoff = Backoff::new(FIRST_BACKOFF, MAX_BACKOFF);
    info!(broker = %link.cfg.broker.url, site = %link.cfg.site, prefix = %link.cfg.prefix, "fleet link starting");
    loop {
        let mut session = Session { link: &link, topics: &topics, stats: &stats, tags: VecDeque::new(), connected: false };
        let ended = session.drive(tls.clone(), &mut records, &mut today, &mut today_tail, &cmd_tx, &mut out_rx, &cancel, &mut spell).await;
        stats.connected.store(false, Ordering::Relaxed);
        records.save(link.state.clock.now(), true);
        match ended {
            Ended::Cancelled => break,
            Ended::Failed(why) => {
                if session.connected {
                    backoff.succeed();
                }
                let now = std::time::Instant::now();
                let delay = backoff.fail(now);
                if let Some(s) = spell.failure(&why, now) {
                    warn!(broker = %link.cfg.broker.url, error = %why, repeated = s.repeated, failing_for_s = s.failing_for.as_secs(), retry_in_s = delay.as_secs(),
                        "fleet link down; the screens are not affected, records wait in the log / 区级平台连接中断，屏幕不受影响，记录留在日志中待补发");
                }
            }
        }
        // Jitter over the upper half, so boxes that lost the broker together do not return together.
        let wait =
            backoff.until.map_or(Duration::ZERO, |u| u.saturating_duration_since(std::time::Instant::now())).mul_f64(0.5 + fastrand::f64() * 0.5);
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep(wait) => {}
        }
    }
    drop(cmd_tx);
    let _ = worker.await;
    info!("fleet link stopped");
}

struct Session<'a> {
    link: &'a Link,
    topics: &'a Topics,
    stats: &'a LinkStats,
    tags: VecDeque<Tag>,
    connected: bool,
}

impl Session<'_> {
    fn options(&self, tls: Option<Arc<rustls::ClientConfig>>) -> MqttOptions {
        let cfg = &self.link.cfg;
        let mut o = MqttOptions::new(format!("yiping-{}", cfg.site), cfg.broker.host.clone(), cfg.broker.port);
        o.set_keep_alive(cfg.keep_alive);
        o.set_clean_session(true);
        o.set_last_will(LastWill::new(self.topics.online(), "false", QoS::AtLeastOnce, true));
        // Frames of HD screens as PNG can be a few MB; commands are small.
        o.set_max_packet_size(1 << 20, 16 << 20);
        o.set_inflight(INFLIGHT as u16 + 16);
        if let Some(user) = &cfg.username {
            o.set_credentials(user.clone(), cfg.password.as_ref().map(|p| p.0.clone()).unwrap_or_default());
        }
        if let Some(t) = tls {
            o.set_transport(Transport::tls_with_config(rumqttc::TlsConfiguration::Rustls(t)));
        }
        o
    }

    fn publish(&mut self, client: &AsyncClient, topic: String, retain: bool, payload: Vec<u8>) {
        if client.try_publish(topic, QoS::AtLeastOnce, retain, payload).is_ok() {
            self.tags.push_back(Tag::Other);
        }
    }

    fn publish_status(&mut self, client: &AsyncClient, today: &Today, records: &Records) {
        let doc = report::status(&self.link.state, &self.link.cfg.site, today, records.cursor.as_ref().map(|c| c.seq));
        self.publish(client, self.topics.status(), true, serde_json::to_vec(&doc).expect("json"));
        self.stats.status_sent.fetch_add(1, Ordering::Relaxed);
    }

    fn publish_head(&mut self, client: &AsyncClient) {
        if let Some((_, h)) = report::head(&self.link.state, self.link.state.clock.now()) {
            self.publish(client, self.topics.head(), true, serde_json::to_vec(&h).expect("json"));
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn drive(
        &mut self,
        tls: Option<Arc<rustls::ClientConfig>>,
        records: &mut Records,
        today: &mut Today,
        today_tail: &mut Option<LogTail>,
        cmd_tx: &mpsc::Sender<Vec<u8>>,
        out_rx: &mut mpsc::Receiver<Out>,
        cancel: &CancellationToken,
        spell: &mut Spell,
    ) -> Ended {
        let (client, mut ev) = AsyncClient::new(self.options(tls), 4 * INFLIGHT);
        ev.network_options.set_connection_timeout(10);
        records.restart();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let cfg = &self.link.cfg;
        let mut next_status = Instant::now() + cfg.status_every;
        let mut next_head = Instant::now() + cfg.head_every;
        let mut last_key = String::new();
        let mut last_key_check = Instant::now();
        loop {
            tokio::select! {
                _ = cancel.cancelled() => {
                    if self.connected {
                        self.goodbye(&client, &mut ev, records).await;
                    }
                    return Ended::Cancelled;
                }
                e = ev.poll() => match e {
                    Err(e) => return Ended::Failed(e.to_string()),
                    Ok(Event::Incoming(Incoming::ConnAck(ack))) => {
                        if ack.code != ConnectReturnCode::Success {
                            return Ended::Failed(format!("broker refused the connection: {:?} (check username, password_file and the broker's ACL)", ack.code));
                        }
                        self.connected = true;
                        self.stats.connected.store(true, Ordering::Relaxed);
                        self.stats.connections.fetch_add(1, Ordering::Relaxed);
                        if let Some(r) = spell.success(std::time::Instant::now()) {
                            info!(broker = %cfg.broker.url, failures = r.failures, down_s = r.lasted.as_secs(), "fleet link up again / 区级平台已重新连接");
                        } else {
                            info!(broker = %cfg.broker.url, "fleet link up");
                        }
                        for t in [self.topics.cmd(), self.topics.cmd_all()] {
                            let _ = client.try_subscribe(t, QoS::AtLeastOnce);
                        }
                        self.publish(&client, self.topics.online(), true, b"true".to_vec());
                        follow_today(today, today_tail, &self.link.log_dir, self.link.state.clock.now(), report::durable_seq(&self.link.state));
                        last_key = report::change_key(&self.link.state);
                        self.publish_status(&client, today, records);
                        self.publish_head(&client);
                        next_status = Instant::now() + cfg.status_every;
                        next_head = Instant::now() + cfg.head_every;
                    }
                    Ok(Event::Incoming(Incoming::PubAck(a))) => records.puback(a.pkid, self.stats),
                    Ok(Event::Incoming(Incoming::Publish(p))) => {
                        if (p.topic == self.topics.cmd() || p.topic == self.topics.cmd_all()) && cmd_tx.try_send(p.payload.to_vec()).is_err() {
                            warn!("fleet: commands arrive faster than they are handled; one dropped (its sender gets no result)");
                        }
                    }
                    Ok(Event::Outgoing(Outgoing::Publish(pkid))) => {
                        if let Some(Tag::Record(seq, hash)) = self.tags.pop_front() && pkid != 0 {
                            records.inflight.insert(pkid, (seq, hash));
                        }
                    }
                    Ok(_) => {}
                },
                o = out_rx.recv(), if self.connected => match o {
                    Some(Out::Result(r)) => self.publish(&client, self.topics.cmd_result(), false, r),
                    Some(Out::Frame { screen, png }) => self.publish(&client, self.topics.frame(&screen), false, png),
                    None => {}
                },
                _ = tick.tick() => {
                    if !self.connected {
                        continue;
                    }
                    let durable = report::durable_seq(&self.link.state);
                    records.pump(&client, &self.topics.records(), durable, &mut self.tags, self.stats);
                    records.save(self.link.state.clock.now(), false);
                    let now = Instant::now();
                    if now.duration_since(last_key_check) >= Duration::from_secs(1) {
                        last_key_check = now;
                        let key = report::change_key(&self.link.state);
                        if key != last_key {
                            next_status = now;
                            last_key = key;
                        }
                    }
                    if now >= next_status {
                        follow_today(today, today_tail, &self.link.log_dir, self.link.state.clock.now(), durable);
                        self.publish_status(&client, today, records);
                        next_status = now + cfg.status_every;
                    }
                    if now >= next_head {
                        self.publish_head(&client);
                        next_head = now + cfg.head_every;
                    }
                }
            }
        }
    }

    /// A clean stop: the final head and `online=false`, waiting briefly for the broker to take them.
    async fn goodbye(&mut self, client: &AsyncClient, ev: &mut EventLoop, records: &mut Records) {
        self.publish_head(client);
        self.publish(client, self.topics.online(), true, b"false".to_vec());
        let _ = client.try_disconnect();
        let deadline = Instant::now() + GOODBYE;
        while let Ok(Ok(e)) = tokio::time::timeout_at(deadline, ev.poll()).await {
            match e {
                Event::Incoming(Incoming::PubAck(a)) => records.puback(a.pkid, self.stats),
                Event::Outgoing(Outgoing::Publish(pkid)) => {
                    if let Some(Tag::Record(seq, hash)) = self.tags.pop_front()
                        && pkid != 0
                    {
                        records.inflight.insert(pkid, (seq, hash));
                    }
                }
                Event::Outgoing(Outgoing::Disconnect) => break,
                _ => {}
            }
        }
    }
}

/// Brings the count of today's plays up to date (a new day starts from its first file).
fn follow_today(today: &mut Today, tail: &mut Option<LogTail>, dir: &std::path::Path, now: jiff::Timestamp, durable: Option<u64>) {
    if today.roll(now) || tail.is_none() {
        *tail = LogTail::from_day(dir, &today.day_name()).ok();
    }
    let (Some(t), Some(upto)) = (tail.as_mut(), durable) else { return };
    while let Ok(Some(l)) = t.next(upto) {
        today.add(&l.record);
    }
}
