//! A long Mongolian line crossing a poster (the marquee), composed in chunks as they come into view.
//!
//! Composed whole, a 2,000-char Mongolian marquee at poster size is one coverage
//! image some 50,000 px wide (several MB, kept for the whole slot). Instead the
//! line is shaped and placed once at layout (a few numbers a glyph), cut at word
//! starts into chunks of about `CHUNK` px (so no joined word is split and no
//! joint is composed twice), and a chunk is composed into a small RGB buffer
//! (its Mongolian and the digits or hanzi it holds) when it first comes into
//! view. Only chunks on screen are kept, as the Chinese strip does (`poster::strip`).
//! Drawing copies the buffer's inked pixels; nothing is shaped per frame.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};

use super::block::Band;
use super::raster::draw_alpha;
use super::{LinePiece, MnParagraph, MongolFont, PlacedGlyph};
use crate::render::Frame;
use crate::render::font::Metrics;
use crate::render::outline::Face;

/// The width a chunk grows to before it is cut at the next word start, px.
const CHUNK: u32 = 1024;

/// Glyphs and CJK texts of one chunk; x from the line's start.
#[derive(Debug)]
struct Chunk {
    glyphs: Vec<PlacedGlyph>,
    texts: Vec<(i32, String)>,
    /// Columns the chunk's ink (and pen) covers, from the line's start.
    left: i32,
    right: i32,
}

/// One Mongolian line in chunks, composed lazily at `px` with `face` for its CJK pieces.
#[derive(Debug)]
pub(crate) struct MnStrip {
    font: Arc<MongolFont>,
    face: Face,
    px: u32,
    text: String,
    chunks: Vec<Chunk>,
    band: Band,
    width: u32,
    fg: Rgb888,
    bg: Rgb888,
    cache: Mutex<HashMap<usize, Frame>>,
}

impl MnStrip {
    /// Shapes `paragraphs` on one line (joined by two spaces, as the LED marquee does) and cuts it into chunks.
    pub(crate) fn new(font: &Arc<MongolFont>, paragraphs: &[String], face: &Face, fg: Rgb888, bg: Rgb888) -> MnStrip {
        let px = face.px();
        let text = paragraphs.iter().map(|p| p.replace('\n', " ")).collect::<Vec<_>>().join("  ");
        let line = MnParagraph::shape(font, &text).one_line(font, px, face);
        let mut chunks: Vec<Chunk> = Vec::new();
        let mut cur = Chunk { glyphs: Vec::new(), texts: Vec::new(), left: 0, right: 0 };
        let mut start = 0f32;
        let mut after_space = false;
        let mut cut = |cur: &mut Chunk, start: &mut f32, at: f32| {
            if !cur.glyphs.is_empty() || !cur.texts.is_empty() {
                chunks.push(std::mem::replace(cur, Chunk { glyphs: Vec::new(), texts: Vec::new(), left: 0, right: 0 }));
            }
            *start = at;
        };
        for piece in line.pieces {
            match piece {
                LinePiece::Glyphs(gs) => {
                    for g in gs {
                        let wide = g.x - start;
                        // At a word start once the chunk is wide; anywhere in a word longer than two chunks.
                        if (after_space && !g.space && wide >= CHUNK as f32) || wide >= 2.0 * CHUNK as f32 {
                            cut(&mut cur, &mut start, g.x);
                        }
                        after_space = g.space;
                        cur.glyphs.push(g);
                    }
                }
                LinePiece::Text { x, text } => {
                    if x as f32 - start >= CHUNK as f32 {
                        cut(&mut cur, &mut start, x as f32);
                    }
                    after_space = text.ends_with(char::is_whitespace);
                    cur.texts.push((x, text));
                }
            }
        }
        cut(&mut cur, &mut start, 0.0);
        // The band: every glyph's ink, as for a block of lines (each chunk composed once, then dropped).
        let mut band = Band::default();
        for c in &mut chunks {
            let img = font.compose(&c.glyphs, px);
            (c.left, c.right) = (i32::MAX, i32::MIN);
            if img.width > 0 {
                band.above = band.above.max(img.top.max(0) as u32);
                band.below = band.below.max((img.height as i32 - img.top).max(0) as u32);
                (c.left, c.right) = (img.left, img.left + img.width as i32);
            }
            for (x, t) in &c.texts {
                (c.left, c.right) = (c.left.min(*x), c.right.max(x + face.measure(t) as i32));
            }
        }
        chunks.retain(|c| c.left < c.right);
        if chunks.iter().any(|c| c.texts.iter().any(|(_, t)| !t.trim().is_empty())) && band.height() < face.height() {
            let extra = face.height() - band.height();
            band.above += extra / 2;
            band.below += extra - extra / 2;
        }
        MnStrip { font: Arc::clone(font), face: face.clone(), px, text: line.text, chunks, band, width: line.width, fg, bg, cache: Mutex::default() }
    }

