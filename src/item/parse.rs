//! Reads one item from JSON or TOML text and checks it, reporting problems with file:line:col.

use std::path::Path;

use crate::diag::Diag;

use super::{Item, Status};

/// Limits that keep hostile or broken input from allocating without bound.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_title_chars: usize,
    pub max_body_chars: usize,
    pub max_table_cells: usize,
    pub max_cell_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_title_chars: 200, max_body_chars: 20_000, max_table_cells: 5_000, max_cell_chars: 200 }
    }
}

/// The syntax an item file is written in, decided by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Toml,
}

impl Format {
    pub(crate) fn of(path: &Path) -> Option<Format> {
        // `低保.JSON` from a Windows PC is as good as `低保.json`.
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "toml" => Some(Format::Toml),
            _ => None,
        }
    }
}

/// Parses and validates one item; every problem found is returned with its position.
pub(crate) fn parse_item(path: &Path, src: &str, format: Format, limits: &Limits) -> Result<Item, Vec<Diag>> {
    let item: Item = match format {
        Format::Json => serde_json::from_str(src).map_err(|e| {
            let (line, col) = (e.line() as u32, e.column() as u32);
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            let zh = zh_of(&msg, src, byte_offset(src, line, col));
            vec![Diag { line, col, ..Diag::file(path, zh, format!("malformed item: {msg}")) }]
        })?,
        Format::Toml => toml::from_str(src).map_err(|e| {
            let off = e.span().map_or(0, |s| s.start);
            let msg = e.message().trim().to_string();
            vec![Diag::at(path, src, off, zh_of(&msg, src, off), format!("malformed item: {msg}"))]
        })?,
    };
    let problems = validate(&item, path, src, format, limits);
    if problems.iter().any(Diag::is_error) { Err(problems) } else { Ok(item) }
}

/// The Chinese for a parser message: the plain explanation when one is known.
fn zh_of(msg: &str, src: &str, offset: usize) -> String {
    match crate::diag::explain(msg, src, offset) {
        Some(x) => format!("条目格式错误：{x}"),
        None => format!("条目格式错误：{msg}"),
    }
}

/// The byte offset of a 1-based line and column (serde_json counts columns in bytes).
fn byte_offset(src: &str, line: u32, col: u32) -> usize {
    let start: usize = src.split_inclusive('\n').take(line.saturating_sub(1) as usize).map(str::len).sum();
    (start + col.saturating_sub(1) as usize).min(src.len())
}

/// Keys an item may have, by table; anything else is probably a typo.
const KNOWN: &[(&str, &[&str])] = &[
    ("", &["id", "revision", "category", "list", "village", "title", "body", "table", "status", "approval", "display", "priority", "url"]),
    ("approval", &["by", "at"]),
    ("display", &["from", "until", "min_seconds_per_day"]),
];

/// Errors for keys an item file has but yiping does not know (a typo such as
/// `dispaly` would otherwise pass silently, or surface as "missing field"), with
/// the likely key. The HTTP feed ignores unknown keys for forward compatibility;
/// operators' own files must be right.
pub(crate) fn unknown_keys(path: &Path, src: &str, format: Format) -> Vec<Diag> {
    let tables: Vec<(String, Vec<String>)> = match format {
        Format::Json => match serde_json::from_str::<serde_json::Value>(src) {
            Ok(serde_json::Value::Object(top)) => {
                let mut v = vec![(String::new(), top.keys().cloned().collect())];
                for (name, _) in KNOWN.iter().skip(1) {
                    if let Some(serde_json::Value::Object(o)) = top.get(*name) {
                        v.push((name.to_string(), o.keys().cloned().collect()));
                    }
                }
                v
            }
            _ => return Vec::new(),
        },
        Format::Toml => match toml::from_str::<toml::Table>(src) {
            Ok(top) => {
                let mut v = vec![(String::new(), top.keys().cloned().collect())];
                for (name, _) in KNOWN.iter().skip(1) {
                    if let Some(toml::Value::Table(o)) = top.get(*name) {
                        v.push((name.to_string(), o.keys().cloned().collect()));
                    }
                }
                v
            }
            Err(_) => return Vec::new(),
        },
    };
    let mut out = Vec::new();
    for (table, keys) in tables {
        let known = KNOWN.iter().find(|(n, _)| *n == table).map_or(&[][..], |(_, k)| *k);
        for k in keys.iter().filter(|k| !known.contains(&k.as_str())) {
            let place = if table.is_empty() { String::new() } else { format!("{table}.") };
            let (zh, en) = match crate::diag::did_you_mean(k, known) {
                Some(m) => (format!("是不是想写“{place}{m}”？"), format!("did you mean `{place}{m}`?")),
                None => (format!("可用的键：{}", known.join("、")), format!("expected one of: {}", known.join(", "))),
            };
            out.push(Diag::at(
                path,
                src,
                key_offset(src, k, format),
                format!("未知的键“{place}{k}”，{zh}"),
                format!("unknown key `{place}{k}`: {en}"),
            ));
        }
    }
    out
}

