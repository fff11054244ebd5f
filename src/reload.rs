//! Hot reload: watches the config file and playlists folder (and SIGHUP), validates
//! a new version fully, and hands it to the screens; an invalid edit changes nothing.
//!
//! Polling (not inotify) because editors save by writing a temp file and renaming it,
//! which a directory listing with mtimes sees on every filesystem. Never applies a
//! config with errors: the running one stays and every error is logged with its position.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::Config;
use crate::diag::Diag;
pub(crate) use crate::status::ReloadStatus;
use crate::status::RunningOn;

/// How often the files are checked for changes.
pub(crate) const POLL: Duration = Duration::from_secs(2);

/// What the files looked like: path, mtime and size of each.
fn fingerprint(config: &Path, playlists: &Path) -> Vec<(PathBuf, Option<SystemTime>, u64)> {
    let stat = |p: &Path| std::fs::metadata(p).ok().map(|m| (m.modified().ok(), m.len()));
    let mut out = vec![(config.to_path_buf(), stat(config).and_then(|s| s.0), stat(config).map_or(0, |s| s.1))];
    if let Ok(rd) = std::fs::read_dir(playlists) {
        let mut v: Vec<_> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|p| {
                let s = stat(&p);
                (p, s.and_then(|s| s.0), s.map_or(0, |s| s.1))
            })
            .collect();
        v.sort();
        out.extend(v);
    }
    out
}

/// Differences that a running daemon cannot take over without a restart.
fn restart_needed(old: &Config, new: &Config) -> Vec<String> {
    let mut out = Vec::new();
    let names = |c: &Config| c.screens.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    if names(old) != names(new) {
        out.push("screens added, removed or renamed".to_string());
    }
    for s in &new.screens {
        if let Some(o) = old.screen(&s.name)
            && (o.sinks != s.sinks || o.display.width != s.display.width || o.display.height != s.display.height || o.fps != s.fps)
        {
            out.push(format!("screen `{}`: sinks, size or fps", s.name));
        }
    }
    if old.sources != new.sources {
        out.push("sources".to_string());
    }
    if old.masking != new.masking {
        out.push("masking".to_string());
    }
    if old.console != new.console || old.status != new.status {
        out.push("[console] or [status]".to_string());
    }
    out
}

/// Watches and reloads until cancelled; publishes each valid config on `out`.
pub(crate) async fn run(
    initial: Arc<Config>,
    out: watch::Sender<Arc<Config>>,
    status: watch::Sender<ReloadStatus>,
    clock: crate::clock::Clock,
    recorder: crate::evidence::Recorder,
    cancel: CancellationToken,
    mut asked: crate::sources::PollNow,
) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = match signal(SignalKind::hangup()) {
        Ok(s) => Some(s),
        Err(e) => {
            warn!(error = %e, "cannot listen for SIGHUP; only file changes reload");
            None
        }
    };
    let (path, dir) = (initial.path.clone(), initial.playlists_dir.clone());
    let mut current = initial;
    let mut seen = fingerprint(&path, &dir);
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let by_signal = tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => false,
            Some(_) = async { match hup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => true,
            // A district `reload` command: the same as SIGHUP.
            _ = asked.asked() => true,
        };
        if !by_signal {
            if !current.watch {
                continue;
            }
            let now = fingerprint(&path, &dir);
            if now == seen {
                continue;
            }
            seen = now;
        }
        let p = path.clone();
        let Ok((cfg, diags)) = tokio::task::spawn_blocking(move || {
            let (cfg, diags) = Config::load(&p);
            if let Some(c) = &cfg {
                save_snapshot(c);
            }
            (cfg, diags)
        })
        .await
        else {
            return;
        };
        let at = clock.now();
        match cfg {
            Some(new) => {
                let needs_restart = restart_needed(&current, &new);
                for w in diags.iter() {
                    warn!(problem = %w, "configuration warning");
                }
                for r in &needs_restart {
                    warn!(change = %r, "this change takes effect after a restart");
                }
                info!(config = %path.display(), signal = by_signal, "configuration reloaded; takes over at the next slot boundary");
                let hours = crate::evidence::record::hours_log(new.screens.iter().map(|s| (s.name.as_str(), &s.hours)));
                recorder.config_reloaded(&path, true, needs_restart.iter().map(|r| format!("needs restart: {r}")).collect(), Some(hours));
                let new = Arc::new(new);
                current = Arc::clone(&new);
                out.send_replace(new);
                status.send_modify(|s| {
                    s.attempts += 1;
                    s.last_at = Some(at);
                    s.ok = true;
                    s.errors.clear();
                    s.needs_restart = needs_restart;
                    s.running_on = RunningOn::Disk;
                });
            }
            None => {
                let errors: Vec<Diag> = diags.into_iter().filter(Diag::is_error).collect();
                for e in &errors {
                    warn!(problem = %e, "configuration not reloaded");
                }
                warn!(config = %path.display(), errors = errors.len(), "edited configuration has errors; the running one stays in force");
                recorder.config_reloaded(&path, false, errors.iter().map(|e| e.to_string()).collect(), None);
                status.send_modify(|s| {
                    s.attempts += 1;
                    s.last_at = Some(at);
                    s.ok = false;
                    s.errors = errors;
                });
            }
        }
    }
}

/// Keeps the accepted configuration as the last good one (logged, never fatal:
/// the screens run on without it).
pub(crate) fn save_snapshot(c: &Config) {
    match c.texts.save(&c.state_dir) {
        Ok(true) => info!(dir = %c.state_dir.display(), "configuration kept as the last good one"),
        Ok(false) => {}
        Err(e) => {
            warn!(dir = %c.state_dir.display(), error = %e, "cannot save the last good configuration; a broken file at the next start would leave no fallback")
        }
    }
}
