//! Serial link figures: bytes on the wire and seconds per slot update for a BX
//! card at 9600 and 57600 baud (computed from bytes and baud, and measured over a
//! pty whose far end paces the line like a UART), and frames per second and link
//! utilisation for TPM2 at 460,800 and 2,000,000 baud over a pty pair with the
//! sink's pacing set to those rates.
//! Run: `cargo bench --bench serial`. Prints figures; asserts nothing about time.

use std::io::{Read, Write};
use std::os::unix::fs::symlink;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use yiping::api::render::Frame;
use yiping::api::schedule::Effect;
use yiping::api::sinks::bx::{Baud, BxConfig, CardModel};
use yiping::api::sinks::bx::{bus, command, packet, plan};
use yiping::api::sinks::pixmap::PixMapConfig;
use yiping::api::sinks::stream::StreamConfig;
use yiping::api::sinks::stream::{self, FrameReader, Protocol};
use yiping::api::sinks::{Output, Power, SinkStatus};

/// Bytes of a card's ACK frame (8 preamble bytes, header, 5 data bytes, CRC, tail).
const ACK_BYTES: usize = 30;

fn pty_at(link: &Path) -> (TTYPort, TTYPort) {
    let (mut m, s) = TTYPort::pair().unwrap();
    m.set_timeout(Duration::from_millis(5)).unwrap();
    let _ = std::fs::remove_file(link);
    symlink(s.name().unwrap(), link).unwrap();
    (m, s)
}

/// A BX card that receives at `baud` (8N1): a frame counts as arrived only when
/// its last byte would have; the ACK then takes its own time on the line.
fn paced_card(mut master: TTYPort, baud: Arc<AtomicU64>, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut dec = packet::Decoder::new();
        let mut buf = [0u8; 1024];
        let mut line_free = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            let Ok(n) = master.read(&mut buf) else { continue };
            let per_byte = 10.0 / baud.load(Ordering::Relaxed) as f64;
            let now = Instant::now();
            line_free = line_free.max(now) + Duration::from_secs_f64(n as f64 * per_byte);
            for f in dec.push(&buf[..n]) {
                let Ok(p) = f else { continue };
                let ack = command::reply_bytes(p.header.dst, None);
                let done = line_free + Duration::from_secs_f64(ack.len() as f64 * per_byte);
                std::thread::sleep(done.saturating_duration_since(Instant::now()));
                let _ = master.write_all(&ack);
                line_free = done;
            }
        }
    })
}

fn bx_figures() {
    let at: jiff::Timestamp = "2026-12-01T09:00:00+08:00".parse().unwrap();
    let short = "明日（12月2日）8时至18时停水，请提前储水。";
    let medium =
        "因供水主管道维修，定于12月2日8:00至18:00全村停水。请村民提前储水，停水期间关好水龙头。如有急事，请拨打村委会电话0471-5823016。".repeat(2);
    let long = "本季度经营收入128,450.00元，管理费用41,318.50元，公益事业支出23,600.00元，结余63,531.50元。".repeat(12);
    let cases: Vec<(&str, String, Effect, u32, u32)> = vec![
        ("short notice, static, 128x32", short.to_string(), Effect::Static { page_seconds: 5.0 }, 128, 32),
        ("122-char notice, static, 128x32", medium.clone(), Effect::Static { page_seconds: 5.0 }, 128, 32),
        ("122-char notice, marquee, 128x32", medium, Effect::Marquee { speed: 32.0 }, 128, 32),
        ("720-char finance, scroll-up, 192x64", long, Effect::ScrollUp { speed: 16.0 }, 192, 64),
    ];
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("bx");
    let (master, _slave) = pty_at(&link);
    let baud = Arc::new(AtomicU64::new(9600));
    let stop = Arc::new(AtomicBool::new(false));
    let card = paced_card(master, baud.clone(), stop.clone());
    println!("BX-5K slot updates (one A3 06 request per update, plus the card's {ACK_BYTES}-byte ACK):");
    println!("{:<38} {:>7} {:>11} {:>9} {:>9} {:>9} {:>9}", "content", "updates", "wire bytes", "9600 s", "meas s", "57600 s", "meas s");
    for (name, text, effect, w, h) in cases {
        let on_air = yiping::api::schedule::testkit::notice_on_air(Some("通知"), &text, effect, 600, at);
        let mut cfg = BxConfig::new(link.clone());
        cfg.model = CardModel::Bx5k;
        let p = plan::plan(Some(&on_air), &cfg, w, h);
        let requests: Vec<Vec<u8>> = p.chunks.iter().map(|c| command::dynamic_area(&c.area)).collect();
        let wire: usize = requests.iter().map(|r| packet::encode(1, r).len() + ACK_BYTES).sum();
        let mut row = format!("{name:<38} {:>7} {wire:>11}", requests.len());
        for b in [9600u32, 57600] {
            let computed = wire as f64 * 10.0 / b as f64;
            baud.store(b as u64, Ordering::Relaxed);
            let bus = bus::bus_for(&link, Baud::Fixed(b)).unwrap();
            let t = Instant::now();
            for r in &requests {
                bus.transact(1, r.clone(), Duration::from_secs(5)).expect("paced card acknowledges");
            }
            row += &format!(" {computed:>9.3} {:>9.3}", t.elapsed().as_secs_f64());
        }
        println!("{row}");
        // The first update of a slot is what a passer-by waits for.
        let first = packet::encode(1, &requests[0]).len() + ACK_BYTES;
        println!("{:<38} first update {first} bytes: {:.3} s at 9600, {:.3} s at 57600", "", first as f64 / 960.0, first as f64 / 5760.0);
    }
    stop.store(true, Ordering::Relaxed);
    let _ = card.join();
}

