//! Sink `terminal`: draws the live screen with Unicode half blocks and 24-bit colour.
//!
//! Terminals without 24-bit colour (the Linux console, older PuTTY) get the nearest of the
//! xterm 256 colours or of the 16 ANSI colours, as `COLORTERM` and `TERM` say.
//! Each text row shows two pixel rows: '▀' with the top pixel as foreground
//! and the bottom pixel as background. Unchanged text rows are not rewritten,
//! so a static page costs a few bytes a frame and nothing flickers.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Arc;

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use crate::render::Frame;
use crate::tomlread::Table;

use super::runner::next;
use super::{Claim, Output, ParseContext, Resource, Sharing, Sink, SinkConfig, SinkLoop, SinkRun, SinkStatus};

/// `type = "terminal"`: the live screen in the terminal yiping runs in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TerminalConfig;

pub(crate) fn parse(_s: &mut Table<'_, '_>, _cx: &ParseContext<'_>) -> Option<SinkConfig> {
    Some(SinkConfig::new(TerminalConfig))
}

impl Sink for TerminalConfig {
    fn kind(&self) -> &'static str {
        "terminal"
    }

    fn claims(&self) -> Vec<Claim> {
        vec![Claim { resource: Resource::Terminal, sharing: Sharing::Shared }]
    }

    fn start(&self, _screen: &str, _first: &Output) -> std::io::Result<SinkLoop> {
        Ok(Box::new(|r: SinkRun| terminal_loop(&r.screen, r.rx, &r.status, &r.cancel, &r.handle)))
    }
}

/// Dark pixels are drawn in this grey so the LED grid stays visible.
const DIM: [u8; 3] = [40, 40, 40];
/// A pixel whose brightest channel is below this counts as dark.
const DARK_BELOW: u8 = 24;

/// A cell half: a colour, or `None` for the terminal's default background
/// (below the last pixel row of an odd-height frame).
type Half = Option<[u8; 3]>;

/// How many colours the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Colours {
    /// 24-bit (`COLORTERM=truecolor` or `24bit`).
    True,
    /// The xterm 256-colour palette (`TERM=xterm-256color` and the like).
    Xterm256,
    /// The 16 ANSI colours (the Linux console, `TERM=linux`, `vt100`, ...).
    Ansi16,
}

/// The 16 ANSI colours as xterm shows them by default.
const ANSI16: [[u8; 3]; 16] = [
    [0, 0, 0],
    [205, 0, 0],
    [0, 205, 0],
    [205, 205, 0],
    [0, 0, 238],
    [205, 0, 205],
    [0, 205, 205],
    [229, 229, 229],
    [127, 127, 127],
    [255, 0, 0],
    [0, 255, 0],
    [255, 255, 0],
    [92, 92, 255],
    [255, 0, 255],
    [0, 255, 255],
    [255, 255, 255],
];

fn distance(a: [u8; 3], b: [u8; 3]) -> u32 {
    a.iter().zip(b).map(|(&x, y)| (i32::from(x) - i32::from(y)).pow(2) as u32).sum()
}

impl Colours {
    /// What the environment says the terminal supports (`COLORTERM`, then `TERM`).
    pub(crate) fn detect(colorterm: Option<&str>, term: Option<&str>) -> Colours {
        if colorterm.is_some_and(|c| c.eq_ignore_ascii_case("truecolor") || c.eq_ignore_ascii_case("24bit")) {
            Colours::True
        } else if term.is_some_and(|t| t.contains("256") || t.contains("direct")) {
            Colours::Xterm256
        } else {
            Colours::Ansi16
        }
    }

