//! Reads operator TOML files field by field, collecting every error with its position.
//!
//! serde stops at the first error; operators deserve all of them at once. So
//! files are parsed into toml's spanned tree, and each field is deserialized
//! on its own: a wrong field is reported and the rest of the file is still read.

use std::cell::RefCell;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::{DeserializeOwned, IntoDeserializer};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::Diag;

/// One TOML file being read, and the problems found so far.
pub(crate) struct TomlFile<'s> {
    pub path: PathBuf,
    pub src: &'s str,
    diags: RefCell<Vec<Diag>>,
}

impl<'s> TomlFile<'s> {
    /// Parses `src`; syntax errors are recorded and the readable rest is returned.
    pub(crate) fn parse(path: &Path, src: &'s str) -> (TomlFile<'s>, Spanned<DeTable<'s>>) {
        let (root, errors) = DeTable::parse_recoverable(src);
        let file = TomlFile { path: path.to_path_buf(), src, diags: RefCell::new(Vec::new()) };
        for e in errors {
            let off = e.span().map_or(0, |s| s.start);
            let msg = e.message().trim();
            let zh = crate::diag::explain(msg, src, off).unwrap_or_else(|| msg.to_string());
            file.error(off, format!("TOML 语法错误：{zh}"), format!("TOML syntax error: {msg}"));
        }
        (file, root)
    }

    pub(crate) fn error(&self, offset: usize, zh: impl Into<String>, en: impl Into<String>) {
        self.diags.borrow_mut().push(Diag::at(&self.path, self.src, offset, zh, en));
    }

    pub(crate) fn warn(&self, offset: usize, zh: impl Into<String>, en: impl Into<String>) {
        self.diags.borrow_mut().push(Diag::at(&self.path, self.src, offset, zh, en).warning());
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.diags.borrow().iter().any(Diag::is_error)
    }

    /// How many errors so far (to tell whether one part of a file read cleanly).
    pub(crate) fn error_count(&self) -> usize {
        self.diags.borrow().iter().filter(|d| d.is_error()).count()
    }

    pub(crate) fn into_diags(self) -> Vec<Diag> {
        self.diags.into_inner()
    }

    /// Reads a table value (the root or a nested one).
    pub(crate) fn table<'v>(&'v self, v: &'v Spanned<DeTable<'s>>, what: &str) -> Table<'v, 's> {
        Table { file: self, table: v.get_ref(), span: v.span(), what: what.to_string(), seen: Vec::new() }
    }

    /// Deserializes one value, recording an error at its position when it does not fit.
    pub(crate) fn value<T: DeserializeOwned>(&self, v: &Spanned<DeValue<'s>>, what: &str) -> Option<T> {
        match T::deserialize(v.clone().into_deserializer()) {
            Ok(t) => Some(t),
            Err(e) => {
                let off = e.span().map_or(v.span().start, |s| s.start);
                let msg = e.message().trim().to_string();
                let zh = crate::diag::explain(&msg, self.src, off).unwrap_or_else(|| msg.clone());
                self.error(off, format!("“{what}”的值无效：{zh}"), format!("invalid value for `{what}`: {msg}"));
                None
            }
        }
    }
}

/// A table being read: remembers which keys were used so unknown ones can be reported.
pub(crate) struct Table<'v, 's> {
    pub file: &'v TomlFile<'s>,
    table: &'v DeTable<'s>,
    pub span: Range<usize>,
    what: String,
    seen: Vec<String>,
}

impl<'v, 's> Table<'v, 's> {
    fn raw(&mut self, key: &str) -> Option<&'v Spanned<DeValue<'s>>> {
        self.seen.push(key.to_string());
        self.table.iter().find(|(k, _)| k.get_ref().as_ref() == key).map(|(_, v)| v)
    }

    /// The keys of this table, in file order (for tables keyed by name).
    pub(crate) fn keys(&self) -> Vec<String> {
        self.table.iter().map(|(k, _)| k.get_ref().to_string()).collect()
    }

