//! Turns what the scheduler picked into pixels. Pure: no I/O, no clock, cannot fail.
//!
//! `Renderer` knows one screen (size, colours, layout, fonts) and builds a
//! `Scene` for each piece of content; the scene draws frames.

pub(crate) mod body;
pub(crate) mod design;
pub(crate) mod display;
pub(crate) mod font;
pub(crate) mod frame;
pub(crate) mod led;
pub(crate) mod linebreak;
pub(crate) mod mongol;
pub(crate) mod outline;
pub(crate) mod overlay;
pub(crate) mod planes;
pub(crate) mod poster;
pub(crate) mod scene;
pub(crate) mod theme;

use std::sync::Arc;
use std::time::Duration;

pub(crate) use display::{Display, Layout, LayoutStyle, Mongolian};
pub(crate) use frame::{ColorMode, Frame};
pub(crate) use led::Geometry;
pub(crate) use poster::Ticker;
pub(crate) use scene::Scene;
use theme::Theme;

use crate::schedule::{Content, Effect, Slot};
use design::Bilingual;
use design::{Labels, notice};
use font::{FontLibrary, FontSet};
use led::LedScene;
use mongol::MongolFont;
use poster::{PosterScene, PosterStyle};

/// Renders content for one screen.
#[derive(Clone)]
pub struct Renderer {
    geo: Geometry,
    theme: Theme,
    village: String,
    /// Set when the screen uses the HD poster design.
    poster: Option<Arc<PosterStyle>>,
    /// Set when the screen shows items' Mongolian (`mongolian = "auto"`) and the font is there.
    mongol: Option<Arc<MongolFont>>,
}

impl Renderer {
    /// Fails only when the configured font sizes are not in the library.
    pub fn new(screen: &Display, fonts: &Arc<FontLibrary>) -> Result<Renderer, String> {
        let get = |size: u32| -> Result<FontSet, String> {
            fonts.set(size).cloned().ok_or_else(|| format!("no {size} px font loaded (have {:?})", fonts.sizes()))
        };
        let (font, small) = (get(screen.layout.font)?, get(screen.layout.small_font)?);
        let sh = small.height();
        let header_h = if screen.layout.header { sh + if screen.height >= 48 { 1 } else { 0 } } else { 0 };
        let footer_h = if screen.layout.footer { sh } else { 0 };
        let body_top = header_h as i32;
        let body_height = screen.height.saturating_sub(header_h + footer_h).max(1);
        let geo = Geometry {
            width: screen.width,
            height: screen.height,
            header: screen.layout.header.then_some((0, header_h)),
            body_top,
            body_height,
            footer: screen.layout.footer.then(|| ((screen.height - footer_h) as i32, footer_h)),
            font,
            small,
        };
        let village = screen.village.clone().unwrap_or_default();
        let poster = match screen.layout.style {
            LayoutStyle::Led => None,
            LayoutStyle::Poster => {
                let font = fonts.outline().ok_or_else(|| {
                    format!("the poster layout needs the outline font {} in the fonts directory (see fonts/README.md)", outline::OUTLINE_FILE)
                })?;
                Some(Arc::new(PosterStyle::new(screen.width, screen.height, font, village.clone())))
            }
        };
        let mongol = match screen.layout.mongolian {
            Mongolian::Auto => fonts.mongol().cloned(),
            Mongolian::Off => None,
        };
        Ok(Renderer { geo, theme: Theme::new(screen.color, screen.led_color), village, poster, mongol })
    }

    pub fn width(&self) -> u32 {
        self.geo.width
    }

    pub fn height(&self) -> u32 {
        self.geo.height
    }

    /// A black frame in this screen's own format: packed bit planes for mono and
    /// dual LED screens (the LED design), RGB for full colour and the poster design.
    pub fn frame(&self) -> Frame {
        Frame::with_format(self.geo.width, self.geo.height, self.format())
    }

    /// The format of `frame()`.
    pub fn format(&self) -> frame::Format {
        match (self.poster.is_some(), self.theme.mode) {
            (false, ColorMode::Mono) => frame::Format::Packed(frame::Packing::Mono { on: self.theme.body }),
            (false, ColorMode::Dual) => frame::Format::Packed(frame::Packing::Dual),
            _ => frame::Format::Rgb,
        }
    }

    /// Lays out content with an effect.
    pub fn scene(&self, content: &Content, effect: Effect) -> Scene {
        if let Content::Off = content {
            // Off is black in every design.
            return Scene::Led(LedScene::off(self.geo.clone(), self.theme));
        }
        if let Some(style) = &self.poster {
            // Category labels read as on a printed notice board.
            return Scene::Poster(match notice(content, Labels::Board, style.village()) {
                Some(n) => {
                    let mn = n.mn.zip(self.mongol.as_ref()).map(|(text, font)| Bilingual { text, font });
                    PosterScene::new(style, Some(n.header), n.village, n.paragraphs, n.table, n.url, mn, effect)
                }
                None => PosterScene::idle(style),
            });
        }
        Scene::Led(match notice(content, Labels::Short, &self.village) {
            Some(n) => {
                let mn = n.mn.zip(self.mongol.as_ref()).map(|(text, font)| Bilingual { text, font });
                LedScene::new(self.geo.clone(), self.theme, Some(n.header), n.village, n.paragraphs, n.table, mn, effect)
            }
            None => LedScene::idle(self.geo.clone(), self.theme, self.village.clone()),
        })
    }

    /// The urgent ticker for these titles, on designs that have one (the poster).
    pub fn ticker(&self, urgent_titles: &[String]) -> Option<Ticker> {
        self.poster.as_ref()?.ticker(urgent_titles)
    }

    /// One pass of content in a slot, for the scheduler.
    pub fn measure(&self, content: &Content, slot: &Slot) -> Duration {
        self.scene(content, slot.effect).natural_duration()
    }
}

/// Whether a screen's design draws `c` with a glyph (not a box), asked without laying
/// anything out (`check`). Font files the library lacks are not judged here.
pub(crate) fn covers<'f>(layout: &Layout, fonts: &'f FontLibrary) -> Box<dyn Fn(char) -> bool + 'f> {
    match layout.style {
        LayoutStyle::Led => led::covers(layout, fonts),
        LayoutStyle::Poster => poster::covers(fonts),
    }
}
