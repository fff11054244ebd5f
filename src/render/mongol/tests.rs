//! Mongolian shaping and layout tests: joining forms, line breaking, LED rasters.
use std::path::Path;
use std::sync::OnceLock;

use embedded_graphics::pixelcolor::Rgb888;

use super::block::PieceImage;
use super::*;
use crate::render::Frame;
use crate::render::font::Metrics;

fn font() -> &'static MongolFont {
    static F: OnceLock<MongolFont> = OnceLock::new();
    F.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        MongolFont::load(&MongolFont::find(&[dir]).expect("fonts/ holds the Mongolian font")).unwrap()
    })
}

/// A stand-in CJK font: every char 8 px wide (what Unifont gives digits at 16 px).
struct Half;

impl Metrics for Half {
    fn advance(&self, _: char) -> u32 {
        8
    }
    fn height(&self) -> u32 {
        16
    }
    fn draw_char(&self, _: &mut Frame, _: char, _: i32, _: i32, _: Rgb888) {}
}

fn ids(glyphs: &[ShapedGlyph]) -> Vec<u32> {
    glyphs.iter().map(|g| g.id).collect()
}

#[test]
fn a_word_is_shaped_into_joining_forms_not_drawn_char_by_char() {
    let word = "ᠮᠣᠩᠭᠣᠯ";
    let shaped = font().shape(word);
    let nominal: Vec<u32> = word.chars().map(|c| font().outline().glyph_id_of(c) as u32).collect();
    // Six letters in five glyphs: NG and G join into one written unit.
    assert_eq!(shaped.len(), 5, "{shaped:?}");
    assert!(shaped.iter().all(|g| g.id != 0), "{shaped:?}");
    // Initial, medial and final forms are other glyphs than the cmap's isolated ones.
    assert!(shaped.iter().all(|g| !nominal.contains(&g.id)), "{:?} vs {nominal:?}", ids(&shaped));
    // Clusters are byte offsets, in logical order.
    let clusters: Vec<u32> = shaped.iter().map(|g| g.cluster).collect();
    assert!(clusters.is_sorted() && clusters[0] == 0 && clusters.iter().all(|c| c % 3 == 0), "{clusters:?}");
}

#[test]
fn variation_selectors_and_the_vowel_separator_change_the_shapes() {
    // FVS1 after G before E; MVS before the final A of sar-a.
    assert_ne!(ids(&font().shape("ᠭ\u{180B}ᠡ")), ids(&font().shape("ᠭᠡ")));
    let sara = font().shape("ᠰᠠᠷ\u{180E}ᠠ");
    let sar_a = font().shape("ᠰᠠᠷᠠ");
    assert_ne!(ids(&sara), ids(&sar_a));
    // NNBSP starts a suffix with its own initial form.
    let with = font().shape("ᠬᠣᠲᠠ\u{202F}ᠶᠢᠨ");
    let without = font().shape("ᠬᠣᠲᠠᠶᠢᠨ");
    assert_ne!(ids(&with), ids(&without));
}

#[test]
fn digits_in_mongolian_text_are_a_run_for_the_cjk_fonts() {
    let p = MnParagraph::shape(font(), "2026 ᠣᠨ ᠑᠒ ᠰᠠᠷ\u{180E}ᠠ");
    let lines = p.lines(font(), 16, 1000, &Half);
    assert_eq!(lines.len(), 1);
    let l = &lines[0];
    assert_eq!(l.text, "2026 ᠣᠨ ᠑᠒ ᠰᠠᠷ\u{180E}ᠠ");
    match &l.pieces[..] {
        [LinePiece::Text { x: 0, text }, LinePiece::Glyphs(g)] => {
            assert_eq!(text, "2026 ");
            assert_eq!(g[0].x, 40.0, "the Mongolian starts where the digits end");
            assert!(g.iter().all(|g| g.missing.is_none()));
        }
        other => panic!("{other:?}"),
    }
    assert!(l.width > 40 + 60 && l.width < 40 + 140, "{}", l.width);
}

#[test]
fn lines_break_between_words_and_a_long_word_keeps_its_joined_forms() {
    let text = "ᠬᠦᠮᠦᠨ ᠪᠦᠷ ᠲᠥᠷᠥᠵᠦ ᠮᠡᠨᠳᠦᠯᠡᠬᠦ ᠡᠷᠬᠡ ᠴᠢᠯᠥᠭᠡ ᠲᠡᠢ";
    let p = MnParagraph::shape(font(), text);
    let lines = p.lines(font(), 16, 100, &Half);
    assert!(lines.len() >= 3, "{lines:?}");
    for l in &lines {
        assert!(l.width <= 100, "{} is {} px", l.text, l.width);
        assert!(!l.text.starts_with(' ') && !l.text.ends_with(' '));
    }
    let words: Vec<&str> = lines.iter().flat_map(|l| l.text.split(' ')).collect();
    assert_eq!(words.join(" "), text, "no word split, none lost");
    // A word wider than the line is cut, but its pieces keep the forms of the whole word.
    let long = MnParagraph::shape(font(), "ᠮᠡᠨᠳᠦᠯᠡᠬᠦ");
    let cut = long.lines(font(), 16, 30, &Half);
    assert!(cut.len() >= 2, "{cut:?}");
    let glyphs: Vec<u16> = cut
        .iter()
        .flat_map(|l| &l.pieces)
        .flat_map(|p| if let LinePiece::Glyphs(g) = p { g.iter().map(|g| g.id).collect() } else { vec![] })
        .collect();
    assert_eq!(glyphs, ids(&font().shape("ᠮᠡᠨᠳᠦᠯᠡᠬᠦ")).iter().map(|&i| i as u16).collect::<Vec<_>>());
}

