//! The report as one self-contained HTML page for inspectors: prints on A4 (page
//! breaks, running header, page numbers) and reads on a phone. Chinese first, English small.
//!
//! Contents: cover (with the log head hash and its QR code), summary (items needing
//! attention first), every item's day-by-day figures, outages, disclosure cadence,
//! doubtful records, signature lines. Every piece of text from the log or the clerks
//! is escaped: nothing in a title can become markup or script. Formatting only.

use std::fmt::Write;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::seconds::{day_secs, hms, human, secs};
use super::{ItemReport, ItemStatus, LogSummary, OutageKind, Report, qr};
use crate::evidence::cadence::State;

const CSS: &str = include_str!("html.css");

/// The page margin boxes (running header, page numbers) do not inherit the body's font.
const FONTS: &str = "\"Noto Sans CJK SC\", \"Source Han Sans SC\", \"Yiping Sans CJK SC\", \"PingFang SC\", \"Microsoft YaHei\", sans-serif";

/// Text for HTML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Text inside a CSS string (`content: "..."`): anything but letters, digits and spaces
/// is a hex escape, so nothing can close the string or the style element.
fn css_str(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() || c == ' ' {
            o.push(c);
        } else {
            let _ = write!(o, "\\{:06x}", c as u32);
        }
    }
    o
}

/// `中文<span class="en">English</span>`.
fn bi(zh: &str, en: &str) -> String {
    format!("{}<span class=\"en\"> {}</span>", esc(zh), esc(en))
}

/// A table heading cell in both languages.
fn th(zh: &str, en: &str, numeric: bool) -> String {
    format!("<th{}>{}<span class=\"en\">{}</span></th>", if numeric { " class=\"n\"" } else { "" }, esc(zh), esc(en))
}

struct Ctx {
    tz: TimeZone,
}

impl Ctx {
    fn local(&self, t: Timestamp) -> String {
        t.to_zoned_datetime(self.tz.clone()).strftime("%Y-%m-%d %H:%M").to_string()
    }

    fn local_s(&self, t: Timestamp) -> String {
        t.to_zoned_datetime(self.tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string()
    }
}

fn status_badge(s: ItemStatus) -> String {
    let class = match s {
        ItemStatus::NeverShown | ItemStatus::Below => "badge bad",
        ItemStatus::Met | ItemStatus::NoMinimum => "badge ok",
    };
    format!("<span class=\"{class}\">{}</span><span class=\"en\"> {}</span>", esc(s.zh()), esc(s.en()))
}

fn title_of(it: &ItemReport) -> String {
    match &it.title {
        Some(t) => format!("{}<br><span class=\"key\">{}</span>", esc(t), esc(&it.item)),
        None => format!("<span class=\"key\">{}</span><span class=\"en\"> （日志未记录标题 no title in the log）</span>", esc(&it.item)),
    }
}

/// Items needing attention first, then by title and screen.
fn ordered(r: &Report) -> Vec<&ItemReport> {
    let mut items: Vec<&ItemReport> = r.items.iter().collect();
    items.sort_by(|a, b| (a.status.rank(), &a.title, &a.item, &a.screen).cmp(&(b.status.rank(), &b.title, &b.item, &b.screen)));
    items
}

/// The whole page. `version` is the yiping that made it, `made` when (the trusted clock).
pub fn html(r: &Report, log: &LogSummary, version: &str, made: Timestamp) -> String {
    let cx = Ctx { tz: TimeZone::get(&r.time_zone).unwrap_or(TimeZone::UTC) };
    let village = r.village.clone().unwrap_or_else(|| "（未记录村名）".to_string());
    let period = format!("{} 至 {}", r.from, r.to);
    let mut o = String::with_capacity(64 * 1024 + r.items.len() * 4096);
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} 电子屏公开显示检查报告 {}</title>\n<style>\n{CSS}",
        esc(&village),
        esc(&period)
    );
    let running = format!("{village} · 电子屏公开显示检查报告 · {period}");
    let _ = write!(
        o,
        "@page {{ size: A4; margin: 16mm 12mm 16mm 12mm;\n  @top-center {{ content: \"{}\"; font-family: {FONTS}; font-size: 8pt; color: #555; }}\n  @bottom-center {{ content: \"第 \" counter(page) \" 页 共 \" counter(pages) \" 页  Page \" counter(page) \" of \" counter(pages); font-family: {FONTS}; font-size: 8pt; color: #555; }} }}\n@page :first {{ @top-center {{ content: none; }} }}\n</style>\n</head>\n<body>\n",
        css_str(&running)
    );
    cover(&mut o, r, log, (version, made), &cx, &village);
    summary(&mut o, r);
    details(&mut o, r, &cx);
    outages(&mut o, r, &cx);
    cadence(&mut o, r, &cx);
    anomalies(&mut o, r, &cx);
    sign(&mut o);
    o.push_str("</body>\n</html>\n");
    o
}

