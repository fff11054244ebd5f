//! Outline (OpenType/CFF) fonts for HD screens: anti-aliased glyphs at any pixel size, cached.
//!
//! The font file is memory-mapped, never parsed up front: swash reads only the
//! tables a lookup touches (cmap, hmtx, the glyph's charstring), so a 6 MB
//! CJK font costs the pages it uses. Each rasterized glyph is kept in a cache
//! keyed by (char, px), or by (glyph id, px, hinting, subpixel offset) for glyphs
//! a shaper chose (`render/mongol`), so steady-state frames rasterize nothing.
//! [`Face`] is the font at one size and follows the bitmap path's rules:
//! invisible chars are zero-width, a char the font lacks is drawn from the
//! bitmap fallback (Unifont) scaled up, and a char no font has as the same
//! visible hex box (`Replacement`), reported by `covers`.
//! Drawing never fails and never allocates once a glyph is cached.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use swash::scale::{Render, ScaleContext, Source};
use swash::zeno::{Format, Vector};
use swash::{CacheKey, FontRef};

use super::Frame;
use super::font::{FontError, FontSet, Glyph, GlyphRef, Metrics, Replacement, is_invisible};
use crate::mmap::Mmap;

/// The outline font shipped in fonts/ (a renamed subset of Noto Sans CJK SC, see fonts/README.md).
pub(crate) const OUTLINE_FILE: &str = "yiping-sans-cjk-sc-regular.otf";

/// Bytes of glyph masks kept before the cache is emptied and refilled.
const CACHE_LIMIT: usize = 48 << 20;

/// An anti-aliased glyph mask, positioned relative to the pen on the baseline.
#[derive(Debug, Clone)]
pub struct Mask {
    pub left: i32,
    /// Rows above the baseline of the mask's first row.
    pub top: i32,
    pub width: u32,
    pub height: u32,
    pub alpha: Vec<u8>,
}

/// What a cached mask is of: a char (through the cmap), or a glyph a shaper chose, drawn
/// hinted or not, at a quarter-pixel horizontal offset (`subpx` 0..=3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum MaskKey {
    Char(char),
    Glyph { id: u16, hinted: bool, subpx: u8 },
}

struct Cache {
    ctx: ScaleContext,
    glyphs: HashMap<(MaskKey, u32), Arc<Mask>>,
    bytes: usize,
    rasterized: u64,
}

/// A memory-mapped outline font with its glyph cache.
pub struct OutlineFont {
    name: String,
    /// Shared with a shaper reading the same file (`render/mongol`).
    map: Arc<Mmap>,
    offset: u32,
    key: CacheKey,
    units_per_em: f32,
    /// Ascender and descender (positive down) in font units.
    ascent: f32,
    descent: f32,
    cache: Mutex<Cache>,
    /// Bitmap fonts for chars the outline font lacks (e.g. the ideographs Unicode 13-14
    /// added at U+9FF0..U+9FFF): drawn scaled up, blockier but readable, never a box.
    fallback: Option<FontSet>,
}

impl std::fmt::Debug for OutlineFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OutlineFont({:?}, {} bytes mapped)", self.name, self.map.len())
    }
}

impl OutlineFont {
    /// Maps a font file (the first face of a collection) and reads its header tables only.
    pub fn load(path: &Path) -> Result<OutlineFont, FontError> {
        let io = |source| FontError::Io { path: path.to_path_buf(), source };
        let file = std::fs::File::open(path).map_err(io)?;
        let map = Mmap::read_only(&file).map_err(io)?;
        let font = FontRef::from_index(map.as_slice(), 0).ok_or_else(|| FontError::Parse {
            file: path.display().to_string(),
            line: 0,
            msg: "not an OpenType font".into(),
        })?;
        let m = font.metrics(&[]);
        let (offset, key) = (font.offset, font.key);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("outline").to_string();
        let cache = Cache { ctx: ScaleContext::new(), glyphs: HashMap::new(), bytes: 0, rasterized: 0 };
        Ok(OutlineFont {
            name,
            offset,
            key,
            units_per_em: m.units_per_em.max(1) as f32,
            ascent: m.ascent,
            descent: m.descent,
            map: Arc::new(map),
            cache: Mutex::new(cache),
            fallback: None,
        })
    }

    /// Sets the bitmap fonts drawn for chars this font lacks.
    pub fn with_fallback(mut self, set: FontSet) -> OutlineFont {
        self.fallback = Some(set);
        self
    }

