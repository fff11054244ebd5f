//! An owned RGB frame buffer that embedded-graphics can draw on.
//!
//! Every colour mode shares this one buffer type: for `mono` and `dual`
//! screens the renderer only ever paints palette colours, and sinks that need
//! logical values (LED cards, 1-bit matrices) classify pixels with `is_lit`
//! and `dual_bits`. Device specifics (pixel order, wiring) belong to sinks.

use core::convert::Infallible;

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::{Dimensions, DrawTarget, OriginDimensions, Pixel, Point, Size};
use embedded_graphics::primitives::Rectangle;
use serde::{Deserialize, Serialize};

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

/// An owned frame: `width * height` pixels, RGB, row-major, 3 bytes a pixel.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl core::fmt::Debug for Frame {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Frame({}x{})", self.width, self.height)
    }
}

impl Frame {
    /// A black frame.
    pub fn new(width: u32, height: u32) -> Self {
        Frame { width, height, data: vec![0; width as usize * height as usize * 3] }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// The raw RGB bytes, row-major, no padding.
    pub fn as_rgb(&self) -> &[u8] {
        &self.data
    }

    /// Mutable raw RGB bytes, for fast blits.
    pub fn as_rgb_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// One row of RGB bytes.
    pub fn row(&self, y: u32) -> &[u8] {
        let w = self.width as usize * 3;
        &self.data[y as usize * w..(y as usize + 1) * w]
    }

    /// The pixel at (x, y); black outside the frame.
    pub fn pixel(&self, x: u32, y: u32) -> Rgb888 {
        if x >= self.width || y >= self.height {
            return Rgb888::BLACK;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Rgb888::new(self.data[i], self.data[i + 1], self.data[i + 2])
    }

    /// Sets one pixel; coordinates outside the frame are ignored (clipping).
    #[inline]
    pub fn set(&mut self, x: i32, y: i32, c: Rgb888) {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        self.data[i] = c.r();
        self.data[i + 1] = c.g();
        self.data[i + 2] = c.b();
    }

    /// Fills the whole frame with one colour.
    pub fn fill(&mut self, c: Rgb888) {
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
        for yy in y0..y1 {
            for xx in x0..x1 {
                let i = (yy as usize * self.width as usize + xx as usize) * 3;
                self.data[i..i + 3].copy_from_slice(&[c.r(), c.g(), c.b()]);
            }
        }
    }

    /// Whether a pixel is lit at all (any channel above half); for 1-bit sinks.
    pub fn is_lit(&self, x: u32, y: u32) -> bool {
        let p = self.pixel(x, y);
        p.r() >= 128 || p.g() >= 128 || p.b() >= 128
    }

    /// Red and green LED bits of a pixel, for dual-colour sinks.
    pub fn dual_bits(&self, x: u32, y: u32) -> (bool, bool) {
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
}
