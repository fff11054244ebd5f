//! Packed bit planes for LED frames: 1 bit a pixel a colour, rows padded to 64 bits.
//!
//! A mono screen has one plane (lit), a dual-colour screen two (red, green).
//! Pixel x of a row is bit `63 - x % 64` of word `x / 64` (most significant
//! bit = leftmost), so moving a strip sideways is a funnel shift of whole
//! words. Padding bits past the width stay zero. Pure arithmetic, cannot fail.

use std::ops::Range;

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};

/// How a packed frame's bits map to colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// One plane: lit pixels show `on` (the screen's LED colour), others black.
    Mono { on: Rgb888 },
    /// Two planes: red and green LEDs; both lit is yellow.
    Dual,
}

impl Packing {
    pub fn planes(self) -> usize {
        match self {
            Packing::Mono { .. } => 1,
            Packing::Dual => 2,
        }
    }

    /// The bits a colour sets, plane by plane: mono lights anything not black
    /// (the renderer paints only black and the LED colour), dual as `Frame::dual_bits`.
    #[inline]
    pub fn bits(self, c: Rgb888) -> [bool; 2] {
        match self {
            Packing::Mono { .. } => [c != Rgb888::BLACK, false],
            Packing::Dual => [c.r() >= 128, c.g() >= 128],
        }
    }

    /// The colour shown for a pixel's bits.
    #[inline]
    pub fn color(self, bits: [bool; 2]) -> Rgb888 {
        match self {
            Packing::Mono { on } => {
                if bits[0] {
                    on
                } else {
                    Rgb888::BLACK
                }
            }
            Packing::Dual => Rgb888::new(if bits[0] { 255 } else { 0 }, if bits[1] { 255 } else { 0 }, 0),
        }
    }
}

/// The bit planes of one frame.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Planes {
    pub(crate) packing: Packing,
    width: u32,
    height: u32,
    /// Words a row.
    stride: usize,
    /// Plane `p`, row `y` starts at `(p * height + y) * stride`.
    words: Vec<u64>,
}

#[inline]
fn mask(bit: u32) -> u64 {
    1u64 << (63 - bit)
}

/// The bits `[from, to)` of a word (0 = leftmost); `to` up to 64.
#[inline]
fn span(from: u32, to: u32) -> u64 {
    if from >= to {
        return 0;
    }
    let hi = if from == 0 { u64::MAX } else { u64::MAX >> from };
    let lo = if to >= 64 { u64::MAX } else { !(u64::MAX >> to) };
    hi & lo
}

impl Planes {
    pub(crate) fn new(width: u32, height: u32, packing: Packing) -> Planes {
        let stride = (width as usize).div_ceil(64);
        Planes { packing, width, height, stride, words: vec![0; stride * height as usize * packing.planes()] }
    }

    fn at(&self, plane: usize, y: u32) -> usize {
        (plane * self.height as usize + y as usize) * self.stride
    }

    /// One row of one plane.
    pub(crate) fn row(&self, plane: usize, y: u32) -> &[u64] {
        let i = self.at(plane, y);
        &self.words[i..i + self.stride]
    }

    #[inline]
    pub(crate) fn get(&self, x: u32, y: u32) -> [bool; 2] {
        let (w, b) = (x as usize / 64, x % 64);
        let mut out = [false; 2];
        for (p, o) in out.iter_mut().enumerate().take(self.packing.planes()) {
            *o = self.words[self.at(p, y) + w] & mask(b) != 0;
        }
        out
    }

    /// Sets one pixel inside the frame (the caller clips).
    #[inline]
    pub(crate) fn set(&mut self, x: u32, y: u32, c: Rgb888) {
        let bits = self.packing.bits(c);
        let (w, b) = (x as usize / 64, x % 64);
        for (p, &on) in bits.iter().enumerate().take(self.packing.planes()) {
            let i = self.at(p, y) + w;
            if on {
                self.words[i] |= mask(b);
            } else {
                self.words[i] &= !mask(b);
            }
        }
    }

    /// Fills columns `xs` of rows `ys` (both inside the frame) with one colour.
    pub(crate) fn fill(&mut self, xs: Range<u32>, ys: Range<u32>, c: Rgb888) {
        let bits = self.packing.bits(c);
        if xs.start >= xs.end {
            return;
        }
        let (w0, w1) = (xs.start as usize / 64, (xs.end as usize - 1) / 64);
        for (p, &on) in bits.iter().enumerate().take(self.packing.planes()) {
            for y in ys.clone() {
                let row = self.at(p, y);
                for w in w0..=w1 {
                    let lo = if w == w0 { xs.start % 64 } else { 0 };
                    let hi = if w == w1 { (xs.end - 1) % 64 + 1 } else { 64 };
                    let m = span(lo, hi);
                    let word = &mut self.words[row + w];
                    *word = if on { *word | m } else { *word & !m };
                }
            }
        }
    }

