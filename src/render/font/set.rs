//! A fallback chain of same-height fonts, and the replacement glyph for chars none of them has.
//!
//! Lookup order for a char: control characters and invisible format
//! characters (zero-width space, BOM, soft hyphen, variation selectors...)
//! are zero-width blanks, so text pasted from office documents never shows
//! Unifont's dashed "ZWSP" boxes; then the first font that has the char;
//! then a blank for space (height / 2) and ideographic space (height);
//! otherwise a [`Replacement`] box showing the code point in hex. No char is
//! ever drawn as nothing without being covered.

use std::sync::Arc;

use embedded_graphics::pixelcolor::Rgb888;

use super::{BitmapFont, Glyph};
use crate::render::Frame;

/// A fallback chain of fonts of one cell height: the first font that has a char wins.
#[derive(Clone)]
pub struct FontSet {
    height: u32,
    fonts: Vec<Arc<BitmapFont>>,
}

impl std::fmt::Debug for FontSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.fonts.iter().map(|f| f.name()).collect();
        write!(f, "FontSet({} px, {names:?})", self.height)
    }
}

/// What [`FontSet::glyph`] found for a char.
#[derive(Clone, Copy, Debug)]
pub enum GlyphRef<'a> {
    /// A font in the chain has it.
    Font(Glyph<'a>),
    /// Nothing to draw, but the char is covered: spaces, controls, invisible format chars.
    Blank { width: u32, height: u32 },
    /// No font has it: a box with the code point in hex.
    Missing(Replacement),
}

impl GlyphRef<'_> {
    pub fn width(&self) -> u32 {
        match self {
            GlyphRef::Font(g) => g.width,
            GlyphRef::Blank { width, .. } => *width,
            GlyphRef::Missing(r) => r.width,
        }
    }

    pub fn height(&self) -> u32 {
        match self {
            GlyphRef::Font(g) => g.height,
            GlyphRef::Blank { height, .. } => *height,
            GlyphRef::Missing(r) => r.height,
        }
    }

    pub fn is_set(&self, x: u32, y: u32) -> bool {
        match self {
            GlyphRef::Font(g) => g.is_set(x, y),
            GlyphRef::Blank { .. } => false,
            GlyphRef::Missing(r) => r.is_set(x, y),
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, GlyphRef::Missing(_))
    }
}

impl FontSet {
    /// `fonts` should all have cell height `height`; a font of another height
    /// is drawn from the top of the cell and clipped to `height` rows.
    pub fn new(height: u32, fonts: Vec<Arc<BitmapFont>>) -> FontSet {
        for f in fonts.iter().filter(|f| f.height() != height) {
            tracing::warn!(font = f.name(), font_height = f.height(), height, "font height differs from its font set's");
        }
        FontSet { height, fonts }
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn fonts(&self) -> &[Arc<BitmapFont>] {
        &self.fonts
    }

    /// Whether the char is shown as itself (not as a replacement box).
    pub fn covers(&self, c: char) -> bool {
        !self.glyph(c).is_missing()
    }

    /// How far the pen moves after `c`.
    pub fn advance(&self, c: char) -> u32 {
        self.glyph(c).width()
    }

    pub fn glyph(&self, c: char) -> GlyphRef<'_> {
        if is_invisible(c) {
            return GlyphRef::Blank { width: 0, height: self.height };
        }
        for f in &self.fonts {
            if let Some(g) = f.glyph(c) {
                return GlyphRef::Font(g);
            }
        }
        match c {
            ' ' | '\u{a0}' => GlyphRef::Blank { width: self.height / 2, height: self.height },
            '\u{3000}' => GlyphRef::Blank { width: self.height, height: self.height },
            _ => GlyphRef::Missing(Replacement::new(c, self.height)),
        }
    }

    /// Draws `c` with its cell's top-left corner at (x, y), clipped to the
    /// frame, and returns its advance.
    pub fn draw(&self, c: char, frame: &mut Frame, x: i32, y: i32, color: Rgb888) -> u32 {
        let g = self.glyph(c);
        let (w, h) = (g.width(), g.height().min(self.height));
        let (fw, fh) = (frame.width() as i64, frame.height() as i64);
        if (x as i64) >= fw || (y as i64) >= fh || (x as i64 + w as i64) <= 0 || (y as i64 + h as i64) <= 0 {
            return w;
        }
        let rows = (y.max(0) - y) as u32..h.min((fh - y as i64).max(0) as u32);
        match g {
            GlyphRef::Font(g) => {
                let stride = g.width.div_ceil(8) as usize;
                for row in rows {
                    let bits = &g.bits[row as usize * stride..(row as usize + 1) * stride];
                    for (i, &byte) in bits.iter().enumerate() {
                        let mut b = byte;
                        while b != 0 {
                            let bit = b.leading_zeros();
                            b &= !(0x80 >> bit);
                            frame.set(x + (i as u32 * 8 + bit) as i32, y + row as i32, color);
                        }
                    }
                }
            }
            GlyphRef::Blank { .. } => {}
            GlyphRef::Missing(r) => {
                for row in rows {
                    for col in 0..w {
                        if r.is_set(col, row) {
                            frame.set(x + col as i32, y + row as i32, color);
                        }
                    }
                }
            }
        }
        w
    }

