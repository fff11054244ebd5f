//! Bitmap fonts: packed glyph storage, file loading, and the public font API.
//!
//! A [`BitmapFont`] holds every glyph as a fixed-height cell (`height` rows of
//! `(width + 7) / 8` bytes, most significant bit = leftmost pixel) in one
//! packed `Vec<u8>`, with a sorted index searched by binary search. Fonts are
//! read at run time from separate files (BDF or Unifont `.hex`, optionally
//! gzipped; see `fonts/README.md` for why they are never compiled in).
//! [`FontSet`] chains fonts of one cell height with a visible replacement
//! glyph for anything none of them has, and [`FontLibrary`] builds the sets
//! the renderer uses.

mod bdf;
mod blocks;
mod cell;
mod hex;
pub(crate) mod library;
mod scale;
pub(crate) mod set;

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use embedded_graphics::pixelcolor::Rgb888;

use super::Frame;

pub(crate) use library::FontLibrary;
pub(crate) use set::is_invisible;
pub(crate) use set::{FontSet, GlyphRef, Replacement};

/// What line breaking, table layout and drawing need from a font: the bitmap
/// `FontSet` and the HD path's outline `Face` both provide it, so both follow
/// one set of rules.
pub trait Metrics {
    /// How far the pen moves after `c`, px.
    fn advance(&self, c: char) -> u32;
    /// The line height, px (also the base of gaps between table columns).
    fn height(&self) -> u32;
    /// Draws `c` with its line box's top-left at (x, y), clipped to the frame.
    fn draw_char(&self, f: &mut Frame, c: char, x: i32, y: i32, color: Rgb888);
    /// The width of `s` on one line: the sum of the advances.
    fn measure(&self, s: &str) -> u32 {
        s.chars().map(|c| self.advance(c)).sum()
    }
    /// Draws `s` from (x, y) top-left, skipping glyphs wholly off the frame; returns the x after it.
    fn draw_str(&self, f: &mut Frame, mut x: i32, y: i32, s: &str, color: Rgb888) -> i32 {
        let right = f.width() as i32;
        for c in s.chars() {
            if x >= right {
                break;
            }
            let adv = self.advance(c) as i32;
            if x + adv > 0 {
                self.draw_char(f, c, x, y, color);
            }
            x += adv;
        }
        x
    }
}

impl Metrics for FontSet {
    fn advance(&self, c: char) -> u32 {
        FontSet::advance(self, c)
    }

    fn height(&self) -> u32 {
        FontSet::height(self)
    }

    fn draw_char(&self, f: &mut Frame, c: char, x: i32, y: i32, color: Rgb888) {
        self.draw(c, f, x, y, color);
    }
}

/// A glyph as a fixed-height cell: `height` rows, each row `(width+7)/8` bytes, MSB = leftmost pixel.
#[derive(Clone, Copy, Debug)]
pub struct Glyph<'a> {
    pub width: u32,
    pub height: u32,
    pub bits: &'a [u8],
}

impl Glyph<'_> {
    /// Whether the pixel at (x, y) is ink; false outside the cell.
    #[inline]
    pub fn is_set(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let stride = self.width.div_ceil(8) as usize;
        self.bits.get(y as usize * stride + x as usize / 8).is_some_and(|b| b & (0x80 >> (x % 8)) != 0)
    }
}

/// What can go wrong loading a font. Messages name the file and line and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("cannot read font file {}: {source}; check that it exists, is readable and is not truncated (regenerate it with fonts/build-fonts.sh)", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}, line {line}: {msg}; fix the font file or regenerate it with fonts/build-fonts.sh")]
    Parse { file: String, line: usize, msg: String },
    #[error("font file {} has an unknown type; name it *.bdf, *.bdf.gz, *.hex or *.hex.gz", path.display())]
    UnknownFormat { path: PathBuf },
    #[error(
        "font file {file} not found in any of: {}; set YIPING_FONTS to the directory holding it, or install the fonts to /usr/share/yiping/fonts",
        list_dirs(searched)
    )]
    NotFound { file: String, searched: Vec<PathBuf> },
}

fn list_dirs(dirs: &[PathBuf]) -> String {
    if dirs.is_empty() {
        return "(no directories)".into();
    }
    dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
}

impl FontError {
    fn parse(file: &str, line: usize, msg: impl Into<String>) -> FontError {
        FontError::Parse { file: file.to_string(), line, msg: msg.into() }
    }
}

/// Widest glyph a font can hold (11 bits of an index entry).
const MAX_WIDTH: u32 = 2047;

