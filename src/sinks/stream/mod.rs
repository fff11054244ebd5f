//! Sinks `tpm2` and `adalight`: rendered frames streamed to a microcontroller
//! (ESP32/RP2040 driving HUB75 or WS2812 matrices) over USB serial or a UART.
//!
//! Frames are paced to what the link carries (baud/10 bytes a second) and the
//! latest frame always wins: nothing queues. A missing or failing port is
//! reopened with backoff and streaming resumes with the current frame; the rest
//! of the daemon never waits for it. Achieved frames per second go to the logs
//! and to `SinkStatus::fps_milli`.

pub(crate) mod config;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serialport::TTYPort;
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::pixmap::PixMap;
use super::serial::{self, wire_time};
use super::{Failures, Output, SinkStatus};
use crate::spell::Backoff;

pub(crate) use config::StreamConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `C9 DA size(u16 BE) payload 36`.
    Tpm2,
    /// `'A' 'd' 'a' (N-1)hi (N-1)lo hi^lo^0x55 RGB...`.
    Adalight,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tpm2 => "tpm2",
            Protocol::Adalight => "adalight",
        }
    }

    /// Wraps LED bytes (3 a LED) in the protocol's frame.
    pub fn frame(self, payload: &[u8], out: &mut Vec<u8>) {
        match self {
            Protocol::Tpm2 => {
                out.extend_from_slice(&[0xC9, 0xDA]);
                out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
                out.extend_from_slice(payload);
                out.push(0x36);
            }
            Protocol::Adalight => {
                let n = (payload.len() / 3).max(1) - 1;
                let (hi, lo) = ((n >> 8) as u8, n as u8);
                out.extend_from_slice(&[b'A', b'd', b'a', hi, lo, hi ^ lo ^ 0x55]);
                out.extend_from_slice(payload);
            }
        }
    }

    /// Largest payload a frame can carry.
    pub fn max_payload(self) -> usize {
        match self {
            Protocol::Tpm2 => 65_535,
            Protocol::Adalight => 65_536 * 3,
        }
    }
}

/// Decodes frames from a byte stream (the far end in tests and the benchmark).
#[derive(Debug, Default)]
pub struct FrameReader {
    buf: Vec<u8>,
}

impl FrameReader {
    /// Feeds bytes; returns the payloads of complete frames.
    pub fn push(&mut self, protocol: Protocol, bytes: &[u8]) -> Vec<Vec<u8>> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            let start = match protocol {
                Protocol::Tpm2 => self.buf.windows(2).position(|w| w == [0xC9, 0xDA]),
                Protocol::Adalight => self.buf.windows(3).position(|w| w == b"Ada"),
            };
            let Some(s) = start else {
                let keep = self.buf.len().min(2);
                self.buf.drain(..self.buf.len() - keep);
                return out;
            };
            self.buf.drain(..s);
            let (head, len) = match protocol {
                Protocol::Tpm2 if self.buf.len() >= 4 => (4, u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize),
                Protocol::Adalight if self.buf.len() >= 6 => {
                    let (hi, lo) = (self.buf[3], self.buf[4]);
                    if hi ^ lo ^ 0x55 != self.buf[5] {
                        self.buf.drain(..1);
                        continue;
                    }
                    (6, (((hi as usize) << 8 | lo as usize) + 1) * 3)
                }
                _ => return out,
            };
            let tail = usize::from(protocol == Protocol::Tpm2);
            if self.buf.len() < head + len + tail {
                return out;
            }
            if tail == 1 && self.buf[head + len] != 0x36 {
                self.buf.drain(..1);
                continue;
            }
            out.push(self.buf[head..head + len].to_vec());
            self.buf.drain(..head + len + tail);
        }
    }
}

