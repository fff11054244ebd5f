//! Masks personal numbers (ID card, mobile, bank card) before text reaches a public screen.
//!
//! One pass over the text, no regex. Digits are ASCII `0-9`, full-width `０-９` or
//! Mongolian `᠐-᠙` (U+1810..U+1819, in `mn` text), matched as the same digits and
//! masked in place: an ASCII digit becomes `*`, any other `＊`, so the char count and
//! (for ASCII and full-width) the display width stay the same.
//!
//! The scanner collects *chains*: maximal digit runs ("groups") joined by exactly one
//! separator (space, U+3000, `-`, `－`, `‐`). A number never continues across any
//! other char, so a digit run is always whole: a shape below never matches part of a
//! longer run. A chain is then read left to right; at each group the first of these
//! that fits wins:
//!
//! | shape | kind | shown |
//! |---|---|---|
//! | 4-4-4-4 groups, optionally one more group of 1-3 (16-19 digits), issuer digit ok | bank card | last 4 |
//! | 6-8-4 groups (or 6-8-3 + `X`), region digit 1-8 | ID card | first 6, last 4 |
//! | 3-4-4 groups, `1[3-9]…` | mobile | first 3, last 4 |
//! | one group of 18 digits, or 17 + `X`/`x`, region digit 1-8 | ID card | first 6, last 4 |
//! | one group of 15 digits, region digit 1-8, plausible `YYMMDD` (old ID) | ID card | first 6, last 3 |
//! | one group of 11 digits, `1[3-9]…` | mobile | first 3, last 4 |
//! | one group of 16 or 19 digits, issuer digit ok | bank card | last 4 |
//!
//! Mask stars (`*`, `＊`) count as digits of unknown value (see `STAR`): masking twice
//! is masking once, and a number a source masked only partly is masked fully.
//!
//! Windows inside a longer chain match too ("张三 138 1234 5678 2" in a flattened
//! table row): a space-separated neighbour does not make a phone number less personal.
//!
//! Left alone, on purpose:
//! - a 17-digit run (without a trailing `X`) and any run of 20 or more digits: none of
//!   the three shapes (17 is an ID missing a digit or an odd serial; 20 is, for example,
//!   an electronic invoice number), so no rule claims them. Note: ISO/IEC 7812 does
//!   allow 17-digit cards, but they are rare in China (16 credit, 19 debit).
//! - 18 digits starting with `0` or `9`: no ID region code starts so, and all-digit
//!   unified social credit codes (统一社会信用代码) of contractors, public in contract
//!   notices, very often start with `9`.
//! - 15 digits that are not a plausible old ID (region 1-8, month 01-12, day 01-31).
//! - bank shapes whose first digit is 0, 1 or 2 (except the Mastercard 2221-2720
//!   range): card numbers start with their industry digit (3 travel, 4/5 banking,
//!   6 UnionPay `62…`, 9 old domestic cards); this keeps date-prefixed serials
//!   (`2021010400000123`) and rows of years (`2021 2022 2023 2024`) visible.
//! - a run that is part of a decimal number (`13812345678.50`, `0.138123456789012`):
//!   an amount or a measurement, not an identifier.
//! - amounts with thousands separators, dates, times, percentages, house numbers:
//!   their groups are too short for any shape.
//! - `+86`: kept visible; the national number after it (`+8613812345678`,
//!   `+86 138 1234 5678`) is masked. Other country codes and a bare `86…` prefix
//!   (a 13-digit run) are not recognised.

pub(crate) mod policy;

use std::borrow::Cow;
use std::ops::Range;

pub(crate) use policy::{MaskPolicy, parse_masking};

/// Which kinds of personal numbers to mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskRules {
    pub id_card: bool,
    pub mobile: bool,
    pub bank_card: bool,
}

impl Default for MaskRules {
    /// Everything masked: the safe default for a public screen.
    fn default() -> Self {
        MaskRules::ALL
    }
}

impl MaskRules {
    /// Mask nothing.
    pub const NONE: MaskRules = MaskRules { id_card: false, mobile: false, bank_card: false };
    /// Mask every kind (the default).
    pub const ALL: MaskRules = MaskRules { id_card: true, mobile: true, bank_card: true };