fn cover(o: &mut String, r: &Report, log: &LogSummary, (version, made): (&str, Timestamp), cx: &Ctx, village: &str) {
    let _ = write!(
        o,
        "<section class=\"cover\">\n<h1>{}<br>电子屏公开显示检查报告<br><span class=\"en\">Disclosure screen display report</span></h1>\n<table class=\"kv\">\n",
        esc(village)
    );
    let row = |o: &mut String, zh: &str, en: &str, v: &str| {
        let _ = writeln!(o, "<tr>{}<td>{v}</td></tr>", th(zh, en, false));
    };
    row(o, "村", "Village", &esc(village));
    let screens = if r.screens.is_empty() { "—".to_string() } else { esc(&r.screens.join("、")) };
    row(o, "屏幕", "Screens", &screens);
    row(o, "报告期间", "Period", &bi(&format!("{} 至 {}", r.from, r.to), &format!("{} to {}", r.from, r.to)));
    row(o, "时区", "Time zone", &esc(&r.time_zone));
    row(o, "生成时间", "Generated at", &esc(&cx.local_s(made)));
    row(o, "统计截至", "Counted up to", &esc(&cx.local_s(r.counted_to)));
    row(o, "软件版本", "yiping version", &esc(version));
    let range = match (log.first_seq, log.head_seq) {
        (Some(a), Some(b)) => bi(&format!("第 #{a} 至 #{b} 条，共 {} 条", log.records), &format!("records #{a} to #{b}, {} in all", log.records)),
        _ => bi("日志为空", "the log is empty"),
    };
    row(o, "记录范围", "Log range", &range);
    let verdict = if log.verified {
        format!("<span class=\"ok\">{}</span>", bi("通过：哈希链完整", "passed: hash chain intact"))
            + &if log.torn > 0 {
                bi(&format!("（{} 条断电未写完的记录已跳过）", log.torn), &format!("({} torn record(s) skipped)", log.torn))
            } else {
                String::new()
            }
    } else {
        format!(
            "<span class=\"bad\">{}</span><br>{}",
            bi(
                "未通过：记录被改动、删除、插入或调换，以下数字不可靠",
                "FAILED: records edited, deleted, inserted or reordered; the figures below are not reliable"
            ),
            esc(log.problem.as_deref().unwrap_or(""))
        )
    };
    row(o, "日志校验", "log verify", &verdict);
    o.push_str("</table>\n");
    if let (Some(seq), Some(hash)) = (log.head_seq, &log.head_hash) {
        let text = format!("{seq}:{hash}");
        let code = qr::svg(&text, "34mm").unwrap_or_default();
        let _ = writeln!(
            o,
            "<div class=\"head\">{code}<div><strong>{}</strong><br>第 #{seq} 条 <span class=\"en\">record #{seq}</span><br><span class=\"hash\">{}</span><p class=\"small\">请抄下或拍下此序号和哈希。下次检查时运行 <code>yiping log verify</code>，核对该条记录仍在、哈希不变，即可发现其后的记录被删除或重写。<br>Note this number and hash. At the next inspection, `yiping log verify` must still show this record with this hash; otherwise records after it were removed or rewritten.</p></div></div>",
            bi("最新记录（链头）", "Head of the log"),
            esc(hash)
        );
    }
    let count = |s: ItemStatus| r.items.iter().filter(|i| i.status == s).count();
    let overdue: usize = r.cadence.iter().map(|v| v.periods.iter().filter(|p| p.state == State::Overdue).count()).sum();
    let late: usize = r.cadence.iter().map(|v| v.within.iter().filter(|t| matches!(t.state, State::Late | State::Overdue)).count()).sum();
    let down: i64 = r.outages.iter().filter(|x| x.kind == OutageKind::NotRunning).map(|x| x.in_hours_ms.unwrap_or(x.ms)).sum();
    let _ = writeln!(
        o,
        "<div class=\"totals\"><span>{}</span><span class=\"ok\">{}</span><span class=\"bad\">{}</span><span class=\"bad\">{}</span><span{}>{}</span><span>{}</span></div>",
        bi(&format!("条目·屏幕 {} 项", r.items.len()), &format!("{} item-screen rows", r.items.len())),
        bi(&format!("达标 {}", count(ItemStatus::Met) + count(ItemStatus::NoMinimum)), "met"),
        bi(&format!("未达标 {}", count(ItemStatus::Below)), "below minimum"),
        bi(&format!("未显示 {}", count(ItemStatus::NeverShown)), "never shown"),
        if overdue + late > 0 { " class=\"bad\"" } else { "" },
        bi(&format!("公开频率：逾期 {overdue} 期，超时 {late} 条"), &format!("cadence: {overdue} period(s) overdue, {late} item(s) late")),
        bi(&format!("开屏时段停机 {}", human(down).0), &format!("down in screen hours {}", human(down).1)),
    );
    for n in &r.notes {
        let _ = writeln!(o, "<p class=\"note\">{}</p>", bi(&n.zh, &n.en));
    }
    o.push_str("</section>\n");
}

