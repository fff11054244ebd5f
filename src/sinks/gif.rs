//! Sink `gif`: an animated recording of frames with their real timing.
//!
//! Identical consecutive frames are merged, so a static page costs one GIF
//! frame. Delays are rounded on the running total (not per frame), so a long
//! recording keeps its wall-clock length. Each GIF frame stores only the
//! rectangle that changed since the previous one, with its own palette: exact
//! when the rectangle has at most 256 colours (always true for mono and dual
//! screens), otherwise a fixed 6x7x6 colour cube (fast and deterministic; no
//! dithering). Note that browsers show delays under 20 ms as 100 ms.

use std::collections::HashMap;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use embedded_graphics::pixelcolor::Rgb888;
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use crate::render::Frame;
use crate::tomlread::Table;

use super::runner::next;
use super::{Claim, Output, ParseContext, Resource, Sink, SinkConfig, SinkLoop, SinkRun, SinkStatus, png};

/// `type = "gif"`: an animated recording of the first `seconds`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GifConfig {
    pub path: PathBuf,
    pub seconds: u32,
    pub scale: u32,
}

pub(crate) fn parse(s: &mut Table<'_, '_>, cx: &ParseContext<'_>) -> Option<SinkConfig> {
    let scale = s.int_in("scale", 1..=16, Some(1));
    let path: Option<PathBuf> = s.req("path");
    let seconds = s.int_in("seconds", 1..=3600, Some(30));
    Some(SinkConfig::new(GifConfig { path: (cx.rel)(path?), seconds: seconds? as u32, scale: scale? as u32 }))
}

impl Sink for GifConfig {
    fn kind(&self) -> &'static str {
        "gif"
    }

    fn claims(&self) -> Vec<Claim> {
        vec![Claim::exclusive(Resource::Path(self.path.clone()))]
    }

    fn start(&self, _screen: &str, _first: &Output) -> std::io::Result<SinkLoop> {
        let c = self.clone();
        Ok(Box::new(move |r: SinkRun| gif_loop(&r.screen, &c.path, c.seconds, c.scale, r.rx, &r.status, &r.cancel, &r.handle)))
    }
}

