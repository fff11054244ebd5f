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
        scan(&self.name, &self.path, &Limits::default(), &mut Held::new())
    }
}

/// Largest item file read; bigger ones are reported and skipped.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// The last good item read from each file: what stays on screen while that file is broken.
pub(crate) type Held = BTreeMap<PathBuf, Arc<Item>>;

/// What a folder holds: items by file, and the files that failed. A file that exists
/// but cannot be read or parsed keeps its last good item from `held` (a typo in the
/// item on air must not take it off the screen); `held` is updated to this scan.
pub(crate) fn scan(source: &str, dir: &Path, limits: &Limits, held: &mut Held) -> SourceUpdate {
    let mut problems = Vec::new();
    let mut by_id: BTreeMap<String, Vec<(Arc<Item>, PathBuf)>> = BTreeMap::new();
    let files = match list(dir) {
        Ok(f) => f,
        Err(e) => {
            problems.push(Diag::file(dir, format!("无法读取条目目录：{e}"), format!("cannot read item folder: {e}")));
            let failure = failure_of(&problems);
            return SourceUpdate { source: source.to_string(), items: Vec::new(), problems, health: None, failure };
        }
    };
    problems.extend(ignored(dir));
    let mut good = Held::new();
    for (name, _, len) in files {
        let path = dir.join(name);
        let Some(format) = Format::of(&path) else { continue };
        let parsed = read_item_file(&path, len, format, limits, &mut problems);
        let item = match (parsed, held.get(&path)) {
            (Some(item), _) => Arc::new(item),
            (None, Some(last)) => {
                problems.push(Diag::file(
                    &path,
                    format!("此文件有错误，屏上继续显示它上次正确的版本（修订号 {}）；改正后自动更新，删除文件则立即下屏", last.revision),
                    format!(
                        "this file has errors: its last good revision ({}) stays on screen until the file is fixed; deleting the file withdraws it at once",
                        last.revision
                    ),
                ));
                Arc::clone(last)
            }
            (None, None) => continue,
        };
        good.insert(path.clone(), Arc::clone(&item));
        by_id.entry(item.id.clone()).or_default().push((item, path));
    }
    let mut items = Vec::new();
    for (id, mut found) in by_id {
        if found.len() == 1 {
            items.extend(found.pop().map(|(i, _)| i));
            continue;
        }
        // Two files claim one id (a copied file with only the title changed): neither is taken at
        // face value. The one that held the id before keeps its last good state; else none is shown.
        let before = found.iter().find_map(|(_, p)| held.get(p).filter(|h| h.id == id).map(|h| (Arc::clone(h), p.clone())));
        for (_, p) in &found {
            match held.get(p).filter(|h| h.id == id) {
                Some(h) => good.insert(p.clone(), Arc::clone(h)),
                None => good.remove(p),
            };
        }
        let names: Vec<String> = found.iter().map(|(_, p)| p.display().to_string()).collect();
        let (shown_zh, shown_en) = match &before {
            Some((h, p)) => (
                format!("屏上继续显示 {} 上次的版本（修订号 {}）", p.display(), h.revision),
                format!("{} stays on screen as it was (revision {})", p.display(), h.revision),
            ),
            None => ("两个都不显示".to_string(), "neither is shown".to_string()),
        };
        for (_, p) in &found {
            problems.push(Diag::file(
                p,
                format!("条目 id“{id}”重复：{}。{shown_zh}。复制的文件请改一个新的 id", names.join(" 和 ")),
                format!("item id `{id}` is in more than one file: {}; {shown_en}; give the copy an id of its own", names.join(" and ")),
            ));
        }
        items.extend(before.map(|(h, _)| h));
    }
    *held = good;
    let failure = failure_of(&problems);
    SourceUpdate { source: source.to_string(), items, problems, health: None, failure }
}

/// Reads and parses one item file; its problems go to `problems`.
fn read_item_file(path: &Path, len: u64, format: Format, limits: &Limits, problems: &mut Vec<Diag>) -> Option<Item> {
    if len > MAX_FILE_BYTES {
        problems.push(Diag::file(
            path,
            format!("文件过大（超过 {MAX_FILE_BYTES} 字节），已跳过"),
            format!("file larger than {MAX_FILE_BYTES} bytes, skipped"),
        ));
        return None;
    }
    let src = match crate::fsutil::read_text(path) {
        Ok(s) => s,
        Err(d) => {
            problems.push(d);
            return None;
        }
    };
    // A misspelt key is an error: the item is not taken (its last good revision stays).
    match read_item(path, &src, format, limits) {
        Ok((item, mut warnings)) => {
            problems.append(&mut warnings);
            Some(item)
        }
        Err(mut d) => {
            problems.append(&mut d);
            None
        }
    }
}

