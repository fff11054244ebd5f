//! Lays out an item's body (paragraphs and table) into lines for a given width.
//!
//! Tables become a grid when every column fits, and otherwise one record per
//! row ("列名：值" lines), so nothing is cut off on a narrow LED screen. A
//! bilingual item's Mongolian lines (`MnRow`, already shaped and composed)
//! come first, each as tall as its ink; pages are filled by height, so the
//! page and duration arithmetic counts both texts.

use std::sync::Arc;

use crate::item::{Align, Table};

use super::font::Metrics;
use super::linebreak::break_lines;
use super::mongol::{Band, ShapedLine};
use super::theme::Role;

/// A run of text at a horizontal position within a line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    pub x: i32,
    pub text: String,
    pub role: Role,
}

/// One line of the body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub spans: Vec<Span>,
    /// A table data row in grid mode: pages starting with it repeat the column headings.
    pub grid_row: bool,
    /// A Mongolian line: drawn from its composed images (and `spans` is empty).
    pub mn: Option<MnRow>,
}

/// A Mongolian line in a body: shaped and composed at layout, drawn by copying.
#[derive(Debug, Clone)]
pub(crate) struct MnRow {
    pub line: Arc<ShapedLine>,
    /// The ink band all Mongolian lines of the scene share.
    pub band: Band,
    /// Distance to the next line's top, px (the design's spacing included).
    pub advance: u32,
    pub role: Role,
}

impl PartialEq for MnRow {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.line, &other.line) && self.band == other.band && self.advance == other.advance && self.role == other.role
    }
}

impl Line {
    pub(crate) fn text(text: impl Into<String>, role: Role) -> Line {
        Line { spans: vec![Span { x: 0, text: text.into(), role }], grid_row: false, mn: None }
    }

    /// A Mongolian line.
    pub(crate) fn mongolian(row: MnRow) -> Line {
        Line { spans: Vec::new(), grid_row: false, mn: Some(row) }
    }

    /// The line's text, cells separated by two spaces (for `--text` and tests); a
    /// Mongolian line's text in logical order.
    pub(crate) fn plain(&self) -> String {
        match &self.mn {
            Some(m) => m.line.text.clone(),
            None => self.spans.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("  "),
        }
    }

    /// Distance from this line's top to the next one's: `pitch` for text in the body font.
    pub(crate) fn advance(&self, pitch: u32) -> u32 {
        self.mn.as_ref().map_or(pitch, |m| m.advance)
    }

    /// Text the CJK fonts draw on this line (a Mongolian line's digits, Latin, hanzi).
    pub(crate) fn cjk_texts(&self) -> Vec<&str> {
        match &self.mn {
            Some(m) => m.line.texts.iter().map(|(_, t)| t.as_str()).collect(),
            None => self.spans.iter().map(|s| s.text.as_str()).collect(),
        }
    }
}

/// The gap between table columns: a full-width space (the line height), so `3` and
/// `1,260.00` in adjacent columns never read as `31,260.00` (issue 12).
fn column_gap(font: &impl Metrics) -> u32 {
    font.height()
}

/// The body as lines, plus the table heading to repeat on continued pages.
#[derive(Debug, Clone, Default)]
pub(crate) struct Body {
    pub lines: Vec<Line>,
    /// The heading of a table laid out as a grid (the poster design tries a smaller type without one).
    pub grid_heading: Option<Line>,
    /// The heading repeated on every continued page: the grid's, or the one line over
    /// compact rows (first cell left, amounts right).
    pub heading: Option<Line>,
}

/// Wraps text to `width`, one `Line` per screen line.
pub(crate) fn wrap(text: &str, width: u32, font: &impl Metrics, role: Role) -> Vec<Line> {
    break_lines(text, width, |c| font.advance(c)).into_iter().map(|r| Line::text(&text[r], role)).collect()
}

