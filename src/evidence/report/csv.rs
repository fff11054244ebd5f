//! The report as CSV for spreadsheets: one row per item per screen per day.
//!
//! Chinese Excel opens UTF-8 only with a byte-order mark, so the file starts with one.
//! Headings are Chinese with an English row under them (`Lang::Zh`), or English only
//! (`Lang::En`, values in machine words). Seconds are exact to the millisecond. Text
//! from clerks that Excel would take for a formula is quoted with a leading `'`.

use std::fmt::Write;

use super::Report;

/// Heading language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Zh,
    En,
}

const ZH: &str =
    "屏幕,条目编号,标题,类别,清单,日期,显示秒数,每日最短秒数,是否达标,被插播秒数,轮播其他秒数,空闲秒数,设备故障秒数,离线秒数,开屏秒数,关屏秒数";
const EN: &str = "screen,item,title,category,list,date,shown_s,min_seconds_per_day,meets_min,preempted_s,rotation_s,idle_s,device_error_s,offline_s,on_hours_s,screen_off_s";

/// One field: quoted when needed; a leading `= + - @` (a formula to Excel) is defused.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

pub(crate) fn csv(r: &Report, lang: Lang) -> String {
    let mut o = String::from("\u{feff}");
    match lang {
        Lang::Zh => {
            o.push_str(ZH);
            o.push('\n');
            o.push_str(EN);
        }
        Lang::En => o.push_str(EN),
    }
    o.push('\n');
    let sec = |ms: i64| format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000));
    for it in &r.items {
        let category = it.category.as_deref().unwrap_or("");
        let category = if lang == Lang::Zh { super::category_zh(category) } else { category };
        for d in &it.days {
            let meets = match (d.meets_min, lang) {
                (None, _) => "",
                (Some(true), Lang::Zh) => "达标",
                (Some(false), Lang::Zh) => "未达标",
                (Some(true), Lang::En) => "true",
                (Some(false), Lang::En) => "false",
            };
            let _ = writeln!(
                o,
                "{},{},{},{},{},{},{},{},{meets},{},{},{},{},{},{},{}",
                field(&it.screen),
                field(&it.item),
                field(it.title.as_deref().unwrap_or("")),
                field(category),
                field(it.list.as_deref().unwrap_or("")),
                d.date,
                sec(d.shown_ms),
                it.min_seconds_per_day.map_or(String::new(), |m| m.to_string()),
                sec(d.preempted_ms),
                sec(d.rotation_ms),
                sec(d.idle_ms),
                sec(d.device_error_ms),
                sec(d.offline_ms),
                sec(d.on_hours_ms),
                sec(d.screen_off_ms),
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clerks_text_is_quoted_and_never_a_formula() {
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "'-1");
        assert_eq!(field("低保, 十二月"), "\"低保, 十二月\"");
        assert_eq!(field("十二月财务"), "十二月财务");
    }
}
