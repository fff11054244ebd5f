//! `type = "fbdev"`: its settings, how they are read, and how the sink starts.

use std::path::PathBuf;

use crate::tomlread::Table;

use super::{Framebuffer, PixelFormat};
use crate::sinks::device::device_loop;
use crate::sinks::{Claim, Failures, Output, ParseContext, Resource, Sink, SinkConfig, SinkLoop, SinkRun};

/// `[[screens.sinks]] type = "fbdev"`.
#[derive(Debug, Clone, PartialEq)]
pub struct FbdevConfig {
    /// /dev/fbN, or a regular file standing in for one.
    pub path: PathBuf,
    /// For a regular file: its pixel format (a device reports its own).
    pub format: Option<PixelFormat>,
    /// For a regular file: visible size, default the screen's.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// For a regular file: bytes per line, default width x bytes per pixel.
    pub stride: Option<u32>,
    /// For a regular file: rows of the virtual screen (2 x height to double-buffer), default height.
    pub virtual_height: Option<u32>,
    /// Clear the screen (and blank a device) when yiping stops.
    pub blank_on_exit: bool,
}

pub(crate) fn parse(s: &mut Table<'_, '_>, cx: &ParseContext<'_>) -> Option<SinkConfig> {
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
    Some(SinkConfig::new(FbdevConfig {
        path: (cx.rel)(path?),
        format,
        width: width?,
        height: height?,
        stride: stride?,
        virtual_height: virtual_height?,
        blank_on_exit,
    }))
}

impl Sink for FbdevConfig {
    fn kind(&self) -> &'static str {
        "fbdev"
    }

    fn claims(&self) -> Vec<Claim> {
        vec![Claim::exclusive(Resource::Path(self.path.clone()))]
    }

    /// Opens and maps the framebuffer now, so a wrong path or size stops the start.
    fn start(&self, screen: &str, first: &Output) -> std::io::Result<SinkLoop> {
        let mut fb = Framebuffer::open(self, screen, first.frame.width(), first.frame.height()).map_err(std::io::Error::other)?;
        let (blank_on_exit, path) = (self.blank_on_exit, self.path.clone());
        Ok(Box::new(move |r: SinkRun| {
            let failures = Failures::new(&r.screen, "fbdev", path.display());
            device_loop(&r.screen, failures, |f| fb.show(f), r.rx, &r.status, &r.cancel, &r.handle);
            if blank_on_exit {
                fb.blank();
            }
        }))
    }
}
