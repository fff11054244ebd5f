//! An `.xlsx` workbook as the import needs it: the worksheet names in order, and the first
//! worksheet's cells with their values and number-format codes (ECMA-376 SpreadsheetML).

use std::collections::HashMap;

use super::xml::{Event, Reader, attr};
use super::zip::Archive;

/// Unpacked XML parts are limited to this size each (a zip bomb is refused, not inflated).
const PART_LIMIT: usize = 64 << 20;
/// At most this many non-empty cells are read from a worksheet.
const MAX_CELLS: usize = 200_000;

/// A cell's value as stored.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    Error(String),
}

/// One non-empty cell of the first worksheet, 0-based.
#[derive(Debug)]
pub(super) struct Cell {
    pub row: u32,
    pub col: u32,
    pub value: Value,
    /// The number-format code of its style (`#,##0.00`, `yyyy"年"m"月"d"日"`), if any.
    pub format: Option<String>,
}

/// The workbook's worksheet names and the first worksheet's cells, in document order.
pub(super) struct Book {
    pub sheets: Vec<String>,
    pub cells: Vec<Cell>,
}

fn text(archive: &Archive, path: &str) -> Result<Option<String>, String> {
    match archive.read(path, PART_LIMIT)? {
        None => Ok(None),
        Some(b) => String::from_utf8(b).map(Some).map_err(|_| format!("{path} is not UTF-8 XML")),
    }
}

/// The relationships of a part: id -> (type, target resolved against `base`).
fn relationships(archive: &Archive, rels: &str, base: &str) -> Result<HashMap<String, (String, String)>, String> {
    let mut map = HashMap::new();
    let Some(doc) = text(archive, rels)? else { return Ok(map) };
    for ev in Reader::new(&doc) {
        if let Event::Start { name: "Relationship", attrs, .. } = ev
            && let (Some(id), Some(target)) = (attr(attrs, "Id"), attr(attrs, "Target"))
        {
            let kind = attr(attrs, "Type").unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string();
            map.insert(id.into_owned(), (kind, resolve(base, &target)));
        }
    }
    Ok(map)
}

/// `base` is a folder (`xl/`); `target` is relative to it or absolute (`/xl/...`).
fn resolve(base: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_string();
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for p in target.split('/') {
        match p {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Every `<si>` as one string: its `<t>` runs, without phonetic guides (`<rPh>`).
fn shared_strings(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut current, mut in_t, mut phonetic) = (String::new(), false, 0u32);
    for ev in Reader::new(doc) {
        match ev {
            Event::Start { name: "si", empty, .. } => {
                current.clear();
                if empty {
                    out.push(String::new());
                }
            }
            Event::Start { name: "rPh", empty: false, .. } => phonetic += 1,
            Event::End("rPh") => phonetic = phonetic.saturating_sub(1),
            Event::Start { name: "t", empty: false, .. } => in_t = true,
            Event::End("t") => in_t = false,
            Event::Text(t) if in_t && phonetic == 0 => current.push_str(&t),
            Event::End("si") => out.push(std::mem::take(&mut current)),
            _ => {}
        }
    }
    out
}

/// The format code of each cell style (`s` index), built-in ids as a Chinese Excel shows them.
fn styles(doc: &str) -> Vec<Option<String>> {
    let mut custom: HashMap<u32, String> = HashMap::new();
    let mut ids = Vec::new();
    let mut in_xfs = false;
    for ev in Reader::new(doc) {
        match ev {
            Event::Start { name: "numFmt", attrs, .. } => {
                if let (Some(id), Some(code)) = (attr(attrs, "numFmtId").and_then(|i| i.parse().ok()), attr(attrs, "formatCode")) {
                    custom.insert(id, code.into_owned());
                }
            }
            Event::Start { name: "cellXfs", empty, .. } => in_xfs = !empty,
            Event::End("cellXfs") => in_xfs = false,
            Event::Start { name: "xf", attrs, .. } if in_xfs => {
                ids.push(attr(attrs, "numFmtId").and_then(|i| i.parse::<u32>().ok()).unwrap_or(0));
            }
            _ => {}
        }
    }
    ids.into_iter().map(|id| custom.get(&id).cloned().or_else(|| builtin(id).map(str::to_string))).collect()
}

/// ECMA-376 Part 1 §18.8.30 built-in formats, the date ones as zh-CN Excel displays them.
fn builtin(id: u32) -> Option<&'static str> {
    Some(match id {
        0 => "General",
        1 => "0",
        2 => "0.00",
        3 => "#,##0",
        4 => "#,##0.00",
        9 => "0%",
        10 => "0.00%",
        11 => "0.00E+00",
        14 => "yyyy/m/d",
        15 => "d-mmm-yy",
        16 => "d-mmm",
        17 => "mmm-yy",
        18 => "h:mm AM/PM",
        19 => "h:mm:ss AM/PM",
        20 => "h:mm",
        21 => "h:mm:ss",
        22 => "yyyy/m/d h:mm",
        27 | 28 | 29 | 30 | 31 | 34 | 35 | 36 | 50..=54 | 57 | 58 => "yyyy\"年\"m\"月\"d\"日\"",
        32 | 55 => "h\"时\"mm\"分\"",
        33 | 56 => "h\"时\"mm\"分\"ss\"秒\"",
        37 | 38 => "#,##0;-#,##0",
        39 | 40 => "#,##0.00;-#,##0.00",
        45 => "mm:ss",
        46 => "[h]:mm:ss",
        48 => "##0.0E+0",
        49 => "@",
        _ => return None,
    })
}

/// `AB12` -> (11, 27), 0-based (row, column); `None` when it is not a cell reference.
fn reference(r: &str) -> Option<(u32, u32)> {
    let split = r.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = r.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let col = letters.bytes().fold(0u32, |n, b| n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1));
    let row: u32 = digits.parse().ok()?;
    (row >= 1 && col >= 1).then(|| (row - 1, col - 1))
}

