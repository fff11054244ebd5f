//! The poster's colours and sizes: the palette, the header band's colour per category,
//! and `PosterStyle`, every size derived from the screen height.

use embedded_graphics::pixelcolor::Rgb888;

use super::*;

pub(super) const BG: Rgb888 = Rgb888::new(14, 27, 44);
pub(super) const BODY: Rgb888 = Rgb888::new(242, 242, 242);
pub(super) const EMPH: Rgb888 = Rgb888::new(255, 214, 102);
pub(super) const FOOT_BG: Rgb888 = Rgb888::new(7, 16, 29);
pub(super) const FOOT: Rgb888 = Rgb888::new(169, 196, 230);
pub(super) const WHITE: Rgb888 = Rgb888::new(255, 255, 255);
pub(super) const TICK_BG: Rgb888 = Rgb888::new(198, 40, 40);
pub(super) const TICK_LABEL_BG: Rgb888 = Rgb888::new(255, 214, 0);
pub(super) const BLACK: Rgb888 = Rgb888::new(0, 0, 0);
pub(super) const RULE: Rgb888 = Rgb888::new(44, 64, 94);

/// Header band colour by category; urgent items are red whatever their category.
pub(super) fn band_color(category: Option<Category>, urgent: bool) -> Rgb888 {
    match (urgent, category) {
        (true, _) => Rgb888::new(183, 28, 28),
        (_, Some(Category::Party)) => Rgb888::new(165, 24, 24),
        (_, Some(Category::Village)) => Rgb888::new(24, 84, 160),
        (_, Some(Category::Finance)) => Rgb888::new(18, 112, 64),
        _ => Rgb888::new(176, 96, 16),
    }
}

/// One screen's poster design: zone sizes and faces, computed once from the screen size.
#[derive(Debug)]
pub struct PosterStyle {
    pub(super) w: u32,
    pub(super) h: u32,
    pub(super) margin: u32,
    pub(super) head_h: u32,
    pub(super) rule_h: u32,
    pub(super) foot_h: u32,
    pub(super) tick_h: u32,
    pub(super) gap: u32,
    pub(super) font: Arc<OutlineFont>,
    pub(super) label: Face,
    pub(super) titles: [Face; 3],
    pub(super) body: Face,
    /// Body type for a table too wide for a grid at `body` size.
    pub(super) small_body: Face,
    pub(super) foot: Face,
    pub(super) tick: Face,
    pub(super) caption: Face,
    pub(super) village: String,
}

impl PosterStyle {
    pub fn new(w: u32, h: u32, font: &Arc<OutlineFont>, village: String) -> PosterStyle {
        let u = |v: f32| ((v * h as f32 / 1080.0).round() as u32).max(1);
        PosterStyle {
            w,
            h,
            margin: u(72.0).min(w / 20),
            head_h: u(150.0),
            rule_h: u(6.0),
            foot_h: u(76.0),
            tick_h: u(72.0),
            gap: u(48.0),
            label: font.face(u(40.0)),
            titles: [font.face(u(64.0)), font.face(u(54.0)), font.face(u(44.0))],
            body: font.face(u(54.0)),
            small_body: font.face(u(42.0)),
            foot: font.face(u(32.0)),
            tick: font.face(u(40.0)),
            caption: font.face(u(28.0)),
            font: Arc::clone(font),
            village,
        }
    }

    pub fn width(&self) -> u32 {
        self.w
    }

    pub fn village(&self) -> &str {
        &self.village
    }

    pub fn height(&self) -> u32 {
        self.h
    }

    /// Distance between body lines: 1.5 lines, as printed notices are set.
    pub(super) fn pitch(&self) -> u32 {
        pitch(&self.body)
    }

    /// The ticker for urgent items' titles; `None` when there are none.
    pub fn ticker(&self, titles: &[String]) -> Option<Ticker> {
        if titles.is_empty() {
            return None;
        }
        let text = format!("{}　　", titles.join("　　◆　　"));
        let strip = HStrip::new(self.tick.clone(), text, self.tick_h, WHITE, TICK_BG);
        Some(Ticker { strip, speed: 3.0 * self.tick.px() as f64 })
    }
}
