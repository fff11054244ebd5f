//! Evidence: the tamper-evident proof-of-display log, and the compliance report read from it.
//!
//! Anyone may hold a cloneable `Recorder` and record events without ever
//! blocking: records go through a bounded channel to one writer thread that
//! appends them to hash-chained JSON Lines files and syncs once per batch
//! (group commit). A full channel is never silent: the loss is logged, counted
//! and written into the chain as a `dropped` record. A record whose times cannot be
//! true (`guard`) is refused the same way: logged, counted, written as `refused`.
//! Nothing here draws or schedules.

pub(crate) mod accepted;
pub(crate) mod anchors;
pub(crate) mod cadence;
pub(crate) mod config;
pub(crate) mod edits;
pub(crate) mod files;
pub(crate) mod guard;
pub(crate) mod record;
pub(crate) mod rehearsal;
pub(crate) mod report;
pub(crate) mod sources;
pub(crate) mod tracker;
pub(crate) mod verify;
pub(crate) mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use tracing::{error, info, warn};

use crate::clock::Clock;

pub(crate) use record::{Event, Play};
pub(crate) use tracker::PlayTracker;

/// Records that may wait for the writer; beyond this they are counted as dropped.
pub(crate) const QUEUE: usize = 4096;

/// How the log is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct LogConfig {
    pub dir: PathBuf,
    /// A file is closed and the next part started beyond this size.
    pub rotate_bytes: u64,
    /// Files are named by local day in this zone.
    pub time_zone: TimeZone,
}

/// Counters shared with the status endpoint.
#[derive(Debug, Default)]
pub struct Stats {
    pub written: AtomicU64,
    /// Records that could not be queued (they are reported in the log as `dropped`).
    pub dropped: AtomicU64,
    /// Dropped but not yet reported in the log.
    unreported: AtomicU64,
    pub write_errors: AtomicU64,
    /// Records refused because their times cannot be true (each is noted as `refused`).
    pub refused: AtomicU64,
    /// True while writes fail (records wait in memory).
    pub failing: AtomicBool,
    /// Sequence number and hash of the newest record: the chain's head.
    pub head: Mutex<Option<(u64, String)>>,
    /// Set while the queue is full, so the loss is said once per spell.
    full: AtomicBool,
}

enum Msg {
    /// `now` and `mono` are the trusted clock and monotonic time when it was queued.
    Record {
        at: Timestamp,
        trusted: bool,
        event: Event,
        now: Timestamp,
        mono: tokio::time::Instant,
    },
    Stop {
        at: Timestamp,
        trusted: bool,
    },
}

/// The handle everyone records through. Cloning is cheap; recording never blocks.
#[derive(Clone)]
pub struct Recorder {
    /// Boxed: the queue's 4,096 slots are allocated up front, 16 bytes each rather than a whole `Msg`.
    tx: SyncSender<Box<Msg>>,
    clock: Clock,
    stats: Arc<Stats>,
    sources: Arc<sources::SourceBook>,
}

impl Recorder {
    /// Opens the log (continuing its chain; a torn tail is reported and recorded),
    /// writes a `start` record and starts the writer thread. Join the handle after `stop`.
    pub fn start(cfg: &LogConfig, clock: Clock, start: Event) -> std::io::Result<(Recorder, std::thread::JoinHandle<()>)> {
        let (rec, dormant) = Recorder::open(cfg, clock, start, QUEUE)?;
        Ok((rec, dormant.spawn()?))
    }