    /// The line's text in logical order.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The CJK pieces' texts (digits, Latin, hanzi), for coverage checks.
    pub(crate) fn cjk_texts(&self) -> impl Iterator<Item = &str> {
        self.chunks.iter().flat_map(|c| c.texts.iter().map(|(_, t)| t.as_str()))
    }

    pub(crate) fn width(&self) -> u32 {
        self.width
    }

    pub(crate) fn band(&self) -> Band {
        self.band
    }

    #[cfg(test)]
    /// Bytes held by composed chunks now (for tests: it stays a few chunks).
    pub(crate) fn cached_bytes(&self) -> usize {
        self.cache.lock().map_or(0, |c| c.values().map(|f| f.as_rgb().len()).sum())
    }

    #[cfg(test)]
    /// The widest chunk, px (for tests: no chunk is the whole line).
    pub(crate) fn widest_chunk(&self) -> u32 {
        self.chunks.iter().map(|c| (c.right - c.left) as u32).max().unwrap_or(0)
    }

    /// Draws the line with its start at `x` (may be far left of the frame) and its band's top at `top`,
    /// only within columns `clip`. Chunks out of view are forgotten.
    pub(crate) fn draw(&self, f: &mut Frame, x: i64, top: i32, clip: Range<i32>) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let visible = |c: &Chunk| x + (c.left as i64) < clip.end as i64 && x + c.right as i64 > clip.start as i64;
        cache.retain(|i, _| self.chunks.get(*i).is_some_and(visible));
        for (i, c) in self.chunks.iter().enumerate() {
            if !visible(c) {
                continue;
            }
            let img = cache.entry(i).or_insert_with(|| self.compose(c));
            let left = x + c.left as i64;
            let from = (clip.start as i64 - left).max(0);
            let to = (clip.end as i64 - left).min(img.width() as i64);
            if from < to {
                blit_ink(f, (left + from) as i32, top, img, from as u32, (to - from) as u32, self.bg);
            }
        }
    }

    /// A chunk drawn on the background: its Mongolian, then its CJK pieces centred on the band.
    fn compose(&self, c: &Chunk) -> Frame {
        let mut s = Frame::new((c.right - c.left) as u32, self.band.height());
        s.fill(self.bg);
        draw_alpha(&self.font.compose(&c.glyphs, self.px), &mut s, -c.left, self.band.above as i32, self.fg);
        let ty = (self.band.height() as i32 - self.face.height() as i32) / 2;
        for (x, t) in &c.texts {
            self.face.draw_str(&mut s, x - c.left, ty, t, self.fg);
        }
        s
    }
}

/// Copies columns `sx..sx+w` of `src` to `dst` at (x, y), clipped to `dst`, leaving out
/// background pixels, so a chunk's ink overhanging its neighbour never erases it.
fn blit_ink(dst: &mut Frame, x: i32, y: i32, src: &Frame, sx: u32, w: u32, bg: Rgb888) {
    let key = [bg.r(), bg.g(), bg.b()];
    let (dw, dh) = (dst.width() as i64, dst.height() as i64);
    for row in 0..src.height() as i64 {
        let dy = y as i64 + row;
        if dy < 0 || dy >= dh {
            continue;
        }
        let s = &src.row(row as u32)[sx as usize * 3..(sx + w) as usize * 3];
        let d = &mut dst.as_rgb_mut()[(dy * dw) as usize * 3..][..dw as usize * 3];
        for (k, px) in s.chunks_exact(3).enumerate() {
            let dx = x as i64 + k as i64;
            if px != key && dx >= 0 && dx < dw {
                d[dx as usize * 3..dx as usize * 3 + 3].copy_from_slice(px);
            }
        }
    }
}
