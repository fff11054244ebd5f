//! Sink configuration: one `[[screens.sinks]]` table each, by `type`.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::tomlread::Table;

#[derive(Debug, Clone, PartialEq)]
pub enum SinkConfig {
    /// The current frame as a PNG, at most once per `every`.
    Png { path: PathBuf, every: Duration, scale: u32 },
    /// An animated recording of the first `seconds`.
    Gif { path: PathBuf, seconds: u32, scale: u32 },
    /// The live screen in the terminal.
    Terminal,
    /// An Onbon BX-5K/6K text card on a serial line (sends text, the card draws it).
    Bx(Box<super::serial::BxConfig>),
    /// Frames streamed to a microcontroller as TPM2 serial packets.
    Tpm2(super::serial::StreamConfig),
    /// Frames streamed to a microcontroller with the Adalight protocol.
    Adalight(super::serial::StreamConfig),
}

impl SinkConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            SinkConfig::Png { .. } => "png",
            SinkConfig::Gif { .. } => "gif",
            SinkConfig::Terminal => "terminal",
            SinkConfig::Bx(_) => "bx",
            SinkConfig::Tpm2(_) => "tpm2",
            SinkConfig::Adalight(_) => "adalight",
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum SinkKind {
    Png,
    Gif,
    Terminal,
    Bx,
    Tpm2,
    Adalight,
}

/// Reads one sink table; errors are recorded in the table's file.
pub fn parse_sink(s: &mut Table<'_, '_>, rel: &dyn Fn(PathBuf) -> PathBuf) -> Option<SinkConfig> {
    let k = s.req::<SinkKind>("type")?;
    match k {
        SinkKind::Png => {
            let scale = s.int_in("scale", 1..=16, Some(1));
            let path: Option<PathBuf> = s.req("path");
            let every: f64 = s.or("every_seconds", 1.0);
            Some(SinkConfig::Png { path: rel(path?), every: Duration::from_secs_f64(every.clamp(0.04, 3600.0)), scale: scale? as u32 })
        }
        SinkKind::Gif => {
            let scale = s.int_in("scale", 1..=16, Some(1));
            let path: Option<PathBuf> = s.req("path");
            let seconds = s.int_in("seconds", 1..=3600, Some(30));
            Some(SinkConfig::Gif { path: rel(path?), seconds: seconds? as u32, scale: scale? as u32 })
        }
        SinkKind::Terminal => Some(SinkConfig::Terminal),
        SinkKind::Bx => super::serial::parse_bx(s, rel).map(|c| SinkConfig::Bx(Box::new(c))),
        SinkKind::Tpm2 => super::serial::parse_stream(s, rel).map(SinkConfig::Tpm2),
        SinkKind::Adalight => super::serial::parse_stream(s, rel).map(SinkConfig::Adalight),
    }
}
