//! Parses BDF (Glyph Bitmap Distribution Format 2.x) text into a `BitmapFont`.
//!
//! The cell is `PIXEL_SIZE` rows high (else `SIZE` at its resolution, else the
//! `FONTBOUNDINGBOX` height) and each glyph `DWIDTH` columns wide; `cell.rs`
//! decides where the baseline goes. Glyphs with `ENCODING -1` are skipped.

use super::cell::{self, Raw};
use super::hex::nibble;
use super::{BitmapFont, FontError};

#[derive(Default)]
struct Header {
    pixel_size: Option<i64>,
    size: Option<(i64, i64)>, // point size, y resolution
    ascent: Option<i64>,
    descent: Option<i64>,
    bbox: Option<[i64; 4]>,
    dwidth: Option<i64>,
}

/// `name` names the font, `origin` the file (for error messages); `lines` are the
/// file's lines with their numbers (read as they come: the text is never held whole),
/// `size` the text's length if known (to size the buffers).
pub(super) fn parse<L: AsRef<str>>(
    name: &str,
    origin: &str,
    mut lines: impl Iterator<Item = (usize, L)>,
    size: usize,
) -> Result<BitmapFont, FontError> {
    let mut header = Header::default();
    let mut glyphs: Vec<Raw> = Vec::new();
    let mut raw: Vec<u8> = Vec::with_capacity(size / 5);
    let mut started = false;
    let mut last_line = 0;

    while let Some((n, l)) = lines.next() {
        let line = l.as_ref();
        last_line = n;
        let mut words = line.split_ascii_whitespace();
        let Some(key) = words.next() else { continue };
        if !started {
            if key == "STARTFONT" || key == "COMMENT" {
                started = key == "STARTFONT";
                continue;
            }
            let found: String = line.chars().take(40).collect();
            let msg = format!("not a BDF file: expected STARTFONT, found {found:?}");
            return Err(FontError::parse(origin, n, msg));
        }
        let mut int = || ints::<1>(&mut words, line, origin, n).map(|[v]| Some(v));
        match key {
            "PIXEL_SIZE" => header.pixel_size = int()?,
            "FONT_ASCENT" => header.ascent = int()?,
            "FONT_DESCENT" => header.descent = int()?,
            "DWIDTH" => header.dwidth = int()?,
            "SIZE" => {
                let [pt, _, yres] = ints::<3>(&mut words, line, origin, n)?;
                header.size = Some((pt, yres));
            }
            "FONTBOUNDINGBOX" => header.bbox = Some(ints::<4>(&mut words, line, origin, n)?),
            "STARTCHAR" => {
                let g = parse_char(origin, &mut lines, &header, &mut raw, n, &mut last_line)?;
                glyphs.extend(g);
            }
            "ENDFONT" => break,
            _ => {} // COMMENT, properties we do not need, CHARS, ...
        }
    }
    if !started {
        return Err(FontError::parse(origin, last_line.max(1), "not a BDF file: no STARTFONT line"));
    }
    let height = cell_height(&header).ok_or_else(|| {
        let msg = "no PIXEL_SIZE, SIZE or FONTBOUNDINGBOX: cannot tell the cell height";
        FontError::parse(origin, 1, msg)
    })?;
    let ascent = cell::choose_ascent(header.ascent, header.descent, height, &glyphs, &raw);
    Ok(cell::place(name, height, ascent, &glyphs, &raw))
}

/// Reads one glyph after its STARTCHAR line; `None` for glyphs without a Unicode encoding.
fn parse_char<L: AsRef<str>>(
    origin: &str,
    lines: &mut impl Iterator<Item = (usize, L)>,
    header: &Header,
    raw: &mut Vec<u8>,
    start_line: usize,
    last_line: &mut usize,
) -> Result<Option<Raw>, FontError> {
    let (mut encoding, mut dwidth, mut bbx) = (None, header.dwidth, header.bbox);
    while let Some((n, l)) = lines.next() {
        let line = l.as_ref();
        *last_line = n;
        let err = |msg: &str| FontError::parse(origin, n, msg);
        let mut words = line.split_ascii_whitespace();
        match words.next() {
            Some("ENCODING") => encoding = Some(ints::<1>(&mut words, line, origin, n)?[0]),
            Some("DWIDTH") => dwidth = Some(ints::<1>(&mut words, line, origin, n)?[0]),
            Some("BBX") => bbx = Some(ints::<4>(&mut words, line, origin, n)?),
            Some("BITMAP") => {
                let enc = encoding.ok_or_else(|| err("glyph has no ENCODING before BITMAP"))?;
                let dwidth = dwidth.ok_or_else(|| err("glyph has no DWIDTH"))?.clamp(0, 1024);
                let [w, h, xoff, yoff] = bbx.ok_or_else(|| err("glyph has no BBX and the font no FONTBOUNDINGBOX"))?;
                if !(0..=1024).contains(&w) || !(0..=1024).contains(&h) || xoff.abs() > 1024 || yoff.abs() > 1024 {
                    return Err(err(&format!("glyph box {w} {h} {xoff} {yoff} is out of range (1024)")));
                }
                let offset = raw.len();
                let ink_rows = read_bitmap(origin, lines, w as u32, h as u32, raw, last_line)?;
                let Some(c) = u32::try_from(enc).ok().filter(|&c| char::from_u32(c).is_some()) else {
                    raw.truncate(offset); // ENCODING -1 (no Unicode mapping) or not a scalar value
                    return Ok(None);
                };
                let (w, h, xoff, yoff) = (w as u32, h as u32, xoff as i32, yoff as i32);
                return Ok(Some(Raw { c, dwidth: dwidth as i32, w, h, xoff, yoff, offset, ink_rows }));
            }
            Some("ENDCHAR") => return Err(err("glyph has no BITMAP")),
            Some("STARTCHAR" | "ENDFONT") => {
                return Err(err(&format!("glyph started on line {start_line} has no ENDCHAR")));
            }
            _ => {}
        }
    }
    let msg = format!("file ends inside the glyph started on line {start_line}: it is truncated");
    Err(FontError::parse(origin, *last_line, msg))
}

