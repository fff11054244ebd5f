//! Places BDF glyphs on a fixed-height cell: chooses the baseline, nudges glyphs in, clips the rest.
//!
//! BDF glyphs are positioned by a bounding box relative to a baseline, and a
//! font's `FONT_ASCENT + FONT_DESCENT` may exceed its `PIXEL_SIZE` (WenQuanYi
//! 12 px says 12 + 3), so the baseline row is chosen here:
//!
//! 1. if `FONT_ASCENT + FONT_DESCENT == PIXEL_SIZE`, the ascent is `FONT_ASCENT`;
//! 2. otherwise, among the ascents that put the CJK ideograph box (that of
//!    U+4E2D 中, or any ideograph) entirely inside the cell, the one that
//!    clips the fewest ink pixels over the whole font wins (WenQuanYi 12 px:
//!    ascent 11, ideographs on rows 1..=11, full-width （） and “” intact).
//!
//! A glyph whose ink would still stick out of the cell but is no taller than
//! the cell is moved up or down just enough to fit (WenQuanYi's `g j p q y`
//! sit 1 px higher rather than losing their descender: a clipped `g` would be
//! identical to `q`). Ink that still falls outside the cell, or outside
//! `0..DWIDTH` horizontally, is clipped.

use super::{BitmapFont, FontBuilder};

/// A glyph as read from the file, before it is placed in the cell.
pub(super) struct Raw {
    pub(super) c: u32,
    pub(super) dwidth: i32,
    pub(super) w: u32,
    pub(super) h: u32,
    pub(super) xoff: i32,
    pub(super) yoff: i32,
    /// Start of its `h` rows of `(w + 7) / 8` bytes in the raw buffer.
    pub(super) offset: usize,
    /// First and last bbox rows that hold ink (None: blank glyph).
    pub(super) ink_rows: Option<(u32, u32)>,
}

/// The number of cell rows above the baseline (see the module docs).
pub(super) fn choose_ascent(ascent: Option<i64>, descent: Option<i64>, height: u32, glyphs: &[Raw], raw: &[u8]) -> i32 {
    let height = height as i32;
    match (ascent, descent) {
        (Some(a), Some(d)) if a + d == height as i64 && a >= 0 => return a as i32,
        _ => {}
    }
    // Ink per level (level 0 = the row just above the baseline).
    let lowest = glyphs.iter().map(|g| g.yoff).min().unwrap_or(0).min(0);
    let highest = glyphs.iter().map(|g| g.yoff + g.h as i32).max().unwrap_or(0).max(height);
    let mut ink = vec![0u64; (highest - lowest + 1) as usize];
    for g in glyphs {
        let stride = g.w.div_ceil(8) as usize;
        for row in 0..g.h as usize {
            let bits: u32 = raw[g.offset + row * stride..g.offset + (row + 1) * stride].iter().map(|b| b.count_ones()).sum();
            let level = g.yoff + g.h as i32 - 1 - row as i32;
            ink[(level - lowest) as usize] += bits as u64;
        }
    }
    // Cell rows hold levels ascent-height ..= ascent-1.
    let clipped = |a: i32| -> u64 { (lowest..=highest).filter(|&l| l >= a || l < a - height).map(|l| ink[(l - lowest) as usize]).sum() };
    let ideograph = glyphs.iter().find(|g| g.c == 0x4E2D).or_else(|| glyphs.iter().find(|g| (0x4E00..=0x9FFF).contains(&g.c)));
    let (lo, hi) = match ideograph {
        // top level yoff+h-1 must be <= a-1; bottom level yoff must be >= a-height.
        Some(g) if (g.h as i32) <= height => (g.yoff + g.h as i32, g.yoff + height),
        Some(g) => {
            let a = g.yoff + g.h as i32 - (g.h as i32 - height) / 2;
            (a, a)
        }
        None => (0, height - lowest),
    };
    let preferred = match (ascent, descent) {
        (Some(a), Some(d)) if a + d > 0 => (a * height as i64 / (a + d)) as i32,
        _ => height,
    };
    (lo..=hi).min_by_key(|&a| (clipped(a), (a - preferred).abs())).unwrap_or(lo)
}

/// Copies each glyph into a `height`-row cell `DWIDTH` wide, baseline at `ascent`.
pub(super) fn place(name: &str, height: u32, ascent: i32, glyphs: &[Raw], raw: &[u8]) -> BitmapFont {
    let bytes: usize = glyphs.iter().map(|g| (g.dwidth as usize).div_ceil(8) * height as usize).sum();
    let mut b = FontBuilder::new(name, height, glyphs.len(), bytes);
    let (mut moved, mut too_tall) = (0usize, 0usize);
    for g in glyphs {
        let width = g.dwidth as u32;
        let cell_stride = width.div_ceil(8) as usize;
        let stride = g.w.div_ceil(8) as usize;
        let mut top = ascent - (g.yoff + g.h as i32);
        if let Some((first, last)) = g.ink_rows {
            let (ink_top, ink_bottom) = (top + first as i32, top + last as i32);
            if last - first < height {
                if ink_top < 0 {
                    top -= ink_top;
                    moved += 1;
                } else if ink_bottom >= height as i32 {
                    top -= ink_bottom - (height as i32 - 1);
                    moved += 1;
                }
            } else {
                too_tall += 1;
            }
        }
        let cell = b.push(g.c, width);
        for row in 0..g.h as i32 {
            let y = top + row;
            if y < 0 || y >= height as i32 {
                continue;
            }
            let src = &raw[g.offset + row as usize * stride..][..stride];
            let dst = &mut cell[y as usize * cell_stride..][..cell_stride];
            if g.w <= 128 && width <= 128 && g.xoff.unsigned_abs() < 128 {
                // The row as one 128-bit number, leftmost pixel in the top bit.
                let v = src.iter().enumerate().fold(0u128, |v, (k, &b)| v | (b as u128) << (120 - 8 * k));
                let v = v & !(u128::MAX.checked_shr(g.w).unwrap_or(0));
                let v = if g.xoff >= 0 { v >> g.xoff } else { v << -g.xoff };
                let v = v & !(u128::MAX.checked_shr(width).unwrap_or(0));
                for (k, d) in dst.iter_mut().enumerate() {
                    *d |= (v >> (120 - 8 * k)) as u8;
                }
                continue;
            }
            for x in 0..g.w as i32 {
                let dx = g.xoff + x;
                if src[x as usize / 8] & (0x80 >> (x % 8)) != 0 && dx >= 0 && (dx as u32) < width {
                    dst[dx as usize / 8] |= 0x80 >> (dx % 8);
                }
            }
        }
    }
    tracing::debug!(font = name, height, ascent, glyphs = glyphs.len(), moved, too_tall, "placed BDF glyphs in cells");
    b.finish()
}
