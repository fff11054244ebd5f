//! The shape of the source tree, checked: import direction between layers, the wall
//! clock read only in clock.rs, anyhow only in the command line, a `//!` line and a
//! bounded length for every file. ARCHITECTURE.md describes the same rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules by layer, lowest first. A module may use modules of its own
/// layer or lower ones. A new module must be placed here deliberately.
const LAYERS: &[&[&str]] = &[
    &["diag", "tomlread", "clock", "mmap", "spell", "fsutil", "notify", "testutil", "component"],
    &["item"],
    &["schedule"],
    &["render"],
    &["sources", "sinks"],
    &["store"],
    &["evidence"],
    &["status"],
    &["config"],
    &["engine", "reload", "timeline"],
    &["console", "fleet"],
    &["daemon"],
    &["cli", "demo", "api", "fuzzing"],
];

/// Longest file allowed under src/ ("files of a few hundred lines").
const MAX_LINES: usize = 600;

fn src_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out.sort();
    out
}

fn rel(p: &Path) -> String {
    p.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().display().to_string()
}

/// `src/render/font/mod.rs` → `render`; `src/lib.rs` → `lib`.
fn module_of(p: &Path) -> String {
    let r = p.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("src")).unwrap();
    let first = r.components().next().unwrap().as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

fn layer(m: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&m))
}

/// Code without `//` comments (line comments and doc comments), string contents kept.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| {
        let t = l.trim_start();
        (i + 1, if t.starts_with("//") { "" } else { l })
    })
}

/// Every `crate::a::b…` path used on a line, as its segments (`{…}` groups expanded
/// one level: `crate::{status, store::x}` gives `status` and `store::x`).
fn crate_paths(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let before = &rest[..i];
        rest = &rest[i + "crate::".len()..];
        if before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `yiping_crate::` or `$crate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut seg = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 || (depth == 1 && c == ',') {
                    out.push(split(&seg));
                    seg.clear();
                    if depth == 0 {
                        break;
                    }
                } else {
                    seg.push(c);
                }
            }
        } else {
            out.push(split(rest));
        }
    }
    out
}

fn split(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for seg in s.trim().split("::") {
        let ident: String = seg.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if ident.is_empty() {
            break;
        }
        let whole = ident.len() == seg.len();
        out.push(ident);
        if !whole {
            break; // the path ended inside this segment
        }
    }
    out
}

#[test]
fn imports_only_go_down_the_layers() {
    let mut bad = BTreeSet::new();
    let mut unplaced = BTreeSet::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in src_files() {
        let m = module_of(&f);
        if m == "lib" || m == "main" {
            continue;
        }
        let Some(mine) = layer(&m) else {
            unplaced.insert(m);
            continue;
        };
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in code_lines(&text) {
            for path in crate_paths(line) {
                let Some(dep) = path.first() else { continue };
                if *dep == m || dep == "api" && m == "cli" {
                    continue;
                }
                graph.entry(m.clone()).or_default().insert(dep.clone());
                let Some(theirs) = layer(dep) else {
                    unplaced.insert(dep.clone());
                    continue;
                };
                // config/ reads every section through its owner's `config` module.
                let config_reads_a_section = m == "config" && path.iter().any(|s| s == "config");
                if theirs > mine && !config_reads_a_section {
                    bad.insert(format!("{}:{n}: {m} (layer {mine}) uses {} (layer {theirs})", rel(&f), path.join("::")));
                }
            }
        }
    }
    assert!(unplaced.is_empty(), "modules missing from LAYERS in tests/it/tidy.rs (place them): {unplaced:?}");
    assert!(bad.is_empty(), "imports against the layers (see ARCHITECTURE.md):\n{}", bad.into_iter().collect::<Vec<_>>().join("\n"));
    // Modules of one layer may use each other, but never both ways round.
    let cycle = find_cycle(&graph);
    assert!(cycle.is_none(), "a cycle between top-level modules: {}", cycle.unwrap_or_default().join(" -> "));
}

/// A cycle in the module graph, as the modules along it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(n: &str, g: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut c = path[i..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn only_clock_reads_the_wall_clock_and_only_cli_uses_anyhow() {
    const CLOCK: &[&str] = &["Timestamp::now(", "SystemTime::now(", "Zoned::now(", "chrono::Local", "chrono::Utc::now"];
    let mut bad = Vec::new();
    for f in src_files() {
        let r = rel(&f);
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in code_lines(&text) {
            if r != "src/clock.rs" && CLOCK.iter().any(|c| line.contains(c)) {
                bad.push(format!("{r}:{n}: reads the wall clock; take `now` as an input or use crate::clock"));
            }
            if !(r.starts_with("src/cli/") || r == "src/main.rs") && line.contains("anyhow") {
                bad.push(format!("{r}:{n}: anyhow outside the command line; return a typed error"));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_file_says_its_job_and_stays_short() {
    let mut bad = Vec::new();
    for f in src_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if !first.starts_with("//!") {
            bad.push(format!("{}: first line is not a `//!` line saying the file's one job", rel(&f)));
        }
        let n = text.lines().count();
        if n > MAX_LINES {
            bad.push(format!("{}: {n} lines (more than {MAX_LINES}); split it by concern", rel(&f)));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn a_cycle_is_found() {
    let g: BTreeMap<String, BTreeSet<String>> =
        [("a", "b"), ("b", "c"), ("c", "a")].iter().map(|(x, y)| (x.to_string(), BTreeSet::from([y.to_string()]))).collect();
    assert_eq!(find_cycle(&g), Some(vec!["a".to_string(), "b".into(), "c".into(), "a".into()]));
    let dag: BTreeMap<String, BTreeSet<String>> = [("a".to_string(), BTreeSet::from(["b".to_string()]))].into();
    assert_eq!(find_cycle(&dag), None);
}

#[test]
fn the_path_reader_sees_groups_and_skips_macros() {
    assert_eq!(crate_paths("use crate::{status, store::x};"), vec![vec!["status".to_string()], vec!["store".into(), "x".into()]]);
    assert_eq!(crate_paths("let a = crate::item::Item::new(); $crate::x"), vec![vec!["item".to_string(), "Item".into(), "new".into()]]);
    assert!(crate_paths("// nothing here").is_empty());
}