/// Reads `h` hex rows of a `w`-wide bitmap into `raw`, then ENDCHAR; returns
/// the first and last rows holding ink.
fn read_bitmap<L: AsRef<str>>(
    origin: &str,
    lines: &mut impl Iterator<Item = (usize, L)>,
    w: u32,
    h: u32,
    raw: &mut Vec<u8>,
    last_line: &mut usize,
) -> Result<Option<(u32, u32)>, FontError> {
    let stride = w.div_ceil(8) as usize;
    let mut ink_rows: Option<(u32, u32)> = None;
    for row in 0..h {
        let truncated = || FontError::parse(origin, *last_line, "file ends inside a BITMAP: it is truncated");
        let (n, l) = lines.next().ok_or_else(truncated)?;
        let line = l.as_ref();
        *last_line = n;
        let digits = line.trim().as_bytes();
        let bad = |what: &str| FontError::parse(origin, n, format!("bitmap row {:?} {what}", line.trim()));
        if digits.len() < stride * 2 {
            return Err(bad(&format!("has {} hex digits, expected {} for width {w}", digits.len(), stride * 2)));
        }
        let mut any = false;
        for pair in digits[..stride * 2].chunks_exact(2) {
            let (Some(hi), Some(lo)) = (nibble(pair[0]), nibble(pair[1])) else {
                return Err(bad("is not hex"));
            };
            raw.push(hi << 4 | lo);
            any |= hi | lo != 0;
        }
        if any {
            ink_rows = Some((ink_rows.map_or(row, |r| r.0), row));
        }
    }
    match lines.next() {
        Some((n, l)) if l.as_ref().trim() == "ENDCHAR" => {
            *last_line = n;
            Ok(ink_rows)
        }
        Some((n, l)) => {
            let msg = format!("expected ENDCHAR after {h} bitmap rows, found {:?}", l.as_ref().trim());
            Err(FontError::parse(origin, n, msg))
        }
        None => Err(FontError::parse(origin, *last_line, "file ends before ENDCHAR: it is truncated")),
    }
}

/// Parses exactly the first `N` integers after a keyword on line `n`.
fn ints<'a, const N: usize>(words: &mut impl Iterator<Item = &'a str>, line: &str, origin: &str, n: usize) -> Result<[i64; N], FontError> {
    let mut out = [0i64; N];
    for v in out.iter_mut() {
        *v = words
            .next()
            .and_then(|w| w.parse().ok())
            .ok_or_else(|| FontError::parse(origin, n, format!("bad line {:?}: expected {N} integer(s)", line.trim())))?;
    }
    Ok(out)
}

fn cell_height(h: &Header) -> Option<u32> {
    let px = h.pixel_size.filter(|&p| p > 0).or_else(|| {
        let (pt, yres) = h.size?;
        Some((pt * yres + 36) / 72).filter(|&p| p > 0)
    });
    let px = px.or_else(|| h.bbox.map(|b| b[1]).filter(|&p| p > 0))?;
    u32::try_from(px).ok().filter(|&p| p <= 256)
}

#[cfg(test)]
mod tests {
    use super::super::{BitmapFont, Glyph};

