//! Parses GNU Unifont `.hex` files (`CODEPOINT:HEXBITMAP`, one glyph a line) into a `BitmapFont`.
//!
//! Each bitmap is `height` rows of whole bytes, so with height 16 a line of
//! 32 hex digits is an 8x16 glyph and 64 digits a 16x16 glyph. Blank lines
//! and lines starting with `#` are skipped.

use super::{BitmapFont, FontBuilder, FontError};

/// `name` names the font, `origin` the file (for error messages); `lines` are the
/// file's lines with their numbers, read as they come; `size` the text's length if known.
pub(super) fn parse<L: AsRef<str>>(
    name: &str,
    origin: &str,
    lines: impl Iterator<Item = (usize, L)>,
    size: usize,
    height: u32,
) -> Result<BitmapFont, FontError> {
    if !(1..=256).contains(&height) {
        return Err(FontError::parse(origin, 0, format!("cell height {height} is out of range 1..=256")));
    }
    // About 66 text bytes a glyph line for 32 bytes of bitmap (Unifont's mix of 8 and 16 px).
    let mut b = FontBuilder::new(name, height, size / 40 + 1, size / 2);
    for (line_no, l) in lines {
        let line = l.as_ref().trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |msg: String| FontError::parse(origin, line_no, msg);
        let (cp, bitmap) = line.split_once(':').ok_or_else(|| err(format!("expected CODEPOINT:HEXBITMAP, found {:?}", short(line))))?;
        let c = u32::from_str_radix(cp, 16)
            .ok()
            .filter(|_| (1..=6).contains(&cp.len()))
            .ok_or_else(|| err(format!("bad code point {:?}: expected 1 to 6 hex digits", short(cp))))?;
        if char::from_u32(c).is_none() {
            return Err(err(format!("code point {c:04X} is not a Unicode scalar value")));
        }
        let digits = bitmap.len();
        let row_digits = digits / height as usize;
        if digits == 0 || digits % (height as usize * 2) != 0 {
            return Err(err(format!(
                "bitmap of U+{c:04X} has {digits} hex digits: expected a multiple of {} ({height} rows of whole bytes)",
                height * 2
            )));
        }
        let width = row_digits as u32 * 4;
        if width > 1024 {
            return Err(err(format!("glyph U+{c:04X} is {width} px wide: at most 1024 supported")));
        }
        let cell = b.push(c, width);
        for (k, pair) in bitmap.as_bytes().chunks_exact(2).enumerate() {
            match (nibble(pair[0]), nibble(pair[1])) {
                (Some(h), Some(l)) => cell[k] = h << 4 | l,
                _ => {
                    return Err(err(format!("bitmap of U+{c:04X} has a non-hex digit near position {}", k * 2 + cp.len() + 2)));
                }
            }
        }
    }
    Ok(b.finish())
}

#[inline]
pub(super) fn nibble(d: u8) -> Option<u8> {
    match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    }
}

/// A prefix of a bad line for error messages.
fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::super::BitmapFont;

    /// 'A' (8x16) and '中' (16x16), from Unifont.
    const TINY: &str = "\
# test font
0041:0000000018242442427E424242420000

4E2D:01000100010001003FF8210821082108210821083FF821080100010001000100
";

    fn ascii(g: super::super::Glyph<'_>) -> String {
        let mut s = String::new();
        for y in 0..g.height {
            for x in 0..g.width {
                s.push(if g.is_set(x, y) { '#' } else { '.' });
            }
            s.push('\n');
        }
        s
    }

    #[test]
    fn parses_half_and_full_width_glyphs() {
        let f = BitmapFont::from_hex("tiny", TINY, 16).unwrap();
        assert_eq!((f.name(), f.height(), f.len()), ("tiny", 16, 2));
        let a = f.glyph('A').unwrap();
        assert_eq!((a.width, a.height), (8, 16));
        assert_eq!(
            ascii(a),
            "........\n........\n........\n........\n...##...\n..#..#..\n..#..#..\n.#....#.\n\
             .#....#.\n.######.\n.#....#.\n.#....#.\n.#....#.\n.#....#.\n........\n........\n"
        );
        let z = f.glyph('中').unwrap();
        assert_eq!(z.width, 16);
        assert!(z.is_set(7, 0) && z.is_set(2, 4) && z.is_set(12, 4) && !z.is_set(0, 0) && !z.is_set(8, 0));
        assert!(f.glyph('B').is_none());
    }

    #[test]
    fn malformed_lines_give_line_numbers() {
        let bad = TINY.replace("0100\n", "01000\n"); // 4E2D on line 4 gets 65 digits
        let e = BitmapFont::from_hex("tiny", &bad, 16).unwrap_err().to_string();
        assert!(e.starts_with("tiny, line 4: bitmap of U+4E2D has 65 hex digits"), "{e}");
        let e = BitmapFont::from_hex("t", "0041:0000000018242442427E42424242000G\n", 16).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("non-hex"), "{e}");
        let e = BitmapFont::from_hex("t", "\n\n0041 0000\n", 16).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("CODEPOINT:HEXBITMAP"), "{e}");
        let e = BitmapFont::from_hex("t", "D800:00000000000000000000000000000000\n", 16).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("not a Unicode scalar"), "{e}");
        let e = BitmapFont::from_hex("t", "XYZ:00000000000000000000000000000000\n", 16).unwrap_err().to_string();
        assert!(e.contains("bad code point"), "{e}");
    }
}
