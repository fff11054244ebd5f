//! The scheduler: decides what a screen shows, as a pure step function of
//! (rotation state, playlist, showable items, local time, now).
//!
//! It does no I/O, reads no clock and draws nothing. How long content takes
//! to pass once is asked of the renderer through `measure`, so the same
//! inputs always give the same decisions (the daemon, `preview`, `schedule`
//! and the tests all run this one function).

pub(crate) mod cron;
pub(crate) mod hours;
pub(crate) mod parse;
pub(crate) mod plan;
pub(crate) mod playlist;
pub(crate) mod rules;
#[cfg(any(test, feature = "testkit"))]
pub(crate) mod testkit;

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp, ZonedDateTime};

use crate::item::{Category, Priority, Showable};

pub(crate) use playlist::{Effect, Playlist, Slot, SlotContent, Timing};

/// How long the idle screen stays before the scheduler looks again (it also
/// leaves at once when something becomes showable).
pub(crate) const IDLE: Duration = Duration::from_secs(10);

/// The idle screen's effect (it has no slot).
pub(crate) const IDLE_EFFECT: Effect = Effect::Static { page_seconds: 10.0 };

/// The shortest an item may stay, whatever the measurement says.
const MIN_SLOT: Duration = Duration::from_secs(1);

/// The longest one turn of an item may hold the screen (slots without fixed `seconds`): a
/// longer item continues where it stopped at its next turn, so one item cannot hold the
/// screen for days (issue 13: 42,076 pages of a large table were 70 h in one turn).
pub(crate) const MAX_TURN: Duration = Duration::from_secs(300);

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
    /// Outside the screen's hours: sinks get black frames or the card's off command.
    Off,
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

/// Why content left the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Its time was up.
    SlotEnd,
    /// The item was withdrawn, revoked or expired while on screen.
    Withdrawn,
    /// Idle gave way to content that became showable.
    ContentArrived,
    /// An urgent item interrupted it (it resumes afterwards).
    Preempted,
    /// The screen's hours ended.
    ScreenOff,
}

impl Ended {
    /// Plain words for logs, Chinese then English (never the enum's debug name).
    pub fn words(self) -> &'static str {
        match self {
            Ended::SlotEnd => "时间到 / time up",
            Ended::Withdrawn => "已撤下 / withdrawn",
            Ended::ContentArrived => "有内容可播 / content arrived",
            Ended::Preempted => "紧急插播打断 / interrupted by an urgent notice",
            Ended::ScreenOff => "关屏时间到 / screen hours ended",
        }
    }
}

/// How urgent content interrupts the rotation.
#[derive(Debug, Clone, PartialEq)]
pub struct UrgentPolicy {
    /// An urgent item is shown again this long after it last finished.
    pub every: Duration,
    pub effect: Effect,
    pub timing: Timing,
}

impl Default for UrgentPolicy {
    fn default() -> Self {
        UrgentPolicy { every: Duration::from_secs(600), effect: Effect::Static { page_seconds: 6.0 }, timing: Timing::Auto }
    }
}

/// Position in the rotation: an index into the playlist's weighted cycle and the
/// sort key of the last item shown there.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    playlist: String,
    pos: usize,
    order: Option<OrderKey>,
}

/// Items within a slot: by category, newest window first, then key.
type OrderKey = (Category, Reverse<Timestamp>, String);

fn order_key(s: &Showable) -> OrderKey {
    let it = s.item();
    (it.category, Reverse(it.display.from.0), s.key().to_string())
}

/// The content on air, with its planned time.
#[derive(Debug, Clone)]
pub struct OnAir {
    /// Changes whenever the content changes; renderers cache by it.
    pub seq: u64,
    pub playlist: String,
    /// Index into the playlist's slots; `None` when idle or for urgent items.
    pub slot: Option<usize>,
    pub slot_name: String,
    pub content: Content,
    /// How the content moves (the slot's effect; static pages when idle).
    pub effect: Effect,
    /// An urgent interrupt (the rotation resumes after it).
    pub urgent: bool,
    pub start: Timestamp,
    pub end: Timestamp,
    cursor: Option<Cursor>,
}

impl OnAir {
    pub fn elapsed(&self, now: Timestamp) -> Duration {
        now.duration_since(self.start).try_into().unwrap_or(Duration::ZERO)
    }

