//! Pixel mapping for LED matrices: which frame pixel drives which LED in the chain,
//! and in which colour. Rotation and flips, row-major or serpentine wiring (by rows
//! or columns), chained panels, colour order, brightness, gamma, and mono/dual
//! frames shown in configured colours.
//!
//! Pure: frames in, bytes out. The order of LEDs is computed once per frame size.

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use serde::Deserialize;

use crate::render::Frame;

use super::Power;

/// How frame pixels become the LED chain's order (see `sinks::pixmap`).
#[derive(Debug, Clone, PartialEq)]
pub struct PixMapConfig {
    pub order: Order,
    /// Panel size when several panels are chained; default: one panel, the whole frame.
    pub panel_width: Option<u32>,
    pub panel_height: Option<u32>,
    /// The order panels follow along the chain.
    pub chain: Order,
    pub rotate: u32,
    pub flip_x: bool,
    pub flip_y: bool,
    pub color_order: [usize; 3],
    pub brightness: u8,
    pub gamma: f64,
    pub palette: Palette,
}

impl Default for PixMapConfig {
    fn default() -> Self {
        PixMapConfig {
            order: Order::Rows,
            panel_width: None,
            panel_height: None,
            chain: Order::Rows,
            rotate: 0,
            flip_x: false,
            flip_y: false,
            color_order: [0, 1, 2],
            brightness: 100,
            gamma: 1.0,
            palette: Palette::Rgb,
        }
    }
}

/// Wiring order of pixels in a panel (or of panels in a chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    Rows,
    SerpentineRows,
    Columns,
    SerpentineColumns,
}

/// How frame colours become LED colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Palette {
    /// Frame colours as they are.
    Rgb,
    /// Lit pixels become this colour, others black.
    Mono(Rgb888),
    /// Red, green and both bits become these colours.
    Dual { red: Rgb888, green: Rgb888, yellow: Rgb888 },
}

pub(crate) struct PixMap {
    cfg: PixMapConfig,
    /// Frame size the `order` was computed for.
    size: (u32, u32),
    /// For each LED along the chain, the frame pixel index it shows (`None`: past the frame's edge).
    order: Vec<Option<u32>>,
}

/// Positions of a `w` x `h` grid in wiring order.
pub(crate) fn positions(order: Order, w: u32, h: u32) -> Vec<(u32, u32)> {
    let mut v = Vec::with_capacity((w * h) as usize);
    match order {
        Order::Rows | Order::SerpentineRows => {
            for y in 0..h {
                let rev = order == Order::SerpentineRows && y % 2 == 1;
                v.extend((0..w).map(|x| (if rev { w - 1 - x } else { x }, y)));
            }
        }
        Order::Columns | Order::SerpentineColumns => {
            for x in 0..w {
                let rev = order == Order::SerpentineColumns && x % 2 == 1;
                v.extend((0..h).map(|y| (x, if rev { h - 1 - y } else { y })));
            }
        }
    }
    v
}

impl PixMap {
    pub(crate) fn new(cfg: &PixMapConfig) -> PixMap {
        PixMap { cfg: cfg.clone(), size: (0, 0), order: Vec::new() }
    }

    /// Size of the image after rotation (the panels' coordinate system).
    fn rotated_size(&self, w: u32, h: u32) -> (u32, u32) {
        if self.cfg.rotate % 180 == 90 { (h, w) } else { (w, h) }
    }

    /// The frame pixel (x, y) shown at (tx, ty) of the rotated, flipped image.
    fn source(&self, tx: u32, ty: u32, w: u32, h: u32) -> (u32, u32) {
        let (rw, rh) = self.rotated_size(w, h);
        let tx = if self.cfg.flip_x { rw - 1 - tx } else { tx };
        let ty = if self.cfg.flip_y { rh - 1 - ty } else { ty };
        match self.cfg.rotate {
            90 => (ty, h - 1 - tx),
            180 => (w - 1 - tx, h - 1 - ty),
            270 => (w - 1 - ty, tx),
            _ => (tx, ty),
        }
    }

