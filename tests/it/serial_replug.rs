//! A BX card unplugged and plugged in again in the middle of a long slot (issue 13, item 5).
//!
//! The adapter is a real `socat` process joining two ptys: the daemon's end sits
//! behind a by-id style link, the simulated card opens the other. Unplugging
//! kills socat and removes both links (udev removes a USB node the same way);
//! the replugged card has an empty RAM area, like a real one that lost power.
//! Cycles: `YIPING_REPLUG_CYCLES` (default 3); the replug-to-text times are
//! printed as a distribution, never asserted (only a 20 s hang bound).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serialport::TTYPort;
use yiping::api::render::Frame;
use yiping::api::schedule::Effect;
use yiping::api::sinks::{Output, Power};

use crate::serial::{Answer, Card, Running, at, bx_config, lines, wait_for};

/// A USB-serial adapter: socat joining the daemon's end `port` to the card's end.
struct Adapter {
    child: Child,
    links: [PathBuf; 2],
}

impl Adapter {
    /// Plugs the adapter in; `None` when socat is missing (outside CI).
    fn plug(port: &Path, card_end: &Path) -> Option<(Adapter, TTYPort)> {
        let spec = |p: &Path| format!("pty,raw,echo=0,link={}", p.display());
        let child = match Command::new("socat").arg(spec(port)).arg(spec(card_end)).stdout(Stdio::null()).stderr(Stdio::null()).spawn() {
            Ok(c) => c,
            Err(e) => {
                assert!(std::env::var_os("YIPING_CI").is_none(), "socat is required in CI: {e}");
                eprintln!("skipped: socat not found ({e})");
                return None;
            }
        };
        let a = Adapter { child, links: [port.to_path_buf(), card_end.to_path_buf()] };
        wait_for("socat's ptys", || a.links.iter().all(|l| l.exists()));
        let card = serialport::new(card_end.to_string_lossy(), 9600).timeout(Duration::from_millis(20)).open_native().expect("card end");
        let _ = serialport::SerialPort::clear(&card, serialport::ClearBuffer::All);
        Some((a, card))
    }
}

impl Drop for Adapter {
    /// Unplugs: the ptys die with socat and the device links go away.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for l in &self.links {
            let _ = std::fs::remove_file(l);
        }
    }
}

fn long_slot() -> Arc<Output> {
    // A 20-minute slot: nothing changes the content during the test.
    let mut on_air = yiping::api::schedule::testkit::notice_on_air(Some("长期公告"), "停水通知", Effect::Static { page_seconds: 5.0 }, 1200, at());
    on_air.seq = 1;
    Arc::new(Output { frame: Frame::new(128, 32), at: at(), caption: String::new(), number: 1, on_air: Some(on_air), power: Power::default() })
}

/// Issue 13, item 5 (the attack): a card replugged in the middle of a long slot got nothing
/// until the next slot. Now the daemon notices the new link by itself (link check, the port
/// path naming another device, a dead fd) and sends the text again, every cycle.
#[test]
fn bx_a_replugged_card_gets_its_text_again_in_the_middle_of_a_long_slot() {
    let cycles: usize = std::env::var("YIPING_REPLUG_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    let port = dir.path().join("usb-CH340-if00-port0");
    let card_end = dir.path().join("card");
    let Some((mut adapter, tty)) = Adapter::plug(&port, &card_end) else { return };
    let mut card = Card::spawn(tty, |_, _| Answer::Ack);
    let sink = Running::bx(bx_config(&port, 1), long_slot());
    wait_for("the first update", || !card.areas().is_empty());
    let mut took = Vec::new();
    for n in 0..cycles {
        // Unplugged for a moment (quicker than a link check) or for a while.
        let out = [Duration::from_millis(50), Duration::from_millis(400), Duration::from_millis(2500)][n % 3];
        drop(card);
        drop(adapter);
        std::thread::sleep(out);
        let (a, tty) = Adapter::plug(&port, &card_end).expect("socat again");
        adapter = a;
        let start = Instant::now();
        card = Card::spawn(tty, |_, _| Answer::Ack);
        wait_for("the text on the replugged card", || !card.areas().is_empty());
        took.push(start.elapsed());
        let areas = card.areas();
        assert_eq!(lines(&areas.last().unwrap().1), vec!["【通知】长期公告", "停水通知"], "cycle {n}");
        // The replugged card lost its power state too: power and brightness go first.
        let cmds = card.commands();
        let area = cmds.iter().position(|c| *c == (0xA3, 0x06)).unwrap();
        assert_eq!(&cmds[area.saturating_sub(2)..area], &[(0xA3, 0x00), (0xA3, 0x02)], "cycle {n}: {cmds:?}");
    }
    // Every replug was noticed as a lost link (the evidence log's `device` gap).
    assert!(sink.status.lapses.load(Ordering::Relaxed) >= cycles as u64);
    assert!(sink.status.last_error.lock().unwrap().is_none(), "{:?}", sink.status.last_error);
    took.sort();
    let ms = |d: Duration| d.as_millis();
    let at_q = |q: usize| took[(took.len() * q / 100).min(took.len() - 1)];
    eprintln!(
        "replug to text, {} cycles: min {} ms, median {} ms, p95 {} ms, max {} ms",
        took.len(),
        ms(took[0]),
        ms(at_q(50)),
        ms(at_q(95)),
        ms(took[took.len() - 1])
    );
}