fn summary(o: &mut String, r: &Report) {
    let _ = write!(o, "<section class=\"part\">\n<h2>一、汇总 <span class=\"en\">Summary</span></h2>\n");
    if r.items.is_empty() {
        let _ = writeln!(o, "<p>{}</p>", bi("本期间没有应显示或已显示的条目。", "No items were due or shown in this period."));
    } else {
        let _ = writeln!(
            o,
            "<p class=\"small\">{}</p>",
            bi("每个条目在每块屏上一行；未显示、未达标的排在前面。", "One row per item per screen; never shown and below minimum first.")
        );
    }
    o.push_str("<div class=\"scroll\"><table class=\"summary\">\n<thead><tr>");
    for (zh, en, n) in [
        ("序号", "No.", true),
        ("标题", "Title", false),
        ("屏幕", "Screen", false),
        ("清单 / 类别", "List / category", false),
        ("公示期", "Display window", false),
        ("期内天数", "Days", true),
        ("达标 / 未达标天数", "Days met / below", true),
        ("累计显示", "Total shown", true),
        ("状态", "Status", false),
    ] {
        o.push_str(&th(zh, en, n));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for (k, it) in ordered(r).into_iter().enumerate() {
        let attention = matches!(it.status, ItemStatus::NeverShown | ItemStatus::Below);
        let window = it.window.map_or("—".to_string(), |(f, u)| {
            format!(
                "<span class=\"nw\">{}</span> 至<br><span class=\"nw\">{}</span>",
                f.to_zoned_datetime(tz_of(r)).strftime("%Y-%m-%d"),
                u.to_zoned_datetime(tz_of(r)).strftime("%Y-%m-%d")
            )
        });
        let met_below = match it.min_seconds_per_day {
            Some(_) => format!("{} / {}", it.days.iter().filter(|d| d.meets_min == Some(true)).count(), it.days_below_min),
            None => "—".to_string(),
        };
        let list = format!(
            "{}{}",
            esc(it.list.as_deref().unwrap_or("—")),
            it.category.as_deref().map(|c| format!("<br><span class=\"small\">{}</span>", esc(super::category_zh(c)))).unwrap_or_default()
        );
        let _ = writeln!(
            o,
            "<tr{}><td class=\"n\">{}</td><td><a href=\"#item-{k}\">{}</a></td><td class=\"nw\">{}</td><td>{list}</td><td>{window}</td><td class=\"n\">{}</td><td class=\"n\">{met_below}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            if attention { " class=\"attention\"" } else { "" },
            k + 1,
            title_of(it),
            esc(&it.screen),
            it.days_reported,
            hms(secs(it.total_shown_ms)),
            status_badge(it.status)
        );
    }
    o.push_str("</tbody></table></div>\n</section>\n");
}

fn tz_of(r: &Report) -> TimeZone {
    TimeZone::get(&r.time_zone).unwrap_or(TimeZone::UTC)
}

