//! Runs each configured sink on its own thread, fed latest-wins from the screen's watch channel.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::config::SinkConfig;

use super::fbdev::Framebuffer;
use super::gif::GifRecorder;
use super::png;
use super::terminal::TerminalPainter;
use super::{Output, SinkStatus};

/// Starts a sink thread; the returned handle ends when `cancel` fires (join it on shutdown).
pub fn spawn(
    screen: &str,
    cfg: &SinkConfig,
    rx: watch::Receiver<Arc<Output>>,
    status: Arc<SinkStatus>,
    cancel: CancellationToken,
    handle: Handle,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let name = format!("sink-{}-{}", screen, cfg.kind());
    let screen = screen.to_string();
    let cfg = cfg.clone();
    // Devices are opened before the thread starts, so a wrong path or size stops `run` with a clear error.
    let fb = match &cfg {
        SinkConfig::Fbdev(c) => {
            let (w, h) = (rx.borrow().frame.width(), rx.borrow().frame.height());
            Some(Framebuffer::open(c, &screen, w, h).map_err(std::io::Error::other)?)
        }
        _ => None,
    };
    #[cfg(feature = "drm")]
    let drm_out = match &cfg {
        SinkConfig::Drm { path } => {
            let (w, h) = (rx.borrow().frame.width(), rx.borrow().frame.height());
            Some(super::drm::DrmOutput::open(path, &screen, w, h).map_err(std::io::Error::other)?)
        }
        _ => None,
    };
    #[cfg(not(feature = "drm"))]
    if let SinkConfig::Drm { path } = &cfg {
        return Err(std::io::Error::other(format!(
            "sink `drm` ({}): this yiping was built without DRM support; rebuild with `cargo build --release --features drm`, or use type = \"fbdev\"",
            path.display()
        )));
    }
    std::thread::Builder::new().name(name).spawn(move || match cfg {
        SinkConfig::Terminal => terminal_loop(&screen, rx, &status, &cancel, &handle),
        SinkConfig::Png { path, every, scale } => png_loop(&screen, &path, every, scale, rx, &status, &cancel, &handle),
        SinkConfig::Gif { path, seconds, scale } => gif_loop(&screen, &path, seconds, scale, rx, &status, &cancel, &handle),
        SinkConfig::Bx(c) => super::bx::run(&screen, &c, rx, &status, &cancel, &handle),
        SinkConfig::Tpm2(c) => super::stream::run(&screen, super::stream::Protocol::Tpm2, &c, rx, &status, &cancel, &handle),
        SinkConfig::Adalight(c) => super::stream::run(&screen, super::stream::Protocol::Adalight, &c, rx, &status, &cancel, &handle),
        SinkConfig::Fbdev(c) => {
            if let Some(mut fb) = fb {
                device_loop(&screen, "fbdev", |f| fb.show(f), rx, &status, &cancel, &handle);
                if c.blank_on_exit {
                    fb.blank();
                }
            }
        }
        SinkConfig::Drm { .. } =>
        {
            #[cfg(feature = "drm")]
            if let Some(mut out) = drm_out {
                device_loop(&screen, "drm", |f| out.show(f), rx, &status, &cancel, &handle);
            }
        }
    })
}

/// Waits for a new output; `None` when cancelled or the screen is gone.
fn next(rx: &mut watch::Receiver<Arc<Output>>, cancel: &CancellationToken, handle: &Handle) -> Option<Arc<Output>> {
    handle.block_on(async {
        tokio::select! {
            _ = cancel.cancelled() => None,
            r = rx.changed() => r.ok().map(|_| Arc::clone(&rx.borrow_and_update())),
        }
    })
}

fn terminal_cols() -> u16 {
    // SAFETY: TIOCGWINSZ fills a winsize struct we own; failure leaves it zeroed.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    if ok && ws.ws_col > 0 {
        return ws.ws_col;
    }
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(200)
}

fn terminal_loop(screen: &str, mut rx: watch::Receiver<Arc<Output>>, status: &SinkStatus, cancel: &CancellationToken, handle: &Handle) {
    let mut painter = TerminalPainter::new(terminal_cols());
    let mut out = std::io::stdout();
    let _ = out.write_all(TerminalPainter::enter().as_bytes());
    let mut polls = 0u32;
    while let Some(o) = next(&mut rx, cancel, handle) {
        polls += 1;
        if polls.is_multiple_of(32) {
            painter.resize(terminal_cols());
        }
        let s = painter.paint(&o.frame, &o.caption);
        if let Err(e) = out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
            status.failed(&e);
            error!(screen, sink = "terminal", error = %e, "terminal write failed; sink stopped");
            return;
        }
        status.wrote();
    }
    let _ = out.write_all(TerminalPainter::leave().as_bytes());
    let _ = out.flush();
    info!(screen, sink = "terminal", "stopped");
}

