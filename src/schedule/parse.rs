//! Playlists, `[when]` rules, `[screens.hours]` and `[screens.urgent]` read from
//! TOML field by field (`tomlread`), every error reported with its position.
//!
//! Validation only: reads no file but the one it is given, and opens nothing.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::diag::Diag;
use crate::item::Category;
use crate::tomlread::{Table, TomlFile};

use super::UrgentPolicy;
use super::hours::ScreenHours;
use super::playlist::{Effect, Playlist, Selector, Slot, SlotContent, Timing};
use super::rules::{self, When, Window};

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum EffectName {
    Static,
    Marquee,
    ScrollUp,
}

/// Strings or arrays of strings are both accepted for selector values.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t],
            OneOrMany::Many(v) => v,
        }
    }
}

/// Category names, reported one by one with the valid choices.
fn categories(s: &mut Table<'_, '_>) -> Vec<Category> {
    let names = s.opt::<OneOrMany<String>>("category").map_or_else(Vec::new, OneOrMany::into_vec);
    let mut out = Vec::new();
    for n in names {
        match Category::ALL.iter().find(|c| c.key() == n) {
            Some(c) => out.push(*c),
            None => s.file.error(
                s.pos("category"),
                format!("未知的类别“{n}”（可用：party 党务、village 村务、finance 财务、notice 公告）"),
                format!("unknown category `{n}` (expected party, village, finance or notice)"),
            ),
        }
    }
    out
}

/// Reads a playlist file; returns it only when it has no errors, and every diagnostic either way.
pub(crate) fn parse_playlist(path: &Path, src: &str) -> (Option<Playlist>, Vec<Diag>) {
    let (file, root) = TomlFile::parse(path, src);
    let mut top = file.table(&root, "playlist");
    let name = top.opt::<String>("name").unwrap_or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    let priority = top.or("priority", 0i32);
    let when = top.sub("when").map(parse_when).unwrap_or_default();
    let mut slots = Vec::new();
    let tables = top.tables("slot");
    if tables.is_empty() && !file.has_errors() {
        file.error(0, "播放列表没有任何 [[slot]]", "playlist has no [[slot]] entries: add at least one");
    }
    for (i, t) in tables.into_iter().enumerate() {
        if let Some(s) = parse_slot(t, i) {
            slots.push(s);
        }
    }
    top.finish();
    let ok = !file.has_errors();
    let diags = file.into_diags();
    (ok.then(|| Playlist { name, file: Some(path.to_path_buf()), when, priority, slots }), diags)
}

fn parse_slot(mut t: Table<'_, '_>, i: usize) -> Option<Slot> {
    let name = t.or("name", format!("slot {}", i + 1));
    let has_select = t.has("select");
    let has_notice = t.has("notice");
    let pos = t.span.start;
    let content = match (has_select, has_notice) {
        (true, true) => {
            t.file.error(pos, format!("{name}：select 和 notice 只能二选一"), format!("{name}: give either `select` or `notice`, not both"));
            None
        }
        (false, false) => {
            t.file.error(
                pos,
                format!("{name}：需要 select（选择条目）或 notice（固定通知）"),
                format!("{name}: needs `select` (which items) or `notice` (a fixed text)"),
            );
            None
        }
        (true, false) => t.sub("select").map(|mut s| {
            let sel = Selector {
                categories: categories(&mut s),
                lists: s.opt::<OneOrMany<String>>("list").map_or_else(Vec::new, OneOrMany::into_vec),
                villages: s.opt::<OneOrMany<String>>("village").map_or_else(Vec::new, OneOrMany::into_vec),
                ids: s.opt::<OneOrMany<String>>("id").map_or_else(Vec::new, OneOrMany::into_vec),
            };
            s.finish();
            SlotContent::Select(sel)
        }),
        (false, true) => {
            let text: Option<String> = t.opt("notice");
            let title: Option<String> = t.opt("title");
            match text {
                Some(text) if text.trim().is_empty() => {
                    t.file.error(t.pos("notice"), "通知内容不能为空", "notice text must not be empty");
                    None
                }
                Some(text) => Some(SlotContent::Notice { title, text }),
                None => None,
            }
        }
    };
    let when = t.sub("when").map(parse_when).unwrap_or_default();
    let weight = t.int_in("weight", 1..=20, Some(1)).unwrap_or(1) as u32;
    let urgent: bool = t.or("urgent", false);
    if urgent && !matches!(content, Some(SlotContent::Notice { .. }) | None) {
        t.file.error(
            t.pos("urgent"),
            "只有固定通知（notice）可以设为 urgent；条目的紧急程度由条目的 priority 决定",
            "only a fixed `notice` slot can be `urgent`; items are urgent by their own `priority`",
        );
    }
    let (effect, timing, bad) = parse_motion(&mut t);
    t.finish();
    if bad {
        return None;
    }
    Some(Slot { name, content: content?, effect, timing, when, weight, urgent })
}

