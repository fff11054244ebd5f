//! An owned frame buffer that embedded-graphics can draw on: RGB, or packed bit planes.
//!
//! HD screens get RGB (3 bytes a pixel, row-major). Mono and dual-colour LED
//! screens get packed bit planes (`planes`, 1 bit a pixel a colour): the
//! renderer only paints palette colours there, so nothing is lost, and a
//! 192x64 frame is 1,536 bytes. Every drawing call works on both; sinks that
//! need RGB bytes call `rgb()` when they take a frame (on their own thread,
//! only for frames they use). Sinks that need logical values (LED cards,
//! 1-bit matrices) classify pixels with `is_lit` and `dual_bits`. Device
//! specifics (pixel order, wiring) belong to sinks.

use core::convert::Infallible;
use std::borrow::Cow;

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::{Dimensions, DrawTarget, OriginDimensions, Pixel, Point, Size};
use embedded_graphics::primitives::Rectangle;
use serde::{Deserialize, Serialize};

pub(crate) use super::planes::{Packing, Planes};

/// How many colours a screen can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorMode {
    /// One LED colour, on or off (the most common village screen).
    Mono,
    /// Red and green LEDs: off, red, green, yellow (both).
    Dual,
    /// Full colour (HDMI, RGB matrices).
    Rgb,
}

/// What a frame's pixels are stored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rgb,
    Packed(Packing),
}

/// Says what a frame holds beyond its pixels: that scene `scene` drew its base for
/// `key` into it and only the moving parts differ. Any drawing from outside clears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub scene: u64,
    pub key: [i64; 3],
}

impl Stamp {
    /// A new scene's name for stamps (clones of a scene draw the same and share it).
    pub(crate) fn next_scene() -> u64 {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

/// An owned frame: `width * height` pixels, RGB (row-major, 3 bytes a pixel)
/// or packed bit planes.
#[derive(Clone)]
pub struct Frame {
    width: u32,
    height: u32,
    /// RGB bytes; empty when `planes` is set.
    data: Vec<u8>,
    planes: Option<Box<Planes>>,
    stamp: Option<Stamp>,
}

impl PartialEq for Frame {
    fn eq(&self, o: &Frame) -> bool {
        self.width == o.width && self.height == o.height && self.data == o.data && self.planes == o.planes
    }
}

impl Eq for Frame {}

impl core::fmt::Debug for Frame {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Frame({}x{})", self.width, self.height)
    }
}

impl Frame {
    /// A black RGB frame.
    pub fn new(width: u32, height: u32) -> Self {
        Frame { width, height, data: vec![0; width as usize * height as usize * 3], planes: None, stamp: None }
    }

    /// A black frame stored as `format`.
    pub fn with_format(width: u32, height: u32, format: Format) -> Self {
        match format {
            Format::Rgb => Frame::new(width, height),
            Format::Packed(p) => Frame { width, height, data: Vec::new(), planes: Some(Box::new(Planes::new(width, height, p))), stamp: None },
        }
    }

    /// A black frame for a screen of this colour mode: packed bit planes for mono
    /// (lit pixels show `led`) and dual, RGB for full colour.
    pub fn for_screen(width: u32, height: u32, mode: ColorMode, led: Rgb888) -> Self {
        let format = match mode {
            ColorMode::Mono => Format::Packed(Packing::Mono { on: led }),
            ColorMode::Dual => Format::Packed(Packing::Dual),
            ColorMode::Rgb => Format::Rgb,
        };
        Frame::with_format(width, height, format)
    }

    pub fn format(&self) -> Format {
        self.planes.as_ref().map_or(Format::Rgb, |p| Format::Packed(p.packing))
    }

    /// The bit planes of a packed frame.
    pub(crate) fn planes(&self) -> Option<&Planes> {
        self.planes.as_deref()
    }

    /// The frame as RGB: itself when it is RGB, else converted (for sinks that send RGB bytes).
    pub fn rgb(&self) -> Cow<'_, Frame> {
        if self.planes.is_none() {
            return Cow::Borrowed(self);
        }
        let mut out = Frame::new(self.width, self.height);
        let (w, mut colours) = (self.width as usize * 3, Vec::new());
        for y in 0..self.height {
            self.row_colours(y, &mut colours);
            let row = &mut out.data[y as usize * w..(y as usize + 1) * w];
            for (px, c) in row.chunks_exact_mut(3).zip(&colours) {
                px.copy_from_slice(&[c.r(), c.g(), c.b()]);
            }
        }
        Cow::Owned(out)
    }

