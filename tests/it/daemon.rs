//! The daemon wired for real (folder source, store, screen loop) on a paused tokio clock.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::render::font::FontLibrary;

use crate::support::*;

async fn wait_for(rx: &tokio::sync::watch::Receiver<Arc<yiping::api::sinks::Output>>, what: &str, present: bool) -> String {
    for _ in 0..600 {
        let cap = rx.borrow().caption.clone();
        if cap.contains(what) == present {
            return cap;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("caption never {} {what:?}: {}", if present { "showed" } else { "lost" }, rx.borrow().caption);
}

#[tokio::test(start_paused = true)]
async fn items_appear_rotate_and_leave_the_screen_when_withdrawn() {
    let t = tempfile::tempdir().unwrap();
    let png = t.path().join("now.png");
    let screen = format!(
        "name = \"door\"\nwidth = 128\nheight = 32\nfps = 10\n[[screens.sinks]]\ntype = \"png\"\npath = {:?}\nevery_seconds = 1",
        png.display().to_string()
    );
    let cfg = write_config(t.path(), &screen, None);
    std::fs::write(t.path().join("items/a.json"), item_json("a", "party", "党务甲", &["内容"])).unwrap();
    std::fs::write(t.path().join("items/b.json"), item_json("b", "finance", "财务乙", &["内容"])).unwrap();
    let (c, d) = Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = yiping::api::daemon::start(&c, fonts, Clock::starting_at(DEMO_AT.parse().unwrap()), cancel.clone()).unwrap();
    let rx = running.screens[0].1.clone();

    wait_for(&rx, "local/a", true).await;
    wait_for(&rx, "local/b", true).await;
    // Withdraw b while it is on air: it leaves at once (within a poll), not at the end of its slot.
    std::fs::remove_file(t.path().join("items/b.json")).unwrap();
    let cap = wait_for(&rx, "local/b", false).await;
    assert!(cap.contains("local/a"), "{cap}");
    assert!(png.exists(), "png sink wrote the current frame");

    cancel.cancel();
    running.wait().await;
}
