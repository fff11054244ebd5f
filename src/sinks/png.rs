//! Sink `png`: the current frame as a PNG file, replaced atomically.
//!
//! `save` encodes the frame and replaces the file with `fsutil::write_atomic`,
//! so a web server or viewer polling the file never reads half a PNG.
//! `scaled` makes a readable preview of tiny LED frames.

use std::io::{self, Cursor};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::render::Frame;
use crate::tomlread::Table;

use super::{Claim, Failures, Output, ParseContext, Resource, Sink, SinkConfig, SinkLoop, SinkRun, SinkStatus};

/// `type = "png"`: the current frame as a PNG, at most once per `every`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PngConfig {
    pub path: PathBuf,
    pub every: Duration,
    /// Each pixel becomes a `scale` x `scale` block (an LED grid from 3 up).
    pub scale: u32,
}

pub(crate) fn parse(s: &mut Table<'_, '_>, cx: &ParseContext<'_>) -> Option<SinkConfig> {
    let scale = s.int_in("scale", 1..=16, Some(1));
    let path: Option<PathBuf> = s.req("path");
    let every: f64 = s.or("every_seconds", 1.0);
    Some(SinkConfig::new(PngConfig { path: (cx.rel)(path?), every: Duration::from_secs_f64(every.clamp(0.04, 3600.0)), scale: scale? as u32 }))
}

impl Sink for PngConfig {
    fn kind(&self) -> &'static str {
        "png"
    }

    fn claims(&self) -> Vec<Claim> {
        vec![Claim::exclusive(Resource::Path(self.path.clone()))]
    }

    fn start(&self, _screen: &str, _first: &Output) -> io::Result<SinkLoop> {
        let c = self.clone();
        Ok(Box::new(move |r: SinkRun| png_loop(&r.screen, &c.path, c.every, c.scale, r.rx, &r.status, &r.cancel, &r.handle)))
    }
}

/// Why a PNG could not be turned into a frame.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    #[error("png decoding failed: {0}")]
    Decode(#[from] png::DecodingError),
    #[error("unsupported png colour type {0:?}")]
    UnsupportedColor(png::ColorType),
}

/// The frame as an RGB8 PNG with fast (fdeflate) compression.
///
/// A frame with no pixels has no PNG encoding: the result is then empty
/// (and `save` refuses it).
pub(crate) fn encode(frame: &Frame) -> Vec<u8> {
    if frame.width() == 0 || frame.height() == 0 {
        return Vec::new();
    }
    // LED frames are packed bit planes: converted here, for the frames a sink encodes.
    let frame = &*frame.rgb();
    let mut out = Vec::with_capacity(frame.as_rgb().len() / 4 + 128);
    let mut enc = png::Encoder::new(&mut out, frame.width(), frame.height());
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    // Writing into a Vec cannot fail and RGB8 with non-zero size is always valid.
    let mut w = enc.write_header().expect("png header into a vec");
    w.write_image_data(frame.as_rgb()).expect("png data into a vec");
    w.finish().expect("png trailer into a vec");
    out
}

/// Writes `frame` as PNG to `path`, atomically and durably (`fsutil::write_atomic`).
///
/// Readers see either the old file or the new one, never a partial one. On
/// any error `path` is left as it was.
pub fn save(path: &Path, frame: &Frame) -> io::Result<()> {
    let bytes = encode(frame);
    if bytes.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "frame has no pixels"));
    }
    crate::fsutil::write_atomic(path, &bytes)
}

/// Decodes a PNG (any bit depth; grey, grey+alpha, RGB, RGBA or indexed)
/// into a frame. Alpha is dropped, not composited.
pub fn decode(bytes: &[u8]) -> Result<Frame, PngError> {
    let mut dec = png::Decoder::new(Cursor::new(bytes));
    dec.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = dec.read_info()?;
    let size = reader.output_buffer_size().ok_or(png::DecodingError::LimitsExceeded)?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf)?;
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => return Err(PngError::UnsupportedColor(other)),
    };
    let mut frame = Frame::new(info.width, info.height);
    let row_px = info.width as usize * channels;
    let out = frame.as_rgb_mut();
    for y in 0..info.height as usize {
        let src = &buf[y * info.line_size..y * info.line_size + row_px];
        let dst = &mut out[y * info.width as usize * 3..(y + 1) * info.width as usize * 3];
        for (d, s) in dst.chunks_exact_mut(3).zip(src.chunks_exact(channels)) {
            if channels >= 3 {
                d.copy_from_slice(&s[..3]);
            } else {
                d.fill(s[0]);
            }
        }
    }
    Ok(frame)
}