/// One index entry (8 bytes): a code point and its width packed in one
/// `u32`, and where its rows start in `bits`.
#[derive(Clone, Copy, Debug)]
struct Entry {
    key: u32,
    offset: u32,
}

impl Entry {
    fn new(c: u32, width: u32, offset: u32) -> Entry {
        Entry { key: c << 11 | width.min(MAX_WIDTH), offset }
    }

    fn c(&self) -> u32 {
        self.key >> 11
    }

    fn width(&self) -> u32 {
        self.key & MAX_WIDTH
    }
}

/// A bitmap font with one cell height; glyphs packed in a single buffer with a sorted
/// index, or (once `compressed`) in deflated blocks, index and rows, inflated on first use.
pub struct BitmapFont {
    name: String,
    height: u32,
    /// Sorted by `c`, no duplicates. Offsets are into `bits`. Empty once compressed.
    index: Vec<Entry>,
    bits: Vec<u8>,
    /// Sorted by id; when not empty, `index` and `bits` are empty.
    blocks: Vec<blocks::Block>,
}

impl std::fmt::Debug for BitmapFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BitmapFont({:?}, {} px, {} glyphs, {} bytes)", self.name, self.height, self.index.len(), self.memory_bytes())
    }
}

impl BitmapFont {
    /// Parses a BDF font. Cell height = `PIXEL_SIZE`; glyphs sit on a common
    /// baseline chosen so that CJK ideographs fit the cell entirely (see
    /// `cell.rs`); ink outside the cell is clipped; advance = `DWIDTH`.
    pub fn from_bdf(name: &str, text: &str) -> Result<BitmapFont, FontError> {
        bdf::parse(name, name, numbered(text), text.len())
    }

    /// Parses a Unifont `.hex` font (`CODEPOINT:HEX`, one glyph a line): with
    /// `height` 16, 32 hex digits are an 8x16 glyph and 64 a 16x16 glyph.
    pub fn from_hex(name: &str, text: &str, height: u32) -> Result<BitmapFont, FontError> {
        hex::parse(name, name, numbered(text), text.len(), height)
    }

    /// Loads a font file by its extension: `.bdf`, `.bdf.gz`, `.hex`, `.hex.gz`
    /// (`.hex` files are taken as 16 px, like Unifont). The font's name is the
    /// file name without those extensions.
    pub fn load(path: &Path) -> Result<BitmapFont, FontError> {
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let (stem, gz) = match file_name.strip_suffix(".gz") {
            Some(s) => (s, true),
            None => (file_name, false),
        };
        let (name, is_bdf) = if let Some(n) = stem.strip_suffix(".bdf") {
            (n, true)
        } else if let Some(n) = stem.strip_suffix(".hex") {
            (n, false)
        } else {
            return Err(FontError::UnknownFormat { path: path.to_path_buf() });
        };
        let io = |source| FontError::Io { path: path.to_path_buf(), source };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        // Read line by line as the file is decompressed: the text (4 MB for Unifont) is
        // never held whole, which keeps the daemon's peak memory at start low.
        let (size, reader): (usize, Box<dyn BufRead>) = if gz {
            // The gzip trailer holds the uncompressed size (mod 2^32): a hint for the buffers.
            let mut tail = [0u8; 4];
            if len >= 4 {
                file.seek(SeekFrom::End(-4)).and_then(|_| file.read_exact(&mut tail)).and_then(|_| file.seek(SeekFrom::Start(0))).map_err(io)?;
            }
            let size = (u32::from_le_bytes(tail) as usize).min(256 << 20);
            (size, Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)))))
        } else {
            (len as usize, Box::new(BufReader::new(file)))
        };
        let mut lines = Lines { reader, buf: Vec::new(), n: 0, error: None };
        let origin = path.display().to_string();
        let font = if is_bdf { bdf::parse(name, &origin, &mut lines, size) } else { hex::parse(name, &origin, &mut lines, size, 16) };
        // A read error (a truncated or corrupt gzip) explains a parse error it caused.
        match lines.error {
            Some(e) => Err(io(e)),
            None => font,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cell height in pixels: every glyph has exactly this many rows.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The number of glyphs.
    pub fn len(&self) -> usize {
        self.index.len() + self.blocks.iter().map(blocks::Block::count).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes used by the glyph bitmaps and the index.
    pub fn memory_bytes(&self) -> usize {
        let blocks: usize = self.blocks.iter().map(blocks::Block::memory_bytes).sum();
        self.bits.capacity() + blocks + self.index.capacity() * std::mem::size_of::<Entry>()
    }

    /// The same font with its glyphs (widths and rows) deflated per block of 256 code
    /// points, each inflated the first time a glyph of it is drawn or measured (see `blocks.rs`).
    pub fn compressed(self) -> BitmapFont {
        if !self.blocks.is_empty() || self.index.is_empty() {
            return self;
        }
        let mut out = Vec::new();
        let mut start = 0;
        while start < self.index.len() {
            let id = self.index[start].c() >> 8;
            let end = start + self.index[start..].iter().take_while(|e| e.c() >> 8 == id).count();
            let cells = (start..end).map(|i| (self.index[i].c(), self.index[i].width(), self.glyph_at(i).bits));
            out.push(blocks::Block::new(id, cells));
            start = end;
        }
        BitmapFont { name: self.name, height: self.height, index: Vec::new(), bits: Vec::new(), blocks: out }
    }

    /// The glyph for `c`, by binary search (of the index, or of the blocks then the block's set).
    pub fn glyph(&self, c: char) -> Option<Glyph<'_>> {
        let c = c as u32;
        if !self.blocks.is_empty() {
            let k = self.blocks.binary_search_by_key(&(c >> 8), |b| b.id).ok()?;
            let cell = self.blocks[k].cell(c, self.height)?;
            return Some(Glyph { width: cell.width, height: self.height, bits: cell.rows });
        }
        let i = self.index.binary_search_by_key(&c, Entry::c).ok()?;
        Some(self.glyph_at(i))
    }

    /// Iterates over all chars that have a glyph, in code point order.
    pub fn chars(&self) -> impl Iterator<Item = char> + '_ {
        let blocks = self.blocks.iter().flat_map(blocks::Block::chars);
        self.index.iter().map(Entry::c).chain(blocks).filter_map(char::from_u32)
    }

    /// Glyph `i` of the index (of a font not compressed).
    fn glyph_at(&self, i: usize) -> Glyph<'_> {
        let e = self.index[i];
        let len = e.width().div_ceil(8) as usize * self.height as usize;
        Glyph { width: e.width(), height: self.height, bits: &self.bits[e.offset as usize..e.offset as usize + len] }
    }

    /// Downscales every glyph to cell height `height` (widths scaled by the
    /// same ratio, rounded), keeping 1-px strokes visible; see `scale.rs`.
    pub fn scaled(&self, name: &str, height: u32) -> BitmapFont {
        scale::scaled(self, name, height, |_| true)
    }

    /// Like [`scaled`](Self::scaled), but only the glyphs for which `keep` is
    /// true (e.g. the ones another font lacks: saves time and memory).
    pub fn scaled_where(&self, name: &str, height: u32, keep: impl Fn(char) -> bool + Sync) -> BitmapFont {
        scale::scaled(self, name, height, keep)
    }
}

