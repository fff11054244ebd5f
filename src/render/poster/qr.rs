//! The QR code of an item's link, drawn dark on light with its quiet zone, in whole-pixel modules.

use embedded_graphics::pixelcolor::Rgb888;
use qrcode::{Color, EcLevel, QrCode};

use crate::render::Frame;

/// A QR code as a square frame at most `size` px wide (modules are whole pixels), or
/// `None` when the link is too long to encode or the modules would be under 2 px.
pub(super) fn render(url: &str, size: u32) -> Option<Frame> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    let n = code.width() as u32;
    let quiet = 2;
    let module = size / (n + 2 * quiet);
    if module < 2 {
        return None;
    }
    let side = module * (n + 2 * quiet);
    let mut f = Frame::new(side, side);
    f.fill(Rgb888::new(255, 255, 255));
    let colors = code.to_colors();
    for y in 0..n {
        for x in 0..n {
            if colors[(y * n + x) as usize] == Color::Dark {
                f.fill_rect(((x + quiet) * module) as i32, ((y + quiet) * module) as i32, module, module, Rgb888::new(0, 0, 0));
            }
        }
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_whole_pixels_inside_a_light_quiet_zone() {
        let f = render("https://example.org/items/naobao-2020q4-finance", 200).unwrap();
        // Version 4 (33 modules) + 2 x 2 quiet = 37 modules of 5 px.
        assert_eq!((f.width(), f.height()), (185, 185));
        assert_eq!(f.pixel(9, 9), Rgb888::new(255, 255, 255));
        // The top-left finder pattern right after the quiet zone: dark ring, light ring, dark centre.
        assert_eq!(f.pixel(10, 10), Rgb888::new(0, 0, 0));
        assert_eq!(f.pixel(16, 16), Rgb888::new(255, 255, 255));
        assert_eq!(f.pixel(22, 22), Rgb888::new(0, 0, 0));
        assert!(render("https://example.org/x", 20).is_none(), "too small to scan");
    }
}
