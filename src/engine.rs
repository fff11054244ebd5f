//! One screen's decision loop body: scheduler step, scene cache, frame drawing.
//!
//! Shared by the daemon (driven by the real clock), `preview` and the tests
//! (driven by a simulated one). Pure apart from caching: no I/O, no clock.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::config::{Config, Playlist, ScreenConfig};
use crate::item::{Showable, SourceHealth};
use crate::render::font::FontLibrary;
use crate::render::overlay::Overlay;
use crate::render::theme::Theme;
use crate::render::{Frame, Renderer, Scene};
use crate::schedule::{self, Change, Content, IDLE_EFFECT, OnAir};

pub struct ScreenEngine {
    pub name: String,
    renderer: Renderer,
    playlist: Playlist,
    tz: TimeZone,
    on_air: Option<OnAir>,
    scene: Option<Scene>,
    overlay: Option<Overlay>,
    /// `Some(last fetch)` while a network source is stale (see `note_freshness`).
    stale: Option<Option<Timestamp>>,
}

impl ScreenEngine {
    pub fn new(screen: &ScreenConfig, config: &Config, fonts: &Arc<FontLibrary>) -> Result<ScreenEngine, String> {
        let renderer = Renderer::new(screen, config.village.as_deref(), fonts)?;
        let playlist = config.playlists.get(&screen.playlist).cloned().ok_or_else(|| format!("playlist `{}` not loaded", screen.playlist))?;
        let overlay = fonts.set(screen.layout.small_font).map(|f| Overlay::new(f.clone(), &Theme::new(screen.color, screen.led_color)));
        Ok(ScreenEngine {
            name: screen.name.clone(),
            renderer,
            playlist,
            tz: config.time_zone.clone(),
            on_air: None,
            scene: None,
            overlay,
            stale: None,
        })
    }

    pub fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    pub fn on_air(&self) -> Option<&OnAir> {
        self.on_air.as_ref()
    }

    pub fn scene(&self) -> Option<&Scene> {
        self.scene.as_ref()
    }

    /// Moves the schedule to `now`; returns the change when the content changed.
    pub fn advance(&mut self, items: &[Showable], now: Timestamp) -> Option<Change> {
        let r = &self.renderer;
        let change = schedule::step(self.on_air.as_ref(), &self.playlist, items, now, &|c, s| r.measure(c, s))?;
        self.scene = Some(self.renderer.scene(&change.next.content, change.next.effect));
        self.on_air = Some(change.next.clone());
        Some(change)
    }

    /// Draws what is on air at `now` (idle until the first `advance`), and the staleness marker when due.
    pub fn draw(&self, frame: &mut Frame, now: Timestamp) {
        let local = now.to_zoned_datetime(self.tz.clone());
        match (&self.scene, &self.on_air) {
            (Some(s), Some(a)) => s.draw(frame, a.elapsed(now), &local),
            _ => self.renderer.scene(&Content::Idle, IDLE_EFFECT).draw(frame, std::time::Duration::ZERO, &local),
        }
        if let (Some(o), Some(last)) = (&self.overlay, &self.stale) {
            o.draw_stale(frame, last.map(|t| t.to_zoned_datetime(self.tz.clone())).as_ref());
        }
    }

    /// Notes how fresh the network sources are: when any is stale, frames carry
    /// "信息更新于 <its last fetch>" (the oldest, when several are).
    pub fn note_freshness(&mut self, freshness: &BTreeMap<String, SourceHealth>, now: Timestamp) {
        self.stale = freshness.values().filter(|h| h.is_stale(now)).map(|h| h.last_success).min();
    }

    /// Whether frames currently carry the staleness marker, and the time it shows.
    pub fn stale_since(&self) -> Option<Option<Timestamp>> {
        self.stale
    }

    /// A one-line description of what is on air, for terminals and logs.
    pub fn caption(&self, now: Timestamp) -> String {
        let local = now.to_zoned_datetime(self.tz.clone());
        let clock = local.strftime("%Y-%m-%d %H:%M:%S");
        match &self.on_air {
            Some(a) => {
                let what = match &a.content {
                    Content::Item(s) => s.key().to_string(),
                    Content::Notice { .. } => "notice".into(),
                    Content::Idle => "idle".into(),
                };
                let left = a.end.duration_since(now).as_secs().max(0);
                format!("{clock}  {}  [{}] {what}  ({left}s left)", self.name, a.slot_name)
            }
            None => format!("{clock}  {}  starting", self.name),
        }
    }
}