    fn build(&mut self, w: u32, h: u32) {
        let (rw, rh) = self.rotated_size(w, h);
        let pw = self.cfg.panel_width.unwrap_or(rw).max(1);
        let ph = self.cfg.panel_height.unwrap_or(rh).max(1);
        let (across, down) = (rw.div_ceil(pw), rh.div_ceil(ph));
        let inner = positions(self.cfg.order, pw, ph);
        let mut order = Vec::with_capacity((across * down * pw * ph) as usize);
        for (px, py) in positions(self.cfg.chain, across, down) {
            for &(x, y) in &inner {
                let (tx, ty) = (px * pw + x, py * ph + y);
                order.push((tx < rw && ty < rh).then(|| {
                    let (sx, sy) = self.source(tx, ty, w, h);
                    sy * w + sx
                }));
            }
        }
        self.size = (w, h);
        self.order = order;
    }

    /// Number of LEDs for a frame of this size.
    pub(crate) fn leds(&mut self, w: u32, h: u32) -> usize {
        if self.size != (w, h) {
            self.build(w, h);
        }
        self.order.len()
    }

    /// Appends 3 bytes per LED, in chain order and the configured colour order.
    pub(crate) fn map(&mut self, frame: &Frame, power: Power, out: &mut Vec<u8>) {
        let (w, h) = (frame.width(), frame.height());
        self.leds(w, h);
        let scale = if power.on { self.cfg.brightness as f64 / 100.0 * power.brightness.min(100) as f64 / 100.0 } else { 0.0 };
        let gamma = self.cfg.gamma;
        let lut: Vec<u8> = (0..=255u32).map(|v| ((v as f64 / 255.0).powf(gamma) * scale * 255.0).round() as u8).collect();
        let frame = &*frame.rgb();
        let rgb = frame.as_rgb();
        let co = self.cfg.color_order;
        for idx in &self.order {
            let c = match idx {
                None => Rgb888::BLACK,
                Some(i) => {
                    let i = *i as usize * 3;
                    self.color(Rgb888::new(rgb[i], rgb[i + 1], rgb[i + 2]))
                }
            };
            let c = [lut[c.r() as usize], lut[c.g() as usize], lut[c.b() as usize]];
            out.extend_from_slice(&[c[co[0]], c[co[1]], c[co[2]]]);
        }
    }

