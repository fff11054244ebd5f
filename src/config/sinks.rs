//! Sink configuration: one `[[screens.sinks]]` table each, by `type`.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::sinks::fbdev::{FbdevConfig, PixelFormat};
use crate::tomlread::Table;

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
    /// A Linux framebuffer (/dev/fbN) or a regular file standing in for one.
    Fbdev(FbdevConfig),
    /// A DRM/KMS display (/dev/dri/cardN) with dumb buffers; needs the `drm` cargo feature.
    Drm { path: PathBuf },
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
            SinkConfig::Fbdev(_) => "fbdev",
            SinkConfig::Drm { .. } => "drm",
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
    Fbdev,
    Drm,
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
        SinkKind::Drm => Some(SinkConfig::Drm { path: rel(s.or("path", PathBuf::from("/dev/dri/card0"))) }),
        SinkKind::Fbdev => {
            let path: Option<PathBuf> = s.req("path");
            let format = s.opt::<String>("format").and_then(|name| {
                let f = PixelFormat::by_name(&name);
                if f.is_none() {
                    let names: Vec<&str> = PixelFormat::NAMED.iter().map(|(n, _)| *n).collect();
                    s.file.error(
                        s.pos("format"),
                        format!("未知的像素格式“{name}”（可用：{}）", names.join("、")),
                        format!("unknown pixel format `{name}` (use one of {})", names.join(", ")),
                    );
                }
                f
            });
            // Geometry of a regular file standing in for a device; each optional.
            let mut opt_int = |key: &str, range: std::ops::RangeInclusive<i64>| -> Option<Option<u32>> {
                if s.has(key) { s.int_in(key, range, None).map(|v| Some(v as u32)) } else { Some(None) }
            };
            let width = opt_int("width", 8..=7680);
            let height = opt_int("height", 8..=4320);
            let stride = opt_int("stride", 16..=65536);
            let virtual_height = opt_int("virtual_height", 8..=8640);
            let blank_on_exit = s.or("blank_on_exit", false);
            Some(SinkConfig::Fbdev(FbdevConfig {
                path: rel(path?),
                format,
                width: width?,
                height: height?,
                stride: stride?,
                virtual_height: virtual_height?,
                blank_on_exit,
            }))
        }
    }
}