/// The folder counts as failing while any file (or the folder itself) has an error: the first, and how many more.
fn failure_of(problems: &[Diag]) -> Option<String> {
    let errors: Vec<String> = problems.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    let more = if errors.len() > 1 { format!(" (and {} more)", errors.len() - 1) } else { String::new() };
    errors.first().map(|e| format!("{e}{more}"))
}

/// Reads one item file's text exactly as the folder source does: the item and its warnings,
/// or every error (a misspelt key is an error). The operator console validates an edit
/// with this before writing it.
pub(crate) fn read_item(path: &Path, src: &str, format: Format, limits: &Limits) -> Result<(Item, Vec<Diag>), Vec<Diag>> {
    // A misspelt key (`dispaly`) is named first, also when it makes a required one missing.
    let item =
        parse_item(path, src, format, limits).map_err(|errors| unknown_keys(path, src, format).into_iter().chain(errors).collect::<Vec<_>>())?;
    let unknown = unknown_keys(path, src, format);
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let warnings = item_warnings(&item, path, src, format);
    Ok((item, warnings))
}

/// A warning for every file in the folder that is not read as an item, saying why:
/// a clerk who saves `x.json.txt` or an `.xlsx` must not be left guessing.
fn ignored(dir: &Path) -> Vec<Diag> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = rd.flatten().filter(|e| e.file_type().is_ok_and(|t| t.is_file())).map(|e| e.path()).collect();
    paths.sort();
    let mut out = Vec::new();
    for p in paths {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (zh, en) = if name.starts_with('.') {
            ("隐藏文件（多为编辑器的临时文件），不读取".to_string(), "hidden file (usually an editor's temporary file), not read".to_string())
        } else if name.ends_with('~') || name.ends_with(".bak") || name.ends_with(".swp") {
            ("备份文件，不读取".to_string(), "backup file, not read".to_string())
        } else if Format::of(&p).is_some() {
            continue;
        } else {
            let ext = p.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
            let stem = name.strip_suffix(&format!(".{ext}")).unwrap_or(&name);
            let hint = if Format::of(Path::new(stem)).is_some() { format!("；改名为 {stem} 即可读取") } else { String::new() };
            let hint_en = if Format::of(Path::new(stem)).is_some() { format!("; rename it to {stem} to have it read") } else { String::new() };
            (
                format!("扩展名“.{ext}”不是 .json 或 .toml，不读取{hint}（Excel 表格要先转成条目文件）"),
                format!("extension `.{ext}` is not .json or .toml, not read{hint_en}"),
            )
        };
        out.push(Diag::file(&p, format!("此文件不是条目：{zh}"), format!("not an item: {en}")).warning());
    }
    out
}

/// An item file's name with its modification time and size.
type Listed = (std::ffi::OsString, SystemTime, u64);

