//! Serial sinks over real pseudo-terminal pairs: a far-end decoder plays the BX
//! card (unescape, CRC, header, area parameters, GB2312 text, ACK or NACK) or the
//! TPM2 microcontroller (rebuilds the image). Ptys ignore the baud rate, so these
//! tests check bytes and behaviour, never timing.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serialport::{SerialPort, TTYPort};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use yiping::api::render::Frame;
use yiping::api::schedule::Effect;
use yiping::api::sinks::bx::BxConfig;
use yiping::api::sinks::bx::command::{self, Area, Motion};
use yiping::api::sinks::bx::packet::{Decoder, Packet};
use yiping::api::sinks::bx::{self, text};
use yiping::api::sinks::pixmap::{Order, PixMapConfig};
use yiping::api::sinks::stream::StreamConfig;
use yiping::api::sinks::stream::{self, FrameReader, Protocol};
use yiping::api::sinks::{Output, Power, SinkStatus};

const AT: &str = "2026-12-01T09:00:00+08:00";

pub(crate) fn at() -> Timestamp {
    AT.parse().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

/// Polls `f` until it holds; panics with `what` after 20 s (a hang, not a timing check).
pub(crate) fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A pty pair whose slave is reachable at `link` (a symlink, like /dev/serial/by-id/...).
fn pty_at(link: &Path) -> (TTYPort, TTYPort) {
    let (mut master, slave) = TTYPort::pair().expect("pty pair");
    master.set_timeout(Duration::from_millis(20)).unwrap();
    let _ = std::fs::remove_file(link);
    symlink(slave.name().unwrap(), link).unwrap();
    (master, slave)
}

/// What the simulated card does with a request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Answer {
    Ack,
    Nack(u8),
    Silence,
}

/// A BX card (or several on one bus) at the far end of a pty.
pub(crate) struct Card {
    log: Arc<Mutex<Vec<Packet>>>,
    bad: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Card {
    /// `answer(packet, n)`: n counts the dynamic-area requests seen so far (from 0).
    pub(crate) fn spawn(mut master: TTYPort, mut answer: impl FnMut(&Packet, usize) -> Answer + Send + 'static) -> Card {
        let log = Arc::new(Mutex::new(Vec::new()));
        let bad = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (l, b, s) = (log.clone(), bad.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut dec = Decoder::new();
            let mut areas = 0;
            let mut buf = [0u8; 512];
            while !s.load(Ordering::Relaxed) {
                let n = match std::io::Read::read(&mut master, &mut buf) {
                    Ok(n) => n,
                    Err(_) => {
                        // Timeout, or EIO while nobody has the slave open.
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                };
                for f in dec.push(&buf[..n]) {
                    let p = match f {
                        Ok(p) => p,
                        Err(e) => {
                            b.lock().unwrap().push(e.to_string());
                            continue;
                        }
                    };
                    let is_area = command::parse_dynamic_area(&p.data).is_some();
                    let a = answer(&p, areas);
                    if is_area {
                        areas += 1;
                    }
                    let card = p.header.dst;
                    l.lock().unwrap().push(p);
                    let reply = match a {
                        Answer::Ack => command::reply_bytes(card, None),
                        Answer::Nack(code) => command::reply_bytes(card, Some(code)),
                        Answer::Silence => continue,
                    };
                    let _ = std::io::Write::write_all(&mut master, &reply);
                }
            }
        });
        Card { log, bad, stop, thread: Some(thread) }
    }

    pub(crate) fn areas(&self) -> Vec<(u16, Area)> {
        self.log.lock().unwrap().iter().filter_map(|p| command::parse_dynamic_area(&p.data).map(|a| (p.header.dst, a))).collect()
    }

    pub(crate) fn commands(&self) -> Vec<(u8, u8)> {
        self.log.lock().unwrap().iter().map(|p| (p.data[0], p.data[1])).collect()
    }
}

impl Drop for Card {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn output(number: u64, title: &str, text: &str, effect: Effect) -> Arc<Output> {
    let mut on_air = yiping::api::schedule::testkit::notice_on_air(Some(title), text, effect, 600, at());
    on_air.seq = number; // as the scheduler numbers successive contents
    Arc::new(Output { frame: Frame::new(128, 32), at: at(), caption: String::new(), number, on_air: Some(on_air), power: Power::default() })
}

pub(crate) fn bx_config(port: &Path, address: u16) -> BxConfig {
    let mut c = BxConfig::new(port.to_path_buf());
    c.address = address;
    c.reply_timeout = Duration::from_millis(300);
    c.idle_text = Some("测试村".into());
    c
}

/// A running bx sink thread fed from a watch channel.
pub(crate) struct Running {
    tx: watch::Sender<Arc<Output>>,
    pub(crate) status: Arc<SinkStatus>,
    cancel: CancellationToken,
    thread: Option<JoinHandle<()>>,
    _rt: tokio::runtime::Runtime,
}

impl Running {
    pub(crate) fn bx(cfg: BxConfig, first: Arc<Output>) -> Running {
        let rt = runtime();
        let (tx, rx) = watch::channel(first);
        let status = Arc::new(SinkStatus::new("t", "bx"));
        let cancel = CancellationToken::new();
        let (s, c, h) = (status.clone(), cancel.clone(), rt.handle().clone());
        let thread = std::thread::spawn(move || bx::run("t", &cfg, rx, &s, &c, &h));
        Running { tx, status, cancel, thread: Some(thread), _rt: rt }
    }

