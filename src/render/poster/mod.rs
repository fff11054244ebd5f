//! The 16:9 poster layout for HD screens: header band, body in large type, footer, QR code, urgent ticker.
//!
//! Sizes follow the screen height (a 1080-row design scaled), so 1920x1080,
//! 1280x720 and 1024x600 share one design. Layout happens once per scene with
//! the same line-breaking, table and paging rules as the LED path
//! (`body::layout_body`, `linebreak`). Drawing is pure and cannot fail: the
//! static parts (background, header, page, QR, footer) are drawn into a base
//! frame when the page or the minute changes and copied every frame; moving
//! text is pre-rendered into strips (`strip`) and copied at its offset. So a
//! steady-state frame rasterizes nothing and allocates nothing.

mod qr;
pub(crate) mod strip;
mod style;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use jiff::ZonedDateTime as Zoned;

use super::Frame;
use super::body::{self, Line, MnRow};
use super::design::{Bilingual, Design, Flow, Header, View, uncovered};
use super::font::{FontLibrary, Metrics};
use super::frame::Stamp;
use super::linebreak::break_lines;
use super::mongol::block::ShapedLine;
use super::mongol::{Ink, MnBlock, MnStrip};
use super::outline::{Face, OutlineFont};
use super::theme::Role;
use crate::item::{Category, Table};
use crate::schedule::Effect;
use strip::{HStrip, LineCache, blit};
pub(crate) use style::PosterStyle;
use style::*;

/// The urgent-items ticker: one pre-rendered strip crossing the band above the footer.
#[derive(Debug)]
pub struct Ticker {
    strip: HStrip,
    /// px per second.
    speed: f64,
}

impl Ticker {
    pub fn text(&self) -> &str {
        self.strip.text()
    }
}

/// Identifies what the base frame holds: page and local minute (second when idle).
type BaseKey = (usize, i64);

/// Content laid out in the poster design.
#[derive(Debug)]
pub struct PosterScene {
    style: Arc<PosterStyle>,
    header: Option<Header>,
    /// Header title lines and the face they use.
    title: Vec<String>,
    title_face: usize,
    /// The Mongolian title above the Chinese one (bilingual items), and the band's height.
    mn_title: Option<MnRow>,
    head_h: u32,
    /// Top of each body line of a scroll from the first line's, and the end (n + 1 entries).
    tops: Vec<u32>,
    village: String,
    /// Body rectangle: x, y, w, h.
    body: (i32, i32, u32, u32),
    kind: Flow,
    /// The marquee line, pre-rendered (when the flow is a marquee).
    strip: Option<Box<HStrip>>,
    /// A bilingual marquee's Mongolian line, composed in chunks as it crosses.
    mn_strip: Option<Box<MnStrip>>,
    /// The body type: the style's, or smaller so a wide table stays a grid.
    face: Face,
    qr: Option<Frame>,
    missing: Vec<char>,
    base: Mutex<Option<(BaseKey, Frame)>>,
    lines: LineCache,
    /// Names this scene in frame stamps (`frame::Stamp`).
    id: u64,
}

