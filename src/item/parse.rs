//! Reads one item from JSON or TOML text and checks it, reporting problems with file:line:col.

use std::path::Path;

use crate::diag::Diag;

use super::script::{LetterCount, is_menksoft};
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
pub enum Format {
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
pub fn parse_item(path: &Path, src: &str, format: Format, limits: &Limits) -> Result<Item, Vec<Diag>> {
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
    ("", &["id", "revision", "category", "list", "village", "title", "body", "table", "status", "approval", "display", "priority", "url", "mn"]),
    ("approval", &["by", "at"]),
    ("display", &["from", "until", "min_seconds_per_day"]),
    ("mn", &["title", "body"]),
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
    validate_mn(item, path, src, format, limits, &mut out);
    menksoft(item, path, src, format, &mut out);
    out
}

/// The Mongolian version has the same limits as the Chinese (see `item_warnings` for
/// text that is mostly not Mongolian).
fn validate_mn(item: &Item, path: &Path, src: &str, format: Format, limits: &Limits, out: &mut Vec<Diag>) {
    let Some(mn) = &item.mn else { return };
    let diag = |key: &str, zh: String, en: String| Diag::at(path, src, mn_key_offset(src, key, format), zh, en);
    if mn.title.trim().is_empty() {
        out.push(diag(
            "title",
            "蒙古文标题（mn.title）不能为空；条目没有蒙古文时请删去整个 mn".into(),
            "mn.title must not be empty; remove `mn` if the item has no Mongolian version".into(),
        ));
    }
    if mn.title.chars().count() > limits.max_title_chars {
        out.push(diag(
            "title",
            format!("蒙古文标题（mn.title）超过 {} 个字：请缩短标题，其余内容移入 mn.body", limits.max_title_chars),
            format!("mn.title is longer than {} characters: shorten it and move the rest into mn.body", limits.max_title_chars),
        ));
    }
    let body_chars: usize = mn.body.iter().map(|p| p.chars().count()).sum();
    if body_chars > limits.max_body_chars {
        out.push(diag(
            "body",
            format!("蒙古文正文（mn.body）超过 {} 个字：请删减，或把内容分成几个条目发布", limits.max_body_chars),
            format!("mn.body is longer than {} characters: shorten it or split the notice into several items", limits.max_body_chars),
        ));
    }
}

/// Warnings about an item that loads (not errors): today, `mn` text that is mostly not
/// Mongolian, i.e. the Chinese pasted into `mn` by mistake. Sources report them with
/// `unknown_keys`; the item is shown all the same.
pub(crate) fn item_warnings(item: &Item, path: &Path, src: &str, format: Format) -> Vec<Diag> {
    let mut out = Vec::new();
    let Some(mn) = &item.mn else { return out };
    let diag = |key: &str, zh: String, en: String| Diag::at(path, src, mn_key_offset(src, key, format), zh, en);
    for (key, text) in [("title", mn.title.clone()), ("body", mn.body.join("\n"))] {
        let n = LetterCount::of(&text);
        if n.mostly_not_mongolian() {
            let all = n.mongolian + n.han + n.other;
            out.push(
                diag(
                    key,
                    format!(
                        "mn.{key} 应是传统蒙古文，但 {all} 个字母中只有 {} 个蒙古文字母（汉字 {}，其他 {}）：是否误贴了中文？请填入 Unicode 传统蒙古文",
                        n.mongolian, n.han, n.other
                    ),
                    format!(
                        "mn.{key} should be traditional Mongolian script but only {} of its {all} letters are Mongolian ({} Han, {} other): was the Chinese pasted by mistake? enter the Unicode traditional Mongolian text",
                        n.mongolian, n.han, n.other
                    ),
                )
                .warning(),
            );
        }
    }
    out
}

/// Menksoft private-use codes in any text: the item is refused, never drawn as boxes.
fn menksoft(item: &Item, path: &Path, src: &str, format: Format, out: &mut Vec<Diag>) {
    let mut fields: Vec<(usize, &str, String)> = vec![(key_offset(src, "title", format), "title", item.title.clone())];
    fields.push((key_offset(src, "body", format), "body", item.body.concat()));
    if let Some(t) = &item.table {
        fields.push((key_offset(src, "table", format), "table", t.columns.iter().chain(t.rows.iter().flatten()).map(String::as_str).collect()));
    }
    if let Some(mn) = &item.mn {
        fields.push((mn_key_offset(src, "title", format), "mn.title", mn.title.clone()));
        fields.push((mn_key_offset(src, "body", format), "mn.body", mn.body.concat()));
    }
    for (off, name, text) in fields {
        let found: Vec<char> = text.chars().filter(|&c| is_menksoft(c)).collect();
        let Some(&first) = found.first() else { continue };
        out.push(Diag::at(
            path,
            src,
            off,
            format!(
                "{name} 含 {} 个蒙科立（Menksoft）私有编码的字（如 U+{:04X}，范围 U+E234–U+E71D），标准字体无法正确显示，本条不予显示：请用蒙古文编码转换工具（如蒙科立或内蒙古大学的转换器）转成国家标准（GB/T 25914）Unicode 蒙古文后重新录入",
                found.len(),
                first as u32
            ),
            format!(
                "{name} has {} Menksoft private-use code(s) (e.g. U+{:04X}; range U+E234..U+E71D) that no standard font draws correctly, so the item is refused: convert the text to Unicode traditional Mongolian (GB/T 25914) with a Menksoft-to-Unicode converter and enter it again",
                found.len(),
                first as u32
            ),
        ));
    }
}

/// Where a key of the `mn` table is written (`mn` itself when the key is not found there,
/// the file start when there is no `mn`).
fn mn_key_offset(src: &str, key: &str, format: Format) -> usize {
    let base = match format {
        Format::Json => src.find("\"mn\""),
        Format::Toml => src
            .match_indices("[mn]")
            .map(|(i, _)| i)
            .find(|&i| src[..i].ends_with('\n') || i == 0)
            .or_else(|| Some(key_offset(src, "mn", format)).filter(|&i| i > 0)),
    };
    let Some(base) = base else { return 0 };
    let after = &src[base..];
    let found = match format {
        Format::Json => after.find(&format!("\"{key}\"")),
        Format::Toml => Some(key_offset(after, key, format)).filter(|&i| i > 0),
    };
    base + found.unwrap_or(0)
}

/// Line and column (from 1) of where `key` is written in `src`, for a diagnostic about it.
pub(crate) fn key_position(src: &str, key: &str, format: Format) -> (u32, u32) {
    crate::diag::line_col(src, key_offset(src, key, format))
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

    const MN: &str = r#"{
  "id": "a-1", "revision": 1, "category": "finance", "title": "标题",
  "body": ["正文"], "status": "approved",
  "approval": {"by": "村务监督委员会", "at": "2021-01-04T16:00:00+08:00"},
  "display": {"from": "2021-01-05T00:00:00+08:00", "until": "2021-02-01T00:00:00+08:00"},
  "mn": {"title": "ᠰᠠᠩᠬᠦᠦ ᠶᠢᠨ ᠢᠯᠡ ᠲᠣᠳᠣ", "body": ["ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ"]}
}"#;