    fn stream(protocol: Protocol, cfg: StreamConfig, first: Arc<Output>) -> Running {
        let rt = runtime();
        let (tx, rx) = watch::channel(first);
        let status = Arc::new(SinkStatus::new("t", protocol.name()));
        let cancel = CancellationToken::new();
        let (s, c, h) = (status.clone(), cancel.clone(), rt.handle().clone());
        let thread = std::thread::spawn(move || stream::run("t", protocol, &cfg, rx, &s, &c, &h));
        Running { tx, status, cancel, thread: Some(thread), _rt: rt }
    }

    fn written(&self) -> u64 {
        self.status.written.load(Ordering::Relaxed)
    }

    fn errors(&self) -> u64 {
        self.status.errors.load(Ordering::Relaxed)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub(crate) fn lines(a: &Area) -> Vec<String> {
    text::decode_text(&a.text).unwrap()
}

#[test]
fn bx_nack_then_success_delivers_the_text_once_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("usb-FTDI_FT232R-if00-port0");
    let (master, _slave) = pty_at(&link);
    // The card is busy (NACK 3) for the first text update, then accepts.
    let card = Card::spawn(master, |p, n| if command::parse_dynamic_area(&p.data).is_some() && n == 0 { Answer::Nack(3) } else { Answer::Ack });
    let sink = Running::bx(bx_config(&link, 1), output(1, "停水通知", "12月2日8时至18时停水。", Effect::Static { page_seconds: 5.0 }));
    wait_for("an acknowledged update", || sink.written() == 1);
    let areas = card.areas();
    assert_eq!(areas.len(), 2, "one refused, one accepted");
    assert_eq!(areas[0].1, areas[1].1, "the retry sends the same update");
    let a = &areas[1].1;
    assert_eq!((areas[1].0, a.width, a.height, a.motion, a.stay), (1, 128, 32, Motion::Static, 10));
    assert_eq!(lines(a), vec!["【通知】停水通知", "12月2日8时至18时", "停水。"]);
    // Power and brightness went first; nothing arrived broken.
    assert_eq!(&card.commands()[..2], &[(0xA3, 0x00), (0xA3, 0x02)]);
    assert!(card.bad.lock().unwrap().is_empty(), "{:?}", card.bad.lock().unwrap());
    assert_eq!(sink.errors(), 1);
    assert!(sink.status.last_error.lock().unwrap().is_none(), "cleared once the card accepted");
}

#[test]
fn bx_silence_then_success_retries_after_the_reply_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("card");
    let (master, _slave) = pty_at(&link);
    let card = Card::spawn(master, |p, n| if command::parse_dynamic_area(&p.data).is_some() && n == 0 { Answer::Silence } else { Answer::Ack });
    let sink = Running::bx(bx_config(&link, 1), output(1, "通知", "村委会换届选举公告", Effect::Marquee { speed: 32.0 }));
    wait_for("an acknowledged update", || sink.written() == 1);
    let areas = card.areas();
    assert_eq!(areas.len(), 2);
    let a = &areas[1].1;
    assert_eq!((a.motion, a.single_line), (Motion::ScrollLeft, true));
    assert_eq!(lines(a).concat(), "【通知】通知　村委会换届选举公告");
    assert!(sink.errors() >= 1);
    // After silence the card may have restarted: power is sent again before the text.
    let cmds = card.commands();
    let second_area = cmds.iter().rposition(|c| *c == (0xA3, 0x06)).unwrap();
    assert_eq!(&cmds[second_area - 2..second_area], &[(0xA3, 0x00), (0xA3, 0x02)]);
}

#[test]
fn bx_port_vanishing_and_reappearing_resumes_with_the_current_content() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("usb-CH340-if00-port0");
    let (master, slave) = pty_at(&link);
    let card = Card::spawn(master, |_, _| Answer::Ack);
    let sink = Running::bx(bx_config(&link, 1), output(1, "一", "第一条", Effect::Static { page_seconds: 5.0 }));
    wait_for("the first update", || sink.written() == 1);
    // Unplug: the adapter's device node goes away and the old pty dies.
    drop(card);
    drop(slave);
    std::fs::remove_file(&link).unwrap();
    sink.tx.send_replace(output(2, "二", "第二条", Effect::Static { page_seconds: 5.0 }));
    wait_for("the sink to notice", || sink.errors() >= 1);
    // Plug back in (a new device behind the same by-id path).
    let (master, _slave2) = pty_at(&link);
    let card = Card::spawn(master, |_, _| Answer::Ack);
    wait_for("the update after reconnecting", || sink.written() == 2);
    let areas = card.areas();
    assert_eq!(lines(&areas.last().unwrap().1), vec!["【通知】二", "第二条"]);
    assert_eq!(&card.commands()[..2], &[(0xA3, 0x00), (0xA3, 0x02)], "power restored on the new link");
    assert!(sink.status.last_error.lock().unwrap().is_none());
}

#[test]
fn bx_auto_baud_pings_before_the_first_command() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("auto");
    let (master, _slave) = pty_at(&link);
    let card = Card::spawn(master, |_, _| Answer::Ack);
    let mut cfg = bx_config(&link, 3);
    cfg.baud = yiping::api::sinks::bx::Baud::Auto;
    let sink = Running::bx(cfg, output(1, "一", "文字", Effect::Static { page_seconds: 5.0 }));
    wait_for("an acknowledged update", || sink.written() == 1);
    // (Idle link checks may follow: pings, after the work.)
    assert_eq!(card.commands()[..4], [(0xA2, 0x00), (0xA3, 0x00), (0xA3, 0x02), (0xA3, 0x06)]);
    assert!(card.log.lock().unwrap().iter().all(|p| p.header.dst == 3));
}