    /// The colours of pixel row `y` (below the frame: none), into `out`: a word at a time on
    /// packed frames, for sinks that convert a row at once.
    pub(crate) fn row_colours(&self, y: u32, out: &mut Vec<Rgb888>) {
        out.clear();
        if y >= self.height {
            return;
        }
        let Some(p) = &self.planes else {
            out.extend(self.row(y).chunks_exact(3).map(|c| Rgb888::new(c[0], c[1], c[2])));
            return;
        };
        let table: [Rgb888; 4] = std::array::from_fn(|i| p.packing.color([i & 1 != 0, i & 2 != 0]));
        let r0 = p.row(0, y);
        let r1 = (p.packing.planes() > 1).then(|| p.row(1, y));
        out.extend((0..self.width as usize).map(|x| {
            let bit = 63 - (x % 64) as u32;
            let a = (r0[x / 64] >> bit) & 1;
            let b = r1.map_or(0, |r| (r[x / 64] >> bit) & 1);
            table[(a | b << 1) as usize]
        }));
    }

    pub(crate) fn stamp(&self) -> Option<Stamp> {
        self.stamp
    }

    /// Marks the frame as holding `stamp`'s base (see `Stamp`); the scene that drew it calls this last.
    pub(crate) fn set_stamp(&mut self, stamp: Stamp) {
        self.stamp = Some(stamp);
    }

    /// Copies every pixel of `src` (same size and format), and its stamp.
    pub(crate) fn copy_from(&mut self, src: &Frame) {
        match (&mut self.planes, &src.planes) {
            (Some(d), Some(s)) => d.copy_rows(s, 0..self.height.min(src.height)),
            _ => self.data.copy_from_slice(&src.data),
        }
        self.stamp = src.stamp;
    }

    /// Whether rows `ys` (clipped) hold the same pixels in both frames; false when their
    /// sizes or formats differ. A word or byte compare, for sinks that redraw only what changed.
    pub(crate) fn same_rows(&self, other: &Frame, ys: std::ops::Range<u32>) -> bool {
        if self.width != other.width || self.height != other.height || self.format() != other.format() {
            return false;
        }
        let ys = ys.start.min(self.height)..ys.end.min(self.height);
        match (&self.planes, &other.planes) {
            (Some(a), Some(b)) => (0..a.packing.planes()).all(|p| ys.clone().all(|y| a.row(p, y) == b.row(p, y))),
            _ => {
                let w = self.width as usize * 3;
                let (from, to) = (ys.start as usize * w, ys.end as usize * w);
                self.data[from..to] == other.data[from..to]
            }
        }
    }

    /// Copies rows `ys` of `src` (same size and format).
    pub(crate) fn copy_rows(&mut self, src: &Frame, ys: std::ops::Range<u32>) {
        let ys = ys.start.min(self.height)..ys.end.min(self.height);
        match (&mut self.planes, &src.planes) {
            (Some(d), Some(s)) => d.copy_rows(s, ys),
            _ => {
                let w = self.width as usize * 3;
                let (a, b) = (ys.start as usize * w, ys.end as usize * w);
                self.data[a..b].copy_from_slice(&src.data[a..b]);
            }
        }
    }