    /// What identifies the content for urgent repetition and logs.
    pub fn content_key(&self) -> String {
        match &self.content {
            Content::Item(s) => s.key().to_string(),
            Content::Notice { .. } => format!("notice:{}/{}", self.playlist, self.slot_name),
            Content::Idle => "idle".into(),
            Content::Off => "off".into(),
        }
    }
}

/// A change of content: what went on air, and what left and why.
#[derive(Debug, Clone)]
pub struct Change {
    pub next: OnAir,
    pub previous: Option<OnAir>,
    pub ended: Option<Ended>,
}

/// Everything the scheduler looks at, besides its own state and `now`.
pub(crate) struct Inputs<'a> {
    pub playlist: &'a Playlist,
    pub urgent: &'a UrgentPolicy,
    pub items: &'a [Showable],
    /// The urgent ones of `items` (`item::showable::urgent_of`).
    pub urgent_items: &'a [Showable],
    /// `now` in the screen's time zone, for slot rules.
    pub local: &'a ZonedDateTime,
}

/// The scheduler's state for one screen. `step` is deterministic: same state and inputs, same result.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rotation {
    on_air: Option<OnAir>,
    /// Rotation content an urgent interrupt paused, and how far it had got.
    suspended: Option<(OnAir, Duration)>,
    /// When each urgent content last finished.
    urgent_last: BTreeMap<String, Timestamp>,
    /// How far into its pass each item longer than `MAX_TURN` got (its next turn starts there).
    progress: BTreeMap<String, Duration>,
    seq: u64,
}

type Measure<'a> = &'a dyn Fn(&Content, &Slot) -> Duration;

impl Rotation {
    pub(crate) fn on_air(&self) -> Option<&OnAir> {
        self.on_air.as_ref()
    }

    /// Switches the screen off: what is on air ends (`Ended::ScreenOff`); the
    /// rotation resumes after it when the screen comes back. `None` if already off.
    pub(crate) fn switch_off(&mut self, now: Timestamp) -> Option<Change> {
        let prev = self.on_air.take();
        if let Some(p) = &prev
            && matches!(p.content, Content::Off)
        {
            self.on_air = prev;
            return None;
        }
        self.suspended = None;
        self.seq += 1;
        let next = OnAir {
            seq: self.seq,
            playlist: prev.as_ref().map(|p| p.playlist.clone()).unwrap_or_default(),
            slot: None,
            slot_name: "off".into(),
            content: Content::Off,
            effect: IDLE_EFFECT,
            urgent: false,
            start: now,
            end: Timestamp::MAX,
            cursor: prev.as_ref().and_then(|p| p.cursor.clone()),
        };
        self.on_air = Some(next.clone());
        let ended = prev.as_ref().map(|_| Ended::ScreenOff);
        Some(Change { next, previous: prev, ended })
    }