#[test]
fn bx_two_addresses_share_one_bus_without_interleaving() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("rs485");
    let (master, _slave) = pty_at(&link);
    let card = Card::spawn(master, |_, _| Answer::Ack);
    let one = Running::bx(bx_config(&link, 1), output(1, "东门屏", "党务公开", Effect::Static { page_seconds: 5.0 }));
    let two = Running::bx(bx_config(&link, 2), output(1, "西门屏", "财务公开", Effect::ScrollUp { speed: 16.0 }));
    wait_for("both cards updated", || one.written() == 1 && two.written() == 1);
    let areas = card.areas();
    let text_for = |addr| areas.iter().filter(|(a, _)| *a == addr).map(|(_, ar)| lines(ar).concat()).collect::<Vec<_>>();
    assert_eq!(text_for(1), vec!["【通知】东门屏党务公开"]);
    assert_eq!(text_for(2), vec!["【通知】西门屏财务公开"]);
    assert!(card.bad.lock().unwrap().is_empty(), "frames interleaved: {:?}", card.bad.lock().unwrap());
    assert_eq!(one.errors() + two.errors(), 0);
}

/// A 64x32 RGB frame from the real renderer.
fn rendered_frame() -> Frame {
    use yiping::api::render::font::FontLibrary;
    let t = tempfile::tempdir().unwrap();
    let cfg = crate::support::write_config(t.path(), "name = \"m\"\nwidth = 64\nheight = 32\ncolor = \"rgb\"", None);
    let (c, d) = yiping::api::config::Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let r = yiping::api::render::Renderer::new(&c.screens[0].display, &fonts).unwrap();
    let content = yiping::api::schedule::Content::Notice { title: Some("公告".into()), text: "村务公开".into() };
    let mut f = Frame::new(64, 32);
    r.scene(&content, Effect::Static { page_seconds: 5.0 }).draw(&mut f, Duration::ZERO, &at().to_zoned_datetime(jiff::tz::TimeZone::UTC));
    f
}

