//! The loop of display-device sinks (fbdev, DRM): every new frame shown, black while the screen is off.

use std::sync::Arc;

use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::info;

use super::runner::next;
use super::{Failures, Output, SinkStatus};

/// Shows every new frame on a display device (fbdev, DRM); black while the screen is off.
/// Errors are logged once per failure spell and counted in the status.
pub(crate) fn device_loop<E: std::fmt::Display>(
    screen: &str,
    mut failures: Failures,
    mut show: impl FnMut(&crate::render::Frame) -> Result<(), E>,
    mut rx: watch::Receiver<Arc<Output>>,
    status: &SinkStatus,
    cancel: &CancellationToken,
    handle: &Handle,
) {
    let mut black: Option<crate::render::Frame> = None;
    let mut current = Some(Arc::clone(&rx.borrow_and_update()));
    while let Some(o) = current.take().or_else(|| next(&mut rx, cancel, handle)) {
        let frame = if o.power.on { &o.frame } else { black.get_or_insert_with(|| crate::render::Frame::new(o.frame.width(), o.frame.height())) };
        let now = std::time::Instant::now();
        match show(frame) {
            Ok(()) => {
                status.wrote();
                failures.ok(now);
            }
            Err(e) => failures.failed(status, &e, "cannot show frame; will keep trying", now),
        }
    }
    info!(screen, sink = failures.kind(), frames = status.written.load(std::sync::atomic::Ordering::Relaxed), "stopped");
}
