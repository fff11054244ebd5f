//! What the console needs of the configuration in force and of the layers above it, as two
//! traits the daemon implements: the console sits below `config`, `engine`, `timeline` and
//! `reload`, and never names them.
//!
//! A `Site` is one configuration (the saved one, or the saved one with a draft playlist in
//! place): its plain settings, and the two things only the engine can do with it (the frame
//! a screen shows at a time, the timeline). `Host` hands out the configuration in force and
//! what the last hot reload said. Nothing here does I/O of its own.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;

use crate::diag::Diag;
use crate::item::Catalog;
use crate::item::mask::MaskPolicy;
use crate::render::display::Display;
use crate::schedule::Playlist;
use crate::sources::SourceConfig;

/// One screen as the console shows it.
#[derive(Debug, Clone)]
pub(crate) struct ScreenInfo {
    pub(crate) name: String,
    pub(crate) display: Display,
    /// The playlist when no scheduled one applies.
    pub(crate) playlist: String,
    /// Scheduled playlists, with their own `[when]`.
    pub(crate) playlists: Vec<String>,
}

/// A draft configuration and its warnings, or every error (`Site::with_playlist`).
pub(crate) type Judged = Result<(Arc<dyn Site>, Vec<Diag>), Vec<Diag>>;

/// One configuration, as the console reads and previews it.
pub(crate) trait Site: Send + Sync {
    fn time_zone(&self) -> &TimeZone;
    fn time_zone_name(&self) -> &str;
    fn village(&self) -> Option<&str>;
    fn evidence_dir(&self) -> &Path;
    /// Whether hot reload watches the files (else a saved playlist waits for `systemctl reload`).
    fn watch(&self) -> bool;
    fn sources(&self) -> &[SourceConfig];
    fn masking(&self) -> &MaskPolicy;
    fn screens(&self) -> &[ScreenInfo];
    fn playlists_dir(&self) -> &Path;
    fn playlists(&self) -> &BTreeMap<String, Playlist>;

    /// This configuration with `text` in place of the playlist file `file`, judged as `check`
    /// judges the whole configuration: `Err` holds every error (and warning), `Ok` the
    /// configuration it would give and its warnings.
    fn with_playlist(&self, file: &Path, text: &str) -> Judged;

    /// The frame `screen` shows at `at` with these items, as PNG (`yiping preview --at`).
    fn screen_png(&self, catalog: &Catalog, screen: &str, at: Timestamp, scale: Option<u32>) -> Result<Vec<u8>, String>;

    /// What `screen` plays from `from` for `hours`, as JSON segments (`yiping schedule`).
    fn timeline_json(&self, catalog: &Catalog, screen: &str, from: Timestamp, hours: u32) -> Result<Value, String>;

    fn screen(&self, name: &str) -> Option<&ScreenInfo> {
        self.screens().iter().find(|s| s.name == name)
    }
}

/// The daemon as the console sees it.
pub(crate) trait Host: Send + Sync {
    /// The configuration in force (replaced on every accepted reload).
    fn site(&self) -> Arc<dyn Site>;
    /// The errors of the last hot reload, when it refused an edit made by hand (the old
    /// configuration keeps playing); `None` when the last reload was good.
    fn reload_refused(&self) -> Option<Vec<Diag>>;
}
