//! Configuration of the serial sinks: `bx` (Onbon BX-5K/6K text cards) and the
//! frame-streaming `tpm2` and `adalight`, read field by field with positions.
//!
//! Validation only: nothing here opens a port.

use std::path::PathBuf;
use std::time::Duration;

use embedded_graphics::pixelcolor::Rgb888;
use serde::Deserialize;

use crate::tomlread::Table;

/// Link speed of a BX card: fixed, or probed (ping at 9600, then 57600).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baud {
    Fixed(u32),
    Auto,
}

/// What a bx sink does with an item that has characters outside GB2312.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unsupported {
    /// Do not send the item; show `skip_notice` for its slot instead.
    Skip,
    /// Send it with each such character replaced by `marker`.
    Replace,
}

/// Controller generation: the dynamic-area size limit differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CardModel {
    #[serde(rename = "5k")]
    Bx5k,
    #[serde(rename = "6k")]
    Bx6k,
}

impl CardModel {
    /// Bytes of area data one update may carry.
    pub fn area_limit(self) -> usize {
        match self {
            CardModel::Bx5k => 512,
            CardModel::Bx6k => 1024,
        }
    }
}

/// The card's text colours (escape `\C1`..`\C7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardColor {
    Red = 1,
    Green = 2,
    Yellow = 3,
    Blue = 4,
    Cyan = 5,
    Magenta = 6,
    White = 7,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BxConfig {
    pub port: PathBuf,
    pub baud: Baud,
    /// The card's screen address (several cards on one RS-485 bus differ here).
    pub address: u16,
    pub model: CardModel,
    /// Dynamic area number and geometry; width/height default to the screen's.
    pub area_id: u8,
    pub x: u16,
    pub y: u16,
    pub width: Option<u16>,
    pub height: Option<u16>,
    pub font: u32,
    pub line_spacing: u8,
    pub color: CardColor,
    /// Card speed level 0 (fastest) ..= 24; default derived from the slot's px/s.
    pub speed: Option<u8>,
    pub unsupported: Unsupported,
    pub marker: char,
    pub skip_notice: String,
    /// After a slot's planned end, the card drops the text if yiping sent nothing
    /// new within this time (daemon stopped); zero keeps it for ever.
    pub stale_after: Duration,
    pub reply_timeout: Duration,
    /// The card ignores updates of a dynamic area faster than once a second.
    pub min_refresh: Duration,
    /// Shown when nothing is showable; defaults to the village name.
    pub idle_text: Option<String>,
}

impl BxConfig {
    /// Defaults for everything but the port (tests, benches).
    pub fn new(port: PathBuf) -> BxConfig {
        BxConfig {
            port,
            baud: Baud::Fixed(9600),
            address: 1,
            model: CardModel::Bx5k,
            area_id: 0,
            x: 0,
            y: 0,
            width: None,
            height: None,
            font: 16,
            line_spacing: 0,
            color: CardColor::Red,
            speed: None,
            unsupported: Unsupported::Replace,
            marker: '□',
            skip_notice: DEFAULT_SKIP_NOTICE.to_string(),
            stale_after: Duration::from_secs(60),
            reply_timeout: Duration::from_millis(1000),
            min_refresh: Duration::from_secs(1),
            idle_text: None,
        }
    }
}

pub const DEFAULT_SKIP_NOTICE: &str = "此条公开内容含本屏无法显示的字，请到村务公开栏查看";

/// How frame pixels become the LED chain's order (see `sinks::pixmap`).
#[derive(Debug, Clone, PartialEq)]
pub struct PixMapConfig {
    pub order: Order,
    /// Panel size when several panels are chained; default: one panel, the whole frame.
    pub panel_width: Option<u32>,
    pub panel_height: Option<u32>,
    /// The order panels follow along the chain.
    pub chain: Order,
    pub rotate: u32,
    pub flip_x: bool,
    pub flip_y: bool,
    pub color_order: [usize; 3],
    pub brightness: u8,
    pub gamma: f64,
    pub palette: Palette,
}

impl Default for PixMapConfig {
    fn default() -> Self {
        PixMapConfig {
            order: Order::Rows,
            panel_width: None,
            panel_height: None,
            chain: Order::Rows,
            rotate: 0,
            flip_x: false,
            flip_y: false,
            color_order: [0, 1, 2],
            brightness: 100,
            gamma: 1.0,
            palette: Palette::Rgb,
        }
    }
}

/// Wiring order of pixels in a panel (or of panels in a chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    Rows,
    SerpentineRows,
    Columns,
    SerpentineColumns,
}

