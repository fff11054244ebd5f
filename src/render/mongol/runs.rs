//! Splits text into script runs: what the Mongolian font shapes, and what the CJK fonts draw.
//!
//! Digits, Latin and hanzi inside Mongolian text go to the existing fonts (the
//! Mongolian font has none of them), run by run, never char by char: a shaper
//! needs a whole run to choose joining forms. The format chars that steer
//! Mongolian shaping (FVS1-4, MVS, NNBSP, ZWJ/ZWNJ) always stay in the
//! Mongolian run, even at its edge: given to another font they would be lost
//! and the word would change shape. Spaces and punctuation the Mongolian font
//! also has belong to the run around them.

use std::ops::Range;

use crate::item::script::{is_mongolian, is_mongolian_format};

/// Which font draws a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    /// Shaped with the Mongolian font.
    Mongolian,
    /// Drawn char by char with the screen's CJK fonts.
    Other,
}

/// How a char takes part in run splitting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Always Mongolian: letters, digits, punctuation and format controls of the script.
    Strong,
    /// Takes the script of its surroundings: spaces and punctuation both fonts have.
    Neutral,
    Other,
}

fn class(c: char, mongol_has: &impl Fn(char) -> bool) -> Class {
    if is_mongolian(c) || is_mongolian_format(c) {
        Class::Strong
    } else if (c.is_whitespace() && !c.is_control())
        || (c.is_ascii_punctuation() && mongol_has(c))
        || (matches!(c, '《' | '》' | '〈' | '〉') && mongol_has(c))
    {
        Class::Neutral
    } else {
        Class::Other
    }
}

/// The runs of `text` in logical order, covering it without gaps. A neutral char is
/// Mongolian when the nearest strong chars before and after it are Mongolian (or one
/// of them is the text's edge and the other Mongolian); `mongol_has` says which
/// punctuation the Mongolian font draws.
pub(crate) fn split(text: &str, mongol_has: impl Fn(char) -> bool) -> Vec<(Range<usize>, Script)> {
    let chars: Vec<(usize, Class)> = text.char_indices().map(|(i, c)| (i, class(c, &mongol_has))).collect();
    // The nearest non-neutral class after each char.
    let mut next_strong = vec![None; chars.len()];
    let mut seen = None;
    for (i, (_, k)) in chars.iter().enumerate().rev() {
        next_strong[i] = seen;
        if *k != Class::Neutral {
            seen = Some(*k);
        }
    }
    let mut runs: Vec<(Range<usize>, Script)> = Vec::new();
    let mut prev = None;
    for (i, &(off, k)) in chars.iter().enumerate() {
        let script = match k {
            Class::Strong => Script::Mongolian,
            Class::Other => Script::Other,
            Class::Neutral => match (prev, next_strong[i]) {
                (Some(Class::Strong), Some(Class::Strong) | None) | (None, Some(Class::Strong)) => Script::Mongolian,
                _ => Script::Other,
            },
        };
        if k != Class::Neutral {
            prev = Some(k);
        }
        let end = off + text[off..].chars().next().map_or(0, char::len_utf8);
        match runs.last_mut() {
            Some((r, s)) if *s == script => r.end = end,
            _ => runs.push((off..end, script)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(text: &str) -> Vec<(&str, Script)> {
        split(text, |c| " !?()-\"".contains(c)).into_iter().map(|(r, s)| (&text[r], s)).collect()
    }

    use Script::{Mongolian as M, Other as O};

    #[test]
    fn digits_and_hanzi_are_runs_of_their_own() {
        assert_eq!(runs("2026 ᠣᠨ ᠑᠒ ᠰᠠᠷ᠎ᠠ"), [("2026 ", O), ("ᠣᠨ ᠑᠒ ᠰᠠᠷ᠎ᠠ", M)]);
        // A space between scripts goes with the other fonts; between Mongolian words it is Mongolian.
        assert_eq!(runs("ᠨᠢᠭᠡ 1 ᠬᠣᠶᠠᠷ ᠭᠤᠷᠪᠠ"), [("ᠨᠢᠭᠡ", M), (" 1 ", O), ("ᠬᠣᠶᠠᠷ ᠭᠤᠷᠪᠠ", M)]);
        assert_eq!(runs("ᠬᠥᠬᠡᠬᠣᠲᠠ 新城区"), [("ᠬᠥᠬᠡᠬᠣᠲᠠ", M), (" 新城区", O)]);
        assert_eq!(runs("12:30 ᠴᠠᠭ"), [("12:30 ", O), ("ᠴᠠᠭ", M)]);
    }

    #[test]
    fn format_chars_stay_with_the_mongolian_run() {
        // NNBSP before a suffix, MVS before a final vowel, FVS after a letter.
        assert_eq!(runs("ᠬᠣᠲᠠ\u{202F}ᠶᠢᠨ"), [("ᠬᠣᠲᠠ\u{202F}ᠶᠢᠨ", M)]);
        assert_eq!(runs("ᠰᠠᠷ\u{180E}ᠠ"), [("ᠰᠠᠷ\u{180E}ᠠ", M)]);
        // Even at the edge of a run, next to digits.
        assert_eq!(runs("12\u{202F}ᠳᠤ"), [("12", O), ("\u{202F}ᠳᠤ", M)]);
        assert_eq!(runs("ᠭ\u{180B}5"), [("ᠭ\u{180B}", M), ("5", O)]);
    }

    #[test]
    fn neutrals_follow_their_surroundings() {
        assert_eq!(runs("ᠮᠣᠩᠭᠣᠯ?"), [("ᠮᠣᠩᠭᠣᠯ?", M)]);
        assert_eq!(runs("(ᠮᠣᠩᠭᠣᠯ)"), [("(ᠮᠣᠩᠭᠣᠯ)", M)]);
        // A comma the Mongolian font lacks goes to the CJK fonts.
        assert_eq!(runs("ᠮᠣᠩᠭᠣᠯ，ᠪᠢᠴᠢᠭ"), [("ᠮᠣᠩᠭᠣᠯ", M), ("，", O), ("ᠪᠢᠴᠢᠭ", M)]);
        assert_eq!(runs(""), []);
        assert_eq!(runs("  "), [("  ", O)]);
    }

    #[test]
    fn runs_cover_the_text_in_order() {
        let text = "ᠨᠢᠭᠡ 1 ᠬᠣᠶᠠᠷ 2 ᠭᠤᠷᠪᠠ 3 (K7) ᠲᠡᠷᠭᠡ\u{202F}ᠶᠢᠨ 中文 ᠰᠢᠨ\u{180E}ᠡ";
        let r = split(text, |c| c == ' ');
        assert_eq!(r.first().unwrap().0.start, 0);
        assert_eq!(r.last().unwrap().0.end, text.len());
        assert!(r.windows(2).all(|w| w[0].0.end == w[1].0.start && w[0].1 != w[1].1), "{r:?}");
    }
}
