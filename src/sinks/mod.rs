//! Sinks: where frames leave the process (files, terminal, devices).
//!
//! A screen publishes its newest `Output` on a watch channel; each sink runs on
//! its own thread and always takes the latest, so a slow sink skips frames
//! instead of building a backlog or slowing the renderer and other sinks.
//! Each kind lives in its own module, owns its config type and implements
//! `Sink`; `KINDS` below is the one list of kinds.

pub(crate) mod bx;
pub(crate) mod device;
pub(crate) mod drm;
pub(crate) mod fbdev;
pub(crate) mod gif;
pub(crate) mod kind;
pub(crate) mod pixmap;
pub(crate) mod png;
pub(crate) mod runner;
pub(crate) mod serial;
pub(crate) mod status;
pub(crate) mod stream;
pub(crate) mod terminal;
#[cfg(test)]
pub(crate) mod testkinds;

use std::path::PathBuf;

use jiff::Timestamp;

use crate::render::Frame;
use crate::schedule::OnAir;
use crate::tomlread::Table;

pub(crate) use crate::schedule::hours::Power;
pub(crate) use kind::{CardPreview, Claim, Resource, Sharing, Sink, SinkConfig, SinkLoop, SinkRun, TextCard, conflict};
pub(crate) use status::{Failures, MnOmitted, SinkStatus};

/// Reads the rest of a `[[screens.sinks]]` table of one kind; errors go to the table's file.
pub(crate) type Parse = fn(&mut Table<'_, '_>, &ParseContext<'_>) -> Option<SinkConfig>;

/// Every sink kind: its `type` name and its reader. A new kind is one module and one line here.
pub(crate) const KINDS: &[(&str, Parse)] = &[
    ("png", png::parse),
    ("gif", gif::parse),
    ("terminal", terminal::parse),
    ("bx", bx::config::parse),
    ("tpm2", stream::config::parse_tpm2),
    ("adalight", stream::config::parse_adalight),
    ("fbdev", fbdev::config::parse),
    ("drm", drm::parse),
    #[cfg(test)]
    ("panic", testkinds::parse_panic),
    #[cfg(test)]
    ("hang", testkinds::parse_hang),
];

/// What a sink's reader may need from around its table.
pub(crate) struct ParseContext<'a> {
    /// Makes a path from the config file absolute (relative to the config's folder).
    pub rel: &'a dyn Fn(PathBuf) -> PathBuf,
    /// The screen's village (its own, else the config's): a text card's idle text by default.
    pub village: Option<&'a str>,
}

/// Reads one `[[screens.sinks]]` table by its `type`; errors are recorded in the table's file.
pub(crate) fn parse_sink(s: &mut Table<'_, '_>, cx: &ParseContext<'_>) -> Option<SinkConfig> {
    let names: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
    let i = s.choice("type", &names)?;
    (KINDS[i].1)(s, cx)
}

/// Why two sinks cannot run side by side (zh, en): every pair of their claims that conflicts.
pub(crate) fn conflicts(a: &SinkConfig, b: &SinkConfig) -> Vec<(String, String)> {
    let theirs = b.claims();
    a.claims().iter().flat_map(|x| theirs.iter().filter_map(move |y| conflict(x, y))).collect()
}

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
