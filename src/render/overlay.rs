//! Overlays drawn on a finished frame: the staleness marker "信息更新于 <time>".
//!
//! Drawn after the scene, in the bottom-right corner on a background box, so
//! it never reshapes the layout. Pure: the caller decides whether content is
//! stale and passes the time; never reads the clock.

use embedded_graphics::pixelcolor::Rgb888;
use jiff::ZonedDateTime as Zoned;

use super::Frame;
use super::font::FontSet;
use super::theme::Theme;

/// Draws the last-update marker for the screen's small font and colours.
#[derive(Clone)]
pub(crate) struct Overlay {
    font: FontSet,
    fg: Rgb888,
    bg: Rgb888,
}

impl Overlay {
    pub(crate) fn new(font: FontSet, theme: &Theme) -> Overlay {
        Overlay { font, fg: theme.emph, bg: theme.background }
    }

    /// The longest marker text that fits the frame's width.
    pub(crate) fn stale_text(&self, last: Option<&Zoned>, width: u32) -> String {
        let candidates: Vec<String> = match last {
            Some(t) => vec![
                format!("信息更新于 {}", t.strftime("%Y-%m-%d %H:%M")),
                format!("信息更新于 {}", t.strftime("%m-%d %H:%M")),
                format!("更新于 {}", t.strftime("%m-%d %H:%M")),
                format!("更新于{}", t.strftime("%m-%d")),
            ],
            None => vec!["信息尚未同步".into(), "未同步".into()],
        };
        let fits = |s: &String| self.font.measure(s) + 2 <= width;
        candidates.iter().find(|s| fits(s)).or(candidates.last()).cloned().unwrap_or_default()
    }

    /// Draws "信息更新于 <last>" (or "信息尚未同步") in the bottom-right corner.
    pub(crate) fn draw_stale(&self, frame: &mut Frame, last: Option<&Zoned>) {
        let text = self.stale_text(last, frame.width());
        let w = self.font.measure(&text) + 2;
        let h = self.font.height();
        let x = frame.width() as i32 - w as i32;
        let y = frame.height() as i32 - h as i32;
        frame.fill_rect(x, y, w, h, self.bg);
        let mut pen = x + 1;
        for c in text.chars() {
            pen += self.font.draw(c, frame, pen, y, self.fg) as i32;
        }
    }
}
