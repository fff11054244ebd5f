//! Source `folder`: one item per `*.json` / `*.toml` file, rescanned when the folder changes.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::diag::Diag;
use crate::item::Item;
use crate::item::parse::{Format, Limits, item_warnings, parse_item, unknown_keys};
use crate::spell::Spell;
use crate::tomlread::Table;

use super::{Source, SourceConfig, SourceContext, SourceUpdate};

/// `type = "folder"`: item files in a folder, polled for changes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FolderConfig {
    pub name: String,
    pub path: PathBuf,
    pub poll: Duration,
}

pub(crate) fn parse(t: &mut Table<'_, '_>, name: Option<String>, rel: &dyn Fn(PathBuf) -> PathBuf) -> Option<SourceConfig> {
    let path: Option<PathBuf> = t.req("path");
    let poll = t.int_in("poll_seconds", 1..=3600, Some(2));
    Some(SourceConfig::new(FolderConfig { name: name?, path: rel(path?), poll: Duration::from_secs(poll? as u64) }))
}

impl Source for FolderConfig {
    fn kind(&self) -> &'static str {
        "folder"
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn start(&self, cx: SourceContext) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        info!(source = %self.name, dir = %self.path.display(), "folder source");
        Box::pin(run(self.name.clone(), self.path.clone(), self.poll, Limits::default(), cx.tx, cx.cancel, cx.poll_now))
    }

    fn offline(&self, _state_dir: &Path) -> SourceUpdate {
        scan(&self.name, &self.path, &Limits::default())
    }
}

/// Largest item file read; bigger ones are reported and skipped.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// What a folder holds: items by file, and the files that failed.
pub(crate) fn scan(source: &str, dir: &Path, limits: &Limits) -> SourceUpdate {
    let mut problems = Vec::new();
    let mut by_id: BTreeMap<String, (Arc<Item>, PathBuf)> = BTreeMap::new();
    let files = match list(dir) {
        Ok(f) => f,
        Err(e) => {
            problems.push(Diag::file(dir, format!("无法读取条目目录：{e}"), format!("cannot read item folder: {e}")));
            let failure = failure_of(&problems);
            return SourceUpdate { source: source.to_string(), items: Vec::new(), problems, health: None, failure };
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
        match read_item(&path, &src, format, limits) {
            Ok((item, warnings)) => {
                problems.extend(warnings);
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
    let failure = failure_of(&problems);
    SourceUpdate { source: source.to_string(), items: by_id.into_values().map(|(i, _)| i).collect(), problems, health: None, failure }
}

/// The folder counts as failing while any file (or the folder itself) has an error: the first, and how many more.
fn failure_of(problems: &[Diag]) -> Option<String> {
    let errors: Vec<String> = problems.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    let more = if errors.len() > 1 { format!(" (and {} more)", errors.len() - 1) } else { String::new() };
    errors.first().map(|e| format!("{e}{more}"))
}

/// Reads one item file's text exactly as the folder source does: the item and its warnings,
/// or every error. The operator console validates an edit with this before writing it.
pub(crate) fn read_item(path: &Path, src: &str, format: Format, limits: &Limits) -> Result<(Item, Vec<Diag>), Vec<Diag>> {
    let item = parse_item(path, src, format, limits)?;
    let mut warnings = unknown_keys(path, src, format);
    warnings.extend(item_warnings(&item, path, src, format));
    Ok((item, warnings))
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
pub(crate) async fn run(
    source: String,
    dir: PathBuf,
    poll: Duration,
    limits: Limits,
    tx: mpsc::Sender<SourceUpdate>,
    cancel: CancellationToken,
    mut poll_now: super::PollNow,
) {
    let mut last: Option<Vec<(PathBuf, SystemTime, u64)>> = None;
    // The same broken file is warned about once per spell (and a reminder), not at every rescan.
    let mut spell = Spell::default_reminder();
    let mut tick = tokio::time::interval(poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => {}
            _ = poll_now.asked() => {}
        }
        let listing = list(&dir).ok();
        if last.is_some() && listing == last {
            continue;
        }
        last = listing;
        let (s, d, l) = (source.clone(), dir.clone(), limits);
        let Ok(update) = tokio::task::spawn_blocking(move || scan(&s, &d, &l)).await else { return };
        let now = std::time::Instant::now();
        let say = match &update.failure {
            Some(f) => spell.failure(f, now).is_some(),
            None => {
                if let Some(r) = spell.success(now) {
                    info!(source = %source, failures = r.failures, seconds = r.lasted.as_secs(), "every item file reads again");
                }
                true
            }
        };
        for p in &update.problems {
            if say {
                warn!(source = %source, problem = %p, "item not loaded");
            } else {
                debug!(source = %source, problem = %p, "item still not loaded");
            }
        }
        info!(source = %source, items = update.items.len(), problems = update.problems.len(), "folder scanned");
        debug!(source = %source, dir = %dir.display(), "sending update");
        if tx.send(update).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_with_bad_files_reports_the_first_error_and_how_many_more() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.json"), "{ not json").unwrap();
        std::fs::write(d.path().join("b.json"), "[]").unwrap();
        let u = scan("local", d.path(), &Limits::default());
        let failure = u.failure.expect("bad files make the source fail");
        assert!(failure.starts_with(&u.problems[0].to_string()) && failure.ends_with(" (and 1 more)"), "{failure}");
        let missing = scan("local", &d.path().join("gone"), &Limits::default());
        assert!(missing.failure.unwrap().contains("cannot read item folder"));
        std::fs::remove_file(d.path().join("a.json")).unwrap();
        std::fs::remove_file(d.path().join("b.json")).unwrap();
        assert_eq!(scan("local", d.path(), &Limits::default()).failure, None);
    }
}
