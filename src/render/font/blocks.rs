//! A loaded font's glyph rows kept deflated per block of 256 code points, each block
//! inflated the first time one of its glyphs is asked for (and then kept).
//!
//! A screen draws a few hundred distinct characters out of Unifont's 57,000, so most
//! blocks are never inflated: 3.8 MB of bitmaps for the 12 and 16 px fonts stay about
//! 1.5 MB resident. Inflating our own deflated bytes cannot fail; if it ever did, the
//! block's glyphs would be blank, never a panic.

use std::io::{Read, Write};
use std::sync::OnceLock;

/// The glyph rows of one block.
pub(super) struct Block {
    /// The code points' high bits (`c >> 8`).
    pub(super) id: u32,
    deflated: Box<[u8]>,
    len: usize,
    rows: OnceLock<Box<[u8]>>,
}

impl Block {
    /// Deflates `rows` (the block's glyphs, one after another).
    pub(super) fn new(id: u32, rows: &[u8]) -> Block {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::with_capacity(rows.len() / 2), flate2::Compression::default());
        // Writing into a Vec cannot fail.
        let deflated = enc.write_all(rows).and_then(|_| enc.finish()).unwrap_or_default();
        Block { id, deflated: deflated.into_boxed_slice(), len: rows.len(), rows: OnceLock::new() }
    }

    /// The block's rows, inflated on first use.
    pub(super) fn rows(&self) -> &[u8] {
        self.rows.get_or_init(|| {
            let mut out = Vec::with_capacity(self.len);
            let ok = flate2::read::DeflateDecoder::new(&self.deflated[..]).read_to_end(&mut out).is_ok() && out.len() == self.len;
            if ok { out.into_boxed_slice() } else { vec![0; self.len].into_boxed_slice() }
        })
    }

    /// Bytes held: deflated, plus inflated when it has been used.
    pub(super) fn memory_bytes(&self) -> usize {
        self.deflated.len() + self.rows.get().map_or(0, |r| r.len())
    }
}