/// A text's lines numbered from 1, without a leading byte order mark.
fn numbered(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.strip_prefix('\u{feff}').unwrap_or(text).lines().enumerate().map(|(i, l)| (i + 1, l))
}

/// A font file's lines numbered from 1, decoded as UTF-8 lossily (BDF comments may be
/// Latin-1), without a leading byte order mark; stops at the first read error and keeps it.
struct Lines {
    reader: Box<dyn BufRead>,
    buf: Vec<u8>,
    n: usize,
    error: Option<std::io::Error>,
}

impl Iterator for Lines {
    type Item = (usize, String);

    fn next(&mut self) -> Option<(usize, String)> {
        self.buf.clear();
        match self.reader.read_until(b'\n', &mut self.buf) {
            Ok(0) => None,
            Ok(_) => {
                self.n += 1;
                let mut bytes = &self.buf[..];
                if self.n == 1 {
                    bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
                }
                while let [rest @ .., b'\n' | b'\r'] = bytes {
                    bytes = rest;
                }
                Some((self.n, String::from_utf8_lossy(bytes).into_owned()))
            }
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }
}

/// Collects glyph cells into the packed storage of a [`BitmapFont`].
struct FontBuilder {
    name: String,
    height: u32,
    index: Vec<Entry>,
    bits: Vec<u8>,
}

impl FontBuilder {
    fn new(name: &str, height: u32, glyphs_hint: usize, bytes_hint: usize) -> FontBuilder {
        FontBuilder { name: name.to_string(), height, index: Vec::with_capacity(glyphs_hint), bits: Vec::with_capacity(bytes_hint) }
    }

    /// Adds a blank cell of `width` for `c` and returns its rows to fill in.
    fn push(&mut self, c: u32, width: u32) -> &mut [u8] {
        let width = width.min(MAX_WIDTH);
        let offset = self.bits.len();
        let len = width.div_ceil(8) as usize * self.height as usize;
        self.index.push(Entry::new(c, width, offset as u32));
        self.bits.resize(offset + len, 0);
        &mut self.bits[offset..]
    }

