//! Turns what the scheduler picked into pixels. Pure: no I/O, no clock, cannot fail.
//!
//! `Renderer` knows one screen (size, colours, layout, fonts) and builds a
//! `Scene` for each piece of content; the scene draws frames.

pub mod body;
pub mod font;
pub mod frame;
pub mod linebreak;
pub mod outline;
pub mod scene;
pub mod theme;

use std::sync::Arc;
use std::time::Duration;

pub use frame::{ColorMode, Frame};
pub use scene::{Geometry, Header, Scene};
use theme::Theme;

use crate::config::{Effect, ScreenConfig, Slot};
use crate::item::Priority;
use crate::schedule::Content;
use font::{FontLibrary, FontSet};

/// Renders content for one screen.
#[derive(Clone)]
pub struct Renderer {
    geo: Geometry,
    theme: Theme,
    village: String,
}

impl Renderer {
    /// Fails only when the configured font sizes are not in the library.
    pub fn new(screen: &ScreenConfig, default_village: Option<&str>, fonts: &Arc<FontLibrary>) -> Result<Renderer, String> {
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
        let village = screen.village.clone().or(default_village.map(str::to_string)).unwrap_or_default();
        Ok(Renderer { geo, theme: Theme::new(screen.color, screen.led_color), village })
    }

    pub fn width(&self) -> u32 {
        self.geo.width
    }

    pub fn height(&self) -> u32 {
        self.geo.height
    }

    /// Lays out content with an effect.
    pub fn scene(&self, content: &Content, effect: Effect) -> Scene {
        match content {
            Content::Idle => Scene::idle(self.geo.clone(), self.theme, self.village.clone()),
            Content::Notice { title, text } => {
                let header = Header { label: "通知".into(), category: None, urgent: false, title: title.clone().unwrap_or_default() };
                Scene::new(self.geo.clone(), self.theme, Some(header), self.village.clone(), std::slice::from_ref(text), None, effect)
            }
            Content::Item(s) => {
                let it = s.item();
                let urgent = it.priority == Priority::Urgent;
                let label = if urgent { "紧急".to_string() } else { it.category.label().to_string() };
                let header = Header { label, category: Some(it.category), urgent, title: it.title.clone() };
                let village = it.village.clone().unwrap_or_else(|| self.village.clone());
                Scene::new(self.geo.clone(), self.theme, Some(header), village, &it.body, it.table.as_ref(), effect)
            }
        }
    }

    /// One pass of content in a slot, for the scheduler.
    pub fn measure(&self, content: &Content, slot: &Slot) -> Duration {
        self.scene(content, slot.effect).natural_duration()
    }
}