    /// Like `start` with a queue of `queue` records, but the writer thread runs
    /// only once `Dormant::spawn` is called (until then records only queue).
    pub fn open(cfg: &LogConfig, clock: Clock, start: Event, queue: usize) -> std::io::Result<(Recorder, Dormant)> {
        let (mut w, resume) = writer::Writer::open(&cfg.dir, cfg.rotate_bytes, cfg.time_zone.clone())?;
        let now = clock.now();
        let trusted = clock.trusted();
        let mut written = 1;
        if let Some((file, line, bytes)) = &resume.torn {
            warn!(file = %cfg.dir.join(file).display(), line, bytes, "evidence log: last line was torn (power cut while writing); skipped, chain continues from the last good record");
            w.append(now, trusted, Event::TornTail { file: file.clone(), line: *line, bytes: *bytes })?;
            written += 1;
        }
        w.append(now, trusted, start)?;
        w.sync()?;
        let stats = Arc::new(Stats::default());
        stats.written.store(written, Ordering::Relaxed);
        publish_head(&w, &stats);
        info!(dir = %cfg.dir.display(), next = resume.seq, "evidence log open");
        let (tx, rx) = sync_channel(queue.max(1));
        let opened = tokio::time::Instant::now();
        let dormant = Dormant { writer: w, rx, stats: Arc::clone(&stats), dir: cfg.dir.clone(), clock: clock.clone(), opened };
        Ok((Recorder { tx, clock, stats, sources: Arc::default() }, dormant))
    }

    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Queues a record; never blocks. A full queue is logged (once per spell) and counted.
    /// The trusted clock is read now, so the writer can refuse a record stamped ahead of it.
    pub fn record(&self, at: Timestamp, event: Event) {
        let msg = Msg::Record { at, trusted: self.clock.trusted(), event, now: self.clock.now(), mono: tokio::time::Instant::now() };
        match self.tx.try_send(Box::new(msg)) {
            Ok(()) => {
                if self.stats.full.swap(false, Ordering::Relaxed) {
                    info!("evidence log queue has room again");
                }
            }
            Err(TrySendError::Full(_)) => {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                self.stats.unreported.fetch_add(1, Ordering::Relaxed);
                if !self.stats.full.swap(true, Ordering::Relaxed) {
                    error!(
                        queue = QUEUE,
                        "evidence log queue full: records are being LOST (counted, and noted in the log as `dropped`); the disk is too slow or failing"
                    );
                }
            }
            Err(TrySendError::Disconnected(_)) => {
                self.stats.dropped.fetch_add(1, Ordering::Relaxed);
                error!("evidence log writer has stopped: record lost");
            }
        }
    }

    /// Records now.
    pub fn now(&self, event: Event) {
        self.record(self.clock.now(), event);
    }

    pub fn play(&self, play: Play) {
        self.record(play.end, Event::Play(Box::new(play)));
    }

    /// Health of every source that reported, for the status page.
    pub fn sources(&self) -> &Arc<sources::SourceBook> {
        &self.sources
    }

    /// A source's fetch failed. Call on every failure: a record is written when
    /// a failure spell starts or its error changes, not for every repeat.
    pub fn source_failed(&self, source: &str, error: &str) {
        let now = self.clock.now();
        if self.sources.failed(source, error, now) == sources::Transition::Failed {
            warn!(source, error, "source failing");
            self.record(now, Event::SourceFailed { source: source.to_string(), error: error.to_string() });
        }
    }

    /// A source's fetch worked. Call on every success: a record is written only
    /// when it ends a failure spell.
    pub fn source_recovered(&self, source: &str) {
        let now = self.clock.now();
        if self.sources.ok(source, now) == sources::Transition::Recovered {
            info!(source, "source recovered");
            self.record(now, Event::SourceRecovered { source: source.to_string() });
        }
    }

    /// A reload was accepted (`hours`: the screens' hours from now on) or refused.
    pub fn config_reloaded(&self, path: &Path, ok: bool, errors: Vec<String>, hours: Option<record::HoursLog>) {
        self.now(Event::ConfigReloaded { path: path.display().to_string(), ok, errors, hours });
    }

    /// Writes the `stop` record after everything queued; the writer thread then ends.
    /// Blocks until the queue has room (only at shutdown).
    /// The configuration on disk was refused at start; `running_on` says what runs instead.
    pub fn config_rejected(&self, path: &Path, running_on: &str, errors: Vec<String>) {
        self.now(Event::ConfigRejected { path: path.display().to_string(), running_on: running_on.to_string(), errors });
    }

    pub fn stop(&self) {
        let _ = self.tx.send(Box::new(Msg::Stop { at: self.clock.now(), trusted: self.clock.trusted() }));
    }
}

/// An opened log whose writer thread has not started yet.
pub struct Dormant {
    writer: writer::Writer,
    rx: Receiver<Box<Msg>>,
    stats: Arc<Stats>,
    dir: PathBuf,
    clock: Clock,
    /// When the log was opened (monotonic, the clock's own base): no play is longer than this run.
    opened: tokio::time::Instant,
}

