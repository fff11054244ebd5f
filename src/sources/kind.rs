//! What every source kind answers: the one entry point (`Source`) each kind's config
//! type implements, and `SourceConfig`, the configured source the rest of the program holds.
//!
//! The daemon starts sources through `start`, `check` and `preview` read them
//! through `offline`, and the evidence log learns their failures from the
//! `failure` each `SourceUpdate` carries: adding a kind touches none of those.

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::component::{Component, DynEq};

use super::SourceUpdate;

/// One source kind, implemented by its config type (`FolderConfig`, `HttpSource`).
pub trait Source: DynEq + fmt::Debug + Send + Sync {
    /// Its `type` in `[[sources]]`.
    fn kind(&self) -> &'static str;

    /// The operator's name for it: items are keyed `<name>/<id>`.
    fn name(&self) -> &str;

    /// The source's task: sends a full `SourceUpdate` whenever what it holds
    /// changes (and when its health does), until cancelled.
    fn start(&self, cx: SourceContext) -> Pin<Box<dyn Future<Output = ()> + Send>>;

    /// What it holds now, read without the daemon (for `check` and `preview`):
    /// no network, and nothing written.
    fn offline(&self, state_dir: &Path) -> SourceUpdate;
}

/// What a source's task gets.
#[derive(Clone)]
pub struct SourceContext {
    /// Where sources keep state across restarts (the feed cache).
    pub state_dir: PathBuf,
    pub clock: Clock,
    pub tx: mpsc::Sender<SourceUpdate>,
    pub cancel: CancellationToken,
    /// Bumped when the source should poll now instead of at its next interval
    /// (a district `refresh` command, so a revocation reaches the screen in seconds).
    pub poll_now: PollNow,
    /// The highest acceptance the evidence log recorded for this source (network sources
    /// take it as a rollback floor beside their own files).
    pub floor: Option<crate::sources::http::floor::Seen>,
}

/// A request to poll now: a counter whose change wakes the source (`None`: nobody asks).
#[derive(Clone, Default)]
pub struct PollNow(pub Option<tokio::sync::watch::Receiver<u64>>);

impl PollNow {
    /// Waits until asked; pending forever when nobody can ask.
    pub async fn asked(&mut self) {
        let asked = match &mut self.0 {
            Some(rx) => rx.changed().await.is_ok(),
            None => false,
        };
        if !asked {
            std::future::pending::<()>().await;
        }
    }
}

/// A configured source: one `[[sources]]` table, read by its kind.
pub(crate) type SourceConfig = Component<dyn Source>;

impl SourceConfig {
    pub fn new(source: impl Source) -> SourceConfig {
        Component::from_arc(Arc::new(source))
    }
}
