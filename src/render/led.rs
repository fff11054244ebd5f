//! The LED design: one piece of content laid out for a bitmap-font screen, drawn at any
//! moment of its slot.
//!
//! Layout (line breaking, pages, table shape) happens once in `LedScene::new`;
//! `draw` is a pure function of (scene, elapsed time, local time) and only
//! moves prepared lines, so an hour of marquee lands exactly where the
//! arithmetic says (offset = floor(elapsed * speed), no accumulated error).
//! Pages and marquees draw header, footer and static body into a base frame
//! only when the page, the minute or the header title's position changes; a
//! marquee is then a blit of a strip rendered once (word-wise on packed frames).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::ZonedDateTime as Zoned;

use crate::schedule::Effect;

use super::Frame;
use super::body::{self, Line, MnRow};
use super::design::{Bilingual, Design, Flow, Header, View, mn_paragraphs, uncovered};
use super::display::Layout;
use super::font::{FontLibrary, FontSet, Metrics};
use super::frame::Stamp;
use super::mongol::{Ink, MnBlock};
use super::poster::Ticker;
use super::theme::{Role, Theme};

/// Where the zones are on the screen.
#[derive(Debug, Clone)]
pub struct Geometry {
    pub width: u32,
    pub height: u32,
    /// Header text row top and height (text + 1 px rule), if shown.
    pub header: Option<(i32, u32)>,
    pub body_top: i32,
    pub body_height: u32,
    pub footer: Option<(i32, u32)>,
    pub font: FontSet,
    pub small: FontSet,
}

impl Geometry {
    pub fn lines_per_page(&self) -> usize {
        (self.body_height / self.font.height()).max(1) as usize
    }

    /// Pixels from one body line to the next, spreading spare rows evenly.
    fn pitch(&self) -> u32 {
        self.font.height() + self.spacing()
    }

    /// The spare rows given to each line (after it): also the spacing of Mongolian lines.
    fn spacing(&self) -> u32 {
        let n = self.lines_per_page() as u32;
        self.body_height.saturating_sub(n * self.font.height()) / n
    }
}

/// Content laid out for an LED screen, ready to be drawn at any elapsed time.
#[derive(Debug, Clone)]
pub struct LedScene {
    geo: Geometry,
    theme: Theme,
    header: Option<Header>,
    /// How much wider the header's title is than its room (0: it fits), measured once.
    title_overflow: u32,
    village: String,
    kind: Flow,
    missing: Vec<char>,
    /// Names this scene (and its clones, which draw the same) in frame stamps.
    id: u64,
    cache: Arc<Mutex<Cache>>,
}

/// What a scene keeps between frames: the base frame for one (page, minute, title
/// position), and the marquee's strip in one frame format. Bounded: one of each.
#[derive(Debug, Default)]
struct Cache {
    base: Option<([i64; 3], Frame)>,
    strip: Option<Strip>,
}

/// The marquee line rendered once: `frame` row 0 is screen row `top`.
#[derive(Debug)]
struct Strip {
    frame: Frame,
    top: i32,
}

/// The largest marquee strip kept, bytes; a longer line is drawn glyph by glyph.
const STRIP_MAX: usize = 4 << 20;

fn next_id() -> u64 {
    Stamp::next_scene()
}

/// The local minute as one number: the footer's date and clock change with it.
fn minute_key(now: &Zoned) -> i64 {
    ((((now.year() as i64 * 13 + now.month() as i64) * 32 + now.day() as i64) * 24 + now.hour() as i64) * 60) + now.minute() as i64
}

/// Speed of a header title that is too long to fit, px/s, and its pauses.
const TITLE_SPEED: f64 = 24.0;
const TITLE_HOLD: f64 = 2.0;

