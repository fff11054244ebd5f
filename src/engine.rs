//! One screen's decision loop body: scheduler step, scene cache, frame drawing.
//!
//! Shared by the daemon (driven by the real clock), `preview` and the tests
//! (driven by a simulated one). Pure apart from caching: no I/O, no clock.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::config::{Config, Playlist, ScreenConfig};
use crate::item::Priority;
use crate::item::Showable;
use crate::render::font::FontLibrary;
use crate::render::{Frame, Renderer, Scene, Ticker};
use crate::schedule::{self, Change, Content, IDLE_EFFECT, OnAir};

pub struct ScreenEngine {
    pub name: String,
    renderer: Renderer,
    playlist: Playlist,
    tz: TimeZone,
    on_air: Option<OnAir>,
    scene: Option<Scene>,
    /// Titles of the urgent items in force, and their ticker (HD designs) since when.
    urgent: Vec<String>,
    ticker: Option<(Ticker, Timestamp)>,
}

impl ScreenEngine {
    pub fn new(screen: &ScreenConfig, config: &Config, fonts: &Arc<FontLibrary>) -> Result<ScreenEngine, String> {
        let renderer = Renderer::new(screen, config.village.as_deref(), fonts)?;
        let playlist = config.playlists.get(&screen.playlist).cloned().ok_or_else(|| format!("playlist `{}` not loaded", screen.playlist))?;
        Ok(ScreenEngine {
            name: screen.name.clone(),
            renderer,
            playlist,
            tz: config.time_zone.clone(),
            on_air: None,
            scene: None,
            urgent: Vec::new(),
            ticker: None,
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
        let urgent = items.iter().filter(|s| s.item().priority == Priority::Urgent).map(|s| &s.item().title);
        if !urgent.clone().eq(self.urgent.iter()) {
            self.urgent = urgent.cloned().collect();
            self.ticker = self.renderer.ticker(&self.urgent).map(|t| (t, now));
        }
        let r = &self.renderer;
        let change = schedule::step(self.on_air.as_ref(), &self.playlist, items, now, &|c, s| r.measure(c, s))?;
        self.scene = Some(self.renderer.scene(&change.next.content, change.next.effect));
        self.on_air = Some(change.next.clone());
        Some(change)
    }

    /// Draws what is on air at `now` (idle until the first `advance`).
    pub fn draw(&self, frame: &mut Frame, now: Timestamp) {
        let local = now.to_zoned_datetime(self.tz.clone());
        match (&self.scene, &self.on_air) {
            (Some(s), Some(a)) => {
                let ticker = self.ticker.as_ref().map(|(t, since)| (t, now.duration_since(*since).unsigned_abs()));
                s.draw_with(frame, a.elapsed(now), &local, ticker)
            }
            _ => self.renderer.scene(&Content::Idle, IDLE_EFFECT).draw(frame, std::time::Duration::ZERO, &local),
        }
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