    /// PIXEL_SIZE 6 but ascent + descent 8: an ideograph-like box 5x5 offset
    /// -1, a '[' reaching 4 px above the baseline, a 'g' with a 2-row
    /// descender, a tall '|' that must be clipped, a glyph without Unicode
    /// encoding, and a 'W' wider than its advance.
    fn tiny() -> String {
        let mut s = String::from(
            "STARTFONT 2.1\nFONT -test-tiny\nSIZE 6 75 75\nFONTBOUNDINGBOX 6 8 0 -2\n\
             STARTPROPERTIES 3\nPIXEL_SIZE 6\nFONT_ASCENT 6\nFONT_DESCENT 2\nENDPROPERTIES\nCHARS 6\n",
        );
        for (name, enc, dwidth, bbx, rows) in [
            ("uni4E2D", 20013, 6, "5 5 0 -1", "20 F8 A8 F8 20"),
            ("bracketleft", 91, 3, "2 6 0 -1", "C0 80 80 80 80 C0"),
            ("g", 103, 4, "3 4 0 -2", "E0 A0 E0 20"),
            ("bar", 124, 2, "1 8 0 -2", "80 80 80 80 80 80 80 80"),
            ("nounicode", -1, 2, "1 1 0 0", "80"),
            ("W", 87, 3, "5 2 -1 0", "F8 88"),
        ] {
            let rows = rows.replace(' ', "\n");
            s += &format!("STARTCHAR {name}\nENCODING {enc}\nSWIDTH 500 0\nDWIDTH {dwidth} 0\nBBX {bbx}\nBITMAP\n{rows}\nENDCHAR\n");
        }
        s + "ENDFONT\n"
    }

    fn ascii(g: Glyph<'_>) -> String {
        let row = |y| (0..g.width).map(|x| if g.is_set(x, y) { '#' } else { '.' }).collect::<String>();
        (0..g.height).map(|y| row(y) + "\n").collect()
    }

    #[test]
    fn places_glyphs_on_a_baseline_that_fits_the_ideograph() {
        let f = BitmapFont::from_bdf("tiny", &tiny()).unwrap();
        assert_eq!((f.name(), f.height(), f.len()), ("tiny", 6, 5));
        // Ascent 5: ascent 4 would also fit the ideograph but clip the top of '['.
        assert_eq!(ascii(f.glyph('中').unwrap()), "......\n..#...\n#####.\n#.#.#.\n#####.\n..#...\n");
        assert_eq!(ascii(f.glyph('[').unwrap()), "##.\n#..\n#..\n#..\n#..\n##.\n");
        // 'g' moved up one row so that its descender stays whole.
        assert_eq!(ascii(f.glyph('g').unwrap()), "....\n....\n###.\n#.#.\n###.\n..#.\n");
        // The 8-row bar is clipped to the cell.
        assert_eq!(ascii(f.glyph('|').unwrap()), "#.\n#.\n#.\n#.\n#.\n#.\n");
        // Ink left of 0 and right of DWIDTH is clipped.
        assert_eq!(ascii(f.glyph('W').unwrap()), "...\n...\n...\n###\n...\n...\n");
    }

    #[test]
    fn uses_font_ascent_when_it_matches_the_pixel_size() {
        let f = BitmapFont::from_bdf("tiny", &tiny().replace("FONT_ASCENT 6", "FONT_ASCENT 4")).unwrap();
        assert_eq!(ascii(f.glyph('中').unwrap()), "..#...\n#####.\n#.#.#.\n#####.\n..#...\n......\n");
    }

    #[test]
    fn malformed_bdf_gives_line_numbers() {
        // (bad text, a line of it the error must name, offset from that line, message start)
        let tiny = tiny();
        let cases = [
            (tiny.replace("BBX 3 4 0 -2", "BBX 3 x 0 -2"), "BBX 3 x", 0, "bad line \"BBX 3 x 0 -2\""),
            (tiny.replace("A8\n", "AZ\n"), "AZ", 0, "bitmap row \"AZ\" is not hex"),
            (tiny.replace("A8\n", "A\n"), "A", 0, "bitmap row \"A\" has 1 hex digits, expected 2"),
            (tiny.replace("E0\n20\nENDCHAR", "E0\n20\nE0\nENDCHAR"), "STARTCHAR bar", -2, "expected ENDCHAR"),
            (tiny.replace("ENCODING 103\n", ""), "STARTCHAR g", 4, "glyph has no ENCODING"),
            ("COMMENT x\nhello\n".into(), "hello", 0, "not a BDF file"),
        ];
        for (text, needle, offset, start) in cases {
            let line = (text.lines().position(|l| l == needle || l.starts_with(needle)).unwrap() + 1) as i32 + offset;
            let msg = BitmapFont::from_bdf("t", &text).unwrap_err().to_string();
            assert!(msg.starts_with(&format!("t, line {line}: {start}")), "{msg}");
            assert!(msg.ends_with("regenerate it with fonts/build-fonts.sh"), "{msg}");
        }
        let msg = BitmapFont::from_bdf("t", &tiny[..tiny.find("20\nENDCHAR\nSTARTCHAR bar").unwrap()]).unwrap_err();
        assert!(msg.to_string().contains("truncated"), "{msg}");
    }
}
