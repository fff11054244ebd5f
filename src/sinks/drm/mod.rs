//! Sink `drm`: a DRM/KMS display with dumb buffers (`kms`, cargo feature `drm`).
//!
//! The setting is read in every build, so a config naming it is valid
//! everywhere; a binary built without the feature refuses to start it and says
//! how to get one that can.

#[cfg(feature = "drm")]
pub(crate) mod kms;

use std::path::PathBuf;

use crate::tomlread::Table;

use super::{Claim, Output, ParseContext, Resource, Sink, SinkConfig, SinkLoop};

/// `type = "drm"`: /dev/dri/cardN.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DrmConfig {
    pub path: PathBuf,
}

pub(crate) fn parse(s: &mut Table<'_, '_>, cx: &ParseContext<'_>) -> Option<SinkConfig> {
    Some(SinkConfig::new(DrmConfig { path: (cx.rel)(s.or("path", PathBuf::from("/dev/dri/card0"))) }))
}

impl Sink for DrmConfig {
    fn kind(&self) -> &'static str {
        "drm"
    }

    fn claims(&self) -> Vec<Claim> {
        vec![Claim::exclusive(Resource::Path(self.path.clone()))]
    }

    /// Opens the card and sets the screen's mode now, so a wrong device or size stops the start.
    #[cfg(feature = "drm")]
    fn start(&self, screen: &str, first: &Output) -> std::io::Result<SinkLoop> {
        let mut out = kms::DrmOutput::open(&self.path, screen, first.frame.width(), first.frame.height()).map_err(std::io::Error::other)?;
        let path = self.path.clone();
        Ok(Box::new(move |r: super::SinkRun| {
            let failures = super::Failures::new(&r.screen, "drm", path.display());
            super::device::device_loop(&r.screen, failures, |f| out.show(f), r.rx, &r.status, &r.cancel, &r.handle)
        }))
    }

    #[cfg(not(feature = "drm"))]
    fn start(&self, _screen: &str, _first: &Output) -> std::io::Result<SinkLoop> {
        Err(std::io::Error::other(format!(
            "sink `drm` ({}): this yiping was built without DRM support; rebuild with `cargo build --release --features drm`, or use type = \"fbdev\"",
            self.path.display()
        )))
    }
}