    /// Decides whether the screen changes at `now`. `None`: keep what is on air.
    pub(crate) fn step(&mut self, inp: &Inputs<'_>, now: Timestamp, measure: Measure<'_>) -> Option<Change> {
        let urgent = urgent_candidates(inp);
        let due: Vec<&(String, Content, Option<usize>)> = urgent.iter().filter(|(k, _, _)| self.urgent_due(k, now, inp.urgent.every)).collect();
        // Most frames change nothing: what is on air is cloned only once it does.
        let ended = match &self.on_air {
            None => None,
            Some(p) => match &p.content {
                // The screen came back on: the rotation continues from where it was.
                Content::Off => None,
                Content::Item(s) if !still_showable(s, inp.items) => Some(Ended::Withdrawn),
                Content::Notice { .. } if p.urgent && !urgent.iter().any(|(k, _, _)| *k == p.content_key()) => Some(Ended::Withdrawn),
                // `now < p.start`: the system clock was stepped back; waiting for `end` would hold
                // this content for as long as the step (an hour back: an hour on one item).
                _ if now >= p.end || now < p.start => Some(Ended::SlotEnd),
                _ if !p.urgent && !due.is_empty() => Some(Ended::Preempted),
                Content::Idle if self.regular_pick(None, inp).is_some() => Some(Ended::ContentArrived),
                _ => return None,
            },
        };
        let prev = self.on_air.clone();
        if let Some(p) = &prev {
            if p.urgent {
                self.urgent_last.insert(p.content_key(), now);
            } else if ended == Some(Ended::Preempted) {
                self.suspended = Some((p.clone(), p.elapsed(now)));
            }
        }
        self.seq += 1;
        let seq = self.seq;
        // 1. urgent content that is due; 2. what an interrupt paused; 3. the rotation.
        let due: Vec<_> = urgent.iter().filter(|(k, _, _)| self.urgent_due(k, now, inp.urgent.every)).collect();
        let next = if let Some((_, content, slot)) = due.first() {
            let (name, effect, timing) = match slot {
                Some(i) => {
                    let s = &inp.playlist.slots[*i];
                    (s.name.clone(), s.effect, s.timing)
                }
                None => ("紧急".to_string(), inp.urgent.effect, inp.urgent.timing),
            };
            let probe = Slot {
                name: name.clone(),
                content: SlotContent::Notice { title: None, text: String::new() },
                effect,
                timing,
                when: Default::default(),
                weight: 1,
                urgent: true,
            };
            let dur = duration(measure(content, &probe), timing);
            let cursor = prev.as_ref().and_then(|p| p.cursor.clone()).or_else(|| self.suspended.as_ref().and_then(|(s, _)| s.cursor.clone()));
            OnAir {
                seq,
                playlist: inp.playlist.name.clone(),
                slot: *slot,
                slot_name: name,
                content: content.clone(),
                effect,
                urgent: true,
                start: now,
                end: add(now, dur),
                cursor,
            }
        } else if let Some(resumed) = self.take_suspended(inp, now, seq) {
            resumed
        } else {
            let cursor = prev.as_ref().and_then(|p| p.cursor.as_ref()).filter(|c| c.playlist == inp.playlist.name);
            match self.regular_pick(cursor, inp) {
                None => OnAir {
                    seq,
                    playlist: inp.playlist.name.clone(),
                    slot: None,
                    slot_name: "idle".into(),
                    content: Content::Idle,
                    effect: IDLE_EFFECT,
                    urgent: false,
                    start: now,
                    end: add(now, IDLE),
                    cursor: prev.as_ref().and_then(|p| p.cursor.clone()),
                },
                Some((pos, slot_idx, content, order)) => {
                    let slot = &inp.playlist.slots[slot_idx];
                    let full = duration(measure(&content, slot), slot.timing);
                    let (offset, turn) = self.turn(&content, full, slot.timing, inp.items);
                    OnAir {
                        seq,
                        playlist: inp.playlist.name.clone(),
                        slot: Some(slot_idx),
                        slot_name: slot.name.clone(),
                        content,
                        effect: slot.effect,
                        urgent: false,
                        // A continued turn starts `offset` into the pass (as a resumed interrupt does).
                        start: sub(now, offset),
                        end: add(now, turn),
                        cursor: Some(Cursor { playlist: inp.playlist.name.clone(), pos, order }),
                    }
                }
            }
        };
        self.on_air = Some(next.clone());
        Some(Change { next, previous: prev, ended })
    }

    /// This turn of `content` whose full pass is `full`: where it starts in the pass and how
    /// long it lasts. Items longer than `MAX_TURN` go in turns of `MAX_TURN`, each continuing
    /// where the last stopped; a slot with fixed `seconds` is its own cap.
    fn turn(&mut self, content: &Content, full: Duration, timing: Timing, items: &[Showable]) -> (Duration, Duration) {
        let Content::Item(s) = content else { return (Duration::ZERO, full) };
        if matches!(timing, Timing::Fixed(_)) || full <= MAX_TURN {
            self.progress.remove(s.key());
            return (Duration::ZERO, full);
        }
        // Only items still showable keep their place: the map stays as small as the catalogue.
        self.progress.retain(|k, _| items.iter().any(|i| i.key() == k));
        let offset = self.progress.get(s.key()).copied().filter(|o| *o < full).unwrap_or(Duration::ZERO);
        let turn = (full - offset).min(MAX_TURN);
        if offset + turn < full {
            self.progress.insert(s.key().to_string(), offset + turn);
        } else {
            self.progress.remove(s.key());
        }
        (offset, turn)
    }

    /// Urgent content is due when it has not finished within the last `every`.
    fn urgent_due(&self, key: &str, now: Timestamp, every: Duration) -> bool {
        // A last showing "in the future" means the clock was stepped back: due now, not after the step.
        self.urgent_last
            .get(key)
            .is_none_or(|last| *last > now || now.duration_since(*last) >= SignedDuration::try_from(every).unwrap_or(SignedDuration::MAX))
    }