/// Why a recording or a decode failed.
#[derive(Debug, thiserror::Error)]
pub enum GifError {
    #[error("gif encoding failed: {0}")]
    Encode(#[from] gif::EncodingError),
    #[error("gif decoding failed: {0}")]
    Decode(#[from] gif::DecodingError),
    #[error("gif size must be 1..=65535 pixels a side, got {0}x{1}")]
    BadSize(u32, u32),
    #[error("frame is {got_w}x{got_h} but the recording is {w}x{h}")]
    SizeMismatch { got_w: u32, got_h: u32, w: u32, h: u32 },
}

/// Records frames into an endlessly looping animated GIF written to `W`.
///
/// The last pushed frame is held back until its total delay is known, so
/// call `finish`: dropping the recorder loses that frame.
pub(crate) struct GifRecorder<W: Write> {
    enc: gif::Encoder<W>,
    width: u16,
    height: u16,
    /// The frame waiting for its delay to be known, and that delay.
    pending: Option<(Vec<u8>, u64)>,
    /// What the GIF canvas shows after the frames written so far.
    canvas: Option<Vec<u8>>,
    /// Sum of the real delays of all frames handed to the encoder.
    elapsed_ms: u64,
    /// Sum of the GIF delays written, in 10 ms units.
    written_cs: u64,
}

impl<W: Write> GifRecorder<W> {
    /// Starts a recording of `width` x `height` frames that loops forever.
    pub(crate) fn new(out: W, width: u32, height: u32) -> Result<GifRecorder<W>, GifError> {
        let (w, h) = match (u16::try_from(width), u16::try_from(height)) {
            (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
            _ => return Err(GifError::BadSize(width, height)),
        };
        let mut enc = gif::Encoder::new(out, w, h, &[])?;
        enc.set_repeat(gif::Repeat::Infinite)?;
        Ok(GifRecorder { enc, width: w, height: h, pending: None, canvas: None, elapsed_ms: 0, written_cs: 0 })
    }

    /// Adds `frame`, shown for `delay_ms`. A frame identical to the previous
    /// one only extends the previous one's delay.
    pub(crate) fn push(&mut self, frame: &Frame, delay_ms: u32) -> Result<(), GifError> {
        if frame.width() != u32::from(self.width) || frame.height() != u32::from(self.height) {
            return Err(GifError::SizeMismatch { got_w: frame.width(), got_h: frame.height(), w: self.width.into(), h: self.height.into() });
        }
        let frame = &*frame.rgb();
        if let Some((rgb, ms)) = &mut self.pending
            && rgb.as_slice() == frame.as_rgb()
        {
            *ms += u64::from(delay_ms);
            return Ok(());
        }
        self.flush(false)?;
        self.pending = Some((frame.as_rgb().to_vec(), u64::from(delay_ms)));
        Ok(())
    }

    /// Writes the last frame and the GIF trailer; returns the writer.
    pub(crate) fn finish(mut self) -> Result<W, GifError> {
        self.flush(true)?;
        Ok(self.enc.into_inner()?)
    }

    /// Writes the pending frame. Its GIF delay is the rounded end time minus
    /// what was already written, so rounding errors never accumulate. A frame
    /// that rounds to no time at all is skipped (it would never be seen),
    /// unless it is the last one and nothing was written yet.
    fn flush(&mut self, last: bool) -> Result<(), GifError> {
        let Some((rgb, ms)) = self.pending.take() else { return Ok(()) };
        self.elapsed_ms += ms;
        let mut cs = (self.elapsed_ms + 5) / 10 - self.written_cs;
        if cs == 0 && !(last && self.canvas.is_none()) {
            return Ok(());
        }
        self.written_cs += cs;
        let (x0, y0, x1, y1) = self.changed_rect(&rgb);
        let mut first = self.indexed_frame(&rgb, x0, y0, x1, y1);
        first.delay = cs.min(u64::from(u16::MAX)) as u16;
        cs -= u64::from(first.delay);
        self.enc.write_frame(&first)?;
        // Delays beyond 655.35 s continue as 1x1 frames that change nothing.
        while cs > 0 {
            let mut more = self.indexed_frame(&rgb, 0, 0, 1, 1);
            more.delay = cs.min(u64::from(u16::MAX)) as u16;
            cs -= u64::from(more.delay);
            self.enc.write_frame(&more)?;
        }
        self.canvas = Some(rgb);
        Ok(())
    }

    /// Bounding box (exclusive end) of the pixels that differ from the canvas;
    /// the whole frame at first, and a 1x1 box when nothing differs.
    fn changed_rect(&self, rgb: &[u8]) -> (usize, usize, usize, usize) {
        let (w, h) = (usize::from(self.width), usize::from(self.height));
        let Some(canvas) = &self.canvas else { return (0, 0, w, h) };
        let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
        for y in 0..h {
            let (a, b) = (&rgb[y * w * 3..(y + 1) * w * 3], &canvas[y * w * 3..(y + 1) * w * 3]);
            if a == b {
                continue;
            }
            let first = (0..w).find(|&x| a[x * 3..x * 3 + 3] != b[x * 3..x * 3 + 3]).unwrap_or(0);
            let last = (0..w).rfind(|&x| a[x * 3..x * 3 + 3] != b[x * 3..x * 3 + 3]).unwrap_or(0);
            (x0, x1, y0, y1) = (x0.min(first), x1.max(last + 1), y0.min(y), y + 1);
        }
        if x1 == 0 { (0, 0, 1, 1) } else { (x0, y0, x1, y1) }
    }

    /// The rectangle of `rgb` as a GIF frame with a local palette.
    fn indexed_frame(&self, rgb: &[u8], x0: usize, y0: usize, x1: usize, y1: usize) -> gif::Frame<'static> {
        let w = usize::from(self.width);
        let mut pixels = Vec::with_capacity((x1 - x0) * (y1 - y0) * 3);
        for y in y0..y1 {
            pixels.extend_from_slice(&rgb[(y * w + x0) * 3..(y * w + x1) * 3]);
        }
        let (indices, palette) = exact_palette(&pixels).unwrap_or_else(|| cube_palette(&pixels));
        let mut f = gif::Frame::from_palette_pixels((x1 - x0) as u16, (y1 - y0) as u16, indices, palette, None);
        (f.left, f.top) = (x0 as u16, y0 as u16);
        f
    }
}

/// Indices and palette when `rgb` has at most 256 distinct colours.
fn exact_palette(rgb: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut map: HashMap<[u8; 3], u8> = HashMap::new();
    let mut palette = Vec::new();
    let mut indices = Vec::with_capacity(rgb.len() / 3);
    let mut last: Option<([u8; 3], u8)> = None;
    for px in rgb.chunks_exact(3) {
        let c = [px[0], px[1], px[2]];
        let i = match last {
            Some((lc, li)) if lc == c => li,
            _ => match map.get(&c) {
                Some(&i) => i,
                None if map.len() == 256 => return None,
                None => {
                    let i = map.len() as u8;
                    map.insert(c, i);
                    palette.extend_from_slice(&c);
                    i
                }
            },
        };
        last = Some((c, i));
        indices.push(i);
    }
    Some((indices, palette))
}

/// Indices into the fixed 6 (red) x 7 (green) x 6 (blue) cube, nearest level per channel.
fn cube_palette(rgb: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let level = |v: u8, n: u32| (u32::from(v) * (n - 1) + 127) / 255;
    let indices = rgb.chunks_exact(3).map(|p| (level(p[0], 6) * 42 + level(p[1], 7) * 6 + level(p[2], 6)) as u8).collect();
    let palette = (0..252u32).flat_map(|i| [i / 42 * 255 / 5, i / 6 % 7 * 255 / 6, i % 6 * 255 / 5].map(|v| v as u8)).collect();
    (indices, palette)
}

/// Every frame of a GIF as the full composited canvas, with its delay in ms.
pub fn decode_frames(bytes: &[u8]) -> Result<Vec<(Frame, u32)>, GifError> {
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut dec = opts.read_info(Cursor::new(bytes))?;
    let (cw, ch) = (u32::from(dec.width()), u32::from(dec.height()));
    let mut canvas = Frame::new(cw, ch);
    let mut out = Vec::new();
    while let Some(f) = dec.read_next_frame()? {
        let (fw, fh) = (usize::from(f.width), usize::from(f.height));
        let px = canvas.as_rgb_mut();
        for (i, p) in f.buffer.chunks_exact(4).enumerate().take(fw * fh) {
            let (x, y) = (u32::from(f.left) + (i % fw) as u32, u32::from(f.top) + (i / fw) as u32);
            if p[3] != 0 && x < cw && y < ch {
                let o = (y as usize * cw as usize + x as usize) * 3;
                px[o..o + 3].copy_from_slice(&p[..3]);
            }
        }
        out.push((canvas.clone(), u32::from(f.delay) * 10));
        if f.dispose == gif::DisposalMethod::Background {
            let (l, t, w, h) = (f.left.into(), f.top.into(), fw as u32, fh as u32);
            canvas.fill_rect(l, t, w, h, Rgb888::new(0, 0, 0));
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn gif_loop(
    screen: &str,
    path: &Path,
    seconds: u32,
    scale: u32,
    mut rx: watch::Receiver<Arc<Output>>,
    status: &SinkStatus,
    cancel: &CancellationToken,
    handle: &Handle,
) {
    let first = Arc::clone(&rx.borrow_and_update());
    let (w, h) = (first.frame.width() * scale, first.frame.height() * scale);
    let mut rec = match GifRecorder::new(Vec::new(), w, h) {
        Ok(r) => r,
        Err(e) => {
            status.failed(&e);
            return error!(screen, sink = "gif", error = %e, "cannot start recording");
        }
    };
    let scaled = |o: &Output| if scale > 1 { png::scaled(&o.frame, scale, scale >= 3) } else { o.frame.clone() };
    let mut prev = first;
    let mut frames = 1u64;
    let mut skipped = 0u64;
    let limit = seconds as i64 * 1000;
    let start = prev.at;
    while let Some(o) = next(&mut rx, cancel, handle) {
        skipped += o.number.saturating_sub(prev.number + 1);
        let delay = o.at.duration_since(prev.at).as_millis().clamp(0, 60_000) as u32;
        if let Err(e) = rec.push(&scaled(&prev), delay) {
            status.failed(&e);
            return error!(screen, sink = "gif", error = %e, "recording failed");
        }
        frames += 1;
        prev = o;
        if prev.at.duration_since(start).as_millis() >= limit as i128 {
            break;
        }
    }
    let _ = rec.push(&scaled(&prev), 100);
    match rec.finish().map_err(|e| std::io::Error::other(e.to_string())).and_then(|bytes| crate::fsutil::write_atomic(path, &bytes)) {
        Ok(()) => {
            status.written.store(frames, std::sync::atomic::Ordering::Relaxed);
            info!(screen, sink = "gif", path = %path.display(), frames, skipped, "recording written")
        }
        Err(e) => {
            status.failed(&e);
            error!(screen, sink = "gif", path = %path.display(), error = %e, "cannot write recording")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::pixelcolor::RgbColor;

    fn record(frames: &[(&Frame, u32)]) -> Vec<u8> {
        let (w, h) = (frames[0].0.width(), frames[0].0.height());
        let mut rec = GifRecorder::new(Vec::new(), w, h).unwrap();
        for (f, ms) in frames {
            rec.push(f, *ms).unwrap();
        }
        rec.finish().unwrap()
    }

    #[test]
    fn identical_consecutive_frames_merge_with_summed_delay() {
        let mut a = Frame::new(8, 4);
        a.fill_rect(0, 0, 3, 2, Rgb888::RED);
        let mut b = a.clone();
        b.fill_rect(5, 2, 2, 2, Rgb888::YELLOW);
        let gif = record(&[(&a, 1000), (&a, 500), (&b, 250)]);
        let frames = decode_frames(&gif).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0], (a, 1500));
        assert_eq!(frames[1], (b, 250));
    }

    #[test]
    fn long_recording_does_not_drift() {
        let a = Frame::new(4, 2);
        let mut b = a.clone();
        b.set(1, 1, Rgb888::GREEN);
        let mut rec = GifRecorder::new(Vec::new(), 4, 2).unwrap();
        for i in 0..1000 {
            rec.push(if i % 2 == 0 { &a } else { &b }, 33).unwrap();
        }
        let frames = decode_frames(&rec.finish().unwrap()).unwrap();
        assert_eq!(frames.len(), 1000);
        let total: u32 = frames.iter().map(|(_, ms)| ms).sum();
        assert!(total.abs_diff(33_000) <= 10, "total {total} ms");
        assert_eq!(frames[999].0, b);
    }

    #[test]
    fn frame_with_300_colours_is_quantized() {
        let mut f = Frame::new(20, 15);
        for i in 0..300u32 {
            let c = Rgb888::new((i * 7 % 256) as u8, (i * 13 % 256) as u8, (i * 29 % 256) as u8);
            f.set((i % 20) as i32, (i / 20) as i32, c);
        }
        let frames = decode_frames(&record(&[(&f, 100)])).unwrap();
        assert_eq!(frames.len(), 1);
        let got = &frames[0].0;
        for (g, e) in got.as_rgb().iter().zip(f.as_rgb()) {
            assert!(g.abs_diff(*e) <= 26, "channel {e} came back as {g}");
        }
    }

    #[test]
    fn long_static_page_splits_delay_and_wrong_size_is_rejected() {
        let mut f = Frame::new(3, 3);
        f.set(1, 1, Rgb888::WHITE);
        let frames = decode_frames(&record(&[(&f, 700_000)])).unwrap();
        assert_eq!(frames.iter().map(|(_, ms)| ms).sum::<u32>(), 700_000);
        assert!(frames.iter().all(|(g, _)| *g == f));
        let mut rec = GifRecorder::new(Vec::new(), 3, 3).unwrap();
        assert!(matches!(rec.push(&Frame::new(4, 3), 10), Err(GifError::SizeMismatch { .. })));
        assert!(matches!(GifRecorder::new(Vec::new(), 70_000, 1), Err(GifError::BadSize(..))));
    }
}
