//! What the console shows of screens that is not live: the frame a screen would show at a
//! time (`yiping preview --at`), a draft item as a screen would draw it, and the timeline
//! (`yiping schedule`), each optionally with an edited playlist in place of the saved one.
//!
//! Built on the same renderer as the daemon and the CLI, on a copy: nothing here reaches a
//! screen or the evidence log. Whole-screen frames and timelines need the engine, which lies
//! above the console: `Site` gives them (implemented by the daemon). A draft item is previewed through a copy that is
//! approved and in its window only for the drawing, masked by the configured rules.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::item::{Approval, Entry, Instant, Item, Showable, Status};
use crate::render::font::FontLibrary;
use crate::render::{Frame, Renderer};
use crate::schedule::{Content, Effect};
use crate::sinks::png;

use super::site::Site;

/// Seconds a static page is held in previews (the default of playlists).
const PAGE_SECONDS: f64 = 6.0;
/// Longest timeline the console computes.
pub(crate) const MAX_HOURS: u32 = 72;

/// A good enlargement for a phone: small LED screens get LED dots, HD screens stay as they are.
pub(crate) fn default_scale(width: u32) -> u32 {
    match width {
        0..=256 => 3,
        257..=512 => 2,
        _ => 1,
    }
}

pub(crate) fn encode(frame: &Frame, scale: u32) -> Vec<u8> {
    let s = scale.clamp(1, 8);
    if s > 1 { png::encode(&png::scaled(frame, s, s >= 3)) } else { png::encode(frame) }
}

/// A live frame as PNG, enlarged.
pub(crate) fn frame_png(frame: &Frame, scale: u32) -> Vec<u8> {
    encode(frame, scale)
}

/// A draft item drawn by one screen, page by page.
pub(crate) struct ItemPreview {
    pub png: Vec<u8>,
    pub pages: usize,
    /// Text fields the masking rules changed.
    pub masked: usize,
    /// Characters no font of the screen has (they show as boxes).
    pub missing: String,
}

/// Draws page `page` (from 0) of a draft item on `screen`, whatever its status and window.
pub(crate) fn item_png(
    cfg: &dyn Site,
    fonts: &Arc<FontLibrary>,
    screen: &str,
    item: &Item,
    page: usize,
    at: Timestamp,
    scale: Option<u32>,
) -> Result<ItemPreview, String> {
    let sc = cfg.screen(screen).ok_or_else(|| format!("no screen `{screen}`"))?;
    let renderer = Renderer::new(&sc.display, fonts)?;
    let mut copy = item.clone();
    copy.status = Status::Approved;
    copy.approval = Some(Approval { by: "预览 preview".into(), at: Instant(at) });
    copy.display.from = Instant(at - SignedDuration::from_secs(1));
    copy.display.until = Instant(at + SignedDuration::from_hours(1));
    let entry = Arc::new(Entry::new("preview", Arc::new(copy), &cfg.masking().rules_for(item.list.as_deref())));
    let shown = Showable::admit(&entry, at).map_err(|e| format!("cannot preview: {e:?}"))?;
    let scene = renderer.scene(&Content::Item(shown), Effect::Static { page_seconds: PAGE_SECONDS });
    let pages = scene.page_count().max(1);
    let elapsed = Duration::from_secs_f64(PAGE_SECONDS * page.min(pages - 1) as f64 + 0.5);
    let mut frame = Frame::new(sc.display.width, sc.display.height);
    scene.draw(&mut frame, elapsed, &at.to_zoned_datetime(cfg.time_zone().clone()));
    Ok(ItemPreview {
        png: encode(&frame, scale.unwrap_or_else(|| default_scale(sc.display.width))),
        pages,
        masked: entry.masked_count(),
        missing: scene.missing().iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_enlarged_for_phones_but_hd_is_not() {
        assert_eq!(default_scale(192), 3);
        assert_eq!(default_scale(384), 2);
        assert_eq!(default_scale(1920), 1);
    }
}