    /// Sorts the index; of duplicate code points the first one wins.
    fn finish(mut self) -> BitmapFont {
        if !self.index.is_sorted_by_key(Entry::c) {
            self.index.sort_by_key(Entry::c); // stable: keeps file order among duplicates
        }
        self.index.dedup_by_key(|e| e.c());
        self.index.shrink_to_fit();
        self.bits.shrink_to_fit();
        BitmapFont { name: self.name, height: self.height, index: self.index, bits: self.bits, blocks: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_is_set_reads_msb_first_and_clips() {
        let bits = [0b1000_0001, 0b0100_0000, 0, 0b0000_0001];
        let g = Glyph { width: 16, height: 2, bits: &bits };
        assert!(g.is_set(0, 0) && g.is_set(7, 0) && g.is_set(9, 0));
        assert!(!g.is_set(1, 0) && !g.is_set(8, 0));
        assert!(g.is_set(15, 1) && !g.is_set(14, 1));
        assert!(!g.is_set(16, 0) && !g.is_set(0, 2));
    }

    #[test]
    fn builder_sorts_and_keeps_first_duplicate() {
        let mut b = FontBuilder::new("t", 1, 0, 0);
        b.push('b' as u32, 8)[0] = 0x01;
        b.push('a' as u32, 8)[0] = 0x02;
        b.push('b' as u32, 8)[0] = 0x03;
        let f = b.finish();
        assert_eq!(f.len(), 2);
        assert_eq!(f.glyph('a').unwrap().bits, &[0x02]);
        assert_eq!(f.glyph('b').unwrap().bits, &[0x01]);
        assert!(f.glyph('c').is_none());
        assert_eq!(f.chars().collect::<String>(), "ab");
    }

    #[test]
    fn a_compressed_font_draws_every_glyph_as_before() {
        let text: String =
            (0x20u32..0x3000).step_by(7).map(|c| format!("{c:04X}:{}\n", format!("{:02X}", c % 251).repeat(16 + 16 * (c % 2) as usize))).collect();
        let plain = BitmapFont::from_hex("t", &text, 16).unwrap();
        let packed = BitmapFont::from_hex("t", &text, 16).unwrap().compressed();
        assert!(packed.memory_bytes() < plain.memory_bytes() / 2, "index and rows deflated: {} vs {}", packed.memory_bytes(), plain.memory_bytes());
        assert_eq!(plain.len(), packed.len());
        for c in plain.chars() {
            let (a, b) = (plain.glyph(c).unwrap(), packed.glyph(c).unwrap());
            assert_eq!((a.width, a.bits), (b.width, b.bits), "{c:?}");
        }
        assert!(packed.glyph('\u{3000}').is_none());
        assert_eq!(plain.chars().collect::<String>(), packed.chars().collect::<String>());
        let (small, small_packed) = (plain.scaled("s", 12), packed.scaled("s", 12));
        assert_eq!(small.len(), small_packed.len());
        for c in small.chars() {
            let (a, b) = (small.glyph(c).unwrap(), small_packed.glyph(c).unwrap());
            assert_eq!((a.width, a.bits), (b.width, b.bits), "scaled {c:?}");
        }
    }

    #[test]
    fn load_rejects_unknown_extension_and_names_missing_file() {
        let e = BitmapFont::load(Path::new("/nonexistent/x.ttf")).unwrap_err();
        assert!(matches!(e, FontError::UnknownFormat { .. }), "{e}");
        assert!(e.to_string().contains(".bdf.gz"), "{e}");
        let e = BitmapFont::load(Path::new("/nonexistent/x.hex.gz")).unwrap_err();
        assert!(matches!(e, FontError::Io { .. }) && e.to_string().contains("/nonexistent/x.hex.gz"), "{e}");
    }

    #[test]
    fn load_reads_gzipped_and_plain_hex_with_path_in_errors() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let text = "0041:0000000018242442427E424242420000\n";
        let plain = dir.path().join("t.hex");
        std::fs::write(&plain, text).unwrap();
        let gz = dir.path().join("t.hex.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(text.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        for p in [&plain, &gz] {
            let f = BitmapFont::load(p).unwrap();
            assert_eq!((f.name(), f.height(), f.len()), ("t", 16, 1));
            assert!(f.glyph('A').unwrap().is_set(3, 4));
        }
        let bad = dir.path().join("bad.hex");
        std::fs::write(&bad, "0041:00\n").unwrap();
        let e = BitmapFont::load(&bad).unwrap_err().to_string();
        assert!(e.contains("bad.hex, line 1:"), "{e}");
    }
}