impl PosterScene {
    /// Lays out content; a bilingual item's Mongolian (`mn`) goes above and before the Chinese.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        style: &Arc<PosterStyle>,
        header: Option<Header>,
        village: String,
        paragraphs: &[String],
        table: Option<&Table>,
        url: Option<&str>,
        mn: Option<Bilingual<'_>>,
        effect: Effect,
    ) -> PosterScene {
        let s = style;
        // The title: the largest size on one line, else two lines of the smallest; more goes to the body.
        let (mut title, mut title_face, mut title_overflow) = (Vec::new(), 0, None);
        if let Some(h) = &header {
            let avail = s.w - 2 * s.margin - label_width(s, &h.label) - s.gap / 2;
            for (i, face) in s.titles.iter().enumerate() {
                let lines: Vec<String> = break_lines(&h.title, avail, |c| face.advance(c)).into_iter().map(|r| h.title[r].to_string()).collect();
                (title, title_face) = (lines, i);
                if title.len() <= 1 {
                    break;
                }
            }
            if title.len() > 2 {
                title_overflow = Some(title.split_off(2).concat());
            }
        }
        // A bilingual item's Mongolian title sits above the Chinese one, at its size, when it
        // fits one line (the band grows by its height); a longer one opens the Mongolian body.
        let mn_title = match (mn, &header) {
            (Some(m), Some(h)) => {
                let avail = s.w - 2 * s.margin - label_width(s, &h.label) - s.gap / 2;
                let face = &s.titles[title_face];
                let block = MnBlock::layout(m.font, std::slice::from_ref(&m.text.title), face.px(), avail, face, Ink::Alpha);
                (block.lines.len() == 1).then(|| MnRow {
                    line: Arc::clone(&block.lines[0]),
                    band: block.band,
                    advance: block.band.height(),
                    role: Role::Emph,
                })
            }
            _ => None,
        };
        let mut mn_paras: Vec<String> = Vec::new();
        if let Some(m) = mn {
            if mn_title.is_none() {
                mn_paras.push(m.text.title.clone());
            }
            mn_paras.extend(m.text.body.iter().filter(|p| !p.trim().is_empty()).cloned());
        }
        let head_h = s.head_h + mn_title.as_ref().map_or(0, |m| m.band.height() + s.gap / 4);
        let body_y = (head_h + s.rule_h + s.gap * 2 / 3) as i32;
        let body_bottom = s.h.saturating_sub(s.foot_h + s.tick_h + s.gap / 3) as i32;
        let body_h = (body_bottom - body_y).max(s.pitch() as i32) as u32;
        let mut body_w = s.w - 2 * s.margin;
        // The QR code takes a column on the right, with its caption under it.
        let qr_side = (s.h * 28 / 100).min(body_h.saturating_sub(s.caption.line_height() * 2));
        let qr = url.filter(|u| !u.is_empty()).and_then(|u| qr::render(u, qr_side));
        if let Some(q) = &qr {
            body_w = body_w.saturating_sub(q.width() + s.gap);
        }
        // The title: the largest size on one line, else two lines of the smallest; more goes to the body.
        // Paragraphs open with a two-character indent, as printed notices are set.
        let mut paragraphs: Vec<String> = paragraphs.iter().map(|p| format!("\u{3000}\u{3000}{}", p.trim_start())).collect();
        if let Some(more) = title_overflow {
            paragraphs.insert(0, more);
        }
        let speed_scale = s.body.px() as f64 / 16.0;
        // A table that is a grid only in the smaller type sets the whole body in it.
        let mut face = s.body.clone();
        let mut laid = body::layout_body(&paragraphs, table, body_w, &face);
        if table.is_some() && laid.grid_heading.is_none() && !matches!(effect, Effect::Marquee { .. }) {
            let small = body::layout_body(&paragraphs, table, body_w, &s.small_body);
            if small.grid_heading.is_some() {
                (face, laid) = (s.small_body.clone(), small);
            }
        }
        let gap = pitch(&face) - face.line_height();
        // The body's lines: the Mongolian (at the body's size) before the Chinese.
        let mn = mn.filter(|_| !mn_paras.is_empty());
        let mut lines = || {
            let mut laid = std::mem::take(&mut laid);
            if let Some(m) = mn {
                let block = MnBlock::layout(m.font, &mn_paras, face.px(), body_w, &face, Ink::Alpha);
                let rows = block
                    .lines
                    .iter()
                    .map(|l| Line::mongolian(MnRow { line: Arc::clone(l), band: block.band, advance: block.band.height() + gap, role: Role::Body }));
                laid.lines.splice(0..0, rows);
            }
            laid
        };
        let (mut strip, mut mn_strip) = (None, None);
        let kind = match effect {
            Effect::Static { page_seconds } => Flow::Pages { pages: body::paginate(&lines(), body_h, pitch(&face), 0), page_seconds },
            Effect::ScrollUp { speed } => Flow::Scroll { lines: lines().lines, speed: speed * speed_scale },
            Effect::Marquee { speed } => {
                let plain: Vec<String> = paragraphs.iter().map(|p| p.trim_start_matches('\u{3000}').to_string()).collect();
                let line = HStrip::new(s.body.clone(), body::one_line(&plain, table), s.pitch(), BODY, BG);
                let (text, width) = (line.text().to_string(), line.width());
                strip = Some(Box::new(line));
                let row = mn.map(|m| {
                    let ms = MnStrip::new(m.font, &mn_paras, &s.body, BODY, BG);
                    let texts = ms.cjk_texts().map(|t| (0, t.to_string())).collect();
                    let line = ShapedLine { text: ms.text().to_string(), width: ms.width(), images: Vec::new(), texts };
                    let row = MnRow { line: Arc::new(line), band: ms.band(), advance: ms.band().height(), role: Role::Body };
                    mn_strip = Some(Box::new(ms));
                    row
                });
                // The Mongolian leads; two ideographic spaces, then the Chinese.
                let lead = row.as_ref().map_or(0, |r| r.line.width + 2 * s.body.px());
                Flow::Marquee { text, width: lead + width, speed: speed * speed_scale, mn: row, lead }
            }
        };
        let tops = match &kind {
            Flow::Scroll { lines, .. } => std::iter::once(0)
                .chain(lines.iter().scan(0, |y, l| {
                    *y += l.advance(pitch(&face));
                    Some(*y)
                }))
                .collect(),
            _ => Vec::new(),
        };
        let mut scene = PosterScene {
            style: Arc::clone(style),
            header,
            title,
            title_face,
            mn_title,
            head_h,
            tops,
            village,
            body: (s.margin as i32, body_y, body_w, body_h),
            kind,
            strip,
            mn_strip,
            face,
            qr,
            missing: Vec::new(),
            base: Mutex::new(None),
            id: Stamp::next_scene(),
            lines: LineCache::default(),
        };
        scene.missing = scene.find_missing();
        if let Some(m) = mn {
            let mut texts = scene.kind.mn_texts();
            texts.extend(scene.mn_title.as_ref().map(|t| t.line.text.as_str()));
            scene.missing.extend(texts.into_iter().flat_map(|t| m.font.missing(t)));
            scene.missing.sort_unstable();
            scene.missing.dedup();
        }
        scene
    }

    /// The idle screen: village, date and a large clock.
    pub fn idle(style: &Arc<PosterStyle>) -> PosterScene {
        let mut p = PosterScene::new(style, None, style.village.clone(), &[], None, None, None, Effect::Static { page_seconds: 10.0 });
        p.kind = Flow::Idle;
        p
    }

    fn find_missing(&self) -> Vec<char> {
        // Spaces are laid out, not drawn: a face without them draws no box.
        let covers: &dyn Fn(char) -> bool = &|c| c.is_whitespace() || self.face.covers(c);
        let mut texts: Vec<&str> = vec![&self.village];
        if let Some(h) = &self.header {
            texts.push(&h.label);
            texts.push(&h.title);
        }
        texts.extend(self.kind.texts());
        uncovered(texts.into_iter().map(|t| (t, covers)))
    }

    /// Draws the scene `elapsed` into its slot at local time `now`, with the ticker
    /// `ticker_elapsed` into its run when urgent items are in force.
    pub fn draw(&self, f: &mut Frame, elapsed: Duration, now: &Zoned, ticker: Option<(&Ticker, Duration)>) {
        let t = elapsed.as_secs_f64();
        let (page, pages) = self.kind.page_at(t);
        let secs = now.timestamp().as_second();
        let key = (page, if matches!(self.kind, Flow::Idle) { secs } else { secs.div_euclid(60) });
        let stamp = Stamp { scene: self.id, key: [page as i64, key.1, 0] };
        if (f.width(), f.height()) != (self.style.w, self.style.h) {
            // Not the screen's size (never from the engine): draw straight into it.
            self.draw_base(f, page, pages, now);
        } else {
            let mut base = self.base.lock().unwrap_or_else(|p| p.into_inner());
            let fresh = match base.as_mut() {
                Some((k, b)) if *k != key => {
                    self.draw_base(b, page, pages, now);
                    *k = key;
                    true
                }
                Some(_) => true,
                None => false,
            };
            if !fresh {
                let mut b = Frame::new(self.style.w, self.style.h);
                self.draw_base(&mut b, page, pages, now);
                *base = Some((key, b));
            }
            if let Some((_, b)) = base.as_ref() {
                // A frame holding this base (this scene's last frame, no ticker) needs only the marquee's rows.
                if matches!(self.kind, Flow::Marquee { .. }) && ticker.is_none() && f.stamp() == Some(stamp) {
                    self.restore_marquee_rows(f, b);
                } else {
                    self.copy_base(f, b);
                }
            }
        }
        let (bx, by, bw, bh) = self.body;
        match &self.kind {
            Flow::Scroll { lines, speed } => {
                // Line i spans tops[i]..tops[i + 1] below the first line's top (Mongolian lines
                // are as tall as their ink band, the others one pitch).
                let tops = &self.tops;
                let total = *tops.last().unwrap_or(&0) as i64;
                let pass = total + bh as i64;
                // Unlike the LED design, a slot opens with the first screenful in place (no
                // empty body while the text rises into view); one pass is still every line once.
                let off = ((t * speed).floor() as i64 + bh as i64) % pass.max(1);
                let y0 = by as i64 + bh as i64 - off;
                let (from, to) = ((by as i64 - y0).max(0), (by as i64 + bh as i64 - y0).max(0));
                let first = tops.partition_point(|&v| (v as i64) <= from).saturating_sub(1).min(lines.len());
                let last = tops.partition_point(|&v| (v as i64) < to).min(lines.len()).max(first);
                // Rows of the body no line covers (before the text enters, after it leaves).
                let cover0 = (y0 + tops[first] as i64).max(by as i64);
                let cover1 = (y0 + tops[last] as i64).min(by as i64 + bh as i64);
                let (x0, x1) = (bx as usize * 3, (bx as usize + bw as usize) * 3);
                let stride = self.style.w as usize * 3;
                let bg = [BG.r(), BG.g(), BG.b()];
                for y in (by as i64..by as i64 + bh as i64).filter(|&y| y < cover0 || y >= cover1) {
                    let row = &mut f.as_rgb_mut()[y as usize * stride..][x0..x1];
                    row.chunks_exact_mut(3).for_each(|p| p.copy_from_slice(&bg));
                }
                let render = |i: usize| {
                    let mut l = Frame::new(bw, tops[i + 1] - tops[i]);
                    l.fill(BG);
                    self.draw_line(&mut l, &lines[i], 0, 0);
                    l
                };
                self.lines.with_lines(first..last, render, |i, strip| {
                    let top = y0 + tops[i] as i64;
                    let h = (tops[i + 1] - tops[i]) as i64;
                    let skip = (by as i64 - top).max(0);
                    let rows = (h - skip).min(by as i64 + bh as i64 - top - skip);
                    if rows > 0 {
                        blit(f, bx, (top + skip) as i32, strip, 0, skip as u32, bw, rows as u32);
                    }
                });
            }
            Flow::Marquee { speed, width, mn, lead, .. } => {
                let pass = *width as i64 + bw as i64;
                let off = (t * speed).floor() as i64 % pass.max(1);
                let x = bx as i64 + bw as i64 - off;
                if let (Some(m), Some(ms)) = (mn, &self.mn_strip) {
                    // The Mongolian leads, centred on the body like the Chinese strip.
                    let top = by + (bh as i32 - m.band.height() as i32) / 2;
                    ms.draw(f, x, top, bx..bx + bw as i32);
                }
                if let Some(strip) = &self.strip {
                    let y = by + (bh as i32 - self.style.pitch() as i32) / 2;
                    strip.draw(f, x + *lead as i64, y, bx..bx + bw as i32);
                }
            }
            Flow::Pages { .. } | Flow::Idle | Flow::Off => {}
        }
        if let Some((tk, te)) = ticker {
            self.draw_ticker(f, tk, te);
        } else if matches!(self.kind, Flow::Marquee { .. }) && (f.width(), f.height()) == (self.style.w, self.style.h) {
            f.set_stamp(stamp);
        }
    }

    /// The rows the marquee strips draw on: the Chinese line's and the Mongolian band's.
    fn marquee_rows(&self) -> std::ops::Range<i32> {
        let (_, by, _, bh) = self.body;
        let mut r0 = by + (bh as i32 - self.style.pitch() as i32) / 2;
        let mut r1 = r0 + self.style.pitch() as i32;
        if let (Flow::Marquee { mn: Some(m), .. }, Some(_)) = (&self.kind, &self.mn_strip) {
            let top = by + (bh as i32 - m.band.height() as i32) / 2;
            (r0, r1) = (r0.min(top), r1.max(top + m.band.height() as i32));
        }
        r0.max(0)..r1.min(self.style.h as i32).max(0)
    }

    /// Puts back what `copy_base` gives in the marquee's rows, body columns (where the strips draw).
    fn restore_marquee_rows(&self, f: &mut Frame, b: &Frame) {
        let ((bx, by, bw, bh), stride, bg) = (self.body, self.style.w as usize * 3, [BG.r(), BG.g(), BG.b()]);
        let (x0, x1) = (bx.max(0) as usize * 3, ((bx as usize + bw as usize) * 3).min(stride));
        let (src, dst) = (b.as_rgb(), f.as_rgb_mut());
        for (y, row) in self.marquee_rows().map(|y| (y, y as usize * stride)) {
            let (s, d) = (&src[row + x0..row + x1], &mut dst[row + x0..row + x1]);
            if y >= by && y < by + bh as i32 { d.chunks_exact_mut(3).for_each(|p| p.copy_from_slice(&bg)) } else { d.copy_from_slice(s) }
        }
    }

    /// Copies the base frame, except the body rectangle of moving content, which is
    /// cleared instead (the strips cover it next): a third less memory traffic a frame.
    fn copy_base(&self, f: &mut Frame, b: &Frame) {
        if !matches!(self.kind, Flow::Scroll { .. } | Flow::Marquee { .. }) {
            f.as_rgb_mut().copy_from_slice(b.as_rgb());
            return;
        }
        let (bx, by, bw, bh) = self.body;
        let stride = self.style.w as usize * 3;
        let (x0, x1) = (bx as usize * 3, (bx as usize + bw as usize) * 3);
        let (y0, y1) = (by as usize, by as usize + bh as usize);
        let (src, dst) = (b.as_rgb(), f.as_rgb_mut());
        dst[..y0 * stride].copy_from_slice(&src[..y0 * stride]);
        dst[y1 * stride..].copy_from_slice(&src[y1 * stride..]);
        let bg = [BG.r(), BG.g(), BG.b()];
        for y in y0..y1 {
            let (s, d) = (&src[y * stride..(y + 1) * stride], &mut dst[y * stride..(y + 1) * stride]);
            d[..x0].copy_from_slice(&s[..x0]);
            d[x1..].copy_from_slice(&s[x1..]);
            if matches!(self.kind, Flow::Marquee { .. }) {
                // The marquee strip covers only its own rows; the rest of the body is background.
                d[x0..x1].chunks_exact_mut(3).for_each(|p| p.copy_from_slice(&bg));
            }
        }
    }

    /// A body line: spans at their x, text vertically centred in the pitch.
    fn draw_line(&self, f: &mut Frame, line: &Line, x: i32, y: i32) {
        let face = &self.face;
        if let Some(m) = &line.mn {
            // Its ink band, with the same space below as a Chinese line.
            m.line.draw(f, x, y, m.band, face, BODY);
            return;
        }
        let pitch = pitch(face) as i32;
        let dy = (pitch - face.line_height() as i32) / 2;
        // Table rows get a faint rule, so the eye can follow a row across a wide screen.
        if line.spans.len() > 1 {
            let t = (self.style.h / 540).max(1);
            f.fill_rect(x, y + pitch - t as i32, self.body.2, t, RULE);
        }
        for s in &line.spans {
            let color = if s.role == Role::Body { BODY } else { EMPH };
            face.draw_str(f, x + s.x, y + dy, &s.text, color);
        }
    }

    fn draw_base(&self, f: &mut Frame, page: usize, pages: usize, now: &Zoned) {
        let s = &*self.style;
        f.fill(BG);
        if let Flow::Idle = self.kind {
            self.draw_idle(f, now);
            return;
        }
        if let Some(h) = &self.header {
            self.draw_header(f, h);
        }
        let (bx, by, bw, bh) = self.body;
        if let Flow::Pages { pages: ps, .. } = &self.kind
            && let Some(lines) = ps.get(page)
        {
            let mut y = by;
            for l in lines {
                self.draw_line(f, l, bx, y);
                y += l.advance(pitch(&self.face)) as i32;
            }
        }
        if let Some(q) = &self.qr {
            let cap = "扫码查看详情";
            let cap_h = s.caption.line_height() * 3 / 2;
            let qx = (bx as u32 + bw + s.gap) as i32;
            let qy = by + (bh as i32 - q.height() as i32 - cap_h as i32) / 2;
            blit(f, qx, qy, q, 0, 0, q.width(), q.height());
            let cw = s.caption.measure(cap) as i32;
            s.caption.draw_str(f, qx + (q.width() as i32 - cw) / 2, qy + q.height() as i32 + (cap_h - s.caption.line_height()) as i32, cap, FOOT);
        }
        self.draw_footer(f, page, pages, now);
    }

    fn draw_header(&self, f: &mut Frame, h: &Header) {
        let s = &*self.style;
        let band = band_color(h.category, h.urgent);
        let head_h = self.head_h;
        f.fill_rect(0, 0, s.w, head_h, band);
        // A darker rule under the band separates it from the body.
        let dark = Rgb888::new(band.r() / 2, band.g() / 2, band.b() / 2);
        f.fill_rect(0, head_h as i32, s.w, s.rule_h, dark);
        // The label: white pill, text in the band colour.
        let lw = label_width(s, &h.label);
        let lh = s.label.line_height() + s.label.px() / 2;
        let ly = (head_h as i32 - lh as i32) / 2;
        f.fill_rect(s.margin as i32, ly, lw, lh, WHITE);
        s.label.draw_str(f, s.margin as i32 + (s.label.px() / 2) as i32, ly + (s.label.px() / 4) as i32, &h.label, band);
        let face = &s.titles[self.title_face];
        let tx = (s.margin + lw + s.gap / 2) as i32;
        let lead = face.line_height() * 5 / 4;
        let total = lead * self.title.len().max(1) as u32 - (lead - face.line_height());
        // The Mongolian title above the Chinese one, the pair centred in the band.
        let mn_h = self.mn_title.as_ref().map_or(0, |m| m.band.height() + s.gap / 4);
        let mut y = (head_h as i32 - total as i32 - mn_h as i32) / 2;
        if let Some(m) = &self.mn_title {
            m.line.draw(f, tx, y, m.band, face, WHITE);
            y += mn_h as i32;
        }
        for line in &self.title {
            face.draw_str(f, tx, y, line, WHITE);
            y += lead as i32;
        }
    }

    fn draw_footer(&self, f: &mut Frame, page: usize, pages: usize, now: &Zoned) {
        let s = &*self.style;
        let y = (s.h - s.foot_h) as i32;
        f.fill_rect(0, y, s.w, s.foot_h, FOOT_BG);
        let ty = y + (s.foot_h as i32 - s.foot.line_height() as i32) / 2;
        let face = &s.foot;
        face.draw_str(f, s.margin as i32, ty, &self.village, FOOT);
        let date = format!("{}年{}月{}日 {} {}", now.year(), now.month(), now.day(), weekday(now), now.strftime("%H:%M"));
        let dw = face.measure(&date) as i32;
        let mut right = s.w as i32 - s.margin as i32;
        if pages > 1 {
            let p = format!("第 {}/{} 页", page + 1, pages);
            right -= face.measure(&p) as i32;
            face.draw_str(f, right, ty, &p, WHITE);
            right -= s.gap as i32;
        }
        // The date is centred when there is room, else right-aligned before the page number.
        let center = (s.w as i32 - dw) / 2;
        let vw = face.measure(&self.village) as i32 + s.margin as i32 + s.gap as i32;
        let x = if center >= vw && center + dw <= right { center } else { right - dw };
        face.draw_str(f, x, ty, &date, FOOT);
    }

    fn draw_idle(&self, f: &mut Frame, now: &Zoned) {
        let s = &*self.style;
        let u = |v: u32| (v * s.h / 1080).max(1);
        let big = s.font.face(u(112));
        let clock = s.font.face(u(180));
        let date = format!("{}年{}月{}日  {}", now.year(), now.month(), now.day(), weekday(now));
        let time = now.strftime("%H:%M:%S").to_string();
        let rows: [(&Face, &str, Rgb888); 3] = [(&big, &self.village, WHITE), (&clock, &time, EMPH), (&s.titles[1], &date, FOOT)];
        let total: u32 = rows.iter().map(|(f, _, _)| f.line_height()).sum::<u32>() + 2 * s.gap;
        let mut y = (s.h as i32 - total as i32) / 2;
        for (face, text, color) in rows {
            let x = (s.w as i32 - face.measure(text) as i32) / 2;
            face.draw_str(f, x.max(0), y, text, color);
            y += (face.line_height() + s.gap) as i32;
        }
    }

    fn draw_ticker(&self, f: &mut Frame, tk: &Ticker, elapsed: Duration) {
        let s = &*self.style;
        let y = (s.h - s.foot_h - s.tick_h) as i32;
        f.fill_rect(0, y, s.w, s.tick_h, TICK_BG);
        let label = "紧急";
        let lw = s.tick.measure(label) + s.tick.px();
        f.fill_rect(0, y, s.margin + lw, s.tick_h, TICK_LABEL_BG);
        s.tick.draw_str(f, s.margin as i32 + (s.tick.px() / 2) as i32, y + (s.tick_h as i32 - s.tick.line_height() as i32) / 2, label, BLACK);
        let lane = (s.margin + lw + s.gap / 2) as i32..s.w as i32;
        let lane_w = (lane.end - lane.start) as i64;
        let pass = tk.strip.width() as i64 + lane_w;
        let off = (elapsed.as_secs_f64() * tk.speed).floor() as i64 % pass.max(1);
        tk.strip.draw(f, lane.end as i64 - off, y, lane);
    }
}