/// Runs the sink until `cancel` fires. Blocking; call on the sink's own thread.
pub fn run(
    screen: &str,
    protocol: Protocol,
    cfg: &StreamConfig,
    mut rx: watch::Receiver<Arc<Output>>,
    status: &SinkStatus,
    cancel: &CancellationToken,
    handle: &Handle,
) {
    let kind = protocol.name();
    let mut map = PixMap::new(&cfg.map);
    let mut port: Option<TTYPort> = None;
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    let mut failures = Failures::new(screen, kind, cfg.port.display());
    let mut last_number = None;
    let mut next_send = Instant::now();
    let (mut payload, mut wire) = (Vec::new(), Vec::new());
    let mut window = (Instant::now(), 0u64);
    let mut last_log = Instant::now();
    let mut too_big_said = false;
    loop {
        let now = Instant::now();
        let o = Arc::clone(&rx.borrow_and_update());
        // What to wait for before looking again: a new frame, or a deadline.
        let mut wait: Option<Duration> = None;
        if Some(o.number) != last_number {
            if now < next_send {
                wait = Some(next_send - now);
            } else if port.is_none() && !backoff.ready(now) {
                wait = backoff.until.map(|u| u - now);
            } else {
                if port.is_none() {
                    // The timeout bounds each write: long enough for a slow UART to drain
                    // its buffer, short enough that a stalled device is noticed.
                    match serial::open(&cfg.port, cfg.baud, Duration::from_secs(2)) {
                        Ok(p) => {
                            info!(screen, sink = kind, port = %cfg.port.display(), baud = cfg.baud, "serial port opened");
                            backoff.succeed();
                            port = Some(p);
                        }
                        Err(e) => {
                            failures.failed(status, &e, "cannot open serial port; will keep trying", now);
                            backoff.fail(now);
                            wait = backoff.until.map(|u| u.saturating_duration_since(now));
                        }
                    }
                }
                if let Some(p) = port.as_mut() {
                    payload.clear();
                    map.map(&o.frame, o.power, &mut payload);
                    if payload.len() > protocol.max_payload() {
                        if !too_big_said {
                            warn!(screen, sink = kind, bytes = payload.len(), "frame too large for the protocol; trimmed to the first LEDs");
                            too_big_said = true;
                        }
                        payload.truncate(protocol.max_payload() / 3 * 3);
                    }
                    wire.clear();
                    protocol.frame(&payload, &mut wire);
                    match p.write_all(&wire) {
                        Ok(()) => {
                            last_number = Some(o.number);
                            next_send = now + wire_time(wire.len(), cfg.baud);
                            status.wrote();
                            failures.ok(now);
                            status.bytes.fetch_add(wire.len() as u64, Ordering::Relaxed);
                            window.1 += 1;
                        }
                        Err(e) => {
                            failures.failed(status, &e, "serial write failed; reopening with backoff", now);
                            port = None;
                            backoff.fail(now);
                        }
                    }
                }
            }
        }
        let elapsed = now.duration_since(window.0);
        if elapsed >= Duration::from_secs(2) {
            let fps = window.1 as f64 / elapsed.as_secs_f64();
            status.fps_milli.store((fps * 1000.0) as u64, Ordering::Relaxed);
            window = (now, 0);
            if now.duration_since(last_log) >= Duration::from_secs(60) {
                info!(screen, sink = kind, fps = format!("{fps:.1}"), bytes_per_frame = wire.len(), "streaming");
                last_log = now;
            }
        }
        let stop = handle.block_on(async {
            match wait {
                Some(d) => tokio::select! {
                    _ = cancel.cancelled() => true,
                    _ = tokio::time::sleep(d) => false,
                },
                None => tokio::select! {
                    _ = cancel.cancelled() => true,
                    r = rx.changed() => r.is_err(),
                    _ = tokio::time::sleep(Duration::from_secs(1)) => false,
                },
            }
        });
        if stop {
            break;
        }
    }
    info!(screen, sink = kind, "stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tpm2_and_adalight_frames() {
        let mut out = Vec::new();
        Protocol::Tpm2.frame(&[1, 2, 3, 4, 5, 6], &mut out);
        assert_eq!(out, [0xC9, 0xDA, 0x00, 0x06, 1, 2, 3, 4, 5, 6, 0x36]);
        out.clear();
        Protocol::Adalight.frame(&[9; 300 * 3], &mut out);
        // 300 LEDs: N-1 = 299 = 0x012B, checksum 0x01 ^ 0x2B ^ 0x55 = 0x7F.
        assert_eq!(&out[..6], &[b'A', b'd', b'a', 0x01, 0x2B, 0x7F]);
        assert_eq!(out.len(), 6 + 900);
    }

    #[test]
    fn reader_finds_frames_split_and_among_noise() {
        for p in [Protocol::Tpm2, Protocol::Adalight] {
            let mut wire = vec![0x00, 0x36, b'A'];
            p.frame(&[1, 2, 3], &mut wire);
            p.frame(&[4, 5, 6, 7, 8, 9], &mut wire);
            let mut r = FrameReader::default();
            let mut got = Vec::new();
            for piece in wire.chunks(4) {
                got.extend(r.push(p, piece));
            }
            assert_eq!(got, vec![vec![1, 2, 3], vec![4, 5, 6, 7, 8, 9]], "{p:?}");
        }
    }
}