/// Reads TPM2 frames from the master until one arrives.
fn read_tpm2(master: &mut TTYPort, reader: &mut FrameReader) -> Vec<u8> {
    let mut buf = [0u8; 4096];
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < end, "no TPM2 frame arrived");
        if let Ok(n) = std::io::Read::read(master, &mut buf)
            && let Some(p) = reader.push(Protocol::Tpm2, &buf[..n]).pop()
        {
            return p;
        }
    }
}

#[test]
fn tpm2_frames_rebuild_the_rendered_image_even_when_the_port_appears_late() {
    let frame = rendered_frame();
    assert!(frame.as_rgb().iter().any(|&b| b > 0), "the renderer drew something");
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("usb-Espressif_ESP32-if00");
    let cfg = StreamConfig { port: link.clone(), baud: 2_000_000, map: PixMapConfig::default() };
    let first = Arc::new(Output { frame: frame.clone(), at: at(), caption: String::new(), number: 1, on_air: None, power: Power::default() });
    let sink = Running::stream(Protocol::Tpm2, cfg, first.clone());
    // The port is missing at start: the sink reports and keeps trying.
    wait_for("the missing port to be reported", || sink.errors() >= 1);
    let (mut master, _slave) = pty_at(&link);
    let mut reader = FrameReader::default();
    // A new frame number makes the sink send (it sends each published frame once).
    sink.tx.send_replace(Arc::new(Output { number: 2, ..(*first).clone() }));
    let payload = read_tpm2(&mut master, &mut reader);
    assert_eq!(payload.len(), 64 * 32 * 3);
    assert_eq!(payload, frame.as_rgb(), "row-major RGB rebuilds the renderer's frame");
}

#[test]
fn tpm2_serpentine_grb_wiring_is_undone_by_an_independent_decoder() {
    let frame = rendered_frame();
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("esp32");
    let (mut master, _slave) = pty_at(&link);
    let map = PixMapConfig { order: Order::SerpentineRows, color_order: [1, 0, 2], ..PixMapConfig::default() };
    let cfg = StreamConfig { port: link.clone(), baud: 460_800, map };
    let first = Arc::new(Output { frame: frame.clone(), at: at(), caption: String::new(), number: 1, on_air: None, power: Power::default() });
    let _sink = Running::stream(Protocol::Tpm2, cfg, first);
    let payload = read_tpm2(&mut master, &mut FrameReader::default());
    // The far end knows its wiring: odd rows run right to left, bytes are G R B.
    let mut rebuilt = Frame::new(64, 32);
    for (i, px) in payload.chunks(3).enumerate() {
        let (y, k) = ((i / 64) as u32, (i % 64) as u32);
        let x = if y % 2 == 1 { 63 - k } else { k };
        rebuilt.set(x as i32, y as i32, embedded_graphics::pixelcolor::Rgb888::new(px[1], px[0], px[2]));
    }
    assert_eq!(rebuilt, frame);
}

#[test]
fn a_port_that_never_exists_does_not_stop_the_sink_or_block_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("usb-missing");
    let sink = Running::bx(bx_config(&path, 1), output(1, "一", "文字", Effect::Static { page_seconds: 5.0 }));
    wait_for("the failure to be reported", || sink.errors() >= 1);
    let err = sink.status.last_error.lock().unwrap().clone().unwrap();
    assert!(err.contains("unavailable"), "{err}");
    drop(sink); // joins the thread: cancellation is honoured while the port is missing
}

