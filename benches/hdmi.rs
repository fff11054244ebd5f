//! HD screens: CPU per frame at 1920x1080 and 60 fps (draw + conversion into a framebuffer), and resident memory.
//! Run: `cargo bench --bench hdmi`. Prints figures (thread CPU time, not wall time); asserts nothing.
//!
//! The framebuffer is a regular file in a temp dir, memory-mapped exactly as
//! /dev/fb0 would be; each frame is drawn by the poster scene and written by
//! the fbdev sink's `Framebuffer::show` (conversion honouring stride included).

use std::sync::Arc;
use std::time::{Duration, Instant};

use yiping::api::config::Config;
use yiping::api::render::font::FontLibrary;
use yiping::api::render::{Frame, Renderer};
use yiping::api::schedule::Content;
use yiping::api::schedule::Effect;
use yiping::api::sinks::fbdev::{FbdevConfig, Framebuffer, PixelFormat};

fn rss_kib(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// CPU time this thread has used: the machine is shared, so wall time would count other processes' turns.
fn cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime fills the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn renderer(dir: &std::path::Path, w: u32, h: u32, fonts: &Arc<FontLibrary>) -> Renderer {
    let cfg = dir.join("yiping.toml");
    std::fs::write(&cfg, format!("village = \"青山村\"\n[[screens]]\nname = \"s\"\nwidth = {w}\nheight = {h}\ncolor = \"rgb\"\nfps = 60\n")).unwrap();
    let (c, d) = Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    Renderer::new(&c.screens[0].display, fonts).unwrap()
}

fn bench(name: &str, r: &Renderer, content: &Content, effect: Effect, format: PixelFormat, urgent: &[String], dir: &std::path::Path) {
    let local = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap());
    let t0 = Instant::now();
    let scene = r.scene(content, effect);
    let ticker = r.ticker(urgent);
    let layout = t0.elapsed();
    let cfg = FbdevConfig {
        path: dir.join(format!("fb-{name}")),
        format: Some(format),
        width: None,
        height: None,
        stride: None,
        virtual_height: Some(r.height() * 2),
        blank_on_exit: false,
    };
    let mut fb = Framebuffer::open(&cfg, "bench", r.width(), r.height()).unwrap();
    let mut f = Frame::new(r.width(), r.height());
    let at = |i: u64| Duration::from_micros(i * 1_000_000 / 60);
    // Warm up: the first second (glyphs rasterized once, strips drawn once).
    let t1 = cpu();
    for i in 0..60 {
        scene.draw_with(&mut f, at(i), &local, ticker.as_ref().map(|t| (t, at(i))));
        fb.show(&f).unwrap();
    }
    let warm = cpu() - t1;
    let frames = 600u64;
    let (mut draw, mut show) = (Duration::ZERO, Duration::ZERO);
    for i in 60..60 + frames {
        let a = cpu();
        scene.draw_with(&mut f, at(i), &local, ticker.as_ref().map(|t| (t, at(i))));
        let b = cpu();
        fb.show(&f).unwrap();
        draw += b - a;
        show += cpu() - b;
    }
    let per = |d: Duration| d.as_secs_f64() * 1e3 / frames as f64;
    let total = per(draw) + per(show);
    println!(
        "{name:<40} layout {:>6.1} ms  first s {:>6.1} ms/frame  steady: draw {:>5.2} + fb {:>5.2} = {:>5.2} ms/frame = {:>4.1}% of a core at 60 fps",
        layout.as_secs_f64() * 1e3,
        warm.as_secs_f64() * 1e3 / 60.0,
        per(draw),
        per(show),
        total,
        total * 60.0 / 10.0
    );
}

fn main() {
    println!("resident at start: {} KiB", rss_kib("VmRSS:"));
    let t = Instant::now();
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).expect("fonts"));
    println!(
        "fonts loaded (bitmap 12 + 16 px parsed, outline mapped) in {:.0} ms; resident {} KiB",
        t.elapsed().as_secs_f64() * 1e3,
        rss_kib("VmRSS:")
    );
    // The framebuffer file lives in RAM (/dev/shm) where there is one, like a device's memory:
    // a file on disk would add page-cache writeback that no /dev/fb0 has.
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() { tempfile::tempdir_in(shm).unwrap() } else { tempfile::tempdir().unwrap() };
    println!("framebuffer files in {}", dir.path().display());
    let text = "因供水主管道维修，定于12月1日10:00至16:00全村停水。请村民提前储水，停水期间关好水龙头。如有急事，请拨打村委会电话0471-5823016。喆堃昇珺玥赟犇䶮。".repeat(12);
    let content = Content::Notice { title: Some("停水通知".into()), text };
    let urgent = vec!["停水通知：12月1日10:00至16:00全村停水".to_string()];
    let hd = renderer(dir.path(), 1920, 1080, &fonts);
    let scroll = Effect::ScrollUp { speed: 16.0 };
    bench("1920x1080 scroll-up -> xrgb8888", &hd, &content, scroll, PixelFormat::XRGB8888, &[], dir.path());
    bench("1920x1080 scroll-up + ticker -> xrgb8888", &hd, &content, scroll, PixelFormat::XRGB8888, &urgent, dir.path());
    bench("1920x1080 scroll-up + ticker -> rgb565", &hd, &content, scroll, PixelFormat::RGB565, &urgent, dir.path());
    bench("1920x1080 marquee -> xrgb8888", &hd, &content, Effect::Marquee { speed: 32.0 }, PixelFormat::XRGB8888, &urgent, dir.path());
    bench("1920x1080 static pages -> xrgb8888", &hd, &content, Effect::Static { page_seconds: 5.0 }, PixelFormat::XRGB8888, &urgent, dir.path());
    let small = renderer(dir.path(), 1280, 720, &fonts);
    bench("1280x720 scroll-up + ticker -> rgb565", &small, &content, scroll, PixelFormat::RGB565, &urgent, dir.path());
    println!("resident now: {} KiB (peak {} KiB; includes two mapped 1920x1080x2 framebuffer files)", rss_kib("VmRSS:"), rss_kib("VmHWM:"));
}
