//! The running daemon: wires sources -> store -> screen loops -> sinks and shuts them down in order.
//!
//! Shutdown is detect (signal, in `cli`), notify (one CancellationToken),
//! wait (TaskTracker for tasks, joins for sink threads).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::clock::Clock;
use crate::config::{Config, SourceConfig};
use crate::engine::ScreenEngine;
use crate::item::Catalog;
use crate::item::parse::Limits;
use crate::notify::Liveness;
use crate::reload::{self, ReloadStatus};
use crate::render::Frame;
use crate::render::font::FontLibrary;
use crate::schedule::Content;
use crate::sinks::{Output, Power, SinkStatus, runner};
use crate::{sources, store};

/// Handles to what the daemon runs, for tests and the status endpoint.
pub struct Running {
    pub catalog: watch::Receiver<Arc<Catalog>>,
    pub screens: Vec<(String, watch::Receiver<Arc<Output>>)>,
    /// One per configured sink, in config order.
    pub sinks: Vec<Arc<SinkStatus>>,
    /// The outcome of the last configuration reload.
    pub reload: watch::Receiver<ReloadStatus>,
    /// systemd readiness and watchdog, fed by the screen loops.
    pub liveness: Arc<Liveness>,
    tracker: TaskTracker,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Waits for every task and sink thread to finish (after cancellation).
    pub async fn wait(self) {
        self.tracker.close();
        self.tracker.wait().await;
        let threads = self.threads;
        let _ = tokio::task::spawn_blocking(move || threads.into_iter().for_each(|t| drop(t.join()))).await;
    }
}

/// Starts everything; returns once all tasks are running.
pub fn start(config: &Config, fonts: Arc<FontLibrary>, clock: Clock, cancel: CancellationToken) -> anyhow::Result<Running> {
    let tracker = TaskTracker::new();
    let (src_tx, src_rx) = mpsc::channel(16);
    for s in &config.sources {
        match s {
            SourceConfig::Folder { name, path, poll } => {
                info!(source = %name, dir = %path.display(), "folder source");
                tracker.spawn(sources::folder::run(name.clone(), path.clone(), *poll, Limits::default(), src_tx.clone(), cancel.clone()));
            }
        }
    }
    drop(src_tx);
    let (cat_tx, cat_rx) = watch::channel(Arc::new(Catalog::default()));
    tracker.spawn(store::run(src_rx, cat_tx, config.masking.clone(), cancel.clone()));

    let mut screens = Vec::new();
    let (cfg_tx, cfg_rx) = watch::channel(Arc::new(config.clone()));
    let (reload_tx, reload_rx) = watch::channel(ReloadStatus { ok: true, ..ReloadStatus::default() });
    tracker.spawn(reload::run(Arc::new(config.clone()), cfg_tx, reload_tx, clock.clone(), cancel.clone()));
    let mut threads = Vec::new();
    let mut sink_status = Vec::new();
    let liveness = Arc::new(Liveness::from_env(config.screens.len()));
    for (index, sc) in config.screens.iter().enumerate() {
        let engine = ScreenEngine::new(sc, config, &fonts).map_err(|e| anyhow::anyhow!("screen `{}`: {e}", sc.name))?;
        let now = clock.now();
        let mut frame = Frame::new(sc.width, sc.height);
        engine.draw(&mut frame, now);
        let (tx, rx) =
            watch::channel(Arc::new(Output { frame, at: now, caption: engine.caption(now), number: 0, on_air: None, power: Power::default() }));
        for sink in &sc.sinks {
            let status = Arc::new(SinkStatus::new(&sc.name, sink.kind()));
            threads.push(runner::spawn(&sc.name, sink, rx.clone(), Arc::clone(&status), cancel.clone(), tokio::runtime::Handle::current())?);
            sink_status.push(status);
        }
        let reconf = Reconfig { configs: cfg_rx.clone(), fonts: Arc::clone(&fonts) };
        let live = (Arc::clone(&liveness), index);
        tracker.spawn(screen_loop(engine, sc.fps, cat_rx.clone(), reconf, tx, clock.clone(), cancel.clone(), live));
        screens.push((sc.name.clone(), rx));
    }
    Ok(Running { catalog: cat_rx, screens, sinks: sink_status, reload: reload_rx, liveness, tracker, threads })
}

/// Where a screen loop gets new configurations from.
struct Reconfig {
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
    catalog: watch::Receiver<Arc<Catalog>>,
    mut reconf: Reconfig,
    tx: watch::Sender<Arc<Output>>,
    clock: Clock,
    cancel: CancellationToken,
    live: (Arc<Liveness>, usize),
) {
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / fps as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut spare: Option<Frame> = None;
    let mut number = 0u64;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        if reconf.configs.has_changed().unwrap_or(false) {
            let cfg = Arc::clone(&reconf.configs.borrow_and_update());
            match cfg
                .screen(&engine.name)
                .ok_or_else(|| "screen no longer in the configuration".to_string())
                .and_then(|sc| engine.reconfigure(sc, &cfg, &reconf.fonts))
            {
                Ok(()) => info!(screen = %engine.name, "new configuration queued for the next slot boundary"),
                Err(e) => warn!(screen = %engine.name, error = %e, "new configuration not applied to this screen; keeping the old one"),
            }
        }
        let now = clock.now();
        let items = catalog.borrow().showable(now);
        if let Some(ch) = engine.advance(&items, now) {
            let on = &ch.next;
            let (id, rev) = match &on.content {
                Content::Item(s) => (s.key().to_string(), s.item().revision),
                Content::Notice { .. } => ("notice".to_string(), 0),
                Content::Idle => ("idle".to_string(), 0),
                Content::Off => ("off".to_string(), 0),
            };
            let secs = on.end.duration_since(on.start).as_secs_f64();
            info!(screen = %engine.name, slot = %on.slot_name, item = %id, revision = rev, ended = ?ch.ended, seconds = secs, "on air");
            if let Some(scene) = engine.scene()
                && !scene.missing().is_empty()
            {
                let chars: String = scene.missing().iter().collect();
                let codes: Vec<String> = scene.missing().iter().map(|c| format!("U+{:04X}", *c as u32)).collect();
                warn!(screen = %engine.name, item = %id, chars = %chars, codes = ?codes, "characters missing from every font are drawn as boxes");
            }
        }
        let mut frame = spare
            .take()
            .filter(|f| f.width() == engine.renderer().width() && f.height() == engine.renderer().height())
            .unwrap_or_else(|| Frame::new(engine.renderer().width(), engine.renderer().height()));
        engine.draw(&mut frame, now);
        number += 1;
        let old = tx.send_replace(Arc::new(Output {
            frame,
            at: now,
            caption: engine.caption(now),
            number,
            on_air: engine.on_air().cloned(),
            power: engine.power(),
        }));
        // Reuse the previous buffer when no sink still holds it (no allocation per frame).
        spare = Arc::try_unwrap(old).ok().map(|o| o.frame);
        live.0.frame_published(live.1, std::time::Instant::now());
    }
    info!(screen = %engine.name, frames = number, "screen loop stopped");
}
