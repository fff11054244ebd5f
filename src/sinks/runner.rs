//! Starts a sink on its own thread, fed latest-wins from the screen's watch channel.
//!
//! The one spawn wrapper: the kind opens what it needs (`Sink::start`, before
//! the thread exists, so a wrong device stops the daemon's start with a clear
//! error), then its loop runs here. A loop that panics is caught: the panic is
//! logged and marked in the sink's status (the status page shows it `panicked`,
//! the evidence log counts the output as failing); nothing else stops.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::error;

use super::{Output, SinkConfig, SinkRun, SinkStatus};

/// Starts a sink thread; the returned handle ends when `cancel` fires (join it on shutdown).
pub(crate) fn spawn(
    screen: &str,
    cfg: &SinkConfig,
    rx: watch::Receiver<Arc<Output>>,
    status: Arc<SinkStatus>,
    cancel: CancellationToken,
    handle: Handle,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let (kind, name) = (cfg.kind(), format!("sink-{}-{}", screen, cfg.kind()));
    let first = Arc::clone(&rx.borrow());
    let body = cfg.start(screen, &first)?;
    let run = SinkRun { screen: screen.to_string(), rx, status: Arc::clone(&status), cancel, handle };
    let screen = screen.to_string();
    std::thread::Builder::new().name(name).spawn(move || {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| body(run))) {
            let message = panic_message(&*panic);
            status.panicked(&message);
            error!(screen, sink = kind, panic = %message, "sink thread panicked; this output stays dark until yiping restarts");
        }
    })
}

/// What a panic said (`panic!` with a message gives a `&str` or a `String`).
fn panic_message(panic: &(dyn Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(s), _) => s.to_string(),
        (_, Some(s)) => s.clone(),
        _ => "a panic without a message".to_string(),
    }
}

/// Waits for a new output; `None` when cancelled or the screen is gone.
pub(crate) fn next(rx: &mut watch::Receiver<Arc<Output>>, cancel: &CancellationToken, handle: &Handle) -> Option<Arc<Output>> {
    handle.block_on(async {
        tokio::select! {
            _ = cancel.cancelled() => None,
            r = rx.changed() => r.ok().map(|_| Arc::clone(&rx.borrow_and_update())),
        }
    })
}