    /// Whether the key is present (marks it as used).
    pub(crate) fn has(&mut self, key: &str) -> bool {
        self.raw(key).is_some()
    }

    /// The position of a key's value, or of the table when absent.
    pub(crate) fn pos(&self, key: &str) -> usize {
        self.table.iter().find(|(k, _)| k.get_ref().as_ref() == key).map_or(self.span.start, |(_, v)| v.span().start)
    }

    /// An optional field.
    pub(crate) fn opt<T: DeserializeOwned>(&mut self, key: &str) -> Option<T> {
        let v = self.raw(key)?;
        self.file.value(v, key)
    }

    /// An optional field with a default (an invalid value is reported and the default used only to go on reading).
    pub(crate) fn or<T: DeserializeOwned>(&mut self, key: &str, default: T) -> T {
        self.opt(key).unwrap_or(default)
    }

    /// A required field: missing is an error at the table's position.
    pub(crate) fn req<T: DeserializeOwned>(&mut self, key: &str) -> Option<T> {
        match self.raw(key) {
            Some(v) => self.file.value(v, key),
            None => {
                self.file.error(self.span.start, format!("{}缺少必填项“{key}”", self.what), format!("{} is missing required key `{key}`", self.what));
                None
            }
        }
    }

    /// An integer field that must lie in `range`.
    pub(crate) fn int_in(&mut self, key: &str, range: std::ops::RangeInclusive<i64>, default: Option<i64>) -> Option<i64> {
        let got = match default {
            Some(d) => Some(self.or(key, d)),
            None => self.req(key),
        }?;
        if !range.contains(&got) {
            self.file.error(
                self.pos(key),
                format!("“{key}”应在 {} 到 {} 之间，现为 {got}", range.start(), range.end()),
                format!("`{key}` must be between {} and {}, got {got}", range.start(), range.end()),
            );
            return None;
        }
        Some(got)
    }

    /// A required key naming one of `names` (a component's `type`); returns its index.
    /// An unknown name is reported as serde reports an unknown enum variant.
    pub(crate) fn choice(&mut self, key: &str, names: &[&str]) -> Option<usize> {
        let name: String = self.req(key)?;
        let found = names.iter().position(|n| *n == name);
        if found.is_none() {
            let msg = format!("unknown variant `{name}`, {}", expected(names));
            let zh = crate::diag::explain(&msg, self.file.src, self.pos(key)).unwrap_or_else(|| msg.clone());
            self.file.error(self.pos(key), format!("“{key}”的值无效：{zh}"), format!("invalid value for `{key}`: {msg}"));
        }
        found
    }

    /// A nested table.
    pub(crate) fn sub(&mut self, key: &str) -> Option<Table<'v, 's>> {
        let v = self.raw(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(Table { file: self.file, table: t, span: v.span(), what: format!("[{key}]"), seen: Vec::new() }),
            _ => {
                self.file.error(v.span().start, format!("“{key}”应为表"), format!("`{key}` must be a table"));
                None
            }
        }
    }

