//! Masks personal numbers (ID card, mobile, bank card) before text reaches a public screen.
//!
//! One pass over the text, no regex. Digits are ASCII `0-9` or full-width `０-９`
//! (matched as the same digits, masked in place: an ASCII digit becomes `*`, a
//! full-width one `＊`, so the char count and the display width stay the same).
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

use std::borrow::Cow;
use std::ops::Range;

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
pub enum Kind {
    /// Mainland resident ID card, 18 chars (or the old 15-digit form).
    IdCard,
    /// Mainland mobile number, 11 digits.
    Mobile,
    /// Bank card, 16-19 digits.
    BankCard,
}

impl Kind {
    /// The name used in configuration and logs (`id_card`, `mobile`, `bank_card`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::IdCard => "id_card",
            Kind::Mobile => "mobile",
            Kind::BankCard => "bank_card",
        }
    }
}

/// One personal number found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: Kind,
    /// Byte range of the number in the text, from its first to its last digit (or
    /// `X`), separators inside included, a `+86` prefix excluded.
    pub range: Range<usize>,
}

/// Returns the text with personal numbers masked with '*' (same char count, so layout does not jump); `Cow::Borrowed` when nothing changed.
///
/// Masking is idempotent: masked text contains no further number to mask.
pub fn mask<'a>(text: &'a str, rules: &MaskRules) -> Cow<'a, str> {
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
pub fn find(text: &str, rules: &MaskRules) -> Vec<Found> {
    let mut found = Vec::new();
    if !rules.any() {
        return found;
    }
    let bytes = text.as_bytes();
    let mut groups: Vec<Group> = Vec::new();
    let mut digits: Vec<u8> = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        // Fast skip to the next digit or star: ASCII, or full-width U+FF10-FF19 and
        // U+FF0A (EF BC 90-99, EF BC 8A).
        let b = bytes[pos];
        let is_digit_start = b.is_ascii_digit()
            || b == b'*'
            || (b == 0xEF && bytes.get(pos + 1) == Some(&0xBC) && matches!(bytes.get(pos + 2), Some(0x8A | 0x90..=0x99)));
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
mod tests {
    use super::*;

    #[track_caller]
    fn masked(text: &str) -> String {
        mask(text, &MaskRules::default()).into_owned()
    }

    /// `text` is masked to `expected`; and the usual invariants hold.
    #[track_caller]
    fn check(text: &str, expected: &str) {
        check_with(text, &MaskRules::default(), expected);
    }

    #[track_caller]
    fn check_with(text: &str, rules: &MaskRules, expected: &str) {
        let once = mask(text, rules);
        assert_eq!(once, expected, "masking {text:?}");
        assert_eq!(once.chars().count(), text.chars().count(), "char count of {text:?}");
        assert_eq!(matches!(once, Cow::Borrowed(_)), text == expected, "Cow variant for {text:?}");
        let twice = mask(&once, rules);
        assert!(matches!(twice, Cow::Borrowed(_)), "masking is not idempotent: {once:?} -> {twice:?}");
    }

    #[track_caller]
    fn untouched(text: &str) {
        check(text, text);
        assert_eq!(find(text, &MaskRules::default()), vec![], "{text:?}");
    }

    fn kinds(text: &str) -> Vec<Kind> {
        find(text, &MaskRules::default()).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn id_cards() {
        check("张三 身份证110105199001011234 电话13812345678", "张三 身份证110105********1234 电话138****5678");
        check("110105199001011234", "110105********1234");
        check("身份证号：11010519900101123X。", "身份证号：110105********123X。");
        check("身份证号11010519900101123x，", "身份证号110105********123x，");
        // Grouped 6-8-4.
        check("证件 110105 19900101 1234", "证件 110105 ******** 1234");
        check("证件 110105 19900101 123X", "证件 110105 ******** 123X");
        // Old 15-digit ID: first 6 and last 3 shown.
        check("旧证110105900101123", "旧证110105******123");
        // Full-width digits: recognised and masked in place with full-width stars.
        check("身份证１１０１０５１９９００１０１１２３４", "身份证１１０１０５＊＊＊＊＊＊＊＊１２３４");
        assert_eq!(find("身份证110105199001011234号", &MaskRules::default()), vec![Found { kind: Kind::IdCard, range: 9..27 }]);
    }

    #[test]
    fn mobiles() {
        check("电话13812345678", "电话138****5678");
        check("电话：138 1234 5678。", "电话：138 **** 5678。");
        check("电话：138-1234-5678", "电话：138-****-5678");
        check("电话：138\u{3000}1234\u{3000}5678", "电话：138\u{3000}****\u{3000}5678");
        check("+8613812345678", "+86138****5678");
        check("+86 13812345678", "+86 138****5678");
        check("+86-138-1234-5678", "+86-138-****-5678");
        check("+86 138 1234 5678", "+86 138 **** 5678");
        check("（+86）13812345678", "（+86）138****5678");
        check("１９９１２３４５６７８", "１９９＊＊＊＊５６７８");
        // Lists of numbers.
        check("13812345678,13987654321", "138****5678,139****4321");
        check("13812345678、13987654321", "138****5678、139****4321");
        check("13812345678 13987654321", "138****5678 139****4321");
        // In a flattened table row, next to other columns.
        check("张三 138 1234 5678 2", "张三 138 **** 5678 2");
        check("tel:13812345678.", "tel:138****5678.");
        assert_eq!(find("+86 138 1234 5678", &MaskRules::default()), vec![Found { kind: Kind::Mobile, range: 4..17 }]);
    }

    #[test]
    fn bank_cards() {
        check("卡号6222021234567890", "卡号************7890");
        check("卡号6222021234567890123", "卡号***************0123");
        check("卡号6222 0212 3456 7890", "卡号**** **** **** 7890");
        check("卡号6222-0212-3456-7890", "卡号****-****-****-7890");
        check("卡号6222 0212 3456 7890 123", "卡号**** **** **** ***0 123");
        check("卡号4367421234567890", "卡号************7890");
        check("卡号2221001234567890", "卡号************7890");
        check("卡号：６２２２０２１２３４５６７８９０", "卡号：＊＊＊＊＊＊＊＊＊＊＊＊７８９０");
        assert_eq!(kinds("6222021234567890 与 13812345678"), [Kind::BankCard, Kind::Mobile]);
    }

    #[test]
    fn several_kinds_in_running_text() {
        check(
            "户主李四，身份证号码110105198512240021，联系电话139-8765-4321，开户行农商银行，卡号6228 4800 1234 5678 019，补贴1,200.00元。",
            "户主李四，身份证号码110105********0021，联系电话139-****-4321，开户行农商银行，卡号**** **** **** ***8 019，补贴1,200.00元。",
        );
        assert_eq!(
            kinds("户主李四，身份证号码110105198512240021，联系电话139-8765-4321，卡号6228 4800 1234 5678 019"),
            [Kind::IdCard, Kind::Mobile, Kind::BankCard]
        );
    }

    #[test]
    fn numbers_that_stay() {
        for text in [
            "合计128,450.00元",
            "1234567.89",
            "￥3,200",
            "补贴３，２００元",
            "2021-01-04",
            "20210104",
            "2021年1月4日",
            "08:30至17:30",
            "2021-01-04 08:30:00",
            "202101040830",
            "增长12.5%",
            "占50％",
            "人民路128号3栋2单元1201室",
            "拨打12345或0471-12345678或400-123-4567",
            // 11 digits but not a mobile number plan (second digit 2).
            "编号12345678901",
            // 17 digits: not one of the three shapes (an ID has 18, cards here 16 or 19).
            "编号12345678901234567",
            // 20+ digits: not one of the shapes either (e.g. an electronic invoice number).
            "发票号码21112000000012345678",
            "123456789012345678901234",
            // 18 digits starting with 9: no such ID region; a company's credit code.
            "统一社会信用代码911101085923662400",
            // 15 digits that are not a plausible old ID (month 13).
            "编号110105901301123",
            // Bank shapes with a non-card first digit: serials, rows of years.
            "项目编号2021010400000123",
            "2021 2022 2023 2024",
            "1000-2000-3000-4000",
            // Part of a decimal number.
            "13812345678.50",
            "0.1381234567890123",
            "１３８１２３４５６７８．５０",
            "０．１３８１２３４５６７８９０１２３",
            // Digits glued to a longer run stay whole: 12 and 13 digits.
            "138123456789",
            "8613812345678",
            // Already masked.
            "138****5678 110105********1234 **** **** **** 7890",
            "",
            "没有数字",
        ] {
            untouched(text);
        }
    }

    #[test]
    fn partly_masked_numbers_are_masked_fully() {
        check("110105199001****34", "110105**********34");
        check("138123****8", "138*******8");
        // Already masked the same way: nothing to do, nothing reported.
        untouched("110105********123X");
        untouched("＊＊＊＊＊＊＊＊＊＊＊＊７８９０");
        untouched("****************");
    }

    #[test]
    fn idempotent_next_to_what_was_masked() {
        // The 16 digits after the X are a card; the X with its 17 digits (followed by a
        // digit) is not an ID, and must not become one once the card is masked.
        check("62220212345678908X6222021234567890", "62220212345678908X************7890");
        // The shown last group of a card does not start a new card with its neighbours.
        check("6222 0212 3456 7890 1234 5678 9012", "**** **** **** 7890 1234 5678 9012");
        check("+8613812345678", "+86138****5678");
    }

    #[test]
    fn x_must_end_the_word() {
        // "X" followed by letters is a word, not a check char: 17 digits stay.
        untouched("12345678901234567Xyz");
        untouched("1920x1080");
    }

    #[test]
    fn rules_switched_off_leave_that_kind_alone() {
        let text = "身份证110105199001011234 电话13812345678 卡号6222021234567890";
        let no_id = MaskRules { id_card: false, ..MaskRules::default() };
        let no_mobile = MaskRules { mobile: false, ..MaskRules::default() };
        let no_bank = MaskRules { bank_card: false, ..MaskRules::default() };
        check_with(text, &no_id, "身份证110105199001011234 电话138****5678 卡号************7890");
        check_with(text, &no_mobile, "身份证110105********1234 电话13812345678 卡号************7890");
        check_with(text, &no_bank, "身份证110105********1234 电话138****5678 卡号6222021234567890");
        check_with(text, &MaskRules::NONE, text);
        assert!(find(text, &MaskRules::NONE).is_empty());
        assert_eq!(MaskRules::default(), MaskRules { id_card: true, mobile: true, bank_card: true });
        assert_eq!(masked(text), "身份证110105********1234 电话138****5678 卡号************7890");
    }

    #[test]
    fn borrowed_when_nothing_changes() {
        assert!(matches!(mask("公示期7天", &MaskRules::default()), Cow::Borrowed(_)));
        assert!(matches!(mask("电话13812345678", &MaskRules::default()), Cow::Owned(_)));
    }

    use crate::testutil::Rng;

    #[test]
    fn property_char_count_and_idempotence() {
        const PIECES: &[&str] = &[
            "1",
            "3",
            "8",
            "6",
            "2",
            "0",
            "9",
            "５",
            "X",
            "．",
            "*",
            "＊",
            " ",
            "-",
            "\u{3000}",
            ".",
            ",",
            "+86",
            "号",
            "电话",
            "13812345678",
            "6222021234567890",
            "110105199001011234",
            "1234",
            "138",
            "2021",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..1000 {
            let text: String = (0..rng.below(30)).map(|_| PIECES[rng.below(PIECES.len())]).collect();
            let once = masked(&text);
            assert_eq!(once.chars().count(), text.chars().count(), "{text:?}");
            for (a, b) in text.chars().zip(once.chars()) {
                assert!(a == b || (digit_value(a).is_some() && matches!(b, '*' | '＊')), "{text:?} -> {once:?}");
            }
            assert_eq!(masked(&once), once, "not idempotent: {text:?}");
            let found = find(&text, &MaskRules::default());
            assert!(found.windows(2).all(|w| w[0].range.end <= w[1].range.start), "{text:?}: {found:?}");
        }
    }
}
