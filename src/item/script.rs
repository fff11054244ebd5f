//! Which writing system a char belongs to, as far as bilingual (Mongolian and Chinese) notices need it.
//!
//! Pure char classification, no tables beyond code point ranges: item
//! validation uses it to judge `mn` text (mostly Mongolian? Menksoft
//! private-use codes?), and the renderer to split text into runs for the
//! Mongolian font and the CJK fonts. It never changes text.

/// Traditional Mongolian script: the Mongolian block (letters, digits, punctuation,
/// FVS1-4, MVS) and the Mongolian Supplement (U+11660..U+1167F, birga ornaments).
pub(crate) fn is_mongolian(c: char) -> bool {
    matches!(c as u32, 0x1800..=0x18AF | 0x11660..=0x1167F)
}

/// A Mongolian letter (not a digit, punctuation mark or format control): what counts
/// when judging whether a text is "mostly Mongolian".
pub(crate) fn is_mongolian_letter(c: char) -> bool {
    matches!(c as u32, 0x1820..=0x1878 | 0x1880..=0x18AA)
}

/// Format chars that belong to the Mongolian run around them and must be shaped with it:
/// free variation selectors (U+180B..U+180D, U+180F), the vowel separator (U+180E),
/// the narrow no-break space before suffixes (U+202F), and ZWJ/ZWNJ.
pub(crate) fn is_mongolian_format(c: char) -> bool {
    matches!(c as u32, 0x180B..=0x180F | 0x202F | 0x200C | 0x200D)
}

/// Menksoft's private-use glyph codes (U+E234..U+E71D), used by older Chinese sites and
/// typing tools instead of Unicode. They encode glyph shapes, not letters: no font but
/// Menksoft's draws them and converting back needs context, so such text is refused.
pub(crate) fn is_menksoft(c: char) -> bool {
    matches!(c as u32, 0xE234..=0xE71D)
}

/// Han ideographs (CJK Unified Ideographs, Extension A and the supplementary planes,
/// compatibility ideographs): the sign of Chinese pasted where Mongolian was meant.
pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// Counts of letters by script in a text: what the "mostly Mongolian" check judges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LetterCount {
    pub mongolian: usize,
    pub han: usize,
    /// Letters of any other script (Latin, Cyrillic Mongolian, ...).
    pub other: usize,
}

impl LetterCount {
    pub(crate) fn of(text: &str) -> LetterCount {
        let mut n = LetterCount::default();
        for c in text.chars() {
            if is_mongolian_letter(c) {
                n.mongolian += 1;
            } else if is_han(c) {
                n.han += 1;
            } else if c.is_alphabetic() && !is_mongolian(c) {
                n.other += 1;
            }
        }
        n
    }

    /// True when fewer than half of the letters are Mongolian (digits, punctuation and
    /// spaces do not count; a text without letters is not judged).
    pub(crate) fn mostly_not_mongolian(&self) -> bool {
        let all = self.mongolian + self.han + self.other;
        all > 0 && self.mongolian * 2 < all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_mongolian_block_and_its_format_chars() {
        for c in "ᠮᠣᠩᠭᠣᠯ᠐᠙᠂᠃\u{180B}\u{180E}\u{180F}".chars() {
            assert!(is_mongolian(c), "U+{:04X}", c as u32);
        }
        assert!(is_mongolian_letter('ᠮ') && !is_mongolian_letter('᠑') && !is_mongolian_letter('\u{180E}'));
        assert!(is_mongolian_format('\u{202F}') && is_mongolian_format('\u{180E}') && !is_mongolian_format(' '));
        assert!(!is_mongolian('中') && !is_mongolian('\u{202F}'));
    }

    #[test]
    fn menksoft_range_is_exact() {
        assert!(is_menksoft('\u{E234}') && is_menksoft('\u{E71D}'));
        assert!(!is_menksoft('\u{E233}') && !is_menksoft('\u{E71E}') && !is_menksoft('\u{E000}'));
    }

    #[test]
    fn mostly_mongolian_ignores_digits_and_punctuation() {
        assert!(!LetterCount::of("ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ 2026 ᠣᠨ，").mostly_not_mongolian());
        // A few Chinese words (a name, a place) inside Mongolian are fine.
        assert!(!LetterCount::of("ᠬᠥᠬᠡᠬᠣᠲᠠ ᠶᠢᠨ 新城区 ᠤᠨ ᠵᠠᠷᠯᠠᠯ").mostly_not_mongolian());
        let pasted = LetterCount::of("青山村2026年第四季度财务公开");
        assert_eq!((pasted.mongolian, pasted.han), (0, 12));
        assert!(pasted.mostly_not_mongolian());
        assert!(LetterCount::of("Монгол бичиг").mostly_not_mongolian(), "Cyrillic is not the traditional script");
        assert!(!LetterCount::of("2026 — 12").mostly_not_mongolian(), "no letters: not judged");
    }
}
