//! Writes a `Report` as Markdown (for people), CSV (for spreadsheets) or JSON (for programs).
//!
//! Markdown shows whole seconds, apportioned so each day's figures still add
//! up exactly; CSV and JSON carry milliseconds. Formatting only: no figures are computed here.

use std::fmt::Write;

use super::report::{Day, Report};

/// Whole seconds for each part, rounded so that they sum to the rounded whole (largest remainder).
fn apportion(parts: &[i64], total: i64) -> Vec<i64> {
    let target = (total + 500).div_euclid(1000);
    let mut secs: Vec<i64> = parts.iter().map(|p| p.div_euclid(1000)).collect();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(parts[i].rem_euclid(1000)));
    let mut missing = target - secs.iter().sum::<i64>();
    for &i in order.iter().cycle().take(parts.len() * 2) {
        if missing <= 0 {
            break;
        }
        secs[i] += 1;
        missing -= 1;
    }
    secs
}

fn day_secs(d: &Day) -> [i64; 8] {
    let p = apportion(&[d.shown_ms, d.preempted_ms, d.rotation_ms, d.idle_ms, d.device_error_ms, d.offline_ms], d.on_hours_ms);
    let on: i64 = p.iter().sum();
    let day = (d.on_hours_ms + d.screen_off_ms + 500).div_euclid(1000);
    [p[0], p[1], p[2], p[3], p[4], p[5], on, day - on]
}

fn hms(s: i64) -> String {
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

pub fn markdown(r: &Report, log_line: &str) -> String {
    let tz = jiff::tz::TimeZone::get(&r.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut o = String::new();
    let _ = writeln!(o, "# 公开显示报告 Display report {} – {} ({})\n", r.from, r.to, r.time_zone);
    let _ = writeln!(o, "{log_line}\n");
    if r.items.is_empty() {
        let _ = writeln!(o, "No items were shown in this period. 本期间没有显示任何条目。");
    }
    for it in &r.items {
        let _ = writeln!(o, "## {} on screen `{}`\n", it.item, it.screen);
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

pub fn csv(r: &Report) -> String {
    let mut o = String::from(
        "screen,item,category,list,date,shown_s,min_seconds_per_day,meets_min,preempted_s,rotation_s,idle_s,device_error_s,offline_s,on_hours_s,screen_off_s\n",
    );
    let q = |s: &str| if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
    let sec = |ms: i64| format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000));
    for it in &r.items {
        for d in &it.days {
            let _ = writeln!(
                o,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                q(&it.screen),
                q(&it.item),
                q(it.category.as_deref().unwrap_or("")),
                q(it.list.as_deref().unwrap_or("")),
                d.date,
                sec(d.shown_ms),
                it.min_seconds_per_day.map_or(String::new(), |m| m.to_string()),
                d.meets_min.map_or(String::new(), |b| b.to_string()),
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
    fn apportioned_seconds_add_up_to_the_rounded_whole() {
        let parts = [1_400, 1_400, 1_400, 300];
        let total: i64 = parts.iter().sum();
        let s = apportion(&parts, total);
        assert_eq!(s.iter().sum::<i64>(), 5, "{s:?}");
        assert_eq!(s, vec![2, 2, 1, 0]);
    }
}