impl Design for PosterScene {
    fn flow(&self) -> &Flow {
        &self.kind
    }

    fn view(&self) -> View {
        let (_, _, bw, bh) = self.body;
        View { width: bw, height: bh, pitch: pitch(&self.face) }
    }

    /// The header band's label and title (the title may take two lines there).
    fn heading(&self) -> String {
        let mn = self.mn_title.as_ref().map(|m| format!("{}\n", m.line.text)).unwrap_or_default();
        self.header.as_ref().map(|h| format!("【{}】{mn}{}\n", h.label, self.title.concat())).unwrap_or_default()
    }

    fn village(&self) -> &str {
        &self.village
    }

    fn missing(&self) -> &[char] {
        &self.missing
    }

    fn draw(&self, f: &mut Frame, elapsed: Duration, now: &Zoned, ticker: Option<(&Ticker, Duration)>) {
        PosterScene::draw(self, f, elapsed, now, ticker);
    }
}

/// Whether the design's outline font draws `c`; spaces and control characters are not drawn.
pub(crate) fn covers(fonts: &FontLibrary) -> Box<dyn Fn(char) -> bool + '_> {
    let face = fonts.outline().map(|o| o.face(32));
    Box::new(move |c| c.is_control() || c.is_whitespace() || face.as_ref().is_none_or(|f| f.covers(c)))
}

fn pitch(face: &Face) -> u32 {
    face.line_height() * 3 / 2
}

fn label_width(s: &PosterStyle, label: &str) -> u32 {
    s.label.measure(label) + s.label.px()
}

fn weekday(now: &Zoned) -> &'static str {
    ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"][now.weekday().to_monday_zero_offset() as usize]
}

#[cfg(test)]
mod tests;
