//! Items through the console: the list of everything the sources know, and reading,
//! saving and deleting the files of folder sources.
//!
//! A save is validated exactly as the folder source reads a file (`sources::folder::read_item`)
//! on the very bytes that will be written, then written with `fsutil::write_atomic`: an
//! invalid item never reaches the disk. Files are only ever the direct children of a
//! configured items folder, named by a validated id; symbolic links are refused. Feed items
//! are read-only here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper::StatusCode;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::diag::Diag;
use crate::evidence::record::sha256_hex;
use crate::item::parse::{Format, Limits};
use crate::item::showable::Refusal;
use crate::item::{Catalog, Entry, Item, Showable, Status};
use crate::schedule::SlotContent;
use crate::sources::SourceConfig;
use crate::sources::folder::{FolderConfig, read_item};

use super::http::{Reply, diags_json, error, unprocessable};
use super::site::Site;

/// A folder source: the only place the console writes items.
#[derive(Debug, Clone)]
pub(crate) struct Folder {
    pub source: String,
    pub dir: PathBuf,
}

/// The folder sources, in configuration order.
pub(crate) fn folders(sources: &[SourceConfig]) -> Vec<Folder> {
    sources.iter().filter_map(|s| s.get::<FolderConfig>()).map(|f| Folder { source: f.name.clone(), dir: f.path.clone() }).collect()
}

/// The id rule of item files (`item::parse`), checked before an id becomes part of a path.
pub(crate) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        && !id.starts_with('.')
        && !id.contains("..")
}

/// One item file of a folder, as read now.
pub(crate) struct FileItem {
    pub path: PathBuf,
    pub format: Format,
    pub text: String,
    pub item: Result<Item, Vec<Diag>>,
    pub warnings: Vec<Diag>,
}

/// Regular files (never symbolic links) directly in `dir` that the folder source reads, parsed.
pub(crate) fn index(dir: &Path) -> Vec<FileItem> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = rd
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with('.')) && Format::of(p).is_some())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let format = Format::of(&path)?;
            let text = std::fs::read_to_string(&path).ok()?;
            let (item, warnings) = match read_item(&path, &text, format, &Limits::default()) {
                Ok((i, w)) => (Ok(i), w),
                Err(d) => (Err(d), Vec::new()),
            };
            Some(FileItem { path, format, text, item, warnings })
        })
        .collect()
}

/// Where an item of folder `f` with this id lives: its current file, or `<id>.json` for a new one.
/// A broken `<id>.json` or `<id>.toml` (one that does not parse) is found by its name, so the
/// console can open and repair it.
pub(crate) fn locate(f: &Folder, id: &str) -> (PathBuf, Option<FileItem>) {
    let all = index(&f.dir);
    let named = |ext: &str| f.dir.join(format!("{id}.{ext}"));
    let pos = all
        .iter()
        .position(|fi| fi.item.as_ref().is_ok_and(|i| i.id == id))
        .or_else(|| all.iter().position(|fi| fi.item.is_err() && (fi.path == named("json") || fi.path == named("toml"))));
    match pos.map(|i| all.into_iter().nth(i)) {
        Some(Some(fi)) => (fi.path.clone(), Some(fi)),
        _ => (named("json"), None),
    }
}

/// Splits `source/id` or `id` into the folder and the id; the first folder source when unnamed.
pub(crate) fn resolve<'a>(cfg: &dyn Site, key: &'a str) -> Result<(Option<Folder>, &'a str), Reply> {
    let (source, id) = match key.split_once('/') {
        Some((s, id)) => (Some(s), id),
        None => (None, key),
    };
    if !valid_id(id) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format!("条目 id“{id}”无效：只能由字母、数字和 - _ . : 组成"),
            format!("item id `{id}` is not valid: letters, digits, - _ . : only"),
        ));
    }
    let fs = folders(cfg.sources());
    let folder = match source {
        Some(s) => fs.into_iter().find(|f| f.source == s),
        None => fs.into_iter().next(),
    };
    Ok((folder, id))
}

