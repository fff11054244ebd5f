//! `type = "bx"`: a BX card's settings, read field by field with positions, and
//! what the sink answers about itself (its port on the bus, what it can show).
//!
//! Validation only: nothing here opens a port.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::schedule::OnAir;
use crate::tomlread::Table;

use super::preview::CardView;
use crate::sinks::{CardPreview, Claim, Output, ParseContext, Resource, Sharing, Sink, SinkConfig, SinkLoop, SinkRun, TextCard};

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

/// What a bx sink does with a bilingual item: the card's GB2312 font has no Mongolian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MnPolicy {
    /// Send the Chinese alone (the Mongolian is omitted, and logged as such).
    #[default]
    Chinese,
    /// Do not send the item; show `skip_notice` for its slot instead.
    Skip,
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
    /// Bilingual items (`mn` text the card cannot draw): the Chinese alone, or skipped.
    pub mongolian: MnPolicy,
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
            mongolian: MnPolicy::Chinese,
            marker: '□',
            skip_notice: DEFAULT_SKIP_NOTICE.to_string(),
            stale_after: Duration::from_secs(60),
            reply_timeout: Duration::from_millis(1000),
            min_refresh: Duration::from_secs(1),
            idle_text: None,
        }
    }
}

pub(crate) const DEFAULT_SKIP_NOTICE: &str = "此条公开内容含本屏无法显示的字，请到村务公开栏查看";

pub(crate) fn parse(s: &mut Table<'_, '_>, cx: &ParseContext<'_>) -> Option<SinkConfig> {
    parse_bx(s, cx).map(SinkConfig::new)
}

fn parse_bx(s: &mut Table<'_, '_>, cx: &ParseContext<'_>) -> Option<BxConfig> {
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
    c.mongolian = s.or("mongolian", MnPolicy::Chinese);
    let marker: String = s.or("marker", "□".to_string());
    let mut chars = marker.chars();
    match (chars.next(), chars.next()) {
        (Some(m), None) if super::text::encode_char(m).is_some() => c.marker = m,
        _ => {
            s.file.error(s.pos("marker"), "marker 必须是一个 GB2312 字符（如 □ 或 ？）", "marker must be one GB2312 character (such as □ or ？)");
            ok = false;
        }
    }
    c.skip_notice = s.or("skip_notice", DEFAULT_SKIP_NOTICE.to_string());
    let bad = super::text::unsupported(&c.skip_notice);
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
    // Shown when nothing is showable: the village, unless told otherwise.
    c.idle_text = s.opt::<String>("idle_text").or_else(|| cx.village.map(str::to_string));
    c.port = (cx.rel)(port?);
    ok.then_some(c)
}

impl Sink for BxConfig {
    fn kind(&self) -> &'static str {
        "bx"
    }

    /// Cards at different addresses share an RS-485 bus at one baud rate.
    fn claims(&self) -> Vec<Claim> {
        let baud = match self.baud {
            Baud::Fixed(b) => Some(b),
            Baud::Auto => None,
        };
        vec![Claim { resource: Resource::SerialPort(self.port.clone()), sharing: Sharing::Bus { protocol: "bx", address: self.address, baud } }]
    }

    fn text_card(&self) -> Option<&dyn TextCard> {
        Some(self)
    }

    fn start(&self, _screen: &str, _first: &Output) -> std::io::Result<SinkLoop> {
        let c = self.clone();
        Ok(Box::new(move |r: SinkRun| super::run(&r.screen, &c, r.rx, &r.status, &r.cancel, &r.handle)))
    }
}

/// The card draws with its own GB2312 font.
impl TextCard for BxConfig {
    fn charset(&self) -> &'static str {
        "GB2312"
    }

    fn unsupported(&self, text: &str) -> Vec<char> {
        super::text::unsupported(text)
    }

    fn instead(&self) -> (String, String) {
        match self.unsupported {
            Unsupported::Skip => ("不发送该条，改显示提示".to_string(), "the card is sent the skip notice instead".to_string()),
            Unsupported::Replace => (format!("这些字显示为 {}", self.marker), format!("they show as {}", self.marker)),
        }
    }

    fn mn_instead(&self) -> (String, String) {
        match self.mongolian {
            MnPolicy::Chinese => ("只显示中文，蒙古文不显示".to_string(), "the card shows the Chinese alone".to_string()),
            MnPolicy::Skip => ("不发送该条，改显示提示".to_string(), "the card is sent the skip notice instead".to_string()),
        }
    }

    fn view(&self, on_air: Option<&OnAir>, width: u32, height: u32) -> Box<dyn CardPreview> {
        Box::new(CardView::new(on_air, self, width, height))
    }
}
