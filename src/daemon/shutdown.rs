//! The daemon's tasks by name, and shutdown with a deadline: whatever has not
//! finished by then is logged by name and abandoned, so a hung device never keeps
//! the service from stopping (systemd would kill it, and say less).
//!
//! The deadline is measured with the monotonic clock, not tokio's, so a test
//! running on a paused tokio clock does not abandon work that is about to finish.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio_util::task::TaskTracker;
use tracing::{error, warn};

/// How long shutdown waits for tasks and threads after the stop signal. Well
/// inside systemd's default stop timeout (90 s), long enough for a BX card's
/// reply timeout and an evidence-log fsync on a slow SD card.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

/// How often shutdown looks whether threads have finished.
const POLL: Duration = Duration::from_millis(20);

/// The daemon's tasks, each with a name shutdown can report.
#[derive(Clone, Default)]
pub(crate) struct Tasks {
    tracker: TaskTracker,
    running: Arc<Mutex<BTreeMap<u64, String>>>,
    next: Arc<AtomicU64>,
}

/// Removes a task's name when the task ends (or is dropped).
struct Running {
    id: u64,
    names: Arc<Mutex<BTreeMap<u64, String>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(mut n) = self.names.lock() {
            n.remove(&self.id);
        }
    }
}

impl Tasks {
    pub(crate) fn spawn(&self, name: impl Into<String>, task: impl Future<Output = ()> + Send + 'static) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut n) = self.running.lock() {
            n.insert(id, name.into());
        }
        let guard = Running { id, names: Arc::clone(&self.running) };
        self.tracker.spawn(async move {
            let _guard = guard;
            task.await
        });
    }

    /// Names of the tasks still running.
    pub(crate) fn running(&self) -> Vec<String> {
        self.running.lock().map(|n| n.values().cloned().collect()).unwrap_or_default()
    }
}

/// After cancellation: waits for `tasks`, then runs `then` (blocking, e.g. the
/// evidence log's `stop` record), then waits for `threads`, all within
/// `deadline`. Returns the names of what was abandoned (logged as errors).
pub(crate) async fn wait_all(tasks: &Tasks, then: impl FnOnce() + Send + 'static, threads: Vec<JoinHandle<()>>, deadline: Duration) -> Vec<String> {
    let end = Instant::now() + deadline;
    let mut abandoned = Vec::new();
    tasks.tracker.close();
    if !until(end, tasks.tracker.wait()).await {
        abandoned.extend(tasks.running().into_iter().map(|n| format!("task {n}")));
    }
    let then = tokio::task::spawn_blocking(then);
    if !until(end, then).await {
        abandoned.push("the evidence log's stop record".to_string());
    }
    let mut threads = threads;
    loop {
        let (done, left): (Vec<_>, Vec<_>) = threads.into_iter().partition(JoinHandle::is_finished);
        // A sink thread's panic was caught and reported where it happened.
        done.into_iter().for_each(|t| drop(t.join()));
        threads = left;
        if threads.is_empty() {
            break;
        }
        if Instant::now() >= end {
            abandoned.extend(threads.iter().map(|t| format!("thread {}", t.thread().name().unwrap_or("(unnamed)"))));
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    for what in &abandoned {
        error!(what = %what, deadline_seconds = deadline.as_secs_f64(), "still running at the shutdown deadline; abandoned");
    }
    if !abandoned.is_empty() {
        warn!(abandoned = abandoned.len(), "stopping without waiting for them");
    }
    abandoned
}

/// Drives `f` until it completes (true) or the monotonic `end` passes (false).
async fn until<F: Future>(end: Instant, f: F) -> bool {
    tokio::pin!(f);
    loop {
        tokio::select! {
            _ = &mut f => return true,
            _ = tokio::time::sleep(POLL) => {
                if Instant::now() >= end {
                    return false;
                }
            }
        }
    }
}