impl Dormant {
    /// Starts the writer thread; join it after `Recorder::stop`.
    pub fn spawn(self) -> std::io::Result<std::thread::JoinHandle<()>> {
        let Dormant { writer, rx, stats, dir, clock, opened } = self;
        std::thread::Builder::new().name("evidence-writer".into()).spawn(move || writer_loop(writer, rx, &stats, &dir, &clock, opened))
    }
}

fn publish_head(w: &writer::Writer, stats: &Stats) {
    let (hash, next) = w.head();
    if next > 0
        && let Ok(mut h) = stats.head.lock()
    {
        *h = Some((next - 1, hash.to_string()));
    }
}

/// A record that passed (or was replaced by its refusal) and waits to be appended.
struct Ready {
    at: Timestamp,
    trusted: bool,
    event: Event,
}

/// Checks a queued record's times (`guard`); one that cannot be true becomes a `refused`
/// record stamped with the trusted clock, counted and logged.
fn admit(m: Box<Msg>, stats: &Stats, opened: tokio::time::Instant) -> Ready {
    let (at, trusted, event, now, mono) = match *m {
        Msg::Record { at, trusted, event, now, mono } => (at, trusted, event, now, mono),
        Msg::Stop { at, trusted } => return Ready { at, trusted, event: Event::Stop },
    };
    let run = SignedDuration::try_from(mono.saturating_duration_since(opened)).unwrap_or(SignedDuration::MAX);
    match guard::check(at, &event, now, Some(run)) {
        None => Ready { at, trusted, event },
        Some(doubt) => {
            let claimed = guard::latest(at, &event);
            stats.refused.fetch_add(1, Ordering::Relaxed);
            error!(
                kind = event.kind(),
                %claimed,
                trusted = %now,
                reason = %doubt.en(),
                "evidence record refused: its times cannot be true (noted in the log as `refused`)"
            );
            Ready { at: now, trusted, event: Event::Refused { record: event.kind().to_string(), claimed, reason: doubt.to_string() } }
        }
    }
}

