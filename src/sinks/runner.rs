//! Starts a sink on its own thread, fed latest-wins from the screen's watch channel.
//!
//! The one spawn wrapper: the kind opens what it needs (`Sink::start`, before
//! the thread exists, so a wrong device stops the daemon's start with a clear
//! error), then its loop runs here.

use std::sync::Arc;

use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{Output, SinkConfig, SinkRun, SinkStatus};

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
    let first = Arc::clone(&rx.borrow());
    let body = cfg.start(screen, &first)?;
    let run = SinkRun { screen: screen.to_string(), rx, status, cancel, handle };
    std::thread::Builder::new().name(name).spawn(move || body(run))
}

/// Waits for a new output; `None` when cancelled or the screen is gone.
pub fn next(rx: &mut watch::Receiver<Arc<Output>>, cancel: &CancellationToken, handle: &Handle) -> Option<Arc<Output>> {
    handle.block_on(async {
        tokio::select! {
            _ = cancel.cancelled() => None,
            r = rx.changed() => r.ok().map(|_| Arc::clone(&rx.borrow_and_update())),
        }
    })
}