/// `effect`, `page_seconds`, `speed`, `seconds`, `passes` of a slot (or of a screen's urgent policy).
/// Returns whether any was invalid (already reported).
pub(crate) fn parse_motion(t: &mut Table<'_, '_>) -> (Effect, Timing, bool) {
    let effect_name = t.or("effect", EffectName::Static);
    let page_seconds: f64 = t.or("page_seconds", 6.0);
    let speed_default = if matches!(effect_name, EffectName::ScrollUp) { 16.0 } else { 32.0 };
    let speed: f64 = t.or("speed", speed_default);
    let effect = match effect_name {
        EffectName::Static => Effect::Static { page_seconds },
        EffectName::Marquee => Effect::Marquee { speed },
        EffectName::ScrollUp => Effect::ScrollUp { speed },
    };
    let mut bad = false;
    if !(0.5..=3600.0).contains(&page_seconds) {
        t.file.error(t.pos("page_seconds"), "page_seconds 应在 0.5 到 3600 之间", "page_seconds must be between 0.5 and 3600");
        bad = true;
    }
    if !(1.0..=2000.0).contains(&speed) {
        t.file.error(t.pos("speed"), "speed（像素/秒）应在 1 到 2000 之间", "speed (px/s) must be between 1 and 2000");
        bad = true;
    }
    let seconds: Option<f64> = t.opt("seconds");
    let passes: Option<u32> = t.opt("passes");
    let timing = match (seconds, passes) {
        (Some(_), Some(_)) => {
            t.file.error(t.pos("passes"), "seconds 和 passes 只能二选一", "give either `seconds` or `passes`, not both");
            bad = true;
            Timing::Auto
        }
        (Some(s), None) if !(1.0..=86_400.0).contains(&s) => {
            t.file.error(t.pos("seconds"), "seconds 应在 1 到 86400 之间", "seconds must be between 1 and 86400");
            bad = true;
            Timing::Auto
        }
        (Some(s), None) => Timing::Fixed(Duration::from_secs_f64(s)),
        (None, Some(0)) => {
            t.file.error(t.pos("passes"), "passes 至少为 1", "passes must be at least 1");
            bad = true;
            Timing::Auto
        }
        (None, Some(p)) => Timing::Passes(p),
        (None, None) => Timing::Auto,
    };
    (effect, timing, bad)
}

/// A `[when]` table: dates, weekdays, monthdays, time windows; each value or list.
pub(crate) fn parse_when(mut w: Table<'_, '_>) -> When {
    let mut out = When::default();
    let list = |w: &mut Table<'_, '_>, key: &str| -> Vec<String> { w.opt::<OneOrMany<String>>(key).map_or_else(Vec::new, OneOrMany::into_vec) };
    for d in list(&mut w, "dates") {
        match rules::parse_dates(&d) {
            Ok(r) => out.dates.push(r),
            Err(e) => w.file.error(w.pos("dates"), format!("日期无效：{e}"), format!("invalid date: {e}")),
        }
    }
    for d in list(&mut w, "weekdays") {
        match rules::parse_weekday(&d) {
            Ok(r) => out.weekdays.push(r),
            Err(e) => w.file.error(w.pos("weekdays"), format!("星期无效：{e}"), format!("invalid weekday: {e}")),
        }
    }
    for d in w.opt::<OneOrMany<i64>>("monthdays").map_or_else(Vec::new, OneOrMany::into_vec) {
        if (1..=31).contains(&d) {
            out.monthdays.push(d as i8);
        } else {
            w.file.error(w.pos("monthdays"), format!("日期数 {d} 应在 1 到 31 之间"), format!("day of month {d} must be 1 to 31"));
        }
    }
    for d in list(&mut w, "time") {
        match Window::parse(&d) {
            Ok(r) => out.times.push(r),
            Err((zh, en)) => w.file.error(w.pos("time"), format!("时间段无效：{zh}"), format!("invalid time window: {en}")),
        }
    }
    let minutes = w.int_in("cron_minutes", 1..=10_080, Some(60)).unwrap_or(60) as u32;
    for c in list(&mut w, "cron") {
        match super::cron::Cron::parse(&c) {
            Ok(r) => out.cron.push((r, minutes)),
            Err(e) => w.file.error(w.pos("cron"), format!("cron 表达式无效：{e}"), format!("invalid cron expression: {e}")),
        }
    }
    w.finish();
    out
}

