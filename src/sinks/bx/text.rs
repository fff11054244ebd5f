//! Text for a font card: GB2312 bytes, the card's escape codes, and line/page layout
//! with the card's font metrics (a hanzi is `font` px wide, an ASCII char half that).
//!
//! Pure. It never emits a byte the card would misread: characters outside GB2312
//! are replaced or reported by the caller's policy before anything is encoded,
//! and a literal backslash (the card's escape introducer) becomes a full-width one.

pub(crate) use super::config::CardColor;
use crate::render::linebreak::break_lines;

/// One character as GB2312 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gb {
    Ascii(u8),
    Double(u8, u8),
}

/// Whether (lead, trail) is an assigned GB2312 cell (7,445 characters; checked
/// against Python's strict gb2312 codec when written). GBK assigns more cells in
/// these rows, which a GB2312 font card would draw as garbage.
fn is_gb2312_cell(a: u8, b: u8) -> bool {
    if !(0xA1..=0xFE).contains(&b) {
        return false;
    }
    match a {
        0xA1 | 0xA3 => true,
        0xA2 => matches!(b, 0xB1..=0xE2 | 0xE5..=0xEE | 0xF1..=0xFC),
        0xA4 => b <= 0xF3,
        0xA5 => b <= 0xF6,
        0xA6 => matches!(b, 0xA1..=0xB8 | 0xC1..=0xD8),
        0xA7 => matches!(b, 0xA1..=0xC1 | 0xD1..=0xF1),
        0xA8 => matches!(b, 0xA1..=0xBA | 0xC5..=0xE9),
        0xA9 => matches!(b, 0xA4..=0xEF),
        0xD7 => b <= 0xF9,
        0xB0..=0xF7 => true,
        _ => false,
    }
}

/// The GB2312 encoding of `c`, if the card's font has it. Printable ASCII except
/// the backslash (the escape introducer) is single-byte.
pub(crate) fn encode_char(c: char) -> Option<Gb> {
    if c == '\\' {
        return None;
    }
    if (' '..='~').contains(&c) {
        return Some(Gb::Ascii(c as u8));
    }
    // Historical GB2312 mappings that GBK moved elsewhere.
    let c = match c {
        '\u{30FB}' => '\u{00B7}', // katakana middle dot -> A1A4
        '\u{2015}' => '\u{2014}', // horizontal bar -> A1AA
        _ => c,
    };
    let mut buf = [0u8; 4];
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
    match (&*bytes, unmappable) {
        (&[a, b], false) if is_gb2312_cell(a, b) => Some(Gb::Double(a, b)),
        _ => None,
    }
}

