//! Chinese-aware line breaking: where a line of text may end. Pure; never drops text.
//!
//! The algorithm, per paragraph (text between mandatory breaks):
//!
//! 1. Break opportunities come from UAX #14 (`unicode_linebreak::linebreaks`), plus
//!    one tailoring UAX #14 (Unicode 15.0) lacks for Chinese: a break before an opening
//!    curly quote (“ ‘) that follows a wide CJK char, and after a closing one (” ’)
//!    that precedes one. Without it `说：“你` and `。”然` could never be split.
//! 2. Every opportunity is filtered by the Chinese rules (禁则): a line never starts
//!    with closing punctuation ([`is_closing`]) and never ends with opening
//!    punctuation ([`is_opening`]). Spaces at the break are looked through.
//! 3. Lines are filled greedily. At each line the last fitting opportunity wins, in
//!    this order of preference:
//!    - A: a filtered UAX #14 opportunity. Because the opportunity before a closing
//!      mark is removed, a closing mark that does not fit drags the char before it
//!      onto the next line (oidashi, "pull the previous char down").
//!    - B: any char boundary that keeps the punctuation rules (used only when a
//!      single unbreakable run, such as a long URL or number, is wider than a line).
//!    - C: any char boundary (the punctuation rules cannot be kept, e.g. a run made
//!      only of closing marks wider than a line).
//!    - Otherwise one char (with its combining marks) alone, even if wider than the
//!      line: never zero chars, never dropped text.
//!
//! Breaks never split a char from a following combining mark, variation selector
//! (e.g. an IVS on a rare name character) or zero-width-joiner sequence.
//!
//! Choices where the rules left room:
//! - Mandatory breaks are LF, CR LF (once), CR, VT, FF, NEL, U+2028 and U+2029.
//!   A break at the very end of the text does not add an empty last line
//!   (like `str::lines`); the empty text gives no lines.
//! - A paragraph that is empty or only spaces gives one empty range at its start.
//! - UAX #14 allows a break after `/` in URLs (`https://` | `example.org/` | ...);
//!   that is kept, so a URL is only broken by chars when one of its pieces is wider
//!   than a line. Digit/digit (`1/2`), dates (`2021-01-05`), amounts (`12,345.67`,
//!   `3.5%`, `￥3,200`) are never split by UAX #14. A number may be separated from a
//!   following hanzi (`2021` | `年`), as UAX #14 allows.
//! - Leading spaces of a paragraph are kept and counted; if they leave no room for
//!   the first char on the first line, they are dropped (whitespace is not text).
//!   Spaces at the start of a continuation line (a forced break before a space) are
//!   skipped, like trailing spaces.

use core::ops::Range;

use unicode_linebreak::{BreakClass, break_property, linebreaks};

/// Splits `text` into lines whose width (sum of `advance(c)` over the line's chars) is at most `max_width`.
/// Returns byte ranges into `text`, in order, covering every non-whitespace char exactly once.
///
/// A line is wider than `max_width` only when it holds a single char (with its combining
/// marks) that is itself wider. See the module documentation for the rules.
pub(crate) fn break_lines(text: &str, max_width: u32, advance: impl Fn(char) -> u32) -> Vec<Range<usize>> {
    break_lines_at(text, max_width, |_, c| advance(c))
}

/// Like [`break_lines`], for text whose widths depend on context (shaped scripts such as
/// Mongolian): `advance(offset, c)` is the width of the char at byte `offset` of `text`.
pub(crate) fn break_lines_at(text: &str, max_width: u32, advance: impl Fn(usize, char) -> u32) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut scratch = Scratch::default();
    let mut start = 0;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if is_mandatory_break(c) {
            break_paragraph(text, start, i, max_width, &advance, &mut scratch, &mut out);
            start = i + c.len_utf8();
            if c == '\r' && iter.next_if(|&(_, next)| next == '\n').is_some() {
                start += 1; // CR LF is one break
            }
        }
    }
    if start < text.len() {
        break_paragraph(text, start, text.len(), max_width, &advance, &mut scratch, &mut out);
    }
    out
}

/// A char that ends a paragraph (UAX #14 classes BK, CR, LF, NL).
fn is_mandatory_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Whitespace that is trimmed at a break and never counted there (ASCII space, tab,
/// ideographic space U+3000, ...). No-break spaces are content.
fn is_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{A0}' | '\u{2007}' | '\u{202F}')
}