#[test]
fn the_daemon_sends_items_to_the_card_and_clears_a_withdrawn_one() {
    use yiping::api::clock::Clock;
    use yiping::api::render::font::FontLibrary;
    let t = tempfile::tempdir().unwrap();
    let link = t.path().join("usb-FTDI-if00-port0");
    let (master, _slave) = pty_at(&link);
    let card = Card::spawn(master, |_, _| Answer::Ack);
    let screen = format!(
        "name = \"gate\"\nwidth = 128\nheight = 32\nfps = 5\n[[screens.sinks]]\ntype = \"bx\"\nport = {:?}\nreply_timeout_ms = 300",
        link.display().to_string()
    );
    let cfg = crate::support::write_config(t.path(), &screen, None);
    let item = crate::support::item_json("a", "party", "党务甲", &["低保户张喆。"]);
    std::fs::write(t.path().join("items/a.json"), item).unwrap();
    let (c, d) = yiping::api::config::Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    let rt = runtime();
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = rt
        .block_on(async { yiping::api::daemon::start(&c, fonts, Clock::starting_at(crate::support::DEMO_AT.parse().unwrap()), cancel.clone()) })
        .unwrap();
    let texts = || card.areas().iter().map(|(_, a)| lines(a).concat()).collect::<Vec<_>>();
    wait_for("the item on the card", || texts().iter().any(|s| s.contains("【党务】党务甲")));
    let shown = texts().into_iter().find(|s| s.contains("党务甲")).unwrap();
    assert!(shown.contains("低保户张□。"), "喆 is outside GB2312 and shown as the marker: {shown}");
    // Withdrawn: the card gets the idle text (the village name) instead.
    std::fs::remove_file(t.path().join("items/a.json")).unwrap();
    wait_for("the idle text after withdrawal", || texts().last().is_some_and(|s| s == "测试村"));
    assert_eq!(running.sinks[0].kind, "bx");
    assert!(running.sinks[0].acked.load(Ordering::Relaxed) >= 3);
    cancel.cancel();
    rt.block_on(running.wait());
}

/// A BX card has no Mongolian font: a bilingual item goes out in Chinese alone, and the
/// play in the evidence log says so for that sink (`mn_omitted`), for the inspector.
#[test]
fn a_card_that_shows_a_bilingual_item_in_chinese_alone_says_so_in_the_evidence() {
    use yiping::api::clock::Clock;
    use yiping::api::evidence::Event;
    use yiping::api::render::font::FontLibrary;
    use yiping::api::sinks::MnOmitted;
    let t = tempfile::tempdir().unwrap();
    let link = t.path().join("usb-FTDI-if00-port0");
    let (master, _slave) = pty_at(&link);
    let card = Card::spawn(master, |_, _| Answer::Ack);
    let screen = format!(
        "name = \"gate\"\nwidth = 128\nheight = 32\nfps = 5\n[[screens.sinks]]\ntype = \"bx\"\nport = {:?}\nreply_timeout_ms = 300",
        link.display().to_string()
    );
    let cfg = crate::support::write_config(t.path(), &screen, None);
    let mut item: serde_json::Value = serde_json::from_str(&crate::support::item_json("mn", "notice", "防火通知", &["请注意防火。"])).unwrap();
    item["mn"] = serde_json::json!({ "title": crate::mongolian::MN_TITLE, "body": [crate::mongolian::MN_BODY] });
    std::fs::write(t.path().join("items/mn.json"), item.to_string()).unwrap();
    let (c, d) = yiping::api::config::Config::load(&cfg);
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    let rt = runtime();
    let fonts = Arc::new(FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap());
    let cancel = CancellationToken::new();
    let running = rt
        .block_on(async { yiping::api::daemon::start(&c, fonts, Clock::starting_at(crate::support::DEMO_AT.parse().unwrap()), cancel.clone()) })
        .unwrap();
    let texts = || card.areas().iter().map(|(_, a)| lines(a).concat()).collect::<Vec<_>>();
    wait_for("the item on the card", || texts().iter().any(|s| s.contains("【公告】防火通知")));
    let shown = texts().into_iter().find(|s| s.contains("防火通知")).unwrap();
    assert!(shown.contains("请注意防火。") && !shown.chars().any(|c| ('\u{1800}'..='\u{18AF}').contains(&c)), "{shown}");
    // Withdrawn: the play ends and is written.
    std::fs::remove_file(t.path().join("items/mn.json")).unwrap();
    wait_for("the idle text after withdrawal", || texts().last().is_some_and(|s| s == "测试村"));
    cancel.cancel();
    rt.block_on(running.wait());
    let mut plays = Vec::new();
    let v = yiping::api::evidence::verify::read(&t.path().join("state/evidence"), |r| {
        if let Event::Play(p) = &r.event {
            plays.push(((p.item.clone(), p.content.clone()), p.sinks.iter().map(|s| (s.kind.clone(), s.mn_omitted)).collect::<Vec<_>>()));
        }
    })
    .unwrap();
    assert!(v.problem.is_none(), "{:?}", v.problem);
    let item_plays: Vec<_> = plays.iter().filter(|(k, _)| k.0 == "local/mn").collect();
    assert!(!item_plays.is_empty(), "{plays:?}");
    for (_, sinks) in &item_plays {
        assert_eq!(sinks, &vec![("bx".to_string(), Some(MnOmitted::Chinese))], "{plays:?}");
    }
    // The idle text has no Mongolian to leave out.
    assert!(plays.iter().filter(|(k, _)| k.1 == "idle").all(|(_, s)| s.iter().all(|(_, m)| m.is_none())), "{plays:?}");
}

