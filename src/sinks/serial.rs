//! Opening serial ports, and the backoff used when a port is missing or fails.
//!
//! Only the serial sinks' own threads call this (never the async runtime).
//! A missing port is an ordinary condition here, not an error that stops
//! anything: callers retry with `Backoff` and log once per failure spell.

use std::path::Path;
use std::time::{Duration, Instant};

use serialport::{DataBits, FlowControl, Parity, SerialPort, StopBits, TTYPort};

/// Opens `path` 8N1 at `baud`, raw, exclusive; reads time out after `read_timeout`.
/// Modem lines (RTS/DTR) are left alone: ptys and many adapters reject those ioctls.
pub fn open(path: &Path, baud: u32, read_timeout: Duration) -> serialport::Result<TTYPort> {
    let p = serialport::new(path.to_string_lossy(), baud)
        .data_bits(DataBits::Eight)
        .parity(Parity::None)
        .stop_bits(StopBits::One)
        .flow_control(FlowControl::None)
        .timeout(read_timeout)
        .open_native()?;
    // Bytes left over from before we opened are not answers to anything we send.
    let _ = p.clear(serialport::ClearBuffer::All);
    Ok(p)
}

/// Doubling delays between attempts, from `min` to `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
    /// No attempt before this.
    pub until: Option<Instant>,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Backoff {
        Backoff { min, max, next: min, until: None }
    }

    /// Records a failure at `now`; returns the delay before the next attempt.
    pub fn fail(&mut self, now: Instant) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        self.until = Some(now + d);
        d
    }

    pub fn succeed(&mut self) {
        self.next = self.min;
        self.until = None;
    }

    /// Whether an attempt may be made at `now`.
    pub fn ready(&self, now: Instant) -> bool {
        self.until.is_none_or(|u| now >= u)
    }

    /// Whether the last attempt failed.
    pub fn failing(&self) -> bool {
        self.until.is_some()
    }
}

/// How long sending `bytes` takes at `baud`, 8N1 (ten bits a byte).
pub fn wire_time(bytes: usize, baud: u32) -> Duration {
    Duration::from_secs_f64(bytes as f64 * 10.0 / baud.max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_its_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(2));
        let t = Instant::now();
        assert!(b.ready(t));
        assert_eq!(b.fail(t), Duration::from_millis(500));
        assert!(!b.ready(t) && b.ready(t + Duration::from_millis(500)));
        assert_eq!(b.fail(t), Duration::from_secs(1));
        assert_eq!(b.fail(t), Duration::from_secs(2));
        assert_eq!(b.fail(t), Duration::from_secs(2));
        b.succeed();
        assert!(b.ready(t) && !b.failing());
        assert_eq!(b.fail(t), Duration::from_millis(500));
        assert_eq!(wire_time(960, 9600), Duration::from_secs(1));
    }

    #[test]
    fn a_missing_port_is_an_error_not_a_panic() {
        assert!(open(Path::new("/dev/serial/by-id/yiping-no-such-port"), 9600, Duration::from_millis(10)).is_err());
    }
}