/// Paragraphs then the table.
pub(crate) fn layout_body(paragraphs: &[String], table: Option<&Table>, width: u32, font: &impl Metrics) -> Body {
    let mut body = Body::default();
    for p in paragraphs {
        body.lines.extend(wrap(p, width, font, Role::Body));
    }
    if let Some(t) = table {
        match grid(t, width, font) {
            Some((heading, rows)) => {
                body.lines.push(heading.clone());
                body.lines.extend(rows);
                body.grid_heading = Some(heading.clone());
                body.heading = Some(heading);
            }
            None => {
                let (heading, lines) = records(t, width, font);
                body.lines.extend(lines);
                body.heading = heading;
            }
        }
    }
    body
}

/// Column widths sized to content; `None` when the table is wider than the screen.
fn grid(t: &Table, width: u32, font: &impl Metrics) -> Option<(Line, Vec<Line>)> {
    let gap = column_gap(font);
    let cols = t.columns.len();
    let mut widths: Vec<u32> = t.columns.iter().map(|c| font.measure(c)).collect();
    for r in &t.rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(font.measure(c));
        }
    }
    let total: u32 = widths.iter().sum::<u32>() + gap * (cols as u32).saturating_sub(1);
    if total > width {
        return None;
    }
    // Spread spare room between columns so right-aligned amounts sit at the right edge.
    let spare = width - total;
    let extra = if cols > 1 { spare / (cols as u32 - 1) } else { 0 };
    let mut lefts = Vec::with_capacity(cols);
    let mut x = 0;
    for w in &widths {
        lefts.push(x);
        x += w + gap + extra;
    }
    let place = |cells: &[String], role: Role| -> Line {
        let spans = cells
            .iter()
            .enumerate()
            .take(cols)
            .map(|(i, c)| {
                let w = font.measure(c);
                let off = match t.align_of(i) {
                    Align::Left => 0,
                    Align::Right => widths[i] - w,
                    Align::Center => (widths[i] - w) / 2,
                };
                Span { x: (lefts[i] + off) as i32, text: c.clone(), role }
            })
            .collect();
        Line { spans, grid_row: role == Role::Body, mn: None }
    };
    let heading = place(&t.columns, Role::Emph);
    let rows = t.rows.iter().map(|r| place(r, Role::Body)).collect();
    Some((heading, rows))
}

/// A table too wide for a grid. When each row still fits on one line, one line per row
/// (first cell left, the rest packed to the right, so amounts line up on the right edge)
/// under a heading line; otherwise one record per row: the first cell as a heading,
/// then "列名：值" lines for the others. Gives the heading line to repeat on continued
/// pages when rows are lines.
fn records(t: &Table, width: u32, font: &impl Metrics) -> (Option<Line>, Vec<Line>) {
    let gap = column_gap(font);
    let row_line = |cells: &[String], role: Role| -> Option<Line> {
        let total: u32 = cells.iter().map(|c| font.measure(c)).sum::<u32>() + gap * (cells.len() as u32).saturating_sub(1);
        if total > width {
            return None;
        }
        let mut spans = Vec::new();
        let mut x = width as i32;
        for (i, c) in cells.iter().enumerate().rev() {
            if i == 0 {
                spans.push(Span { x: 0, text: c.clone(), role: if role == Role::Body { Role::Emph } else { role } });
            } else {
                x -= font.measure(c) as i32;
                spans.push(Span { x, text: c.clone(), role });
                x -= gap as i32;
            }
        }
        spans.reverse();
        Some(Line { spans, grid_row: role == Role::Body, mn: None })
    };
    let compact: Option<Vec<Line>> = t.rows.iter().map(|r| row_line(r, Role::Body)).collect();
    if let Some(rows) = compact {
        return match row_line(&t.columns, Role::Emph) {
            Some(h) => (Some(h.clone()), std::iter::once(h).chain(rows).collect()),
            // A heading that needs several lines is shown once, not on every page.
            None => (None, wrap(&t.columns.join("／"), width, font, Role::Emph).into_iter().chain(rows).collect()),
        };
    }
    let mut out = Vec::new();
    for r in &t.rows {
        let mut cells = t.columns.iter().zip(r.iter());
        if let Some((_, v)) = cells.next() {
            out.extend(wrap(v, width, font, Role::Emph));
        }
        for (c, v) in cells {
            out.extend(wrap(&format!("{c}：{v}"), width, font, Role::Body));
        }
    }
    (None, out)
}

