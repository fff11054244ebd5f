//! The fbdev sink in the running daemon, writing into a regular file that stands in for /dev/fb0.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::engine::ScreenEngine;
use yiping::api::render::Frame;
use yiping::api::render::font::FontLibrary;
use yiping::api::sinks::fbdev::FbdevConfig;
use yiping::api::sinks::fbdev::{PixelFormat, format};

use crate::support::*;

fn fonts() -> Arc<FontLibrary> {
    Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap())
}

/// The frame a fresh engine draws for this config's first screen at `at` (after one scheduler step).
fn expected_frame(c: &Config, fonts: &Arc<FontLibrary>, items: &[yiping::api::item::Showable], at: jiff::Timestamp) -> Frame {
    let sc = &c.screens[0];
    let mut e = ScreenEngine::new(sc, c, fonts).unwrap();
    e.advance(items, at);
    let mut f = Frame::new(sc.display.width, sc.display.height);
    e.draw(&mut f, at);
    f
}

#[tokio::test(start_paused = true)]
async fn daemon_writes_the_expected_frame_into_a_file_backed_framebuffer_with_odd_stride() {
    // 192 px of RGB565 = 384 bytes; a 400-byte line leaves 16 bytes of padding the sink must skip.
    daemon_run(192, 64, "rgb565", PixelFormat::RGB565, 400).await;
}

#[tokio::test(start_paused = true)]
async fn daemon_writes_a_poster_frame_into_a_file_backed_xbgr8888_framebuffer() {
    // The HD design at 640x360; 2,600 bytes a line (40 bytes of padding).
    daemon_run(640, 360, "xbgr8888", PixelFormat::XBGR8888, 2600).await;
}

/// Runs the daemon for 3 simulated seconds with an fbdev sink on a regular file; the file
/// must then hold exactly what a fresh engine draws at that moment, converted to `format`.
async fn daemon_run(w: u32, h: u32, format_name: &str, format: PixelFormat, stride: usize) {
    let t = tempfile::tempdir().unwrap();
    let fb = t.path().join("fb0");
    let screen = format!(
        "name = \"hall\"\nwidth = {w}\nheight = {h}\ncolor = \"rgb\"\nfps = 5\n[[screens.sinks]]\ntype = \"fbdev\"\npath = {:?}\nformat = \"{format_name}\"\nstride = {stride}",
        fb.display().to_string()
    );
    let cfg = write_config(t.path(), &screen, None);
    std::fs::write(t.path().join("items/a.json"), item_json("a", "village", "停水通知", &["明日停水。"])).unwrap();
    let c = Config::load(&cfg).0.unwrap();
    assert!(c.screens[0].sinks[0].get::<FbdevConfig>().is_some_and(|f| f.stride == Some(stride as u32)));
    let fonts = fonts();
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, Arc::clone(&fonts), Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    let rx = running.screens[0].1.clone();
    let status = Arc::clone(&running.sinks[0]);
    // A few simulated seconds: the item is picked up and stays on its first page.
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = Arc::clone(&rx.borrow());
    assert!(out.caption.contains("local/a"), "{}", out.caption);
    let items = running.catalog.borrow().showable(out.at);
    // The sink thread takes the newest frame on its own: wait (in simulated time) until it has.
    let want = expected_frame(&c, &fonts, &items, out.at);
    assert_eq!(out.frame, want, "the daemon drew what a fresh engine draws at that moment");
    let mut bytes = vec![0u8; stride * h as usize];
    format::convert(&want, &format, &mut bytes, stride);
    let mut got = Vec::new();
    for _ in 0..200 {
        got = std::fs::read(&fb).unwrap();
        if got == bytes {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        std::thread::sleep(Duration::from_millis(5)); // the sink is a real thread
    }
    assert_eq!(got.len(), stride * h as usize);
    assert!(got == bytes, "file-backed framebuffer holds the expected {format_name} frame");
    let used = w as usize * format.bytes_per_pixel as usize;
    assert!(got.chunks(stride).all(|row| row[used..].iter().all(|&b| b == 0)), "row padding untouched");
    assert!(got.chunks(stride).any(|row| row[..used].iter().any(|&b| b != 0)), "something was drawn");
    assert!(status.written.load(std::sync::atomic::Ordering::Relaxed) > 0);

    cancel.cancel();
    running.wait().await;
}

#[tokio::test]
async fn daemon_refuses_a_framebuffer_whose_size_disagrees() {
    let t = tempfile::tempdir().unwrap();
    let fb = t.path().join("fb0");
    let screen = format!(
        "name = \"hall\"\nwidth = 1920\nheight = 1080\ncolor = \"rgb\"\n[[screens.sinks]]\ntype = \"fbdev\"\npath = {:?}\nformat = \"xrgb8888\"\nwidth = 1280\nheight = 720",
        fb.display().to_string()
    );
    let c = Config::load(&write_config(t.path(), &screen, None)).0.unwrap();
    let cancel = CancellationToken::new();
    let e = match yiping::api::daemon::start(&c, fonts(), Clock::System, cancel.clone()) {
        Ok(_) => panic!("started with a mismatched framebuffer"),
        Err(e) => format!("{e:#}"),
    };
    cancel.cancel();
    assert!(e.contains("is 1280x720 but screen `hall` is 1920x1080"), "{e}");
}

#[test]
fn unknown_pixel_format_is_a_config_error_with_position() {
    let t = tempfile::tempdir().unwrap();
    let screen = "name = \"hall\"\nwidth = 64\nheight = 32\n[[screens.sinks]]\ntype = \"fbdev\"\npath = \"fb\"\nformat = \"rgba\"";
    let (c, d) = Config::load(&write_config(t.path(), screen, None));
    assert!(c.is_none());
    let all = d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n");
    assert!(all.contains("unknown pixel format `rgba`") && all.contains("未知的像素格式") && all.contains("yiping.toml:"), "{all}");
}
