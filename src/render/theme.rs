//! Colours for each zone, by colour mode: LED screens get their few real colours, RGB a palette.

use embedded_graphics::pixelcolor::Rgb888;

use crate::item::Category;

use super::ColorMode;

/// The role a piece of text plays; the theme turns it into a colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Body,
    /// Table headings, record names.
    Emph,
    Title,
    Footer,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub mode: ColorMode,
    pub background: Rgb888,
    pub body: Rgb888,
    pub emph: Rgb888,
    pub title: Rgb888,
    pub footer: Rgb888,
    pub rule: Rgb888,
    /// Text colour inside the category label box.
    pub label_text: Rgb888,
}

const RED: Rgb888 = Rgb888::new(255, 0, 0);
const GREEN: Rgb888 = Rgb888::new(0, 255, 0);
const YELLOW: Rgb888 = Rgb888::new(255, 255, 0);
const BLACK: Rgb888 = Rgb888::new(0, 0, 0);

impl Theme {
    pub fn new(mode: ColorMode, led: Rgb888) -> Theme {
        match mode {
            ColorMode::Mono => Theme { mode, background: BLACK, body: led, emph: led, title: led, footer: led, rule: led, label_text: BLACK },
            ColorMode::Dual => Theme { mode, background: BLACK, body: RED, emph: YELLOW, title: GREEN, footer: GREEN, rule: RED, label_text: BLACK },
            ColorMode::Rgb => Theme {
                mode,
                background: Rgb888::new(8, 12, 24),
                body: Rgb888::new(240, 240, 240),
                emph: Rgb888::new(255, 214, 102),
                title: Rgb888::new(255, 255, 255),
                footer: Rgb888::new(150, 200, 255),
                rule: Rgb888::new(70, 90, 130),
                label_text: Rgb888::new(255, 255, 255),
            },
        }
    }

    pub fn color(&self, role: Role) -> Rgb888 {
        match role {
            Role::Body => self.body,
            Role::Emph => self.emph,
            Role::Title => self.title,
            Role::Footer => self.footer,
        }
    }

    /// Background of the category label: lit on LED screens (inverse text), a category colour on RGB.
    pub fn label_bg(&self, category: Option<Category>, urgent: bool) -> Rgb888 {
        match self.mode {
            ColorMode::Mono => self.body,
            ColorMode::Dual => {
                if urgent {
                    RED
                } else {
                    YELLOW
                }
            }
            ColorMode::Rgb => match (urgent, category) {
                (true, _) => Rgb888::new(200, 30, 30),
                (_, Some(Category::Party)) => Rgb888::new(190, 20, 20),
                (_, Some(Category::Village)) => Rgb888::new(30, 90, 180),
                (_, Some(Category::Finance)) => Rgb888::new(20, 130, 70),
                _ => Rgb888::new(200, 110, 20),
            },
        }
    }
}