    /// An array of tables (`[[key]]`); each element named `key[i]` in messages.
    pub(crate) fn tables(&mut self, key: &str) -> Vec<Table<'v, 's>> {
        let Some(v) = self.raw(key) else { return Vec::new() };
        let DeValue::Array(items) = v.get_ref() else {
            self.file.error(v.span().start, format!("“{key}”应为表的数组（[[{key}]]）"), format!("`{key}` must be an array of tables ([[{key}]])"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, it) in items.iter().enumerate() {
            match it.get_ref() {
                DeValue::Table(t) => out.push(Table { file: self.file, table: t, span: it.span(), what: format!("{key}[{i}]"), seen: Vec::new() }),
                _ => self.file.error(it.span().start, format!("{key}[{i}] 应为表"), format!("{key}[{i}] must be a table")),
            }
        }
        out
    }

    /// Reports every key that was never asked for: typos must not pass silently.
    pub(crate) fn finish(self) {
        for (k, _) in self.table.iter() {
            let name = k.get_ref().as_ref();
            if !self.seen.iter().any(|s| s == name) {
                let mut known: Vec<&str> = self.seen.iter().map(String::as_str).collect();
                known.sort_unstable();
                known.dedup();
                let guess = crate::diag::did_you_mean(name, &known);
                let (zh, en) = match guess {
                    Some(g) => (format!("是不是想写“{g}”？"), format!("did you mean `{g}`?")),
                    None => (String::new(), String::new()),
                };
                self.file.error(
                    k.span().start,
                    format!("{}中有未知的键“{name}”，{zh}（可用：{}）", self.what, known.join("、")),
                    format!("unknown key `{name}` in {} ({en} expected one of: {})", self.what, known.join(", ")),
                );
            }
        }
    }
}

/// serde's wording for the names an unknown variant could have been.
fn expected(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => "there are no variants".to_string(),
        [one] => format!("expected {one}"),
        [a, b] => format!("expected {a} or {b}"),
        more => format!("expected one of {}", more.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_error_with_positions() {
        let src = "name = 3\nwidth = \"wide\"\ncolour = \"red\"\n[sub]\nx = 1\ny = 2\n";
        let (file, root) = TomlFile::parse(Path::new("t.toml"), src);
        let mut t = file.table(&root, "screen");
        let _: Option<String> = t.req("name");
        let _: Option<u32> = t.req("width");
        let _: Option<u32> = t.req("height");
        if let Some(mut s) = t.sub("sub") {
            let _: Option<i64> = s.opt("x");
            s.finish();
        }
        t.finish();
        let d: Vec<String> = file.into_diags().iter().map(|d| format!("{}:{} {}", d.line, d.col, d.en)).collect();
        assert_eq!(d.len(), 5, "{d:#?}");
        assert!(d[0].starts_with("1:8 invalid value for `name`"), "{d:?}");
        assert!(d[1].starts_with("2:9 invalid value for `width`"), "{d:?}");
        assert!(d[2].contains("missing required key `height`"), "{d:?}");
        assert!(d[3].starts_with("6:1 unknown key `y` in [sub]"), "{d:?}");
        assert!(d[4].starts_with("3:1 unknown key `colour`"), "{d:?}");
    }

    #[test]
    fn syntax_errors_are_reported_and_the_rest_is_read() {
        let src = "a = 1\nb = = 2\nc = 3\n";
        let (file, root) = TomlFile::parse(Path::new("t.toml"), src);
        let mut t = file.table(&root, "file");
        assert_eq!(t.opt::<i64>("c"), Some(3));
        assert!(file.has_errors());
        let d = file.into_diags();
        assert_eq!(d[0].line, 2, "{d:?}");
    }

    #[test]
    fn an_unknown_type_is_worded_like_an_unknown_variant() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(rename_all = "lowercase")]
        #[allow(dead_code)]
        enum Kind {
            Png,
            Gif,
            Bx,
        }
        let src = "type = \"tv\"\n";
        let (file, root) = TomlFile::parse(Path::new("t.toml"), src);
        let mut t = file.table(&root, "sink");
        assert_eq!(t.choice("type", &["png", "gif", "bx"]), None);
        let mut u = file.table(&root, "sink");
        assert!(u.req::<Kind>("type").is_none());
        let d = file.into_diags();
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!((d[0].line, d[0].col, &d[0].en, &d[0].zh), (d[1].line, d[1].col, &d[1].en, &d[1].zh), "serde's own wording");
        let (file, root) = TomlFile::parse(Path::new("t.toml"), "type = \"gif\"\n");
        assert_eq!(file.table(&root, "sink").choice("type", &["png", "gif", "bx"]), Some(1));
    }
}