#[test]
fn serial_sink_config_errors_are_all_reported_with_positions() {
    let src = r##"
[[screens]]
name = "s"
width = 128
height = 32

[[screens.sinks]]
type = "bx"
baud = 115200
font = 20
marker = "ab"
color = "pink"
colour = "red"

[[screens.sinks]]
type = "tpm2"
port = "/dev/ttyACM0"
rotate = 45
color_order = "RGX"
palette = "mono"
on_color = "#12"
"##;
    let (c, d) = yiping::api::config::Config::from_str(Path::new("y.toml"), src);
    assert!(c.is_none());
    let got: Vec<String> = d.iter().map(|d| format!("{}:{} {}", d.line, d.col, d.en)).collect();
    let want = [
        "7:1 sinks[0] is missing required key `port`",
        "9:8 baud must be 9600, 57600",
        "10:8 font must be 16, 24 or 32",
        "11:10 marker must be one GB2312 character",
        "12:9 invalid value for `color`",
        "13:1 unknown key `colour`",
        "18:10 rotate must be 0, 90, 180 or 270",
        "19:15 color_order `RGX` must be a permutation of RGB",
        "21:12 unknown colour `#12`",
    ];
    for w in want {
        assert!(got.iter().any(|g| g.starts_with(w)), "missing {w:?} in {got:#?}");
    }
}

#[test]
fn the_deploy_examples_check_clean_and_preview_the_card() {
    let root = crate::support::root();
    let (c, d) = yiping::api::config::Config::load(&root.join("deploy/examples/hub75-64x32-tpm2.toml"));
    assert!(c.is_some() && d.is_empty(), "{d:?}");
    let o = crate::support::yiping(&root, &["check", "--config", "deploy/examples/bx5k-128x32-rs485.toml", "--at", crate::support::DEMO_AT]);
    let out = crate::support::stdout(&o);
    assert!(o.status.success() && out.contains("0 个错误 error(s)"), "{out}");
    assert!(out.contains("qingshan-dibao-2026-11 has characters outside GB2312"), "{out}");
    let o = crate::support::yiping(
        &root,
        &["preview", "--config", "deploy/examples/bx5k-128x32-rs485.toml", "--text", "--at", crate::support::DEMO_AT, "--seconds", "90"],
    );
    let out = crate::support::stdout(&o);
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    // The party item as the card pages it: two 16 px lines of at most 8 hanzi.
    assert!(out.contains("  控制卡第 1/14 页 card page:\n    【党务】青山村党\n    支部2026年11月党\n"), "{out}");
}

#[test]
fn bx_updates_within_the_refresh_limit_wait_and_the_latest_wins() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("card");
    let (master, _slave) = pty_at(&link);
    let card = Card::spawn(master, |_, _| Answer::Ack);
    let sink = Running::bx(bx_config(&link, 1), output(1, "一", "第一条", Effect::Static { page_seconds: 5.0 }));
    wait_for("the first update", || sink.written() == 1);
    // Two more contents arrive at once, within the card's one-second limit.
    sink.tx.send_replace(output(2, "二", "第二条", Effect::Static { page_seconds: 5.0 }));
    sink.tx.send_replace(output(3, "三", "第三条", Effect::Static { page_seconds: 5.0 }));
    wait_for("the pending update", || sink.written() == 2);
    let texts: Vec<String> = card.areas().iter().map(|(_, a)| lines(a).concat()).collect();
    assert_eq!(texts, vec!["【通知】一第一条", "【通知】三第三条"], "the superseded content is never sent");
}

#[test]
fn bx_power_and_brightness_follow_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("card");
    let (master, _slave) = pty_at(&link);
    let card = Card::spawn(master, |_, _| Answer::Ack);
    let first = output(1, "一", "文字", Effect::Static { page_seconds: 5.0 });
    let sink = Running::bx(bx_config(&link, 1), first.clone());
    wait_for("the first update", || sink.written() == 1);
    let with_power = |on, brightness| Arc::new(Output { power: Power { on, brightness }, ..(*first).clone() });
    sink.tx.send_replace(with_power(true, 40));
    wait_for("the dimmer brightness", || card.log.lock().unwrap().iter().any(|p| p.data == command::brightness(6)));
    sink.tx.send_replace(with_power(false, 40));
    wait_for("the screen switched off", || card.log.lock().unwrap().iter().any(|p| p.data == command::power(false)));
    assert_eq!(card.areas().len(), 1, "power changes do not resend the text");
}