    /// The SGR parameters (between `ESC[` and `m`) for `c` as foreground or background.
    fn sgr(self, c: [u8; 3], background: bool) -> String {
        let [r, g, b] = c;
        match self {
            Colours::True => format!("{};2;{r};{g};{b}", if background { 48 } else { 38 }),
            Colours::Xterm256 => format!("{};5;{}", if background { 48 } else { 38 }, xterm256(c)),
            Colours::Ansi16 => {
                let i = (0..16u8).min_by_key(|&i| distance(c, ANSI16[usize::from(i)])).unwrap_or(0);
                let base = if background { 40 } else { 30 };
                (if i < 8 { base + i } else { base + 60 + i - 8 }).to_string()
            }
        }
    }
}

/// The nearest xterm colour: the 6x6x6 cube (16..=231) or the grey ramp (232..=255).
fn xterm256(c: [u8; 3]) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let step = |v: u8| LEVELS.iter().enumerate().min_by_key(|&(_, &l)| (i32::from(v) - i32::from(l)).abs()).map_or(0, |(i, _)| i as u8);
    let (r, g, b) = (step(c[0]), step(c[1]), step(c[2]));
    let cube = [LEVELS[usize::from(r)], LEVELS[usize::from(g)], LEVELS[usize::from(b)]];
    let mean = (u32::from(c[0]) + u32::from(c[1]) + u32::from(c[2])) / 3;
    let grey_step = (mean.saturating_sub(3) / 10).min(23) as u8;
    let grey = 8 + 10 * grey_step;
    if distance(c, [grey; 3]) < distance(c, cube) { 232 + grey_step } else { 16 + 36 * r + 6 * g + b }
}

/// The SGR parameters of the colours already met, so a frame's escapes are not formatted anew.
struct Escapes {
    colours: Colours,
    known: Vec<([u8; 3], bool, String)>,
}

/// Colours remembered at most (an LED screen has two or three; an HD picture's last slot is reused).
const KNOWN_COLOURS: usize = 64;

impl Escapes {
    fn sgr(&mut self, c: [u8; 3], background: bool) -> &str {
        let i = match self.known.iter().position(|(k, b, _)| *k == c && *b == background) {
            Some(i) => i,
            None => {
                let e = (c, background, self.colours.sgr(c, background));
                if self.known.len() < KNOWN_COLOURS {
                    self.known.push(e);
                } else {
                    self.known[KNOWN_COLOURS - 1] = e;
                }
                self.known.len() - 1
            }
        };
        &self.known[i].2
    }
}

/// Paints frames as escape sequences, remembering what is already on screen.
pub(crate) struct TerminalPainter {
    cols: u16,
    escapes: Escapes,
    /// Text rows as last written (without the cursor positioning).
    rows: Vec<String>,
    /// The frame those rows show: pixel rows that did not change are not looked at again.
    last: Option<Frame>,
    /// Reused for each row: its pixels, and the cells of its top and bottom halves.
    scratch: (Vec<Rgb888>, Vec<Half>, Vec<Half>),
    status: Option<String>,
    /// The status as given, before fitting: the same text is not fitted again each frame.
    status_given: String,
    /// The downscale factor the note line last announced (1 = none).
    announced: Option<u32>,
}

impl TerminalPainter {
    /// A painter for a terminal `cols` columns wide (at least 1 is assumed), 24-bit colour.
    #[cfg(test)]
    pub(crate) fn new(cols: u16) -> TerminalPainter {
        TerminalPainter::with_colours(cols, Colours::True)
    }

    /// A painter for a terminal with fewer colours than 24-bit.
    pub(crate) fn with_colours(cols: u16, colours: Colours) -> TerminalPainter {
        let escapes = Escapes { colours, known: Vec::new() };
        TerminalPainter {
            cols: cols.max(1),
            escapes,
            rows: Vec::new(),
            last: None,
            scratch: Default::default(),
            status: None,
            status_given: String::new(),
            announced: None,
        }
    }

    /// The terminal is `cols` wide: when that changed, the next `paint` redraws everything.
    pub(crate) fn resize(&mut self, cols: u16) {
        if cols.max(1) != self.cols {
            *self = TerminalPainter::with_colours(cols, self.escapes.colours);
        }
    }