fn details(o: &mut String, r: &Report, cx: &Ctx) {
    if r.items.is_empty() {
        return;
    }
    let _ = write!(o, "<section class=\"part\">\n<h2>二、逐条明细 <span class=\"en\">Item details</span></h2>\n");
    let _ = writeln!(
        o,
        "<p class=\"small\">{}</p>",
        bi(
            "每天：显示 + 被插播 + 轮播其他 + 空闲 + 设备故障 + 离线 = 开屏；开屏 + 关屏 = 24 小时。离线：开屏时段内程序没有运行或没有记录。关屏：按排定的开关屏时间关屏。",
            "Each day: shown + preempted + rotation + idle + device error + offline = on-hours; on-hours + screen off = 24 h. Offline: in screen hours with yiping not running or nothing recorded. Screen off: the scheduled off hours."
        )
    );
    for (k, it) in ordered(r).into_iter().enumerate() {
        let _ = write!(
            o,
            "<article id=\"item-{k}\">\n<h3>{}. {} <span class=\"small\">· 屏幕 {}</span></h3>\n<dl>\n",
            k + 1,
            esc(it.title.as_deref().unwrap_or(&it.item)),
            esc(&it.screen)
        );
        let dl = |o: &mut String, zh: &str, en: &str, v: &str| {
            let _ = writeln!(o, "<dt>{}</dt><dd>{v}</dd>", bi(zh, en));
        };
        dl(o, "条目编号", "Item", &format!("<span class=\"key\">{}</span>", esc(&it.item)));
        dl(o, "屏幕", "Screen", &esc(&it.screen));
        dl(o, "村", "Village", &esc(it.village.as_deref().unwrap_or("—")));
        dl(
            o,
            "清单 / 类别",
            "List / category",
            &format!(
                "{} / {}{}",
                esc(it.list.as_deref().unwrap_or("—")),
                esc(super::category_zh(it.category.as_deref().unwrap_or("—"))),
                if it.urgent { " · 紧急 urgent" } else { "" }
            ),
        );
        let approval = it
            .approval
            .as_ref()
            .map_or("—（日志未记录 not in the log）".to_string(), |a| format!("{} · {}", esc(&a.by), esc(&cx.local(a.at))));
        dl(o, "审批人 · 审批时间", "Approved by · at", &approval);
        let window = it.window.map_or("—".to_string(), |(f, u)| format!("{} 至 {}", esc(&cx.local(f)), esc(&cx.local(u))));
        dl(o, "公示期", "Display window", &window);
        let min =
            it.min_seconds_per_day.map_or("—（无要求 none）".to_string(), |m| format!("{} <span class=\"en\">({m} s)</span>", hms(m as i64)));
        dl(o, "每日最短显示", "Minimum per day", &min);
        let revs: Vec<String> = it
            .revisions_seen
            .iter()
            .map(|s| {
                format!(
                    "第 {} 版{} <span class=\"hash\">{}</span>",
                    s.revision,
                    if s.shown { "（已显示 shown）" } else { "（已收到未显示 delivered, not shown）" },
                    esc(s.content_sha256.as_deref().unwrap_or("—"))
                )
            })
            .collect();
        dl(o, "版本与内容哈希", "Revisions (SHA-256)", &if revs.is_empty() { "—".to_string() } else { revs.join("<br>") });
        dl(o, "状态", "Status", &status_badge(it.status));
        o.push_str("</dl>\n");
        day_table(o, it);
        o.push_str("</article>\n");
    }
    o.push_str("</section>\n");
}

