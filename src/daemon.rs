//! The running daemon: wires sources -> store -> screen loops -> sinks and shuts them down in order.
//!
//! Shutdown is detect (signal, in `cli`), notify (one CancellationToken),
//! wait (named tasks, then sink threads) within `SHUTDOWN_DEADLINE`: what is
//! still running then is logged by name and abandoned (`shutdown`).

mod console_site;
pub(crate) mod fleet;
pub(crate) mod shutdown;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::clock::Clock;
use crate::config::Config;
use crate::engine::ScreenEngine;
use crate::evidence::{self, PlayTracker, Recorder};
use crate::item::{Catalog, ShowableCache};
use crate::notify::Liveness;
use crate::reload::{self, ReloadStatus};
use crate::render::Frame;
use crate::render::font::FontLibrary;
use crate::schedule::Content;
use crate::sinks::{Output, Power, SinkStatus, runner};
use crate::sources::{PollNow, SourceContext};
use crate::status::RunningOn;
use crate::{console, status, store};
pub(crate) use shutdown::SHUTDOWN_DEADLINE;
use shutdown::Tasks;

/// Handles to what the daemon runs, for tests and the status endpoint.
pub struct Running {
    pub catalog: watch::Receiver<Arc<Catalog>>,
    pub screens: Vec<(String, watch::Receiver<Arc<Output>>)>,
    /// One per configured sink, in config order.
    pub sinks: Vec<Arc<SinkStatus>>,
    /// The outcome of the last configuration reload.
    pub reload: watch::Receiver<ReloadStatus>,
    /// The evidence log; anything may record through a clone.
    pub recorder: Recorder,
    /// Where the status endpoint listens, when configured.
    pub status_addr: Option<std::net::SocketAddr>,
    /// Where the operator console listens, when configured.
    pub console_addr: Option<std::net::SocketAddr>,
    /// systemd readiness and watchdog, fed by the screen loops.
    pub liveness: Arc<Liveness>,
    tasks: Tasks,
    threads: Vec<std::thread::JoinHandle<()>>,
    evidence_thread: std::thread::JoinHandle<()>,
}

impl Running {
    /// Waits for every task and sink thread to finish (after cancellation), at most
    /// `SHUTDOWN_DEADLINE`; returns what was abandoned (each is logged).
    pub async fn wait(self) -> Vec<String> {
        self.wait_within(SHUTDOWN_DEADLINE).await
    }

    /// Like `wait`, with another deadline.
    pub async fn wait_within(self, deadline: std::time::Duration) -> Vec<String> {
        // Screen loops have queued their last plays: the `stop` record goes after them.
        let recorder = self.recorder;
        let mut threads = self.threads;
        threads.push(self.evidence_thread);
        shutdown::wait_all(&self.tasks, move || recorder.stop(), threads, deadline).await
    }
}

/// Why the daemon could not start; each says what to fix. The cause is the error's
/// `source` (`cli` prints the chain with `{:#}`).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{what} cannot listen on {addr}")]
    Listen {
        /// The status endpoint or the operator console.
        what: &'static str,
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the evidence log in {}", dir.display())]
    Evidence {
        dir: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("screen `{screen}`: {why}")]
    Screen { screen: String, why: String },
    /// A sink could not open its device (the message names it and what to change), or a thread could not start.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The configuration on disk that was refused at start, and what runs instead.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub running_on: RunningOn,
    pub errors: Vec<crate::diag::Diag>,
}

/// Starts everything on a configuration read from disk; returns once all tasks are running.
pub fn start(config: &Config, fonts: Arc<FontLibrary>, clock: Clock, cancel: CancellationToken) -> Result<Running, StartError> {
    start_with(config, None, fonts, clock, cancel)
}