    /// The escape sequence that repaints the terminal so it shows `frame`
    /// with `status` (truncated to the width) on the line below it.
    ///
    /// Only text rows that changed since the previous call are rewritten. A
    /// frame wider than the terminal is squeezed horizontally by the smallest
    /// integer factor that fits (a column is lit if any of its source pixels
    /// is; it takes the brightest one's colour), and a note line under the
    /// status says so whenever that factor changes.
    pub(crate) fn paint(&mut self, frame: &Frame, status: &str) -> String {
        let cols = u32::from(self.cols);
        let factor = frame.width().div_ceil(cols).max(1);
        let out_w = frame.width().div_ceil(factor);
        let text_rows = frame.height().div_ceil(2) as usize;
        let mut out = String::from("\x1b[H");
        let reshaped = self.rows.len() != text_rows;
        if reshaped {
            self.rows.clear();
            self.status = None;
            self.announced = None;
        }
        let last = self.last.as_ref().filter(|_| !reshaped);
        let (px, top, bottom) = &mut self.scratch;
        for r in 0..text_rows {
            let y = r as u32 * 2;
            if r < self.rows.len() && last.is_some_and(|l| l.same_rows(frame, y..y + 2)) {
                continue;
            }
            row_cells(frame, y, factor, px, top);
            row_cells(frame, y + 1, factor, px, bottom);
            let cells = top.iter().zip(bottom.iter().chain(std::iter::repeat(&None))).map(|(t, b)| (t.unwrap_or(DIM), *b));
            let line = render_row(cells, out_w < cols, &mut self.escapes);
            if self.rows.get(r) != Some(&line) {
                let _ = write!(out, "\x1b[{};1H{line}", r + 1);
                if r < self.rows.len() {
                    self.rows[r] = line;
                } else {
                    self.rows.push(line);
                }
            }
        }
        match &mut self.last {
            Some(l) if l.width() == frame.width() && l.height() == frame.height() && l.format() == frame.format() => l.copy_from(frame),
            l => *l = Some(frame.clone()),
        }
        if self.status.is_none() || self.status_given != status {
            let status_line = fit(status, self.cols as usize);
            if self.status.as_deref() != Some(status_line.as_str()) {
                let _ = write!(out, "\x1b[{};1H{status_line}{}", text_rows + 1, self.erase_after(&status_line));
                self.status = Some(status_line);
            }
            status.clone_into(&mut self.status_given);
        }
        if self.announced != Some(factor) {
            let note = if factor > 1 {
                format!("screen {}x{} scaled 1/{factor} horizontally to fit {cols} columns", frame.width(), frame.height())
            } else {
                String::new()
            };
            let note = fit(&note, self.cols as usize);
            let _ = write!(out, "\x1b[{};1H{note}{}", text_rows + 2, self.erase_after(&note));
            if reshaped {
                out.push_str("\x1b[J"); // a taller frame before this one left rows below
            }
            self.announced = Some(factor);
        }
        out
    }

    /// Erase-to-end-of-line after a line shorter than the terminal. Not after
    /// a full-width one: the cursor then sits on the last column and would
    /// erase it.
    fn erase_after(&self, line: &str) -> &'static str {
        if width(line) < self.cols as usize { "\x1b[K" } else { "" }
    }

    /// Hides the cursor and clears the screen once.
    pub(crate) fn enter() -> &'static str {
        "\x1b[?25l\x1b[2J\x1b[H"
    }

    /// Resets colours, moves the cursor below the picture, its status and its note (so the
    /// shell's prompt does not land inside the picture after Ctrl-C) and shows it again.
    pub(crate) fn leave(&self) -> String {
        format!("\x1b[0m\x1b[{};1H\x1b[J\x1b[?25h", self.rows.len() + 3)
    }
}