fn state(e: &Arc<Entry>, now: Timestamp) -> (&'static str, &'static str) {
    match Showable::admit(e, now) {
        Ok(_) => ("showable", "可显示"),
        Err(Refusal::NotApproved(Status::Pending)) => ("pending", "待审核，不显示"),
        Err(Refusal::NotApproved(Status::Rejected)) => ("rejected", "未通过，不显示"),
        Err(Refusal::NotApproved(Status::Revoked)) => ("revoked", "已撤回，不显示"),
        Err(Refusal::NotApproved(_)) => ("not_approved", "未审核，不显示"),
        Err(Refusal::NotYetDue) => ("not_yet_due", "未到公示期"),
        Err(Refusal::Expired) => ("expired", "已过公示期"),
    }
}

/// Screens whose playlists have a slot that selects this item (whatever the slot's `when`).
fn screens_for(cfg: &dyn Site, key: &str, it: &Item) -> Vec<String> {
    cfg.screens()
        .iter()
        .filter(|sc| {
            std::iter::once(&sc.playlist)
                .chain(&sc.playlists)
                .filter_map(|n| cfg.playlists().get(n))
                .any(|p| p.slots.iter().any(|s| matches!(&s.content, SlotContent::Select(sel) if sel.matches(key, it))))
        })
        .map(|sc| sc.name.clone())
        .collect()
}

fn label(c: crate::item::Category) -> &'static str {
    c.label()
}

/// `GET /api/items`: every item the sources hold, with what the screens do with it, and the
/// files of folder sources that could not be read.
pub(crate) fn list(cfg: &dyn Site, catalog: &Catalog, on_air: &[(String, Option<String>)], now: Timestamp) -> Value {
    let folders = folders(cfg.sources());
    let files: Vec<(String, Vec<FileItem>)> = folders.iter().map(|f| (f.source.clone(), index(&f.dir))).collect();
    let mut items = Vec::new();
    for e in catalog.entries() {
        let it = &e.original();
        let editable = folders.iter().any(|f| f.source == e.source());
        let file = files.iter().filter(|(s, _)| *s == e.source()).flat_map(|(_, v)| v).find(|fi| fi.item.as_ref().is_ok_and(|i| i.id == it.id));
        let diagnostics: Vec<&Diag> = match file {
            Some(fi) => catalog.problems.iter().filter(|d| d.file == fi.path).collect(),
            None => Vec::new(),
        };
        let (st, st_label) = state(e, now);
        items.push(json!({
            "key": e.key(), "source": e.source(), "id": it.id, "editable": editable,
            "file": file.map(|f| f.path.file_name().map(|n| n.to_string_lossy().into_owned())),
            "title": it.title, "category": it.category.key(), "category_label": label(it.category),
            "list": it.list, "village": it.village, "status": it.status, "priority": it.priority,
            "revision": it.revision, "approval_by": it.approval.as_ref().map(|a| &a.by),
            "from": it.display.from, "until": it.display.until,
            "showable": st == "showable", "state": st, "state_label": st_label,
            "masked": e.masked_count(),
            "screens": screens_for(cfg, e.key(), it),
            "on_air": on_air.iter().filter(|(_, k)| k.as_deref() == Some(e.key())).map(|(s, _)| s).collect::<Vec<_>>(),
            "diagnostics": diagnostics.iter().map(|d| super::http::diag_json(d, None)).collect::<Vec<_>>(),
        }));
    }
    let mut broken = Vec::new();
    for (source, fs) in &files {
        for fi in fs {
            if let Err(d) = &fi.item {
                broken.push(json!({
                    "source": source,
                    "file": fi.path.file_name().map(|n| n.to_string_lossy().into_owned()),
                    "diagnostics": diags_json(d, Some(&fi.text)),
                }));
            }
        }
    }
    // Only folder sources are edited here; every other kind (the signed feed) is read-only.
    let sources: Vec<Value> =
        cfg.sources().iter().map(|s| json!({"name": s.name(), "kind": s.kind(), "editable": s.get::<FolderConfig>().is_some()})).collect();
    json!({"now": now, "items": items, "broken": broken, "sources": sources})
}

