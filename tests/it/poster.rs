//! The HD poster design: golden frames at 1920x1080, 1280x720 and 1024x600, the ticker, smooth scrolling.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use jiff::Timestamp;
use yiping::api::config::Config;
use yiping::api::render::font::FontLibrary;
use yiping::api::render::{Frame, Renderer};
use yiping::api::schedule::Content;
use yiping::api::schedule::Effect;

use crate::frames::golden;
use crate::support::*;

fn fonts() -> Arc<FontLibrary> {
    static F: OnceLock<Arc<FontLibrary>> = OnceLock::new();
    F.get_or_init(|| Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).expect("fonts in fonts/"))).clone()
}

/// The demo's items and playlist on an HD screen of this size.
fn hd_config(dir: &std::path::Path, w: u32, h: u32, extra: &str) -> Config {
    let demo = root().join("deploy/demo");
    let cfg = format!(
        "village = \"青山村\"\nplaylists_dir = {:?}\n[[sources]]\ntype = \"folder\"\nname = \"local\"\npath = {:?}\n\n[[screens]]\nname = \"hall\"\nwidth = {w}\nheight = {h}\ncolor = \"rgb\"\nplaylist = \"square\"\n{extra}\n",
        demo.join("playlists").display().to_string(),
        demo.join("items").display().to_string()
    );
    let p = dir.join("yiping.toml");
    std::fs::write(&p, cfg).unwrap();
    let (c, d) = Config::load(&p);
    c.unwrap_or_else(|| panic!("{d:?}"))
}

/// The demo catalogue at the demo time: (renderer, showable items).
fn hd(w: u32, h: u32) -> (Renderer, Vec<yiping::api::item::Showable>) {
    let t = tempfile::tempdir().unwrap();
    let c = hd_config(t.path(), w, h, "");
    assert_eq!(c.sources[0].kind(), "folder", "a folder source");
    let cat = yiping::api::store::build_catalog(&yiping::api::sources::offline_updates(&c.sources, &c.state_dir), &c.masking);
    let r = Renderer::new(&c.screens[0].display, &fonts()).unwrap();
    (r, cat.showable(DEMO_AT.parse().unwrap()))
}

fn item(items: &[yiping::api::item::Showable], key: &str) -> Content {
    Content::Item(items.iter().find(|s| s.key() == key).unwrap_or_else(|| panic!("{key}")).clone())
}

fn local(secs: i64) -> jiff::ZonedDateTime {
    (DEMO_AT.parse::<Timestamp>().unwrap() + jiff::SignedDuration::from_secs(secs))
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
}

/// A frame of `content` at `secs` into its slot, with the urgent ticker when `urgent` is non-empty.
fn frame(r: &Renderer, content: &Content, effect: Effect, secs: f64, urgent: &[String]) -> Frame {
    let mut f = Frame::new(r.width(), r.height());
    let ticker = r.ticker(urgent);
    let scene = r.scene(content, effect);
    assert!(scene.missing().is_empty(), "{:?}", scene.missing());
    scene.draw_with(&mut f, Duration::from_secs_f64(secs), &local(secs as i64), ticker.as_ref().map(|t| (t, Duration::from_secs(2))));
    f
}

#[test]
fn golden_poster_frames_at_three_sizes() {
    let page = Effect::Static { page_seconds: 8.0 };
    for (w, h) in [(1920, 1080), (1280, 720), (1024, 600)] {
        let (r, items) = hd(w, h);
        let urgent = vec!["停水通知：12月1日10:00至16:00全村停水".to_string()];
        // The 低保 list: a table with masked ID numbers, a QR code, the ticker.
        golden(&format!("poster-{w}x{h}-dibao"), &frame(&r, &item(&items, "local/qingshan-dibao-2026-11"), page, 0.0, &urgent));
        // Its second page: the table with masked ID numbers.
        golden(&format!("poster-{w}x{h}-dibao-table"), &frame(&r, &item(&items, "local/qingshan-dibao-2026-11"), page, 8.5, &urgent));
        // The party item's second page: a two-column table.
        golden(&format!("poster-{w}x{h}-party"), &frame(&r, &item(&items, "local/qingshan-party-2026-11"), page, 8.5, &[]));
        // The finance table scrolling up.
        let scroll = Effect::ScrollUp { speed: 16.0 };
        golden(&format!("poster-{w}x{h}-finance"), &frame(&r, &item(&items, "local/qingshan-2026q3-finance"), scroll, 9.0, &[]));
    }
    let (r, _) = hd(1280, 720);
    golden("poster-1280x720-idle", &frame(&r, &Content::Idle, Effect::Static { page_seconds: 10.0 }, 0.0, &[]));
}