/// Each pixel becomes a `factor` x `factor` block (`factor` 0 counts as 1).
///
/// With `led_gap` and `factor >= 3` the last column and row of every block
/// stay black, so a 192x64 LED frame previews as a grid of separate LEDs.
/// With a smaller factor there is no room for a gap and `led_gap` is ignored.
pub fn scaled(frame: &Frame, factor: u32, led_gap: bool) -> Frame {
    let frame = &*frame.rgb();
    let k = factor.max(1);
    let gap = led_gap && k >= 3;
    let (w, h) = (frame.width(), frame.height());
    let mut out = Frame::new(w * k, h * k);
    let out_w = (w * k) as usize;
    let src = frame.as_rgb();
    let dst = out.as_rgb_mut();
    for y in 0..h as usize {
        let mut row = vec![0u8; out_w * 3];
        for x in 0..w as usize {
            let px = &src[(y * w as usize + x) * 3..][..3];
            let lit_cols = if gap { k - 1 } else { k } as usize;
            for dx in 0..lit_cols {
                row[(x * k as usize + dx) * 3..][..3].copy_from_slice(px);
            }
        }
        let lit_rows = if gap { k - 1 } else { k } as usize;
        for dy in 0..lit_rows {
            let oy = y * k as usize + dy;
            dst[oy * out_w * 3..(oy + 1) * out_w * 3].copy_from_slice(&row);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn png_loop(
    screen: &str,
    path: &Path,
    every: Duration,
    scale: u32,
    rx: watch::Receiver<Arc<Output>>,
    status: &SinkStatus,
    cancel: &CancellationToken,
    handle: &Handle,
) {
    let mut last_number = None;
    let mut failures = Failures::new(screen, "png", path.display());
    loop {
        let o = Arc::clone(&rx.borrow());
        if Some(o.number) != last_number {
            last_number = Some(o.number);
            let frame = if scale > 1 { scaled(&o.frame, scale, scale >= 3) } else { o.frame.clone() };
            // Said once per failure spell (and a reminder every 10 minutes), not once per frame.
            let now = std::time::Instant::now();
            match save(path, &frame) {
                Ok(()) => {
                    status.wrote();
                    failures.ok(now);
                }
                Err(e) => failures.failed(status, &e, "cannot write frame; will keep trying", now),
            }
        }
        let stop = handle.block_on(async {
            tokio::select! {
                _ = cancel.cancelled() => true,
                _ = tokio::time::sleep(every) => false,
            }
        });
        if stop {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
    use std::fs;

    fn sample() -> Frame {
        let mut f = Frame::new(5, 3);
        f.set(0, 0, Rgb888::RED);
        f.set(4, 2, Rgb888::new(1, 2, 3));
        f.fill_rect(1, 1, 2, 1, Rgb888::YELLOW);
        f
    }

    fn dir_entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn encode_decode_round_trip_is_exact() {
        let f = sample();
        let bytes = encode(&f);
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let back = decode(&bytes).unwrap();
        assert_eq!(back, f);
        assert_eq!(back.pixel(4, 2), Rgb888::new(1, 2, 3));
    }

    #[test]
    fn decodes_grayscale_and_rgba() {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 2, 1);
        enc.set_color(png::ColorType::Grayscale);
        enc.write_header().unwrap().write_image_data(&[0, 200]).unwrap();
        let g = decode(&out).unwrap();
        assert_eq!((g.pixel(0, 0), g.pixel(1, 0)), (Rgb888::BLACK, Rgb888::new(200, 200, 200)));

        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 1, 1);
        enc.set_color(png::ColorType::Rgba);
        enc.write_header().unwrap().write_image_data(&[10, 20, 30, 0]).unwrap();
        assert_eq!(decode(&out).unwrap().pixel(0, 0), Rgb888::new(10, 20, 30));
    }

    #[test]
    fn save_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("screen.png");
        fs::write(&path, b"old contents").unwrap();
        save(&path, &sample()).unwrap();
        assert_eq!(decode(&fs::read(&path).unwrap()).unwrap(), sample());
        let mut second = sample();
        second.fill(Rgb888::GREEN);
        save(&path, &second).unwrap();
        assert_eq!(decode(&fs::read(&path).unwrap()).unwrap(), second);
        assert_eq!(dir_entries(dir.path()), vec!["screen.png".to_string()]);
    }

    #[test]
    fn save_into_missing_dir_fails_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("screen.png");
        assert!(save(&path, &sample()).is_err());
        assert!(!dir.path().join("missing").exists());
        assert!(dir_entries(dir.path()).is_empty());
    }

    #[test]
    fn save_rejects_empty_frame() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("screen.png");
        assert!(save(&path, &Frame::new(0, 0)).is_err());
        assert!(dir_entries(dir.path()).is_empty());
    }

    #[test]
    fn scaled_with_led_gap_matches_grid() {
        let mut f = Frame::new(2, 1);
        f.set(0, 0, Rgb888::RED);
        let s = scaled(&f, 3, true);
        assert_eq!((s.width(), s.height()), (6, 3));
        assert_eq!(s.to_ascii(), "##....\n##....\n......\n");
        assert_eq!(s.pixel(1, 1), Rgb888::RED);
        // Without a gap the block is solid; factor 2 has no room for a gap.
        assert_eq!(scaled(&f, 3, false).to_ascii(), "###...\n###...\n###...\n");
        assert_eq!(scaled(&f, 2, true).to_ascii(), "##..\n##..\n");
    }
}
