//! The report as Markdown, to paste into a document (print the HTML form instead).
//!
//! Whole seconds, apportioned so each day's figures still add up exactly.
//! Formatting only: no figures are computed here.

use std::fmt::Write;

use super::Report;
use super::seconds::{day_secs, hms};

pub fn markdown(r: &Report, log_line: &str) -> String {
    let tz = jiff::tz::TimeZone::get(&r.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut o = String::new();
    let _ = writeln!(o, "# 公开显示报告 Display report {} – {} ({})\n", r.from, r.to, r.time_zone);
    let _ = writeln!(o, "{log_line}\n");
    for n in &r.notes {
        let _ = writeln!(o, "> 注意 Note: {} / {}\n", n.zh, n.en);
    }
    for v in &r.cadence {
        let (zh, en) = v.rule.describe();
        let periods: Vec<String> = v.periods.iter().map(|p| format!("{} {} {}", p.name, p.state.zh(), p.state.en())).collect();
        let late = v.within.iter().filter(|t| t.state != crate::evidence::cadence::State::Met).count();
        let _ = writeln!(
            o,
            "- 公开频率 cadence 「{}」 {zh} / {en}: {}{}",
            v.list,
            periods.join("; "),
            if late > 0 { format!("; {late} 条未按时上屏 item(s) not on screen in time") } else { String::new() }
        );
    }
    if !r.cadence.is_empty() {
        let _ = writeln!(o);
    }
    if r.items.is_empty() {
        let _ = writeln!(o, "No items were shown in this period. 本期间没有显示任何条目。");
    }
    for it in &r.items {
        match &it.title {
            Some(t) => {
                let _ = writeln!(o, "## {} `{}` on screen `{}`\n", t.replace(['\n', '\r'], " "), it.item, it.screen);
            }
            None => {
                let _ = writeln!(o, "## {} on screen `{}`\n", it.item, it.screen);
            }
        }
        let local = |t: jiff::Timestamp| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
        let window = it.window.map_or("unknown".to_string(), |(f, u)| format!("{} – {}", local(f), local(u)));
        let min = it.min_seconds_per_day.map_or("none".to_string(), |m| format!("{m} s"));
        let _ = writeln!(
            o,
            "- category 类别: {}  list 清单: {}  revisions 修订: {:?}{}\n- display window 公示期: {window}\n- shown 显示: {} s ({}) on {} of {} day(s); minimum per day 每日最少: {min}; days below minimum 未达标天数: {}\n",
            it.category.as_deref().unwrap_or("-"),
            it.list.as_deref().unwrap_or("-"),
            it.revisions,
            if it.urgent { "  urgent 紧急" } else { "" },
            (it.total_shown_ms + 500) / 1000,
            hms((it.total_shown_ms + 500) / 1000),
            it.days_shown,
            it.days_reported,
            it.days_below_min
        );
        let _ = writeln!(
            o,
            "| date 日期 | shown 显示 s | min | preempted 被插播 | rotation 轮播其他 | idle 空闲 | device error 设备故障 | offline 离线 | = on-hours 开屏 | screen off 关屏 |"
        );
        let _ = writeln!(o, "|---|---:|:-:|---:|---:|---:|---:|---:|---:|---:|");
        for d in &it.days {
            let s = day_secs(d);
            let ok = match d.meets_min {
                Some(true) => "✓",
                Some(false) => "✗",
                None => "",
            };
            let _ = writeln!(o, "| {} | {} | {ok} | {} | {} | {} | {} | {} | {} | {} |", d.date, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
        }
        let _ = writeln!(o);
    }
    o
}
