//! What the renderer knows of a screen (`Display`: size, colours, zones, village),
//! and the `[[screens]]` keys and `[screens.layout]` table that say so.
//!
//! Validation only: reading these keys opens nothing and loads no font.

use embedded_graphics::pixelcolor::Rgb888;

use crate::tomlread::Table;

use super::ColorMode;

/// One screen as the renderer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Display {
    pub width: u32,
    pub height: u32,
    pub color: ColorMode,
    /// The lit colour of a mono screen.
    pub led_color: Rgb888,
    pub layout: Layout,
    /// Shown when nothing is showable and in footers: the screen's own, else the config's.
    pub village: Option<String>,
}

/// Which design a screen uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayoutStyle {
    /// Bitmap fonts, pixel-exact zones: LED boards and small panels.
    Led,
    /// The 16:9 HD design with outline fonts, QR code and urgent ticker.
    Poster,
}

/// Zones of the screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// Default: `poster` for `rgb` screens at least 640x360, else `led`.
    pub style: LayoutStyle,
    pub header: bool,
    pub footer: bool,
    /// Body font size in px (12 or 16).
    pub font: u32,
    /// Header and footer font size in px.
    pub small_font: u32,
    /// Whether items' Mongolian text (`mn`) is shown (`mongolian = "auto" | "off"`).
    pub mongolian: Mongolian,
}

/// `[screens.layout] mongolian`: show a bilingual item's Mongolian before its Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mongolian {
    /// Shown when an item has it (and the design can draw it).
    #[default]
    Auto,
    /// Never shown on this screen: the Chinese alone.
    Off,
}

/// The panel keys of a `[[screens]]` table as read; `None` where missing or invalid (already reported).
#[derive(Debug, Clone, Copy)]
pub struct Panel {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub color: ColorMode,
    pub led_color: Option<Rgb888>,
}

/// Reads `width`, `height`, `color` and `led_color` of a `[[screens]]` table.
pub(crate) fn parse_panel(t: &mut Table<'_, '_>) -> Panel {
    let width = t.int_in("width", 8..=7680, None);
    let height = t.int_in("height", 8..=4320, None);
    let color: ColorMode = t.or("color", ColorMode::Mono);
    let led_color = read_color(t, "led_color", parse_color("red").expect("a named colour"));
    Panel { width: width.map(|w| w as u32), height: height.map(|h| h as u32), color, led_color }
}

/// Reads `[screens.layout]` (defaults from the panel) and checks that the zones fit the height.
pub(crate) fn parse_layout(t: &mut Table<'_, '_>, panel: &Panel) -> Layout {
    let (width, height, color) = (panel.width, panel.height, panel.color);
    let small = height.is_none_or(|h| h < 48);
    let hd = color == ColorMode::Rgb && width.is_some_and(|w| w >= 640) && height.is_some_and(|h| h >= 360);
    let style = if hd { LayoutStyle::Poster } else { LayoutStyle::Led };
    let mut layout = Layout { style, header: !small, footer: !small, font: 16, small_font: 12, mongolian: Mongolian::Auto };
    if let Some(mut l) = t.sub("layout") {
        layout.style = l.or("style", layout.style);
        layout.header = l.or("header", layout.header);
        layout.footer = l.or("footer", layout.footer);
        layout.mongolian = l.or("mongolian", layout.mongolian);
        for (key, slot) in [("font", &mut layout.font), ("small_font", &mut layout.small_font)] {
            let v: u32 = l.or(key, *slot);
            if v != 12 && v != 16 {
                l.file.error(
                    l.pos(key),
                    format!("{key} 只能是 12 或 16（点阵字体的像素高度）"),
                    format!("{key} must be 12 or 16 (bitmap font sizes in px)"),
                );
            }
            *slot = v;
        }
        l.finish();
    }
    if let Some(h) = height {
        let h = h as i64;
        let need =
            layout.font as i64 + if layout.header { layout.small_font as i64 } else { 0 } + if layout.footer { layout.small_font as i64 } else { 0 };
        if h < need {
            t.file.error(
                t.pos("height"),
                format!("高度 {h} 放不下页眉、一行正文和页脚（需要 {need}）"),
                format!("height {h} cannot hold header, one body line and footer (needs {need}): turn header or footer off in [layout]"),
            );
        }
    }
    layout
}

impl Display {
    /// The display when every part was read without error.
    pub fn new(panel: Panel, layout: Layout, village: Option<String>) -> Option<Display> {
        Some(Display { width: panel.width?, height: panel.height?, color: panel.color, led_color: panel.led_color?, layout, village })
    }
}

/// LED colour names and `#rrggbb`.
pub(crate) fn parse_color(s: &str) -> Option<Rgb888> {
    Some(match s {
        "red" => Rgb888::new(255, 32, 16),
        "green" => Rgb888::new(32, 255, 64),
        "yellow" => Rgb888::new(255, 210, 0),
        "amber" => Rgb888::new(255, 150, 0),
        "white" => Rgb888::new(255, 255, 255),
        _ => {
            let h = s.strip_prefix('#')?;
            if h.len() != 6 {
                return None;
            }
            let v = u32::from_str_radix(h, 16).ok()?;
            Rgb888::new((v >> 16) as u8, (v >> 8) as u8, v as u8)
        }
    })
}

/// A colour key (`parse_color`): `default` when absent, `None` when unknown (reported at the key).
pub(crate) fn read_color(t: &mut Table<'_, '_>, key: &str, default: Rgb888) -> Option<Rgb888> {
    let Some(s) = t.opt::<String>(key) else { return Some(default) };
    match parse_color(&s) {
        Some(c) => Some(c),
        None => {
            t.file.error(
                t.pos(key),
                format!("无法识别的颜色“{s}”（red、green、yellow、white、amber 或 #rrggbb）"),
                format!("unknown colour `{s}` (red, green, yellow, white, amber or #rrggbb)"),
            );
            None
        }
    }
}