/// Semantic checks serde cannot express. Positions point at the offending key.
fn validate(item: &Item, path: &Path, src: &str, format: Format, limits: &Limits) -> Vec<Diag> {
    let mut out = Vec::new();
    let mut err = |key: &str, zh: String, en: String| {
        let off = key_offset(src, key, format);
        out.push(Diag::at(path, src, off, zh, en));
    };
    if item.id.is_empty() || item.id.len() > 128 || !item.id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c)) {
        err("id", "id 只能由字母、数字和 - _ . : 组成，长度 1 到 128".into(), format!("id `{}` must be 1 to 128 of A-Z a-z 0-9 - _ . :", item.id));
    }
    if item.title.trim().is_empty() {
        err("title", "标题不能为空".into(), "title must not be empty".into());
    }
    if item.title.chars().count() > limits.max_title_chars {
        err("title", format!("标题超过 {} 个字", limits.max_title_chars), format!("title is longer than {} characters", limits.max_title_chars));
    }
    let body_chars: usize = item.body.iter().map(|p| p.chars().count()).sum();
    if body_chars > limits.max_body_chars {
        err("body", format!("正文超过 {} 个字", limits.max_body_chars), format!("body is longer than {} characters", limits.max_body_chars));
    }
    if item.status == Status::Approved && item.approval.is_none() {
        err("status", "已审核（approved）的条目必须有 approval（审核人和时间）".into(), "an approved item needs `approval` (by, at)".into());
    }
    if item.display.from >= item.display.until {
        err(
            "until",
            "公示结束时间必须晚于开始时间".into(),
            format!("display.until ({}) must be after display.from ({})", item.display.until, item.display.from),
        );
    }
    if let Some(t) = &item.table {
        let cols = t.columns.len();
        if cols == 0 {
            err("columns", "表格至少要有一列".into(), "table needs at least one column".into());
        }
        if !t.align.is_empty() && t.align.len() != cols {
            err(
                "align",
                format!("align 有 {} 项，但表格有 {cols} 列", t.align.len()),
                format!("align has {} entries but the table has {cols} columns", t.align.len()),
            );
        }
        for (i, r) in t.rows.iter().enumerate() {
            if r.len() != cols {
                err(
                    "rows",
                    format!("第 {} 行有 {} 格，应为 {cols} 格", i + 1, r.len()),
                    format!("row {} has {} cells, expected {cols}", i + 1, r.len()),
                );
            }
        }
        let cells = (t.rows.len() + 1) * cols;
        let long = t.columns.iter().chain(t.rows.iter().flatten()).any(|c| c.chars().count() > limits.max_cell_chars);
        if cells > limits.max_table_cells || long {
            err(
                "table",
                format!("表格过大（最多 {} 格，每格 {} 字）", limits.max_table_cells, limits.max_cell_chars),
                format!("table too large (at most {} cells of {} characters)", limits.max_table_cells, limits.max_cell_chars),
            );
        }
    }
    out
}