/// The cells of a worksheet, with shared strings and styles applied.
fn sheet_cells(doc: &str, strings: &[String], styles: &[Option<String>]) -> Result<Vec<Cell>, String> {
    let mut cells = Vec::new();
    let (mut row, mut next_row, mut next_col) = (0u32, 0u32, 0u32);
    // The cell being read: (row, col, type, style), its `<v>` text and inline string.
    let mut open: Option<(u32, u32, String, usize)> = None;
    let (mut v, mut inline, mut in_v, mut in_t, mut phonetic) = (String::new(), String::new(), false, false, 0u32);
    for ev in Reader::new(doc) {
        match ev {
            Event::Start { name: "row", attrs, .. } => {
                row = attr(attrs, "r").and_then(|r| r.parse::<u32>().ok()).map_or(next_row, |r| r.saturating_sub(1));
                (next_row, next_col) = (row.saturating_add(1), 0);
            }
            Event::Start { name: "c", attrs, empty } => {
                let (r, c) = attr(attrs, "r").and_then(|r| reference(&r)).unwrap_or((row, next_col));
                next_col = c + 1;
                let kind = attr(attrs, "t").map(|t| t.into_owned()).unwrap_or_default();
                let style = attr(attrs, "s").and_then(|s| s.parse().ok()).unwrap_or(0);
                v.clear();
                inline.clear();
                open = if empty { None } else { Some((r, c, kind, style)) };
            }
            Event::Start { name: "v", empty: false, .. } => in_v = true,
            Event::End("v") => in_v = false,
            Event::Start { name: "rPh", empty: false, .. } => phonetic += 1,
            Event::End("rPh") => phonetic = phonetic.saturating_sub(1),
            Event::Start { name: "t", empty: false, .. } => in_t = true,
            Event::End("t") => in_t = false,
            Event::Text(t) if in_v => v.push_str(&t),
            Event::Text(t) if in_t && phonetic == 0 => inline.push_str(&t),
            Event::End("c") => {
                let Some((r, c, kind, style)) = open.take() else { continue };
                let value = match kind.as_str() {
                    "s" => match v.trim().parse::<usize>().ok().and_then(|i| strings.get(i)) {
                        Some(s) => Value::Text(s.clone()),
                        None => return Err(format!("cell {} refers to a missing shared string", name_of(r, c))),
                    },
                    "inlineStr" => Value::Text(std::mem::take(&mut inline)),
                    "str" | "d" => Value::Text(std::mem::take(&mut v)),
                    "b" => Value::Bool(v.trim() == "1"),
                    "e" => Value::Error(std::mem::take(&mut v)),
                    _ if v.trim().is_empty() => continue,
                    _ => v.trim().parse::<f64>().map_or_else(|_| Value::Text(v.clone()), Value::Number),
                };
                if matches!(&value, Value::Text(t) if t.trim().is_empty()) {
                    continue;
                }
                if cells.len() >= MAX_CELLS {
                    return Err(format!("the worksheet has more than {MAX_CELLS} filled cells"));
                }
                let format = styles.get(style).cloned().flatten();
                cells.push(Cell { row: r, col: c, value, format });
            }
            _ => {}
        }
    }
    Ok(cells)
}