/// Like `start`; with `rejected`, `config` stands in for a configuration on disk that
/// has errors: they are recorded (`config_rejected`) and shown as degraded in `/status`.
pub fn start_with(
    config: &Config,
    rejected: Option<Rejected>,
    fonts: Arc<FontLibrary>,
    clock: Clock,
    cancel: CancellationToken,
) -> Result<Running, StartError> {
    let tasks = Tasks::default();
    let started = clock.now();
    // Bind before anything else runs, so a port in use stops the start with a clear error.
    let status_listener = match &config.status {
        Some(st) => {
            let l =
                std::net::TcpListener::bind(st.listen).map_err(|source| StartError::Listen { what: "status endpoint", addr: st.listen, source })?;
            l.set_nonblocking(true)?;
            Some(tokio::net::TcpListener::from_std(l)?)
        }
        None => None,
    };
    let console_listener = match &config.console {
        Some(c) => {
            let l =
                std::net::TcpListener::bind(c.listen).map_err(|source| StartError::Listen { what: "operator console", addr: c.listen, source })?;
            l.set_nonblocking(true)?;
            Some(tokio::net::TcpListener::from_std(l)?)
        }
        None => None,
    };
    let log =
        evidence::LogConfig { dir: config.evidence.dir.clone(), rotate_bytes: config.evidence.rotate_bytes, time_zone: config.time_zone.clone() };
    let start_event = evidence::Event::Start {
        version: env!("CARGO_PKG_VERSION").to_string(),
        config: config.path.display().to_string(),
        time_zone: config.time_zone_name.clone(),
        screens: config.screens.iter().map(|s| s.name.clone()).collect(),
        village: config.village.clone(),
        hours: Some(evidence::record::hours_log(config.screens.iter().map(|s| (s.name.as_str(), &s.hours)))),
    };
    let (recorder, evidence_thread) =
        Recorder::start(&log, clock.clone(), start_event).map_err(|source| StartError::Evidence { dir: log.dir.clone(), source })?;
    let mut initial = ReloadStatus { ok: true, ..ReloadStatus::default() };
    if let Some(r) = rejected {
        let on = serde_json::to_value(r.running_on).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        recorder.config_rejected(&config.path, &on, r.errors.iter().map(|e| e.to_string()).collect());
        initial = ReloadStatus { ok: false, errors: r.errors, running_on: r.running_on, ..ReloadStatus::default() };
    }
    let (src_tx, src_rx) = mpsc::channel(16);
    // District commands: poll every source now, reload now.
    let (poll_now, poll_rx) = watch::channel(0u64);
    let (reload_now, reload_asked) = watch::channel(0u64);
    let mut sources = config.sources.clone();
    if config.fleet.is_some() {
        // The district's urgent items, kept in state_dir so they survive a restart.
        sources.push(fleet::urgent_source(&config.state_dir)?);
    }
    // The rollback floors the evidence log holds: losing the floor file and the cache must not reopen a rollback.
    let names: Vec<String> = sources.iter().map(|s| s.name().to_string()).collect();
    let logged = evidence::accepted::newest(&config.evidence.dir, &names);
    for s in &sources {
        let floor = logged.get(s.name()).map(|(sequence, sha256)| crate::sources::http::floor::Seen { sequence: *sequence, sha256: sha256.clone() });
        let cx = SourceContext {
            floor,
            state_dir: config.state_dir.clone(),
            clock: clock.clone(),
            tx: src_tx.clone(),
            cancel: cancel.clone(),
            poll_now: PollNow(Some(poll_rx.clone())),
        };
        tasks.spawn(format!("source {}", s.name()), s.start(cx));
    }
    drop(poll_rx);
    drop(src_tx);
    let (cat_tx, cat_rx) = watch::channel(Arc::new(Catalog::default()));
    tasks.spawn("store", store::run(src_rx, cat_tx, config.masking.clone(), cancel.clone()));
    tasks.spawn("evidence catalog watcher", evidence::sources::watch_catalog(cat_rx.clone(), recorder.clone(), cancel.clone()));

    let mut screens = Vec::new();
    let (cfg_tx, cfg_rx) = watch::channel(Arc::new(config.clone()));
    let (reload_tx, reload_rx) = watch::channel(initial);
    tasks.spawn(
        "reload",
        reload::run(Arc::new(config.clone()), cfg_tx, reload_tx, clock.clone(), recorder.clone(), cancel.clone(), PollNow(Some(reload_asked))),
    );
    let mut threads = Vec::new();
    let mut sink_status = Vec::new();
    let liveness = Arc::new(Liveness::from_env(config.screens.len()));
    for (index, sc) in config.screens.iter().enumerate() {
        let engine = ScreenEngine::new(sc, config, &fonts).map_err(|why| StartError::Screen { screen: sc.name.clone(), why })?;
        let now = clock.now();
        let mut frame = engine.renderer().frame();
        engine.draw(&mut frame, now);
        let (tx, rx) =
            watch::channel(Arc::new(Output { frame, at: now, caption: engine.caption(now), number: 0, on_air: None, power: Power::default() }));
        let mut screen_sinks = Vec::new();
        for sink in &sc.sinks {
            let status = Arc::new(SinkStatus::new(&sc.name, sink.kind()));
            threads.push(runner::spawn(&sc.name, sink, rx.clone(), Arc::clone(&status), cancel.clone(), tokio::runtime::Handle::current())?);
            screen_sinks.push(Arc::clone(&status));
            sink_status.push(status);
        }
        let feeds = Feeds { catalog: cat_rx.clone(), configs: cfg_rx.clone(), fonts: Arc::clone(&fonts) };
        let reports = Reports { plays: PlayTracker::new(&sc.name, recorder.clone(), screen_sinks), live: (Arc::clone(&liveness), index) };
        tasks.spawn(format!("screen {}", sc.name), screen_loop(engine, sc.fps, feeds, tx, clock.clone(), reports, cancel.clone()));
        screens.push((sc.name.clone(), rx));
    }
    let mut status_addr = None;
    let state = Arc::new(status::State {
        started,
        clock: clock.clone(),
        screens: screens.clone(),
        sinks: sink_status.clone(),
        catalog: cat_rx.clone(),
        recorder: recorder.clone(),
        config: reload_rx.clone(),
        token: config.status.as_ref().and_then(|s| s.token.clone()),
    });
    if let Some(listener) = status_listener {
        status_addr = listener.local_addr().ok();
        tasks.spawn("status endpoint", status::serve(listener, Arc::clone(&state), cancel.clone()));
    }
    if let Some(fc) = &config.fleet {
        // Its own task: a broker that is down or slow never delays a screen loop.
        let actions = fleet::DaemonActions { poll_now, reload_now, state_dir: config.state_dir.clone() };
        let link = crate::fleet::link::Link {
            cfg: fc.clone(),
            state: Arc::clone(&state),
            log_dir: config.evidence.dir.clone(),
            state_dir: config.state_dir.clone(),
            time_zone: config.time_zone.clone(),
            actions: Arc::new(actions),
        };
        let stats = Arc::new(crate::fleet::link::LinkStats::default());
        tasks.spawn("fleet link", crate::fleet::link::run(link, stats, cancel.clone()));
    }
    let mut console_addr = None;
    if let (Some(listener), Some(cc)) = (console_listener, &config.console) {
        console_addr = listener.local_addr().ok();
        // The console shows the same live state; its own login guards it, not the status token.
        let live = status::State { token: None, ..(*state).clone() };
        let host = console_site::DaemonHost { configs: cfg_rx.clone(), reload: reload_rx.clone(), fonts: Arc::clone(&fonts) };
        let c = console::Console::new(cc.clone(), Box::new(host), Arc::clone(&fonts), Arc::new(live), recorder.clone(), clock.clone());
        tasks.spawn("operator console", console::serve(listener, Arc::new(c), cancel.clone()));
    }
    Ok(Running {
        catalog: cat_rx,
        screens,
        sinks: sink_status,
        reload: reload_rx,
        recorder,
        status_addr,
        console_addr,
        liveness,
        tasks,
        threads,
        evidence_thread,
    })
}

