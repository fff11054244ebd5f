//! The scheduler: decides what a screen shows, as a pure function of
//! (what was on air, playlist, showable items, now).
//!
//! It does no I/O, reads no clock and draws nothing. How long content takes
//! to pass once is asked of the renderer through `measure`, so the same
//! inputs always give the same decision (the daemon, `preview` and the tests
//! all run this one function).

use std::cmp::Reverse;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::config::{Effect, Playlist, Slot, SlotContent, Timing};
use crate::item::{Category, Priority, Showable};

/// How long the idle screen stays before the scheduler looks again (it also
/// leaves at once when something becomes showable).
pub const IDLE: Duration = Duration::from_secs(10);

/// The idle screen's effect (it has no slot).
pub const IDLE_EFFECT: Effect = Effect::Static { page_seconds: 10.0 };

/// The shortest an item may stay, whatever the measurement says.
const MIN_SLOT: Duration = Duration::from_secs(1);

/// What is on a screen.
#[derive(Debug, Clone)]
pub enum Content {
    Item(Showable),
    Notice {
        title: Option<String>,
        text: String,
    },
    /// Nothing showable: village name and clock, never a black screen.
    Idle,
}

impl Content {
    /// The item key, for items.
    pub fn key(&self) -> Option<&str> {
        match self {
            Content::Item(s) => Some(s.key()),
            _ => None,
        }
    }
}

/// Why the previous content left the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Its time was up.
    SlotEnd,
    /// The item was withdrawn, revoked or expired while on screen.
    Withdrawn,
    /// Idle gave way to content that became showable.
    ContentArrived,
}

/// Where in the rotation we are: a slot and the sort key of the last item shown in it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    slot: usize,
    order: Option<OrderKey>,
}

/// Items within a slot: urgent first, then by category, newest window first, then key.
type OrderKey = (Reverse<Priority>, Category, Reverse<Timestamp>, String);

fn order_key(s: &Showable) -> OrderKey {
    let it = s.item();
    (Reverse(it.priority), it.category, Reverse(it.display.from.0), s.key().to_string())
}

/// The content on air, with its planned time.
#[derive(Debug, Clone)]
pub struct OnAir {
    /// Changes whenever the content changes; renderers cache by it.
    pub seq: u64,
    /// Index into the playlist's slots; `None` when idle.
    pub slot: Option<usize>,
    pub slot_name: String,
    pub content: Content,
    /// How the content moves (the slot's effect; static pages when idle).
    pub effect: Effect,
    pub start: Timestamp,
    pub end: Timestamp,
    cursor: Option<Cursor>,
}

impl OnAir {
    pub fn elapsed(&self, now: Timestamp) -> Duration {
        now.duration_since(self.start).try_into().unwrap_or(Duration::ZERO)
    }
}

/// A change of content, with why the previous one ended.
#[derive(Debug, Clone)]
pub struct Change {
    pub next: OnAir,
    pub ended: Option<Ended>,
}

/// Decides whether the screen changes at `now`. `None`: keep `prev` as it is.
///
/// `measure` gives how long one pass of content takes for a slot (all pages,
/// or the text crossing the screen once).
pub fn step(
    prev: Option<&OnAir>,
    playlist: &Playlist,
    items: &[Showable],
    now: Timestamp,
    measure: &dyn Fn(&Content, &Slot) -> Duration,
) -> Option<Change> {
    let ended = match prev {
        None => None,
        Some(p) => match &p.content {
            Content::Item(s) if !items.iter().any(|i| i.key() == s.key()) => Some(Ended::Withdrawn),
            _ if now >= p.end => Some(Ended::SlotEnd),
            Content::Idle if next_pick(None, playlist, items).is_some() => Some(Ended::ContentArrived),
            _ => return None,
        },
    };
    let seq = prev.map_or(0, |p| p.seq + 1);
    let cursor = prev.and_then(|p| p.cursor.as_ref());
    let next = match next_pick(cursor, playlist, items) {
        None => OnAir {
            seq,
            slot: None,
            slot_name: "idle".into(),
            content: Content::Idle,
            effect: IDLE_EFFECT,
            start: now,
            end: add(now, IDLE),
            cursor: None,
        },
        Some((slot_idx, content, order)) => {
            let slot = &playlist.slots[slot_idx];
            let pass = measure(&content, slot).max(MIN_SLOT);
            let dur = match slot.timing {
                Timing::Auto => pass,
                Timing::Passes(n) => pass * n,
                Timing::Fixed(d) => d.max(MIN_SLOT),
            };
            OnAir {
                seq,
                slot: Some(slot_idx),
                slot_name: slot.name.clone(),
                content,
                effect: slot.effect,
                start: now,
                end: add(now, dur),
                cursor: Some(Cursor { slot: slot_idx, order }),
            }
        }
    };
    Some(Change { next, ended })
}

fn add(t: Timestamp, d: Duration) -> Timestamp {
    t.checked_add(SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX)).unwrap_or(Timestamp::MAX)
}

/// The next content after `cursor` in rotation order, skipping slots with nothing to show.
fn next_pick(cursor: Option<&Cursor>, playlist: &Playlist, items: &[Showable]) -> Option<(usize, Content, Option<OrderKey>)> {
    let n = playlist.slots.len();
    let try_slot = |idx: usize, after: Option<&OrderKey>| -> Option<(usize, Content, Option<OrderKey>)> {
        match &playlist.slots[idx].content {
            SlotContent::Notice { title, text } if after.is_none() => Some((idx, Content::Notice { title: title.clone(), text: text.clone() }, None)),
            SlotContent::Notice { .. } => None,
            SlotContent::Select(sel) => items
                .iter()
                .filter(|s| sel.matches(s.key(), s.item()))
                .map(|s| (order_key(s), s))
                .filter(|(k, _)| after.is_none_or(|a| k > a))
                .min_by(|a, b| a.0.cmp(&b.0))
                .map(|(k, s)| (idx, Content::Item(s.clone()), Some(k))),
        }
    };
    match cursor {
        Some(c) if c.slot < n => {
            // The rest of the current slot, then every slot after it, wrapping
            // round to the current slot from its start.
            if let Some(k) = &c.order
                && let Some(p) = try_slot(c.slot, Some(k))
            {
                return Some(p);
            }
            (1..=n).find_map(|s| try_slot((c.slot + s) % n, None))
        }
        _ => (0..n).find_map(|i| try_slot(i, None)),
    }
}

#[cfg(test)]
mod tests;