    /// The width of `s` drawn on one line: the sum of the advances.
    pub fn measure(&self, s: &str) -> u32 {
        s.chars().map(|c| self.advance(c)).sum()
    }
}

/// Controls and default-ignorable code points: zero width, drawn as nothing.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c as u32,
        0x00..=0x1F | 0x7F..=0x9F | 0xAD | 0x34F | 0x61C | 0x115F..=0x1160 | 0x17B4..=0x17B5
        | 0x180B..=0x180F | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164
        | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

/// The glyph for a char no font has: a cell-high box with the code point in
/// hex digits of a 3x5 font, 4 digits as 2x2 (BMP) or 6 as 3x2, like
/// Unifont's missing-glyph boxes. Boxes under 12 px have no room for the
/// digits and show a cross instead. Never blank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replacement {
    pub c: char,
    pub width: u32,
    pub height: u32,
}

/// 3x5 hex digits, 3 bits a row (bit 2 = left), top row in the high bits.
const DIGITS: [u16; 16] = [
    0b111_101_101_101_111, // 0
    0b010_110_010_010_111, // 1
    0b111_001_111_100_111, // 2
    0b111_001_111_001_111, // 3
    0b101_101_111_001_001, // 4
    0b111_100_111_001_111, // 5
    0b111_100_111_101_111, // 6
    0b111_001_001_001_001, // 7
    0b111_101_111_101_111, // 8
    0b111_101_111_001_111, // 9
    0b111_101_111_101_101, // A
    0b110_101_110_101_110, // B
    0b111_100_100_100_111, // C
    0b110_101_101_101_110, // D
    0b111_100_111_100_111, // E
    0b111_100_111_100_100, // F
];

/// Below this height a replacement box shows a cross instead of digits.
const MIN_DIGITS_HEIGHT: u32 = 12;
/// From this height the digits are lit inside an outlined box; below it there
/// is no room for a border, padding and gaps, so they are dark on a lit block.
const MIN_OUTLINE_HEIGHT: u32 = 15;

impl Replacement {
    pub fn new(c: char, height: u32) -> Replacement {
        let width = if height < MIN_DIGITS_HEIGHT {
            height
        } else {
            let margin = if height >= MIN_OUTLINE_HEIGHT { 4 } else { 2 };
            height.max(digit_columns(c) * 4 - 1 + margin)
        };
        Replacement { c, width, height }
    }

    /// Whether the box is drawn lit with dark digits.
    pub fn is_inverse(&self) -> bool {
        (MIN_DIGITS_HEIGHT..MIN_OUTLINE_HEIGHT).contains(&self.height)
    }

    pub fn is_set(&self, x: u32, y: u32) -> bool {
        let (w, h) = (self.width, self.height);
        if x >= w || y >= h {
            return false;
        }
        if w < 3 || h < 3 {
            return true;
        }
        let border = x == 0 || y == 0 || x == w - 1 || y == h - 1;
        if h < MIN_DIGITS_HEIGHT {
            if border {
                return true;
            }
            // Too small for digits: a crossed box.
            let (fx, fy) = ((x - 1) * (h - 2), (y - 1) * (w - 2));
            return fx.abs_diff(fy) < w.max(h) - 2 || fx.abs_diff((h - 3) * (w - 2) - fy) < w.max(h) - 2;
        }
        if self.is_inverse() { !self.digit_pixel(x, y) } else { border || self.digit_pixel(x, y) }
    }