    /// The paused content, if it may still be shown, continuing where it was.
    fn take_suspended(&mut self, inp: &Inputs<'_>, now: Timestamp, seq: u64) -> Option<OnAir> {
        let (s, elapsed) = self.suspended.take()?;
        let still = match &s.content {
            Content::Item(i) => still_showable(i, inp.items),
            Content::Notice { .. } => s.playlist == inp.playlist.name,
            Content::Idle | Content::Off => false,
        };
        if !still {
            return None;
        }
        let planned: Duration = s.end.duration_since(s.start).try_into().unwrap_or(Duration::ZERO);
        let left = planned.saturating_sub(elapsed).max(MIN_SLOT);
        Some(OnAir { seq, start: sub(now, elapsed), end: add(now, left), ..s })
    }

    /// The next rotation content after `cursor`, skipping slots with nothing to show.
    fn regular_pick(&self, cursor: Option<&Cursor>, inp: &Inputs<'_>) -> Option<(usize, usize, Content, Option<OrderKey>)> {
        let pl = inp.playlist;
        let cycle = plan::cycle(pl);
        let n = cycle.len();
        let try_pos = |pos: usize, after: Option<&OrderKey>| -> Option<(usize, usize, Content, Option<OrderKey>)> {
            let idx = cycle[pos];
            let slot = &pl.slots[idx];
            if slot.urgent || !slot.when.matches(inp.local) {
                return None;
            }
            match &slot.content {
                SlotContent::Notice { title, text } if after.is_none() => {
                    Some((pos, idx, Content::Notice { title: title.clone(), text: text.clone() }, None))
                }
                SlotContent::Notice { .. } => None,
                SlotContent::Select(sel) => inp
                    .items
                    .iter()
                    // Urgent items interrupt on their own; they do not also take rotation turns.
                    .filter(|s| s.item().priority != Priority::Urgent && sel.matches(s.key(), s.item()))
                    .map(|s| (order_key(s), s))
                    .filter(|(k, _)| after.is_none_or(|a| k > a))
                    .min_by(|a, b| a.0.cmp(&b.0))
                    .map(|(k, s)| (pos, idx, Content::Item(s.clone()), Some(k))),
            }
        };
        if n == 0 {
            return None;
        }
        match cursor {
            Some(c) if c.pos < n => {
                // The rest of the current turn, then every turn after it, wrapping round.
                if let Some(k) = &c.order
                    && let Some(p) = try_pos(c.pos, Some(k))
                {
                    return Some(p);
                }
                (1..=n).find_map(|s| try_pos((c.pos + s) % n, None))
            }
            _ => (0..n).find_map(|i| try_pos(i, None)),
        }
    }
}

/// Whether `s` is still among `items`: the same entry (a pointer compare, what every frame
/// finds while the catalogue stands), else one with its key (the catalogue was rebuilt).
fn still_showable(s: &Showable, items: &[Showable]) -> bool {
    items.iter().any(|i| Arc::ptr_eq(i.entry(), s.entry())) || items.iter().any(|i| i.key() == s.key())
}

/// Urgent content available now: urgent items, and urgent notice slots whose rule holds.
fn urgent_candidates(inp: &Inputs<'_>) -> Vec<(String, Content, Option<usize>)> {
    let mut out: Vec<(String, Content, Option<usize>)> =
        inp.urgent_items.iter().map(|s| (s.key().to_string(), Content::Item(s.clone()), None)).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    for (i, slot) in inp.playlist.slots.iter().enumerate() {
        if let (true, SlotContent::Notice { title, text }) = (slot.urgent, &slot.content)
            && slot.when.matches(inp.local)
        {
            out.push((format!("notice:{}/{}", inp.playlist.name, slot.name), Content::Notice { title: title.clone(), text: text.clone() }, Some(i)));
        }
    }
    out
}

/// How long one full pass of content takes in a slot of `timing` (`pass`: once through, measured).
pub(crate) fn duration(pass: Duration, timing: Timing) -> Duration {
    let pass = pass.max(MIN_SLOT);
    match timing {
        Timing::Auto => pass,
        Timing::Passes(n) => pass * n,
        Timing::Fixed(d) => d.max(MIN_SLOT),
    }
}

fn add(t: Timestamp, d: Duration) -> Timestamp {
    t.checked_add(SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX)).unwrap_or(Timestamp::MAX)
}

fn sub(t: Timestamp, d: Duration) -> Timestamp {
    t.checked_sub(SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX)).unwrap_or(Timestamp::MIN)
}

#[cfg(test)]
mod tests;
