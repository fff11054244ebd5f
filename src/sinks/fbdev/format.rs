//! Framebuffer pixel formats and the conversion of RGB frames into them.
//!
//! A format is Linux's description (`fb_var_screeninfo`): bytes per pixel and
//! the offset and length of each colour's bit field within a little-endian
//! pixel. Named formats use DRM fourcc names, so `xrgb8888` is B, G, R, X in
//! memory. Conversion honours the line length (stride) and never touches the
//! padding after a row. It must never allocate: it runs once a frame.

use crate::render::Frame;

/// Where one colour sits in a pixel (as in `struct fb_bitfield`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bitfield {
    pub offset: u32,
    pub length: u32,
}

/// A packed pixel layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelFormat {
    /// 2, 3 or 4.
    pub bytes_per_pixel: u32,
    pub red: Bitfield,
    pub green: Bitfield,
    pub blue: Bitfield,
    /// Alpha/padding bits; set to all ones when `length > 0` (opaque).
    pub transp: Bitfield,
}

const fn bf(offset: u32, length: u32) -> Bitfield {
    Bitfield { offset, length }
}

impl PixelFormat {
    pub const RGB565: PixelFormat = PixelFormat { bytes_per_pixel: 2, red: bf(11, 5), green: bf(5, 6), blue: bf(0, 5), transp: bf(0, 0) };
    /// Memory order B, G, R.
    pub const RGB888: PixelFormat = PixelFormat { bytes_per_pixel: 3, red: bf(16, 8), green: bf(8, 8), blue: bf(0, 8), transp: bf(0, 0) };
    /// Memory order R, G, B.
    pub const BGR888: PixelFormat = PixelFormat { bytes_per_pixel: 3, red: bf(0, 8), green: bf(8, 8), blue: bf(16, 8), transp: bf(0, 0) };
    /// Memory order B, G, R, X.
    pub const XRGB8888: PixelFormat = PixelFormat { bytes_per_pixel: 4, red: bf(16, 8), green: bf(8, 8), blue: bf(0, 8), transp: bf(0, 0) };
    /// Memory order R, G, B, X.
    pub const XBGR8888: PixelFormat = PixelFormat { bytes_per_pixel: 4, red: bf(0, 8), green: bf(8, 8), blue: bf(16, 8), transp: bf(0, 0) };

