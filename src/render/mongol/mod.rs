//! Traditional Mongolian: shaped once when content is laid out, drawn as positioned glyph runs.
//!
//! Mongolian is cursive; each letter's form depends on its neighbours, the
//! free variation selectors, MVS and NNBSP, so text is shaped by harfrust (the
//! HarfBuzz project's Rust port) with the Mongolian font, never drawn char by
//! char. Shaping happens when a scene is laid out ([`MnParagraph::shape`]),
//! never per frame. The font is an [`OutlineFont`] as on the poster design:
//! one memory map read by both harfrust and swash, and swash's glyph masks
//! cached by (glyph, px, hinting, subpixel offset). Lines of shaped glyphs are
//! composed once into an image ([`raster`]): anti-aliased for HD screens,
//! 1-bit for LED boards. Runs of digits, Latin or hanzi inside Mongolian text
//! are left to the screen's CJK fonts ([`runs`]).
//!
//! Orientation: the font holds Mongolian glyphs turned 90° counter-clockwise,
//! so a shaped run reads left to right with the letters on their side, as
//! the Unicode Standard describes Mongolian set in horizontal text. Horizontal
//! screens show it that way (see README, "Mongolian and Chinese").
//!
//! Never fails and never drops text: a Mongolian char the font lacks is drawn
//! as the bitmap path's hex box (`Replacement`) and listed by [`MongolFont::missing`].

pub(crate) mod block;
mod line;
pub(crate) mod raster;
pub(crate) mod runs;
mod strip;

#[cfg(test)]
mod oracle;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use harfrust::{Buffer, Direction, Language, Script, ShapeOptions, ShapePlan, ShaperFont};

pub(crate) use block::{Band, Ink, MnBlock, ShapedLine};
pub use line::{LinePiece, MnParagraph};
pub(crate) use line::{MnLine, PlacedGlyph};
pub use raster::MonoImage;
pub(crate) use strip::MnStrip;

use super::font::{FontError, is_invisible};
use super::outline::OutlineFont;
use crate::item::script::is_mongolian;

/// The Mongolian font shipped in fonts/ (Noto Sans Mongolian 3.002, see fonts/README.md).
pub(crate) const MONGOL_FILE: &str = "noto-sans-mongolian-3.002.ttf";

/// One glyph as the shaper placed it, in font units. `cluster` is the byte offset in the
/// shaped text of the first char the glyph stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShapedGlyph {
    pub id: u32,
    pub cluster: u32,
    pub x_advance: i32,
    pub y_advance: i32,
    pub x_offset: i32,
    pub y_offset: i32,
}

/// The Mongolian outline font with its shaper.
pub struct MongolFont {
    outline: Arc<OutlineFont>,
    shaper: harfrust::Font,
    /// Script Mong, left to right, language mn, default features: built once.
    plan: ShapePlan,
    language: Language,
    /// Height of the letters' stem above the baseline, font units: where a hex box sits.
    stem: f32,
}

impl std::fmt::Debug for MongolFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MongolFont({:?})", self.outline.name())
    }
}

impl MongolFont {
    /// Maps the font file and prepares its shaping plan (the font's tables are read lazily).
    pub fn load(path: &Path) -> Result<MongolFont, FontError> {
        let outline = Arc::new(OutlineFont::load(path)?);
        let data: Arc<dyn AsRef<[u8]> + Send + Sync> = outline.data();
        let not_font = || FontError::Parse { file: path.display().to_string(), line: 0, msg: "not an OpenType font harfrust can read".into() };
        let shaper = harfrust::Font::new(data, 0).ok_or_else(not_font)?;
        let language: Language = "mn".parse().map_err(|_| not_font())?;
        let plan = ShapePlan::new(&shaper, Direction::LeftToRight, Some(Script::MONGOLIAN), Some(&language), &[]);
        let mut font = MongolFont { outline, shaper, plan, language, stem: 0.0 };
        // The stem of ᠠ (the line every letter hangs on): a hex box is centred on it.
        let sf = ShaperFont::new(&font.shaper);
        font.stem = match font.shape('ᠠ'.encode_utf8(&mut [0; 4])).first().and_then(|g| sf.glyph_extents(harfrust::GlyphId::new(g.id))) {
            Some(e) => e.y_bearing as f32 - e.height.abs() as f32 / 2.0,
            None => font.outline.units_per_em() * 0.4,
        };
        Ok(font)
    }

    /// Finds [`MONGOL_FILE`] in `dirs` (first wins); `None` when no dir has it.
    pub fn find(dirs: &[PathBuf]) -> Option<PathBuf> {
        dirs.iter().map(|d| d.join(MONGOL_FILE)).find(|p| p.is_file())
    }

    pub fn name(&self) -> &str {
        self.outline.name()
    }

    pub(crate) fn outline(&self) -> &OutlineFont {
        &self.outline
    }

    fn units_per_em(&self) -> f32 {
        self.outline.units_per_em()
    }

    /// Whether `c` is drawn as itself in a Mongolian run (invisible format chars count as covered).
    pub fn covers(&self, c: char) -> bool {
        is_invisible(c) || self.outline.has_char(c)
    }

    /// The Mongolian chars of `text` this font lacks (drawn as hex boxes), sorted, once each.
    pub fn missing(&self, text: &str) -> Vec<char> {
        let mut out: Vec<char> = text.chars().filter(|&c| is_mongolian(c) && !self.covers(c)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Shapes `text` as one left-to-right Mongolian run (what `hb-shape --script=Mong
    /// --language=mn --direction=ltr` does); clusters are byte offsets into `text`.
    pub fn shape(&self, text: &str) -> Vec<ShapedGlyph> {
        let font = ShaperFont::new(&self.shaper);
        let mut buffer = Buffer::new();
        buffer.push_str(text);
        buffer.set_direction(Direction::LeftToRight);
        buffer.set_script(Some(Script::MONGOLIAN));
        buffer.set_language(Some(self.language.clone()));
        if let Err(e) = harfrust::shape(&font, &mut buffer, ShapeOptions::new().plan(Some(&self.plan))) {
            // Cannot happen with the plan's own direction and script; never lose the text.
            tracing::error!(error = ?e, "Mongolian shaping failed; drawing unshaped glyphs");
            return text
                .char_indices()
                .map(|(i, c)| {
                    let id = self.outline.glyph_id_of(c) as u32;
                    ShapedGlyph { id, cluster: i as u32, x_advance: self.units_per_em() as i32 / 2, y_advance: 0, x_offset: 0, y_offset: 0 }
                })
                .collect();
        }
        buffer
            .glyph_infos()
            .iter()
            .zip(buffer.glyph_positions())
            .map(|(i, p)| ShapedGlyph {
                id: i.glyph_id,
                cluster: i.cluster,
                x_advance: p.x_advance,
                y_advance: p.y_advance,
                x_offset: p.x_offset,
                y_offset: p.y_offset,
            })
            .collect()
    }
}
