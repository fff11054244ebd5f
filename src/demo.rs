//! The built-in demo: one village, a 192x64 red LED screen, shown in the terminal.
//!
//! Uses deploy/demo from the source tree when it is there (so edits show), else
//! writes the copies compiled into the binary to a temporary folder.

use std::path::{Path, PathBuf};

/// The demo's simulated start: its items are written for this morning.
pub(crate) const DEMO_AT: &str = "2026-12-01T09:00:00+08:00";

/// Files of deploy/demo, embedded.
pub(crate) const FILES: &[(&str, &str)] = &[
    ("yiping.toml", include_str!("../deploy/demo/yiping.toml")),
    ("playlists/square.toml", include_str!("../deploy/demo/playlists/square.toml")),
    ("items/qingshan-2026q3-finance.json", include_str!("../deploy/demo/items/qingshan-2026q3-finance.json")),
    ("items/qingshan-dibao-2026-11.json", include_str!("../deploy/demo/items/qingshan-dibao-2026-11.json")),
    ("items/qingshan-party-2026-11.toml", include_str!("../deploy/demo/items/qingshan-party-2026-11.toml")),
    ("items/qingshan-village-road-2026.json", include_str!("../deploy/demo/items/qingshan-village-road-2026.json")),
    ("items/qingshan-water-cut-2026-12-01.json", include_str!("../deploy/demo/items/qingshan-water-cut-2026-12-01.json")),
    ("items/qingshan-fire-safety-2026-winter.json", include_str!("../deploy/demo/items/qingshan-fire-safety-2026-winter.json")),
    ("items/qingshan-pending-2026-12.json", include_str!("../deploy/demo/items/qingshan-pending-2026-12.json")),
    ("items/qingshan-expired-2026q2-finance.json", include_str!("../deploy/demo/items/qingshan-expired-2026q2-finance.json")),
];

/// The demo config path: the source tree's, or embedded copies written under `scratch`.
pub(crate) fn config_path(scratch: &Path) -> std::io::Result<PathBuf> {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/demo/yiping.toml");
    if tree.is_file() {
        return Ok(tree);
    }
    for (rel, text) in FILES {
        let p = scratch.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(&p, text)?;
    }
    Ok(scratch.join("yiping.toml"))
}