/// `A1` style name of a 0-based cell position.
pub(super) fn name_of(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// Opens a workbook held in memory; `Err` says in English why it cannot be read.
pub(super) fn read(bytes: &[u8]) -> Result<Book, String> {
    let archive = Archive::open(bytes)?;
    let root = relationships(&archive, "_rels/.rels", "")?;
    let workbook = root.values().find(|(k, _)| k == "officeDocument").map_or("xl/workbook.xml".to_string(), |(_, t)| t.clone());
    let base = workbook.rsplit_once('/').map_or("", |(b, _)| b).to_string();
    let wb = text(&archive, &workbook)?.ok_or("no workbook part (xl/workbook.xml)")?;
    let file = workbook.rsplit('/').next().unwrap_or_default();
    let rels = relationships(&archive, &format!("{base}/_rels/{file}.rels"), &base)?;
    let mut sheets = Vec::new();
    let mut first = None;
    for ev in Reader::new(&wb) {
        if let Event::Start { name: "sheet", attrs, .. } = ev {
            sheets.push(attr(attrs, "name").unwrap_or_default().into_owned());
            if first.is_none() {
                first = attr(attrs, "id").and_then(|id| rels.get(id.as_ref())).map(|(_, t)| t.clone());
            }
        }
    }
    let first = first.or_else(|| (!sheets.is_empty()).then(|| format!("{base}/worksheets/sheet1.xml"))).ok_or("no worksheet")?;
    let part = |kind: &str, default: &str| rels.values().find(|(k, _)| k == kind).map_or(format!("{base}/{default}"), |(_, t)| t.clone());
    let strings = text(&archive, &part("sharedStrings", "sharedStrings.xml"))?.map(|d| shared_strings(&d)).unwrap_or_default();
    let styles = text(&archive, &part("styles", "styles.xml"))?.map(|d| styles(&d)).unwrap_or_default();
    let doc = text(&archive, &first)?.ok_or_else(|| format!("the first worksheet ({first}) is missing"))?;
    Ok(Book { sheets, cells: sheet_cells(&doc, &strings, &styles)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_names() {
        assert_eq!(reference("A1"), Some((0, 0)));
        assert_eq!(reference("AB12"), Some((11, 27)));
        assert_eq!(reference("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(reference("12"), None);
        assert_eq!(reference("A0"), None);
        assert_eq!(name_of(11, 27), "AB12");
        assert_eq!(resolve("xl", "worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml");
        assert_eq!(resolve("xl", "/xl/styles.xml"), "xl/styles.xml");
        assert_eq!(resolve("xl/worksheets", "../sharedStrings.xml"), "xl/sharedStrings.xml");
    }

    #[test]
    fn shared_strings_skip_phonetic_guides() {
        let doc = "<sst><si><t>张三</t></si><si><r><t>金</t></r><r><t>额</t></r><rPh><t>jin</t></rPh></si><si/></sst>";
        assert_eq!(shared_strings(doc), ["张三", "金额", ""]);
    }

    #[test]
    fn styles_map_to_format_codes() {
        let doc = r#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="&quot;¥&quot;#,##0.00"/></numFmts>
            <cellStyleXfs><xf numFmtId="9"/></cellStyleXfs><cellXfs><xf numFmtId="0"/><xf numFmtId="4"/><xf numFmtId="164"/><xf numFmtId="999"/></cellXfs></styleSheet>"#;
        assert_eq!(styles(doc), [Some("General".into()), Some("#,##0.00".into()), Some("\"¥\"#,##0.00".into()), None]);
    }

    #[test]
    fn cells_of_every_kind() {
        let doc = r#"<worksheet><sheetData><row r="2"><c r="B2" t="s"><v>1</v></c><c t="inlineStr"><is><t>行内</t></is></c>
            <c r="D2" s="1"><v>1260</v></c><c r="E2" t="b"><v>1</v></c><c r="F2" t="e"><v>#DIV/0!</v></c><c r="G2"/><c r="H2" t="str"><f>A1</f><v>公式</v></c></row></sheetData></worksheet>"#;
        let cells = sheet_cells(doc, &["x".into(), "姓名".into()], &[None, Some("#,##0.00".into())]).unwrap();
        let got: Vec<(String, Value)> = cells.iter().map(|c| (name_of(c.row, c.col), c.value.clone())).collect();
        assert_eq!(
            got,
            [
                ("B2".into(), Value::Text("姓名".into())),
                ("C2".into(), Value::Text("行内".into())),
                ("D2".into(), Value::Number(1260.0)),
                ("E2".into(), Value::Bool(true)),
                ("F2".into(), Value::Error("#DIV/0!".into())),
                ("H2".into(), Value::Text("公式".into())),
            ]
        );
        assert_eq!(cells[2].format.as_deref(), Some("#,##0.00"));
        assert!(sheet_cells(r#"<c r="A1" t="s"><v>7</v></c>"#, &[], &[]).unwrap_err().contains("A1"));
    }
}
