//! Sinks: where frames leave the process (files, terminal, devices).
//!
//! A screen publishes its newest `Output` on a watch channel; each sink runs on
//! its own thread and always takes the latest, so a slow sink skips frames
//! instead of building a backlog or slowing the renderer and other sinks.

pub mod gif;
pub mod png;
pub mod runner;
pub mod terminal;

use jiff::Timestamp;

use crate::render::Frame;

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
}