/// Shows every new frame on a display device (fbdev, DRM); black while the screen is off.
/// Errors are logged once per failure spell and counted in the status.
fn device_loop<E: std::fmt::Display>(
    screen: &str,
    kind: &str,
    mut show: impl FnMut(&crate::render::Frame) -> Result<(), E>,
    mut rx: watch::Receiver<Arc<Output>>,
    status: &SinkStatus,
    cancel: &CancellationToken,
    handle: &Handle,
) {
    let mut failing = false;
    let mut black: Option<crate::render::Frame> = None;
    let mut current = Some(Arc::clone(&rx.borrow_and_update()));
    while let Some(o) = current.take().or_else(|| next(&mut rx, cancel, handle)) {
        let frame = if o.power.on { &o.frame } else { black.get_or_insert_with(|| crate::render::Frame::new(o.frame.width(), o.frame.height())) };
        match show(frame) {
            Ok(()) => {
                status.wrote();
                if failing {
                    info!(screen, sink = kind, "writing again");
                    failing = false;
                }
            }
            Err(e) => {
                status.failed(&e);
                if !failing {
                    warn!(screen, sink = kind, error = %e, "cannot show frame; will keep trying");
                    failing = true;
                }
            }
        }
    }
    info!(screen, sink = kind, frames = status.written.load(std::sync::atomic::Ordering::Relaxed), "stopped");
}

#[allow(clippy::too_many_arguments)]
fn png_loop(
    screen: &str,
    path: &Path,
    every: Duration,
    scale: u32,
    rx: watch::Receiver<Arc<Output>>,
    status: &SinkStatus,
    cancel: &CancellationToken,
    handle: &Handle,
) {
    let mut last_number = None;
    let mut spell = crate::spell::Spell::default_reminder();
    loop {
        let o = Arc::clone(&rx.borrow());
        if Some(o.number) != last_number {
            last_number = Some(o.number);
            let frame = if scale > 1 { png::scaled(&o.frame, scale, scale >= 3) } else { o.frame.clone() };
            let res = png::save(path, &frame);
            match &res {
                Ok(()) => status.wrote(),
                Err(e) => status.failed(e),
            }
            // Said once per failure spell (and a reminder every 10 minutes), not once per frame.
            let now = std::time::Instant::now();
            match res {
                Ok(()) => {
                    if let Some(r) = spell.success(now) {
                        info!(screen, sink = "png", path = %path.display(), failures = r.failures, seconds = r.lasted.as_secs(), "writing again");
                    }
                }
                Err(e) => {
                    if let Some(say) = spell.failure(&e.to_string(), now) {
                        let secs = say.failing_for.as_secs();
                        warn!(screen, sink = "png", path = %path.display(), error = %e, repeated = say.repeated, failing_seconds = secs, "cannot write frame; will keep trying");
                    }
                }
            }
        }
        let stop = handle.block_on(async {
            tokio::select! {
                _ = cancel.cancelled() => true,
                _ = tokio::time::sleep(every) => false,
            }
        });
        if stop {
            return;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn gif_loop(
    screen: &str,
    path: &Path,
    seconds: u32,
    scale: u32,
    mut rx: watch::Receiver<Arc<Output>>,
    status: &SinkStatus,
    cancel: &CancellationToken,
    handle: &Handle,
) {
    let first = Arc::clone(&rx.borrow_and_update());
    let (w, h) = (first.frame.width() * scale, first.frame.height() * scale);
    let mut rec = match GifRecorder::new(Vec::new(), w, h) {
        Ok(r) => r,
        Err(e) => return error!(screen, sink = "gif", error = %e, "cannot start recording"),
    };
    let scaled = |o: &Output| if scale > 1 { png::scaled(&o.frame, scale, scale >= 3) } else { o.frame.clone() };
    let mut prev = first;
    let mut frames = 1u64;
    let mut skipped = 0u64;
    let limit = seconds as i64 * 1000;
    let start = prev.at;
    while let Some(o) = next(&mut rx, cancel, handle) {
        skipped += o.number.saturating_sub(prev.number + 1);
        let delay = o.at.duration_since(prev.at).as_millis().clamp(0, 60_000) as u32;
        if let Err(e) = rec.push(&scaled(&prev), delay) {
            return error!(screen, sink = "gif", error = %e, "recording failed");
        }
        frames += 1;
        prev = o;
        if prev.at.duration_since(start).as_millis() >= limit as i128 {
            break;
        }
    }
    let _ = rec.push(&scaled(&prev), 100);
    match rec.finish().map_err(|e| std::io::Error::other(e.to_string())).and_then(|bytes| crate::fsutil::write_atomic(path, &bytes)) {
        Ok(()) => {
            status.written.store(frames, std::sync::atomic::Ordering::Relaxed);
            info!(screen, sink = "gif", path = %path.display(), frames, skipped, "recording written")
        }
        Err(e) => error!(screen, sink = "gif", path = %path.display(), error = %e, "cannot write recording"),
    }
}