#[test]
fn a_char_the_font_lacks_is_a_listed_hex_box_not_dropped() {
    // U+181A is unassigned in the Mongolian block: no font has it.
    let text = "ᠮᠣᠩ\u{181A}ᠭᠣᠯ";
    assert_eq!(font().missing(text), ['\u{181A}']);
    assert!(font().missing("ᠮᠣᠩᠭᠣᠯ\u{180B}\u{202F}ᠤᠨ").is_empty());
    let p = MnParagraph::shape(font(), text);
    let line = &p.lines(font(), 16, 1000, &Half)[0];
    let LinePiece::Glyphs(g) = &line.pieces[0] else { panic!("{line:?}") };
    let boxed: Vec<&PlacedGlyph> = g.iter().filter(|g| g.missing.is_some()).collect();
    assert_eq!(boxed.len(), 1);
    assert_eq!(boxed[0].missing, Some('\u{181A}'));
    // The box is as wide as on the bitmap path, and drawn: a 16 px high block of ink.
    let next = g.iter().find(|x| x.x > boxed[0].x).unwrap();
    assert_eq!(next.x - boxed[0].x, crate::render::font::Replacement::new('\u{181A}', 16).width as f32);
    let img = MonoImage::from_alpha(&font().compose(g, 16), raster::led_threshold(16));
    assert!(img.height >= 16, "{}", img.to_ascii());
}

#[test]
fn composing_again_rasterizes_nothing_new() {
    let p = MnParagraph::shape(font(), "ᠬᠥᠬᠡᠬᠣᠲᠠ ᠶᠢᠨ ᠰᠢᠨ\u{180E}ᠡ ᠵᠢᠯ");
    let line = &p.lines(font(), 16, 1000, &Half)[0];
    let LinePiece::Glyphs(g) = &line.pieces[0] else { panic!() };
    let a = font().compose(g, 16);
    let before = font().outline().rasterized();
    let b = font().compose(g, 16);
    assert_eq!(font().outline().rasterized(), before);
    assert_eq!((a.left, a.top, a.width, a.height, &a.alpha), (b.left, b.top, b.width, b.height, &b.alpha));
    assert!(a.alpha.contains(&255) && a.alpha.iter().any(|&v| v > 0 && v < 255), "anti-aliased");
}

fn mono(text: &str, px: u32) -> MonoImage {
    let p = MnParagraph::shape(font(), text);
    let line = p.one_line(font(), px, &Half);
    let LinePiece::Glyphs(g) = &line.pieces[0] else { panic!() };
    MonoImage::from_alpha(&font().compose(g, px), raster::led_threshold(px))
}

/// ᠮᠣᠩᠭᠣᠯ (mongγol) on a 1-bit LED board, as the font draws it in horizontal text:
/// the letters lie on their side, read left to right, the stem runs along the line.
/// Reviewed by eye at both sizes (README, "Mongolian and Chinese").
#[test]
fn mongol_at_16_and_12_px_on_an_led_board() {
    let sixteen = mono("ᠮᠣᠩᠭᠣᠯ", 16);
    let twelve = mono("ᠮᠣᠩᠭᠣᠯ", 12);
    eprintln!("16 px, threshold {}:\n{}", raster::led_threshold(16), sixteen.to_ascii());
    eprintln!("12 px, threshold {}:\n{}", raster::led_threshold(12), twelve.to_ascii());
    assert_eq!(sixteen.to_ascii(), include_str!("../../../tests/data/mongolian/mongol-16px.txt"));
    assert_eq!(twelve.to_ascii(), include_str!("../../../tests/data/mongolian/mongol-12px.txt"));
}

#[test]
fn a_block_shares_one_band_and_draws_what_it_composed() {
    let paragraphs = vec!["ᠬᠥᠬᠡᠬᠣᠲᠠ ᠶᠢᠨ ᠰᠢᠨ\u{180E}ᠡ ᠬᠣᠲᠠ ᠲᠣᠭᠣᠷᠢᠭ".to_string(), "2026 ᠣᠨ ᠑᠒ ᠰᠠᠷ\u{180E}ᠠ".to_string()];
    let block = MnBlock::layout(font(), &paragraphs, 16, 96, &Half, Ink::Mono);
    assert!(block.lines.len() >= 3, "{:?}", block.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>());
    // Ink height, not the font's 1.75 em line box (28 px at 16 px).
    assert!((16..=22).contains(&block.band.height()), "{:?}", block.band);
    let last = block.lines.iter().find(|l| l.text.starts_with("2026")).unwrap();
    assert_eq!(last.texts, [(0, "2026 ".to_string())], "the digits are text for the CJK font");
    // Drawing puts the composed ink inside the band, at the line's x.
    let mut f = Frame::new(120, 30);
    last.draw(&mut f, 3, 4, block.band, &Half, Rgb888::new(255, 0, 0));
    let lit: Vec<(u32, u32)> = (0..30).flat_map(|y| (0..120).map(move |x| (x, y))).filter(|&(x, y)| f.is_lit(x, y)).collect();
    assert!(!lit.is_empty());
    assert!(lit.iter().all(|&(x, y)| x >= 3 + 40 && y >= 4 && y < 4 + block.band.height()), "{}", f.to_ascii());
    // A marquee line carries every paragraph.
    let one = MnBlock::one_line(font(), &paragraphs, 16, &Half, Ink::Alpha);
    assert_eq!(one.lines.len(), 1);
    assert!(matches!(one.lines[0].images[..], [PieceImage::Alpha(_), ..]));
    assert!(one.lines[0].text.contains("ᠲᠣᠭᠣᠷᠢᠭ  2026"), "{}", one.lines[0].text);
}