/// Punctuation a line must not start with (行首禁则).
#[rustfmt::skip]
pub(crate) fn is_closing(c: char) -> bool {
    matches!(
        c,
        ',' | '.' | ';' | ':' | '?' | '!' | ')' | ']' | '}' | '%'
            | '，' | '。' | '、' | '；' | '：' | '？' | '！' | '）' | '］' | '｝' | '｠'
            | '」' | '』' | '》' | '〉' | '】' | '〕' | '〗' | '〙' | '〛' | '〞' | '〟'
            | '…' | '‥' | '—' | '―' | '⸺' | '’' | '”' | '％' | '‰' | '‱' | '℃' | '°'
            | '·' | '・' | '･' | '．' | '｡' | '､' | '｣' | '﹐' | '﹑' | '﹒' | '﹔' | '﹕'
            | '﹖' | '﹗' | '﹚' | '﹜' | '﹞' | '‼' | '⁇' | '⁈' | '⁉' | '々' | '〻'
    )
}

/// Punctuation a line must not end with (行尾禁则).
#[rustfmt::skip]
pub(crate) fn is_opening(c: char) -> bool {
    matches!(
        c,
        '(' | '[' | '{'
            | '（' | '［' | '｛' | '｟' | '「' | '『' | '《' | '〈' | '【' | '〔' | '〖' | '〘'
            | '〚' | '〝' | '‘' | '“' | '｢' | '﹙' | '﹛' | '﹝'
    )
}

/// Wide East Asian chars (hanzi, kana, hangul, CJK and full-width punctuation).
/// Used to decide where the curly-quote tailoring applies.
#[rustfmt::skip]
pub(crate) fn is_wide_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

/// May a line break happen right before `c` (given the char before it) without
/// tearing a char from its combining marks, variation selectors or ZWJ sequence?
fn is_cluster_boundary(prev: char, c: char) -> bool {
    let joins = |c: char| matches!(break_property(c as u32), BreakClass::CombiningMark | BreakClass::ZeroWidthJoiner | BreakClass::EmojiModifier);
    !joins(c) && break_property(prev as u32) != BreakClass::ZeroWidthJoiner
}

#[derive(Clone, Copy)]
struct Ch {
    /// Byte offset in the whole text.
    off: usize,
    c: char,
    width: u32,
}

/// Break levels, best first (see module docs). `NONE`: no break possible here.
const NONE: u8 = 0;
const LEVEL_C: u8 = 1;
const LEVEL_B: u8 = 2;
const LEVEL_A: u8 = 3;

#[derive(Default)]
struct Scratch {
    chars: Vec<Ch>,
    /// `level[i]`: how good a break before `chars[i]` is.
    level: Vec<u8>,
    uax: Vec<bool>,
}

fn break_paragraph(
    text: &str,
    start: usize,
    end: usize,
    max_width: u32,
    advance: &impl Fn(usize, char) -> u32,
    scratch: &mut Scratch,
    out: &mut Vec<Range<usize>>,
) {
    let para = &text[start..end];
    let chars = &mut scratch.chars;
    chars.clear();
    chars.extend(para.char_indices().map(|(i, c)| Ch { off: start + i, c, width: advance(start + i, c) }));
    if chars.iter().all(|ch| is_space(ch.c)) {
        out.push(start..start);
        return;
    }
    let n = chars.len();

    // UAX #14 opportunities, indexed by byte offset within the paragraph.
    let uax = &mut scratch.uax;
    uax.clear();
    uax.resize(para.len() + 1, false);
    for (i, _) in linebreaks(para) {
        uax[i] = true;
    }

    let level = &mut scratch.level;
    level.clear();
    level.resize(n + 1, NONE);
    // Last non-space char strictly before the break (for the "no opening at line
    // end" rule); tracked forwards. The first non-space at/after the break is found
    // with a backwards pass below.
    let mut prev_ns: Option<char> = None;
    let next_ns_after = vec_next_non_space(chars);
    for i in 1..n {
        let prev = chars[i - 1].c;
        if !is_space(prev) {
            prev_ns = Some(prev);
        }
        let c = chars[i].c;
        if !is_cluster_boundary(prev, c) {
            continue;
        }
        let next_ns = next_ns_after[i];
        let kinsoku_ok = !prev_ns.is_some_and(is_opening) && !next_ns.is_some_and(is_closing);
        let uax_ok = uax[chars[i].off - start] || (matches!(c, '“' | '‘') && is_wide_cjk(prev)) || (matches!(prev, '”' | '’') && is_wide_cjk(c));
        level[i] = match (kinsoku_ok, uax_ok) {
            (true, true) => LEVEL_A,
            (true, false) => LEVEL_B,
            (false, _) => LEVEL_C,
        };
    }

    let max = u64::from(max_width);
    let mut s = 0;
    let mut first = true;
    loop {
        if !first {
            while s < n && is_space(chars[s].c) {
                s += 1;
            }
        }
        if s >= n {
            break;
        }
        first = false;

        let mut width: u64 = 0;
        let mut has_content = false;
        let mut best = [None::<usize>; 4];
        let mut fits_all = true;
        let mut i = s;
        while i < n {
            width += u64::from(chars[i].width);
            if !is_space(chars[i].c) {
                // `width` is now the width of s..=i without trailing spaces.
                if width > max {
                    fits_all = false;
                    break;
                }
                has_content = true;
            }
            i += 1;
            if i < n && has_content && level[i] != NONE {
                best[usize::from(level[i])] = Some(i);
            }
        }

        let e = if fits_all {
            n
        } else if let Some(e) = best[usize::from(LEVEL_A)].or(best[usize::from(LEVEL_B)]).or(best[usize::from(LEVEL_C)]) {
            e
        } else {
            // Not even one char fits after the spaces before it: drop those (leading)
            // spaces and place one char alone, however wide.
            while is_space(chars[s].c) {
                s += 1;
            }
            let mut e = s + 1;
            while e < n && level[e] == NONE {
                e += 1;
            }
            e
        };

        let line_end = chars[s..e].iter().rev().find(|ch| !is_space(ch.c)).map_or(chars[s].off, |ch| ch.off + ch.c.len_utf8());
        out.push(chars[s].off..line_end);
        s = e;
    }
}