#[test]
fn layout_style_defaults_by_colour_and_size_and_can_be_chosen() {
    use yiping::api::render::LayoutStyle;
    let t = tempfile::tempdir().unwrap();
    let style = |w: u32, h: u32, extra: &str| hd_config(t.path(), w, h, extra).screens[0].display.layout.style;
    assert_eq!(style(1280, 720, ""), LayoutStyle::Poster);
    assert_eq!(style(1024, 600, ""), LayoutStyle::Poster);
    assert_eq!(style(320, 160, ""), LayoutStyle::Led, "small rgb matrices keep the LED design");
    assert_eq!(style(1920, 1080, "[screens.layout]\nstyle = \"led\""), LayoutStyle::Led);
    let p = t.path().join("bad.toml");
    std::fs::write(&p, "[[screens]]\nname = \"s\"\nwidth = 1920\nheight = 1080\n[screens.layout]\nstyle = \"tv\"\n").unwrap();
    let (c, d) = Config::load(&p);
    assert!(c.is_none());
    let all = d.iter().map(|d| d.to_string()).collect::<String>();
    assert!(all.contains("bad.toml:6:") && all.contains("style"), "{all}");
}

#[test]
fn daemon_engine_passes_urgent_titles_to_the_poster_ticker() {
    let t = tempfile::tempdir().unwrap();
    let c = hd_config(t.path(), 1280, 720, "");
    let (_, items) = hd(1280, 720);
    let mut e = yiping::api::engine::ScreenEngine::new(&c.screens[0], &c, &fonts()).unwrap();
    let at: Timestamp = DEMO_AT.parse().unwrap();
    e.advance(&items, at);
    let mut with = Frame::new(1280, 720);
    e.draw(&mut with, at);
    // Without the urgent water-cut item the band above the footer is plain body background.
    let calm: Vec<_> = items.iter().filter(|s| s.item().priority != yiping::api::item::Priority::Urgent).cloned().collect();
    assert!(calm.len() < items.len(), "the demo has an urgent item");
    let mut e2 = yiping::api::engine::ScreenEngine::new(&c.screens[0], &c, &fonts()).unwrap();
    e2.advance(&calm, at);
    let mut without = Frame::new(1280, 720);
    e2.draw(&mut without, at);
    let red = |f: &Frame| (0..f.width()).filter(|&x| f.pixel(x, 720 - 51 - 24) == embedded_graphics::pixelcolor::Rgb888::new(198, 40, 40)).count();
    assert!(red(&with) > 500, "ticker band shown");
    assert_eq!(red(&without), 0);
}

#[test]
fn check_lists_chars_no_font_has_for_poster_screens() {
    // U+9FF0 is not in Noto Sans CJK 2.004, but the Unifont fallback draws it; U+E000 is in no font.
    let t = tempfile::tempdir().unwrap();
    let cfg = write_config(t.path(), "name = \"hall\"\nwidth = 1280\nheight = 720\ncolor = \"rgb\"", None);
    std::fs::write(t.path().join("items/a.json"), item_json("a", "notice", "通知", &["新字\u{9FF0}，私用\u{E000}。"])).unwrap();
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT]);
    let out = stdout(&o);
    assert!(out.contains("U+E000") && out.contains("screen `hall`"), "{out}");
    assert!(!out.contains("U+9FF0"), "{out}");
    assert_eq!(o.status.code(), Some(1), "{out}");
}
