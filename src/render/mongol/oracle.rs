//! The shaping oracle: yiping's Mongolian glyphs equal HarfBuzz's `hb-shape` for every corpus line.
//!
//! `tests/data/mongolian/corpus.txt` (374 words and phrases; its header names
//! the sources) is shaped by [`MongolFont::shape`] and by Debian's `hb-shape`
//! (package `libharfbuzz-bin`, which `.ci/run` installs) on the same font
//! file, and the outputs must be identical: glyph ids, clusters (UTF-8 byte
//! offsets), offsets and advances. Both whole lines and the Mongolian runs
//! yiping actually shapes (digits and Latin split off) are compared. Without
//! `hb-shape` the comparison is skipped with a loud message, except under CI (YIPING_CI set)
//! (`CI` set), where that is a failure.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::runs::{Script, split};
use super::{MONGOL_FILE, MongolFont, ShapedGlyph};
use crate::item::script::is_mongolian_letter;

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn font_path() -> PathBuf {
    repo("fonts").join(MONGOL_FILE)
}

/// The corpus lines (comments and blank lines left out), with their line numbers.
fn corpus() -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(repo("tests/data/mongolian/corpus.txt")).expect("the corpus is in tests/data/mongolian");
    text.lines().enumerate().filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty()).map(|(i, l)| (i + 1, l.to_string())).collect()
}

/// `hb-shape --no-glyph-names --utf8-clusters` output for a glyph run.
fn serialize(glyphs: &[ShapedGlyph]) -> String {
    let mut s = String::from("[");
    for (i, g) in glyphs.iter().enumerate() {
        if i > 0 {
            s.push('|');
        }
        write!(s, "{}={}", g.id, g.cluster).unwrap();
        if g.x_offset != 0 || g.y_offset != 0 {
            write!(s, "@{},{}", g.x_offset, g.y_offset).unwrap();
        }
        write!(s, "+{}", g.x_advance).unwrap();
        if g.y_advance != 0 {
            write!(s, ",{}", g.y_advance).unwrap();
        }
    }
    s.push(']');
    s
}

/// Runs `hb-shape` once over `texts` (one per line); `None` when it is not installed.
fn hb_shape(font: &Path, texts: &[String]) -> Option<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("texts.txt");
    std::fs::write(&input, texts.join("\n") + "\n").unwrap();
    let out = Command::new("hb-shape")
        .arg(format!("--font-file={}", font.display()))
        .args(["--no-glyph-names", "--utf8-clusters", "--script=Mong", "--language=mn", "--direction=ltr"])
        .arg(format!("--text-file={}", input.display()))
        .env("LC_ALL", "C.UTF-8")
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("cannot run hb-shape: {e}"),
    };
    assert!(out.status.success(), "hb-shape failed: {}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), texts.len(), "hb-shape printed one line per input line");
    Some(lines)
}

#[test]
fn yiping_shapes_every_corpus_line_as_harfbuzz_does() {
    let font = MongolFont::load(&font_path()).expect("fonts/ holds the Mongolian font");
    let lines = corpus();
    // What is compared: each whole line, then each Mongolian run yiping shapes on its own.
    let mut texts: Vec<(usize, String)> = lines.clone();
    for (n, l) in &lines {
        for (r, s) in split(l, |c| font.outline().has_char(c)) {
            if s == Script::Mongolian && r != (0..l.len()) {
                texts.push((*n, l[r].to_string()));
            }
        }
    }
    let ours: Vec<String> = texts.iter().map(|(_, t)| serialize(&font.shape(t))).collect();
    let plain: Vec<String> = texts.iter().map(|(_, t)| t.clone()).collect();
    let Some(theirs) = hb_shape(&font_path(), &plain) else {
        assert!(
            std::env::var_os("YIPING_CI").is_none(),
            "hb-shape is not installed, but CI must run the shaping oracle: apt-get install libharfbuzz-bin"
        );
        eprintln!("\n{}\n!! SKIPPED: the shaping oracle needs hb-shape (apt-get install libharfbuzz-bin)\n{}\n", "!".repeat(72), "!".repeat(72));
        return;
    };
    let differ: Vec<String> = texts
        .iter()
        .zip(ours.iter().zip(&theirs))
        .filter(|(_, (a, b))| a != b)
        .map(|((n, t), (a, b))| format!("corpus line {n}: {t}\n  yiping:   {a}\n  hb-shape: {b}"))
        .collect();
    assert!(differ.is_empty(), "{} of {} texts shape differently:\n{}", differ.len(), texts.len(), differ.join("\n"));
    assert!(texts.len() > lines.len(), "mixed lines add runs of their own");
    eprintln!("shaping oracle: {} corpus lines and {} runs identical to hb-shape", lines.len(), texts.len() - lines.len());
}

/// The corpus holds what the quality bar asks for, so the oracle test means something.
#[test]
fn the_corpus_covers_letters_positions_selectors_and_mixed_text() {
    let lines = corpus();
    assert!(lines.len() >= 200, "{} lines", lines.len());
    let all: String = lines.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("\n");
    for must in ["ᠰᠢᠨ\u{180E}ᠡ", "ᠰᠠᠷ\u{180E}ᠠ", "\u{202F}ᠶᠢᠨ", "\u{202F}ᠳᠤ", "\u{180B}", "\u{180C}", "\u{180D}", "\u{180F}", "᠑᠒"]
    {
        assert!(all.contains(must), "corpus lacks {must:?}");
    }
    assert!(lines.iter().any(|(_, l)| l.chars().any(|c| c.is_ascii_digit()) && l.chars().any(is_mongolian_letter)), "ASCII digits mixed in");
    // Every basic letter U+1820..U+1842 isolated, initial, medial and final.
    let mut seen = std::collections::HashSet::new();
    // Words as the shaper sees them: NNBSP and MVS end one (the suffix or vowel after them starts anew).
    for word in all.split(|c: char| !is_mongolian_letter(c) && !matches!(c, '\u{180B}'..='\u{180D}' | '\u{180F}')) {
        let letters: Vec<char> = word.chars().filter(|&c| is_mongolian_letter(c)).collect();
        for (i, &c) in letters.iter().enumerate() {
            let pos = match (i == 0, i + 1 == letters.len()) {
                (true, true) => "isol",
                (true, false) => "init",
                (false, false) => "medi",
                (false, true) => "fina",
            };
            seen.insert((c, pos));
        }
    }
    let lacking: Vec<String> = ('\u{1820}'..='\u{1842}')
        .flat_map(|c| ["isol", "init", "medi", "fina"].map(|p| (c, p)))
        .filter(|k| !seen.contains(k))
        .map(|(c, p)| format!("U+{:04X} {p}", c as u32))
        .collect();
    assert!(lacking.is_empty(), "corpus lacks {lacking:?}");
}
