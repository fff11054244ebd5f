//! Bilingual (Mongolian and Chinese) items on screen: order, joining, paging, golden frames.

use std::sync::Arc;
use std::time::Duration;

use yiping::api::config::Config;
use yiping::api::item::parse::{Format, Limits, parse_item};
use yiping::api::item::{Entry, Showable};
use yiping::api::render::{Frame, Renderer};
use yiping::api::schedule::{Content, Effect};

use crate::frames::golden;
use crate::support::*;

/// The sample notice of the operator guide (illustrative Mongolian, not reviewed by a translator).
pub const MN_TITLE: &str = "ᠴᠢᠩ ᠰᠠᠨ ᠭᠠᠴᠠᠭ᠎ᠠ ᠶᠢᠨ ᠮᠡᠳᠡᠭᠳᠡᠯ";
pub const MN_BODY: &str = "ᠡᠪᠦᠯ ᠤᠨ ᠭᠠᠯ ᠤᠨ ᠠᠶᠤᠯ ᠠᠴᠠ ᠰᠡᠷᠭᠡᠶᠢᠯᠡᠭᠡᠷᠡᠢ᠃";

/// An approved bilingual item, admitted at the demo time.
fn bilingual() -> Content {
    let mut v: serde_json::Value = serde_json::from_str(&item_json("mn-1", "notice", "冬季防火通知", &["冬季天干物燥，请注意防火。"])).unwrap();
    v["mn"] = serde_json::json!({ "title": MN_TITLE, "body": [MN_BODY] });
    let src = v.to_string();
    let it = parse_item(std::path::Path::new("mn-1.json"), &src, Format::Json, &Limits::default()).unwrap();
    let e = Arc::new(Entry::new("local", Arc::new(it), &Default::default()));
    Content::Item(Showable::admit(&e, DEMO_AT.parse().unwrap()).unwrap())
}

fn renderer(screen: &str) -> Renderer {
    let t = tempfile::tempdir().unwrap();
    let cfg = write_config(t.path(), screen, None);
    let (c, d) = Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    Renderer::new(&c.screens[0].display, &crate::frames::fonts()).unwrap()
}

fn frame(r: &Renderer, c: &Content, e: Effect, secs: f64) -> Frame {
    let mut f = Frame::new(r.width(), r.height());
    let local = DEMO_AT.parse::<jiff::Timestamp>().unwrap().to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap());
    r.scene(c, e).draw(&mut f, Duration::from_secs_f64(secs), &local);
    f
}

const LED: &str = "name = \"s\"\nwidth = 192\nheight = 64\ncolor = \"mono\"";
const STATIC: Effect = Effect::Static { page_seconds: 5.0 };

#[test]
fn the_mongolian_comes_first_on_an_led_board_and_every_page_counts() {
    let r = renderer(LED);
    let scene = r.scene(&bilingual(), STATIC);
    let pages = scene.page_texts();
    let all = pages.join("\n");
    let (m, z) = (all.find(MN_TITLE).expect("Mongolian title shown"), all.find("冬季天干物燥").expect("Chinese body shown"));
    assert!(m < z, "Mongolian before Chinese:\n{all}");
    assert!(all.find("ᠡᠪᠦᠯ").unwrap() < z, "the Mongolian body too");
    assert!(scene.missing().is_empty(), "{:?}", scene.missing());
    // The pages and the slot length count both texts.
    let off = renderer(&format!("{LED}\n[screens.layout]\nmongolian = \"off\""));
    let plain = off.scene(&bilingual(), STATIC);
    assert!(!plain.page_texts().join("\n").contains(MN_TITLE), "mongolian = \"off\" shows the Chinese alone");
    assert!(scene.page_count() > plain.page_count());
    assert!(scene.natural_duration() > plain.natural_duration());
    for e in [Effect::Marquee { speed: 32.0 }, Effect::ScrollUp { speed: 16.0 }] {
        let (a, b) = (r.scene(&bilingual(), e), off.scene(&bilingual(), e));
        assert!(a.natural_duration() > b.natural_duration(), "{e:?} carries both");
        let text = a.page_texts().join("\n");
        assert!(text.find(MN_TITLE).unwrap() < text.find("冬季天干物燥").unwrap(), "{e:?}: {text}");
    }
}

#[test]
fn golden_bilingual_led_frames() {
    let r = renderer(LED);
    // Page 1: the Mongolian title; page 3: the end of the Mongolian body above the Chinese.
    golden("mn-192x64-mono-title", &frame(&r, &bilingual(), STATIC, 0.0));
    golden("mn-192x64-mono-both", &frame(&r, &bilingual(), STATIC, 10.0));
    let rgb = renderer("name = \"s\"\nwidth = 64\nheight = 32\ncolor = \"rgb\"");
    golden("mn-64x32-rgb-title", &frame(&rgb, &bilingual(), STATIC, 0.0));
    // The marquee: the Mongolian body crossing, the Chinese following.
    golden("mn-64x32-rgb-marquee", &frame(&rgb, &bilingual(), Effect::Marquee { speed: 32.0 }, 12.0));
}

#[test]
fn the_poster_puts_the_mongolian_title_above_the_chinese_and_its_body_first() {
    let r = renderer("name = \"hall\"\nwidth = 1920\nheight = 1080\ncolor = \"rgb\"");
    let scene = r.scene(&bilingual(), STATIC);
    let text = scene.page_texts().join("\n");
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} missing in:\n{text}"));
    assert!(at(MN_TITLE) < at("冬季防火通知") && at("冬季防火通知") < at("ᠡᠪᠦᠯ") && at("ᠡᠪᠦᠯ") < at("冬季天干物燥"), "{text}");
    assert!(scene.missing().is_empty(), "{:?}", scene.missing());
    golden("mn-poster-1920x1080", &frame(&r, &bilingual(), STATIC, 0.0));
    // Scroll-up and marquee carry both texts on the poster too, and take longer for it.
    let off = renderer("name = \"hall\"\nwidth = 1920\nheight = 1080\ncolor = \"rgb\"\n[screens.layout]\nmongolian = \"off\"");
    for e in [Effect::Marquee { speed: 32.0 }, Effect::ScrollUp { speed: 16.0 }] {
        assert!(r.scene(&bilingual(), e).natural_duration() > off.scene(&bilingual(), e).natural_duration(), "{e:?}");
        let f = frame(&r, &bilingual(), e, 1.0);
        assert!(f.as_rgb().chunks(3).any(|p| p[0] > 200), "{e:?} draws");
    }
}
