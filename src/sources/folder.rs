//! Folder source: one item per `*.json` / `*.toml` file, rescanned when the folder changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::diag::Diag;
use crate::item::Item;
use crate::item::parse::{Format, Limits, parse_item, unknown_keys};

use super::SourceUpdate;

/// Largest item file read; bigger ones are reported and skipped.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// What a folder holds: items by file, and the files that failed.
pub fn scan(source: &str, dir: &Path, limits: &Limits) -> SourceUpdate {
    let mut problems = Vec::new();
    let mut by_id: BTreeMap<String, (Arc<Item>, PathBuf)> = BTreeMap::new();
    let files = match list(dir) {
        Ok(f) => f,
        Err(e) => {
            problems.push(Diag::file(dir, format!("无法读取条目目录：{e}"), format!("cannot read item folder: {e}")));
            return SourceUpdate { source: source.to_string(), items: Vec::new(), problems, health: None };
        }
    };
    for (path, _, len) in files {
        let Some(format) = Format::of(&path) else { continue };
        if len > MAX_FILE_BYTES {
            problems.push(Diag::file(
                &path,
                format!("文件过大（超过 {MAX_FILE_BYTES} 字节），已跳过"),
                format!("file larger than {MAX_FILE_BYTES} bytes, skipped"),
            ));
            continue;
        }
        let src = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) => {
                problems.push(Diag::file(&path, format!("无法读取：{e}"), format!("cannot read: {e}")));
                continue;
            }
        };
        match parse_item(&path, &src, format, limits) {
            Ok(item) => {
                problems.extend(unknown_keys(&path, &src, format));
                let id = item.id.clone();
                let item = Arc::new(item);
                match by_id.get(&id) {
                    Some((other, other_path)) => {
                        let (keep, drop) = if item.revision > other.revision { (&path, other_path) } else { (other_path, &path) };
                        problems.push(
                            Diag::file(
                                drop,
                                format!("条目 id“{id}”与 {} 重复，使用修订号更高的那个", keep.display()),
                                format!("item id `{id}` also in {}; the higher revision is used", keep.display()),
                            )
                            .warning(),
                        );
                        if item.revision > other.revision {
                            by_id.insert(id, (item, path.clone()));
                        }
                    }
                    None => {
                        by_id.insert(id, (item, path.clone()));
                    }
                }
            }
            Err(mut d) => problems.append(&mut d),
        }
    }
    SourceUpdate { source: source.to_string(), items: by_id.into_values().map(|(i, _)| i).collect(), problems, health: None }
}

/// Item files in the folder with their modification time and size, sorted by name.
fn list(dir: &Path) -> std::io::Result<Vec<(PathBuf, SystemTime, u64)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let path = e.path();
        // Editors leave hidden swap and backup files; they are not items.
        if path.file_name().and_then(|n| n.to_str()).is_none_or(|n| n.starts_with('.')) || Format::of(&path).is_none() {
            continue;
        }
        let Ok(md) = e.metadata() else { continue };
        if md.is_file() {
            out.push((path, md.modified().unwrap_or(SystemTime::UNIX_EPOCH), md.len()));
        }
    }
    out.sort();
    Ok(out)
}

/// Polls the folder every `poll` and sends a full update whenever its listing changes.
/// Polling (not inotify) because it is cheap for a few hundred files and works on every filesystem.
pub async fn run(source: String, dir: PathBuf, poll: Duration, limits: Limits, tx: mpsc::Sender<SourceUpdate>, cancel: CancellationToken) {
    let mut last: Option<Vec<(PathBuf, SystemTime, u64)>> = None;
    let mut tick = tokio::time::interval(poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        let listing = list(&dir).ok();
        if last.is_some() && listing == last {
            continue;
        }
        last = listing;
        let (s, d, l) = (source.clone(), dir.clone(), limits);
        let Ok(update) = tokio::task::spawn_blocking(move || scan(&s, &d, &l)).await else { return };
        for p in &update.problems {
            warn!(source = %source, problem = %p, "item not loaded");
        }
        info!(source = %source, items = update.items.len(), problems = update.problems.len(), "folder scanned");
        debug!(source = %source, dir = %dir.display(), "sending update");
        if tx.send(update).await.is_err() {
            return;
        }
    }
}
