//! The district's view: the box reports over MQTT and obeys signed commands (issue 16).
//!
//! `link` keeps one MQTT session with the district's broker on its own task:
//! presence (`online` with a Last Will), the status document, the evidence
//! head, and every evidence record streamed from the log files (`backlog`)
//! with an acknowledged cursor (`cursor`). Commands are verified (`command`,
//! `nonces`) and carried out (`obey`) through `Actions`, which the daemon
//! implements. `archive` is the district side's append-only copy of each
//! site's records. Layer: above evidence and status, below config (which
//! only registers `[fleet]`, parsed here by `config`). It never draws,
//! schedules or blocks a screen loop, and never subscribes to anything but
//! its own command topics.

pub(crate) mod archive;
pub(crate) mod backlog;
pub(crate) mod command;
pub(crate) mod config;
pub(crate) mod cursor;
pub(crate) mod link;
pub(crate) mod nonces;
pub(crate) mod obey;
pub(crate) mod report;
pub(crate) mod tls;
pub(crate) mod today;
pub(crate) mod topics;

use jiff::Timestamp;

/// What commands may ask of the rest of the daemon. Each returns a short
/// description of what was done, or why not (Chinese, then English).
/// `urgent` and `urgent_cancel` may block on the disk (they run on a blocking thread).
pub trait Actions: Send + Sync + 'static {
    /// Poll every HTTP source now.
    fn refresh(&self) -> Result<String, String>;
    /// Reload the configuration as SIGHUP does.
    fn reload(&self) -> Result<String, String>;
    /// Keep `item` (the item JSON format) and show it as urgent until its `until`.
    fn urgent(&self, item: &str, now: Timestamp) -> Result<String, String>;
    /// Withdraw an urgent item by id.
    fn urgent_cancel(&self, id: &str) -> Result<String, String>;
}
