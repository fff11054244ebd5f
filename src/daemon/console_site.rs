//! The operator console's view of the daemon: `console::Site` for a configuration and
//! `console::Host` for the running daemon. Lives here because only a layer above `config`,
//! `engine` and `timeline` may name them; the console itself sees the traits only.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::config::Config;
use crate::console::preview::{MAX_HOURS, default_scale, encode};
use crate::console::site::{Host, Judged, ScreenInfo, Site};
use crate::diag::Diag;
use crate::engine::ScreenEngine;
use crate::item::Catalog;
use crate::item::mask::MaskPolicy;
use crate::reload::ReloadStatus;
use crate::render::Frame;
use crate::render::font::FontLibrary;
use crate::schedule::Playlist;
use crate::sources::SourceConfig;
use crate::timeline;

/// One configuration with the fonts its previews are drawn in.
pub(crate) struct ConfigSite {
    cfg: Arc<Config>,
    fonts: Arc<FontLibrary>,
    screens: Vec<ScreenInfo>,
}

impl ConfigSite {
    pub(crate) fn new(cfg: Arc<Config>, fonts: Arc<FontLibrary>) -> ConfigSite {
        let screens = cfg
            .screens
            .iter()
            .map(|s| ScreenInfo { name: s.name.clone(), display: s.display.clone(), playlist: s.playlist.clone(), playlists: s.playlists.clone() })
            .collect();
        ConfigSite { cfg, fonts, screens }
    }

    fn engine(&self, screen: &str) -> Result<ScreenEngine, String> {
        let sc = self.cfg.screen(screen).ok_or_else(|| format!("no screen `{screen}`"))?;
        ScreenEngine::new(sc, &self.cfg, &self.fonts)
    }
}

impl Site for ConfigSite {
    fn time_zone(&self) -> &TimeZone {
        &self.cfg.time_zone
    }
    fn time_zone_name(&self) -> &str {
        &self.cfg.time_zone_name
    }
    fn village(&self) -> Option<&str> {
        self.cfg.village.as_deref()
    }
    fn evidence_dir(&self) -> &Path {
        &self.cfg.evidence.dir
    }
    fn watch(&self) -> bool {
        self.cfg.watch
    }
    fn sources(&self) -> &[SourceConfig] {
        &self.cfg.sources
    }
    fn masking(&self) -> &MaskPolicy {
        &self.cfg.masking
    }
    fn screens(&self) -> &[ScreenInfo] {
        &self.screens
    }
    fn playlists_dir(&self) -> &Path {
        &self.cfg.playlists_dir
    }
    fn playlists(&self) -> &BTreeMap<String, Playlist> {
        &self.cfg.playlists
    }

    fn with_playlist(&self, file: &Path, text: &str) -> Judged {
        match Config::load_with_override(&self.cfg.path, file, text) {
            (Some(c), warnings) => Ok((Arc::new(ConfigSite::new(Arc::new(c), Arc::clone(&self.fonts))), warnings)),
            (None, diags) => Err(diags),
        }
    }

    fn screen_png(&self, catalog: &Catalog, screen: &str, at: Timestamp, scale: Option<u32>) -> Result<Vec<u8>, String> {
        let mut engine = self.engine(screen)?;
        let d = &self.screen(screen).ok_or_else(|| format!("no screen `{screen}`"))?.display;
        engine.advance(&catalog.showable(at), at);
        let mut frame = Frame::new(d.width, d.height);
        engine.draw(&mut frame, at);
        Ok(encode(&frame, scale.unwrap_or_else(|| default_scale(d.width))))
    }

    fn timeline_json(&self, catalog: &Catalog, screen: &str, from: Timestamp, hours: u32) -> Result<Value, String> {
        let mut engine = self.engine(screen)?;
        let until = from + SignedDuration::from_hours(hours.clamp(1, MAX_HOURS) as i64);
        let segs = timeline::simulate(&mut engine, catalog, from, until, Duration::from_secs(1));
        let tz = self.cfg.time_zone.clone();
        let local = |t: Timestamp| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string();
        let on: i64 = segs.iter().filter(|s| !s.is_off()).map(|s| s.seconds()).sum();
        let rows: Vec<Value> = segs
            .iter()
            .map(|s| {
                json!({
                    "start": s.start, "end": s.end, "start_local": local(s.start), "end_local": local(s.end),
                    "seconds": s.seconds(), "slot": s.slot, "key": s.key, "title": s.title,
                    "urgent": s.urgent, "resumed": s.resumed, "interrupts": s.interrupts, "off": s.is_off(),
                })
            })
            .collect();
        Ok(json!({
            "screen": screen, "time_zone": self.cfg.time_zone_name, "from": from, "until": until,
            "on_seconds": on, "off_seconds": until.duration_since(from).as_secs() - on, "segments": rows,
        }))
    }
}

/// The running daemon: the configuration in force and the last hot reload's outcome.
pub(crate) struct DaemonHost {
    pub(crate) configs: watch::Receiver<Arc<Config>>,
    pub(crate) reload: watch::Receiver<ReloadStatus>,
    pub(crate) fonts: Arc<FontLibrary>,
}

impl Host for DaemonHost {
    fn site(&self) -> Arc<dyn Site> {
        Arc::new(ConfigSite::new(Arc::clone(&self.configs.borrow()), Arc::clone(&self.fonts)))
    }

    fn reload_refused(&self) -> Option<Vec<Diag>> {
        let r = self.reload.borrow();
        (!r.ok).then(|| r.errors.clone())
    }
}
