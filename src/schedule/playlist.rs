//! Playlists: the operator's rotation of slots, and the vocabulary the scheduler and
//! renderer share (`Effect`, `Timing`). Read from TOML by `schedule::parse`.

use std::path::PathBuf;
use std::time::Duration;

use crate::item::{Category, Item};

use super::rules::When;

/// A named rotation of slots.
#[derive(Debug, Clone, PartialEq)]
pub struct Playlist {
    pub name: String,
    /// Where it was read from; `None` for the built-in default.
    pub file: Option<PathBuf>,
    /// When the playlist applies (for a screen's scheduled `playlists`); empty: always.
    pub when: When,
    /// Among a screen's scheduled playlists that apply, the highest priority plays.
    pub priority: i32,
    pub slots: Vec<Slot>,
}

/// One step of the rotation.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// For logs and the timeline: the operator's name or `slot N`.
    pub name: String,
    pub content: SlotContent,
    pub effect: Effect,
    pub timing: Timing,
    /// The slot only plays while this holds; empty: always.
    pub when: When,
    /// Turns per rotation cycle (spread evenly), so a category can get its due.
    pub weight: u32,
    /// A fixed notice that interrupts the rotation like an urgent item.
    pub urgent: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SlotContent {
    /// Each matching item in turn.
    Select(Selector),
    /// A fixed operator notice.
    Notice { title: Option<String>, text: String },
}

/// Which items a slot shows: every non-empty criterion must match (any value within one).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selector {
    pub categories: Vec<Category>,
    pub lists: Vec<String>,
    pub villages: Vec<String>,
    /// Item ids, or `<source>/<id>` keys.
    pub ids: Vec<String>,
}

impl Selector {
    pub fn matches(&self, key: &str, it: &Item) -> bool {
        (self.categories.is_empty() || self.categories.contains(&it.category))
            && (self.lists.is_empty() || it.list.as_ref().is_some_and(|l| self.lists.contains(l)))
            && (self.villages.is_empty() || it.village.as_ref().is_some_and(|v| self.villages.contains(v)))
            && (self.ids.is_empty() || self.ids.iter().any(|i| i == &it.id || i == key))
    }
}

/// How the content moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    /// Pages, each held for `page_seconds`.
    Static { page_seconds: f64 },
    /// One line moving left at `speed` px/s.
    Marquee { speed: f64 },
    /// Continuous vertical scroll at `speed` px/s.
    ScrollUp { speed: f64 },
}

/// How long one item of a slot stays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Timing {
    /// Once through the content (all pages, one pass of the text).
    Auto,
    Fixed(Duration),
    /// The content passes N times.
    Passes(u32),
}

/// The playlist used when a screen names none: every showable item in turn, by category.
pub(crate) fn default_playlist() -> Playlist {
    let slots = Category::ALL
        .iter()
        .map(|&c| Slot {
            name: c.label().to_string(),
            content: SlotContent::Select(Selector { categories: vec![c], ..Selector::default() }),
            effect: Effect::Static { page_seconds: 6.0 },
            timing: Timing::Auto,
            when: When::default(),
            weight: 1,
            urgent: false,
        })
        .collect();
    Playlist { name: "default".into(), file: None, when: When::default(), priority: 0, slots }
}

/// Name of the playlist a screen plays when the configuration has errors and no last good one exists.
pub(crate) const CONFIG_ERROR_PLAYLIST: &str = "配置有误";

/// What a screen shows on a first install whose configuration has errors: one fixed
/// notice, no items (nothing unchecked reaches the screen), never a black screen.
pub(crate) fn config_error_playlist() -> Playlist {
    let slot = Slot {
        name: CONFIG_ERROR_PLAYLIST.to_string(),
        content: SlotContent::Notice {
            title: Some(CONFIG_ERROR_PLAYLIST.to_string()),
            text: "配置有误，暂停公开内容。请管理员运行 yiping check 查看并改正。".to_string(),
        },
        effect: Effect::Static { page_seconds: 10.0 },
        timing: Timing::Auto,
        when: When::default(),
        weight: 1,
        urgent: false,
    };
    Playlist { name: CONFIG_ERROR_PLAYLIST.into(), file: None, when: When::default(), priority: 0, slots: vec![slot] }
}
