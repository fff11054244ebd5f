//! Helpers shared by the integration tests: paths, the binary, small configs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo_config() -> PathBuf {
    root().join("deploy/demo/yiping.toml")
}

pub const DEMO_AT: &str = "2026-12-01T09:00:00+08:00";

/// Runs the yiping binary with arguments, in `dir`.
pub fn yiping(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yiping")).args(args).current_dir(dir).env("YIPING_FONTS", root().join("fonts")).output().expect("run yiping")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A config for one screen of the given size over an items folder, written into `dir`.
pub fn write_config(dir: &Path, screen: &str, playlist: Option<&str>) -> PathBuf {
    std::fs::create_dir_all(dir.join("items")).unwrap();
    std::fs::create_dir_all(dir.join("playlists")).unwrap();
    if let Some(p) = playlist {
        std::fs::write(dir.join("playlists/main.toml"), p).unwrap();
    }
    let cfg = format!(
        "village = \"测试村\"\nstate_dir = \"state\"\n[[sources]]\ntype = \"folder\"\nname = \"local\"\npath = \"items\"\npoll_seconds = 1\n\n[[screens]]\nplaylist = \"{}\"\n{screen}\n",
        if playlist.is_some() { "main" } else { "default" }
    );
    let p = dir.join("yiping.toml");
    std::fs::write(&p, cfg).unwrap();
    p
}

/// An approved item JSON with a window around the demo time.
pub fn item_json(id: &str, category: &str, title: &str, body: &[&str]) -> String {
    let body: Vec<String> = body.iter().map(|b| serde_json::to_string(b).unwrap()).collect();
    let title = serde_json::to_string(title).unwrap();
    format!(
        r#"{{"id": "{id}", "revision": 1, "category": "{category}", "title": {title}, "body": [{}], "status": "approved",
 "approval": {{"by": "村务监督委员会", "at": "2026-11-01T00:00:00+08:00"}},
 "display": {{"from": "2026-11-01T00:00:00+08:00", "until": "2027-01-01T00:00:00+08:00"}}}}"#,
        body.join(", ")
    )
}