    #[test]
    fn mn_text_reads_from_json_and_toml_alike() {
        let j = parse(MN, Format::Json).unwrap();
        let mn = j.mn.as_ref().unwrap();
        assert_eq!((mn.title.as_str(), mn.body.len()), ("ᠰᠠᠩᠬᠦᠦ ᠶᠢᠨ ᠢᠯᠡ ᠲᠣᠳᠣ", 1));
        let t = parse(
            "id = \"a-1\"\nrevision = 1\ncategory = \"finance\"\ntitle = \"标题\"\nbody = [\"正文\"]\nstatus = \"approved\"\n\
             [approval]\nby = \"村务监督委员会\"\nat = 2021-01-04T16:00:00+08:00\n\
             [display]\nfrom = \"2021-01-05T00:00:00+08:00\"\nuntil = 2021-02-01T00:00:00+08:00\n\
             [mn]\ntitle = \"ᠰᠠᠩᠬᠦᠦ ᠶᠢᠨ ᠢᠯᠡ ᠲᠣᠳᠣ\"\nbody = [\"ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ\"]\n",
            Format::Toml,
        )
        .unwrap();
        assert_eq!(j, t);
        assert_eq!(j.mn_texts().collect::<Vec<_>>(), ["ᠰᠠᠩᠬᠦᠦ ᠶᠢᠨ ᠢᠯᠡ ᠲᠣᠳᠣ", "ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ"]);
        assert!(!j.texts().any(|t| t.contains('ᠮ')), "texts() is the Chinese only");
        assert!(item_warnings(&j, Path::new("x"), MN, Format::Json).is_empty());
        assert!(unknown_keys(Path::new("x"), MN, Format::Json).is_empty());
        // An item without `mn` serializes without it (the evidence hash of old items is unchanged).
        let plain = parse(GOOD, Format::Json).unwrap();
        assert!(plain.mn.is_none() && !serde_json::to_string(&plain).unwrap().contains("\"mn\""));
    }

