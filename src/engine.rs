//! One screen's decision loop body: screen hours, playlist choice, scheduler
//! step, scene cache, frame drawing, and configuration swaps at slot boundaries.
//!
//! Shared by the daemon (driven by the real clock), `preview`, `schedule` and
//! the tests (driven by a simulated one). No I/O, no clock: `now` is an argument.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::config::{Config, ScreenConfig};
use crate::item::{Showable, SourceHealth};
use crate::render::font::FontLibrary;
use crate::render::overlay::Overlay;
use crate::render::theme::Theme;
use crate::render::{Frame, Renderer, Scene, Ticker};
use crate::schedule::hours::{Power, ScreenHours};
use crate::schedule::{Change, Content, IDLE_EFFECT, Inputs, OnAir, Playlist, Rotation, UrgentPolicy, plan};

/// The parts of the configuration a screen runs on; replaced whole on reload.
struct Setup {
    renderer: Renderer,
    default: Playlist,
    scheduled: Vec<Playlist>,
    urgent: UrgentPolicy,
    hours: ScreenHours,
    tz: TimeZone,
    /// Draws the staleness marker over finished frames.
    overlay: Option<Overlay>,
}

impl Setup {
    fn new(screen: &ScreenConfig, config: &Config, fonts: &Arc<FontLibrary>) -> Result<Setup, String> {
        let get = |n: &str| config.playlists.get(n).cloned().ok_or_else(|| format!("playlist `{n}` not loaded"));
        Ok(Setup {
            renderer: Renderer::new(&screen.display, fonts)?,
            default: get(&screen.playlist)?,
            scheduled: screen.playlists.iter().map(|n| get(n)).collect::<Result<_, _>>()?,
            urgent: screen.urgent.clone(),
            hours: screen.hours.clone(),
            tz: config.time_zone.clone(),
            overlay: fonts
                .set(screen.display.layout.small_font)
                .map(|f| Overlay::new(f.clone(), &Theme::new(screen.display.color, screen.display.led_color))),
        })
    }
}

pub struct ScreenEngine {
    pub name: String,
    setup: Setup,
    /// A new configuration waiting for the next slot boundary.
    pending: Option<Setup>,
    rotation: Rotation,
    scene: Option<Scene>,
    power: Power,
    /// `Some(last fetch)` while a network source is stale (see `note_freshness`).
    stale: Option<Option<Timestamp>>,
    /// Titles of the urgent items in force, and their ticker (HD designs) since when.
    urgent: Vec<String>,
    ticker: Option<(Ticker, Timestamp)>,
}

impl ScreenEngine {
    pub fn new(screen: &ScreenConfig, config: &Config, fonts: &Arc<FontLibrary>) -> Result<ScreenEngine, String> {
        Ok(ScreenEngine {
            name: screen.name.clone(),
            setup: Setup::new(screen, config, fonts)?,
            pending: None,
            rotation: Rotation::default(),
            scene: None,
            power: Power::default(),
            stale: None,
            urgent: Vec::new(),
            ticker: None,
        })
    }

    /// Queues a new configuration for this screen; it takes over at the next slot boundary.
    pub fn reconfigure(&mut self, screen: &ScreenConfig, config: &Config, fonts: &Arc<FontLibrary>) -> Result<(), String> {
        self.pending = Some(Setup::new(screen, config, fonts)?);
        Ok(())
    }

    pub fn renderer(&self) -> &Renderer {
        &self.setup.renderer
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.setup.tz
    }

    pub fn on_air(&self) -> Option<&OnAir> {
        self.rotation.on_air()
    }

    pub fn scene(&self) -> Option<&Scene> {
        self.scene.as_ref()
    }

    /// Whether the screen is lit and how brightly, as of the last `advance`.
    pub fn power(&self) -> Power {
        self.power
    }

    /// The playlists this screen may play, for timelines and checks.
    pub fn playlists(&self) -> BTreeMap<String, Playlist> {
        std::iter::once(&self.setup.default).chain(&self.setup.scheduled).map(|p| (p.name.clone(), p.clone())).collect()
    }

