//! Outline font tests: loading, metrics and rasterizing glyphs at pixel sizes.
use std::sync::OnceLock;

use super::*;

fn font() -> &'static Arc<OutlineFont> {
    static F: OnceLock<Arc<OutlineFont>> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts"));
        Arc::new(OutlineFont::load(&OutlineFont::find(&[dir]).expect("fonts/ holds the outline font")).unwrap())
    })
}

fn ink(f: &Frame) -> usize {
    f.as_rgb().chunks(3).filter(|p| p[0] > 0).count()
}

#[test]
fn rare_name_characters_and_the_whole_cjk_block_are_covered() {
    let face = font().face(48);
    for c in "喆堃昇珺玥赟犇䶮镕，。（）《》：".chars() {
        assert!(face.covers(c), "{c}");
    }
    // Noto Sans CJK 2.004 predates the 16 ideographs Unicode 13-14 added at U+9FF0..U+9FFF:
    // those (and only those) are drawn as hex boxes and listed as missing.
    let missing: Vec<char> = ('\u{4E00}'..='\u{9FFF}').filter(|&c| !face.covers(c)).collect();
    assert_eq!(missing, ('\u{9FF0}'..='\u{9FFF}').collect::<Vec<_>>());
    // Extension A up to Unicode 12 (U+3400..U+4DB5; 䶮 is U+4DAE).
    assert!(('\u{3400}'..='\u{4DB5}').all(|c| face.covers(c)), "Extension A");
    assert!(!face.covers('\u{E000}'));
}

#[test]
fn advances_follow_the_size_ideographs_full_width_latin_proportional() {
    for px in [24, 48, 61] {
        let face = font().face(px);
        assert_eq!(face.advance('中'), px);
        assert_eq!(face.advance('，'), px);
        assert!(face.advance('i') < face.advance('W'), "proportional Latin");
        assert_eq!(face.advance('\u{200B}'), 0);
        assert_eq!(face.advance('\u{E000}'), px, "replacement box is an em wide");
        assert!(face.line_height() >= px);
    }
}

#[test]
fn glyphs_are_anti_aliased_and_cached() {
    let face = font().face(40);
    let mut f = Frame::new(100, 60);
    face.draw_str(&mut f, 0, 0, "喆堃", Rgb888::new(255, 255, 255));
    let px: Vec<u8> = f.as_rgb().chunks(3).map(|p| p[0]).collect();
    assert!(px.contains(&255) && px.iter().any(|&v| v > 0 && v < 255), "solid and partial coverage");
    // The same text again rasterizes nothing new.
    let before = font().rasterized();
    let mut g = Frame::new(100, 60);
    face.draw_str(&mut g, 0, 0, "喆堃", Rgb888::new(255, 255, 255));
    assert_eq!(font().rasterized(), before);
    assert_eq!(f, g);
}

#[test]
fn a_missing_char_is_a_visible_box_and_clipping_is_safe() {
    let face = font().face(32);
    let mut f = Frame::new(40, 40);
    face.draw_str(&mut f, 0, 0, "\u{E000}", Rgb888::new(255, 0, 0));
    assert!(ink(&f) > 64, "the hex box is drawn");
    let mut f = Frame::new(10, 10);
    face.draw_str(&mut f, -15, -20, "中文", Rgb888::new(255, 0, 0));
    face.draw_str(&mut f, 5, 5, "中文", Rgb888::new(255, 0, 0));
    assert!(ink(&f) > 0);
}

#[test]
fn line_breaking_uses_the_same_rules_as_the_bitmap_path() {
    let face = font().face(20);
    // 5 ideographs fit in 100 px; the comma may not start a line, so 四 moves down with it.
    let lines = crate::render::body::wrap("一二三四五，六七", 100, &face, crate::render::theme::Role::Body);
    let text: Vec<String> = lines.iter().map(|l| l.plain()).collect();
    assert_eq!(text, ["一二三四", "五，六七"]);
}

#[test]
fn chars_the_outline_font_lacks_come_from_the_bitmap_fallback_scaled() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts"));
    let lib = crate::render::font::FontLibrary::load(&[dir]).unwrap();
    let face = lib.outline().expect("outline font in fonts/").face(48);
    for c in '\u{9FF0}'..='\u{9FFF}' {
        assert!(face.covers(c), "U+{:04X}", c as u32);
        assert_eq!(face.advance(c), 48);
    }
    let mut f = Frame::new(60, 60);
    face.draw_str(&mut f, 0, 0, "\u{9FF0}", Rgb888::new(255, 255, 255));
    let lit = f.as_rgb().chunks(3).filter(|p| p[0] == 255).count();
    assert!(lit > 200, "drawn in 3x3 blocks: {lit}");
    // A char no font has is still a box and still listed.
    assert!(!face.covers('\u{E000}'));
}
