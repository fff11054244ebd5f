//! Frames as people see them: ASCII-art snapshots of small LED frames, golden PNGs of the demo.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use jiff::Timestamp;
use yiping::api::config::Config;
use yiping::api::engine::ScreenEngine;
use yiping::api::render::font::FontLibrary;
use yiping::api::render::{Frame, Renderer};
use yiping::api::schedule::Content;
use yiping::api::schedule::Effect;

use crate::support::*;

pub fn fonts() -> Arc<FontLibrary> {
    static F: OnceLock<Arc<FontLibrary>> = OnceLock::new();
    F.get_or_init(|| Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).expect("fonts in fonts/"))).clone()
}

/// A renderer for one screen described in TOML.
fn renderer(screen: &str) -> Renderer {
    let t = tempfile::tempdir().unwrap();
    let cfg = write_config(t.path(), screen, None);
    let (c, d) = Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    Renderer::new(&c.screens[0].display, &fonts()).unwrap()
}

fn local(at: &str) -> jiff::ZonedDateTime {
    at.parse::<Timestamp>().unwrap().to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
}

fn notice(text: &str) -> Content {
    Content::Notice { title: None, text: text.into() }
}

fn draw(r: &Renderer, c: &Content, e: Effect, secs: f64) -> Frame {
    let mut f = Frame::new(r.width(), r.height());
    r.scene(c, e).draw(&mut f, Duration::from_secs_f64(secs), &local(DEMO_AT));
    f
}

#[test]
fn hanzi_wrap_onto_pages_of_a_small_mono_screen() {
    let r = renderer("name = \"s\"\nwidth = 48\nheight = 16");
    let c = notice("村务公开");
    let e = Effect::Static { page_seconds: 4.0 };
    assert_eq!(r.scene(&c, e).page_count(), 2);
    let page1 = draw(&r, &c, e, 0.0).to_ascii();
    let page2 = draw(&r, &c, e, 4.0).to_ascii();
    let expected1 = "\
...#.......#.........#..................#.......
...#.......#.........#...............#..#.......
...#.......#........########.........#..#.......
...#.......#.......##.....#.........#....#......
######.########...#..#..##..........#....#......
...#.......#..........##...........#......#.....
..##.......#........##..##........#........#....
..###......#......##..#...##.....#....#.....#...
.#.#.#.#...#....##....#.....###.#.....#......##.
.#.#.#..#..#.......#########.........#..........
#..#....#..#..........#....#.........#...#......
...#.......#.........#.....#........#.....#.....
...#.......#.........#.....#.......#......#.....
...#.......#........#......#......##########....
...#.....#.#.......#....#.#........#.......#....
...#......#.......#......#......................
";
    assert_eq!(page1, expected1, "page 1 was:\n{page1}");
    assert!(page2.lines().any(|l| l.contains('#')), "page 2 shows 开:\n{page2}");
    assert_ne!(page1, page2);
}

#[test]
fn a_character_no_font_has_is_drawn_as_a_visible_box_and_reported() {
    let r = renderer("name = \"s\"\nwidth = 32\nheight = 16");
    let c = notice("\u{E000}");
    let scene = r.scene(&c, Effect::Static { page_seconds: 5.0 });
    assert_eq!(scene.missing(), &['\u{E000}']);
    let f = draw(&r, &c, Effect::Static { page_seconds: 5.0 }, 0.0);
    let lit = f.to_ascii().matches('#').count();
    assert!(lit > 20, "replacement box must be visible:\n{}", f.to_ascii());
}

/// The leftmost lit column of a frame.
fn first_lit_column(f: &Frame) -> Option<u32> {
    (0..f.width()).find(|&x| (0..f.height()).any(|y| f.is_lit(x, y)))
}

#[test]
fn an_hour_of_marquee_ends_where_the_arithmetic_says() {
    let r = renderer("name = \"s\"\nwidth = 64\nheight = 16");
    // "一" is 16 px wide; one pass is 16 + 64 = 80 px; at 10 px/s an hour is 36,000 px = 450 passes exactly.
    let c = notice("一");
    let e = Effect::Marquee { speed: 10.0 };
    assert_eq!(r.scene(&c, e).natural_duration(), Duration::from_secs(8));
    // 3600.5 s: 36,005 px into the loop = 5 px into a pass: the glyph's box starts at x = 64 - 5.
    let f = draw(&r, &c, e, 3600.5);
    assert_eq!(first_lit_column(&f), Some(59), "\n{}", f.to_ascii());
    let f = draw(&r, &c, e, 3600.0 + 3.2);
    assert_eq!(first_lit_column(&f), Some(32), "\n{}", f.to_ascii());
}

