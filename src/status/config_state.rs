//! What the status endpoint says about the configuration: which one runs, and the
//! errors of the files on disk. Written by `reload` and `daemon`, read by the pages.

use jiff::Timestamp;

use crate::diag::Diag;

/// Which configuration the daemon runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunningOn {
    /// The files on disk (as they were last accepted).
    #[default]
    Disk,
    /// The files on disk had errors at start: the last good snapshot runs.
    LastGood,
    /// The files on disk had errors at start and there was no snapshot: the screens
    /// show only the 配置有误 notice.
    Fallback,
}

impl RunningOn {
    /// Plain words for logs, Chinese then English.
    pub fn words(self) -> &'static str {
        match self {
            RunningOn::Disk => "磁盘上的配置 / the files on disk",
            RunningOn::LastGood => "上次正确的配置 / the last good configuration",
            RunningOn::Fallback => "只显示“配置有误” / the 配置有误 notice only",
        }
    }
}

/// The outcome of the last configuration reload, for status and tests.
#[derive(Debug, Clone, Default)]
pub struct ReloadStatus {
    /// Reload attempts so far (successful or not).
    pub attempts: u64,
    pub last_at: Option<Timestamp>,
    pub ok: bool,
    /// Errors of the files on disk when they were last read (empty after a good read).
    pub errors: Vec<Diag>,
    /// Changes that only take effect after a restart (sources, sinks, screens added or removed).
    pub needs_restart: Vec<String>,
    pub running_on: RunningOn,
}

impl ReloadStatus {
    /// Why the daemon is degraded (running, but not on the configuration on disk); `None` when it is not.
    pub fn degraded(&self) -> Option<String> {
        let why = match self.running_on {
            RunningOn::LastGood => "running on the last good configuration 正在使用上次正确的配置",
            RunningOn::Fallback => "configuration has errors, screens show 配置有误",
            RunningOn::Disk if !self.ok && !self.errors.is_empty() => "edited configuration refused 修改后的配置有误，未采用",
            RunningOn::Disk => return None,
        };
        let first = self.errors.first().map(|e| format!(": {e}")).unwrap_or_default();
        let more = if self.errors.len() > 1 { format!(" (and {} more)", self.errors.len() - 1) } else { String::new() };
        Some(format!("{why}{first}{more}"))
    }
}
