//! Mongolian text laid out for a design: lines with their images composed, and one band height.
//!
//! Both designs (LED and poster) take an item's `mn` paragraphs through here
//! when a scene is laid out: shaped, broken to the body width, each line's
//! Mongolian pieces composed into images (1-bit for LED boards, anti-aliased
//! for HD screens). All lines of a block share one vertical band, the ink
//! extent of every glyph in the block (not the font's line box, which is
//! 1.75 em and would waste half an LED board), so lines sit on one baseline
//! pitch. Drawing a line copies its images; nothing is shaped or rasterized.

use std::sync::Arc;

use embedded_graphics::pixelcolor::Rgb888;

use super::raster::{MonoImage, RunImage, draw_alpha, led_threshold};
use super::{LinePiece, MnLine, MnParagraph, MongolFont};
use crate::render::Frame;
use crate::render::font::Metrics;

/// How Mongolian pieces are drawn on a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ink {
    /// 1-bit, for LED boards (mono, dual and RGB matrices drawn with bitmap fonts).
    Mono,
    /// Anti-aliased, for HD screens.
    Alpha,
}

/// A composed Mongolian piece of a line.
#[derive(Debug, Clone)]
pub(crate) enum PieceImage {
    Mono(MonoImage),
    Alpha(RunImage),
}

/// One Mongolian line ready to draw: images for the Mongolian, text for the CJK fonts.
#[derive(Debug, Clone)]
pub(crate) struct ShapedLine {
    /// The line's text in logical order (for `preview --text`).
    pub text: String,
    pub width: u32,
    /// Composed Mongolian pieces; each image carries its own offset from the line start.
    pub images: Vec<PieceImage>,
    /// Digits, Latin or hanzi in the line: (x from the line start, text) for the CJK font.
    pub texts: Vec<(i32, String)>,
}

/// The vertical extent shared by a block's lines: rows above and below the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Band {
    pub above: u32,
    pub below: u32,
}

impl Band {
    pub(crate) fn height(&self) -> u32 {
        self.above + self.below
    }
}

/// Lines of Mongolian text at one size, with their shared band.
#[derive(Debug, Clone, Default)]
pub(crate) struct MnBlock {
    pub lines: Vec<Arc<ShapedLine>>,
    pub band: Band,
    /// Index in `lines` of each paragraph's first line.
    pub starts: Vec<usize>,
}

impl MnBlock {
    /// Lays out paragraphs at `px` (the Chinese text's size) for lines `width` px wide;
    /// `other` is the CJK font that draws non-Mongolian runs (its height joins the band).
    pub(crate) fn layout(font: &MongolFont, paragraphs: &[String], px: u32, width: u32, other: &impl Metrics, ink: Ink) -> MnBlock {
        let mut lines = Vec::new();
        let mut starts = Vec::new();
        for p in paragraphs {
            starts.push(lines.len());
            lines.extend(MnParagraph::shape(font, p).lines(font, px, width, other));
        }
        MnBlock { starts, ..Self::compose(font, lines, px, other, ink) }
    }

    /// The paragraphs on one line (a marquee), joined by a wide space.
    pub(crate) fn one_line(font: &MongolFont, paragraphs: &[String], px: u32, other: &impl Metrics, ink: Ink) -> MnBlock {
        let text = paragraphs.iter().map(|p| p.replace('\n', " ")).collect::<Vec<_>>().join("  ");
        let line = MnParagraph::shape(font, &text).one_line(font, px, other);
        MnBlock { starts: vec![0], ..Self::compose(font, vec![line], px, other, ink) }
    }

    fn compose(font: &MongolFont, lines: Vec<MnLine>, px: u32, other: &impl Metrics, ink: Ink) -> MnBlock {
        let mut band = Band::default();
        let mut has_text = false;
        let lines = lines
            .into_iter()
            .map(|l| {
                let mut images = Vec::new();
                let mut texts = Vec::new();
                for piece in l.pieces {
                    match piece {
                        LinePiece::Glyphs(g) => {
                            let img = font.compose(&g, px);
                            if img.width == 0 {
                                continue;
                            }
                            band.above = band.above.max(img.top.max(0) as u32);
                            band.below = band.below.max((img.height as i32 - img.top).max(0) as u32);
                            images.push(match ink {
                                Ink::Mono => PieceImage::Mono(MonoImage::from_alpha(&img, led_threshold(px))),
                                Ink::Alpha => PieceImage::Alpha(img),
                            });
                        }
                        LinePiece::Text { x, text } => {
                            has_text |= !text.trim().is_empty();
                            texts.push((x, text));
                        }
                    }
                }
                Arc::new(ShapedLine { text: l.text, width: l.width, images, texts })
            })
            .collect();
        // CJK text in a Mongolian line is centred on the band; the band must hold it.
        if has_text && band.height() < other.height() {
            let extra = other.height() - band.height();
            band.above += extra / 2;
            band.below += extra - extra / 2;
        }
        MnBlock { lines, band, starts: Vec::new() }
    }
}

impl ShapedLine {
    /// Draws the line with its start at `x` and the top of its band at `top`; `other`
    /// draws the CJK pieces, centred on the band.
    pub(crate) fn draw(&self, f: &mut Frame, x: i32, top: i32, band: Band, other: &impl Metrics, color: Rgb888) {
        let baseline = top + band.above as i32;
        for img in &self.images {
            match img {
                PieceImage::Mono(m) => m.draw(f, x, baseline, color),
                PieceImage::Alpha(a) => draw_alpha(a, f, x, baseline, color),
            }
        }
        let ty = top + (band.height() as i32 - other.height() as i32) / 2;
        for (dx, t) in &self.texts {
            other.draw_str(f, x + dx, ty, t, color);
        }
    }
}