impl LedScene {
    /// Lays out content. `paragraphs`/`table` are the masked item text; `header`
    /// is shown in the header zone when the layout has one, else prefixed to the body.
    /// A bilingual item's Mongolian (`mn`) comes first, at the body font's pixel size.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        geo: Geometry,
        theme: Theme,
        header: Option<Header>,
        village: String,
        paragraphs: &[String],
        table: Option<&crate::item::Table>,
        mn: Option<Bilingual<'_>>,
        effect: Effect,
    ) -> LedScene {
        let mut paragraphs: Vec<String> = paragraphs.to_vec();
        if geo.header.is_none()
            && let Some(h) = header.as_ref().filter(|h| !h.title.is_empty())
        {
            paragraphs.insert(0, format!("【{}】{}", h.label, h.title));
        }
        let width = geo.width;
        let px = geo.font.height();
        // The body's lines: a bilingual item's Mongolian block first, then the Chinese.
        let lines = || {
            let mut b = body::layout_body(&paragraphs, table, width, &geo.font);
            if let Some(m) = mn {
                let block = MnBlock::layout(m.font, &mn_paragraphs(m.text), px, width, &geo.font, Ink::Mono);
                let title_lines = block.starts.get(1).copied().unwrap_or(block.lines.len());
                let rows = block.lines.iter().enumerate().map(|(i, l)| {
                    let role = if i < title_lines { Role::Title } else { Role::Body };
                    Line::mongolian(MnRow { line: Arc::clone(l), band: block.band, advance: block.band.height() + geo.spacing(), role })
                });
                b.lines.splice(0..0, rows);
            }
            b
        };
        let kind = match effect {
            Effect::Static { page_seconds } => {
                Flow::Pages { pages: body::paginate(&lines(), geo.body_height, geo.pitch(), geo.spacing()), page_seconds }
            }
            Effect::ScrollUp { speed } => Flow::Scroll { lines: lines().lines, speed },
            Effect::Marquee { speed } => {
                let text = body::one_line(&paragraphs, table);
                let (mn, lead) = match mn {
                    Some(m) => {
                        let block = MnBlock::one_line(m.font, &mn_paragraphs(m.text), px, &geo.font, Ink::Mono);
                        let line = Arc::clone(&block.lines[0]);
                        // Two ideographic spaces between the Mongolian and the Chinese.
                        let lead = line.width + 2 * px;
                        (Some(MnRow { line, band: block.band, advance: block.band.height(), role: Role::Body }), lead)
                    }
                    None => (None, 0),
                };
                let w = lead + geo.font.measure(&text);
                Flow::Marquee { text, width: w, speed, mn, lead }
            }
        };
        let title_overflow = header.as_ref().map_or(0, |h| title_overflow(&geo, h));
        let mut scene = LedScene { geo, theme, header, title_overflow, village, kind, missing: Vec::new(), id: next_id(), cache: Arc::default() };
        scene.missing = scene.find_missing();
        if let Some(m) = mn {
            scene.missing.extend(scene.kind.mn_texts().into_iter().flat_map(|t| m.font.missing(t)));
            scene.missing.sort_unstable();
            scene.missing.dedup();
        }
        scene
    }

    /// The idle screen: village name, date and clock.
    pub fn idle(geo: Geometry, theme: Theme, village: String) -> LedScene {
        let mut s = LedScene {
            geo,
            theme,
            header: None,
            title_overflow: 0,
            village,
            kind: Flow::Idle,
            missing: Vec::new(),
            id: next_id(),
            cache: Arc::default(),
        };
        s.missing = s.find_missing();
        s
    }

    /// The screen switched off: black.
    pub fn off(geo: Geometry, theme: Theme) -> LedScene {
        LedScene {
            geo,
            theme,
            header: None,
            title_overflow: 0,
            village: String::new(),
            kind: Flow::Off,
            missing: Vec::new(),
            id: next_id(),
            cache: Arc::default(),
        }
    }

    fn find_missing(&self) -> Vec<char> {
        let (small, font): (&dyn Fn(char) -> bool, &dyn Fn(char) -> bool) = (&|c| self.geo.small.covers(c), &|c| self.geo.font.covers(c));
        let mut texts: Vec<(&str, &dyn Fn(char) -> bool)> = vec![(&self.village, small)];
        if let Some(h) = &self.header {
            texts.push((&h.title, small));
            texts.push((&h.label, small));
        }
        texts.extend(self.kind.texts().into_iter().map(|t| (t, font)));
        uncovered(texts)
    }

    /// Draws the scene as it is `elapsed` into its slot; `now` is local time for the clock.
    pub fn draw(&self, f: &mut Frame, elapsed: Duration, now: &Zoned) {
        if let Flow::Off = self.kind {
            f.fill(embedded_graphics::pixelcolor::Rgb888::new(0, 0, 0));
            return;
        }
        let t = elapsed.as_secs_f64();
        match self.kind {
            Flow::Pages { .. } | Flow::Marquee { .. } => self.draw_cached(f, t, now),
            _ => self.draw_all(f, t, now, true),
        }
    }

    /// Everything, drawn directly; `moving: false` leaves the marquee out (the base frame).
    fn draw_all(&self, f: &mut Frame, t: f64, now: &Zoned, moving: bool) {
        f.fill(self.theme.background);
        let (page, pages) = self.kind.page_at(t);
        match &self.kind {
            Flow::Pages { pages, .. } => {
                let lines = pages.get(page).map_or(&[][..], Vec::as_slice);
                self.draw_lines(f, lines, self.page_top(lines));
            }
            Flow::Scroll { lines, speed } => {
                // One pass: the strip enters at the bottom and leaves at the top; then again.
                let pass = lines.iter().map(|l| l.advance(self.geo.pitch()) as i64).sum::<i64>() + self.geo.body_height as i64;
                let off = (t * speed).floor() as i64 % pass.max(1);
                let y = self.geo.body_top as i64 + self.geo.body_height as i64 - off;
                self.draw_lines(f, lines, y as i32);
            }
            Flow::Marquee { text, mn, lead, .. } if moving => {
                let (x, y) = self.marquee_at(t);
                if let Some(m) = mn {
                    // The Mongolian leads, centred on the same middle line as the Chinese.
                    m.line.draw(f, x, self.mn_top(m), m.band, &self.geo.font, self.theme.body);
                }
                self.geo.font.draw_str(f, x.saturating_add(*lead as i32), y, text, self.theme.body);
            }
            Flow::Idle => self.draw_idle(f, now),
            _ => {}
        }
        // Header and footer are drawn last: they cover anything scrolling under them.
        if let (Some((y, h)), Some(head)) = (self.geo.header, &self.header) {
            self.draw_header(f, y, h, head, t);
        }
        if let Some((y, h)) = self.geo.footer
            && !matches!(self.kind, Flow::Idle | Flow::Off)
        {
            self.draw_footer(f, y, h, page, pages, now);
        }
    }

    /// Pages and marquees: the base frame (redrawn when page, minute or title position
    /// change), copied only when the frame does not hold it yet, then the marquee strip.
    fn draw_cached(&self, f: &mut Frame, t: f64, now: &Zoned) {
        let title = if self.header.is_some() && self.geo.header.is_some() { self.title_shift(t) } else { 0 };
        let key = [self.kind.page_at(t).0 as i64, minute_key(now), title as i64];
        let stamp = Stamp { scene: self.id, key };
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let Cache { base, strip } = &mut *cache;
        let (format, w, h) = (f.format(), f.width(), f.height());
        let fits = |b: &Frame| b.format() == format && b.width() == w && b.height() == h;
        if !base.as_ref().is_some_and(|(k, b)| *k == key && fits(b)) {
            let mut b = base.take().map(|(_, b)| b).filter(fits).unwrap_or_else(|| Frame::with_format(w, h, format));
            self.draw_all(&mut b, t, now, false);
            *base = Some((key, b));
        }
        let Some((_, b)) = base.as_ref() else { return };
        let held = f.stamp() == Some(stamp);
        let Flow::Marquee { .. } = self.kind else {
            if !held {
                f.copy_from(b);
                f.set_stamp(stamp);
            }
            return;
        };
        if !strip.as_ref().is_some_and(|s| s.frame.format() == format) {
            *strip = self.marquee_strip(format, h);
        }
        let (x, _) = self.marquee_at(t);
        match strip {
            Some(s) => {
                let rows = s.top.max(0) as u32..(s.top + s.frame.height() as i32).max(0) as u32;
                if held {
                    f.copy_rows(b, rows.clone());
                } else {
                    f.copy_from(b);
                }
                f.blit(&s.frame, x as i64, s.top, 0..s.frame.height());
                f.set_stamp(stamp);
            }
            None => {
                // Too long to keep as a strip: drawn directly (and the frame is not stamped).
                f.copy_from(b);
                self.draw_marquee_text(f, x);
            }
        }
    }

    fn draw_marquee_text(&self, f: &mut Frame, x: i32) {
        if let Flow::Marquee { text, mn, lead, .. } = &self.kind {
            let (_, y) = self.marquee_at(0.0);
            if let Some(m) = mn {
                m.line.draw(f, x, self.mn_top(m), m.band, &self.geo.font, self.theme.body);
            }
            self.geo.font.draw_str(f, x.saturating_add(*lead as i32), y, text, self.theme.body);
        }
    }

    /// The marquee's left edge and text top at `t`.
    fn marquee_at(&self, t: f64) -> (i32, i32) {
        let (width, speed) = match &self.kind {
            Flow::Marquee { width, speed, .. } => (*width, *speed),
            _ => (0, 1.0),
        };
        // One pass: the text enters at the right and leaves at the left; then again.
        let pass = width as i64 + self.geo.width as i64;
        let off = (t * speed).floor() as i64 % pass.max(1);
        let x = (self.geo.width as i64 - off).clamp(i32::MIN as i64 / 2, i32::MAX as i64 / 2) as i32;
        let y = self.geo.body_top + (self.geo.body_height as i32 - self.geo.font.height() as i32) / 2;
        (x, y)
    }

    fn mn_top(&self, m: &MnRow) -> i32 {
        self.geo.body_top + (self.geo.body_height as i32 - m.band.height() as i32) / 2
    }

    /// The marquee line drawn once on the background, over the screen rows it touches
    /// between header and footer (which cover anything else); `None` when too large.
    fn marquee_strip(&self, format: super::frame::Format, height: u32) -> Option<Strip> {
        let Flow::Marquee { text, width, mn, lead, .. } = &self.kind else { return None };
        let (_, y) = self.marquee_at(0.0);
        let (mut r0, mut r1) = (y, y + self.geo.font.height() as i32);
        if let Some(m) = mn {
            r0 = r0.min(self.mn_top(m));
            r1 = r1.max(self.mn_top(m) + m.band.height() as i32);
        }
        let top = match (self.geo.header, &self.header) {
            (Some((hy, hh)), Some(_)) => hy + hh as i32,
            _ => 0,
        };
        let bottom = self.geo.footer.map_or(height as i32, |(fy, _)| fy).min(height as i32);
        let (r0, r1) = (r0.max(top).max(0), r1.min(bottom));
        let per_px = match format {
            super::frame::Format::Rgb => 24,
            super::frame::Format::Packed(p) => p.planes(),
        };
        if r0 >= r1 || *width == 0 || *width as usize * (r1 - r0) as usize * per_px / 8 > STRIP_MAX {
            return None;
        }
        let mut s = Frame::with_format(*width, (r1 - r0) as u32, format);
        s.fill(self.theme.background);
        if let Some(m) = mn {
            m.line.draw(&mut s, 0, self.mn_top(m) - r0, m.band, &self.geo.font, self.theme.body);
        }
        self.geo.font.draw_str(&mut s, *lead as i32, y - r0, text, self.theme.body);
        Some(Strip { frame: s, top: r0 })
    }

    fn first_line_y(&self) -> i32 {
        let n = self.geo.lines_per_page() as u32;
        let used = self.geo.pitch() * n - (self.geo.pitch() - self.geo.font.height());
        self.geo.body_top + (self.geo.body_height.saturating_sub(used) / 2) as i32
    }

    /// Where a page's first line goes: text-only pages as always (centred as if full);
    /// a page with Mongolian lines centred on what it holds.
    fn page_top(&self, lines: &[Line]) -> i32 {
        if lines.iter().all(|l| l.mn.is_none()) {
            return self.first_line_y();
        }
        let pitch = self.geo.pitch();
        let used = lines.iter().map(|l| l.advance(pitch)).sum::<u32>().saturating_sub(self.geo.spacing());
        self.geo.body_top + (self.geo.body_height.saturating_sub(used) / 2) as i32
    }

    fn draw_lines(&self, f: &mut Frame, lines: &[Line], mut y: i32) {
        let pitch = self.geo.pitch();
        let (top, bottom) = (self.geo.body_top, self.geo.body_top + self.geo.body_height as i32);
        for l in lines {
            if y >= bottom {
                break;
            }
            let adv = l.advance(pitch) as i32;
            if y + adv > top {
                match &l.mn {
                    Some(m) => m.line.draw(f, 0, y, m.band, &self.geo.font, self.theme.color(m.role)),
                    None => {
                        for s in &l.spans {
                            self.geo.font.draw_str(f, s.x, y, &s.text, self.theme.color(s.role));
                        }
                    }
                }
            }
            y += adv;
        }
    }

    fn draw_header(&self, f: &mut Frame, y: i32, h: u32, head: &Header, t: f64) {
        let font = &self.geo.small;
        let fh = font.height();
        f.fill_rect(0, y, self.geo.width, h, self.theme.background);
        let pad = 1;
        let label_w = font.measure(&head.label) + 2 * pad as u32;
        let x0 = label_w as i32 + 2;
        let shift = self.title_shift(t);
        font.draw_str(f, x0 - shift, y, &head.title, self.theme.title);
        // The label box covers the title as it scrolls in under it.
        f.fill_rect(0, y, label_w + 2, fh, self.theme.background);
        f.fill_rect(0, y, label_w, fh, self.theme.label_bg(head.category, head.urgent));
        font.draw_str(f, pad, y, &head.label, self.theme.label_text);
        if h > fh {
            f.fill_rect(0, y + fh as i32, self.geo.width, 1, self.theme.rule);
        }
    }

    /// How far a too-long header title has moved at `t` (0 when it fits).
    fn title_shift(&self, t: f64) -> i32 {
        if self.title_overflow == 0 { 0 } else { title_offset(t, self.title_overflow) }
    }

    fn draw_footer(&self, f: &mut Frame, y: i32, h: u32, page: usize, pages: usize, now: &Zoned) {
        let font = &self.geo.small;
        f.fill_rect(0, y, self.geo.width, h, self.theme.background);
        let clock = now.strftime("%H:%M").to_string();
        let date = now.strftime("%m-%d").to_string();
        let page_text = if pages > 1 { format!("第{}/{}页 ", page + 1, pages) } else { String::new() };
        let w = self.geo.width;
        // Drop the date, then the village, when the screen is too narrow for all.
        let mut right = format!("{page_text}{date} {clock}");
        if font.measure(&right) + font.measure(&self.village) + 4 > w {
            right = format!("{page_text}{clock}");
        }
        let rw = font.measure(&right);
        if font.measure(&self.village) + rw + 4 <= w {
            font.draw_str(f, 0, y, &self.village, self.theme.footer);
        }
        font.draw_str(f, w as i32 - rw as i32, y, &right, self.theme.footer);
    }

    fn draw_idle(&self, f: &mut Frame, now: &Zoned) {
        let (big, small) = (&self.geo.font, &self.geo.small);
        let weekday = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"][now.weekday().to_monday_zero_offset() as usize];
        let date = format!("{}年{}月{}日 {weekday}", now.year(), now.month(), now.day());
        let clock = now.strftime("%H:%M:%S").to_string();
        let h = self.geo.height as i32;
        let rows: Vec<(&FontSet, String, Role)> = if h >= (big.height() + 2 * small.height() + 4) as i32 {
            vec![(big, self.village.clone(), Role::Title), (small, date, Role::Footer), (small, clock, Role::Body)]
        } else {
            vec![(big, self.village.clone(), Role::Title), (small, format!("{} {}", now.strftime("%m-%d"), now.strftime("%H:%M")), Role::Body)]
        };
        let total: i32 = rows.iter().map(|(f, _, _)| f.height() as i32).sum();
        let gap = ((h - total) / (rows.len() as i32 + 1)).max(0);
        let mut y = gap;
        for (font, text, role) in rows {
            let x = (self.geo.width as i32 - font.measure(&text) as i32) / 2;
            font.draw_str(f, x.max(0), y, &text, self.theme.color(role));
            y += font.height() as i32 + gap;
        }
    }
}

