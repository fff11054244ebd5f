//! The daemon's configuration: raw TOML read field by field, validated into owned types.
//!
//! Loading is pure apart from reading the files: it never opens devices or
//! sockets (that is `daemon`'s job) and reports every problem at once.

pub(crate) mod screen;
pub(crate) mod snapshot;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;

use crate::console::config::{ConsoleConfig, parse_console};
use crate::diag::{Diag, Diags};
use crate::evidence::cadence::Compliance;
use crate::evidence::config::{EvidenceConfig, parse_compliance, parse_evidence};
use crate::fleet::config::{FleetConfig, parse_fleet};
use crate::item::mask::{MaskPolicy, parse_masking};
use crate::schedule::{Playlist, parse as schedule_parse, playlist};
use crate::sinks;
use crate::sources::{self, SourceConfig};
use crate::status::config::{StatusConfig, parse_status};
use crate::tomlread::TomlFile;

pub(crate) use screen::ScreenConfig;
use snapshot::{FileText, Snapshot};

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub time_zone: TimeZone,
    pub time_zone_name: String,
    pub state_dir: PathBuf,
    pub fonts_dir: Option<PathBuf>,
    pub playlists_dir: PathBuf,
    /// Watch the config file and playlists folder and reload on change (SIGHUP always reloads).
    pub watch: bool,
    pub village: Option<String>,
    pub sources: Vec<SourceConfig>,
    pub masking: MaskPolicy,
    pub screens: Vec<ScreenConfig>,
    pub playlists: BTreeMap<String, Playlist>,
    /// The play log (`[evidence]`).
    pub evidence: EvidenceConfig,
    /// The HTTP status endpoint (`[status]`); off when absent.
    pub status: Option<StatusConfig>,
    /// How often each catalogue list must be disclosed (`[compliance]`), for `report` and `check`.
    pub compliance: Compliance,
    /// The link to the district's MQTT broker (`[fleet]`); off when absent.
    pub fleet: Option<FleetConfig>,
    /// The operator console (`[console]`); off when absent.
    pub console: Option<ConsoleConfig>,
    /// The exact texts this configuration was read from, for the last-good snapshot.
    pub(crate) texts: Snapshot,
}

/// A configuration read as far as it goes, with or without errors.
struct Parsed {
    config: Config,
    /// Per screen of `config`: whether its own `[[screens]]` table had no error.
    clean: Vec<bool>,
    ok: bool,
    diags: Vec<Diag>,
}

impl Config {
    /// Reads and validates a config file and the playlists it points at.
    /// Returns the config only when there are no errors; warnings come either way.
    pub fn load(path: &Path) -> (Option<Config>, Vec<Diag>) {
        match crate::fsutil::read_text(path) {
            Ok(src) => Config::from_str(path, &src),
            Err(d) => (None, vec![d]),
        }
    }

    /// Like `load`, but errors become one `Diags` error.
    pub fn load_strict(path: &Path) -> Result<Config, Diags> {
        match Config::load(path) {
            (Some(c), _) => Ok(c),
            (None, d) => Err(Diags(d)),
        }
    }