    pub fn hours(&self) -> &ScreenHours {
        &self.setup.hours
    }

    /// Moves the screen to `now`; returns the change when the content changed.
    /// Decides what is on air at `now` among `items` (the showable ones).
    pub fn advance(&mut self, items: &[Showable], now: Timestamp) -> Option<Change> {
        self.advance_cached(items, &crate::item::showable::urgent_of(items), now)
    }

    /// [`advance`](Self::advance) with the urgent ones of `items` worked out already (the
    /// `ShowableCache`'s): what a screen loop calls every frame.
    pub(crate) fn advance_cached(&mut self, items: &[Showable], urgent_items: &[Showable], now: Timestamp) -> Option<Change> {
        let boundary = self.rotation.on_air().is_none_or(|a| now >= a.end || matches!(a.content, Content::Idle | Content::Off));
        if boundary && let Some(p) = self.pending.take() {
            self.setup = p;
            self.urgent.clear();
            self.ticker = None;
        }
        let titles = urgent_items.iter().map(|s| &s.item().title);
        if !titles.clone().eq(self.urgent.iter()) {
            self.urgent = titles.cloned().collect();
            self.ticker = self.setup.renderer.ticker(&self.urgent).map(|t| (t, now));
        }
        let local = now.to_zoned_datetime(self.setup.tz.clone());
        let playlist = plan::active(&self.setup.scheduled.iter().collect::<Vec<_>>(), &self.setup.default, &local);
        let mut power = self.setup.hours.power_at(&local);
        if !power.on && self.setup.hours.urgent_wakes && has_urgent(urgent_items, playlist, &local) {
            power.on = true;
        }
        self.power = power;
        let r = &self.setup.renderer;
        let change = if power.on {
            let inputs = Inputs { playlist, urgent: &self.setup.urgent, items, urgent_items, local: &local };
            self.rotation.step(&inputs, now, &|c, s| r.measure(c, s))
        } else {
            self.rotation.switch_off(now)
        }?;
        self.scene = Some(r.scene(&change.next.content, change.next.effect));
        Some(change)
    }

    /// Draws what is on air at `now` (idle until the first `advance`), and the staleness marker when due.
    pub fn draw(&self, frame: &mut Frame, now: Timestamp) {
        let local = now.to_zoned_datetime(self.setup.tz.clone());
        match (&self.scene, self.rotation.on_air()) {
            (Some(s), Some(a)) => {
                let ticker = self.ticker.as_ref().map(|(t, since)| (t, now.duration_since(*since).unsigned_abs()));
                s.draw_with(frame, a.elapsed(now), &local, ticker)
            }
            _ => self.setup.renderer.scene(&Content::Idle, IDLE_EFFECT).draw(frame, std::time::Duration::ZERO, &local),
        }
        let off = self.rotation.on_air().is_some_and(|a| matches!(a.content, Content::Off));
        if let (Some(o), Some(last), false) = (&self.setup.overlay, &self.stale, off) {
            o.draw_stale(frame, last.map(|t| t.to_zoned_datetime(self.setup.tz.clone())).as_ref());
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
        let local = now.to_zoned_datetime(self.setup.tz.clone());
        let clock = local.strftime("%Y-%m-%d %H:%M:%S");
        match self.rotation.on_air() {
            Some(a) if matches!(a.content, Content::Off) => format!("{clock}  {}  off", self.name),
            Some(a) => {
                let left = a.end.duration_since(now).as_secs().max(0);
                let urgent = if a.urgent { " URGENT" } else { "" };
                format!("{clock}  {}  [{}]{urgent} {}  ({left}s left)", self.name, a.slot_name, a.content_key())
            }
            None => format!("{clock}  {}  starting", self.name),
        }
    }
}

fn has_urgent(urgent_items: &[Showable], playlist: &Playlist, local: &jiff::ZonedDateTime) -> bool {
    !urgent_items.is_empty() || playlist.slots.iter().any(|s| s.urgent && s.when.matches(local))
}
