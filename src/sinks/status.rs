//! What a sink reports about itself (`SinkStatus`, read by the status page and the
//! evidence log), and `Failures`: how every sink counts and logs its failures.

use std::fmt::Display;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tracing::{info, warn};

use crate::spell::Spell;

/// What a sink reports about itself, shared with the daemon (status, evidence).
#[derive(Debug, Default)]
pub struct SinkStatus {
    pub screen: String,
    pub kind: String,
    /// Frames (or text updates) the device accepted.
    pub written: AtomicU64,
    /// Acknowledgements from devices that send them (LED cards).
    pub acked: AtomicU64,
    pub errors: AtomicU64,
    /// Bytes written to the device (serial sinks).
    pub bytes: AtomicU64,
    /// Frames per second achieved lately, times 1000 (frame-streaming sinks).
    pub fps_milli: AtomicU64,
    /// The last error, cleared when writing works again.
    pub last_error: Mutex<Option<String>>,
    /// Why the sink's thread ended before shutdown (`panic: ...`): the output is dead
    /// until yiping restarts, and counts as failing for the evidence log.
    pub stopped: Mutex<Option<String>>,
    /// What the sink left out of the content on air (by its `seq`): a text card without
    /// a Mongolian font shows a bilingual item in Chinese alone, or skips it. The
    /// evidence log puts it on the play, so an inspector sees the omission.
    pub omitted: Mutex<Option<(u64, MnOmitted)>>,
    /// Times the device's link was lost and found again (a replugged card), counted even when
    /// it came back between two frames: the evidence log records a `device` gap for each.
    pub lapses: AtomicU64,
}

/// How a bilingual item's Mongolian was left out by a sink (evidence `mn_omitted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MnOmitted {
    /// The Chinese was shown alone.
    Chinese,
    /// The item was not shown: the skip notice stood in for it.
    Skipped,
}

impl SinkStatus {
    pub fn new(screen: &str, kind: &str) -> SinkStatus {
        SinkStatus { screen: screen.to_string(), kind: kind.to_string(), ..SinkStatus::default() }
    }

    pub fn wrote(&self) {
        self.written.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut e) = self.last_error.lock() {
            *e = None;
        }
    }

    pub fn failed(&self, error: impl std::fmt::Display) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut e) = self.last_error.lock() {
            *e = Some(error.to_string());
        }
    }

    /// The link was lost and is back (the content is being sent again).
    pub fn lapsed(&self) {
        self.lapses.fetch_add(1, Ordering::Relaxed);
    }

    /// The sink's thread panicked: it stays failing (nothing will clear the error) and is marked stopped.
    pub fn panicked(&self, message: &str) {
        let why = format!("panic: {message}");
        self.failed(&why);
        if let Ok(mut s) = self.stopped.lock() {
            *s = Some(why);
        }
    }

    /// The sink planned the content on air `seq` and left out its Mongolian (`Some`), or not (`None`).
    pub fn planned(&self, seq: u64, omitted: Option<MnOmitted>) {
        if let Ok(mut o) = self.omitted.lock() {
            *o = omitted.map(|m| (seq, m));
        }
    }

    /// What the sink left out of the content on air `seq`, if it planned that content.
    pub fn omitted_for(&self, seq: u64) -> Option<MnOmitted> {
        self.omitted.lock().ok().and_then(|o| *o).filter(|(s, _)| *s == seq).map(|(_, m)| m)
    }

    /// Why the sink stopped, when its thread ended early.
    pub fn stopped(&self) -> Option<String> {
        self.stopped.lock().ok().and_then(|s| s.clone())
    }

    /// `ok`, `failing` or `panicked`, for the status page.
    pub fn state(&self) -> &'static str {
        if self.stopped().is_some() {
            "panicked"
        } else if self.last_error.lock().ok().is_some_and(|e| e.is_some()) {
            "failing"
        } else {
            "ok"
        }
    }
}

/// One sink's failures: counted in its status, logged once per failure spell (with a
/// reminder every ten minutes and the count of repeats), and once when it works again.
#[derive(Debug)]
pub(crate) struct Failures {
    screen: String,
    kind: &'static str,
    /// Where the sink writes (a path, a port), for the log lines.
    at: String,
    spell: Spell,
}

impl Failures {
    pub(crate) fn new(screen: &str, kind: &'static str, at: impl Display) -> Failures {
        Failures { screen: screen.to_string(), kind, at: at.to_string(), spell: Spell::default_reminder() }
    }

    /// An attempt failed: counted in `status`; `what` says what failed and what happens next.
    pub(crate) fn failed(&mut self, status: &SinkStatus, error: &dyn Display, what: &str, now: Instant) {
        status.failed(error);
        if let Some(say) = self.spell.failure(&error.to_string(), now) {
            let (screen, at, secs) = (&self.screen, &self.at, say.failing_for.as_secs());
            warn!(screen, sink = self.kind, at, error = %error, repeated = say.repeated, failing_seconds = secs, "{what}");
        }
    }

    /// An attempt worked: says so when it ends a failure spell.
    pub(crate) fn ok(&mut self, now: Instant) {
        if let Some(r) = self.spell.success(now) {
            let (screen, at) = (&self.screen, &self.at);
            info!(screen, sink = self.kind, at, failures = r.failures, lasted = %crate::diag::duration(r.lasted), "writing again");
        }
    }

    pub(crate) fn kind(&self) -> &'static str {
        self.kind
    }
}
