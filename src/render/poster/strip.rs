//! Pre-rendered strips that move: text is drawn once into small RGB buffers, then copied.
//!
//! A long line (ticker, marquee) is cut at char boundaries into chunks of at
//! most `CHUNK` px, each drawn on first use; a scroll keeps one buffer per
//! line. Only what is on screen (plus a little ahead) is kept, so a 20,000-char
//! body never becomes a 300 MB bitmap. Blitting is row `memcpy`; it never
//! rasterizes a glyph that is already in the font's cache and never fails.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Mutex;

use embedded_graphics::pixelcolor::Rgb888;

use crate::render::Frame;
use crate::render::font::Metrics;
use crate::render::outline::Face;

/// The widest chunk of a horizontal strip, px.
const CHUNK: u32 = 1024;

/// Copies `src` rows `src_y..src_y+h`, columns `src_x..src_x+w` to `dst` at (x, y), clipped to `dst`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn blit(dst: &mut Frame, x: i32, y: i32, src: &Frame, src_x: u32, src_y: u32, w: u32, h: u32) {
    let (mut x, mut y, mut sx, mut sy, mut w, mut h) = (x as i64, y as i64, src_x as i64, src_y as i64, w as i64, h as i64);
    if x < 0 {
        sx -= x;
        w += x;
        x = 0;
    }
    if y < 0 {
        sy -= y;
        h += y;
        y = 0;
    }
    w = w.min(dst.width() as i64 - x).min(src.width() as i64 - sx);
    h = h.min(dst.height() as i64 - y).min(src.height() as i64 - sy);
    if w <= 0 || h <= 0 || sx < 0 || sy < 0 {
        return;
    }
    let (dw, sw) = (dst.width() as usize * 3, src.width() as usize * 3);
    let (sd, dd) = (src.as_rgb(), dst.as_rgb_mut());
    for row in 0..h as usize {
        let s = (sy as usize + row) * sw + sx as usize * 3;
        let d = (y as usize + row) * dw + x as usize * 3;
        dd[d..d + w as usize * 3].copy_from_slice(&sd[s..s + w as usize * 3]);
    }
}

/// One line of text as a horizontal strip in chunks, drawn lazily.
#[derive(Debug)]
pub(crate) struct HStrip {
    face: Face,
    text: String,
    /// Byte range and left x of each chunk.
    chunks: Vec<(Range<usize>, u32, u32)>,
    width: u32,
    height: u32,
    fg: Rgb888,
    bg: Rgb888,
    cache: Mutex<HashMap<usize, Frame>>,
}

impl HStrip {
    pub(crate) fn new(face: Face, text: String, height: u32, fg: Rgb888, bg: Rgb888) -> HStrip {
        let mut chunks = Vec::new();
        let (mut start, mut x0, mut w) = (0, 0u32, 0u32);
        for (i, c) in text.char_indices() {
            let a = face.advance(c);
            if w + a > CHUNK && w > 0 {
                chunks.push((start..i, x0, w));
                start = i;
                x0 += w;
                w = 0;
            }
            w += a;
        }
        if w > 0 {
            chunks.push((start..text.len(), x0, w));
        }
        HStrip { width: x0 + w, face, text, chunks, height, fg, bg, cache: Mutex::new(HashMap::new()) }
    }

    pub(crate) fn width(&self) -> u32 {
        self.width
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Draws the strip with its left edge at `x` (may be negative), row `y`, clipped to `clip` columns.
    pub(crate) fn draw(&self, f: &mut Frame, x: i64, y: i32, clip: Range<i32>) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let visible = |(_, x0, w): &(Range<usize>, u32, u32)| x + (*x0 as i64) < clip.end as i64 && x + (*x0 + *w) as i64 > clip.start as i64;
        cache.retain(|i, _| self.chunks.get(*i).is_some_and(visible));
        for (i, chunk) in self.chunks.iter().enumerate() {
            if !visible(chunk) {
                continue;
            }
            let (r, x0, w) = chunk;
            let strip = cache.entry(i).or_insert_with(|| {
                let mut s = Frame::new(*w, self.height);
                s.fill(self.bg);
                let top = (self.height as i32 - self.face.line_height() as i32) / 2;
                self.face.draw_str(&mut s, 0, top, &self.text[r.clone()], self.fg);
                s
            });
            let left = x + *x0 as i64;
            let from = (clip.start as i64 - left).max(0);
            let to = (clip.end as i64 - left).min(*w as i64);
            if from < to {
                blit(f, (left + from) as i32, y, strip, from as u32, 0, (to - from) as u32, self.height);
            }
        }
    }
}

/// Lines of a scrolling body, each drawn once into its own buffer when it comes into view.
#[derive(Debug, Default)]
pub(crate) struct LineCache {
    lines: Mutex<HashMap<usize, Frame>>,
}

impl LineCache {
    /// Draws lines `range` with `render(i)` for lines not yet cached; forgets the others.
    pub(crate) fn with_lines(&self, range: Range<usize>, render: impl Fn(usize) -> Frame, mut each: impl FnMut(usize, &Frame)) {
        let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        lines.retain(|i, _| range.contains(i));
        for i in range {
            let l = lines.entry(i).or_insert_with(|| render(i));
            each(i, l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blit_clips_on_every_side() {
        let mut src = Frame::new(3, 2);
        src.fill(Rgb888::new(9, 9, 9));
        let mut dst = Frame::new(4, 3);
        blit(&mut dst, -1, 2, &src, 0, 0, 3, 2);
        assert_eq!(dst.to_ascii(), "....\n....\n....\n");
        let mut src = Frame::new(3, 2);
        src.fill(Rgb888::new(200, 0, 0));
        blit(&mut dst, -1, 2, &src, 0, 0, 3, 2);
        assert_eq!(dst.to_ascii(), "....\n....\n##..\n");
        blit(&mut dst, 3, -1, &src, 0, 0, 3, 2);
        assert_eq!(dst.to_ascii(), "...#\n....\n##..\n");
    }
}