    /// Copies `src` rows `rows` so that its column 0, first row land at (x, y), clipped;
    /// same format expected (a pre-rendered strip). Word-wise on packed frames, row
    /// `memcpy` on RGB. Keeps the stamp (the caller is the scene that set it).
    pub(crate) fn blit(&mut self, src: &Frame, x: i64, y: i32, rows: std::ops::Range<u32>) {
        let rows = rows.start.min(src.height)..rows.end.min(src.height);
        if let (Some(d), Some(s)) = (&mut self.planes, &src.planes) {
            d.blit(s, x, y, rows);
            return;
        }
        if self.planes.is_some() || src.planes.is_some() {
            return;
        }
        let (x0, x1) = (x.max(0), (x + src.width as i64).min(self.width as i64));
        if x0 >= x1 {
            return;
        }
        let (dw, sw) = (self.width as usize * 3, src.width as usize * 3);
        let (sx, n) = ((x0 - x) as usize * 3, (x1 - x0) as usize * 3);
        for (i, sy) in rows.clone().enumerate() {
            let dy = y as i64 + i as i64;
            if dy < 0 || dy >= self.height as i64 {
                continue;
            }
            let s = sy as usize * sw + sx;
            let d = dy as usize * dw + x0 as usize * 3;
            self.data[d..d + n].copy_from_slice(&src.data[s..s + n]);
        }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// The raw RGB bytes, row-major, no padding; empty for a packed frame (call `rgb()` first).
    pub fn as_rgb(&self) -> &[u8] {
        debug_assert!(self.planes.is_none(), "as_rgb on a packed frame: call rgb() first");
        &self.data
    }

    /// Mutable raw RGB bytes, for fast blits; empty for a packed frame.
    pub fn as_rgb_mut(&mut self) -> &mut [u8] {
        debug_assert!(self.planes.is_none(), "as_rgb_mut on a packed frame");
        self.stamp = None;
        &mut self.data
    }

    /// One row of RGB bytes (RGB frames only: sinks call `rgb()` first).
    pub fn row(&self, y: u32) -> &[u8] {
        let w = self.width as usize * 3;
        &self.data[y as usize * w..(y as usize + 1) * w]
    }

    /// The pixel at (x, y); black outside the frame.
    pub fn pixel(&self, x: u32, y: u32) -> Rgb888 {
        if x >= self.width || y >= self.height {
            return Rgb888::BLACK;
        }
        if let Some(p) = &self.planes {
            return p.packing.color(p.get(x, y));
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Rgb888::new(self.data[i], self.data[i + 1], self.data[i + 2])
    }

    /// Sets one pixel; coordinates outside the frame are ignored (clipping).
    #[inline]
    pub fn set(&mut self, x: i32, y: i32, c: Rgb888) {
        self.stamp = None;
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return;
        }
        if let Some(p) = &mut self.planes {
            p.set(x as u32, y as u32, c);
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        self.data[i] = c.r();
        self.data[i + 1] = c.g();
        self.data[i + 2] = c.b();
    }

    /// Fills the whole frame with one colour.
    pub fn fill(&mut self, c: Rgb888) {
        self.stamp = None;
        if let Some(p) = &mut self.planes {
            p.fill(0..self.width, 0..self.height, c);
            return;
        }
        for px in self.data.chunks_exact_mut(3) {
            px.copy_from_slice(&[c.r(), c.g(), c.b()]);
        }
    }

    /// Fills a rectangle, clipped to the frame.
    pub fn fill_rect(&mut self, x: i32, y: i32, w: u32, h: u32, c: Rgb888) {
        let x0 = x.max(0) as u32;
        let y0 = y.max(0) as u32;
        let x1 = ((x as i64 + w as i64).max(0) as u64).min(self.width as u64) as u32;
        let y1 = ((y as i64 + h as i64).max(0) as u64).min(self.height as u64) as u32;
        self.stamp = None;
        if let Some(p) = &mut self.planes {
            p.fill(x0..x1, y0..y1, c);
            return;
        }
        for yy in y0..y1 {
            for xx in x0..x1 {
                let i = (yy as usize * self.width as usize + xx as usize) * 3;
                self.data[i..i + 3].copy_from_slice(&[c.r(), c.g(), c.b()]);
            }
        }
    }

    /// Whether a pixel is lit at all (any channel above half); for 1-bit sinks.
    pub fn is_lit(&self, x: u32, y: u32) -> bool {
        if let Some(p) = &self.planes {
            return x < self.width && y < self.height && p.get(x, y).iter().any(|&b| b);
        }
        let p = self.pixel(x, y);
        p.r() >= 128 || p.g() >= 128 || p.b() >= 128
    }

    /// Red and green LED bits of a pixel, for dual-colour sinks.
    pub fn dual_bits(&self, x: u32, y: u32) -> (bool, bool) {
        if let Some(p) = &self.planes {
            let c = p.packing.color(if x < self.width && y < self.height { p.get(x, y) } else { [false; 2] });
            return (c.r() >= 128, c.g() >= 128);
        }
        let p = self.pixel(x, y);
        (p.r() >= 128, p.g() >= 128)
    }

    /// The frame as text, one char a pixel (`#` lit, `.` dark): for tests and logs.
    pub fn to_ascii(&self) -> String {
        let mut s = String::with_capacity((self.width as usize + 1) * self.height as usize);
        for y in 0..self.height {
            for x in 0..self.width {
                s.push(if self.is_lit(x, y) { '#' } else { '.' });
            }
            s.push('\n');
        }
        s
    }
}

impl OriginDimensions for Frame {
    fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }
}

impl DrawTarget for Frame {
    type Color = Rgb888;
    type Error = Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        for Pixel(Point { x, y }, c) in pixels {
            self.set(x, y, c);
        }
        Ok(())
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Self::Color) -> Result<(), Self::Error> {
        let area = area.intersection(&self.bounding_box());
        self.fill_rect(area.top_left.x, area.top_left.y, area.size.width, area.size.height, color);
        Ok(())
    }