fn day_table(o: &mut String, it: &ItemReport) {
    if it.days.is_empty() {
        let _ = writeln!(o, "<p class=\"small\">{}</p>", bi("报告期内不在公示期。", "Not in its display window during the period."));
        return;
    }
    o.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for (zh, en, n) in [
        ("日期", "Date", false),
        ("显示", "Shown", true),
        ("达标", "Min", false),
        ("被插播", "Preempted", true),
        ("轮播其他", "Rotation", true),
        ("空闲", "Idle", true),
        ("设备故障", "Device error", true),
        ("离线", "Offline", true),
        ("= 开屏", "= On-hours", true),
        ("关屏", "Screen off", true),
    ] {
        o.push_str(&th(zh, en, n));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    let mut total = [0i64; 8];
    for d in &it.days {
        let s = day_secs(d);
        for (t, v) in total.iter_mut().zip(s) {
            *t += v;
        }
        let ok = match d.meets_min {
            Some(true) => "<span class=\"ok\">✓</span>",
            Some(false) => "<span class=\"bad\">✗</span>",
            None => "",
        };
        let _ = write!(
            o,
            "<tr{}><td>{}</td><td class=\"n\">{}</td><td>{ok}</td>",
            if d.meets_min == Some(false) { " class=\"attention\"" } else { "" },
            d.date,
            hms(s[0])
        );
        for v in &s[1..] {
            let _ = write!(o, "<td class=\"n\">{}</td>", hms(*v));
        }
        o.push_str("</tr>\n");
    }
    // The total is the last row, not a <tfoot>: a printed footer repeats on every page.
    let _ = write!(o, "<tr class=\"total\"><td>{}</td><td class=\"n\">{}</td><td></td>", bi("合计", "Total"), hms(total[0]));
    for v in &total[1..] {
        let _ = write!(o, "<td class=\"n\">{}</td>", hms(*v));
    }
    o.push_str("</tr></tbody></table></div>\n");
}

fn outages(o: &mut String, r: &Report, cx: &Ctx) {
    let _ = write!(o, "<section class=\"part\">\n<h2>三、停机与设备故障 <span class=\"en\">Outages</span></h2>\n");
    if r.outages.is_empty() {
        let _ = writeln!(
            o,
            "<p>{}</p>",
            bi("报告期内程序一直在运行，输出设备没有全部故障。", "yiping ran throughout the period and no screen lost all its outputs.")
        );
        o.push_str("</section>\n");
        return;
    }
    o.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for (zh, en, n) in [
        ("开始", "From", false),
        ("结束", "Until", false),
        ("时长", "Duration", true),
        ("其中开屏时段", "In screen hours", true),
        ("屏幕", "Screen", false),
        ("类型与原因", "Kind and cause", false),
    ] {
        o.push_str(&th(zh, en, n));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for x in &r.outages {
        let (zh, en) = human(x.ms);
        let in_hours = match (x.kind, x.in_hours_ms) {
            (OutageKind::DeviceError, _) => "—".to_string(),
            (_, Some(ms)) => bi(&human(ms).0, &human(ms).1),
            (_, None) => bi("未知（算作离线）", "unknown (counted offline)"),
        };
        let what = match x.kind {
            OutageKind::NotRunning => {
                let c = x.cause.unwrap_or(super::Cause::SinceLastRecord);
                format!("{}<br>{}", bi("程序未运行", "yiping not running"), bi(c.zh(), c.en()))
            }
            OutageKind::DeviceError => format!("{}<br>{}", bi("所有输出设备故障", "every output failed"), esc(x.error.as_deref().unwrap_or(""))),
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{in_hours}</td><td>{}</td><td>{what}</td></tr>",
            esc(&cx.local(x.from)),
            esc(&cx.local(x.until)),
            bi(&zh, &en),
            esc(x.screen.as_deref().unwrap_or("全部 all")),
        );
    }
    o.push_str("</tbody></table></div>\n</section>\n");
}

fn cadence(o: &mut String, r: &Report, cx: &Ctx) {
    let _ = write!(o, "<section class=\"part\">\n<h2>四、公开频率 <span class=\"en\">Disclosure cadence</span></h2>\n");
    if r.cadence.is_empty() {
        let _ = writeln!(
            o,
            "<p>{}</p>",
            bi(
                "配置中没有 [compliance]（各清单的公开频率），未检查。",
                "No [compliance] table in the configuration (each list's required rhythm): not checked."
            )
        );
        o.push_str("</section>\n");
        return;
    }
    for v in &r.cadence {
        let (zh, en) = v.rule.describe();
        let verdict = if v.failed() {
            format!("<span class=\"badge bad\">{}</span>", bi("不合规", "not met"))
        } else {
            format!("<span class=\"badge ok\">{}</span>", bi("合规", "met"))
        };
        let _ = writeln!(o, "<h3>「{}」 {} {verdict}</h3>", esc(&v.list), bi(&zh, &en));
        if !v.periods.is_empty() {
            o.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
            for (zh, en) in [("期间", "Period"), ("状态", "Verdict"), ("期内新公开的条目（公示开始）", "Items that opened a display window in it")]
            {
                o.push_str(&th(zh, en, false));
            }
            o.push_str("</tr></thead>\n<tbody>\n");
            for p in &v.periods {
                let mut items: Vec<String> = p
                    .items
                    .iter()
                    .map(|i| format!("{} <span class=\"small\">{}</span>", esc(i.title.as_deref().unwrap_or(&i.item)), esc(&cx.local(i.opened))))
                    .collect();
                items.extend(p.scheduled.iter().map(|i| {
                    format!(
                        "{} <span class=\"small\">已排定 scheduled {}</span>",
                        esc(i.title.as_deref().unwrap_or(&i.item)),
                        esc(&cx.local(i.opened))
                    )
                }));
                let _ = writeln!(
                    o,
                    "<tr{}><td>{} <span class=\"small\">{} – {}</span></td><td>{}</td><td>{}</td></tr>",
                    if p.state == State::Overdue { " class=\"attention\"" } else { "" },
                    esc(&p.name),
                    p.from,
                    p.to,
                    state_badge(p.state),
                    if items.is_empty() { "—".to_string() } else { items.join("<br>") }
                );
            }
            o.push_str("</tbody></table></div>\n");
        }
        if v.rule.within.is_some() {
            if v.within.is_empty() {
                let _ = writeln!(
                    o,
                    "<p class=\"small\">{}</p>",
                    bi("报告期内该清单没有审批的条目。", "No item of this list was approved in the period.")
                );
                continue;
            }
            o.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
            for (zh, en) in
                [("条目", "Item"), ("审批时间", "Approved"), ("应上屏期限", "Due on screen by"), ("首次上屏", "First on screen"), ("状态", "Verdict")]
            {
                o.push_str(&th(zh, en, false));
            }
            o.push_str("</tr></thead>\n<tbody>\n");
            for t in &v.within {
                let _ = writeln!(
                    o,
                    "<tr{}><td>{}<br><span class=\"key\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    if matches!(t.state, State::Late | State::Overdue) { " class=\"attention\"" } else { "" },
                    esc(t.item.title.as_deref().unwrap_or("")),
                    esc(&t.item.item),
                    t.item.approved.map_or("—".to_string(), |a| esc(&cx.local(a))),
                    t.deadline.map_or("—".to_string(), |a| esc(&cx.local(a))),
                    t.item.first_shown.map_or_else(|| bi("未上屏", "not shown"), |a| esc(&cx.local(a))),
                    state_badge(t.state)
                );
            }
            o.push_str("</tbody></table></div>\n");
        }
    }
    o.push_str("</section>\n");
}

fn state_badge(s: State) -> String {
    let class = if matches!(s, State::Overdue | State::Late) { "badge bad" } else { "badge" };
    format!("<span class=\"{class}\">{}</span><span class=\"en\"> {}</span>", esc(s.zh()), esc(s.en()))
}

/// At most this many doubtful records are listed one by one.
const ANOMALIES_LISTED: usize = 200;

fn anomalies(o: &mut String, r: &Report, cx: &Ctx) {
    if r.anomalies.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<section class=\"part\">\n<h2>五、可疑记录 <span class=\"en\">Records whose times cannot be true</span></h2>\n<p class=\"failed\">{}</p>\n",
        bi(
            &format!(
                "共 {} 条。这些记录的时间来自未来、时间倒退，或显示时长超过其时间跨度（如演练、时钟被篡改），未计入上面任何数字。",
                r.anomalies.len()
            ),
            &format!(
                "{} in all: from the future, time going back, or longer than their span (a rehearsal, a hijacked clock); left out of every figure above.",
                r.anomalies.len()
            )
        )
    );
    o.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for (zh, en) in [("序号", "Seq"), ("类型", "Kind"), ("记录的时间", "Time claimed"), ("原因", "Why")] {
        o.push_str(&th(zh, en, false));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for a in r.anomalies.iter().take(ANOMALIES_LISTED) {
        let _ = writeln!(o, "<tr><td>#{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", a.seq, esc(&a.kind), esc(&cx.local_s(a.at)), bi(&a.zh, &a.en));
    }
    o.push_str("</tbody></table></div>\n");
    if r.anomalies.len() > ANOMALIES_LISTED {
        let more = r.anomalies.len() - ANOMALIES_LISTED;
        let _ = writeln!(
            o,
            "<p>{}</p>",
            bi(&format!("另有 {more} 条未列出，见 --format json。"), &format!("{more} more not listed; see --format json."))
        );
    }
    o.push_str("</section>\n");
}

fn sign(o: &mut String) {
    o.push_str("<section class=\"sign\">\n<h2>签字 <span class=\"en\">Signatures</span></h2>\n<div class=\"sig\">\n");
    for (zh, en) in [("检查人（签字）", "Inspector"), ("村务监督委员会（签字）", "Village supervision committee")] {
        let _ =
            writeln!(o, "<span>{}：</span><span class=\"line\"></span><span>{}：</span><span class=\"line\"></span>", bi(zh, en), bi("日期", "Date"));
    }
    o.push_str("</div>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup_and_css_strings_cannot_be_closed() {
        assert_eq!(esc("<script>alert('x')</script>&\""), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
        let c = css_str("青山村\"; } </style><script>");
        assert!(!c.contains(['"', '<', '>', '}', ';']), "{c}");
        assert!(c.starts_with("青山村\\000022"), "{c}");
    }
}