/// An item's JSON as the editor and the API show it (two-space indent, keys in documented order).
pub(crate) fn pretty(it: &Item) -> String {
    let mut s = serde_json::to_string_pretty(it).unwrap_or_default();
    s.push('\n');
    s
}

/// The bytes to write for an item in a file of `format`.
pub(crate) fn render(it: &Item, format: Format) -> String {
    match format {
        Format::Json => pretty(it),
        Format::Toml => toml::to_string(it).unwrap_or_default(),
    }
}

/// What a save decided: the text to write, the item as saved, and its warnings.
pub(crate) struct Saved {
    pub text: String,
    pub item: Item,
    pub warnings: Vec<Diag>,
    /// The file already held exactly this item.
    pub unchanged: bool,
}

/// Validates an edit (`body` is the editor's JSON text) for the file at `path`, which holds
/// `old` today. Errors carry positions in `body`. The revision goes up by one on every change,
/// whatever the body says, so evidence never sees two contents under one revision.
pub(crate) fn prepare(path: &Path, id: &str, body: &str, old: Option<&FileItem>) -> Result<Saved, Reply> {
    let (mut item, _) = read_item(path, body, Format::Json, &Limits::default()).map_err(|d| unprocessable(&d, Some(body)))?;
    let at_id = |zh: String, en: String| {
        let (line, col) = crate::item::parse::key_position(body, "id", Format::Json);
        vec![Diag { line, col, ..Diag::file(path, zh, en) }]
    };
    if item.id != id {
        let d = at_id(
            format!("正文中的 id“{}”与地址中的“{id}”不一致", item.id),
            format!("the body's id `{}` differs from `{id}` in the address", item.id),
        );
        return Err(unprocessable(&d, Some(body)));
    }
    if item.status == Status::Approved && item.approval.as_ref().is_none_or(|a| a.by.trim().is_empty()) {
        let (line, col) = crate::item::parse::key_position(body, "approval", Format::Json);
        let d = vec![Diag {
            line,
            col,
            ..Diag::file(path, "标记为已审核（approved）时必须填写审核人（approval.by）", "an approved item must say who approved it (`approval.by`)")
        }];
        return Err(unprocessable(&d, Some(body)));
    }
    let format = old.map_or(Format::Json, |o| o.format);
    let old_item = old.and_then(|o| o.item.as_ref().ok());
    if let Some(o) = old_item {
        let mut same = item.clone();
        same.revision = o.revision;
        if &same == o {
            return Ok(Saved { text: old.map(|o| o.text.clone()).unwrap_or_default(), item: o.clone(), warnings: Vec::new(), unchanged: true });
        }
        item.revision = item.revision.max(o.revision + 1);
    }
    let text = render(&item, format);
    // The exact bytes to be written pass the folder source's reading, or nothing is written.
    let (again, warnings) = read_item(path, &text, format, &Limits::default()).map_err(|d| unprocessable(&d, Some(&text)))?;
    if again != item {
        let d = vec![Diag::file(path, "保存后的内容与编辑的内容不一致，未保存", "the saved form would differ from the edit; not saved")];
        return Err(unprocessable(&d, None));
    }
    Ok(Saved { text, item, warnings, unchanged: false })
}