    fn clear(&mut self, color: Self::Color) -> Result<(), Self::Error> {
        self.fill(color);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::prelude::*;
    use embedded_graphics::primitives::{Line, PrimitiveStyle};

    #[test]
    fn draws_clipped_lines_through_embedded_graphics() {
        let mut f = Frame::new(4, 3);
        Line::new(Point::new(-1, 1), Point::new(10, 1)).into_styled(PrimitiveStyle::with_stroke(Rgb888::RED, 1)).draw(&mut f).unwrap();
        assert_eq!(f.to_ascii(), "....\n####\n....\n");
        assert_eq!(f.dual_bits(0, 1), (true, false));
    }

    /// Packed frames must show exactly what an RGB frame shows for the palette colours.
    #[test]
    fn packed_frames_convert_to_the_same_rgb_as_drawing_in_rgb() {
        let red = Rgb888::new(255, 32, 16);
        for (mode, colours) in [
            (ColorMode::Mono, vec![red, Rgb888::BLACK]),
            (ColorMode::Dual, vec![Rgb888::new(255, 0, 0), Rgb888::new(0, 255, 0), Rgb888::new(255, 255, 0), Rgb888::BLACK]),
        ] {
            let mut packed = Frame::for_screen(130, 9, mode, red);
            let mut rgb = Frame::new(130, 9);
            assert!(matches!(packed.format(), Format::Packed(_)));
            for f in [&mut packed, &mut rgb] {
                f.fill(colours[0]);
                for (i, &c) in colours.iter().cycle().take(12).enumerate() {
                    f.fill_rect(i as i32 * 11 - 3, i as i32 % 9 - 1, 17, 3, c);
                    f.set(i as i32 * 13, 8 - i as i32 % 9, c);
                }
            }
            assert_eq!(packed.to_ascii(), rgb.to_ascii());
            assert!(*packed.rgb() == rgb, "{mode:?}");
            assert_eq!((packed.pixel(5, 5), packed.dual_bits(5, 5)), (rgb.pixel(5, 5), rgb.dual_bits(5, 5)));
        }
    }

    #[test]
    fn blit_places_a_strip_the_same_in_both_formats() {
        let on = Rgb888::new(255, 32, 16);
        for format in [Format::Rgb, Format::Packed(Packing::Mono { on })] {
            let mut strip = Frame::with_format(150, 3, format);
            Line::new(Point::new(0, 1), Point::new(149, 1)).into_styled(PrimitiveStyle::with_stroke(on, 1)).draw(&mut strip).unwrap();
            strip.set(60, 0, on);
            strip.set(149, 2, on);
            let mut f = Frame::with_format(100, 4, format);
            f.blit(&strip, -60, 1, 0..3);
            let want =
                format!("{}\n#{}\n{}\n{}#{}\n", ".".repeat(100), ".".repeat(99), "#".repeat(90) + &".".repeat(10), ".".repeat(89), ".".repeat(10));
            assert_eq!(f.to_ascii(), want, "{format:?}");
        }
    }
}