fn tpm2_figures() {
    println!("\nTPM2 frame streaming over a pty pair, sink paced to baud/10 bytes a second, screen publishing 60 frames a second:");
    println!("{:<10} {:>10} {:>12} {:>12} {:>10} {:>12} {:>10}", "size", "baud", "frame bytes", "max fps", "fps", "sink fps", "link use");
    for (w, h) in [(64u32, 32u32), (192, 64)] {
        for baud in [460_800u32, 2_000_000] {
            let dir = tempfile::tempdir().unwrap();
            let link = dir.path().join("esp32");
            let (mut master, _slave) = pty_at(&link);
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
            let mut frame = Frame::new(w, h);
            frame.fill(embedded_graphics::pixelcolor::Rgb888::new(200, 30, 10));
            let out = |n: u64| {
                Arc::new(Output {
                    frame: frame.clone(),
                    at: jiff::Timestamp::UNIX_EPOCH,
                    caption: String::new(),
                    number: n,
                    on_air: None,
                    power: Power::default(),
                })
            };
            let (tx, rx) = watch::channel(out(0));
            let status = Arc::new(SinkStatus::new("bench", "tpm2"));
            let cancel = CancellationToken::new();
            let cfg = StreamConfig { port: link.clone(), baud, map: PixMapConfig::default() };
            let (s, c, hd) = (status.clone(), cancel.clone(), rt.handle().clone());
            let sink = std::thread::spawn(move || stream::run("bench", Protocol::Tpm2, &cfg, rx, &s, &c, &hd));
            let frames = Arc::new(Mutex::new((0u64, 0u64)));
            let stop = Arc::new(AtomicBool::new(false));
            let (f2, s2) = (frames.clone(), stop.clone());
            let reader = std::thread::spawn(move || {
                let mut r = FrameReader::default();
                let mut buf = vec![0u8; 65536];
                while !s2.load(Ordering::Relaxed) {
                    if let Ok(n) = master.read(&mut buf) {
                        let got = r.push(Protocol::Tpm2, &buf[..n]);
                        let mut f = f2.lock().unwrap();
                        f.0 += got.len() as u64;
                        f.1 += got.iter().map(|p| p.len() as u64 + 5).sum::<u64>();
                    }
                }
            });
            // Warm up (port opened, first frames through), then measure 4 s.
            let mut n = 1;
            let publish = |n: &mut u64, until: Instant| {
                while Instant::now() < until {
                    tx.send_replace(out(*n));
                    *n += 1;
                    std::thread::sleep(Duration::from_micros(16_667));
                }
            };
            publish(&mut n, Instant::now() + Duration::from_secs(1));
            let (f0, b0) = *frames.lock().unwrap();
            let t = Instant::now();
            publish(&mut n, t + Duration::from_secs(4));
            let (f1, b1) = *frames.lock().unwrap();
            let secs = t.elapsed().as_secs_f64();
            let fps = (f1 - f0) as f64 / secs;
            let bytes = w as usize * h as usize * 3 + 5;
            let max = baud as f64 / 10.0 / bytes as f64;
            let util = (b1 - b0) as f64 * 10.0 / baud as f64 / secs;
            let sink_fps = status.fps_milli.load(Ordering::Relaxed) as f64 / 1000.0;
            println!("{:<10} {baud:>10} {bytes:>12} {max:>12.2} {fps:>10.2} {sink_fps:>12.2} {:>9.1}%", format!("{w}x{h}"), util * 100.0);
            cancel.cancel();
            stop.store(true, Ordering::Relaxed);
            let _ = sink.join();
            let _ = reader.join();
        }
    }
}

fn main() {
    bx_figures();
    tpm2_figures();
}