    fn any(&self) -> bool {
        self.id_card || self.mobile || self.bank_card
    }
}

/// A kind of personal number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// Mainland resident ID card, 18 chars (or the old 15-digit form).
    IdCard,
    /// Mainland mobile number, 11 digits.
    Mobile,
    /// Bank card, 16-19 digits.
    BankCard,
}

/// One personal number found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub kind: Kind,
    /// Byte range of the number in the text, from its first to its last digit (or
    /// `X`), separators inside included, a `+86` prefix excluded.
    pub range: Range<usize>,
}

/// Returns the text with personal numbers masked with '*' (same char count, so layout does not jump); `Cow::Borrowed` when nothing changed.
///
/// Masking is idempotent: masked text contains no further number to mask.
pub(crate) fn mask<'a>(text: &'a str, rules: &MaskRules) -> Cow<'a, str> {
    let found = find(text, rules);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for f in &found {
        out.push_str(&text[copied..f.range.start]);
        let number = &text[f.range.clone()];
        for (c, hide) in plan(f.kind, number) {
            out.push(match (hide, c.is_ascii()) {
                (false, _) => c,
                (true, true) => '*',
                (true, false) => '＊',
            });
        }
        copied = f.range.end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The chars of a found number, each with whether it is to be hidden.
fn plan(kind: Kind, number: &str) -> impl Iterator<Item = (char, bool)> + '_ {
    let is_digit = |c: char| digit_value(c).is_some() || is_check_x(c);
    let total = number.chars().filter(|&c| is_digit(c)).count();
    let (head, tail) = match (kind, total) {
        (Kind::IdCard, 15) => (6, 3),
        (Kind::IdCard, _) => (6, 4),
        (Kind::Mobile, _) => (3, 4),
        (Kind::BankCard, _) => (0, 4),
    };
    let mut k = 0;
    number.chars().map(move |c| {
        if !is_digit(c) {
            return (c, false); // a separator
        }
        k += 1;
        (c, k > head && k + tail <= total)
    })
}

/// What was masked, for logs/check: count per kind.
///
/// Returns the numbers `mask` replaces, in text order, not overlapping. A number
/// that is already masked (every digit to hide is a `*`) is not reported.
pub(crate) fn find(text: &str, rules: &MaskRules) -> Vec<Found> {
    let mut found = Vec::new();
    if !rules.any() {
        return found;
    }
    let bytes = text.as_bytes();
    let mut groups: Vec<Group> = Vec::new();
    let mut digits: Vec<u8> = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        // Fast skip to the next digit or star: ASCII, full-width U+FF10-FF19 and
        // U+FF0A (EF BC 90-99, EF BC 8A), or Mongolian U+1810-1819 (E1 A0 90-99).
        let b = bytes[pos];
        let is_digit_start = b.is_ascii_digit()
            || b == b'*'
            || (b == 0xEF && bytes.get(pos + 1) == Some(&0xBC) && matches!(bytes.get(pos + 2), Some(0x8A | 0x90..=0x99)))
            || (b == 0xE1 && bytes.get(pos + 1) == Some(&0xA0) && matches!(bytes.get(pos + 2), Some(0x90..=0x99)));
        if !is_digit_start {
            pos += 1;
            continue;
        }
        pos = read_chain(text, pos, &mut groups, &mut digits);
        match_chain(text, &groups, &digits, rules, &mut found);
    }
    found.retain(|f| plan(f.kind, &text[f.range.clone()]).any(|(c, hide)| hide && digit_value(c) != Some(STAR)));
    found
}

/// A maximal run of digits.
#[derive(Debug, Clone, Copy)]
struct Group {
    /// Byte range of the digits.
    start: usize,
    end: usize,
    /// Where its digits are in the chain's digit buffer.
    d: usize,
    len: usize,
    /// End of a check char `X`/`x` right after the digits (not followed by a letter
    /// or digit).
    x_end: Option<usize>,
    /// Part of a decimal number (`.` and a digit on either side).
    decimal: bool,
}

impl Group {
    fn digits<'d>(&self, buf: &'d [u8]) -> &'d [u8] {
        &buf[self.d..self.d + self.len]
    }
}