/// Whether the design's bitmap fonts (body and small sizes) draw `c`; control characters are not drawn at all.
pub(crate) fn covers<'f>(layout: &Layout, fonts: &'f FontLibrary) -> Box<dyn Fn(char) -> bool + 'f> {
    let sets: Vec<&FontSet> = [layout.font, layout.small_font].iter().filter_map(|s| fonts.set(*s)).collect();
    Box::new(move |c| c.is_control() || sets.iter().all(|s| s.covers(c)))
}

/// A too-long title: hold, move left until its end shows, hold, jump back; a pure function of t.
fn title_offset(t: f64, overflow: u32) -> i32 {
    let travel = overflow as f64 / TITLE_SPEED;
    let cycle = TITLE_HOLD + travel + TITLE_HOLD;
    let p = t % cycle;
    if p < TITLE_HOLD {
        0
    } else if p < TITLE_HOLD + travel {
        ((p - TITLE_HOLD) * TITLE_SPEED).floor() as i32
    } else {
        overflow as i32
    }
}

impl Design for LedScene {
    fn flow(&self) -> &Flow {
        &self.kind
    }

    fn view(&self) -> View {
        View { width: self.geo.width, height: self.geo.body_height, pitch: self.geo.pitch() }
    }

    /// The header zone's text; a layout without one puts the header in the body instead.
    fn heading(&self) -> String {
        self.header.as_ref().filter(|_| self.geo.header.is_some()).map(|h| format!("【{}】{}\n", h.label, h.title)).unwrap_or_default()
    }

    fn village(&self) -> &str {
        &self.village
    }

    fn missing(&self) -> &[char] {
        &self.missing
    }

    /// The LED design shows urgent items by rotation, not with a ticker.
    fn draw(&self, f: &mut Frame, elapsed: Duration, now: &Zoned, _ticker: Option<(&Ticker, Duration)>) {
        LedScene::draw(self, f, elapsed, now);
    }
}

/// How much wider `head`'s title is than the room the header leaves it beside its label (0: it fits).
fn title_overflow(geo: &Geometry, head: &Header) -> u32 {
    let font = &geo.small;
    let label_w = font.measure(&head.label) + 2;
    let avail = geo.width.saturating_sub(label_w + 2);
    font.measure(&head.title).saturating_sub(avail)
}

#[cfg(test)]
#[path = "led_tests.rs"]
mod tests;
