//! DRM/KMS dumb-buffer sink (cargo feature `drm`): for boards whose kernel offers no fbdev emulation.
//!
//! Opens /dev/dri/cardN, takes the first connected connector and the mode
//! that matches the screen's size, makes two XRGB8888 dumb buffers, and shows
//! each frame by drawing into the hidden buffer and page-flipping to it (the
//! flip happens at vertical blank, so nothing tears). It never changes the
//! mode to one of another size: a mismatch is reported like the fbdev sink's.
//!
//! Not exercised by the test suite: the build machine has no /dev/dri. Only
//! the conversion it uses (`fbdev::format::convert` to XRGB8888) is tested.

use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

use drm::buffer::{Buffer, DrmFourcc};
use drm::control::dumbbuffer::DumbBuffer;
use drm::control::{Device as ControlDevice, Mode, PageFlipFlags, connector, crtc, framebuffer};

use crate::render::Frame;
use crate::sinks::fbdev::{PixelFormat, format};

struct Card(File);

impl AsFd for Card {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl drm::Device for Card {}
impl ControlDevice for Card {}

/// Why the DRM device cannot be used; messages name the device and what to change.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DrmError {
    #[error("cannot open DRM device {}: {source}; check the path and that yiping may use it (group `video`)", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("DRM device {}: {what}: {source}", path.display())]
    Io {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("DRM device {}: no connected display; plug in the HDMI cable and restart yiping", path.display())]
    NoDisplay { path: PathBuf },
    #[error(
        "DRM device {}: the display offers no {scr_w}x{scr_h} mode for screen `{screen}` (it offers {offered}); set width and height in [[screens]] to one of them",
        path.display()
    )]
    SizeMismatch { path: PathBuf, screen: String, scr_w: u32, scr_h: u32, offered: String },
}

/// A display driven through KMS with two dumb buffers.
pub(crate) struct DrmOutput {
    path: PathBuf,
    card: Card,
    crtc: crtc::Handle,
    buffers: [(DumbBuffer, framebuffer::Handle); 2],
    /// Index of the buffer being scanned out.
    shown: usize,
}

impl DrmOutput {
    /// Opens the card and sets the mode of the screen's size on the first connected connector.
    pub(crate) fn open(path: &Path, screen: &str, w: u32, h: u32) -> Result<DrmOutput, DrmError> {
        let io = |what: &'static str| move |source| DrmError::Io { path: path.to_path_buf(), what, source };
        let file =
            std::fs::OpenOptions::new().read(true).write(true).open(path).map_err(|source| DrmError::Open { path: path.to_path_buf(), source })?;
        let card = Card(file);
        let res = card.resource_handles().map_err(io("reading resources"))?;
        let con = res
            .connectors()
            .iter()
            .filter_map(|c| card.get_connector(*c, true).ok())
            .find(|c| c.state() == connector::State::Connected)
            .ok_or_else(|| DrmError::NoDisplay { path: path.to_path_buf() })?;
        let mode: Mode = *con.modes().iter().find(|m| m.size() == (w as u16, h as u16)).ok_or_else(|| {
            let offered: Vec<String> = con.modes().iter().map(|m| format!("{}x{}", m.size().0, m.size().1)).collect();
            DrmError::SizeMismatch { path: path.to_path_buf(), screen: screen.to_string(), scr_w: w, scr_h: h, offered: offered.join(", ") }
        })?;
        // The connector's current CRTC, else the first its encoders can use.
        let crtc = con
            .current_encoder()
            .and_then(|e| card.get_encoder(e).ok())
            .and_then(|e| e.crtc())
            .or_else(|| {
                con.encoders().iter().filter_map(|e| card.get_encoder(*e).ok()).find_map(|e| res.filter_crtcs(e.possible_crtcs()).first().copied())
            })
            .ok_or_else(|| DrmError::NoDisplay { path: path.to_path_buf() })?;
        let make = || -> Result<(DumbBuffer, framebuffer::Handle), DrmError> {
            let db = card.create_dumb_buffer((w, h), DrmFourcc::Xrgb8888, 32).map_err(io("creating a dumb buffer"))?;
            let fb = card.add_framebuffer(&db, 24, 32).map_err(io("adding a framebuffer"))?;
            Ok((db, fb))
        };
        let buffers = [make()?, make()?];
        card.set_crtc(crtc, Some(buffers[0].1), (0, 0), &[con.handle()], Some(mode)).map_err(io("setting the mode"))?;
        tracing::info!(device = %path.display(), width = w, height = h, refresh = mode.vrefresh(), "drm output");
        Ok(DrmOutput { path: path.to_path_buf(), card, crtc, buffers, shown: 0 })
    }

    /// Draws into the hidden buffer and flips to it at the next vertical blank.
    pub(crate) fn show(&mut self, frame: &Frame) -> Result<(), DrmError> {
        let path = &self.path;
        let io = |what: &'static str| move |source| DrmError::Io { path: path.clone(), what, source };
        let back = 1 - self.shown;
        let (db, fb) = &mut self.buffers[back];
        let pitch = db.pitch() as usize;
        {
            let mut map = self.card.map_dumb_buffer(db).map_err(io("mapping a dumb buffer"))?;
            format::convert(frame, &PixelFormat::XRGB8888, map.as_mut(), pitch);
        }
        self.card.page_flip(self.crtc, *fb, PageFlipFlags::EVENT, None).map_err(io("page flip"))?;
        // Wait for the flip to complete before the next frame touches the other buffer.
        let _ = self.card.receive_events().map_err(io("waiting for the page flip"))?;
        self.shown = back;
        Ok(())
    }
}

impl Drop for DrmOutput {
    fn drop(&mut self) {
        for &(db, fb) in &self.buffers {
            let _ = self.card.destroy_framebuffer(fb);
            let _ = self.card.destroy_dumb_buffer(db);
        }
    }
}
