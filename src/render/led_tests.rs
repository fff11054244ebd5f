//! Tests of the LED design's frame path: packed frames, the base frame and the marquee
//! strip must give, frame after frame, exactly what drawing everything directly gives.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use embedded_graphics::pixelcolor::Rgb888;

use super::*;
use crate::render::display::{Display, Layout, LayoutStyle, Mongolian};
use crate::render::{ColorMode, Renderer, Scene};
use crate::schedule::Content;

fn fonts() -> &'static Arc<FontLibrary> {
    static LIB: OnceLock<Arc<FontLibrary>> = OnceLock::new();
    LIB.get_or_init(|| Arc::new(FontLibrary::load(&[PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts"))]).expect("fonts/")))
}

fn renderer(width: u32, height: u32, color: ColorMode) -> Renderer {
    let small = height < 48;
    let layout = Layout { style: LayoutStyle::Led, header: !small, footer: !small, font: 16, small_font: 12, mongolian: Mongolian::Auto };
    let d = Display { width, height, color, led_color: Rgb888::new(255, 32, 16), layout, village: Some("青山村".into()) };
    Renderer::new(&d, fonts()).unwrap()
}

fn led(s: Scene) -> LedScene {
    match s {
        Scene::Led(s) => s,
        Scene::Poster(_) => panic!("an LED screen gets the LED design"),
    }
}

/// Draws every moment into one reused frame of the screen's format (as the daemon does)
/// and compares with everything drawn directly into a fresh RGB frame.
fn check(r: &Renderer, content: &Content, effect: Effect, frames: u64) {
    let scene = led(r.scene(content, effect));
    let mut reused = r.frame();
    let start: jiff::Timestamp = "2026-12-01T01:00:50Z".parse().unwrap();
    for i in 0..frames {
        let elapsed = Duration::from_millis(i * 37);
        // The clock moves 2 s a frame, so the footer's minute changes under a moving marquee.
        let now = (start + jiff::SignedDuration::from_secs(2 * i as i64)).to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap());
        scene.draw(&mut reused, elapsed, &now);
        let mut want = Frame::new(r.width(), r.height());
        scene.draw_all(&mut want, elapsed.as_secs_f64(), &now, true);
        if *reused.rgb() != want {
            panic!("{}x{} {effect:?} frame {i} differs:\n{}\nwant:\n{}", r.width(), r.height(), reused.to_ascii(), want.to_ascii());
        }
    }
}

#[test]
fn packed_and_reused_led_frames_equal_direct_drawing() {
    let text = "因供水主管道维修，定于12月1日10:00至16:00全村停水。请村民提前储水，停水期间关好水龙头。".repeat(2);
    // A title too long for the header, so it moves (the base frame changes with it).
    let content = Content::Notice { title: Some("关于本村冬季停水、供暖及道路维修安排的紧急通知".into()), text };
    for (w, h, color) in
        [(192, 64, ColorMode::Mono), (128, 32, ColorMode::Mono), (192, 64, ColorMode::Dual), (64, 32, ColorMode::Rgb), (100, 48, ColorMode::Mono)]
    {
        let r = renderer(w, h, color);
        check(&r, &content, Effect::Marquee { speed: 32.0 }, 300);
        check(&r, &content, Effect::Static { page_seconds: 1.5 }, 120);
        check(&r, &content, Effect::ScrollUp { speed: 20.0 }, 60);
    }
}

#[test]
fn a_frame_drawn_on_by_someone_else_gets_the_whole_base_again() {
    let r = renderer(192, 64, ColorMode::Mono);
    let content = Content::Notice { title: Some("停水通知".into()), text: "请村民提前储水".repeat(8) };
    let scene = led(r.scene(&content, Effect::Marquee { speed: 32.0 }));
    let now = "2026-12-01T01:00:00Z".parse::<jiff::Timestamp>().unwrap().to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let mut f = r.frame();
    scene.draw(&mut f, Duration::from_secs(1), &now);
    // Something else (an overlay) draws over the header: the next frame must repaint it.
    f.fill_rect(0, 0, 192, 10, Rgb888::new(255, 32, 16));
    scene.draw(&mut f, Duration::from_secs(2), &now);
    let mut want = Frame::new(192, 64);
    scene.draw_all(&mut want, 2.0, &now, true);
    assert!(*f.rgb() == want, "{}", f.to_ascii());
}
