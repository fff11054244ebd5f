//! A paragraph of Mongolian text shaped once, then broken into lines at a pixel size.
//!
//! The paragraph is split into script runs; each Mongolian run is shaped whole
//! (so a word broken across lines keeps its joined forms), other runs are
//! measured with the screen's CJK font through `Metrics`. Line breaking is the
//! Chinese path's (`linebreak`, UAX #14: Mongolian words break at spaces, never
//! at NNBSP or MVS), fed with the shaped widths. A line is a list of pieces,
//! each either placed Mongolian glyphs or text for the CJK fonts, so one drawing
//! path can draw both. Widths are in 1/64 px while breaking, so fractional
//! advances do not add up to a wrong break.

use std::ops::Range;

use super::runs::{Script, split};
use super::{MongolFont, ShapedGlyph};
use crate::render::font::{Metrics, Replacement};
use crate::render::linebreak::break_lines_at;

/// Fixed-point scale of widths while breaking lines.
const SUB: f32 = 64.0;

/// A paragraph shaped once: Mongolian runs as glyphs (clusters are byte offsets in `text`).
#[derive(Debug, Clone)]
pub struct MnParagraph {
    text: String,
    runs: Vec<Run>,
}

#[derive(Debug, Clone)]
enum Run {
    Mongol { range: Range<usize>, glyphs: Vec<ShapedGlyph> },
    Other { range: Range<usize> },
}

/// One glyph placed on a line, px from the line's start (x) and above the baseline (y).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlacedGlyph {
    pub id: u16,
    pub x: f32,
    pub y: f32,
    /// Set when the font lacks the char: drawn as its hex box instead of the glyph.
    pub missing: Option<char>,
    /// The glyph stands for a space: a line may be cut after it without splitting a word.
    pub space: bool,
}

/// A piece of a line, in logical (= visual, left to right) order.
#[derive(Debug, Clone, PartialEq)]
pub enum LinePiece {
    /// Shaped Mongolian glyphs.
    Glyphs(Vec<PlacedGlyph>),
    /// Text for the screen's CJK fonts (digits, Latin, hanzi), its left edge at `x` px.
    Text { x: i32, text: String },
}

/// One line of Mongolian text at one pixel size.
#[derive(Debug, Clone, PartialEq)]
pub struct MnLine {
    /// The line's text in logical order (for `preview --text` and tests).
    pub text: String,
    pub pieces: Vec<LinePiece>,
    /// Width in px (the pen's end, rounded up).
    pub width: u32,
}

impl MnParagraph {
    /// Splits `text` into runs and shapes the Mongolian ones.
    pub fn shape(font: &MongolFont, text: &str) -> MnParagraph {
        let runs = split(text, |c| font.outline.has_char(c))
            .into_iter()
            .map(|(range, script)| match script {
                Script::Mongolian => {
                    let mut glyphs = font.shape(&text[range.clone()]);
                    glyphs.iter_mut().for_each(|g| g.cluster += range.start as u32);
                    Run::Mongol { range, glyphs }
                }
                Script::Other => Run::Other { range },
            })
            .collect();
        MnParagraph { text: text.to_string(), runs }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// How many glyphs the shaper produced (for benchmarks and tests).
    pub fn glyph_count(&self) -> usize {
        self.runs.iter().map(|r| if let Run::Mongol { glyphs, .. } = r { glyphs.len() } else { 0 }).sum()
    }

    /// The width of each char at `px` in 1/64 px, indexed by byte offset: a cluster's
    /// whole advance is on its first char, the others are zero.
    fn advances(&self, font: &MongolFont, px: u32, other: &impl Metrics) -> Vec<u32> {
        let scale = px as f32 / font.units_per_em();
        let mut adv = vec![0f32; self.text.len() + 1];
        for run in &self.runs {
            match run {
                Run::Mongol { glyphs, .. } => {
                    for g in glyphs {
                        adv[g.cluster as usize] += glyph_advance(font, &self.text, g, px, scale);
                    }
                }
                Run::Other { range } => {
                    for (i, c) in self.text[range.clone()].char_indices() {
                        adv[range.start + i] += other.advance(c) as f32;
                    }
                }
            }
        }
        adv.iter().map(|a| (a * SUB).round().max(0.0) as u32).collect()
    }

    /// The paragraph broken into lines no wider than `width` px at `px` pixels per em.
    pub fn lines(&self, font: &MongolFont, px: u32, width: u32, other: &impl Metrics) -> Vec<MnLine> {
        let adv = self.advances(font, px, other);
        let max = width.saturating_mul(SUB as u32);
        break_lines_at(&self.text, max, |i, _| adv[i]).into_iter().map(|r| self.line(font, px, r, other)).collect()
    }

    /// The whole paragraph on one line (marquees), with line breaks read as spaces.
    pub fn one_line(&self, font: &MongolFont, px: u32, other: &impl Metrics) -> MnLine {
        self.line(font, px, 0..self.text.len(), other)
    }

    /// Places the glyphs and texts of byte range `r` on a line starting at x = 0.
    fn line(&self, font: &MongolFont, px: u32, r: Range<usize>, other: &impl Metrics) -> MnLine {
        let scale = px as f32 / font.units_per_em();
        let mut pen = 0f32;
        let mut pieces = Vec::new();
        for run in &self.runs {
            match run {
                Run::Mongol { range, glyphs } if range.start < r.end && range.end > r.start => {
                    let mut placed = Vec::new();
                    for g in glyphs.iter().filter(|g| r.contains(&(g.cluster as usize))) {
                        let ch = self.text[g.cluster as usize..].chars().next();
                        let missing = ch.filter(|&c| g.id == 0 && !font.covers(c));
                        placed.push(PlacedGlyph {
                            id: u16::try_from(g.id).unwrap_or(0),
                            x: pen + g.x_offset as f32 * scale,
                            y: g.y_offset as f32 * scale,
                            missing,
                            space: ch.is_some_and(char::is_whitespace),
                        });
                        pen += glyph_advance(font, &self.text, g, px, scale);
                    }
                    if !placed.is_empty() {
                        pieces.push(LinePiece::Glyphs(placed));
                    }
                }
                Run::Other { range } if range.start < r.end && range.end > r.start => {
                    let text: String =
                        self.text[range.start.max(r.start)..range.end.min(r.end)].chars().map(|c| if c == '\n' { ' ' } else { c }).collect();
                    let x = pen.round() as i32;
                    pen = x as f32 + other.measure(&text) as f32;
                    pieces.push(LinePiece::Text { x, text });
                }
                _ => {}
            }
        }
        MnLine { text: self.text[r].to_string(), pieces, width: pen.ceil().max(0.0) as u32 }
    }
}

/// A glyph's advance in px: the shaper's, or the hex box's width for a char the font lacks.
fn glyph_advance(font: &MongolFont, text: &str, g: &ShapedGlyph, px: u32, scale: f32) -> f32 {
    if g.id == 0
        && let Some(c) = text[g.cluster as usize..].chars().next()
        && !font.covers(c)
    {
        return Replacement::new(c, px).width as f32;
    }
    g.x_advance as f32 * scale
}
