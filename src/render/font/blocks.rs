//! A loaded font's glyphs kept deflated per block of 256 code points, each block
//! inflated the first time one of its glyphs is asked for (and then kept).
//!
//! A block holds which of its 256 code points have a glyph (a 256-bit set, so asking a
//! font for a char it lacks never inflates anything) and, deflated, the glyphs' widths
//! and rows. A screen draws a few hundred distinct characters out of Unifont's 57,000,
//! so most blocks are never inflated: 3.8 MB of bitmaps and 0.9 MB of index for the 12
//! and 16 px fonts stay about 1.5 MB resident. Inflating our own deflated bytes cannot
//! fail; if it ever did, the block's glyphs would be blank, never a panic.

use std::io::{Read, Write};
use std::sync::OnceLock;

/// One glyph of a block, in code point order: its width and its rows.
pub(super) struct Cell<'a> {
    pub(super) width: u32,
    pub(super) rows: &'a [u8],
}

/// The glyphs of one block.
pub(super) struct Block {
    /// The code points' high bits (`c >> 8`).
    pub(super) id: u32,
    /// Bit `c & 255` is set when the block has a glyph for `c`.
    present: [u64; 4],
    /// The glyphs' widths (`u16` little-endian each) followed by their rows.
    deflated: Box<[u8]>,
    len: usize,
    inflated: OnceLock<Inflated>,
}

/// A block as used: where each glyph's rows start, and the rows.
struct Inflated {
    /// Per glyph: width, and the offset of its rows in `rows`.
    cells: Box<[(u16, u32)]>,
    rows: Box<[u8]>,
}

impl Block {
    /// Deflates the glyphs `cells` (code point, width, rows), all in block `id`, sorted by code point.
    /// `width` must be at most `u16::MAX` (fonts cap it at 2,047).
    pub(super) fn new<'a>(id: u32, cells: impl Iterator<Item = (u32, u32, &'a [u8])> + Clone) -> Block {
        let mut present = [0u64; 4];
        let mut raw = Vec::new();
        for (c, width, _) in cells.clone() {
            present[(c as usize & 255) / 64] |= 1 << (c & 63);
            raw.extend_from_slice(&(width as u16).to_le_bytes());
        }
        for (_, _, rows) in cells {
            raw.extend_from_slice(rows);
        }
        let mut enc = flate2::write::DeflateEncoder::new(Vec::with_capacity(raw.len() / 2), flate2::Compression::default());
        // Writing into a Vec cannot fail.
        let deflated = enc.write_all(&raw).and_then(|_| enc.finish()).unwrap_or_default();
        Block { id, present, deflated: deflated.into_boxed_slice(), len: raw.len(), inflated: OnceLock::new() }
    }

    /// How many glyphs the block has.
    pub(super) fn count(&self) -> usize {
        self.present.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The code points the block has, ascending.
    pub(super) fn chars(&self) -> impl Iterator<Item = u32> + '_ {
        (0..256u32).filter(|&low| self.has(low)).map(move |low| self.id << 8 | low)
    }

    fn has(&self, low: u32) -> bool {
        self.present[low as usize / 64] & 1 << (low % 64) != 0
    }

    /// The glyph for code point `c` (of this block), inflating the block on first use;
    /// `height` is the font's cell height.
    pub(super) fn cell(&self, c: u32, height: u32) -> Option<Cell<'_>> {
        let low = c & 255;
        if c >> 8 != self.id || !self.has(low) {
            return None;
        }
        let (w, rest) = (low as usize / 64, low % 64);
        let rank =
            self.present[..w].iter().map(|x| x.count_ones() as usize).sum::<usize>() + (self.present[w] & ((1u64 << rest) - 1)).count_ones() as usize;
        let inflated = self.inflated.get_or_init(|| self.inflate(height));
        let &(width, offset) = inflated.cells.get(rank)?;
        let len = (width as usize).div_ceil(8) * height as usize;
        let rows = inflated.rows.get(offset as usize..offset as usize + len)?;
        Some(Cell { width: width as u32, rows })
    }

    fn inflate(&self, height: u32) -> Inflated {
        let n = self.count();
        let mut raw = Vec::with_capacity(self.len);
        let ok = flate2::read::DeflateDecoder::new(&self.deflated[..]).read_to_end(&mut raw).is_ok() && raw.len() == self.len && raw.len() >= 2 * n;
        if !ok {
            return Inflated { cells: vec![(0, 0); n].into_boxed_slice(), rows: Box::default() };
        }
        let mut offset = 0u32;
        let cells = raw[..2 * n]
            .chunks_exact(2)
            .map(|b| {
                let width = u16::from_le_bytes([b[0], b[1]]);
                let at = offset;
                offset += (width as u32).div_ceil(8) * height;
                (width, at)
            })
            .collect();
        raw.drain(..2 * n);
        Inflated { cells, rows: raw.into_boxed_slice() }
    }

    /// Bytes held: the block itself and its deflated glyphs, plus inflated when it has been used.
    pub(super) fn memory_bytes(&self) -> usize {
        let used = self.inflated.get().map_or(0, |i| i.rows.len() + i.cells.len() * std::mem::size_of::<(u16, u32)>());
        std::mem::size_of::<Block>() + self.deflated.len() + used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_answers_for_its_own_chars_only_and_inflates_on_first_use() {
        let rows: Vec<Vec<u8>> = (0..3u8).map(|k| vec![k + 1; 2 * 4]).collect();
        let cells = [(0x4e00u32, 16u32), (0x4e3f, 9), (0x4eff, 3)];
        let b = Block::new(0x4e, cells.iter().zip(&rows).map(|(&(c, w), r)| (c, w, &r[..(w as usize).div_ceil(8) * 4])));
        assert_eq!(b.count(), 3);
        assert_eq!(b.chars().collect::<Vec<_>>(), [0x4e00, 0x4e3f, 0x4eff]);
        assert!(b.inflated.get().is_none(), "nothing inflated yet");
        assert!(b.cell(0x4e01, 4).is_none() && b.cell(0x4f00, 4).is_none());
        assert!(b.inflated.get().is_none(), "a char the block lacks inflates nothing");
        let g = b.cell(0x4e3f, 4).unwrap();
        assert_eq!((g.width, g.rows), (9, &[2u8; 8][..]));
        let g = b.cell(0x4eff, 4).unwrap();
        assert_eq!((g.width, g.rows), (3, &[3u8; 4][..]));
        assert_eq!(b.cell(0x4e00, 4).unwrap().rows, &[1u8; 8]);
    }
}
