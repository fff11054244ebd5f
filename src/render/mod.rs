//! Turns what the scheduler picked into pixels. Pure: no I/O, no clock, cannot fail.
//!
//! `Renderer` knows one screen (size, colours, layout, fonts) and builds a
//! `Scene` for each piece of content; the scene draws frames.

pub mod body;
pub mod display;
pub mod font;
pub mod frame;
pub mod linebreak;
pub mod outline;
pub mod overlay;
pub mod poster;
pub mod scene;
pub mod scenes;
pub mod theme;

use std::sync::Arc;
use std::time::Duration;

pub use display::{Display, Layout, LayoutStyle};
pub use frame::{ColorMode, Frame};
pub use poster::Ticker;
use scene::Scene as LedScene;
pub use scene::{Geometry, Header};
pub use scenes::Scene;
use theme::Theme;

use crate::item::Priority;
use crate::schedule::{Content, Effect, Slot};
use font::{FontLibrary, FontSet};
use poster::{PosterHeader, PosterScene, PosterStyle};

/// Renders content for one screen.
#[derive(Clone)]
pub struct Renderer {
    geo: Geometry,
    theme: Theme,
    village: String,
    /// Set when the screen uses the HD poster design.
    poster: Option<Arc<PosterStyle>>,
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
        Ok(Renderer { geo, theme: Theme::new(screen.color, screen.led_color), village, poster })
    }

    pub fn width(&self) -> u32 {
        self.geo.width
    }

    pub fn height(&self) -> u32 {
        self.geo.height
    }

    /// Lays out content with an effect.
    pub fn scene(&self, content: &Content, effect: Effect) -> Scene {
        if let Content::Off = content {
            // Off is black in every design.
            return Scene::Led(LedScene::off(self.geo.clone(), self.theme));
        }
        if let Some(style) = &self.poster {
            return Scene::Poster(poster_scene(style, content, effect));
        }
        Scene::Led(match content {
            Content::Idle => LedScene::idle(self.geo.clone(), self.theme, self.village.clone()),
            Content::Off => LedScene::off(self.geo.clone(), self.theme),
            Content::Notice { title, text } => {
                let header = Header { label: "通知".into(), category: None, urgent: false, title: title.clone().unwrap_or_default() };
                LedScene::new(self.geo.clone(), self.theme, Some(header), self.village.clone(), std::slice::from_ref(text), None, effect)
            }
            Content::Item(s) => {
                let it = s.item();
                let urgent = it.priority == Priority::Urgent;
                let label = if urgent { "紧急".to_string() } else { it.category.label().to_string() };
                let header = Header { label, category: Some(it.category), urgent, title: it.title.clone() };
                let village = it.village.clone().unwrap_or_else(|| self.village.clone());
                LedScene::new(self.geo.clone(), self.theme, Some(header), village, &it.body, it.table.as_ref(), effect)
            }
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

/// Content in the poster design: category labels read as on a printed notice board.
fn poster_scene(style: &Arc<PosterStyle>, content: &Content, effect: Effect) -> PosterScene {
    let village = style_village(style);
    match content {
        Content::Idle | Content::Off => PosterScene::idle(style),
        Content::Notice { title, text } => {
            let header = PosterHeader { label: "通知".into(), category: None, urgent: false, title: title.clone().unwrap_or_default() };
            PosterScene::new(style, Some(header), village, std::slice::from_ref(text), None, None, effect)
        }
        Content::Item(s) => {
            let it = s.item();
            let urgent = it.priority == Priority::Urgent;
            let label = match (urgent, it.category) {
                (true, _) => "紧急通知".to_string(),
                (false, crate::item::Category::Notice) => "公告".to_string(),
                (false, c) => format!("{}公开", c.label()),
            };
            let header = PosterHeader { label, category: Some(it.category), urgent, title: it.title.clone() };
            let village = it.village.clone().unwrap_or(village);
            PosterScene::new(style, Some(header), village, &it.body, it.table.as_ref(), it.url.as_deref(), effect)
        }
    }
}

fn style_village(style: &PosterStyle) -> String {
    style.village().to_string()
}