/// Pixel row `y` as screen columns, into `out`: column `x` (source columns `x * factor ..`)
/// is the brightest source pixel, dark ones as `DIM`; empty below the frame.
fn row_cells(frame: &Frame, y: u32, factor: u32, px: &mut Vec<Rgb888>, out: &mut Vec<Half>) {
    frame.row_colours(y, px);
    out.clear();
    out.extend(px.chunks(factor as usize).map(|group| {
        let brightest = group.iter().max_by_key(|p| p.r().max(p.g()).max(p.b()))?;
        let c = [brightest.r(), brightest.g(), brightest.b()];
        Some(if c.iter().all(|&v| v < DARK_BELOW) { DIM } else { c })
    }));
}

/// One text row: colour escapes only where the colours change, then a reset
/// and, if `erase`, erase-to-end-of-line (in case the previous frame was wider).
fn render_row(cells: impl Iterator<Item = ([u8; 3], Half)>, erase: bool, colours: &mut Escapes) -> String {
    // A half block is 3 bytes; colour changes add escapes.
    let mut s = String::with_capacity(cells.size_hint().0 * 4 + 16);
    let (mut fg, mut bg): (Option<[u8; 3]>, Option<Half>) = (None, None);
    for (top, bottom) in cells {
        if Some(top) == bottom {
            // One colour: either a space on the background or a full block.
            if bg == Some(bottom) {
                s.push(' ');
            } else if fg == Some(top) {
                s.push('█');
            } else {
                push_bg(&mut s, bottom, colours);
                bg = Some(bottom);
                s.push(' ');
            }
            continue;
        }
        match (fg != Some(top), bg != Some(bottom)) {
            (true, true) => {
                let _ = write!(s, "\x1b[{}", colours.sgr(top, false));
                match bottom {
                    Some(b) => {
                        let _ = write!(s, ";{}m", colours.sgr(b, true));
                    }
                    None => s.push_str(";49m"),
                }
            }
            (true, false) => {
                let _ = write!(s, "\x1b[{}m", colours.sgr(top, false));
            }
            (false, true) => push_bg(&mut s, bottom, colours),
            (false, false) => {}
        }
        (fg, bg) = (Some(top), Some(bottom));
        s.push('▀');
    }
    s.push_str(if erase { "\x1b[0m\x1b[K" } else { "\x1b[0m" });
    s
}

fn push_bg(s: &mut String, c: Half, colours: &mut Escapes) {
    match c {
        Some(b) => {
            let _ = write!(s, "\x1b[{}m", colours.sgr(b, true));
        }
        None => s.push_str("\x1b[49m"),
    }
}

/// `text` without control characters, cut to `cols` terminal columns
/// (CJK and fullwidth characters take two).
fn fit(text: &str, cols: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        let w = width(c.encode_utf8(&mut [0; 4]));
        if used + w > cols {
            break;
        }
        used += w;
        out.push(c);
    }
    out
}

fn width(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF | 0x20000..=0x3FFFD)
}

