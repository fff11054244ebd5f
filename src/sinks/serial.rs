//! Opening serial ports, and how long bytes take on the wire.
//!
//! Only the serial sinks' own threads call this (never the async runtime).
//! A missing port is an ordinary condition here, not an error that stops
//! anything: callers retry with `spell::Backoff` and log once per failure spell.

use std::path::Path;
use std::time::Duration;

use serialport::{DataBits, FlowControl, Parity, SerialPort, StopBits, TTYPort};

/// Opens `path` 8N1 at `baud`, raw, exclusive; reads time out after `read_timeout`.
/// Modem lines (RTS/DTR) are left alone: ptys and many adapters reject those ioctls.
pub(crate) fn open(path: &Path, baud: u32, read_timeout: Duration) -> serialport::Result<TTYPort> {
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

/// How long sending `bytes` takes at `baud`, 8N1 (ten bits a byte).
pub(crate) fn wire_time(bytes: usize, baud: u32) -> Duration {
    Duration::from_secs_f64(bytes as f64 * 10.0 / baud.max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_time_counts_ten_bits_a_byte() {
        assert_eq!(wire_time(960, 9600), Duration::from_secs(1));
    }

    #[test]
    fn a_missing_port_is_an_error_not_a_panic() {
        assert!(open(Path::new("/dev/serial/by-id/yiping-no-such-port"), 9600, Duration::from_millis(10)).is_err());
    }
}