    #[test]
    fn chinese_pasted_into_mn_is_warned_about_at_its_key() {
        let src = MN.replace("\"ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ\"", "\"本季度收支情况如下\"");
        let it = parse(&src, Format::Json).expect("a warning does not stop the item");
        let w = item_warnings(&it, Path::new("x"), &src, Format::Json);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(!w[0].is_error());
        assert_eq!((w[0].line, w[0].col), (6, 42), "{w:?}");
        assert!(w[0].zh.starts_with("mn.body 应是传统蒙古文") && w[0].zh.contains("汉字 9"), "{}", w[0].zh);
        assert!(w[0].en.contains("0 of its 9 letters are Mongolian"), "{}", w[0].en);
    }

    #[test]
    fn mn_has_the_same_limits_and_needs_a_title() {
        let long = "ᠠ".repeat(201);
        let src = MN.replace("ᠰᠠᠩᠬᠦᠦ ᠶᠢᠨ ᠢᠯᠡ ᠲᠣᠳᠣ", &long);
        let e = parse(&src, Format::Json).unwrap_err();
        assert!(e.len() == 1 && e[0].en.starts_with("mn.title is longer than 200 characters") && e[0].line == 6, "{e:?}");
        let body = "ᠠ".repeat(20_001);
        let e = parse(&MN.replace("ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ", &body), Format::Json).unwrap_err();
        assert!(e[0].en.contains("mn.body is longer than 20000"), "{e:?}");
        let e = parse(&MN.replace("ᠰᠠᠩᠬᠦᠦ ᠶᠢᠨ ᠢᠯᠡ ᠲᠣᠳᠣ", " "), Format::Json).unwrap_err();
        assert!(e[0].zh.starts_with("蒙古文标题（mn.title）不能为空"), "{e:?}");
    }

    #[test]
    fn menksoft_private_use_text_is_refused_with_the_conversion_named() {
        // Menksoft codes for a word, as copied from an older site.
        let src = MN.replace("ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ", "\u{E2F1}\u{E27E}\u{E2A2}\u{E2B7}");
        let e = parse(&src, Format::Json).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!((e[0].line, e[0].col), (6, 42));
        assert!(e[0].zh.starts_with("mn.body 含 4 个蒙科立（Menksoft）私有编码的字（如 U+E2F1"), "{}", e[0].zh);
        assert!(e[0].zh.contains("转成国家标准（GB/T 25914）Unicode 蒙古文"), "{}", e[0].zh);
        assert!(e[0].en.contains("convert the text to Unicode traditional Mongolian"), "{}", e[0].en);
        // In the Chinese fields too, and in TOML.
        let toml = "id = \"a\"\nrevision = 1\ncategory = \"notice\"\ntitle = \"通知\u{E234}\"\nstatus = \"pending\"\n\
                    [display]\nfrom = 2021-01-05T00:00:00+08:00\nuntil = 2021-02-01T00:00:00+08:00\n";
        let e = parse(toml, Format::Toml).unwrap_err();
        assert!(e.len() == 1 && e[0].line == 4 && e[0].en.starts_with("title has 1 Menksoft"), "{e:?}");
        // The code points around the range are ordinary private use: not Menksoft.
        assert!(parse(&MN.replace("ᠮᠣᠩᠭᠣᠯ", "ᠮᠣᠩᠭᠣᠯ\u{E233}"), Format::Json).is_ok());
    }

    #[test]
    fn unknown_keys_inside_mn_are_warned_about() {
        let src = MN.replace("\"body\": [\"ᠮᠣᠩᠭᠣᠯ", "\"tabel\": 1, \"body\": [\"ᠮᠣᠩᠭᠣᠯ");
        assert!(parse(&src, Format::Json).is_ok());
        let w = unknown_keys(Path::new("x"), &src, Format::Json);
        assert!(w.len() == 1 && w[0].en.contains("unknown key `mn.tabel`") && w[0].line == 6, "{w:?}");
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