    /// Copies rows `ys` of every plane from `src` (same size and packing).
    pub(crate) fn copy_rows(&mut self, src: &Planes, ys: Range<u32>) {
        for p in 0..self.packing.planes() {
            let (a, b) = (self.at(p, ys.start), self.at(p, ys.end));
            self.words[a..b].copy_from_slice(&src.words[a..b]);
        }
    }

    /// Copies `src` rows `src_rows` to rows starting at `y` (the first of them lands on `y`), shifted so that src column 0
    /// lands on column `x` (may be negative or past the right edge): a word-wise
    /// funnel shift per row, clipped to this frame. Columns outside the source keep
    /// their bits. Same packing expected; rows outside the frame are skipped.
    pub(crate) fn blit(&mut self, src: &Planes, x: i64, y: i32, src_rows: Range<u32>) {
        let (x0, x1) = (x.max(0), (x + src.width as i64).min(self.width as i64));
        if x0 >= x1 {
            return;
        }
        let (w0, w1) = (x0 as usize / 64, (x1 as usize - 1) / 64);
        let first = src_rows.start as i64;
        for sy in src_rows {
            let dy = y as i64 + sy as i64 - first;
            if dy < 0 || dy >= self.height as i64 {
                continue;
            }
            for p in 0..self.packing.planes().min(src.packing.planes()) {
                let srow = &src.words[src.at(p, sy)..src.at(p, sy) + src.stride];
                let drow = self.at(p, dy as u32);
                // The 64 source bits that land on a word, starting at source bit `s`.
                let fetch = |s: i64| -> u64 {
                    let (wi, sh) = (s.div_euclid(64), s.rem_euclid(64) as u32);
                    let word = |i: i64| if i >= 0 && (i as usize) < srow.len() { srow[i as usize] } else { 0 };
                    if sh == 0 { word(wi) } else { word(wi) << sh | word(wi + 1) >> (64 - sh) }
                };
                for w in w0..=w1 {
                    let lo = if w == w0 { (x0 % 64) as u32 } else { 0 };
                    let hi = if w == w1 { ((x1 - 1) % 64) as u32 + 1 } else { 64 };
                    let m = span(lo, hi);
                    let bits = fetch(w as i64 * 64 - x);
                    let d = &mut self.words[drow + w];
                    *d = (*d & !m) | (bits & m);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ascii(p: &Planes) -> String {
        (0..p.height).map(|y| (0..p.width).map(|x| if p.get(x, y)[0] { '#' } else { '.' }).collect::<String>() + "\n").collect()
    }

    #[test]
    fn blit_shifts_across_word_boundaries_and_clips() {
        let on = Packing::Mono { on: Rgb888::RED };
        let mut strip = Planes::new(130, 1, on);
        for x in [0, 1, 63, 64, 65, 129] {
            strip.set(x, 0, Rgb888::RED);
        }
        for x in [-70i64, -1, 0, 3, 61, 70, 199] {
            let mut f = Planes::new(200, 1, on);
            f.fill(0..200, 0..1, Rgb888::RED);
            f.fill(0..200, 0..1, Rgb888::BLACK);
            f.blit(&strip, x, 0, 0..1);
            let want: String = (0..200i64).map(|d| if [0, 1, 63, 64, 65, 129].contains(&(d - x)) { '#' } else { '.' }).collect();
            assert_eq!(ascii(&f).trim_end(), want, "x = {x}");
        }
    }

    #[test]
    fn fill_and_dual_colours_round_trip() {
        let mut f = Planes::new(70, 2, Packing::Dual);
        f.fill(3..67, 1..2, Rgb888::new(255, 255, 0));
        assert_eq!(f.get(2, 1), [false, false]);
        assert_eq!(f.get(3, 1), [true, true]);
        assert_eq!(f.get(66, 1), [true, true]);
        assert_eq!(f.get(67, 1), [false, false]);
        f.set(10, 1, Rgb888::new(255, 0, 0));
        assert_eq!(Packing::Dual.color(f.get(10, 1)), Rgb888::new(255, 0, 0));
        assert_eq!(f.row(1, 0), &[0, 0]);
    }
}