/// What a screen loop reports to: the evidence log's play tracker, and
/// systemd liveness (shared state, this screen's index).
struct Reports {
    plays: PlayTracker,
    live: (Arc<Liveness>, usize),
}

/// What a screen loop reads: the catalog, and new configurations (with the fonts to build them).
struct Feeds {
    catalog: watch::Receiver<Arc<Catalog>>,
    configs: watch::Receiver<Arc<Config>>,
    fonts: Arc<FontLibrary>,
}

/// Produces frames at the screen's rate. Positions come from `now - slot start`,
/// so a late tick never accumulates drift: it only skips to where the content should be.
/// Each published frame is reported to `live` (systemd readiness and watchdog).
#[allow(clippy::too_many_arguments)]
async fn screen_loop(
    mut engine: ScreenEngine,
    fps: u32,
    mut feeds: Feeds,
    tx: watch::Sender<Arc<Output>>,
    clock: Clock,
    reports: Reports,
    cancel: CancellationToken,
) {
    let Reports { mut plays, live } = reports;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / fps as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut spare: Option<Frame> = None;
    let mut number = 0u64;
    // Kept between frames: the showable list (until the catalog changes or a window
    // edge passes) and the caption (until the second or what is on air changes).
    let mut showable = ShowableCache::default();
    let mut caption: Option<((i64, Option<i64>), String)> = None;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        if feeds.configs.has_changed().unwrap_or(false) {
            let cfg = Arc::clone(&feeds.configs.borrow_and_update());
            match cfg
                .screen(&engine.name)
                .ok_or_else(|| "screen no longer in the configuration".to_string())
                .and_then(|sc| engine.reconfigure(sc, &cfg, &feeds.fonts))
            {
                Ok(()) => info!(screen = %engine.name, "new configuration queued for the next slot boundary"),
                Err(e) => warn!(screen = %engine.name, error = %e, "new configuration not applied to this screen; keeping the old one"),
            }
        }
        let now = clock.now();
        let catalog = {
            let seen = feeds.catalog.borrow_and_update();
            if seen.has_changed() {
                showable.invalidate();
            }
            Arc::clone(&seen)
        };
        let (items, urgent) = showable.get(&catalog, now);
        engine.note_freshness(&catalog.freshness, now);
        let changed = engine.advance_cached(items, urgent, now);
        if changed.is_some() {
            caption = None;
        }
        if let Some(ch) = changed {
            plays.change(&ch.next, ch.ended, now);
            let on = &ch.next;
            let (id, rev) = match &on.content {
                Content::Item(s) => (s.key().to_string(), s.item().revision),
                Content::Notice { .. } => ("notice".to_string(), 0),
                Content::Idle => ("idle".to_string(), 0),
                Content::Off => ("off".to_string(), 0),
            };
            let lasts = crate::diag::duration(on.end.duration_since(on.start).unsigned_abs());
            let before = ch.ended.map_or("开始 / start", crate::schedule::Ended::words);
            info!(screen = %engine.name, slot = %on.slot_name, item = %id, revision = rev, before = before, lasts = %lasts, "on air 开始播放");
            if let Some(scene) = engine.scene()
                && !scene.missing().is_empty()
            {
                let chars: String = scene.missing().iter().collect();
                let codes: Vec<String> = scene.missing().iter().map(|c| format!("U+{:04X}", *c as u32)).collect();
                warn!(screen = %engine.name, item = %id, chars = %chars, codes = ?codes, "characters missing from every font are drawn as boxes");
            }
        }
        plays.observe(engine.power(), engine.on_air(), now);
        // The screen's own format: packed bit planes on mono and dual LED screens.
        let r = engine.renderer();
        let mut frame =
            spare.take().filter(|f| f.width() == r.width() && f.height() == r.height() && f.format() == r.format()).unwrap_or_else(|| r.frame());
        engine.draw(&mut frame, now);
        number += 1;
        // What the caption shows: the clock's second and the seconds left on air.
        let shown = (now.as_second(), engine.on_air().map(|a| a.end.duration_since(now).as_secs()));
        if caption.as_ref().is_none_or(|(s, _)| *s != shown) {
            caption = Some((shown, engine.caption(now)));
        }
        let old = tx.send_replace(Arc::new(Output {
            frame,
            at: now,
            caption: caption.as_ref().map(|(_, c)| c.clone()).unwrap_or_default(),
            number,
            on_air: engine.on_air().cloned(),
            power: engine.power(),
        }));
        // Reuse the previous buffer when no sink still holds it (no allocation per frame).
        spare = Arc::try_unwrap(old).ok().map(|o| o.frame);
        live.0.frame_published(live.1, std::time::Instant::now());
    }
    plays.stop(clock.now());
    info!(screen = %engine.name, frames = number, "screen loop stopped");
}
