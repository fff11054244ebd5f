//! Excel import: the first worksheet of an `.xlsx` becomes a draft item with a `table`. The
//! first non-empty row gives the headings; every cell reads as Excel displayed it
//! (`numfmt`), so `1,260.00` stays `1,260.00`.
//!
//! The draft is returned for review and never saved here. It is `pending`, so even a saved
//! draft is not shown until someone marks it approved and says by whom. Warns about what
//! Excel may already have spoiled (long numbers stored as numbers) and about cut content.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::item::parse::Limits;

use super::numfmt;

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

fn cell_text(d: &Data, code: Option<&str>) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) => numfmt::format_number(*f, code.unwrap_or("General")),
        Data::Int(i) => numfmt::format_number(*i as f64, code.unwrap_or("General")),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => {
            let code = code.filter(|c| !c.eq_ignore_ascii_case("general")).unwrap_or("yyyy-mm-dd");
            numfmt::format_date(dt.as_f64(), code).unwrap_or_else(|| numfmt::general(dt.as_f64()))
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The title a file name suggests: `2026年12月低保名单.xlsx` -> `2026年12月低保名单`.
fn title_of(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s).trim();
    if stem.is_empty() { "导入的表格".to_string() } else { stem.chars().take(100).collect() }
}

/// Reads the workbook; `Err` says in Chinese and English why it cannot be used.
pub(crate) fn import(bytes: &[u8], file_name: &str, now: Timestamp, tz: &TimeZone) -> Result<Draft, Msg> {
    let not_xlsx = |e: String| {
        (
            format!(
                "无法读取该文件：它不是 Excel 工作簿（.xlsx），或已损坏、加了密码（{e}）。旧的 .xls 文件请在 Excel 或 WPS 中另存为 .xlsx 后再导入"
            ),
            format!(
                "cannot read the file: it is not an Excel workbook (.xlsx), or it is damaged or password protected ({e}); save old .xls files as .xlsx first"
            ),
        )
    };
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| not_xlsx(e.to_string()))?;
    let sheets = wb.sheet_names();
    let sheet = sheets.first().cloned().ok_or_else(|| not_xlsx("no worksheet".into()))?;
    let range = wb.worksheet_range(&sheet).map_err(|e| not_xlsx(e.to_string()))?;
    let styles = wb.worksheet_style(&sheet).ok();
    let limits = Limits::default();
    let mut warnings: Vec<Msg> = Vec::new();
    if sheets.len() > 1 {
        warnings.push((
            format!("只导入了第一个工作表“{sheet}”（共 {} 个）", sheets.len()),
            format!("only the first worksheet `{sheet}` was imported (of {})", sheets.len()),
        ));
    }
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut numeric: Vec<Vec<bool>> = Vec::new();
    for (ri, row) in range.rows().enumerate() {
        let mut texts = Vec::with_capacity(row.len());
        let mut nums = Vec::with_capacity(row.len());
        for (ci, d) in row.iter().enumerate() {
            let pos = (r0 + ri as u32, c0 + ci as u32);
            let code = styles.as_ref().and_then(|s| s.get(pos)).and_then(|s| s.number_format.as_ref()).map(|f| f.format_code.as_str());
            texts.push(cell_text(d, code));
            nums.push(matches!(d, Data::Float(_) | Data::Int(_)));
            if let Data::Float(f) = d
                && f.fract() == 0.0
                && f.abs() >= 1e11
            {
                warnings.push((
                    format!(
                        "第 {} 行第 {} 列是很长的数字（{}），Excel 只保留 15 位有效数字，身份证号、银行卡号可能已经不对；请在 Excel 中把该列设为“文本”格式，重新填写后再导入",
                        pos.0 + 1,
                        pos.1 + 1,
                        texts.last().map_or("", String::as_str)
                    ),
                    format!(
                        "row {} column {} is a long number ({}): Excel keeps only 15 significant digits, so ID or bank numbers may be wrong; format the column as Text in Excel, type them again and import again",
                        pos.0 + 1,
                        pos.1 + 1,
                        texts.last().map_or("", String::as_str)
                    ),
                ));
            }
            if let Data::Error(e) = d {
                warnings.push((
                    format!("第 {} 行第 {} 列是公式错误 {e:?}", pos.0 + 1, pos.1 + 1),
                    format!("row {} column {} holds a formula error {e:?}", pos.0 + 1, pos.1 + 1),
                ));
            }
        }
        if texts.iter().all(String::is_empty) {
            continue;
        }
        rows.push(texts);
        numeric.push(nums);
    }
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
        return Err((
            format!("表格太大：{} 行 × {} 列 = {cells} 格，最多 {} 格；请分成几个条目导入", body.len() + 1, columns.len(), limits.max_table_cells),
            format!(
                "table too large: {} rows × {} columns = {cells} cells, at most {}; split it into several items",
                body.len() + 1,
                columns.len(),
                limits.max_table_cells
            ),
        ));
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
}