/// The JSON a `GET /api/items/<id>` returns for a folder item.
pub(crate) fn file_json(folder: &Folder, fi: &FileItem) -> Value {
    let item = fi.item.as_ref().ok();
    json!({
        "key": item.map(|i| format!("{}/{}", folder.source, i.id)),
        "source": folder.source,
        "editable": true,
        "file": fi.path.file_name().map(|n| n.to_string_lossy().into_owned()),
        "format": match fi.format { Format::Json => "json", Format::Toml => "toml" },
        "text": fi.text,
        "json": item.map(pretty),
        "item": item,
        "etag": sha256_hex(fi.text.as_bytes()),
        "diagnostics": match &fi.item { Ok(_) => diags_json(&fi.warnings, Some(&fi.text)), Err(d) => diags_json(d, Some(&fi.text)) },
    })
}

/// A file path is a direct child of `dir` and not a symbolic link (or does not exist yet).
pub(crate) fn confined(dir: &Path, path: &Path) -> bool {
    if path.parent() != Some(dir) {
        return false;
    }
    match std::fs::symlink_metadata(path) {
        Ok(md) => md.file_type().is_file(),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_could_leave_the_folder_are_refused() {
        assert!(valid_id("dibao-2026-12"));
        assert!(valid_id("a:b_c.d"));
        for bad in ["", "..", "../x", "a/b", ".hidden", "a..b", "条目", &"x".repeat(129)] {
            assert!(!valid_id(bad), "{bad}");
        }
    }

    const TOML_ITEM: &str = "id = \"party-1\"\nrevision = 3\ncategory = \"party\"\ntitle = \"党务\"\nbody = [\"正文\"]\nstatus = \"pending\"\n\
                             [display]\nfrom = 2026-11-01T00:00:00+08:00\nuntil = 2027-01-01T00:00:00+08:00\n";

    #[test]
    fn an_edit_of_a_toml_file_stays_toml_with_the_next_revision_and_an_unchanged_one_is_not_written() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("党务.toml"), TOML_ITEM).unwrap();
        let f = Folder { source: "local".into(), dir: d.path().to_path_buf() };
        let (path, old) = locate(&f, "party-1");
        assert_eq!(path, d.path().join("党务.toml"), "found by its id, whatever the file name");
        let old = old.unwrap();
        let mut edited = old.item.clone().unwrap();
        edited.title = "党务公开".into();
        let saved = prepare(&path, "party-1", &pretty(&edited), Some(&old)).unwrap_or_else(|r| panic!("{:?}", r.status()));
        assert!(!saved.unchanged);
        assert_eq!(saved.item.revision, 4);
        let (back, _) = read_item(&path, &saved.text, Format::Toml, &Limits::default()).unwrap();
        assert_eq!((back.title.as_str(), back.revision), ("党务公开", 4));
        let same = prepare(&path, "party-1", &pretty(old.item.as_ref().unwrap()), Some(&old)).unwrap_or_else(|r| panic!("{:?}", r.status()));
        assert!(same.unchanged);
        // A different id in the body than in the address is refused.
        let r = prepare(&path, "party-2", &pretty(&edited), Some(&old)).err().unwrap();
        assert_eq!(r.status(), hyper::StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn a_broken_file_is_found_by_its_name_so_it_can_be_repaired() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("party-1.toml"), TOML_ITEM.replace("title = ", "title: ")).unwrap();
        let f = Folder { source: "local".into(), dir: d.path().to_path_buf() };
        let (path, old) = locate(&f, "party-1");
        assert_eq!(path, d.path().join("party-1.toml"));
        assert!(old.unwrap().item.is_err());
        assert_eq!(locate(&f, "new-one").0, d.path().join("new-one.json"));
    }

    #[test]
    fn a_symbolic_link_or_a_path_elsewhere_is_not_confined() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x.json"), "{}").unwrap();
        std::os::unix::fs::symlink(outside.path().join("x.json"), d.path().join("x.json")).unwrap();
        assert!(!confined(d.path(), &d.path().join("x.json")));
        assert!(confined(d.path(), &d.path().join("new.json")));
        assert!(!confined(d.path(), &outside.path().join("x.json")));
        assert!(!confined(d.path(), &d.path().join("sub/x.json")));
        assert!(index(d.path()).is_empty(), "links are not listed");
    }
}
