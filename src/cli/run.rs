//! `yiping run`: load, start, wait for SIGINT/SIGTERM, stop cleanly.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use jiff::Timestamp;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::clock::Clock;
use crate::config::Config;
use crate::render::font::FontLibrary;
use crate::sinks::Resource;
use crate::{daemon, demo, evidence};

pub(super) fn run(config: Option<PathBuf>, at: Option<Timestamp>) -> anyhow::Result<ExitCode> {
    let demo_mode = config.is_none();
    let path = match config {
        Some(p) => p,
        None => demo::config_path(&std::env::temp_dir().join(format!("yiping-demo-{}", std::process::id())))?,
    };
    let mut cfg = match Config::load(&path) {
        (Some(c), warnings) => {
            let warn = if super::journal::stderr_is_journal() { "<4>" } else { "" };
            warnings.iter().for_each(|w| eprintln!("{warn}{w}"));
            c
        }
        (None, diags) => {
            let err = if super::journal::stderr_is_journal() { "<3>" } else { "" };
            diags.iter().for_each(|d| eprintln!("{err}{d}"));
            anyhow::bail!("{} has errors; fix them (`yiping check --config {}`) and start again", path.display(), path.display());
        }
    };
    let at = match (at, demo_mode) {
        (Some(t), _) => Some(t),
        (None, true) => Some(demo::DEMO_AT.parse().expect("demo time")),
        (None, false) => None,
    };
    // A rehearsal's made-up plays must never reach the real log (they could not be removed).
    let rehearsal = at.map(|t| {
        let dir = evidence::rehearsal::dir(&cfg.state_dir);
        let notice = evidence::rehearsal::notice(t, &dir, &cfg.evidence.dir);
        cfg.evidence.dir = dir;
        notice
    });
    if let Some(n) = &rehearsal {
        eprintln!("{n}");
    }
    let terminal = cfg.screens.iter().flat_map(|s| &s.sinks).flat_map(|k| k.claims()).any(|c| c.resource == Resource::Terminal);
    init_logging(&cfg, terminal)?;
    if let Some(n) = &rehearsal {
        info!("{n}");
    }
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(cfg.fonts_dir.as_deref())).context("loading fonts")?);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let result = rt.block_on(async move {
        let clock = match at {
            Some(t) => Clock::starting_at(t),
            None => Clock::guarded(),
        };
        let cancel = CancellationToken::new();
        let running = daemon::start(&cfg, fonts, clock, cancel.clone())?;
        info!(config = %cfg.path.display(), screens = cfg.screens.len(), "started");
        wait_for_signal().await;
        info!("stopping");
        running.liveness.stopping();
        cancel.cancel();
        running.wait().await;
        info!("stopped");
        Ok(ExitCode::SUCCESS)
    });
    // Work abandoned at the shutdown deadline (a blocking call stuck in a device) must not hold the exit.
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// Logs go to stderr, except while a terminal sink draws on the same terminal:
/// then to `<state_dir>/yiping.log`, so log lines do not tear the picture.
fn init_logging(cfg: &Config, terminal_sink: bool) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("YIPING_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if terminal_sink && std::io::stderr().is_terminal() {
        std::fs::create_dir_all(&cfg.state_dir).with_context(|| format!("creating state dir {}", cfg.state_dir.display()))?;
        let log = cfg.state_dir.join("yiping.log");
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&log).with_context(|| format!("opening {}", log.display()))?;
        eprintln!("yiping: logging to {} while the screen is drawn here (Ctrl-C to stop)", log.display());
        tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(std::sync::Mutex::new(file)).init();
    } else if super::journal::stderr_is_journal() {
        // Under systemd: journald stamps the time; `<N>` gives each line its priority.
        let format = tracing_subscriber::fmt::format().without_time().with_ansi(false);
        tracing_subscriber::fmt().with_env_filter(filter).event_format(super::journal::WithPriority(format)).with_writer(std::io::stderr).init();
    } else {
        // Colour only for a person at a terminal; journald and pipes get plain text.
        tracing_subscriber::fmt().with_env_filter(filter).with_ansi(std::io::stderr().is_terminal()).with_writer(std::io::stderr).init();
    }
    Ok(())
}