/// Writes records as they come; syncs once per batch (everything queued at that moment).
/// On a write error the records wait in memory and are retried every second.
fn writer_loop(mut w: writer::Writer, rx: Receiver<Box<Msg>>, stats: &Stats, dir: &Path, clock: &Clock, opened: tokio::time::Instant) {
    let mut backlog: std::collections::VecDeque<Ready> = std::collections::VecDeque::new();
    let mut failing = false;
    let mut stopping = false;
    let mut retries_at_stop = 0;
    loop {
        if backlog.is_empty() {
            match rx.recv() {
                Ok(m) => backlog.push_back(admit(m, stats, opened)),
                Err(_) => return,
            }
        } else if failing {
            match rx.recv_timeout(Duration::from_secs(1)) {
                Ok(m) => backlog.push_back(admit(m, stats, opened)),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    stopping = true;
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
        while let Ok(m) = rx.try_recv() {
            backlog.push_back(admit(m, stats, opened));
        }
        stopping |= backlog.iter().any(|r| matches!(r.event, Event::Stop));
        let lost = stats.unreported.swap(0, Ordering::Relaxed);
        if lost > 0 {
            let at = backlog.front().map_or_else(|| clock.now(), |r| r.at);
            backlog.push_front(Ready { at, trusted: false, event: Event::Dropped { count: lost } });
        }
        let mut wrote = 0u64;
        let mut result = Ok(());
        while let Some(r) = backlog.pop_front() {
            match w.append(r.at, r.trusted, r.event.clone()) {
                Ok(_) => wrote += 1,
                Err(e) => {
                    backlog.push_front(r);
                    result = Err(e);
                    break;
                }
            }
        }
        if wrote > 0 {
            result = result.and(w.sync());
        }
        match result {
            Ok(()) => {
                stats.written.fetch_add(wrote, Ordering::Relaxed);
                publish_head(&w, stats);
                if failing {
                    info!(dir = %dir.display(), "evidence log writing again");
                    failing = false;
                    stats.failing.store(false, Ordering::Relaxed);
                }
            }
            Err(e) => {
                stats.write_errors.fetch_add(1, Ordering::Relaxed);
                if !failing {
                    error!(dir = %dir.display(), error = %e, waiting = backlog.len(), "cannot write the evidence log; records are kept in memory and retried");
                    failing = true;
                    stats.failing.store(true, Ordering::Relaxed);
                }
                if stopping {
                    retries_at_stop += 1;
                    if retries_at_stop >= 5 {
                        error!(lost = backlog.len(), "evidence log could not be written before shutdown: records lost");
                        return;
                    }
                }
            }
        }
        if stopping && backlog.is_empty() {
            return;
        }
        // A burst (every item seen at start, a long write failure) must not keep its room for good.
        if backlog.is_empty() && backlog.capacity() > BACKLOG_KEPT {
            backlog.shrink_to(BACKLOG_KEPT);
        }
    }
}

/// Room the writer keeps for waiting records between bursts.
const BACKLOG_KEPT: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_loses_records_loudly_and_the_log_says_how_many() {
        let d = tempfile::tempdir().unwrap();
        let cfg = LogConfig { dir: d.path().to_path_buf(), rotate_bytes: 1 << 20, time_zone: TimeZone::UTC };
        let (rec, dormant) = Recorder::open(&cfg, Clock::System, Event::Stop, 3).unwrap();
        for i in 0..10 {
            rec.source_failed("feed", &format!("error {i}"));
        }
        assert_eq!(rec.stats().dropped.load(Ordering::Relaxed), 7);
        let h = dormant.spawn().unwrap();
        rec.stop();
        h.join().unwrap();
        let mut kinds = Vec::new();
        let v = verify::read(d.path(), |r| kinds.push(serde_json::to_value(&r.event).unwrap()["kind"].as_str().unwrap().to_string())).unwrap();
        assert!(v.problem.is_none());
        let dropped = kinds.iter().position(|k| k == "dropped").expect("a dropped record");
        assert_eq!(kinds.iter().filter(|k| *k == "source_failed").count(), 3, "{kinds:?}");
        assert!(dropped == 1, "the loss is written before the records that waited: {kinds:?}");
        let text: String = std::fs::read_dir(d.path()).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect();
        assert!(text.contains("\"kind\":\"dropped\",\"count\":7"), "{text}");
    }

    #[test]
    fn a_record_from_the_future_or_a_play_longer_than_the_run_is_refused_counted_and_noted() {
        let d = tempfile::tempdir().unwrap();
        let cfg = LogConfig { dir: d.path().to_path_buf(), rotate_bytes: 1 << 20, time_zone: TimeZone::UTC };
        let (rec, h) = Recorder::start(&cfg, Clock::System, Event::Stop).unwrap();
        let now = rec.clock().now();
        let future: Timestamp = "2099-01-01T00:00:00Z".parse().unwrap();
        rec.record(future, Event::Power { screen: "门口".into(), on: true, brightness: 100 });
        // What a clock moved to 2099 would make of the play on air: 73 years in a few milliseconds.
        let play = |start: Timestamp, end: Timestamp| Play::sample("local/a", start, end);
        let long_ago = now.checked_sub(SignedDuration::from_hours(30)).unwrap();
        rec.play(play(long_ago, now));
        rec.play(play(now.checked_sub(SignedDuration::from_secs(5)).unwrap(), now));
        rec.stop();
        h.join().unwrap();
        assert_eq!(rec.stats().refused.load(Ordering::Relaxed), 2);
        let mut kept = Vec::new();
        let v = verify::read(d.path(), |r| kept.push(r.clone())).unwrap();
        assert!(v.problem.is_none(), "{:?}", v.problem);
        let kinds: Vec<&str> = kept.iter().map(|r| r.event.kind()).collect();
        assert_eq!(kinds, ["stop", "refused", "refused", "play", "stop"], "the 5-second play is kept");
        let Event::Refused { record, claimed, reason } = &kept[1].event else { panic!() };
        assert_eq!((record.as_str(), *claimed), ("power", future));
        assert!(reason.contains("来自未来") && reason.contains("from the future"), "{reason}");
        assert!(kept[1].at <= rec.clock().now(), "the refusal is stamped with the trusted clock");
        let Event::Refused { record, reason, .. } = &kept[2].event else { panic!() };
        assert_eq!(record, "play");
        assert!(reason.contains("but the daemon had run only"), "{reason}");
    }
}