/// Item files in the folder with their modification time and size, sorted by name (bytes:
/// cheaper than comparing paths by components, which a poll every 2 s of 1,000 files felt).
fn list(dir: &Path) -> std::io::Result<Vec<Listed>> {
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
            out.push((e.file_name(), md.modified().unwrap_or(SystemTime::UNIX_EPOCH), md.len()));
        }
    }
    out.sort_unstable();
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
    let mut last: Option<Vec<Listed>> = None;
    let mut held = Held::new();
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
        let (s, d, l, mut h) = (source.clone(), dir.clone(), limits, std::mem::take(&mut held));
        let Ok((update, h)) = tokio::task::spawn_blocking(move || (scan(&s, &d, &l, &mut h), h)).await else { return };
        held = h;
        let now = std::time::Instant::now();
        let say = match &update.failure {
            Some(f) => spell.failure(f, now).is_some(),
            None => {
                if let Some(r) = spell.success(now) {
                    info!(source = %source, failures = r.failures, lasted = %crate::diag::duration(r.lasted), "every item file reads again");
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
    fn every_file_not_read_is_named_with_why_and_upper_case_extensions_are_read() {
        let d = tempfile::tempdir().unwrap();
        let good = r#"{"id":"a","revision":1,"category":"village","title":"t","status":"pending","display":{"from":"2021-01-01T00:00:00Z","until":"2022-01-01T00:00:00Z"}}"#;
        std::fs::write(d.path().join("低保.JSON"), good).unwrap();
        for f in ["x.json.txt", "名单.xlsx", ".a.json.swp", "b.json~"] {
            std::fs::write(d.path().join(f), "x").unwrap();
        }
        let u = scan("local", d.path(), &Limits::default(), &mut Held::new());
        assert_eq!(u.items.len(), 1, "{:?}", u.problems);
        let said: Vec<String> = u.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 4, "{said:#?}");
        assert!(said.iter().all(|s| s.contains("警告 warning: 此文件不是条目")), "{said:#?}");
        assert!(said.iter().any(|s| s.contains("x.json.txt") && s.contains("改名为 x.json 即可读取")), "{said:#?}");
        assert!(said.iter().any(|s| s.contains("名单.xlsx") && s.contains("“.xlsx”")), "{said:#?}");
        assert!(said.iter().any(|s| s.contains(".a.json.swp") && s.contains("隐藏文件")), "{said:#?}");
        assert!(said.iter().any(|s| s.contains("b.json~") && s.contains("备份文件")), "{said:#?}");
    }

    #[test]
    fn a_copied_item_with_the_same_id_is_an_error_naming_both_files_and_the_original_stays() {
        let d = tempfile::tempdir().unwrap();
        let good = r#"{"id":"a","revision":1,"category":"village","title":"低保","status":"pending","display":{"from":"2021-01-01T00:00:00Z","until":"2022-01-01T00:00:00Z"}}"#;
        std::fs::write(d.path().join("a.json"), good).unwrap();
        let mut held = Held::new();
        scan("local", d.path(), &Limits::default(), &mut held);
        std::fs::write(d.path().join("a - 副本.json"), good.replace("低保", "五保").replace("\"revision\":1", "\"revision\":2")).unwrap();
        let u = scan("local", d.path(), &Limits::default(), &mut held);
        assert_eq!(u.items.len(), 1);
        assert_eq!(u.items[0].title, "低保", "the original stays as it was");
        let errors: Vec<String> = u.problems.iter().filter(|p| p.is_error()).map(|p| p.to_string()).collect();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors[0].contains("a - 副本.json 和") && errors[0].contains("a.json") && errors[0].contains("屏上继续显示"), "{errors:#?}");
        // Unchanged at the next scan; and offline (check, nothing held) neither is shown.
        assert_eq!(scan("local", d.path(), &Limits::default(), &mut held).items[0].title, "低保");
        let fresh = scan("local", d.path(), &Limits::default(), &mut Held::new());
        assert!(fresh.items.is_empty() && fresh.problems.iter().any(|p| p.zh.contains("两个都不显示")), "{:?}", fresh.problems);
    }

    #[test]
    fn a_typo_in_an_item_keeps_its_last_good_revision_until_fixed_or_deleted() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.json");
        let good = r#"{"id":"a","revision":1,"category":"village","title":"t","status":"approved","approval":{"by":"x","at":"2021-01-01T00:00:00Z"},"display":{"from":"2021-01-01T00:00:00Z","until":"2022-01-01T00:00:00Z"}}"#;
        std::fs::write(&f, good).unwrap();
        let mut held = Held::new();
        assert_eq!(scan("local", d.path(), &Limits::default(), &mut held).items.len(), 1);
        // The clerk drops a comma.
        std::fs::write(&f, good.replace(r#""revision":1,"#, r#""revision":2 "#)).unwrap();
        let u = scan("local", d.path(), &Limits::default(), &mut held);
        assert_eq!(u.items.len(), 1, "still on screen");
        assert_eq!(u.items[0].revision, 1, "the last good revision");
        assert!(u.problems.iter().any(|p| p.line == 1 && p.en.contains("expected")), "{:?}", u.problems);
        assert!(u.problems.iter().any(|p| p.zh.contains("继续显示它上次正确的版本（修订号 1）")), "{:?}", u.problems);
        assert!(u.failure.is_some(), "recorded as a source failure");
        // Still broken at the next scan: still held.
        assert_eq!(scan("local", d.path(), &Limits::default(), &mut held).items.len(), 1);
        // A valid revoked revision replaces it at once.
        std::fs::write(&f, good.replace(r#""revision":1"#, r#""revision":3"#).replace("approved", "revoked")).unwrap();
        let u = scan("local", d.path(), &Limits::default(), &mut held);
        assert_eq!((u.items.len(), u.items[0].revision), (1, 3));
        // Broken again, then deleted: gone at once.
        std::fs::write(&f, "{").unwrap();
        assert_eq!(scan("local", d.path(), &Limits::default(), &mut held).items[0].revision, 3);
        std::fs::remove_file(&f).unwrap();
        assert!(scan("local", d.path(), &Limits::default(), &mut held).items.is_empty());
        assert!(held.is_empty());
    }

    #[test]
    fn a_folder_with_bad_files_reports_the_first_error_and_how_many_more() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.json"), "{ not json").unwrap();
        std::fs::write(d.path().join("b.json"), "[]").unwrap();
        let u = scan("local", d.path(), &Limits::default(), &mut Held::new());
        let failure = u.failure.expect("bad files make the source fail");
        assert!(failure.starts_with(&u.problems[0].to_string()) && failure.ends_with(" (and 1 more)"), "{failure}");
        let missing = scan("local", &d.path().join("gone"), &Limits::default(), &mut Held::new());
        assert!(missing.failure.unwrap().contains("cannot read item folder"));
        std::fs::remove_file(d.path().join("a.json")).unwrap();
        std::fs::remove_file(d.path().join("b.json")).unwrap();
        assert_eq!(scan("local", d.path(), &Limits::default(), &mut Held::new()).failure, None);
    }
}