    /// The names accepted in config, with their formats.
    pub const NAMED: [(&'static str, PixelFormat); 5] =
        [("rgb565", Self::RGB565), ("rgb888", Self::RGB888), ("bgr888", Self::BGR888), ("xrgb8888", Self::XRGB8888), ("xbgr8888", Self::XBGR8888)];

    pub fn by_name(name: &str) -> Option<PixelFormat> {
        Self::NAMED.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    /// A format yiping can write: 2-4 bytes a pixel, each field inside the pixel, 1-8 bits.
    pub fn check(&self) -> Result<(), String> {
        if !(2..=4).contains(&self.bytes_per_pixel) {
            return Err(format!("{} bits per pixel is not supported (16, 24 or 32)", self.bytes_per_pixel * 8));
        }
        for (name, f) in [("red", self.red), ("green", self.green), ("blue", self.blue)] {
            if f.length == 0 || f.length > 8 || f.offset + f.length > self.bytes_per_pixel * 8 {
                return Err(format!(
                    "{name} bit field (offset {}, length {}) does not fit a {}-bit pixel",
                    f.offset,
                    f.length,
                    self.bytes_per_pixel * 8
                ));
            }
        }
        if self.transp.length > 0 && self.transp.offset + self.transp.length > self.bytes_per_pixel * 8 {
            return Err("alpha bit field does not fit the pixel".into());
        }
        Ok(())
    }

    fn pack(&self, r: u8, g: u8, b: u8) -> u32 {
        let field = |v: u8, f: Bitfield| ((v as u32) >> (8 - f.length)) << f.offset;
        let alpha = if self.transp.length > 0 { ((1u32 << self.transp.length) - 1) << self.transp.offset } else { 0 };
        field(r, self.red) | field(g, self.green) | field(b, self.blue) | alpha
    }
}

/// Writes `frame` into `dst`, row `y` at `dst[y * stride..]`, converting each pixel.
/// `dst` must hold `frame.height()` rows of `stride` bytes (the last row may be short
/// of its padding); `stride >= width * bytes_per_pixel`.
pub fn convert(frame: &Frame, format: &PixelFormat, dst: &mut [u8], stride: usize) {
    let frame = &*frame.rgb();
    let bpp = format.bytes_per_pixel as usize;
    let w = frame.width() as usize;
    for y in 0..frame.height() as usize {
        let src = frame.row(y as u32);
        let row = &mut dst[y * stride..y * stride + w * bpp];
        convert_row(src, format, row);
    }
}

/// Converts one row of RGB into the start of `dst` (which must hold `width * bytes_per_pixel` bytes).
pub(crate) fn convert_row_at(src: &[u8], format: &PixelFormat, dst: &mut [u8]) {
    let n = src.len() / 3 * format.bytes_per_pixel as usize;
    convert_row(src, format, &mut dst[..n]);
}

/// One row; fast paths for the byte-aligned formats, bit fields for the rest.
fn convert_row(src: &[u8], f: &PixelFormat, row: &mut [u8]) {
    let byte_aligned = |b: Bitfield| b.length == 8 && b.offset.is_multiple_of(8);
    if f.bytes_per_pixel >= 3 && byte_aligned(f.red) && byte_aligned(f.green) && byte_aligned(f.blue) {
        let (ri, gi, bi) = ((f.red.offset / 8) as usize, (f.green.offset / 8) as usize, (f.blue.offset / 8) as usize);
        if f.bytes_per_pixel == 4 {
            // The byte no colour uses is alpha or padding.
            let pad = if f.transp.length > 0 { (((1u64 << f.transp.length) - 1) << f.transp.offset) as u32 } else { 0 };
            let (rs, gs, bs) = (f.red.offset, f.green.offset, f.blue.offset);
            for (s, d) in src.chunks_exact(3).zip(row.chunks_exact_mut(4)) {
                let v = (s[0] as u32) << rs | (s[1] as u32) << gs | (s[2] as u32) << bs | pad;
                d.copy_from_slice(&v.to_le_bytes());
            }
        } else {
            for (s, d) in src.chunks_exact(3).zip(row.chunks_exact_mut(3)) {
                d[ri] = s[0];
                d[gi] = s[1];
                d[bi] = s[2];
            }
        }
        return;
    }
    // Bit fields: shifts worked out once per row, one store per pixel.
    let alpha = f.pack(0, 0, 0);
    let (rr, rl, gr, gl, br, bl) = (8 - f.red.length, f.red.offset, 8 - f.green.length, f.green.offset, 8 - f.blue.length, f.blue.offset);
    let pack = |s: &[u8]| ((s[0] as u32) >> rr) << rl | ((s[1] as u32) >> gr) << gl | ((s[2] as u32) >> br) << bl | alpha;
    match f.bytes_per_pixel {
        2 => src.chunks_exact(3).zip(row.chunks_exact_mut(2)).for_each(|(s, d)| d.copy_from_slice(&(pack(s) as u16).to_le_bytes())),
        3 => src.chunks_exact(3).zip(row.chunks_exact_mut(3)).for_each(|(s, d)| d.copy_from_slice(&pack(s).to_le_bytes()[..3])),
        _ => src.chunks_exact(3).zip(row.chunks_exact_mut(4)).for_each(|(s, d)| d.copy_from_slice(&pack(s).to_le_bytes())),
    }
}

#[cfg(test)]
mod tests {
    use embedded_graphics::pixelcolor::Rgb888;

    use super::*;

    /// Two pixels, orange-ish and a blue-green, on one row.
    fn two() -> Frame {
        let mut f = Frame::new(2, 1);
        f.set(0, 0, Rgb888::new(0xF8, 0x84, 0x10));
        f.set(1, 0, Rgb888::new(0x01, 0x7F, 0xFF));
        f
    }

    fn bytes(format: PixelFormat) -> Vec<u8> {
        let f = two();
        let mut out = vec![0xAA; 2 * format.bytes_per_pixel as usize];
        let stride = out.len();
        convert(&f, &format, &mut out, stride);
        out
    }

    #[test]
    fn golden_bytes_for_each_named_format() {
        // RGB565: r=0xF8>>3=31, g=0x84>>2=33, b=0x10>>3=2 -> 0xFC22; then 0, 31, 31 -> 0x03FF.
        assert_eq!(bytes(PixelFormat::RGB565), [0x22, 0xFC, 0xFF, 0x03]);
        assert_eq!(bytes(PixelFormat::RGB888), [0x10, 0x84, 0xF8, 0xFF, 0x7F, 0x01]);
        assert_eq!(bytes(PixelFormat::BGR888), [0xF8, 0x84, 0x10, 0x01, 0x7F, 0xFF]);
        assert_eq!(bytes(PixelFormat::XRGB8888), [0x10, 0x84, 0xF8, 0x00, 0xFF, 0x7F, 0x01, 0x00]);
        assert_eq!(bytes(PixelFormat::XBGR8888), [0xF8, 0x84, 0x10, 0x00, 0x01, 0x7F, 0xFF, 0x00]);
    }

    #[test]
    fn alpha_field_is_opaque_and_odd_fields_use_the_generic_path() {
        let argb = PixelFormat { transp: bf(24, 8), ..PixelFormat::XRGB8888 };
        assert_eq!(bytes(argb), [0x10, 0x84, 0xF8, 0xFF, 0xFF, 0x7F, 0x01, 0xFF]);
        // BGR565 (blue in the high bits) and RGB555 with a 1-bit alpha.
        let bgr565 = PixelFormat { red: bf(0, 5), blue: bf(11, 5), ..PixelFormat::RGB565 };
        assert_eq!(bytes(bgr565), [0x3F, 0x14, 0xE0, 0xFB]);
        let argb1555 = PixelFormat { bytes_per_pixel: 2, red: bf(10, 5), green: bf(5, 5), blue: bf(0, 5), transp: bf(15, 1) };
        // 31<<10 | 16<<5 | 2 | 1<<15 = 0xFE02; 0 | 15<<5 | 31 | 1<<15 = 0x81FF.
        assert_eq!(bytes(argb1555), [0x02, 0xFE, 0xFF, 0x81]);
    }

    #[test]
    fn unusual_stride_leaves_row_padding_alone() {
        let mut f = Frame::new(3, 2);
        f.fill(Rgb888::new(1, 2, 3));
        f.set(2, 1, Rgb888::new(9, 8, 7));
        // 3 px * 3 B = 9 bytes of pixels in a 13-byte line (odd, unaligned padding).
        let mut out = vec![0xEE; 13 * 2];
        convert(&f, &PixelFormat::BGR888, &mut out, 13);
        let want: Vec<u8> =
            [[1, 2, 3, 1, 2, 3, 1, 2, 3], [1, 2, 3, 1, 2, 3, 9, 8, 7]].iter().flat_map(|r| r.iter().copied().chain([0xEE; 4])).collect();
        assert_eq!(out, want);
    }

    #[test]
    fn check_rejects_what_cannot_be_written() {
        assert!(PixelFormat::XRGB8888.check().is_ok());
        let e = PixelFormat { bytes_per_pixel: 1, ..PixelFormat::RGB565 }.check().unwrap_err();
        assert!(e.contains("8 bits per pixel"), "{e}");
        let e = PixelFormat { red: bf(12, 5), ..PixelFormat::RGB565 }.check().unwrap_err();
        assert!(e.contains("red bit field"), "{e}");
        assert_eq!(PixelFormat::by_name("xbgr8888"), Some(PixelFormat::XBGR8888));
        assert_eq!(PixelFormat::by_name("argb"), None);
    }
}