    /// The fallback's glyph for `c`, when the outline font lacks it and the fallback has it.
    fn fallback_glyph(&self, c: char) -> Option<Glyph<'_>> {
        match self.fallback.as_ref()?.glyph(c) {
            GlyphRef::Font(g) => Some(g),
            _ => None,
        }
    }

    /// Finds [`OUTLINE_FILE`] in `dirs` (first wins); `None` when no dir has it.
    pub fn find(dirs: &[PathBuf]) -> Option<PathBuf> {
        dirs.iter().map(|d| d.join(OUTLINE_FILE)).find(|p| p.is_file())
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The mapped file, for a shaper that reads the same font.
    pub(crate) fn data(&self) -> Arc<Mmap> {
        Arc::clone(&self.map)
    }

    pub(crate) fn units_per_em(&self) -> f32 {
        self.units_per_em
    }

    /// Whether the font's cmap maps `c` to a glyph.
    pub(crate) fn has_char(&self, c: char) -> bool {
        self.glyph_id(c) != 0
    }

    fn font(&self) -> FontRef<'_> {
        FontRef { data: self.map.as_slice(), offset: self.offset, key: self.key }
    }

    /// The glyph the cmap gives `c` (0 when none).
    pub(crate) fn glyph_id_of(&self, c: char) -> u16 {
        self.glyph_id(c)
    }

    fn glyph_id(&self, c: char) -> u16 {
        self.font().charmap().map(c)
    }

    /// The font at `px` pixels per em.
    pub fn face(self: &Arc<Self>, px: u32) -> Face {
        let scale = px as f32 / self.units_per_em;
        let ascent = (self.ascent * scale).round() as i32;
        let descent = (self.descent * scale).round() as i32;
        Face { font: Arc::clone(self), px: px.max(1), ascent, line: (ascent + descent).max(px as i32) as u32 }
    }

    /// How many glyphs have been rasterized since loading (a test of the cache).
    pub fn rasterized(&self) -> u64 {
        self.cache.lock().map_or(0, |c| c.rasterized)
    }

    fn mask(&self, c: char, px: u32) -> Option<Arc<Mask>> {
        self.cached(MaskKey::Char(c), px)
    }

    /// The anti-aliased mask of glyph `id` (as a shaper chose it) at `px`, hinted or
    /// not, shifted right by `subpx` quarter pixels; cached like chars' masks.
    pub(crate) fn glyph_mask(&self, id: u16, px: u32, hinted: bool, subpx: u8) -> Option<Arc<Mask>> {
        self.cached(MaskKey::Glyph { id, hinted, subpx: subpx & 3 }, px)
    }

    fn cached(&self, key: MaskKey, px: u32) -> Option<Arc<Mask>> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = cache.glyphs.get(&(key, px)) {
            return Some(Arc::clone(m));
        }
        let (id, hinted, shift) = match key {
            MaskKey::Char(c) => (self.glyph_id(c), false, 0.0),
            MaskKey::Glyph { id, hinted, subpx } => (id, hinted, subpx as f32 / 4.0),
        };
        let font = self.font();
        let cache = &mut *cache;
        let mut scaler = cache.ctx.builder(font).size(px as f32).hint(hinted).build();
        let img = Render::new(&[Source::Outline]).format(Format::Alpha).offset(Vector::new(shift, 0.0)).render(&mut scaler, id)?;
        let p = img.placement;
        let mask = Arc::new(Mask { left: p.left, top: p.top, width: p.width, height: p.height, alpha: img.data });
        if cache.bytes > CACHE_LIMIT {
            tracing::debug!(font = %self.name, glyphs = cache.glyphs.len(), "glyph cache full; emptied");
            cache.glyphs.clear();
            cache.bytes = 0;
        }
        cache.bytes += mask.alpha.len() + 64;
        cache.rasterized += 1;
        cache.glyphs.insert((key, px), Arc::clone(&mask));
        Some(mask)
    }
}

/// An outline font at one pixel size.
#[derive(Clone, Debug)]
pub struct Face {
    font: Arc<OutlineFont>,
    px: u32,
    /// Baseline below the line top, px.
    ascent: i32,
    /// Line box height (ascent + descent), px.
    line: u32,
}

impl Face {
    pub fn px(&self) -> u32 {
        self.px
    }

    /// The height of a line box: ascent + descent (at least the em size).
    pub fn line_height(&self) -> u32 {
        self.line
    }

    /// Whether `c` is drawn as itself (not as a replacement box).
    pub fn covers(&self, c: char) -> bool {
        is_invisible(c) || self.font.glyph_id(c) != 0 || self.font.fallback_glyph(c).is_some()
    }