/// `[screens.hours]`: `on` windows, `brightness` steps, `urgent_wakes`.
pub(crate) fn parse_hours(mut h: Table<'_, '_>) -> ScreenHours {
    let mut out = ScreenHours { urgent_wakes: h.or("urgent_wakes", false), ..ScreenHours::default() };
    for w in h.or::<Vec<String>>("on", Vec::new()) {
        match Window::parse(&w) {
            Ok(w) => out.on.push(w),
            Err((zh, en)) => h.file.error(h.pos("on"), format!("开屏时间段无效：{zh}"), format!("invalid on-hours window: {en}")),
        }
    }
    for mut b in h.tables("brightness") {
        let from: Option<String> = b.req("from");
        let level = b.int_in("level", 0..=100, None);
        if let (Some(from), Some(level)) = (from, level) {
            match rules::parse_time_of_day(&from) {
                Some(t) => out.brightness.push((t, level as u8)),
                None => b.file.error(b.pos("from"), format!("“{from}”不是时刻（如 18:30）"), format!("`{from}` is not a time of day like 18:30")),
            }
        }
        b.finish();
    }
    h.finish();
    out
}

/// `[screens.urgent]`: how often urgent content repeats and how it moves.
pub(crate) fn parse_urgent(mut u: Table<'_, '_>) -> UrgentPolicy {
    let every = u.int_in("every_minutes", 1..=1440, Some(10)).unwrap_or(10);
    let (effect, timing, _) = parse_motion(&mut u);
    u.finish();
    UrgentPolicy { every: Duration::from_secs(every as u64 * 60), effect, timing }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_slots_of_each_kind() {
        let src = r#"
[[slot]]
name = "党务"
select = { category = "party" }
[[slot]]
select.category = ["finance", "village"]
effect = "scroll-up"
speed = 12
seconds = 60
[[slot]]
notice = "请爱护公共设施"
effect = "marquee"
passes = 2
"#;
        let (p, d) = parse_playlist(Path::new("playlists/main.toml"), src);
        assert!(d.is_empty(), "{d:?}");
        let p = p.unwrap();
        assert_eq!(p.name, "main");
        assert_eq!(p.slots.len(), 3);
        assert_eq!(p.slots[1].effect, Effect::ScrollUp { speed: 12.0 });
        assert_eq!(p.slots[1].timing, Timing::Fixed(Duration::from_secs(60)));
        assert_eq!(p.slots[2].timing, Timing::Passes(2));
        assert!(matches!(&p.slots[0].content, SlotContent::Select(s) if s.categories == vec![Category::Party]));
    }

    #[test]
    fn reports_every_error_in_the_file_with_positions() {
        let src = "[[slot]]\nselect = { category = \"money\" }\neffect = \"fade\"\n\n[[slot]]\nnotice = \"x\"\nspeed = 0\ncolour = 1\n";
        let (p, d) = parse_playlist(Path::new("p.toml"), src);
        assert!(p.is_none());
        let got: Vec<(u32, u32)> = d.iter().map(|d| (d.line, d.col)).collect();
        assert_eq!(got, vec![(2, 23), (3, 10), (7, 9), (8, 1)], "{d:#?}");
        assert!(d[1].en.contains("unknown variant `fade`"), "{}", d[1]);
        assert!(d[3].zh.contains("未知的键"), "{}", d[3]);
    }
}