    fn color(&self, c: Rgb888) -> Rgb888 {
        match self.cfg.palette {
            Palette::Rgb => c,
            Palette::Mono(on) => {
                if c.r() >= 128 || c.g() >= 128 || c.b() >= 128 {
                    on
                } else {
                    Rgb888::BLACK
                }
            }
            Palette::Dual { red, green, yellow } => match (c.r() >= 128, c.g() >= 128) {
                (true, true) => yellow,
                (true, false) => red,
                (false, true) => green,
                (false, false) => Rgb888::BLACK,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3x2 frame whose pixel (x, y) has red = 10*y + x + 1.
    fn numbered(w: u32, h: u32) -> Frame {
        let mut f = Frame::new(w, h);
        for y in 0..h {
            for x in 0..w {
                f.set(x as i32, y as i32, Rgb888::new((10 * y + x + 1) as u8, 0, 0));
            }
        }
        f
    }

    fn reds(cfg: PixMapConfig, f: &Frame) -> Vec<u8> {
        let mut out = Vec::new();
        PixMap::new(&cfg).map(f, Power::default(), &mut out);
        out.chunks(3).map(|c| c[cfg.color_order.iter().position(|&i| i == 0).unwrap()]).collect()
    }

    #[test]
    fn wiring_orders() {
        let f = numbered(3, 2);
        let c = |order| PixMapConfig { order, ..PixMapConfig::default() };
        assert_eq!(reds(c(Order::Rows), &f), [1, 2, 3, 11, 12, 13]);
        assert_eq!(reds(c(Order::SerpentineRows), &f), [1, 2, 3, 13, 12, 11]);
        assert_eq!(reds(c(Order::Columns), &f), [1, 11, 2, 12, 3, 13]);
        assert_eq!(reds(c(Order::SerpentineColumns), &f), [1, 11, 12, 2, 3, 13]);
    }

    #[test]
    fn rotation_and_flips() {
        let f = numbered(3, 2);
        let c = |rotate, flip_x, flip_y| PixMapConfig { rotate, flip_x, flip_y, ..PixMapConfig::default() };
        // Clockwise 90: the bottom-left pixel comes first; the image is 2 wide, 3 high.
        assert_eq!(reds(c(90, false, false), &f), [11, 1, 12, 2, 13, 3]);
        assert_eq!(reds(c(180, false, false), &f), [13, 12, 11, 3, 2, 1]);
        assert_eq!(reds(c(270, false, false), &f), [3, 13, 2, 12, 1, 11]);
        assert_eq!(reds(c(0, true, false), &f), [3, 2, 1, 13, 12, 11]);
        assert_eq!(reds(c(0, false, true), &f), [11, 12, 13, 1, 2, 3]);
    }

    #[test]
    fn chained_panels_each_wired_serpentine() {
        // Two 2x2 panels side by side, chained left to right, each serpentine.
        let f = numbered(4, 2);
        let cfg = PixMapConfig { order: Order::SerpentineRows, panel_width: Some(2), panel_height: Some(2), ..PixMapConfig::default() };
        assert_eq!(reds(cfg, &f), [1, 2, 12, 11, 3, 4, 14, 13]);
        // Four 2x1 panels in a 2x2 grid, chain serpentine by rows.
        let cfg = PixMapConfig { panel_width: Some(2), panel_height: Some(1), chain: Order::SerpentineRows, ..PixMapConfig::default() };
        assert_eq!(reds(cfg, &f), [1, 2, 3, 4, 13, 14, 11, 12]);
    }

    #[test]
    fn colour_order_brightness_gamma_and_palettes() {
        let mut f = Frame::new(2, 1);
        f.set(0, 0, Rgb888::new(255, 128, 0));
        f.set(1, 0, Rgb888::new(255, 32, 16)); // a mono screen's red LED colour
        let mut m = PixMap::new(&PixMapConfig { color_order: [1, 0, 2], ..PixMapConfig::default() });
        let mut out = Vec::new();
        m.map(&f, Power::default(), &mut out);
        assert_eq!(&out[..3], &[128, 255, 0]); // GRB
        let mut m = PixMap::new(&PixMapConfig { brightness: 50, gamma: 2.0, ..PixMapConfig::default() });
        out.clear();
        m.map(&f, Power::default(), &mut out);
        assert_eq!(&out[..3], &[128, 32, 0]); // 255 -> 127.5, (128/255)^2*127.5 = 32.1
        out.clear();
        m.map(&f, Power { on: false, brightness: 100 }, &mut out);
        assert!(out.iter().all(|&b| b == 0));
        let mut m = PixMap::new(&PixMapConfig { palette: Palette::Mono(Rgb888::new(255, 0, 0)), ..PixMapConfig::default() });
        out.clear();
        m.map(&f, Power::default(), &mut out);
        assert_eq!(out, [255, 0, 0, 255, 0, 0]);
        let (red, green, yellow) = (Rgb888::new(200, 0, 0), Rgb888::new(0, 200, 0), Rgb888::new(200, 200, 0));
        let mut m = PixMap::new(&PixMapConfig { palette: Palette::Dual { red, green, yellow }, ..PixMapConfig::default() });
        out.clear();
        m.map(&f, Power::default(), &mut out);
        assert_eq!(out, [200, 200, 0, 200, 0, 0]);
    }
}