    /// One glyph: the outline, the scaled bitmap fallback, or the hex box.
    fn paint(&self, f: &mut Frame, c: char, x: i32, y: i32, color: Rgb888) {
        if is_invisible(c) || c.is_whitespace() {
            return;
        }
        if self.font.glyph_id(c) == 0
            && let Some(g) = self.font.fallback_glyph(c)
        {
            // A bitmap glyph scaled to the em (nearest neighbour), centred in the line box.
            let k = self.px as f32 / g.height as f32;
            let top = y + (self.line as i32 - self.px as i32) / 2;
            let edge = |v: u32| (v as f32 * k).round() as i32;
            for row in 0..g.height {
                for col in 0..g.width {
                    if g.is_set(col, row) {
                        let (x0, y0) = (x + edge(col), top + edge(row));
                        f.fill_rect(x0, y0, (x + edge(col + 1) - x0) as u32, (top + edge(row + 1) - y0) as u32, color);
                    }
                }
            }
            return;
        }
        if !self.covers(c) {
            // The bitmap path's hex box, centred in the line box.
            let r = Replacement::new(c, self.px);
            let top = y + (self.line as i32 - self.px as i32) / 2;
            for row in 0..r.height {
                for col in 0..r.width {
                    if r.is_set(col, row) {
                        f.set(x + col as i32, top + row as i32, color);
                    }
                }
            }
            return;
        }
        if let Some(m) = self.font.mask(c, self.px) {
            blend(f, &m, x + m.left, y + self.ascent - m.top, color);
        }
    }
}

impl Metrics for Face {
    fn draw_char(&self, f: &mut Frame, c: char, x: i32, y: i32, color: Rgb888) {
        self.paint(f, c, x, y, color);
    }

    fn advance(&self, c: char) -> u32 {
        if is_invisible(c) {
            return 0;
        }
        let id = self.font.glyph_id(c);
        if id == 0
            && let Some(g) = self.font.fallback_glyph(c)
        {
            return (g.width as f32 * self.px as f32 / g.height as f32).round() as u32;
        }
        if id == 0 {
            return match c {
                ' ' | '\u{a0}' => self.px / 3,
                '\u{3000}' => self.px,
                _ => self.px,
            };
        }
        let font = self.font.font();
        let adv = font.glyph_metrics(&[]).advance_width(id);
        (adv * self.px as f32 / self.font.units_per_em).round() as u32
    }

    fn height(&self) -> u32 {
        self.line
    }
}

/// Alpha-blends a mask in `color` onto the frame at (x, y), clipped.
pub(crate) fn blend(f: &mut Frame, m: &Mask, x: i32, y: i32, color: Rgb888) {
    blend_columns(f, m, x, y, color, 0..m.width as i32);
}

/// Like [`blend`], only the mask's columns `cols` (a marquee lane's worth of a long line).
pub(crate) fn blend_columns(f: &mut Frame, m: &Mask, x: i32, y: i32, color: Rgb888, cols: std::ops::Range<i32>) {
    let (fw, fh) = (f.width() as i32, f.height() as i32);
    let (c0, c1) = ((-x).max(0).max(cols.start), (fw - x).min(m.width as i32).min(cols.end));
    let (r0, r1) = ((-y).max(0), (fh - y).min(m.height as i32));
    if c0 >= c1 || r0 >= r1 {
        return;
    }
    if f.planes().is_some() {
        // Packed LED frames have no shades: a pixel at least half covered is lit.
        for row in r0..r1 {
            for col in c0..c1 {
                if m.alpha[row as usize * m.width as usize + col as usize] >= 128 {
                    f.set(x + col, y + row, color);
                }
            }
        }
        return;
    }
    let (cr, cg, cb) = (color.r() as u32, color.g() as u32, color.b() as u32);
    let stride = fw as usize * 3;
    let data = f.as_rgb_mut();
    for row in r0..r1 {
        let src = &m.alpha[row as usize * m.width as usize..][..m.width as usize];
        let base = (y + row) as usize * stride;
        for col in c0..c1 {
            let a = src[col as usize] as u32;
            if a == 0 {
                continue;
            }
            let i = base + (x + col) as usize * 3;
            let px = &mut data[i..i + 3];
            if a == 255 {
                px.copy_from_slice(&[cr as u8, cg as u8, cb as u8]);
            } else {
                let mix = |d: u8, s: u32| ((d as u32 * (255 - a) + s * a + 127) / 255) as u8;
                px[0] = mix(px[0], cr);
                px[1] = mix(px[1], cg);
                px[2] = mix(px[2], cb);
            }
        }
    }
}

#[cfg(test)]
mod tests;
