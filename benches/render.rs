//! Rendering throughput: frames per second for a 16 px marquee at LED and HDMI sizes.
//! Run: `cargo bench --bench render`. Prints figures; asserts nothing about time.
//! Each frame is drawn in the screen's own format (`Renderer::frame`): packed bit
//! planes on mono and dual screens, ready for the device, RGB on full colour.
//! `benches/peers/run.sh` runs this next to luma.core and prints the ratios.

use std::sync::Arc;
use std::time::{Duration, Instant};

use yiping::api::config::Config;
use yiping::api::render::font::FontLibrary;
use yiping::api::render::{Frame, Renderer};
use yiping::api::schedule::Content;
use yiping::api::schedule::Effect;

fn renderer(dir: &std::path::Path, screen: &str, fonts: &Arc<FontLibrary>) -> Renderer {
    let cfg = dir.join("yiping.toml");
    std::fs::write(&cfg, format!("village = \"青山村\"\n[[screens]]\nname = \"s\"\n{screen}\n")).unwrap();
    let (c, d) = Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    Renderer::new(&c.screens[0].display, fonts).unwrap()
}

fn bench(name: &str, r: &Renderer, content: &Content, effect: Effect) {
    let local = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap());
    let t0 = Instant::now();
    let scene = r.scene(content, effect);
    let layout = t0.elapsed();
    let mut f: Frame = r.frame();
    let frames = if r.width() > 1000 { 300 } else { 5000 };
    let t = Instant::now();
    for i in 0..frames {
        scene.draw(&mut f, Duration::from_millis(i * 40), &local);
    }
    let el = t.elapsed();
    let fps = frames as f64 / el.as_secs_f64();
    println!(
        "{name:<44} layout {:>7.2} ms   draw {:>8.3} ms/frame   {:>9.0} fps",
        layout.as_secs_f64() * 1e3,
        el.as_secs_f64() * 1e3 / frames as f64,
        fps
    );
}

fn main() {
    let t = Instant::now();
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).expect("fonts"));
    println!("font load (12 px + 16 px): {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let dir = tempfile::tempdir().unwrap();
    let text =
        "因供水主管道维修，定于12月1日10:00至16:00全村停水。请村民提前储水，停水期间关好水龙头。如有急事，请拨打村委会电话0471-5823016。".repeat(4);
    let content = Content::Notice { title: Some("停水通知".into()), text };
    let marquee = Effect::Marquee { speed: 32.0 };
    let led = renderer(dir.path(), "width = 192\nheight = 64\ncolor = \"mono\"", &fonts);
    bench("marquee 16 px, 192x64 mono", &led, &content, marquee);
    let led = renderer(dir.path(), "width = 128\nheight = 32\ncolor = \"mono\"", &fonts);
    bench("marquee 16 px, 128x32 mono", &led, &content, marquee);
    let led = renderer(dir.path(), "width = 64\nheight = 32\ncolor = \"rgb\"", &fonts);
    bench("marquee 16 px, 64x32 rgb", &led, &content, marquee);
    // The LED design (bitmap fonts) forced onto an HD screen, then the poster design it gets by default.
    let hd = renderer(dir.path(), "width = 1920\nheight = 1080\ncolor = \"rgb\"\n[screens.layout]\nstyle = \"led\"", &fonts);
    bench("marquee 16 px bitmap, 1920x1080 rgb", &hd, &content, marquee);
    bench("static pages 16 px bitmap, 1920x1080 rgb", &hd, &content, Effect::Static { page_seconds: 5.0 });
    let poster = renderer(dir.path(), "width = 1920\nheight = 1080\ncolor = \"rgb\"", &fonts);
    bench("marquee, poster design, 1920x1080 rgb", &poster, &content, marquee);
    bench("static pages, poster design, 1920x1080 rgb", &poster, &content, Effect::Static { page_seconds: 5.0 });
}