/// How frame colours become LED colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Palette {
    /// Frame colours as they are.
    Rgb,
    /// Lit pixels become this colour, others black.
    Mono(Rgb888),
    /// Red, green and both bits become these colours.
    Dual { red: Rgb888, green: Rgb888, yellow: Rgb888 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct StreamConfig {
    pub port: PathBuf,
    pub baud: u32,
    pub map: PixMapConfig,
}

/// A colour key of a palette: the default when absent, and (after reporting) when unknown.
fn color_of(t: &mut Table<'_, '_>, key: &str, default: Rgb888) -> Rgb888 {
    crate::render::display::read_color(t, key, default).unwrap_or(default)
}

pub fn parse_bx(s: &mut Table<'_, '_>, rel: &dyn Fn(PathBuf) -> PathBuf) -> Option<BxConfig> {
    let port: Option<PathBuf> = s.req("port");
    let mut c = BxConfig::new(PathBuf::new());
    let mut ok = true;
    match s.opt::<toml::Value>("baud") {
        None => {}
        Some(toml::Value::String(a)) if a == "auto" => c.baud = Baud::Auto,
        Some(toml::Value::Integer(b)) if b == 9600 || b == 57600 => c.baud = Baud::Fixed(b as u32),
        Some(_) => {
            s.file.error(
                s.pos("baud"),
                "baud 只能是 9600、57600 或 \"auto\"",
                "baud must be 9600, 57600 or \"auto\" (BX-5K/6K cards support only these)",
            );
            ok = false;
        }
    }
    c.address = s.int_in("address", 0..=0xFFFE, Some(1))? as u16;
    c.model = s.or("model", CardModel::Bx5k);
    let max_area = if c.model == CardModel::Bx5k { 7 } else { 4 };
    c.area_id = s.int_in("area", 0..=max_area, Some(0))? as u8;
    c.x = s.int_in("x", 0..=4096, Some(0))? as u16;
    c.y = s.int_in("y", 0..=4096, Some(0))? as u16;
    c.width = s.has("width").then(|| s.int_in("width", 8..=4096, None)).flatten().map(|v| v as u16);
    c.height = s.has("height").then(|| s.int_in("height", 8..=4096, None)).flatten().map(|v| v as u16);
    let font = s.or("font", 16i64);
    if ![16, 24, 32].contains(&font) {
        s.file.error(s.pos("font"), "font 只能是 16、24 或 32（控制卡字库）", "font must be 16, 24 or 32 (the card's font files)");
        ok = false;
    }
    c.font = font as u32;
    c.line_spacing = s.int_in("line_spacing", 0..=16, Some(0))? as u8;
    c.color = s.or("color", CardColor::Red);
    c.speed = s.has("speed").then(|| s.int_in("speed", 0..=24, None)).flatten().map(|v| v as u8);
    c.unsupported = s.or("unsupported", Unsupported::Replace);
    let marker: String = s.or("marker", "□".to_string());
    let mut chars = marker.chars();
    match (chars.next(), chars.next()) {
        (Some(m), None) if crate::sinks::bx::text::encode_char(m).is_some() => c.marker = m,
        _ => {
            s.file.error(s.pos("marker"), "marker 必须是一个 GB2312 字符（如 □ 或 ？）", "marker must be one GB2312 character (such as □ or ？)");
            ok = false;
        }
    }
    c.skip_notice = s.or("skip_notice", DEFAULT_SKIP_NOTICE.to_string());
    let bad = crate::sinks::bx::text::unsupported(&c.skip_notice);
    if !bad.is_empty() {
        let bad: String = bad.into_iter().collect();
        s.file.error(
            s.pos("skip_notice"),
            format!("skip_notice 含 GB2312 以外的字：{bad}"),
            format!("skip_notice has characters outside GB2312: {bad}"),
        );
        ok = false;
    }
    c.stale_after = Duration::from_secs(s.int_in("stale_after_seconds", 0..=3600, Some(60))? as u64);
    c.reply_timeout = Duration::from_millis(s.int_in("reply_timeout_ms", 50..=10_000, Some(1000))? as u64);
    c.idle_text = s.opt("idle_text");
    c.port = rel(port?);
    ok.then_some(c)
}

pub fn parse_stream(s: &mut Table<'_, '_>, rel: &dyn Fn(PathBuf) -> PathBuf) -> Option<StreamConfig> {
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

fn serial_port(k: &super::SinkConfig) -> Option<&std::path::Path> {
    match k {
        super::SinkConfig::Bx(b) => Some(&b.port),
        super::SinkConfig::Tpm2(s) | super::SinkConfig::Adalight(s) => Some(&s.port),
        _ => None,
    }
}

/// Why two sinks cannot share their serial port (zh, en); `None` when they can.
/// BX cards at different addresses and one baud rate share an RS-485 bus; nothing else shares a port.
pub fn port_conflict(a: &super::SinkConfig, b: &super::SinkConfig) -> Option<(String, String)> {
    use super::SinkConfig::Bx;
    let (pa, pb) = (serial_port(a)?, serial_port(b)?);
    if pa != pb {
        return None;
    }
    let p = pa.display();
    match (a, b) {
        (Bx(x), Bx(y)) if x.address == y.address => Some((
            format!("两个 bx 输出使用同一串口 {p} 和同一屏地址 {}：同一块控制卡不能由两个输出驱动", x.address),
            format!(
                "two bx sinks use port {p} with the same address {}: one card cannot be driven by two sinks (give each card its own address)",
                x.address
            ),
        )),
        (Bx(x), Bx(y)) if x.baud != y.baud => Some((
            format!("同一总线 {p} 上的控制卡波特率设置不一致"),
            format!("cards on the bus {p} are configured with different baud rates: one bus runs at one speed"),
        )),
        (Bx(_), Bx(_)) => None,
        _ => Some((
            format!("串口 {p} 被两个输出同时使用"),
            format!("port {p} is used by two sinks: only bx cards at different addresses can share a port"),
        )),
    }
}
