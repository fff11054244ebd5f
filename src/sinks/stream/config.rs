//! `type = "tpm2"` and `type = "adalight"`: a frame-streaming link's settings, how
//! they are read, and how the sink starts.
//!
//! Validation only: nothing here opens a port.

use std::path::PathBuf;

use embedded_graphics::pixelcolor::Rgb888;

use crate::sinks::pixmap::{Order, Palette, PixMapConfig};
use crate::sinks::{Claim, Output, ParseContext, Resource, Sink, SinkConfig, SinkLoop, SinkRun};
use crate::tomlread::Table;

use super::Protocol;

#[derive(Debug, Clone, PartialEq)]
pub struct StreamConfig {
    pub port: PathBuf,
    pub baud: u32,
    pub map: PixMapConfig,
}

/// A stream sink: the protocol and its link.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stream {
    pub protocol: Protocol,
    pub cfg: StreamConfig,
}

pub(crate) fn parse_tpm2(s: &mut Table<'_, '_>, cx: &ParseContext<'_>) -> Option<SinkConfig> {
    parse_stream(s, cx.rel).map(|cfg| SinkConfig::new(Stream { protocol: Protocol::Tpm2, cfg }))
}

pub(crate) fn parse_adalight(s: &mut Table<'_, '_>, cx: &ParseContext<'_>) -> Option<SinkConfig> {
    parse_stream(s, cx.rel).map(|cfg| SinkConfig::new(Stream { protocol: Protocol::Adalight, cfg }))
}

impl Sink for Stream {
    fn kind(&self) -> &'static str {
        self.protocol.name()
    }

    fn claims(&self) -> Vec<Claim> {
        vec![Claim::exclusive(Resource::SerialPort(self.cfg.port.clone()))]
    }

    fn start(&self, _screen: &str, _first: &Output) -> std::io::Result<SinkLoop> {
        let s = self.clone();
        Ok(Box::new(move |r: SinkRun| super::run(&r.screen, s.protocol, &s.cfg, r.rx, &r.status, &r.cancel, &r.handle)))
    }
}

/// A colour key of a palette: the default when absent, and (after reporting) when unknown.
fn color_of(t: &mut Table<'_, '_>, key: &str, default: Rgb888) -> Rgb888 {
    crate::render::display::read_color(t, key, default).unwrap_or(default)
}

fn parse_stream(s: &mut Table<'_, '_>, rel: &dyn Fn(PathBuf) -> PathBuf) -> Option<StreamConfig> {
    let port: Option<PathBuf> = s.req("port");
    let baud = s.int_in("baud", 1200..=12_000_000, Some(460_800));
    let mut m = PixMapConfig { order: s.or("order", Order::Rows), ..PixMapConfig::default() };
    let mut ok = true;
    m.panel_width = s.has("panel_width").then(|| s.int_in("panel_width", 1..=4096, None)).flatten().map(|v| v as u32);
    m.panel_height = s.has("panel_height").then(|| s.int_in("panel_height", 1..=4096, None)).flatten().map(|v| v as u32);
    m.chain = s.or("chain", Order::Rows);
    let rotate = s.or("rotate", 0i64);
    if ![0, 90, 180, 270].contains(&rotate) {
        s.file.error(s.pos("rotate"), "rotate 只能是 0、90、180 或 270", "rotate must be 0, 90, 180 or 270");
        ok = false;
    }
    m.rotate = rotate as u32;
    m.flip_x = s.or("flip_x", false);
    m.flip_y = s.or("flip_y", false);
    let order: String = s.or("color_order", "RGB".to_string());
    let up = order.to_ascii_uppercase();
    let idx: Vec<usize> = up.chars().filter_map(|c| "RGB".find(c)).collect();
    if up.len() == 3 && idx.len() == 3 && idx.iter().collect::<std::collections::BTreeSet<_>>().len() == 3 {
        m.color_order = [idx[0], idx[1], idx[2]];
    } else {
        s.file.error(
            s.pos("color_order"),
            format!("color_order“{order}”无效（如 RGB、GRB、BGR）"),
            format!("color_order `{order}` must be a permutation of RGB (RGB, GRB, BGR ...)"),
        );
        ok = false;
    }
    m.brightness = s.int_in("brightness", 0..=100, Some(100))? as u8;
    let gamma: f64 = s.or("gamma", 1.0);
    if !(0.5..=4.0).contains(&gamma) {
        s.file.error(s.pos("gamma"), "gamma 应在 0.5 到 4.0 之间", "gamma must be between 0.5 and 4.0");
        ok = false;
    }
    m.gamma = gamma;
    let palette: String = s.or("palette", "rgb".to_string());
    m.palette = match palette.as_str() {
        "rgb" => Palette::Rgb,
        "mono" => Palette::Mono(color_of(s, "on_color", Rgb888::new(255, 0, 0))),
        "dual" => Palette::Dual {
            red: color_of(s, "red_color", Rgb888::new(255, 0, 0)),
            green: color_of(s, "green_color", Rgb888::new(0, 255, 0)),
            yellow: color_of(s, "yellow_color", Rgb888::new(255, 255, 0)),
        },
        _ => {
            s.file.error(s.pos("palette"), "palette 只能是 rgb、mono 或 dual", "palette must be rgb, mono or dual");
            ok = false;
            Palette::Rgb
        }
    };
    let (port, baud) = (rel(port?), baud? as u32);
    ok.then_some(StreamConfig { port, baud, map: m })
}
