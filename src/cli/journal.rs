//! Logging under systemd: plain lines on stderr with a `<N>` syslog priority prefix, which
//! journald turns into the record's PRIORITY (SyslogLevelPrefix=, on by default).
//!
//! Why stderr and not the journald socket: every field (screen, item, error) stays
//! in the line `journalctl -u yiping` shows, `journalctl -p warning` still filters by
//! level, and nothing is lost if journald restarts (the stream is buffered by the kernel).
//! Must never decide by guesswork: only a stderr whose device and inode match
//! $JOURNAL_STREAM is treated as the journal.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// True when stderr is connected to the journal (systemd sets $JOURNAL_STREAM to "DEV:INODE" of it).
pub(super) fn stderr_is_journal() -> bool {
    let Some(v) = std::env::var_os("JOURNAL_STREAM") else { return false };
    // SAFETY: fstat fills a stat struct we own; on failure we return false.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(libc::STDERR_FILENO, &mut st) } != 0 {
        return false;
    }
    // dev_t and ino_t are u64 on 64-bit Linux but may be u32 on 32-bit ARM.
    #[allow(clippy::useless_conversion)]
    let (dev, ino) = (u64::from(st.st_dev), u64::from(st.st_ino));
    matches_stream(&v.to_string_lossy(), dev, ino)
}

fn matches_stream(value: &str, dev: u64, ino: u64) -> bool {
    let Some((d, i)) = value.trim().split_once(':') else { return false };
    d.parse::<u64>().ok() == Some(dev) && i.parse::<u64>().ok() == Some(ino)
}

/// sd-daemon(3) priorities: error 3, warning 4, info 6, debug and trace 7.
pub(super) fn priority(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        _ => 7,
    }
}

/// Wraps a formatter and puts the `<N>` priority in front of each line.
pub(super) struct WithPriority<F>(pub F);

impl<S, N, F> FormatEvent<S, N> for WithPriority<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        write!(writer, "<{}>", priority(event.metadata().level()))?;
        self.0.format_event(ctx, writer, event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_stream_must_name_this_very_stderr() {
        assert!(matches_stream("64769:123456", 64769, 123456));
        assert!(!matches_stream("64769:123457", 64769, 123456), "a stream inherited from elsewhere");
        assert!(!matches_stream("64769", 64769, 123456));
        assert!(!matches_stream("", 0, 0));
    }

    #[test]
    fn each_line_starts_with_its_syslog_priority() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Buf(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buf {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buf = Buf::default();
        let w = buf.clone();
        let fmt = tracing_subscriber::fmt::format().without_time().with_ansi(false);
        let sub = tracing_subscriber::fmt().event_format(WithPriority(fmt)).with_writer(move || w.clone()).finish();
        tracing::subscriber::with_default(sub, || {
            tracing::error!(screen = "square", "cannot open port");
            tracing::warn!("slow");
            tracing::info!(item = "local/a", "on air");
            tracing::debug!("detail");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "debug is below the default level: {text}");
        assert!(lines[0].starts_with("<3>") && lines[0].contains("screen=\"square\"") && lines[0].contains("cannot open port"), "{text}");
        assert!(lines[1].starts_with("<4>"), "{text}");
        assert!(lines[2].starts_with("<6>") && lines[2].contains("item=\"local/a\""), "{text}");
    }
}