#[test]
fn scroll_up_moves_whole_pixels_and_loops() {
    let r = renderer("name = \"s\"\nwidth = 32\nheight = 16");
    let c = notice("一");
    let e = Effect::ScrollUp { speed: 4.0 };
    let first_row = |f: &Frame| (0..f.height()).find(|&y| (0..f.width()).any(|x| f.is_lit(x, y)));
    // "一" is one stroke; the line rises 4 px a second from below the screen.
    let a = first_row(&draw(&r, &c, e, 3.0)).unwrap();
    let b = first_row(&draw(&r, &c, e, 4.0)).unwrap();
    assert_eq!(a - b, 4);
    assert!(first_row(&draw(&r, &c, e, 0.0)).is_none(), "starts below the screen");
    // One pass is 16 + 16 px = 8 s: it repeats exactly.
    assert_eq!(draw(&r, &c, e, 3.0).to_ascii(), draw(&r, &c, e, 11.0).to_ascii());
}

#[test]
fn dual_colour_screens_use_red_and_green() {
    let r = renderer("name = \"s\"\nwidth = 192\nheight = 64\ncolor = \"dual\"");
    let f = draw(&r, &notice("红色正文"), Effect::Static { page_seconds: 5.0 }, 0.0);
    let mut red = false;
    let mut green = false;
    for y in 0..f.height() {
        for x in 0..f.width() {
            match f.dual_bits(x, y) {
                (true, false) => red = true,
                (false, true) => green = true,
                _ => {}
            }
        }
    }
    assert!(red && green, "body red, footer green");
}

/// Compares with tests/data/golden/NAME.png; `YIPING_UPDATE_GOLDEN=1` rewrites it (look at it!).
pub fn golden(name: &str, f: &Frame) {
    let path = root().join("tests/data/golden").join(format!("{name}.png"));
    if std::env::var_os("YIPING_UPDATE_GOLDEN").is_some() || !path.exists() && std::env::var_os("CI").is_none() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        yiping::api::sinks::png::save(&path, f).unwrap();
    }
    let want = yiping::api::sinks::png::decode(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap();
    if &want != f {
        let got = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.got.png"));
        yiping::api::sinks::png::save(&got, f).unwrap();
        panic!("frame differs from {}; see {}", path.display(), got.display());
    }
}

/// The demo screen at a given moment, scheduled from the demo start.
fn demo_frame(at: &str) -> Frame {
    let (c, d) = Config::load(&demo_config());
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    assert_eq!(c.sources[0].kind(), "folder", "the demo reads a folder");
    let cat = yiping::api::store::build_catalog(&yiping::api::sources::offline_updates(&c.sources, &c.state_dir), &c.masking);
    let mut e = ScreenEngine::new(&c.screens[0], &c, &fonts()).unwrap();
    let start: Timestamp = DEMO_AT.parse().unwrap();
    let end: Timestamp = at.parse().unwrap();
    let mut t = start;
    while t <= end {
        e.advance(&cat.showable(t), t);
        t += jiff::SignedDuration::from_millis(250);
    }
    let mut f = Frame::new(192, 64);
    e.draw(&mut f, end);
    f
}

#[test]
fn golden_demo_frames() {
    // 09:02:45: the 低保 list; 09:02:00: party affairs, page 3 of 11; 09:07:26: the finance item
    // (resumed after the water cut) with one expense line and its amount; 09:00:06: the urgent water cut. (Issue 12 repeats table headings on
    // every continued page, so the party item has more pages and the rotation runs later.)
    golden("demo-192x64-dibao", &demo_frame("2026-12-01T09:02:45+08:00"));
    golden("demo-192x64-party", &demo_frame("2026-12-01T09:02:00+08:00"));
    golden("demo-192x64-finance", &demo_frame("2026-12-01T09:07:26+08:00"));
    golden("demo-192x64-marquee", &demo_frame("2026-12-01T09:00:06+08:00"));
}
