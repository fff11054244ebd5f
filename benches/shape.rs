//! Mongolian shaping cost per item at load: shape, break into lines, compose the line images.
//! Run: `cargo bench --bench shape`. Prints figures; asserts nothing about time.
//!
//! This work happens once when a scene is laid out (a slot starts), never per frame.
//! "cold" is the first item after start (glyph masks not yet cached), "warm" the same
//! item again (masks cached: what every later slot costs).

use std::hint::black_box;
use std::time::Instant;

use yiping::api::render::font::{FontLibrary, FontSet};
use yiping::api::render::mongol::{LinePiece, MnParagraph, MongolFont, MonoImage, led_threshold};

/// UDHR article 1 (the corpus's text) and place names: about 300 chars, a typical notice.
const TITLE: &str = "ᠬᠥᠬᠡᠬᠣᠲᠠ ᠶᠢᠨ ᠰᠢᠨ᠎ᠡ ᠬᠣᠲᠠ ᠲᠣᠭᠣᠷᠢᠭ ᠤᠨ ᠮᠡᠳᠡᠭᠳᠡᠯ";
const BODY: &[&str] = &[
    "ᠬᠦᠮᠦᠨ ᠪᠦᠷ ᠲᠥᠷᠥᠵᠦ ᠮᠡᠨᠳᠡᠯᠡᠬᠦ ᠡᠷᠬᠡ ᠴᠢᠯᠥᠭᠡ ᠲᠡᠢ᠂ ᠠᠳᠠᠯᠢᠬᠠᠨ ᠨᠡᠷᠡ ᠲᠥᠷᠥ ᠲᠡᠢ᠂ ᠢᠵᠢᠯ ᠡᠷᠬᠡ ᠲᠡᠢ ᠪᠠᠢᠠᠭ᠃",
    "ᠣᠶᠤᠨ ᠤᠬᠠᠭᠠᠨ᠂ ᠨᠠᠨᠳᠢᠨ ᠴᠢᠨᠠᠷ ᠵᠠᠶᠠᠭᠠᠰᠠᠨ ᠬᠦᠮᠦᠨ ᠬᠡᠭᠴᠢ ᠥᠭᠡᠷᠡ ᠬᠣᠭᠣᠷᠣᠨᠳᠣᠨ ᠠᠬᠠᠨ ᠳᠡᠭᠦᠦ ᠢᠨ ᠦᠵᠢᠯ ᠰᠠᠨᠠᠭᠠ ᠥᠠᠷ ᠬᠠᠷᠢᠴᠠᠬᠥ ᠤᠴᠢᠷ ᠲᠠᠢ᠃",
    "2026 ᠣᠨ ᠑᠒ ᠰᠠᠷ᠎ᠠ ᠶᠢᠨ ᠑ ᠡᠳᠦᠷ ᠡᠴᠡ ᠡᠬᠢᠯᠡᠨ ᠬᠥᠬᠡᠬᠣᠲᠠ ᠬᠣᠳᠣᠩ ᠠᠷᠠᠳ ᠤᠨ ᠲᠣᠭᠣᠷᠢᠭ ᠲᠦᠮᠡᠳ ᠵᠡᠭᠦᠨ ᠬᠣᠰᠢᠭᠤ ᠪᠤᠭᠤᠲᠤ ᠬᠣᠲᠠ᠃",
];

/// Everything a scene does with an item's Mongolian at load, at one size; returns the lit pixels.
fn load_item(font: &MongolFont, other: &FontSet, px: u32, width: u32, mono: bool) -> (usize, usize, usize) {
    let mut glyphs = 0;
    let mut lines = 0;
    let mut ink = 0;
    for text in std::iter::once(TITLE).chain(BODY.iter().copied()) {
        let p = MnParagraph::shape(font, text);
        glyphs += p.glyph_count();
        for l in p.lines(font, px, width, other) {
            lines += 1;
            for piece in &l.pieces {
                if let LinePiece::Glyphs(g) = piece {
                    let img = font.compose(g, px);
                    ink += if mono { MonoImage::from_alpha(&img, led_threshold(px)).bits.len() } else { img.alpha.len() };
                }
            }
        }
    }
    (glyphs, lines, ink)
}

fn main() {
    let fonts = FontLibrary::load(&FontLibrary::default_dirs(None)).expect("fonts");
    let dirs = FontLibrary::default_dirs(None);
    let t = Instant::now();
    let font = MongolFont::load(&MongolFont::find(&dirs).expect("Mongolian font in fonts/")).expect("Mongolian font");
    println!("Mongolian font load (map + shaping plan): {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
    let chars: usize = TITLE.chars().count() + BODY.iter().map(|b| b.chars().count()).sum::<usize>();
    let other = fonts.set(16).expect("16 px font");
    for (name, px, width, mono) in [
        ("LED 16 px, 192 px wide, 1-bit", 16, 192, true),
        ("LED 12 px, 128 px wide, 1-bit", 12, 128, true),
        ("poster 54 px, 1776 px wide, AA", 54, 1776, false),
    ] {
        let t = Instant::now();
        let (glyphs, lines, _) = black_box(load_item(&font, other, px, width, mono));
        let cold = t.elapsed();
        let runs = 50;
        let t = Instant::now();
        for _ in 0..runs {
            black_box(load_item(&font, other, px, width, mono));
        }
        let warm = t.elapsed() / runs;
        println!(
            "{name:<34} {chars} chars -> {glyphs} glyphs, {lines} lines: cold {:>7.2} ms, warm {:>6.2} ms per item",
            cold.as_secs_f64() * 1e3,
            warm.as_secs_f64() * 1e3
        );
    }
    // Shaping alone, the part harfrust does.
    let runs = 200;
    let t = Instant::now();
    for _ in 0..runs {
        for text in std::iter::once(TITLE).chain(BODY.iter().copied()) {
            black_box(font.shape(text));
        }
    }
    println!("harfrust shaping alone: {:.3} ms per item ({chars} chars)", t.elapsed().as_secs_f64() * 1e3 / runs as f64);
}
