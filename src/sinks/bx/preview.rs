//! An approximation of what a BX card shows, for `yiping preview`: the card's
//! pages (as `plan` lays them out with the card's font metrics) drawn with
//! yiping's own bitmap fonts, paged or scrolled the way the card will.
//!
//! Pure and for operators' eyes only: the card's fonts and exact scroll speed
//! differ a little; the text, line breaks, pages and order are the card's.

use std::time::Duration;

use embedded_graphics::pixelcolor::Rgb888;

use super::config::{BxConfig, CardColor};
use crate::render::Frame;
use crate::render::font::{FontLibrary, FontSet};
use crate::schedule::OnAir;
use crate::sinks::CardPreview;

use super::command::Motion;
use super::plan::{self, Plan, card_px_per_second};
use super::text::CardLayout;

pub struct CardView {
    pub plan: Plan,
    address: u16,
    layout: CardLayout,
    origin: (i32, i32),
    color: Rgb888,
}

fn rgb(c: CardColor) -> Rgb888 {
    match c {
        CardColor::Red => Rgb888::new(255, 0, 0),
        CardColor::Green => Rgb888::new(0, 255, 0),
        CardColor::Yellow => Rgb888::new(255, 255, 0),
        CardColor::Blue => Rgb888::new(0, 0, 255),
        CardColor::Cyan => Rgb888::new(0, 255, 255),
        CardColor::Magenta => Rgb888::new(255, 0, 255),
        CardColor::White => Rgb888::new(255, 255, 255),
    }
}

impl CardView {
    pub fn new(on_air: Option<&OnAir>, cfg: &BxConfig, screen_w: u32, screen_h: u32) -> CardView {
        let plan = plan::plan(on_air, cfg, screen_w, screen_h);
        let width = cfg.width.map_or(screen_w, u32::from);
        let height = cfg.height.map_or(screen_h, u32::from);
        let layout = CardLayout { width, height, font: cfg.font, line_spacing: cfg.line_spacing as u32 };
        CardView { plan, address: cfg.address, layout, origin: (cfg.x as i32, cfg.y as i32), color: rgb(cfg.color) }
    }

    /// Every page of every update, one text block each (for `preview --text`).
    pub fn page_texts(&self) -> Vec<String> {
        self.plan.chunks.iter().flat_map(|c| c.pages.iter().map(|p| p.join("\n"))).collect()
    }

    fn draw_line(&self, f: &mut Frame, font: &FontSet, x: i32, y: i32, line: &str) {
        // The card's metrics place the chars; yiping's glyphs draw them.
        let mut x = x;
        for c in line.chars() {
            font.draw(c, f, x, y, self.color);
            x += self.layout.advance(c) as i32;
        }
    }

    /// Draws the card's area as it looks `elapsed` into the slot.
    pub fn draw(&self, f: &mut Frame, elapsed: Duration, font: &FontSet) {
        f.fill(Rgb888::new(0, 0, 0));
        let i = self.plan.chunk_at(elapsed);
        let chunk = &self.plan.chunks[i];
        let cycle: Duration = self.plan.chunks.iter().map(|c| c.duration).sum();
        let t = if self.plan.chunks.len() > 1 {
            Duration::from_nanos((elapsed.as_nanos() % cycle.as_nanos().max(1)) as u64).saturating_sub(chunk.offset)
        } else {
            elapsed
        };
        let (ox, oy) = self.origin;
        let (w, h, pitch) = (self.layout.width as i64, self.layout.height as i64, self.layout.pitch() as i64);
        let px = card_px_per_second(chunk.area.speed);
        let lines: Vec<&String> = chunk.pages.iter().flatten().collect();
        match chunk.area.motion {
            Motion::Static => {
                let stay = (chunk.area.stay as f64 / 2.0).max(0.5);
                let page = &chunk.pages[(t.as_secs_f64() / stay) as usize % chunk.pages.len().max(1)];
                let block = page.len() as i64 * pitch;
                let top = if chunk.area.align & 0x0C == 0x08 { (h - block) / 2 } else { 0 };
                for (k, line) in page.iter().enumerate() {
                    let lw = self.layout.measure(line) as i64;
                    let left = if chunk.area.align & 0x03 == 0x02 { (w - lw) / 2 } else { 0 };
                    self.draw_line(f, font, ox + left as i32, oy + (top + k as i64 * pitch) as i32, line);
                }
            }
            Motion::ScrollLeft => {
                let text: String = lines.iter().map(|s| s.as_str()).collect();
                let pass = self.layout.measure(&text) as i64 + w;
                let x = w - (t.as_secs_f64() * px) as i64 % pass.max(1);
                self.draw_line(f, font, ox + x as i32, oy + ((h - self.layout.font as i64) / 2) as i32, &text);
            }
            Motion::ScrollUp => {
                let pass = lines.len() as i64 * pitch + h;
                let y = h - (t.as_secs_f64() * px) as i64 % pass.max(1);
                for (k, line) in lines.iter().enumerate() {
                    self.draw_line(f, font, ox, oy + (y + k as i64 * pitch) as i32, line);
                }
            }
        }
    }
}

impl CardPreview for CardView {
    fn heading(&self) -> String {
        format!("bx, address {}, {} update(s), font {}", self.address, self.plan.chunks.len(), self.layout.font)
    }

    fn page_texts(&self) -> Vec<String> {
        CardView::page_texts(self)
    }

    fn unsupported_note(&self) -> Option<String> {
        if self.plan.unsupported.is_empty() {
            return None;
        }
        let what = if self.plan.skipped { "item skipped 不显示该条" } else { "replaced 已替换" };
        Some(format!("outside GB2312 控制卡无此字: {} ({what})", self.plan.unsupported.iter().collect::<String>()))
    }

    /// With yiping's font of the card's size (16 px when there is none).
    fn draw(&self, f: &mut Frame, elapsed: Duration, fonts: &FontLibrary) -> bool {
        let Some(font) = fonts.set(self.layout.font).or_else(|| fonts.set(16)) else { return false };
        CardView::draw(self, f, elapsed, font);
        true
    }
}