/// Splits lines into pages `room` px high, repeating the grid heading on pages that continue
/// a table. Lines of body text advance `pitch`, Mongolian lines their own `advance`; a page
/// holds lines while their advances add up to at most `room + slack` (`slack`: the spacing
/// after a page's last line that need not fit). So text-only pages hold
/// `(room + slack) / pitch` lines, and both texts of a bilingual item count.
pub(crate) fn paginate(body: &Body, room: u32, pitch: u32, slack: u32) -> Vec<Vec<Line>> {
    let cap = room + slack;
    let rows = (cap / pitch.max(1)) as usize;
    let mut pages: Vec<Vec<Line>> = Vec::new();
    let mut cur: Vec<Line> = Vec::new();
    let mut used = 0;
    for line in &body.lines {
        // A table heading never ends a page: it moves to the next with its rows.
        let heading = body.heading.as_ref() == Some(line);
        let adv = line.advance(pitch);
        if !cur.is_empty() && (used + adv > cap || (heading && used + adv + pitch > cap && rows > 1)) {
            pages.push(std::mem::take(&mut cur));
            used = 0;
        }
        // Repeat the heading on every continued page that has room for it and a row.
        if cur.is_empty()
            && line.grid_row
            && rows >= 2
            && let Some(h) = &body.heading
        {
            cur.push(h.clone());
            used += h.advance(pitch);
        }
        cur.push(line.clone());
        used += adv;
    }
    if !cur.is_empty() || pages.is_empty() {
        pages.push(cur);
    }
    pages
}

/// The whole body on one line, for marquees: paragraphs, then table rows as "cell cell；".
pub(crate) fn one_line(paragraphs: &[String], table: Option<&Table>) -> String {
    let mut parts: Vec<String> = paragraphs.iter().map(|p| p.replace('\n', " ")).collect();
    if let Some(t) = table {
        let rows: Vec<String> = t.rows.iter().map(|r| r.join(" ")).collect();
        parts.push(format!("{}：{}。", t.columns.join("/"), rows.join("；")));
    }
    parts.join("　")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Frame;
    use embedded_graphics::pixelcolor::Rgb888;

    /// 12 px type: hanzi 12 wide, everything else 6.
    struct Cells;

    impl Metrics for Cells {
        fn advance(&self, c: char) -> u32 {
            if c.is_ascii() { 6 } else { 12 }
        }
        fn height(&self) -> u32 {
            12
        }
        fn draw_char(&self, _: &mut Frame, _: char, _: i32, _: i32, _: Rgb888) {}
    }

    fn dibao(rows: usize) -> Table {
        let rows = (0..rows).map(|i| vec![format!("户主{i}"), "3".to_string(), "1,260.00".to_string()]).collect();
        Table { columns: vec!["户主".into(), "人".into(), "月发放".into()], align: Vec::new(), rows }
    }

    fn texts(l: &Line) -> Vec<&str> {
        l.spans.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn a_small_screens_table_repeats_its_headings_on_every_page_and_keeps_numbers_apart() {
        // 192 px wide, room for 3 lines of 12 px with 1 px spacing: the 低保 list of issue 12.
        for width in [192, 110] {
            let body = layout_body(&[], Some(&dibao(7)), width, &Cells);
            let pages = paginate(&body, 38, 13, 1);
            assert!(pages.len() >= 3, "{width}: {} page(s)", pages.len());
            for (n, p) in pages.iter().enumerate() {
                assert_eq!(texts(&p[0]), ["户主", "人", "月发放"], "{width}: page {} starts without the headings", n + 1);
                assert!(p.len() >= 2, "{width}: page {} has no row", n + 1);
            }
            // Between the count and the amount: at least a full-width space (12 px).
            for p in &pages {
                for l in &p[1..] {
                    let (n, amount) = (&l.spans[1], &l.spans[2]);
                    let gap = amount.x - (n.x + Cells.measure(&n.text) as i32);
                    assert!(gap >= 12, "{width}: {:?} and {:?} only {gap} px apart", n.text, amount.text);
                }
            }
        }
    }
}