/// The frame as half blocks without colour (lit = `is_lit`): '▀' top only,
/// '▄' bottom only, '█' both, ' ' neither; one line a text row.
#[cfg(test)]
pub(crate) fn plain_text(frame: &Frame) -> String {
    let mut s = String::new();
    for y in (0..frame.height()).step_by(2) {
        for x in 0..frame.width() {
            let top = frame.is_lit(x, y);
            let bottom = y + 1 < frame.height() && frame.is_lit(x, y + 1);
            s.push(match (top, bottom) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        s.push('\n');
    }
    s
}

fn terminal_cols() -> u16 {
    // SAFETY: TIOCGWINSZ fills a winsize struct we own; failure leaves it zeroed.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    if ok && ws.ws_col > 0 {
        return ws.ws_col;
    }
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(200)
}

fn terminal_loop(screen: &str, mut rx: watch::Receiver<Arc<Output>>, status: &SinkStatus, cancel: &CancellationToken, handle: &Handle) {
    let colours = Colours::detect(std::env::var("COLORTERM").ok().as_deref(), std::env::var("TERM").ok().as_deref());
    info!(screen, sink = "terminal", ?colours, "terminal colours");
    let mut painter = TerminalPainter::with_colours(terminal_cols(), colours);
    let mut out = std::io::stdout();
    let _ = out.write_all(TerminalPainter::enter().as_bytes());
    let mut polls = 0u32;
    while let Some(o) = next(&mut rx, cancel, handle) {
        polls += 1;
        if polls.is_multiple_of(32) {
            painter.resize(terminal_cols());
        }
        let s = painter.paint(&o.frame, &o.caption);
        if let Err(e) = out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
            status.failed(&e);
            error!(screen, sink = "terminal", error = %e, "terminal write failed; sink stopped");
            return;
        }
        status.wrote();
    }
    let _ = out.write_all(painter.leave().as_bytes());
    let _ = out.flush();
    info!(screen, sink = "terminal", "stopped");
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::pixelcolor::Rgb888;

    fn tiny() -> Frame {
        // #.#.
        // ##..
        // .#..
        let mut f = Frame::new(4, 3);
        for (x, y) in [(0, 0), (2, 0), (0, 1), (1, 1), (1, 2)] {
            f.set(x, y, Rgb888::RED);
        }
        f
    }

    #[test]
    fn leaving_puts_the_cursor_below_the_picture_and_shows_it() {
        let mut p = TerminalPainter::new(20);
        let _ = p.paint(&tiny(), "门口");
        // 3 pixel rows are 2 text rows; the status and the note lines follow: the prompt goes to row 5.
        assert_eq!(p.leave(), "\x1b[0m\x1b[5;1H\x1b[J\x1b[?25h");
    }

    #[test]
    fn plain_text_uses_half_blocks() {
        assert_eq!(plain_text(&tiny()), "█▄▀ \n ▀  \n");
    }

    #[test]
    fn second_paint_of_same_frame_is_tiny() {
        let mut p = TerminalPainter::new(80);
        let mut f = Frame::new(64, 16);
        f.fill_rect(3, 3, 20, 5, Rgb888::RED);
        let first = p.paint(&f, "slot 1 · item 42 · 08:00");
        assert!(first.contains(";2;255;0;0m"), "red drawn: {first:?}");
        assert!(first.contains("\x1b[48;2;40;40;40m"), "dark pixels are dim grey");
        assert!(first.contains("slot 1 · item 42 · 08:00"));
        assert!(!first.contains("\x1b[2J"), "no full clear while painting");
        let second = p.paint(&f, "slot 1 · item 42 · 08:00");
        assert!(second.len() < 16 && second.len() * 20 < first.len(), "{second:?}");
        // Changing one pixel rewrites one text row only.
        f.set(40, 9, Rgb888::GREEN);
        let third = p.paint(&f, "slot 1 · item 42 · 08:00");
        assert!(third.starts_with("\x1b[H\x1b[5;1H") && third.matches(";1H").count() == 1, "{third:?}");
    }

    #[test]
    fn only_pixel_rows_that_changed_are_looked_at_and_the_same_width_keeps_the_picture() {
        let mut p = TerminalPainter::with_colours(80, Colours::Ansi16);
        let mut f = Frame::for_screen(64, 16, crate::render::ColorMode::Mono, Rgb888::RED);
        f.fill_rect(0, 0, 64, 16, Rgb888::RED);
        let first = p.paint(&f, "s");
        assert_eq!(first.matches(";1H").count(), 8 + 2, "8 text rows, the status and the note: {first:?}");
        p.resize(80);
        assert_eq!(p.paint(&f, "s"), "\x1b[H", "same width: nothing repainted");
        // A packed frame changed in pixel row 13 rewrites text row 7 only.
        f.fill_rect(5, 13, 1, 1, Rgb888::BLACK);
        let out = p.paint(&f, "s");
        assert!(out.starts_with("\x1b[H\x1b[7;1H") && out.matches(";1H").count() == 1, "{out:?}");
        p.resize(100);
        assert_eq!(p.paint(&f, "s").matches(";1H").count(), 8 + 2, "a new width repaints everything");
    }

    #[test]
    fn runs_share_colour_escapes() {
        let mut f = Frame::new(30, 2);
        f.fill_rect(0, 0, 30, 1, Rgb888::YELLOW);
        let out = TerminalPainter::new(80).paint(&f, "");
        assert_eq!(out.matches("\x1b[38;2;").count(), 1, "{out:?}");
        assert_eq!(out.matches('▀').count(), 30);
    }

    #[test]
    fn wide_frame_is_scaled_and_status_says_so() {
        let mut f = Frame::new(192, 4);
        f.set(191, 0, Rgb888::RED); // only the last source column is lit
        let mut p = TerminalPainter::new(80);
        let out = p.paint(&f, "a very long status line that does not fit into twenty columns");
        // 192 / 80 -> factor 3 -> 64 columns; the last one is lit.
        assert!(out.contains("scaled 1/3 horizontally"), "{out:?}");
        let first_row = out.split("\x1b[1;1H").nth(1).unwrap().split("\x1b[0m").next().unwrap();
        assert_eq!(first_row.matches(['▀', ' ', '█']).count(), 64, "{first_row:?}");
        assert!(first_row.ends_with("\x1b[38;2;255;0;0m▀"), "{first_row:?}");
        // Said once: the next paint does not repeat the note.
        assert!(!p.paint(&f, "x").contains("scaled"));
        // 160 / 80 -> factor 2 -> exactly 80 columns: no erase after the row.
        let full = TerminalPainter::new(80).paint(&Frame::new(160, 2), "");
        assert!(full.contains("\x1b[1;1H") && !full.contains("\x1b[0m\x1b[K"), "{full:?}");
        let mut narrow = TerminalPainter::new(20);
        let out = narrow.paint(&Frame::new(10, 2), "状态：第一屏 slot 1 item 42");
        assert!(out.contains("\x1b[2;1H状态：第一屏 slot 1 \x1b[3;1H"), "{out:?}");
        assert!(!out.contains("scaled"));
    }

    #[test]
    fn terminals_without_24_bit_colour_get_the_nearest_palette_colour() {
        assert_eq!(Colours::detect(Some("truecolor"), Some("xterm")), Colours::True);
        assert_eq!(Colours::detect(Some("24bit"), None), Colours::True);
        assert_eq!(Colours::detect(None, Some("xterm-256color")), Colours::Xterm256);
        assert_eq!(Colours::detect(None, Some("linux")), Colours::Ansi16);
        assert_eq!(Colours::detect(None, None), Colours::Ansi16);
        assert_eq!(xterm256([255, 0, 0]), 196);
        assert_eq!(xterm256([0, 255, 0]), 46);
        assert_eq!(xterm256(DIM), 235);
        assert_eq!(xterm256([255, 255, 255]), 231);
        assert_eq!(Colours::Ansi16.sgr([255, 0, 0], false), "91");
        assert_eq!(Colours::Ansi16.sgr([0, 200, 0], true), "42");
        assert_eq!(Colours::Ansi16.sgr(DIM, true), "40");
        let mut f = Frame::new(2, 2);
        f.set(0, 0, Rgb888::new(255, 0, 0));
        let out = TerminalPainter::with_colours(80, Colours::Xterm256).paint(&f, "");
        assert!(out.contains("\x1b[38;5;196;48;5;235m▀"), "{out:?}");
        assert!(!out.contains(";2;"), "no 24-bit escapes: {out:?}");
        let out = TerminalPainter::with_colours(80, Colours::Ansi16).paint(&f, "");
        assert!(out.contains("\x1b[91;40m▀"), "{out:?}");
    }
}
