//! Excel import: the first worksheet of an `.xlsx` becomes a draft item with a `table`. The
//! first non-empty row gives the headings; every cell reads as Excel displayed it
//! (`numfmt`), so `1,260.00` stays `1,260.00`.
//!
//! The draft is returned for review and never saved here. It is `pending`, so even a saved
//! draft is not shown until someone marks it approved and says by whom. Warns about what
//! Excel may already have spoiled (long numbers stored as numbers) and about cut content.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::item::parse::Limits;

use super::numfmt;

mod book;
mod xml;
mod zip;

use book::Value as Cell;

/// A message for the operator, Chinese first.
pub(crate) type Msg = (String, String);

/// What an import gives the editor.
#[derive(Debug)]
pub(crate) struct Draft {
    pub item: Value,
    pub sheet: String,
    pub sheets: Vec<String>,
    pub rows: usize,
    pub warnings: Vec<Msg>,
}

/// A cell as Excel displays it: numbers and dates through their format code.
fn cell_text(d: &Cell, code: Option<&str>) -> String {
    match d {
        Cell::Text(s) => s.trim().to_string(),
        Cell::Number(f) => numfmt::format_number(*f, code.unwrap_or("General")),
        Cell::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Cell::Error(e) => e.trim().to_string(),
    }
}

fn too_large(rows: usize, columns: usize, max: usize) -> Msg {
    let cells = rows * columns;
    (
        format!("表格太大：{rows} 行 × {columns} 列 = {cells} 格，最多 {max} 格；请分成几个条目导入"),
        format!("table too large: {rows} rows × {columns} columns = {cells} cells, at most {max}; split it into several items"),
    )
}

/// The title a file name suggests: `2026年12月低保名单.xlsx` -> `2026年12月低保名单`.
fn title_of(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s).trim();
    if stem.is_empty() { "导入的表格".to_string() } else { stem.chars().take(100).collect() }
}

