//! Playlists through the console: their TOML text, and saving an edit only when the whole
//! configuration, with the new text in place, passes as `check` would pass it.
//!
//! Files are only ever `<playlists_dir>/<name>.toml` (or the file a loaded playlist came
//! from, when it lies directly in that folder), never a symbolic link. The built-in
//! `default` playlist has no file and cannot be edited.

use std::path::{Path, PathBuf};

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::evidence::record::sha256_hex;

use super::http::{Reply, diags_json, error};
use super::items::confined;
use super::site::Site;

/// Playlist names that can be file names: letters (any script), digits, `_` and `-`, 1 to 64.
pub(crate) fn valid_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=64).contains(&n) && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') && name != "default"
}

/// The file of playlist `name`: where it was loaded from, or `<dir>/<name>.toml`.
pub(crate) fn file_of(cfg: &dyn Site, name: &str) -> Result<PathBuf, Reply> {
    if name == "default" {
        return Err(error(
            StatusCode::FORBIDDEN,
            "default 是内置播放列表，不能修改；请新建一个播放列表并在屏幕配置中使用它",
            "`default` is built in and cannot be edited: make a new playlist and name it in the screen's configuration",
        ));
    }
    if !valid_name(name) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format!("播放列表名“{name}”无效：只能用字母、汉字、数字、_ 和 -"),
            format!("playlist name `{name}` is not valid: letters, digits, _ and - only"),
        ));
    }
    let dir = cfg.playlists_dir();
    let path = cfg.playlists().get(name).and_then(|p| p.file.clone()).unwrap_or_else(|| dir.join(format!("{name}.toml")));
    if !confined(dir, &path) {
        return Err(error(
            StatusCode::FORBIDDEN,
            format!("播放列表文件 {} 不在播放列表目录中或是符号链接，不能在控制台修改", path.display()),
            format!("playlist file {} is outside the playlists folder or a symbolic link: it cannot be edited here", path.display()),
        ));
    }
    Ok(path)
}

/// `GET /api/playlists`: every playlist, the screens that use it and when.
pub(crate) fn list(cfg: &dyn Site) -> Value {
    let mut names: Vec<String> = cfg.playlists().keys().cloned().collect();
    // Files that failed to load are listed too, so they can be opened and fixed.
    if let Ok(rd) = std::fs::read_dir(cfg.playlists_dir()) {
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "toml")
                && let Some(stem) = p.file_stem().and_then(|s| s.to_str())
                && !cfg.playlists().values().any(|pl| pl.file.as_deref() == Some(p.as_path()))
                && !names.iter().any(|n| n == stem)
            {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    let rows: Vec<Value> = names
        .iter()
        .map(|n| {
            let p = cfg.playlists().get(n);
            let uses: Vec<Value> = cfg
                .screens()
                .iter()
                .filter_map(|s| {
                    if s.playlist == *n {
                        Some(json!({"screen": s.name, "as": "default"}))
                    } else if s.playlists.contains(n) {
                        Some(json!({"screen": s.name, "as": "scheduled"}))
                    } else {
                        None
                    }
                })
                .collect();
            json!({
                "name": n,
                "file": p.and_then(|p| p.file.as_ref()).and_then(|f| f.file_name()).map(|f| f.to_string_lossy().into_owned()),
                "loaded": p.is_some(),
                "builtin": n == "default",
                "slots": p.map_or(0, |p| p.slots.len()),
                "priority": p.map(|p| p.priority),
                "screens": uses,
            })
        })
        .collect();
    json!({"playlists": rows, "dir": cfg.playlists_dir(), "watch": cfg.watch()})
}

/// The TOML text as data for the slot form (a table; `null` when it does not parse).
pub(crate) fn doc(text: &str) -> Value {
    toml::from_str::<toml::Table>(text).ok().and_then(|t| serde_json::to_value(t).ok()).unwrap_or(Value::Null)
}

/// `GET /api/playlists/<name>`.
pub(crate) fn get(cfg: &dyn Site, name: &str, path: &Path) -> Result<Value, Reply> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| error(StatusCode::NOT_FOUND, format!("没有播放列表“{name}”（{e}）"), format!("no playlist `{name}` ({e})")))?;
    let (_, diags) = crate::schedule::parse::parse_playlist(path, &text);
    Ok(json!({
        "name": name,
        "file": path.file_name().map(|f| f.to_string_lossy().into_owned()),
        "text": text,
        "doc": doc(&text),
        "etag": sha256_hex(text.as_bytes()),
        "loaded": cfg.playlists().contains_key(name),
        "diagnostics": diags_json(&diags, Some(&text)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_file_names_in_the_folder_only() {
        assert!(valid_name("main"));
        assert!(valid_name("赶集日"));
        assert!(valid_name("night-quiet_2"));
        for bad in ["", "default", "../x", "a.b", "a/b", "main - 副本", &"x".repeat(65)] {
            assert!(!valid_name(bad), "{bad}");
        }
        assert_eq!(doc("[[slot]]\nname = \"党务\"\nweight = 2\n")["slot"][0]["weight"], 2);
        assert_eq!(doc("[[slot]\n"), Value::Null);
    }
}