#[test]
fn adalight_frames_rebuild_the_rendered_image() {
    let frame = rendered_frame();
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("arduino");
    let (mut master, _slave) = pty_at(&link);
    let cfg = StreamConfig { port: link.clone(), baud: 460_800, map: PixMapConfig::default() };
    let first = Arc::new(Output { frame: frame.clone(), at: at(), caption: String::new(), number: 1, on_air: None, power: Power::default() });
    let _sink = Running::stream(Protocol::Adalight, cfg, first);
    let mut reader = FrameReader::default();
    let mut buf = [0u8; 4096];
    let end = Instant::now() + Duration::from_secs(20);
    let payload = loop {
        assert!(Instant::now() < end, "no Adalight frame arrived");
        if let Ok(n) = std::io::Read::read(&mut master, &mut buf)
            && let Some(p) = reader.push(Protocol::Adalight, &buf[..n]).pop()
        {
            break p;
        }
    };
    assert_eq!(payload, frame.as_rgb());
}

#[test]
fn sinks_that_would_fight_over_a_port_are_config_errors() {
    let screen = |name: &str, sinks: &str| format!("[[screens]]\nname = \"{name}\"\nwidth = 128\nheight = 32\n{sinks}\n");
    let bx = |addr: u32, baud: u32| format!("[[screens.sinks]]\ntype = \"bx\"\nport = \"/dev/ttyUSB0\"\naddress = {addr}\nbaud = {baud}\n");
    let tpm2 = "[[screens.sinks]]\ntype = \"tpm2\"\nport = \"/dev/ttyUSB0\"\n";
    let errors = |src: String| {
        let (_, d) = yiping::api::config::Config::from_str(Path::new("y.toml"), &src);
        d.iter().filter(|d| d.is_error()).map(|d| d.en.clone()).collect::<Vec<_>>()
    };
    // Two cards on one RS-485 bus: fine.
    assert!(errors(screen("a", &bx(1, 9600)) + &screen("b", &bx(2, 9600))).iter().all(|e| !e.contains("port")));
    let same = errors(screen("a", &bx(1, 9600)) + &screen("b", &bx(1, 9600)));
    assert!(same.iter().any(|e| e.contains("same address 1")), "{same:?}");
    let baud = errors(screen("a", &bx(1, 9600)) + &screen("b", &bx(2, 57600)));
    assert!(baud.iter().any(|e| e.contains("different baud rates")), "{baud:?}");
    let mixed = errors(screen("a", &(bx(1, 9600) + tpm2)));
    assert!(mixed.iter().any(|e| e.contains("used by two sinks")), "{mixed:?}");
}

#[test]
fn bx_auto_baud_finds_a_card_that_only_answers_at_57600() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("fast-card");
    let (master, slave) = pty_at(&link);
    // Ptys carry bytes at any speed, but the line settings are shared by both
    // ends: this card answers only once the sink has switched the line to 57600.
    let card = Card::spawn(master, move |_, _| if slave.baud_rate().unwrap_or(0) == 57600 { Answer::Ack } else { Answer::Silence });
    let mut cfg = bx_config(&link, 1);
    cfg.baud = yiping::api::sinks::bx::Baud::Auto;
    let sink = Running::bx(cfg, output(1, "一", "文字", Effect::Static { page_seconds: 5.0 }));
    wait_for("an acknowledged update", || sink.written() == 1);
    assert_eq!(
        card.commands()[..5],
        [(0xA2, 0x00), (0xA2, 0x00), (0xA3, 0x00), (0xA3, 0x02), (0xA3, 0x06)],
        "ping at 9600, ping at 57600, then work"
    );
    assert_eq!(sink.errors(), 0);
}