/// Reads the workbook; `Err` says in Chinese and English why it cannot be used.
pub(crate) fn import(bytes: &[u8], file_name: &str, now: Timestamp, tz: &TimeZone) -> Result<Draft, Msg> {
    let not_xlsx = |e: String| -> Msg {
        (
            format!(
                "无法读取该文件：它不是 Excel 工作簿（.xlsx），或已损坏、加了密码（{e}）。旧的 .xls 文件请在 Excel 或 WPS 中另存为 .xlsx 后再导入"
            ),
            format!(
                "cannot read the file: it is not an Excel workbook (.xlsx), or it is damaged or password protected ({e}); save old .xls files as .xlsx first"
            ),
        )
    };
    let book = book::read(bytes).map_err(not_xlsx)?;
    let sheets = book.sheets;
    let sheet = sheets.first().cloned().ok_or_else(|| not_xlsx("no worksheet".into()))?;
    let limits = Limits::default();
    let mut warnings: Vec<Msg> = Vec::new();
    if sheets.len() > 1 {
        warnings.push((
            format!("只导入了第一个工作表“{sheet}”（共 {} 个）", sheets.len()),
            format!("only the first worksheet `{sheet}` was imported (of {})", sheets.len()),
        ));
    }
    // Only rows and columns that hold something take room; a stray cell far away cannot
    // make the grid huge (the table limit is checked before it is built).
    let lines = |key: fn(&book::Cell) -> u32| {
        let mut v: Vec<u32> = book.cells.iter().map(key).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (row_ids, col_ids) = (lines(|c| c.row), lines(|c| c.col));
    if row_ids.len() * col_ids.len() > limits.max_table_cells {
        return Err(too_large(row_ids.len(), col_ids.len(), limits.max_table_cells));
    }
    let mut rows = vec![vec![String::new(); col_ids.len()]; row_ids.len()];
    let mut numeric = vec![vec![false; col_ids.len()]; row_ids.len()];
    for cell in &book.cells {
        let (Ok(ri), Ok(ci)) = (row_ids.binary_search(&cell.row), col_ids.binary_search(&cell.col)) else { continue };
        let text = cell_text(&cell.value, cell.format.as_deref());
        let (r, c) = (cell.row + 1, cell.col + 1);
        match &cell.value {
            Cell::Number(f) if f.fract() == 0.0 && f.abs() >= 1e11 => warnings.push((
                format!(
                    "第 {r} 行第 {c} 列是很长的数字（{text}），Excel 只保留 15 位有效数字，身份证号、银行卡号可能已经不对；请在 Excel 中把该列设为“文本”格式，重新填写后再导入"
                ),
                format!(
                    "row {r} column {c} is a long number ({text}): Excel keeps only 15 significant digits, so ID or bank numbers may be wrong; format the column as Text in Excel, type them again and import again"
                ),
            )),
            Cell::Error(e) => warnings.push((format!("第 {r} 行第 {c} 列是公式错误 {e}"), format!("row {r} column {c} holds a formula error {e}"))),
            _ => {}
        }
        numeric[ri][ci] = matches!(cell.value, Cell::Number(_));
        rows[ri][ci] = text;
    }
    let (rows, numeric): (Vec<Vec<String>>, Vec<Vec<bool>>) =
        rows.into_iter().zip(numeric).filter(|(texts, _)| !texts.iter().all(String::is_empty)).unzip();
    if rows.is_empty() {
        return Err(("工作表“".to_string() + &sheet + "”是空的", format!("worksheet `{sheet}` is empty")));
    }
    // Columns empty in every row (heading included) are dropped.
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let keep: Vec<usize> = (0..width).filter(|&c| rows.iter().any(|r| r.get(c).is_some_and(|t| !t.is_empty()))).collect();
    let pick = |r: &Vec<String>| keep.iter().map(|&c| r.get(c).cloned().unwrap_or_default()).collect::<Vec<String>>();
    let columns = pick(&rows[0]);
    let body: Vec<Vec<String>> = rows[1..].iter().map(pick).collect();
    let align: Vec<&str> = keep
        .iter()
        .map(|&c| {
            let col: Vec<bool> = numeric[1..]
                .iter()
                .zip(&rows[1..])
                .filter(|(_, r)| r.get(c).is_some_and(|t| !t.is_empty()))
                .map(|(n, _)| n.get(c).copied().unwrap_or(false))
                .collect();
            if !col.is_empty() && col.iter().all(|b| *b) { "right" } else { "left" }
        })
        .collect();
    let cells = (body.len() + 1) * columns.len();
    if cells > limits.max_table_cells {
        return Err(too_large(body.len() + 1, columns.len(), limits.max_table_cells));
    }
    if let Some((ri, ci)) = std::iter::once(&columns)
        .chain(&body)
        .enumerate()
        .find_map(|(ri, r)| r.iter().position(|t| t.chars().count() > limits.max_cell_chars).map(|ci| (ri, ci)))
    {
        return Err((
            format!("第 {} 行第 {} 格超过 {} 个字", ri + 1, ci + 1, limits.max_cell_chars),
            format!("row {} cell {} is longer than {} characters", ri + 1, ci + 1, limits.max_cell_chars),
        ));
    }
    let title = title_of(file_name);
    let all = format!("{title}{}", columns.join(""));
    let category = if ["财务", "收支", "支出", "收入", "账", "资金"].iter().any(|w| all.contains(w)) { "finance" } else { "village" };
    let list = ["低保", "五保", "特困", "补贴", "补偿"].iter().find(|w| all.contains(*w)).map(|w| w.to_string());
    // 低保 lists are shown for 7 days; other lists a month, from the start of today.
    let start = now.to_zoned_datetime(tz.clone()).start_of_day().map(|z| z.timestamp()).unwrap_or(now);
    let days = if list.as_deref() == Some("低保") { 7 } else { 30 };
    let until = start + SignedDuration::from_hours(24 * days);
    let local = |t: Timestamp| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
    let id = format!("import-{}", now.to_zoned_datetime(tz.clone()).strftime("%Y%m%d-%H%M%S"));
    let mut item = json!({
        "id": id, "revision": 1, "category": category, "title": title, "body": [],
        "table": {"columns": columns, "align": align, "rows": body},
        "status": "pending",
        "display": {"from": local(start), "until": local(until)},
        "priority": "normal",
    });
    if let Some(l) = &list {
        item["list"] = json!(l);
    }
    Ok(Draft { item, sheet, sheets, rows: body.len(), warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_file_names() {
        assert_eq!(title_of("2026年12月低保名单.xlsx"), "2026年12月低保名单");
        assert_eq!(title_of("C:\\Users\\clerk\\财务.xlsx"), "财务");
        assert_eq!(title_of(".xlsx"), "导入的表格");
    }

    #[test]
    fn garbage_is_refused_in_chinese_first() {
        let e = import(b"not a zip", "x.xlsx", Timestamp::UNIX_EPOCH, &TimeZone::UTC).unwrap_err();
        assert!(e.0.starts_with("无法读取该文件"), "{e:?}");
    }

    /// A real workbook written by rust_xlsxwriter: dates, money, booleans, formula errors,
    /// a far-away stray cell and a second sheet, read as Excel (zh-CN) displays them.
    #[test]
    fn a_real_workbook_reads_as_excel_shows_it() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet().set_name("收支").unwrap();
        for (j, h) in ["日期", "事项", "金额", "已付", "比例"].iter().enumerate() {
            ws.write_string(1, j as u16 + 1, *h).unwrap();
        }
        let date = ExcelDateTime::parse_from_str("2026-12-01").unwrap();
        ws.write_datetime_with_format(2, 1, &date, &Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"")).unwrap();
        ws.write_string(2, 2, "  修路 & 排水 <一期> ").unwrap();
        ws.write_number_with_format(2, 3, -1260.5, &Format::new().set_num_format("#,##0.00")).unwrap();
        ws.write_boolean(2, 4, true).unwrap();
        ws.write_number_with_format(2, 5, 0.125, &Format::new().set_num_format("0.0%")).unwrap();
        ws.write_datetime_with_format(3, 1, &date, &Format::new().set_num_format_index(14)).unwrap();
        ws.write_formula(3, 3, Formula::new("=1/0").set_result("#DIV/0!")).unwrap();
        ws.write_string(5000, 5, "备注").unwrap();
        wb.add_worksheet().set_name("说明").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let d = import(&bytes, "2026年收支.xlsx", Timestamp::UNIX_EPOCH, &TimeZone::UTC).unwrap();
        assert_eq!((d.sheet.as_str(), d.sheets.len(), d.rows), ("收支", 2, 3));
        let t = &d.item["table"];
        assert_eq!(t["columns"], json!(["日期", "事项", "金额", "已付", "比例"]));
        assert_eq!(t["rows"][0], json!(["2026年12月1日", "修路 & 排水 <一期>", "-1,260.50", "是", "12.5%"]));
        assert_eq!(t["rows"][1], json!(["2026/12/1", "", "#DIV/0!", "", ""]));
        assert_eq!(t["rows"][2], json!(["", "", "", "", "备注"]));
        assert_eq!(d.item["category"], "finance");
        assert!(d.warnings.iter().any(|w| w.0.contains("第 4 行第 4 列是公式错误 #DIV/0!")), "{:?}", d.warnings);
        assert!(d.warnings.iter().any(|w| w.0.contains("只导入了第一个工作表“收支”（共 2 个）")));
    }

    #[test]
    fn a_huge_grid_is_refused_before_it_is_built() {
        use rust_xlsxwriter::Workbook;
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for r in 0..120u32 {
            for c in 0..120u16 {
                ws.write_number(r, c, f64::from(r) * 1000.0 + f64::from(c)).unwrap();
            }
        }
        let e = import(&wb.save_to_buffer().unwrap(), "x.xlsx", Timestamp::UNIX_EPOCH, &TimeZone::UTC).unwrap_err();
        assert!(e.0.starts_with("表格太大：120 行 × 120 列 = 14400 格"), "{e:?}");
    }
}
