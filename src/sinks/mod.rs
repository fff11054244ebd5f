//! Sinks: where frames leave the process (files, terminal, devices).
//!
//! A screen publishes its newest `Output` on a watch channel; each sink runs on
//! its own thread and always takes the latest, so a slow sink skips frames
//! instead of building a backlog or slowing the renderer and other sinks.

pub mod bx;
#[cfg(feature = "drm")]
pub mod drm;
pub mod fbdev;
pub mod gif;
pub mod pixmap;
pub mod png;
pub mod runner;
pub mod serial;
pub mod stream;
pub mod terminal;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;

use crate::render::Frame;
use crate::schedule::OnAir;

pub use crate::schedule::hours::Power;

/// A frame as published by a screen.
#[derive(Debug, Clone)]
pub struct Output {
    pub frame: Frame,
    /// The instant the frame depicts (its scheduled time, not when a sink got it).
    pub at: Timestamp,
    /// What is on air, one line (terminal status, logs).
    pub caption: String,
    /// Counts frames published by the screen, so sinks can tell what they skipped.
    pub number: u64,
    /// What is on air (content, effect, slot times): text sinks such as LED
    /// controller cards send this instead of pixels. `None` before the first slot.
    pub on_air: Option<OnAir>,
    pub power: Power,
}

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
}