/// Characters of `text` the card cannot show (sorted, once each); line breaks and tabs excepted.
pub(crate) fn unsupported(text: &str) -> Vec<char> {
    let mut v: Vec<char> = text.chars().filter(|&c| c != '\n' && c != '\t' && c != '\\' && encode_char(c).is_none()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Makes text safe for the card: `\` becomes `＼`, tabs spaces, other control
/// characters are dropped, and every other unsupported character becomes `marker`.
pub(crate) fn sanitize(text: &str, marker: char) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\\' => Some('＼'),
            '\t' => Some(' '),
            '\n' => Some('\n'),
            c if c.is_control() => None,
            c if encode_char(c).is_some() => Some(c),
            _ => Some(marker),
        })
        .collect()
}

/// The card's font metrics and area: how text is laid out before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CardLayout {
    pub width: u32,
    pub height: u32,
    /// 16, 24 or 32 (the card's font files O000/E000, O001/E001, O002/E002).
    pub font: u32,
    pub line_spacing: u32,
}

impl CardLayout {
    pub(crate) fn advance(&self, c: char) -> u32 {
        if c.is_ascii() { self.font / 2 } else { self.font }
    }

    pub(crate) fn measure(&self, s: &str) -> u32 {
        s.chars().map(|c| self.advance(c)).sum()
    }

    pub(crate) fn pitch(&self) -> u32 {
        self.font + self.line_spacing
    }

    pub(crate) fn lines_per_page(&self) -> usize {
        (((self.height + self.line_spacing) / self.pitch()).max(1)) as usize
    }

    /// Breaks paragraphs into lines that fit the area (Chinese line-breaking rules).
    pub(crate) fn wrap(&self, paragraphs: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for p in paragraphs {
            for r in break_lines(p, self.width, |c| self.advance(c)) {
                out.push(p[r].trim_end().to_string());
            }
        }
        out
    }

    /// Groups lines into the pages the card shows one at a time.
    pub(crate) fn pages(&self, lines: &[String]) -> Vec<Vec<String>> {
        lines.chunks(self.lines_per_page()).map(<[String]>::to_vec).collect()
    }
}

/// Encodes sanitized lines with the card's escape codes: font (`\FO00n` for
/// double-byte runs, `\FE00n` for ASCII runs), colour `\Cn` once, `\n` between lines.
pub(crate) fn encode_lines(lines: &[String], font: u32, color: CardColor) -> Vec<u8> {
    let idx = match font {
        24 => b'1',
        32 => b'2',
        _ => b'0',
    };
    let mut out = Vec::new();
    let mut current: Option<bool> = None; // Some(true) = double-byte font selected
    let mut colored = false;
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\\n");
        }
        for c in line.chars() {
            let Some(g) = encode_char(c) else { continue };
            let double = matches!(g, Gb::Double(..));
            if current != Some(double) {
                out.extend_from_slice(if double { b"\\FO00" } else { b"\\FE00" });
                out.push(idx);
                current = Some(double);
            }
            if !colored {
                out.extend_from_slice(b"\\C");
                out.push(b'0' + color as u8);
                colored = true;
            }
            match g {
                Gb::Ascii(b) => out.push(b),
                Gb::Double(a, b) => out.extend_from_slice(&[a, b]),
            }
        }
    }
    out
}

/// What a card would make of area text: the characters per line, escape codes
/// interpreted (the far-end decoder of the tests and the benchmark).
pub fn decode_text(bytes: &[u8]) -> Result<Vec<String>, String> {
    let mut lines = vec![String::new()];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\' {
            match bytes.get(i + 1) {
                Some(b'n') => {
                    lines.push(String::new());
                    i += 2;
                }
                Some(b'F') if i + 6 <= bytes.len() => i += 6,
                Some(b'C') if i + 3 <= bytes.len() => i += 3,
                other => return Err(format!("unknown escape at byte {i}: {other:?}")),
            }
        } else if b < 0x80 {
            lines.last_mut().unwrap().push(b as char);
            i += 1;
        } else {
            let (a, t) = (b, *bytes.get(i + 1).ok_or("truncated double-byte char")?);
            if !is_gb2312_cell(a, t) {
                return Err(format!("{a:02X}{t:02X} at byte {i} is not GB2312"));
            }
            let pair = [a, t];
            let (s, _, bad) = encoding_rs::GBK.decode(&pair);
            if bad {
                return Err(format!("{a:02X}{t:02X} does not decode"));
            }
            lines.last_mut().unwrap().push_str(&s);
            i += 2;
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gb2312_has_exactly_7445_characters() {
        let mut n = 0;
        for a in 0xA1..=0xFEu8 {
            for b in 0xA1..=0xFEu8 {
                if is_gb2312_cell(a, b) {
                    let pair = [a, b];
                    let (s, _, bad) = encoding_rs::GBK.decode(&pair);
                    assert!(!bad, "{a:02X}{b:02X}");
                    let c = s.chars().next().unwrap();
                    assert_eq!(encode_char(c), Some(Gb::Double(a, b)), "{c} {a:02X}{b:02X}");
                    n += 1;
                }
            }
        }
        assert_eq!(n, 7445);
    }

    #[test]
    fn rare_name_characters_are_outside_gb2312() {
        assert_eq!(unsupported("张喆 王堃 李昇 赵珺 刘玥 陈赟 孙犇 䶮 欢迎 ABC 1.5"), vec!['䶮', '喆', '堃', '昇', '犇', '玥', '珺', '赟']);
        // GBK-only symbols in the GB2312 symbol rows are refused too.
        assert_eq!(encode_char('ⅰ'), None);
        assert_eq!(encode_char('€'), None);
        assert_eq!(encode_char('欢'), Some(Gb::Double(0xBB, 0xB6)));
        assert_eq!(sanitize("a\\b\t喆\u{7}", '□'), "a＼b □");
    }

    #[test]
    fn escapes_switch_fonts_by_script() {
        let t = encode_lines(&["2026年".into(), "第1页".into()], 16, CardColor::Red);
        let mut want = b"\\FE000\\C12026\\FO000".to_vec();
        want.extend_from_slice(&encoding_rs::GBK.encode("年").0);
        want.extend_from_slice(b"\\n");
        want.extend_from_slice(&encoding_rs::GBK.encode("第").0);
        want.extend_from_slice(b"\\FE0001\\FO000");
        want.extend_from_slice(&encoding_rs::GBK.encode("页").0);
        assert_eq!(t, want);
        assert_eq!(decode_text(&t).unwrap(), vec!["2026年", "第1页"]);
    }

    #[test]
    fn lays_out_lines_and_pages_like_the_card() {
        let l = CardLayout { width: 128, height: 32, font: 16, line_spacing: 0 };
        let lines = l.wrap(&["青山村2026年第四季度财务收支公开，请村民监督。".into()]);
        // 8 hanzi or 16 ASCII per 128 px line; "，" never starts a line.
        assert!(lines.iter().all(|s| l.measure(s) <= 128), "{lines:?}");
        assert_eq!(lines.concat(), "青山村2026年第四季度财务收支公开，请村民监督。");
        assert!(!lines.iter().any(|s| s.starts_with('，')));
        assert_eq!(l.lines_per_page(), 2);
        assert_eq!(l.pages(&lines).len(), lines.len().div_ceil(2));
    }
}