    /// Whether (x, y) is ink of one of the hex digits (in a box at least 12 px high).
    fn digit_pixel(&self, x: u32, y: u32) -> bool {
        let (w, h) = (self.width, self.height);
        let cols = digit_columns(self.c);
        // Room for the digits: inside border and padding, or (inverse) a lit margin.
        let (room_w, room_h) = if self.is_inverse() { (w - 2, h - 1) } else { (w - 4, h - 4) };
        let hgap = if room_w >= cols * 3 + (cols - 1) * 2 { 2 } else { 1 };
        let vgap = if room_h >= 12 { 2 } else { 1 };
        let (cw, ch) = (cols * 3 + (cols - 1) * hgap, 10 + vgap);
        let (x0, y0) = ((w - cw).div_ceil(2), (h - ch).div_ceil(2));
        if x < x0 || y < y0 || x >= x0 + cw || y >= y0 + ch {
            return false;
        }
        let (dx, dy) = (x - x0, y - y0);
        let (col, cx) = (dx / (3 + hgap), dx % (3 + hgap));
        let (row, cy) = (dy / (5 + vgap), dy % (5 + vgap));
        if cx >= 3 || cy >= 5 {
            return false; // in a gap
        }
        let digit_index = row * cols + col; // left to right, top to bottom
        let digit = ((self.c as u32) >> (4 * (cols * 2 - 1 - digit_index))) & 0xF;
        DIGITS[digit as usize] >> ((4 - cy) * 3 + (2 - cx)) & 1 != 0
    }
}

/// 2 columns of digits (4 in all) for the BMP, 3 (6 digits) beyond.
fn digit_columns(c: char) -> u32 {
    if (c as u32) > 0xFFFF { 3 } else { 2 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ascii(g: GlyphRef<'_>) -> String {
        (0..g.height()).map(|y| (0..g.width()).map(|x| if g.is_set(x, y) { '#' } else { '.' }).collect::<String>() + "\n").collect()
    }

    fn tiny_set(height: u32) -> FontSet {
        // 'A' only, 8x16.
        let f = BitmapFont::from_hex("t", "0041:0000000018242442427E424242420000\n", 16).unwrap();
        FontSet::new(height, vec![Arc::new(f)])
    }

    #[test]
    fn replacement_box_shows_the_code_point() {
        let set = tiny_set(16);
        let g = set.glyph('\u{E000}');
        assert!(g.is_missing() && !set.covers('\u{E000}'));
        assert_eq!(set.advance('\u{E000}'), 16);
        assert_eq!(
            ascii(g),
            "\
################
#..............#
#...###..###...#
#...#....#.#...#
#...###..#.#...#
#...#....#.#...#
#...###..###...#
#..............#
#..............#
#...###..###...#
#...#.#..#.#...#
#...#.#..#.#...#
#...#.#..#.#...#
#...###..###...#
#..............#
################
"
        );
        // 12 px has no room for border, padding and gaps: dark digits on a lit block.
        let set12 = tiny_set(12);
        assert_eq!(
            ascii(set12.glyph('\u{9FA5}')),
            "\
############
##...##...##
##.#.##.####
##...##...##
####.##.####
##...##.####
############
##...##...##
##.#.##.####
##...##...##
##.#.####.##
##.#.##...##
"
        );
        // Beyond the BMP: 6 digits, the box grows wider than high.
        let g = set12.glyph('\u{10FFFD}');
        assert_eq!((g.width(), g.height(), set12.advance('\u{10FFFD}')), (13, 12, 13));
        assert_eq!(
            ascii(g),
            "\
#############
##.##...#...#
#..##.#.#.###
##.##.#.#...#
##.##.#.#.###
#...#...#.###
#############
#...#...#..##
#.###.###.#.#
#...#...#.#.#
#.###.###.#.#
#.###.###..##
"
        );
    }

    #[test]
    fn small_replacement_is_a_crossed_box() {
        let g = Replacement::new('\u{E000}', 8);
        let s: String = (0..8).map(|y| (0..8).map(|x| if g.is_set(x, y) { '#' } else { '.' }).collect::<String>() + "\n").collect();
        assert_eq!(s, "########\n##....##\n#.#..#.#\n#..##..#\n#..##..#\n#.#..#.#\n##....##\n########\n");
    }

    #[test]
    fn blanks_spaces_and_invisibles() {
        let set = tiny_set(16);
        assert_eq!(set.advance(' '), 8);
        assert_eq!(set.advance('\u{3000}'), 16);
        assert_eq!(set.advance('\u{200B}'), 0);
        assert_eq!(set.advance('\n'), 0);
        assert!(set.covers(' ') && set.covers('\u{3000}') && set.covers('\u{FEFF}'));
        assert!(!set.covers('B'));
        assert_eq!(set.measure("A A\u{3000}B"), 8 + 8 + 8 + 16 + 16);
    }

    #[test]
    fn draw_clips_and_returns_advance() {
        let set = tiny_set(16);
        let mut f = Frame::new(6, 8);
        let white = Rgb888::new(255, 255, 255);
        assert_eq!(set.draw('A', &mut f, -2, -4, white), 8);
        assert_eq!(f.to_ascii(), ".##...\n#..#..\n#..#..\n....#.\n....#.\n#####.\n....#.\n....#.\n");
        assert_eq!(set.draw('A', &mut f, 100, 0, white), 8);
        assert_eq!(set.draw('\u{E000}', &mut f, -20, 0, white), 16);
    }
}