    /// Like `load`, with `text` in place of the playlist file `playlist` (which may not exist
    /// yet): the whole configuration is judged as `check` would judge it once that text is saved.
    /// The operator console validates a playlist edit with this before writing it.
    pub fn load_with_override(path: &Path, playlist: &Path, text: &str) -> (Option<Config>, Vec<Diag>) {
        let src = match crate::fsutil::read_text(path) {
            Ok(src) => src,
            Err(d) => return (None, vec![d]),
        };
        // The playlists folder as it is on disk, with the edited file in place.
        let mut texts = Vec::new();
        if let Some(dir) = playlist.parent()
            && let Ok(rd) = std::fs::read_dir(dir)
        {
            let mut files: Vec<PathBuf> =
                rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "toml") && p != playlist).collect();
            files.sort();
            // An unreadable file is reported when the configuration is next loaded.
            texts.extend(files.into_iter().filter_map(|f| crate::fsutil::read_text(&f).ok().map(|text| FileText { path: f, text })));
        }
        texts.push(FileText { path: playlist.to_path_buf(), text: text.to_string() });
        let p = Config::parse(path, &src, Some(&texts));
        (p.ok.then_some(p.config), p.diags)
    }

    /// For `check`: everything that could be read even when the files have errors (so one
    /// run also reads the items behind a broken playlist), whether it is usable as it is,
    /// and every diagnostic. `None` only when the config file itself cannot be read.
    pub(crate) fn load_for_check(path: &Path) -> (Option<Config>, bool, Vec<Diag>) {
        match crate::fsutil::read_text(path) {
            Ok(src) => {
                let p = Config::parse(path, &src, None);
                (Some(p.config), p.ok, p.diags)
            }
            Err(d) => (None, false, vec![d]),
        }
    }

    pub fn from_str(path: &Path, src: &str) -> (Option<Config>, Vec<Diag>) {
        let p = Config::parse(path, src, None);
        (p.ok.then_some(p.config), p.diags)
    }

    /// The configuration a last-good snapshot holds, read as if its files were at their
    /// original paths (so relative paths mean what they meant).
    pub(crate) fn from_snapshot(snap: &Snapshot) -> (Option<Config>, Vec<Diag>) {
        let Some(c) = &snap.config else { return (None, Vec::new()) };
        let p = Config::parse(&c.path, &c.text, Some(&snap.playlists));
        (p.ok.then_some(p.config), p.diags)
    }

    /// For a first install whose config has errors and no last-good snapshot: the screens
    /// that did parse, with no items and one notice (配置有误), so no screen stays black.
    /// `None` when not one screen could be read.
    pub(crate) fn fallback(path: &Path, src: &str) -> Option<Config> {
        let Parsed { mut config, clean, .. } = Config::parse(path, src, Some(&[]));
        let mut keep = clean.into_iter();
        config.screens.retain(|_| keep.next().unwrap_or(false));
        let mut c = config;
        if c.screens.is_empty() {
            return None;
        }
        let notice = playlist::config_error_playlist();
        c.sources.clear();
        for s in &mut c.screens {
            s.playlist = notice.name.clone();
            s.playlists.clear();
        }
        c.playlists = BTreeMap::from([(notice.name.clone(), notice)]);
        c.texts = Snapshot::default();
        Some(c)
    }

    /// Reads everything that can be read; `stored` replaces the playlists folder (a snapshot).
    fn parse(path: &Path, src: &str, stored: Option<&[FileText]>) -> Parsed {
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let rel = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        let (file, root) = TomlFile::parse(path, src);
        let mut top = file.table(&root, "config");

        let time_zone_name = top.or("time_zone", "Asia/Shanghai".to_string());
        let time_zone = match TimeZone::get(&time_zone_name) {
            Ok(tz) => tz,
            Err(_) => {
                file.error(
                    top.pos("time_zone"),
                    format!("未知的时区“{time_zone_name}”"),
                    format!("unknown time zone `{time_zone_name}` (use an IANA name such as Asia/Shanghai)"),
                );
                TimeZone::UTC
            }
        };
        let state_dir = rel(top.or("state_dir", PathBuf::from("state")));
        let fonts_dir = top.opt::<PathBuf>("fonts_dir").map(&rel);
        let playlists_dir = rel(top.or("playlists_dir", PathBuf::from("playlists")));
        let village: Option<String> = top.opt("village");
        let watch: bool = top.or("watch", true);

        let mut sources = Vec::new();
        for mut t in top.tables("sources") {
            if let Some(s) = sources::parse_source(&mut t, &rel) {
                if sources.iter().any(|o: &SourceConfig| o.name() == s.name()) {
                    file.error(t.span.start, format!("来源名称“{}”重复", s.name()), format!("duplicate source name `{}`", s.name()));
                }
                sources.push(s);
            }
            t.finish();
        }

        let masking = parse_masking(top.sub("masking"));

        let evidence = parse_evidence(top.sub("evidence"), &state_dir, &rel);
        let status = top.sub("status").and_then(parse_status);
        let compliance = parse_compliance(top.sub("compliance"));
        let fleet = top.sub("fleet").and_then(|t| parse_fleet(t, &rel));
        let console = top.sub("console").and_then(|t| parse_console(t, &state_dir, &rel));

        let mut screens = Vec::new();
        let screen_tables = top.tables("screens");
        if screen_tables.is_empty() && !file.has_errors() {
            file.error(0, "配置中没有任何 [[screens]]", "config has no [[screens]]: add at least one screen");
        }
        let mut clean = Vec::new();
        for mut t in screen_tables {
            let before = file.error_count();
            let named = t.keys().iter().any(|k| k == "playlist");
            if let Some(s) = screen::parse_screen(&mut t, village.as_deref(), &rel) {
                if screens.iter().any(|(o, ..): &(ScreenConfig, usize, usize, bool)| o.name == s.name) {
                    file.error(t.span.start, format!("屏幕名称“{}”重复", s.name), format!("duplicate screen name `{}`", s.name));
                }
                // Ports, files and devices: two sinks share one only where it allows sharing.
                for (i, k) in s.sinks.iter().enumerate() {
                    for other in screens.iter().flat_map(|(o, ..)| o.sinks.iter()).chain(&s.sinks[..i]) {
                        for (zh, en) in sinks::conflicts(other, k) {
                            file.error(t.span.start, zh, en);
                        }
                    }
                }
                screens.push((s, t.pos("playlist"), t.pos("playlists"), named));
                t.finish();
                clean.push(file.error_count() == before);
                continue;
            }
            t.finish();
        }
        top.finish();
        let mut diags = Vec::new();
        let (playlists, playlist_texts) = load_playlists(&playlists_dir, stored, &mut diags);
        for (s, _, list_pos, _) in &screens {
            for name in &s.playlists {
                if !playlists.contains_key(name) {
                    // At the name inside `playlists = [...]`, not at the top of the file.
                    let at = src[*list_pos..].find(&format!("\"{name}\"")).map_or(*list_pos, |i| list_pos + i);
                    file.error(
                        at,
                        format!("屏幕“{}”的 playlists 中的“{name}”不存在或有错误", s.name),
                        format!("screen `{}` lists playlist `{name}` in `playlists`, which is missing or has errors", s.name),
                    );
                }
            }
        }
        unnamed_playlist(&file, &screens, &playlists);
        for (s, pos, ..) in &screens {
            let broken = playlists_dir.join(format!("{}.toml", s.playlist));
            if !playlists.contains_key(&s.playlist) && broken.is_file() {
                file.error(
                    *pos,
                    format!("屏幕“{}”的播放列表 {} 有错误（见下方）", s.name, broken.display()),
                    format!("screen `{}` uses playlist {}, which has errors (listed below)", s.name, broken.display()),
                );
            } else if !playlists.contains_key(&s.playlist) {
                let known: Vec<&str> = playlists.keys().map(String::as_str).collect();
                file.error(
                    *pos,
                    format!("屏幕“{}”的播放列表“{}”不存在（{} 中有：{}）", s.name, s.playlist, playlists_dir.display(), known.join("、")),
                    format!(
                        "screen `{}` names playlist `{}`, which is not in {} (have: {})",
                        s.name,
                        s.playlist,
                        playlists_dir.display(),
                        known.join(", ")
                    ),
                );
            }
        }
        let ok = !file.has_errors() && !diags.iter().any(Diag::is_error);
        let mut all = file.into_diags();
        all.append(&mut diags);
        let texts = Snapshot { config: Some(FileText { path: path.to_path_buf(), text: src.to_string() }), playlists: playlist_texts };
        let config = Config {
            path: path.to_path_buf(),
            time_zone,
            time_zone_name,
            state_dir,
            fonts_dir,
            playlists_dir,
            watch,
            village,
            sources,
            masking,
            screens: screens.into_iter().map(|(s, ..)| s).collect(),
            playlists,
            evidence,
            status,
            compliance,
            fleet,
            console,
            texts,
        };
        Parsed { config, clean, ok, diags: all }
    }

    pub fn screen(&self, name: &str) -> Option<&ScreenConfig> {
        self.screens.iter().find(|s| s.name == name)
    }
}

