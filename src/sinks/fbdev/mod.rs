//! Linux framebuffer sink: frames converted into /dev/fbN's pixel format, written into its mapping.
//!
//! The same writer targets a regular file whose geometry and format come from
//! config (how the tests run it, and a way to capture raw frames). When the
//! device has a double-height virtual screen the frame is drawn into the
//! hidden half and then shown with FBIOPAN_DISPLAY, so no half-drawn frame is
//! ever scanned out. Opening checks the device's size against the screen's and
//! says clearly what disagrees; it never changes the video mode.

pub(crate) mod config;
pub(crate) mod format;
mod ioctl;

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

pub(crate) use config::FbdevConfig;
pub(crate) use format::PixelFormat;

use crate::mmap::Mmap;
use crate::render::Frame;

/// Why a framebuffer cannot be used; every message names the path and what to change.
#[derive(Debug, thiserror::Error)]
pub enum FbError {
    #[error("cannot open framebuffer {}: {source}; check the path and that yiping may write it (group `video`)", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a framebuffer device ({source}); use /dev/fbN, or a regular file with `format` set", path.display())]
    NotFramebuffer {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is a regular file: set `format` (one of rgb565, rgb888, bgr888, xrgb8888, xbgr8888) in its [[screens.sinks]]", path.display())]
    NoFormat { path: PathBuf },
    #[error(
        "framebuffer {} is {dev_w}x{dev_h} but screen `{screen}` is {scr_w}x{scr_h}: set width = {dev_w} and height = {dev_h} in [[screens]] (or change the display mode, e.g. video= on the kernel command line)",
        path.display()
    )]
    SizeMismatch { path: PathBuf, screen: String, dev_w: u32, dev_h: u32, scr_w: u32, scr_h: u32 },
    #[error("framebuffer {}: {msg}", path.display())]
    Geometry { path: PathBuf, msg: String },
    #[error("cannot map framebuffer {}: {source}", path.display())]
    Map {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot pan framebuffer {}: {source}", path.display())]
    Pan {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The geometry in use: visible size, virtual rows, bytes per line, pixel format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub width: u32,
    pub height: u32,
    pub virtual_height: u32,
    pub stride: u32,
    pub format: PixelFormat,
}

impl Geometry {
    /// Two full frames fit: draw into the hidden one, then pan.
    pub fn double_buffered(&self) -> bool {
        self.virtual_height >= 2 * self.height
    }
}

/// An open, mapped framebuffer (device or file).
pub struct Framebuffer {
    path: PathBuf,
    file: File,
    map: Mmap,
    geo: Geometry,
    /// Device state for panning; `None` for a regular file.
    var: Option<ioctl::VarScreenInfo>,
    /// The first visible row (0 or height when double-buffered).
    shown: u32,
    /// What each half of the mapping holds, as RGB (empty until first written):
    /// rows equal to the new frame's are not converted again, so a static page
    /// under a moving ticker costs the ticker's rows, and the device memory
    /// (slow to read on many boards) is never read back.
    held: [Vec<u8>; 2],
}

impl Framebuffer {
    /// Opens and maps the target; `screen` and `(w, h)` are the screen's name and frame size.
    pub fn open(cfg: &FbdevConfig, screen: &str, w: u32, h: u32) -> Result<Framebuffer, FbError> {
        let path = cfg.path.clone();
        let is_device = std::fs::metadata(&path).map(|m| m.file_type().is_char_device()).unwrap_or(false);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(!is_device)
            .truncate(false)
            .open(&path)
            .map_err(|source| FbError::Open { path: path.clone(), source })?;
        let geo_err = |msg: String| FbError::Geometry { path: path.clone(), msg };
        let (geo, var, shown, map_len) = if is_device {
            let info = ioctl::query(&file).map_err(|source| FbError::NotFramebuffer { path: path.clone(), source })?;
            let double = info.can_pan && info.virtual_height >= 2 * info.height;
            let geo = Geometry {
                width: info.width,
                height: info.height,
                virtual_height: if double { info.virtual_height } else { info.height },
                stride: info.stride,
                format: info.format,
            };
            tracing::info!(device = %path.display(), id = %info.id, width = info.width, height = info.height, virtual_height = info.virtual_height,
                stride = info.stride, bpp = info.format.bytes_per_pixel * 8, double_buffered = double, "framebuffer");
            // A display left blanked (by `blank_on_exit`, or the console) is woken up.
            if let Err(e) = ioctl::blank(&file, false) {
                tracing::debug!(device = %path.display(), error = %e, "unblank not supported");
            }
            let need = geo.stride as usize * geo.virtual_height as usize;
            if (info.memory as usize) < need {
                return Err(geo_err(format!("reports {} bytes of memory but needs {need} for its own geometry", info.memory)));
            }
            (geo, Some(info.var), if double { info.yoffset.min(info.height) } else { 0 }, need)
        } else {
            let format = cfg.format.ok_or_else(|| FbError::NoFormat { path: path.clone() })?;
            let (fw, fh) = (cfg.width.unwrap_or(w), cfg.height.unwrap_or(h));
            let stride = cfg.stride.unwrap_or(fw * format.bytes_per_pixel);
            let geo = Geometry { width: fw, height: fh, virtual_height: cfg.virtual_height.unwrap_or(fh), stride, format };
            let len = stride as usize * geo.virtual_height as usize;
            let cur = file.metadata().map_err(|source| FbError::Open { path: path.clone(), source })?.len();
            if cur < len as u64 {
                file.set_len(len as u64).map_err(|source| FbError::Open { path: path.clone(), source })?;
            }
            (geo, None, 0, len)
        };
        if (geo.width, geo.height) != (w, h) {
            return Err(FbError::SizeMismatch { path, screen: screen.to_string(), dev_w: geo.width, dev_h: geo.height, scr_w: w, scr_h: h });
        }
        geo.format.check().map_err(geo_err)?;
        if (geo.stride as u64) < geo.width as u64 * geo.format.bytes_per_pixel as u64 {
            return Err(geo_err(format!("line length {} bytes is shorter than a row of {} pixels", geo.stride, geo.width)));
        }
        if geo.virtual_height < geo.height {
            return Err(geo_err(format!("virtual height {} is less than the visible {}", geo.virtual_height, geo.height)));
        }
        let map = Mmap::shared_rw(&file, map_len).map_err(|source| FbError::Map { path: path.clone(), source })?;
        Ok(Framebuffer { path, file, map, geo, var, shown, held: [Vec::new(), Vec::new()] })
    }

    pub fn geometry(&self) -> Geometry {
        self.geo
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The first row being shown (changes with each frame when double-buffered).
    pub fn shown_row(&self) -> u32 {
        self.shown
    }

    /// Writes a frame; when double-buffered, into the hidden half, then pans to it.
    /// Only rows that differ from what that half already holds are converted.
    pub fn show(&mut self, frame: &Frame) -> Result<(), FbError> {
        let frame = &*frame.rgb();
        let target = if self.geo.double_buffered() { if self.shown == 0 { self.geo.height } else { 0 } } else { 0 };
        let stride = self.geo.stride as usize;
        let start = target as usize * stride;
        let end = start + stride * self.geo.height as usize;
        let dst = &mut self.map.as_mut_slice()[start..end];
        let held = &mut self.held[usize::from(target != 0)];
        let row_bytes = frame.width() as usize * 3;
        if held.len() != frame.as_rgb().len() {
            // First write of this half (or another frame size): everything.
            format::convert(frame, &self.geo.format, dst, stride);
            held.clear();
            held.extend_from_slice(frame.as_rgb());
        } else {
            for y in 0..frame.height() as usize {
                let new = frame.row(y as u32);
                let old = &mut held[y * row_bytes..(y + 1) * row_bytes];
                if new != old {
                    format::convert_row_at(new, &self.geo.format, &mut dst[y * stride..]);
                    old.copy_from_slice(new);
                }
            }
        }
        if target != self.shown {
            if let Some(var) = self.var.as_mut() {
                ioctl::pan(&self.file, var, target).map_err(|source| FbError::Pan { path: self.path.clone(), source })?;
            }
            self.shown = target;
        }
        Ok(())
    }

    /// Clears every row to black and blanks a device (shutdown with `blank_on_exit`).
    pub fn blank(&mut self) {
        self.map.as_mut_slice().fill(0);
        self.held = [Vec::new(), Vec::new()];
        if self.var.is_some()
            && let Err(e) = ioctl::blank(&self.file, true)
        {
            tracing::warn!(device = %self.path.display(), error = %e, "cannot blank the display; it shows black instead");
        }
    }
}

#[cfg(test)]
mod tests {
    use embedded_graphics::pixelcolor::{Rgb888, RgbColor};

    use super::*;

    fn file_cfg(path: &Path, format: &str) -> FbdevConfig {
        FbdevConfig {
            path: path.to_path_buf(),
            format: PixelFormat::by_name(format),
            width: None,
            height: None,
            stride: None,
            virtual_height: None,
            blank_on_exit: false,
        }
    }

    fn frame(c: Rgb888) -> Frame {
        let mut f = Frame::new(4, 2);
        f.fill(c);
        f
    }

    #[test]
    fn double_height_file_alternates_halves() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("fb");
        let cfg = FbdevConfig { virtual_height: Some(4), ..file_cfg(&p, "xbgr8888") };
        let mut fb = Framebuffer::open(&cfg, "s", 4, 2).unwrap();
        assert!(fb.geometry().double_buffered());
        fb.show(&frame(Rgb888::new(1, 2, 3))).unwrap();
        assert_eq!(fb.shown_row(), 2, "first frame goes to the hidden lower half");
        fb.show(&frame(Rgb888::new(4, 5, 6))).unwrap();
        assert_eq!(fb.shown_row(), 0);
        drop(fb);
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(bytes.len(), 4 * 4 * 4);
        assert_eq!(&bytes[..4], &[4, 5, 6, 0]);
        assert_eq!(&bytes[32..36], &[1, 2, 3, 0]);
    }

    #[test]
    fn size_disagreeing_with_the_device_is_reported_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = FbdevConfig { width: Some(1280), height: Some(720), ..file_cfg(&dir.path().join("fb"), "rgb565") };
        let e = Framebuffer::open(&cfg, "hall", 1920, 1080).err().unwrap().to_string();
        assert!(e.contains("is 1280x720 but screen `hall` is 1920x1080: set width = 1280 and height = 720"), "{e}");
    }

    #[test]
    fn regular_file_without_format_and_short_stride_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("fb");
        let e = Framebuffer::open(&FbdevConfig { format: None, ..file_cfg(&p, "rgb565") }, "s", 4, 2).err().unwrap().to_string();
        assert!(e.contains("set `format`"), "{e}");
        let e = Framebuffer::open(&FbdevConfig { stride: Some(7), ..file_cfg(&p, "rgb565") }, "s", 4, 2).err().unwrap().to_string();
        assert!(e.contains("line length 7 bytes is shorter than a row of 4 pixels"), "{e}");
    }

    #[test]
    fn only_changed_rows_are_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("fb");
        let mut fb = Framebuffer::open(&file_cfg(&p, "rgb888"), "s", 4, 2).unwrap();
        fb.show(&frame(Rgb888::new(1, 1, 1))).unwrap();
        // Scribble on row 0 behind the writer's back: an unchanged row is not rewritten...
        fb.map.as_mut_slice()[0] = 99;
        let mut f = frame(Rgb888::new(1, 1, 1));
        f.set(0, 1, Rgb888::new(7, 7, 7));
        fb.show(&f).unwrap();
        drop(fb);
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(bytes[0], 99);
        // ...and a changed row is (RGB888 is B, G, R in memory).
        assert_eq!(&bytes[12..15], &[7, 7, 7]);
        assert_eq!(&bytes[15..18], &[1, 1, 1]);
    }

    #[test]
    fn blank_clears_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("fb");
        let mut fb = Framebuffer::open(&file_cfg(&p, "rgb888"), "s", 4, 2).unwrap();
        fb.show(&frame(Rgb888::WHITE)).unwrap();
        fb.blank();
        drop(fb);
        assert_eq!(std::fs::read(&p).unwrap(), vec![0; 24]);
    }
}
