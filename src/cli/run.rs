//! `yiping run`: load, start, wait for SIGINT/SIGTERM, stop cleanly.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::clock::Clock;
use crate::config::Config;
use crate::config::snapshot::Snapshot;
use crate::daemon::Rejected;
use crate::render::font::FontLibrary;
use crate::sinks::Resource;
use crate::status::RunningOn;
use crate::{daemon, demo, evidence};

pub(super) fn run(config: Option<PathBuf>, at: Option<super::Moment>) -> anyhow::Result<ExitCode> {
    one_malloc_arena();
    let demo_mode = config.is_none();
    let path = match config {
        Some(p) => p,
        None => demo::config_path(&std::env::temp_dir().join(format!("yiping-demo-{}", std::process::id())))?,
    };
    let (mut cfg, rejected) = choose(&path)?;
    let at = match (at, demo_mode) {
        (Some(t), _) => Some(t.resolve(&cfg.time_zone)),
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
    if demo_mode {
        eprintln!("yiping: 演示：青山村的一块 192×64 红色 LED 屏，按 Ctrl-C 退出 / demo: a 192x64 red LED screen of 青山村; press Ctrl-C to quit");
    }
    let terminal = cfg.screens.iter().flat_map(|s| &s.sinks).flat_map(|k| k.claims()).any(|c| c.resource == Resource::Terminal);
    init_logging(&cfg, terminal)?;
    if let Some(n) = &rehearsal {
        info!("{n}");
    }
    match &rejected {
        None => crate::reload::save_snapshot(&cfg),
        Some(r) => {
            for e in &r.errors {
                warn!(problem = %e, "configuration error");
            }
            warn!(config = %path.display(), errors = r.errors.len(), running_on = r.running_on.words(), "the configuration on disk has errors and is not used; fix them (`yiping check --config {}`), the fix is picked up without a restart", path.display());
        }
    }
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(cfg.fonts_dir.as_deref())).context("loading fonts")?);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let result = rt.block_on(async move {
        let clock = match at {
            Some(t) => Clock::starting_at(t),
            None => Clock::guarded(),
        };
        let (mut cfg, mut rejected) = (cfg, rejected);
        loop {
            let fallback = rejected.as_ref().is_some_and(|r| r.running_on == RunningOn::Fallback);
            let cancel = CancellationToken::new();
            let running = daemon::start_with(&cfg, rejected.take(), Arc::clone(&fonts), clock.clone(), cancel.clone())?;
            info!(config = %cfg.path.display(), screens = cfg.screens.len(), "started");
            // On the fallback (no items, no sources), a configuration that turns good restarts
            // everything from it: sources and sinks only start with a daemon.
            let mut reload = running.reload.clone();
            let fixed = async move {
                while fallback && reload.changed().await.is_ok() {
                    if reload.borrow().ok {
                        return;
                    }
                }
                std::future::pending::<()>().await
            };
            let restart = tokio::select! {
                _ = wait_for_signal(demo_mode) => false,
                _ = fixed => true,
            };
            info!(restart, "stopping");
            running.liveness.stopping();
            cancel.cancel();
            running.wait().await;
            match (restart, Config::load(&cfg.path)) {
                (true, (Some(c), _)) => {
                    info!("the configuration is correct now: starting again on it");
                    crate::reload::save_snapshot(&c);
                    cfg = c;
                }
                (true, (None, errors)) => rejected = Some(Rejected { running_on: RunningOn::Fallback, errors }),
                (false, _) => break,
            }
        }
        info!("stopped");
        Ok(ExitCode::SUCCESS)
    });
    // Work abandoned at the shutdown deadline (a blocking call stuck in a device) must not hold the exit.
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

/// The configuration to start on: the files on disk when they are correct; else the last
/// good snapshot; else, on a first install, the screens that parsed showing 配置有误.
/// Every error is printed with its position. Fails only when not one screen can be read.
fn choose(path: &std::path::Path) -> anyhow::Result<(Config, Option<Rejected>)> {
    let journal = super::journal::stderr_is_journal();
    let src = crate::fsutil::read_text(path).unwrap_or_default();
    let (cfg, diags) = Config::load(path);
    let (warn, err) = if journal { ("<4>", "<3>") } else { ("", "") };
    if let Some(c) = cfg {
        diags.iter().for_each(|w| eprintln!("{warn}{w}"));
        return Ok((c, None));
    }
    diags.iter().for_each(|d| eprintln!("{}{d}", if d.is_error() { err } else { warn }));
    let errors: Vec<_> = diags.into_iter().filter(|d| d.is_error()).collect();
    if let Some((snap, at)) = Snapshot::find(path, &src)
        && let (Some(c), _) = Config::from_snapshot(&snap)
    {
        eprintln!(
            "{err}yiping: {} 有错误，改用上次正确的配置（{}）启动 / {} has errors; starting on the last good configuration ({})",
            path.display(),
            at.display(),
            path.display(),
            at.display()
        );
        return Ok((c, Some(Rejected { running_on: RunningOn::LastGood, errors })));
    }
    match Config::fallback(path, &src) {
        Some(c) => {
            eprintln!(
                "{err}yiping: {} 有错误，且没有上次正确的配置：屏幕只显示“配置有误” / {} has errors and no last good configuration exists: the screens show only a 配置有误 notice until it is fixed",
                path.display(),
                path.display()
            );
            Ok((c, Some(Rejected { running_on: RunningOn::Fallback, errors })))
        }
        None => anyhow::bail!(
            "{0} 有错误，一个屏幕也读不出来：请按上面的位置改正（yiping check --config {0}）再启动 / {0} has errors; fix them (`yiping check --config {0}`) and start again",
            path.display()
        ),
    }
}

/// SIGINT or SIGTERM; in the demo also SIGHUP (its terminal closed: there is no
/// operator's file to reload, and an orphan would draw into nothing).
async fn wait_for_signal(demo: bool) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut hup = signal(SignalKind::hangup()).expect("SIGHUP handler");
    let hangup = async move {
        if demo {
            hup.recv().await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = hangup => {}
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
        eprintln!(
            "yiping: 日志写在 {0}，屏幕画在这里；按 Ctrl-C 退出 / logging to {0} while the screen is drawn here; press Ctrl-C to quit",
            log.display()
        );
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

/// Before any thread starts: one malloc arena for the daemon. glibc gives each thread
/// that allocates its own arena (up to 8 per core), and each keeps freed memory; the
/// daemon's few threads allocate little, so sharing one costs no time and about 1 MB
/// resident with 1,000 items (measured with benches/led_rss.sh).
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator settings; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