/// A screen without a `playlist` key plays the built-in default; when the folder holds a
/// playlist no screen names, the clerk most likely forgot the key: say so, with the name.
fn unnamed_playlist(file: &TomlFile<'_>, screens: &[(ScreenConfig, usize, usize, bool)], playlists: &BTreeMap<String, Playlist>) {
    let named = |p: &str| screens.iter().any(|(s, ..)| s.playlist == p || s.playlists.iter().any(|n| n == p));
    let orphans: Vec<&str> = playlists.keys().map(String::as_str).filter(|p| *p != "default" && !named(p)).collect();
    let Some(first) = orphans.first() else { return };
    for (s, pos, _, has_key) in screens {
        if *has_key {
            continue;
        }
        file.warn(
            *pos,
            format!(
                "屏幕“{}”没有写 playlist，正在播放内置的默认列表；播放列表文件夹里有“{}”，是不是漏写了 playlist = \"{first}\"？",
                s.name,
                orphans.join("”“")
            ),
            format!(
                "screen `{}` has no `playlist` key, so it plays the built-in default; the playlists folder has `{}`: did you mean `playlist = \"{first}\"`?",
                s.name,
                orphans.join("`, `")
            ),
        );
    }
}

/// Reads every `*.toml` in the playlists folder (or, from a snapshot, the stored texts
/// of that folder), plus the built-in `default`; returns the playlists and the texts read.
fn load_playlists(dir: &Path, stored: Option<&[FileText]>, diags: &mut Vec<Diag>) -> (BTreeMap<String, Playlist>, Vec<FileText>) {
    let mut out = BTreeMap::new();
    out.insert("default".to_string(), playlist::default_playlist());
    let texts: Vec<FileText> = match stored {
        Some(s) => s.iter().filter(|f| f.path.parent() == Some(dir)).cloned().collect(),
        None => {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return (out, Vec::new());
            };
            let mut files: Vec<PathBuf> =
                rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect();
            files.sort();
            let mut texts = Vec::new();
            for f in files {
                match crate::fsutil::read_text(&f) {
                    Ok(text) => texts.push(FileText { path: f, text }),
                    Err(d) => diags.push(d),
                }
            }
            texts
        }
    };
    for f in &texts {
        let (p, mut d) = schedule_parse::parse_playlist(&f.path, &f.text);
        diags.append(&mut d);
        if let Some(p) = p {
            out.insert(p.name.clone(), p);
        }
    }
    (out, texts)
}