/// Where a key is written, so a semantic error can point at it; the file start when not found.
fn key_offset(src: &str, key: &str, format: Format) -> usize {
    let found = match format {
        Format::Json => src.find(&format!("\"{key}\"")),
        Format::Toml => src.match_indices(key).map(|(i, _)| i).find(|&i| {
            let before = src[..i].chars().next_back();
            let after = src[i + key.len()..].trim_start();
            matches!(before, None | Some('\n' | ' ' | '\t' | '{' | ',' | '.')) && after.starts_with('=')
        }),
    };
    found.unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
  "id": "a-1", "revision": 1, "category": "finance", "title": "标题",
  "body": ["正文"], "status": "approved",
  "approval": {"by": "村务监督委员会", "at": "2021-01-04T16:00:00+08:00"},
  "display": {"from": "2021-01-05T00:00:00+08:00", "until": "2021-02-01T00:00:00+08:00"}
}"#;

    fn parse(src: &str, f: Format) -> Result<Item, Vec<Diag>> {
        parse_item(Path::new("x"), src, f, &Limits::default())
    }

    #[test]
    fn good_json_and_toml_give_the_same_item() {
        let j = parse(GOOD, Format::Json).unwrap();
        let t = parse(
            "id = \"a-1\"\nrevision = 1\ncategory = \"finance\"\ntitle = \"标题\"\nbody = [\"正文\"]\nstatus = \"approved\"\n\
             [approval]\nby = \"村务监督委员会\"\nat = 2021-01-04T16:00:00+08:00\n\
             [display]\nfrom = \"2021-01-05T00:00:00+08:00\"\nuntil = 2021-02-01T00:00:00+08:00\n",
            Format::Toml,
        )
        .unwrap();
        assert_eq!(j, t);
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let bad = GOOD.replace("\"finance\"", "\"money\"");
        let e = parse(&bad, Format::Json).unwrap_err();
        assert_eq!((e[0].line, e[0].col), (2, 49), "{e:?}");
        assert!(e[0].en.contains("unknown variant `money`"), "{e:?}");
    }

    #[test]
    fn semantic_errors_are_all_reported_at_their_keys() {
        let bad = GOOD.replace("2021-02-01T00", "2020-02-01T00").replace("\"标题\"", "\" \"");
        let e = parse(&bad, Format::Json).unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].line, 2);
        assert!(e[1].en.contains("must be after"), "{e:?}");
        assert_eq!(e[1].line, 5);
    }

    #[test]
    fn unknown_keys_are_errors_with_positions_and_the_likely_key() {
        let src = GOOD
            .replace("\"title\": \"标题\",", "\"title\": \"标题\", \"vilage\": \"x\", \"priorty\": \"urgent\",")
            .replace("\"by\":", "\"who\": 1, \"by\":");
        let w = unknown_keys(Path::new("x"), &src, Format::Json);
        let got: Vec<String> = w.iter().map(|d| format!("{}:{} {} / {}", d.line, d.col, d.zh, d.en)).collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got.iter().any(|g| g.starts_with("2:") && g.contains("未知的键“vilage”，是不是想写“village”？")), "{got:?}");
        assert!(got.iter().any(|g| g.contains("did you mean `priority`?")), "{got:?}");
        assert!(got.iter().any(|g| g.contains("unknown key `approval.who`")), "{got:?}");
        assert!(w.iter().all(Diag::is_error));
        assert!(unknown_keys(Path::new("x"), GOOD, Format::Json).is_empty());
    }

    #[test]
    fn a_misspelt_display_says_which_key_was_meant() {
        let src = GOOD.replace("\"display\"", "\"dispaly\"");
        let e = parse(&src, Format::Json).unwrap_err();
        assert!(e[0].zh.contains("缺少必填项“display”"), "{e:?}");
        let u = unknown_keys(Path::new("x"), &src, Format::Json);
        assert!(u[0].zh.contains("未知的键“dispaly”，是不是想写“display”？") && u[0].line == 5, "{u:?}");
    }

    #[test]
    fn an_unknown_status_lists_the_allowed_values_in_chinese() {
        let e = parse(&GOOD.replace("\"approved\"", "\"已审核\""), Format::Json).unwrap_err();
        assert!(e[0].zh.contains("“已审核”不是允许的值，只能是 approved、pending、rejected、revoked"), "{e:?}");
        let e = parse(&GOOD.replace("\"title\": \"标题\",", "\"title\"： \"标题\","), Format::Json).unwrap_err();
        assert!(e[0].zh.contains("中文冒号"), "{e:?}");
    }

    #[test]
    fn toml_datetime_without_offset_is_rejected() {
        let e = parse(
            "id = \"a\"\nrevision = 1\ncategory = \"party\"\ntitle = \"t\"\nstatus = \"pending\"\n[display]\nfrom = 2021-01-05T00:00:00\nuntil = 2021-02-01T00:00:00+08:00\n",
            Format::Toml,
        )
        .unwrap_err();
        assert_eq!(e[0].line, 7, "{e:?}");
        assert!(e[0].en.contains("no offset"), "{e:?}");
    }
}
