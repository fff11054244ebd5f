//! Shaped Mongolian glyphs composed into one image per line piece: anti-aliased, or 1-bit for LED boards.
//!
//! Each glyph's mask comes from the outline font's cache (keyed by glyph,
//! px, hinting and a quarter-pixel offset), so composing a line rasterizes
//! only glyphs not seen before. The glyphs of a Mongolian word touch and
//! overlap on the stem; their coverages are added (saturating), which
//! approximates filling the union of the outlines, and only then thresholded
//! for LED boards, so a joint is never thinner than the strokes it joins.
//! Composition happens at layout; drawing copies the finished image.

use embedded_graphics::pixelcolor::Rgb888;

use super::{MongolFont, PlacedGlyph};
use crate::render::Frame;
use crate::render::font::{Glyph, Replacement};
use crate::render::outline::{Mask, blend};

/// An anti-aliased line piece: column 0 is `left` px right of the line's start, row 0 is
/// `top` rows above the baseline (the outline font's mask type).
pub(crate) type RunImage = Mask;

/// Coverage (of 255) from which a pixel of a 1-bit LED board is lit, by pixel size.
///
/// Chosen by looking at 12 and 16 px words on the LED preview: at 12 px a higher
/// threshold breaks the teeth and bowl outlines apart, a lower one fills the bowls;
/// at 16 px 96..128 are all legible and 112 keeps one-pixel strokes without gaps
/// at the joins. See README, "Mongolian and Chinese".
pub fn led_threshold(px: u32) -> u8 {
    if px <= 13 { 96 } else { 112 }
}

/// Whether glyphs are hinted at this size: TrueType hinting keeps the stem one pixel
/// wide at LED sizes; large HD type is drawn unhinted like the CJK outline font.
pub(crate) fn hinted(px: u32) -> bool {
    px <= 24
}

impl MongolFont {
    /// Composes placed glyphs at `px` into one anti-aliased image.
    pub fn compose(&self, glyphs: &[PlacedGlyph], px: u32) -> RunImage {
        let hint = hinted(px);
        let scale = px as f32 / self.units_per_em();
        // Each glyph's mask and its top-left corner (x right of the line start, rows above the baseline).
        let mut parts: Vec<(i32, i32, Part)> = Vec::with_capacity(glyphs.len());
        for g in glyphs {
            let (mut xi, mut q) = (g.x.floor() as i32, ((g.x - g.x.floor()) * 4.0).round() as u8);
            if q == 4 {
                (xi, q) = (xi + 1, 0);
            }
            let dy = g.y.round() as i32;
            if let Some(c) = g.missing {
                let r = Replacement::new(c, px);
                let top = (self.stem * scale + px as f32 / 2.0).round() as i32 + dy;
                parts.push((xi, top, Part::Box(r)));
            } else if let Some(m) = self.outline().glyph_mask(g.id, px, hint, q)
                && m.width > 0
                && m.height > 0
            {
                parts.push((xi + m.left, m.top + dy, Part::Mask(m)));
            }
        }
        let Some(left) = parts.iter().map(|(x, _, _)| *x).min() else {
            return Mask { left: 0, top: 0, width: 0, height: 0, alpha: Vec::new() };
        };
        let right = parts.iter().map(|(x, _, p)| x + p.size().0 as i32).max().unwrap_or(left);
        let top = parts.iter().map(|(_, t, _)| *t).max().unwrap_or(0);
        let bottom = parts.iter().map(|(_, t, p)| t - p.size().1 as i32).min().unwrap_or(top);
        let (w, h) = ((right - left) as u32, (top - bottom) as u32);
        let mut alpha = vec![0u8; w as usize * h as usize];
        for (x, t, p) in &parts {
            let (pw, ph) = p.size();
            let (ox, oy) = ((x - left) as usize, (top - t) as usize);
            for row in 0..ph as usize {
                let dst = &mut alpha[(oy + row) * w as usize + ox..][..pw as usize];
                for (col, d) in dst.iter_mut().enumerate() {
                    *d = d.saturating_add(p.coverage(col as u32, row as u32));
                }
            }
        }
        Mask { left, top, width: w, height: h, alpha }
    }
}