/// Reads the chain of digit groups starting at `start` (a digit). Returns the byte
/// position after it.
fn read_chain(text: &str, start: usize, groups: &mut Vec<Group>, digits: &mut Vec<u8>) -> usize {
    groups.clear();
    digits.clear();
    let mut pos = start;
    loop {
        let g_start = pos;
        let d = digits.len();
        let mut chars = text[pos..].chars();
        for c in chars.by_ref() {
            match digit_value(c) {
                Some(v) => {
                    digits.push(v);
                    pos += c.len_utf8();
                }
                None => break,
            }
        }
        let mut g = Group { start: g_start, end: pos, d, len: digits.len() - d, x_end: None, decimal: false };
        let before = prev_char(text, g_start);
        let after = next_char(text, pos);
        let is_dot = |c: &char| matches!(c, '.' | '．');
        let is_digit = |c: Option<char>| c.and_then(digit_value).is_some();
        let decimal_before = before.filter(is_dot).is_some_and(|d| is_digit(prev_char(text, g_start - d.len_utf8())));
        let decimal_after = after.filter(is_dot).is_some_and(|d| is_digit(next_char(text, pos + d.len_utf8())));
        g.decimal = decimal_before || decimal_after;
        if let Some(x) = after.filter(|&c| is_check_x(c)) {
            let x_end = pos + x.len_utf8();
            if !next_char(text, x_end).is_some_and(|c| c.is_ascii_alphanumeric() || digit_value(c).is_some()) {
                g.x_end = Some(x_end);
            }
        }
        groups.push(g);
        if g.x_end.is_some() {
            return g.end;
        }
        // One separator, then a digit: the chain goes on.
        match after {
            Some(sep) if is_separator(sep) => {
                let next = pos + sep.len_utf8();
                if next_char(text, next).and_then(digit_value).is_some() {
                    pos = next;
                    continue;
                }
                return pos;
            }
            _ => return pos,
        }
    }
}

/// Appends the personal numbers in a chain to `found`.
fn match_chain(text: &str, groups: &[Group], digits: &[u8], rules: &MaskRules, found: &mut Vec<Found>) {
    // "+86": the country code is its own group, even when written "+8613812345678".
    let mut split;
    let groups = match groups.first() {
        Some(g) if g.len > 2 && matches!(prev_char(text, g.start), Some('+' | '＋')) && g.digits(digits).starts_with(&[8, 6]) => {
            split = Vec::with_capacity(groups.len() + 1);
            let cc_end = g.start + text[g.start..].chars().take(2).map(char::len_utf8).sum::<usize>();
            split.push(Group { end: cc_end, len: 2, x_end: None, decimal: false, ..*g });
            split.push(Group { start: cc_end, d: g.d + 2, len: g.len - 2, ..*g });
            split.extend_from_slice(&groups[1..]);
            &split[..]
        }
        _ => groups,
    };

    let lens = |i: usize, want: &[usize]| {
        groups.len() >= i + want.len() && groups[i..i + want.len()].iter().zip(want).all(|(g, &n)| g.len == n && !g.decimal)
    };
    let mut i = 0;
    while i < groups.len() {
        let g = &groups[i];
        let ds = g.digits(digits);
        let mut emit = |kind, last: usize, end: usize| {
            found.push(Found { kind, range: g.start..end });
            last + 1
        };

        // Grouped forms.
        if rules.bank_card && lens(i, &[4, 4, 4, 4]) && issuer_ok(ds) {
            let mut last = i + 3;
            if groups.get(i + 4).is_some_and(|t| (1..=3).contains(&t.len) && !t.decimal) {
                last = i + 4;
            }
            i = emit(Kind::BankCard, last, groups[last].end);
            continue;
        }
        if rules.id_card && lens(i, &[6, 8]) && region_ok(ds) {
            let t = groups.get(i + 2);
            if let Some(t) = t.filter(|t| !t.decimal && t.x_end.is_none() && t.len == 4) {
                i = emit(Kind::IdCard, i + 2, t.end);
                continue;
            }
            if let Some(x_end) = t.filter(|t| !t.decimal && t.len == 3).and_then(|t| t.x_end) {
                i = emit(Kind::IdCard, i + 2, x_end);
                continue;
            }
        }
        if rules.mobile && lens(i, &[3, 4, 4]) && mobile_prefix_ok(ds) {
            i = emit(Kind::Mobile, i + 2, groups[i + 2].end);
            continue;
        }

        // One group.
        if !g.decimal {
            let kind = match (g.len, g.x_end) {
                (17, Some(_)) if rules.id_card && region_ok(ds) => Some(Kind::IdCard),
                (18, _) if rules.id_card && region_ok(ds) => Some(Kind::IdCard),
                (15, _) if rules.id_card && old_id_ok(ds) => Some(Kind::IdCard),
                (11, _) if rules.mobile && mobile_prefix_ok(ds) => Some(Kind::Mobile),
                (16 | 19, _) if rules.bank_card && issuer_ok(ds) => Some(Kind::BankCard),
                _ => None,
            };
            if let Some(kind) = kind {
                let end = if g.len == 17 { g.x_end.unwrap_or(g.end) } else { g.end };
                i = emit(kind, i, end);
                continue;
            }
        }
        i += 1;
    }
}