/// `v[i]`: the first non-space char at or after index `i` (`v[n]` = None).
fn vec_next_non_space(chars: &[Ch]) -> Vec<Option<char>> {
    let mut v = vec![None; chars.len() + 1];
    for i in (0..chars.len()).rev() {
        v[i] = if is_space(chars[i].c) { v[i + 1] } else { Some(chars[i].c) };
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Half-width units: 2 for wide chars (CJK, full-width punctuation, curly quotes,
    /// ellipsis and dash as set in Chinese fonts), 1 otherwise.
    fn adv(c: char) -> u32 {
        if is_wide_cjk(c) || matches!(c, '“' | '”' | '‘' | '’' | '…' | '—' | '·') { 2 } else { 1 }
    }

    fn lines(text: &str, width: u32) -> Vec<&str> {
        break_lines(text, width, adv).into_iter().map(|r| &text[r]).collect()
    }

    #[track_caller]
    fn check(text: &str, width: u32, expected: &[&str]) {
        let got = lines(text, width);
        assert_eq!(got, expected, "text {text:?} at width {width}");
        assert_invariants(text, width);
    }

    /// Properties every result must have, whatever the input.
    #[track_caller]
    fn assert_invariants(text: &str, width: u32) {
        let ranges = break_lines(text, width, adv);
        let mut last_end = 0;
        let mut joined = String::new();
        for r in &ranges {
            assert!(r.start >= last_end && r.start <= r.end, "{text:?}: ranges out of order: {ranges:?}");
            assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
            last_end = r.end;
            let line = &text[r.clone()];
            assert!(!line.ends_with(is_space), "{text:?}: line {line:?} ends with a space");
            assert!(!line.contains(is_mandatory_break), "{text:?}: line {line:?} holds a line break");
            let w: u32 = line.chars().map(adv).sum();
            assert!(w <= width || line.trim_start_matches(is_space).chars().count() == 1, "{text:?} at width {width}: line {line:?} is {w} wide");
            joined.extend(line.chars().filter(|c| !is_space(*c)));
        }
        let expected: String = text.chars().filter(|c| !is_space(*c) && !is_mandatory_break(*c)).collect();
        assert_eq!(joined, expected, "{text:?} at width {width}: text lost or duplicated: {ranges:?}");
    }

    #[test]
    fn plain_hanzi_wrap() {
        check("公开栏今天更新了", 6, &["公开栏", "今天更", "新了"]);
        check("公开栏今天更新了", 16, &["公开栏今天更新了"]);
        check("公开栏今天更新了", 7, &["公开栏", "今天更", "新了"]);
        check("", 10, &[]);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // "。" does not fit after 会: 会 is pulled down with it.
        check("今天开会。", 8, &["今天开", "会。"]);
        check("村委会，今天开会。", 8, &["村委会，", "今天开", "会。"]);
        check("你好，世界", 4, &["你", "好，", "世界"]);
        check("村委会，今天开会。", 6, &["村委", "会，今", "天开", "会。"]);
        check("低保名单、公示期七天；", 10, &["低保名单、", "公示期七", "天；"]);
        // Dash and ellipsis, and a closing curly quote.
        check("注意——停水……", 8, &["注意——", "停水……"]);
        check("注意——停水", 6, &["注", "意——", "停水"]);
        check("他说：“明天停水。”", 12, &["他说：“明天", "停水。”"]);
        // ASCII closing punctuation after a Latin word.
        check("ok, fine", 3, &["ok,", "fin", "e"]);
        // Interpunct in a transliterated name.
        check("阿依古丽·买买提", 9, &["阿依古", "丽·买买", "提"]);
    }

    #[test]
    fn opening_punctuation_never_ends_a_line() {
        check("请阅读《村规民约》", 8, &["请阅读", "《村规民", "约》"]);
        check("费用（含税）共计", 6, &["费用", "（含", "税）共", "计"]);
        check("费用（含税）共计", 8, &["费用（含", "税）共计"]);
        check("通知「停水」", 6, &["通知", "「停", "水」"]);
        check("他说：“明天停水。”", 8, &["他说：", "“明天停", "水。”"]);
        // "(notes)" is wider than a line: forced break, but not before ")".
        check("see (notes) here", 6, &["see", "(note", "s)", "here"]);
    }

    #[test]
    fn numbers_and_amounts_stay_whole() {
        check("合计128,450.00元整", 12, &["合计", "128,450.00元", "整"]);
        check("合计128,450.00元整", 14, &["合计128,450.00", "元整"]);
        check("2021年1月5日", 5, &["2021", "年1月", "5日"]);
        check("2021年1月5日", 6, &["2021年", "1月5日"]);
        check("日期2021-01-05起", 12, &["日期", "2021-01-05起"]);
        check("增长3.5%。", 6, &["增长", "3.5%。"]);
        check("占1/2份额", 4, &["占", "1/2", "份额"]);
        check("补贴￥3,200元", 8, &["补贴", "￥3,200", "元"]);
        check("补贴￥3,200元", 9, &["补贴", "￥3,200元"]);
        check("占50％的", 6, &["占50％", "的"]);
        check("占50％的", 5, &["占", "50％", "的"]);
    }

    #[test]
    fn latin_words_and_urls() {
        check("连接WiFi后扫码", 6, &["连接", "WiFi后", "扫码"]);
        check("连接WiFi后扫码", 5, &["连接", "WiFi", "后扫", "码"]);
        check("连接WiFi后扫码", 8, &["连接WiFi", "后扫码"]);
        check("visit https://example.org/items/abc now", 40, &["visit https://example.org/items/abc now"]);
        // UAX #14 allows breaks after "/" in a URL.
        check("https://example.org/items/abc", 14, &["https://", "example.org/", "items/abc"]);
        // Too narrow even for the URL's pieces: broken by chars, never before "." or ":".
        check("https://example.org/items/abc", 6, &["https:", "//", "exampl", "e.org/", "items/", "abc"]);
        check(
            "https://example.org/items/abc",
            1,
            &[
                "h", "t", "t", "p", "s", ":", "/", "/", "e", "x", "a", "m", "p", "l", "e", ".", "o", "r", "g", "/", "i", "t", "e", "m", "s", "/",
                "a", "b", "c",
            ],
        );
        // A long number: forced break, no digit lost, no line starting with ",".
        check("账号12345678901234567890", 8, &["账号", "12345678", "90123456", "7890"]);
        check("1,234,567", 4, &["1,23", "4,56", "7"]);
    }

    #[test]
    fn mandatory_breaks() {
        check("第一行\n\n第三行", 20, &["第一行", "", "第三行"]);
        check("a\r\nb", 20, &["a", "b"]);
        check("a\r\n\r\nb\rc", 20, &["a", "", "b", "c"]);
        check("a\n", 20, &["a"]);
        check("a\n\n", 20, &["a", ""]);
        check("\n", 20, &[""]);
        check("公开栏今天更新\n了", 6, &["公开栏", "今天更", "新", "了"]);
        let r = break_lines("ab\r\n\r\ncd", 10, adv);
        assert_eq!(r, vec![0..2, 4..4, 6..8]);
    }

    #[test]
    fn spaces_at_breaks() {
        check("abc   def", 5, &["abc", "def"]);
        assert_eq!(break_lines("abc   def", 5, adv), vec![0..3, 6..9]);
        // Trailing spaces are not counted: "abc " fits in 3.
        check("abc def", 3, &["abc", "def"]);
        check("停水通知\u{3000}\u{3000}明天", 8, &["停水通知", "明天"]);
        check("trailing   ", 20, &["trailing"]);
        // Leading spaces of a paragraph are kept (and counted).
        check("  abc def", 5, &["  abc", "def"]);
        check("\u{3000}\u{3000}村委会通知", 8, &["\u{3000}\u{3000}村委", "会通知"]);
        check("a\n   b", 5, &["a", "   b"]);
        // Blank paragraphs give an empty line.
        check("a\n   \nb", 5, &["a", "", "b"]);
        // Indentation that leaves no room is dropped, the text is not.
        check("    好", 3, &["好"]);
        // Space inside a line stays.
        check("a b c", 5, &["a b c"]);
    }

    #[test]
    fn char_wider_than_max_width_is_still_placed() {
        check("好", 1, &["好"]);
        check("a好b", 1, &["a", "好", "b"]);
        check("好好", 0, &["好", "好"]);
        check("。。。", 3, &["。", "。", "。"]);
        // Width comes from `advance`, not from UTF-8 length.
        assert_eq!(break_lines("好好好", 3, |_| 1), vec![0..9]);
    }

    #[test]
    fn rules_that_cannot_be_kept() {
        // Only closing marks: broken anyway.
        check("。。。。。。", 4, &["。。", "。。", "。。"]);
        // Pulling 你 down cannot help: break anyway.
        check("你，。、；", 4, &["你，", "。、", "；"]);
        check("（（（（", 4, &["（（", "（（"]);
    }

    #[test]
    fn combining_marks_and_variation_selectors_stay_with_their_base() {
        // U+E0100 (an IVS) after 葛, e + U+0301.
        let adv0 = |c: char| {
            if matches!(c, '\u{E0100}' | '\u{301}') { 0 } else { adv(c) }
        };
        let text = "葛\u{E0100}葛\u{E0100}";
        assert_eq!(break_lines(text, 2, adv0), [0..7, 7..14]);
        assert_eq!(break_lines(text, 1, adv0), [0..7, 7..14]);
        let text = "e\u{301}e\u{301}";
        assert_eq!(break_lines(text, 1, adv0), [0..3, 3..6]);
        assert_eq!(break_lines(text, 0, adv0), [0..3, 3..6]);
    }

    use crate::testutil::Rng;

    #[test]
    fn property_no_text_lost_and_lines_fit() {
        const PIECES: &[&str] = &[
            "公",
            "开",
            "栏",
            "喆",
            "堃",
            "，",
            "。",
            "、",
            "：",
            "！",
            "（",
            "）",
            "《",
            "》",
            "“",
            "”",
            "…",
            "—",
            "a",
            "b",
            "W",
            "i",
            "F",
            "1",
            "2",
            "0",
            ",",
            ".",
            "%",
            "％",
            "-",
            "/",
            "(",
            ")",
            " ",
            " ",
            "\u{3000}",
            "\n",
            "\r\n",
            "元",
            "2021",
            "128,450.00",
            "https://x.org/a",
            "WiFi",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..1000 {
            let len = rng.below(60);
            let text: String = (0..len).map(|_| PIECES[rng.below(PIECES.len())]).collect();
            let width = rng.below(14) as u32;
            assert_invariants(&text, width);
        }
    }

    /// In ordinary Chinese text (no unit glued by the rules is wider than a line) the
    /// punctuation rules always hold.
    #[test]
    fn property_punctuation_rules_hold_when_possible() {
        const HANZI: &[&str] = &["公", "开", "村", "务", "财", "喆", "堃", "2021", "WiFi"];
        const AFTER: &[&str] = &["，", "。", "、", "；", "：", "？", "！", "……", "——"];
        const PAIRS: &[(&str, &str)] = &[("（", "）"), ("《", "》"), ("「", "」"), ("“", "”")];
        let mut rng = Rng(0x0123_4567_89AB_CDEF);
        for _ in 0..500 {
            let mut text = String::new();
            for _ in 0..rng.below(30) {
                match rng.below(6) {
                    0 => {
                        let (open, close) = PAIRS[rng.below(PAIRS.len())];
                        text.push_str(open);
                        text.push_str(HANZI[rng.below(2)]);
                        text.push_str(close);
                    }
                    1 => {
                        text.push_str(HANZI[rng.below(HANZI.len())]);
                        text.push_str(AFTER[rng.below(AFTER.len())]);
                    }
                    _ => text.push_str(HANZI[rng.below(HANZI.len())]),
                }
            }
            let width = 10 + rng.below(20) as u32;
            assert_invariants(&text, width);
            for line in lines(&text, width) {
                let first = line.chars().next().unwrap();
                let last = line.chars().last().unwrap();
                assert!(!is_closing(first), "{text:?} at width {width}: line {line:?} starts with {first}");
                assert!(!is_opening(last), "{text:?} at width {width}: line {line:?} ends with {last}");
            }
        }
    }
}