enum Part {
    Mask(std::sync::Arc<Mask>),
    Box(Replacement),
}

impl Part {
    fn size(&self) -> (u32, u32) {
        match self {
            Part::Mask(m) => (m.width, m.height),
            Part::Box(r) => (r.width, r.height),
        }
    }

    fn coverage(&self, x: u32, y: u32) -> u8 {
        match self {
            Part::Mask(m) => m.alpha[(y * m.width + x) as usize],
            Part::Box(r) => {
                if r.is_set(x, y) {
                    255
                } else {
                    0
                }
            }
        }
    }
}

/// A 1-bit line piece for LED boards: rows of `(width + 7) / 8` bytes, most significant
/// bit leftmost (the bitmap fonts' cell format), placed like a [`RunImage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonoImage {
    pub left: i32,
    pub top: i32,
    pub width: u32,
    pub height: u32,
    pub bits: Vec<u8>,
}

impl MonoImage {
    /// Lights every pixel whose coverage reaches `threshold`.
    pub fn from_alpha(img: &RunImage, threshold: u8) -> MonoImage {
        let stride = img.width.div_ceil(8) as usize;
        let mut bits = vec![0u8; stride * img.height as usize];
        for y in 0..img.height as usize {
            for x in 0..img.width as usize {
                if img.alpha[y * img.width as usize + x] >= threshold {
                    bits[y * stride + x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        MonoImage { left: img.left, top: img.top, width: img.width, height: img.height, bits }
    }

    /// The image as a bitmap-font cell, for the LED drawing path.
    pub fn glyph(&self) -> Glyph<'_> {
        Glyph { width: self.width, height: self.height, bits: &self.bits }
    }

    /// Draws the lit pixels with the line's start at `x` and its baseline at row `baseline`.
    pub fn draw(&self, f: &mut Frame, x: i32, baseline: i32, color: Rgb888) {
        let (x0, y0) = (x + self.left, baseline - self.top);
        let g = self.glyph();
        let stride = self.width.div_ceil(8) as usize;
        for row in 0..self.height {
            let y = y0 + row as i32;
            if y < 0 || y >= f.height() as i32 {
                continue;
            }
            for (i, &byte) in g.bits[row as usize * stride..][..stride].iter().enumerate() {
                let mut b = byte;
                while b != 0 {
                    let bit = b.leading_zeros();
                    b &= !(0x80 >> bit);
                    f.set(x0 + (i as u32 * 8 + bit) as i32, y, color);
                }
            }
        }
    }

    /// The image as text, one char a pixel (`#` lit): for tests and reviews.
    pub fn to_ascii(&self) -> String {
        let g = self.glyph();
        (0..self.height).map(|y| (0..self.width).map(|x| if g.is_set(x, y) { '#' } else { '.' }).collect::<String>() + "\n").collect()
    }
}

/// Blends an anti-aliased piece with the line's start at `x` and its baseline at row `baseline`.
pub(crate) fn draw_alpha(img: &RunImage, f: &mut Frame, x: i32, baseline: i32, color: Rgb888) {
    blend(f, img, x + img.left, baseline - img.top, color);
}

/// Like [`draw_alpha`], drawing only columns `clip` of the frame (a marquee's lane);
/// allocates nothing, so a moving line costs only the blending of what shows.
#[cfg(test)]
pub(crate) fn draw_alpha_clipped(img: &RunImage, f: &mut Frame, x: i64, baseline: i32, color: Rgb888, clip: std::ops::Range<i32>) {
    let left = x + img.left as i64;
    let (from, to) = ((clip.start as i64 - left).max(0), (clip.end as i64 - left).min(img.width as i64));
    if from >= to || left > i32::MAX as i64 || left < i32::MIN as i64 {
        return;
    }
    crate::render::outline::blend_columns(f, img, left as i32, baseline - img.top, color, from as i32..to as i32);
}