#[test]
fn card_preview_draws_the_cards_pages_with_its_metrics() {
    use yiping::api::render::font::FontLibrary;
    let fonts = FontLibrary::load(&FontLibrary::default_dirs(None)).unwrap();
    let mut cfg = bx_config(Path::new("/dev/null"), 1);
    cfg.width = Some(64);
    cfg.height = Some(16);
    let on_air = yiping::api::schedule::testkit::notice_on_air(None, "欢迎A1光临", Effect::Static { page_seconds: 2.0 }, 60, at());
    let view = bx::preview::CardView::new(Some(&on_air), &cfg, 64, 16);
    // 16 + 16 + 8 + 8 + 16 px = one full 64 px line; one 16 px line per page.
    assert_eq!(view.page_texts(), vec!["欢迎A1光", "临"]);
    let mut f = Frame::new(64, 16);
    view.draw(&mut f, Duration::ZERO, fonts.set(16).unwrap());
    let page1 = f.to_ascii();
    view.draw(&mut f, Duration::from_secs(2), fonts.set(16).unwrap());
    let page2 = f.to_ascii();
    if std::env::var_os("YIPING_PRINT_CARD").is_some() {
        println!("{page1}\n{page2}");
    }
    // Lit columns: page 1 reaches the last hanzi cell (48..64), page 2 only the first (0..16).
    let cols = |s: &str| (0..64).filter(|&x| s.lines().any(|l| l.as_bytes()[x] == b'#')).collect::<Vec<_>>();
    let c1 = cols(&page1);
    assert!(*c1.first().unwrap() < 16 && *c1.last().unwrap() >= 48, "{page1}");
    // The ASCII "A1" sits in the 32..48 cell: 8 px each, as the card places them.
    assert!(c1.iter().any(|&x| (32..40).contains(&x)) && c1.iter().any(|&x| (40..48).contains(&x)), "{page1}");
    let c2 = cols(&page2);
    assert!(*c2.last().unwrap() < 16, "{page2}");
    assert_eq!(page1.lines().nth(15).unwrap().len(), 64);
}

#[test]
fn tpm2_resumes_after_the_adapter_is_unplugged_mid_run() {
    let frame = rendered_frame();
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("usb-Espressif-if00");
    let (mut master, slave) = pty_at(&link);
    let cfg = StreamConfig { port: link.clone(), baud: 2_000_000, map: PixMapConfig::default() };
    let out = |n: u64| Arc::new(Output { frame: frame.clone(), at: at(), caption: String::new(), number: n, on_air: None, power: Power::default() });
    let sink = Running::stream(Protocol::Tpm2, cfg, out(1));
    assert_eq!(read_tpm2(&mut master, &mut FrameReader::default()), frame.as_rgb());
    drop(master);
    drop(slave);
    std::fs::remove_file(&link).unwrap();
    // Frames keep coming from the screen; writing fails and is reported, nothing blocks.
    let mut n = 2;
    wait_for("the write failure", || {
        sink.tx.send_replace(out(n));
        n += 1;
        sink.errors() >= 1
    });
    let (mut master, _slave) = pty_at(&link);
    let written = sink.written();
    wait_for("frames on the new link", || {
        sink.tx.send_replace(out(n));
        n += 1;
        sink.written() > written
    });
    assert_eq!(read_tpm2(&mut master, &mut FrameReader::default()), frame.as_rgb());
}

#[test]
fn bx_a_slot_longer_than_the_cards_timeout_is_sent_once_not_every_second() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("card");
    let (master, _slave) = pty_at(&link);
    let card = Card::spawn(master, |_, _| Answer::Ack);
    // 30 hours: more than the card's 65,535 s area timeout.
    let mut on_air =
        yiping::api::schedule::testkit::notice_on_air(Some("长期公告"), "本村长期公告。", Effect::Static { page_seconds: 5.0 }, 30 * 3600, at());
    on_air.seq = 1;
    let o =
        Arc::new(Output { frame: Frame::new(128, 32), at: at(), caption: String::new(), number: 1, on_air: Some(on_air), power: Power::default() });
    let sink = Running::bx(bx_config(&link, 1), o.clone());
    wait_for("the update", || sink.written() == 1);
    let a = card.areas().pop().unwrap().1;
    assert_eq!(a.timeout, 65535);
    // The screen keeps publishing frames of the same content for a while (the card's refresh limit is 1 s).
    for n in 2..30 {
        sink.tx.send_replace(Arc::new(Output { number: n, ..(*o).clone() }));
        std::thread::sleep(Duration::from_millis(80));
    }
    assert_eq!(card.areas().len(), 1, "no resend while the card's timeout is far off");
}