// The digit checks below accept a `STAR` for any digit (see `STAR`).

/// `1[3-9]`: the mainland mobile number plan.
fn mobile_prefix_ok(d: &[u8]) -> bool {
    d.len() >= 2 && matches!(d[0], 1 | STAR) && matches!(d[1], 3..=9 | STAR)
}

/// ID region codes start with 1-8 (11 Beijing ... 82 Macau).
fn region_ok(d: &[u8]) -> bool {
    matches!(d.first().copied(), Some(1..=8 | STAR))
}

/// Old 15-digit ID: region, `YYMMDD`, 3-digit sequence.
fn old_id_ok(d: &[u8]) -> bool {
    let two = |i: usize| (d[i] != STAR && d[i + 1] != STAR).then(|| d[i] * 10 + d[i + 1]);
    region_ok(d) && two(8).is_none_or(|month| (1..=12).contains(&month)) && two(10).is_none_or(|day| (1..=31).contains(&day))
}

/// The major industry identifier of a card number (ISO/IEC 7812): 3 travel, 4 and 5
/// banking (Visa, Mastercard), 6 UnionPay `62…`, 9 older domestic cards, and the
/// Mastercard 2221-2720 range.
fn issuer_ok(d: &[u8]) -> bool {
    match d.first().copied() {
        Some(3..=9 | STAR) => true,
        Some(2) if d.len() >= 4 && d[..4].contains(&STAR) => true,
        Some(2) if d.len() >= 4 => {
            let prefix = d[..4].iter().fold(0u32, |acc, &x| acc * 10 + u32::from(x));
            (2221..=2720).contains(&prefix)
        }
        _ => false,
    }
}

/// The value of a mask star in the digit buffer.
///
/// Stars count as digits of unknown value: they are part of digit runs and pass
/// every digit check. That makes masking idempotent (a masked number keeps the shape
/// and the context it was found with, so it is found again, and nothing is left to
/// hide) and catches numbers a source masked only partly (`110105199001****34`).
/// The price: a star glued to a number (`*13812345678`) makes the run longer.
const STAR: u8 = 10;

/// A digit's value (ASCII or full-width), or `STAR` for `*` and `＊`.
fn digit_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '０'..='９' => Some((c as u32 - '０' as u32) as u8),
        // Mongolian digits: a number in the `mn` text is as personal as in the Chinese.
        '᠐'..='᠙' => Some((c as u32 - '᠐' as u32) as u8),
        '*' | '＊' => Some(STAR),
        _ => None,
    }
}

fn is_check_x(c: char) -> bool {
    matches!(c, 'X' | 'x' | 'Ｘ' | 'ｘ')
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\u{3000}' | '-' | '－' | '‐' | '‑')
}

fn prev_char(text: &str, byte: usize) -> Option<char> {
    text[..byte].chars().next_back()
}

fn next_char(text: &str, byte: usize) -> Option<char> {
    text[byte..].chars().next()
}

#[cfg(test)]
mod tests;
