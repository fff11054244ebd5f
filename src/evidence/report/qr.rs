//! A QR code as inline SVG (one path, dark on light, with its quiet zone), so a printed
//! report carries the log head `seq:hash` in a form a phone can read back.

use std::fmt::Write;

use qrcode::{Color, EcLevel, QrCode};

/// Quiet zone in modules, as the QR standard asks.
const QUIET: usize = 4;

/// The SVG for `text`, `size` wide (a CSS length); `None` if it is too long to encode.
pub(super) fn svg(text: &str, size: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let n = code.width();
    let side = n + 2 * QUIET;
    let colors = code.to_colors();
    let mut d = String::new();
    for y in 0..n {
        for x in 0..n {
            if colors[y * n + x] == Color::Dark {
                let _ = write!(d, "M{},{}h1v1h-1z", x + QUIET, y + QUIET);
            }
        }
    }
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" width="{size}" height="{size}" shape-rendering="crispEdges" role="img" aria-label="QR"><rect width="{side}" height="{side}" fill="#fff"/><path d="{d}" fill="#000"/></svg>"##
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_has_its_finder_pattern_inside_the_quiet_zone() {
        let s = svg(&format!("864001:{}", "9a".repeat(32)), "30mm").unwrap();
        // 71 bytes at level M: version 5, 37 modules, plus 2 x 4 quiet.
        assert!(s.contains(r#"viewBox="0 0 45 45""#), "{s}");
        // The top-left finder pattern starts right after the quiet zone.
        assert!(s.contains("M4,4h1v1h-1zM5,4h1v1h-1z"), "{}", &s[..300]);
        assert!(svg(&"x".repeat(5000), "30mm").is_none());
    }
}
