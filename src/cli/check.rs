//! `yiping check`: every problem in config, playlists and items, at once, with positions.

use std::path::Path;
use std::process::ExitCode;

use jiff::Timestamp;

use crate::clock::Clock;
use crate::config::Config;
use crate::diag::Diag;
use crate::evidence::cadence::{self, Published};
use crate::item::Showable;
use crate::item::showable::Refusal;
use crate::render::font::FontLibrary;

use super::{EXIT_PROBLEMS, offline_catalog};

pub(super) fn check(path: &Path, at: Option<super::Moment>) -> anyhow::Result<ExitCode> {
    // A config with errors is still read as far as it goes, so its items are checked in the same run.
    let (cfg, usable, mut diags) = Config::load_for_check(path);
    let Some(cfg) = cfg else {
        print_diags(&diags);
        println!("\n{0} 个错误，配置无法使用 / {0} error(s): config not usable", count_errors(&diags));
        return Ok(ExitCode::from(EXIT_PROBLEMS));
    };
    let now = at.map_or_else(|| Clock::System.now(), |m| m.resolve(&cfg.time_zone));
    let fonts = match FontLibrary::load(&FontLibrary::default_dirs(cfg.fonts_dir.as_deref())) {
        Ok(f) => Some(f),
        Err(e) => {
            diags.push(Diag::file(path, format!("无法加载字体：{e}"), format!("cannot load fonts: {e}")));
            None
        }
    };
    if let Some(f) = &fonts
        && f.outline().is_none()
    {
        for sc in cfg.screens.iter().filter(|s| s.display.layout.style == crate::render::LayoutStyle::Poster) {
            diags.push(Diag::file(
                path,
                format!("屏幕“{}”使用海报版式，但找不到轮廓字体 {}", sc.name, crate::render::outline::OUTLINE_FILE),
                format!(
                    "screen `{}` uses the poster layout but the outline font {} is not in the fonts directory; install it (see fonts/README.md) or set [screens.layout] style = \"led\"",
                    sc.name,
                    crate::render::outline::OUTLINE_FILE
                ),
            ));
        }
    }
    let catalog = offline_catalog(&cfg);
    diags.extend(catalog.problems.iter().cloned());

    println!("条目 items（判断时间 judged at {}）:", super::moment::human(now, &cfg.time_zone));
    for e in catalog.entries() {
        let it = e.original();
        let state = match Showable::admit(e, now) {
            Ok(_) => "可显示 showable".to_string(),
            Err(Refusal::NotApproved(s)) => format!("未审核通过，不显示 not shown: status {}", s.key()),
            Err(Refusal::NotYetDue) => format!("未到公示期 not yet due (from {})", it.display.from),
            Err(Refusal::Expired) => format!("已过公示期 expired (until {})", it.display.until),
        };
        let masked =
            if e.masked_count() > 0 { format!("，{} 处已脱敏 {} text(s) masked", e.masked_count(), e.masked_count()) } else { String::new() };
        println!("  {:<40} {:<8} {state}{masked}", e.key(), it.category.key());
        // Characters that no font of any screen can draw.
        if let Some(fonts) = &fonts {
            for sc in &cfg.screens {
                // Each design knows its fonts: the outline font on HD posters, the bitmap sizes on LED screens.
                let covers = crate::render::covers(&sc.display.layout, fonts);
                let mut missing: Vec<char> = e.public().texts().flat_map(str::chars).filter(|&c| !covers(c)).collect();
                missing.sort_unstable();
                missing.dedup();
                if !missing.is_empty() {
                    let chars: String = missing.iter().collect();
                    let codes: Vec<String> = missing.iter().map(|c| format!("U+{:04X}", *c as u32)).collect();
                    diags.push(Diag::file(
                        path,
                        format!("条目 {} 在屏幕“{}”上有字体缺少的字：{chars}（{}），将显示为方框", e.key(), sc.name, codes.join(" ")),
                        format!(
                            "item {} has characters no font of screen `{}` covers: {chars} ({}); they would show as boxes",
                            e.key(),
                            sc.name,
                            codes.join(" ")
                        ),
                    ));
                }
            }
        }
        // A bilingual item's Mongolian: chars the Mongolian font lacks (boxes), and screens
        // that cannot draw the script at all (a text card's own font).
        if e.public().mn.is_some() {
            let text: Vec<&str> = e.public().mn_texts().collect();
            if let Some(mongol) = fonts.as_ref().and_then(|f| f.mongol()) {
                let missing = mongol.missing(&text.join("\n"));
                if !missing.is_empty() && cfg.screens.iter().any(|sc| sc.display.layout.mongolian == crate::render::Mongolian::Auto) {
                    let chars: String = missing.iter().collect();
                    let codes: Vec<String> = missing.iter().map(|c| format!("U+{:04X}", *c as u32)).collect();
                    diags.push(Diag::file(
                        path,
                        format!("条目 {} 的蒙古文含蒙古文字体缺少的字：{chars}（{}），将显示为方框；请核对是否为标准 Unicode 蒙古文", e.key(), codes.join(" ")),
                        format!("item {} has Mongolian characters the Mongolian font lacks: {chars} ({}); they would show as boxes: check that the text is standard Unicode Mongolian", e.key(), codes.join(" ")),
                    ));
                }
            } else if fonts.is_some() {
                diags.push(Diag::file(
                    path,
                    format!("条目 {} 有蒙古文（mn），但字体目录里没有蒙古文字体 {}，只显示中文：请安装它（见 fonts/README.md）", e.key(), crate::render::mongol::MONGOL_FILE),
                    format!("item {} has Mongolian text (mn) but the Mongolian font {} is not in the fonts directory, so only the Chinese shows: install it (see fonts/README.md)", e.key(), crate::render::mongol::MONGOL_FILE),
                ).warning());
            }
            for sc in &cfg.screens {
                let Some(card) = sc.sinks.iter().find_map(|k| k.text_card()) else { continue };
                let (zh, en) = card.mn_instead();
                let charset = card.charset();
                diags.push(
                    Diag::file(
                        path,
                        format!("条目 {} 有蒙古文，屏幕“{}”的控制卡（{charset} 字库）不能显示蒙古文：{zh}；需要蒙汉双语请用 HDMI 屏或逐点驱动的 LED 屏", e.key(), sc.name),
                        format!("item {} has Mongolian text that the card of screen `{}` ({charset} font) cannot show: {en}; use an HDMI or frame-streamed LED screen for both scripts", e.key(), sc.name),
                    )
                    .warning(),
                );
            }
        }
        // Characters a text card's own font (GB2312 on a bx card) cannot show.
        for sc in &cfg.screens {
            let Some(card) = sc.sinks.iter().find_map(|k| k.text_card()) else { continue };
            let bad = card.unsupported_in(e.public());
            if bad.is_empty() {
                continue;
            }
            let chars: String = bad.iter().collect();
            let codes: Vec<String> = bad.iter().map(|c| format!("U+{:04X}", *c as u32)).collect();
            let (zh, en) = card.instead();
            let charset = card.charset();
            diags.push(
                Diag::file(
                    path,
                    format!("条目 {} 含控制卡（{charset} 字库）无法显示的字：{chars}（{}），屏幕“{}”上{zh}", e.key(), codes.join(" "), sc.name),
                    format!(
                        "item {} has characters outside {charset} that the card of screen `{}` cannot show: {chars} ({}); {en}",
                        e.key(),
                        sc.name,
                        codes.join(" ")
                    ),
                )
                .warning(),
            );
        }
    }
    selects_matching_nothing(&cfg, &catalog, &mut diags);
    first_run(&cfg, &catalog, &mut diags);
    // Simulating a day needs a configuration that would run.
    if let Some(fonts) = fonts.as_ref().filter(|_| usable) {
        minimums(&cfg, &catalog, fonts, now, &mut diags);
        super::passes::passes(&cfg, &catalog, fonts, now, &mut diags);
    }
    cadence(&cfg, &catalog, now, &mut diags);
    console_accounts(&cfg, &mut diags);
    print_diags(&diags);
    let errors = count_errors(&diags);
    let warnings = diags.len() - errors;
    println!(
        "\n{errors} 个错误 error(s), {warnings} 个警告 warning(s); {} 个条目 item(s), 当前可显示 {} showable now",
        catalog.entries().len(),
        catalog.showable(now).len()
    );
    Ok(if errors == 0 { ExitCode::SUCCESS } else { ExitCode::from(EXIT_PROBLEMS) })
}

/// `[compliance]`: the current period of every list with a rule, as `report` would judge it;
/// an overdue period or a late item is also a warning, so it shows in the count.
fn cadence(cfg: &Config, catalog: &crate::item::Catalog, now: Timestamp, diags: &mut Vec<Diag>) {
    if cfg.compliance.lists.is_empty() {
        return;
    }
    let items: Vec<Published> = catalog.entries().iter().filter_map(|e| Published::of(e.key(), e.original(), &e.public().title)).collect();
    println!("\n公开频率（本期）disclosure cadence (current period):");
    for v in cadence::current(&cfg.compliance, &items, now, &cfg.time_zone) {
        for (attention, zh, en) in cadence::lines(&v, &cfg.time_zone) {
            println!("  {} {zh} / {en}", if attention { "✗" } else { "✓" });
            if attention {
                diags.push(Diag::file(&cfg.path, zh, en).warning());
            }
        }
    }
}

/// With `[console]`: nobody can log in without an account, and the accounts file must be
/// readable by the service and by nobody else.
fn console_accounts(cfg: &Config, diags: &mut Vec<Diag>) {
    use std::os::unix::fs::PermissionsExt;
    let Some(c) = &cfg.console else { return };
    let f = &c.users_file;
    match crate::console::accounts::load(f) {
        Ok(a) if a.is_empty() => diags.push(
            Diag::file(
                f,
                format!("控制台还没有账号，谁都无法登录：用 yiping user add 名字 --role admin --config {} 添加", cfg.path.display()),
                format!(
                    "the console has no accounts, so nobody can log in: add one with `yiping user add NAME --role admin --config {}`",
                    cfg.path.display()
                ),
            )
            .warning(),
        ),
        Ok(_) => {
            if let Ok(md) = std::fs::metadata(f)
                && md.permissions().mode() & 0o077 != 0
            {
                diags.push(Diag::file(
                    f,
                    format!("控制台账号文件的权限是 {:o}，其他用户也能读：执行 chmod 600 {}", md.permissions().mode() & 0o777, f.display()),
                    format!(
                        "the console accounts file has mode {:o}, readable by others: run `chmod 600 {}`",
                        md.permissions().mode() & 0o777,
                        f.display()
                    ),
                ));
            }
        }
        Err(e) => diags.push(Diag::file(
            f,
            format!("控制台账号文件无法使用，谁都无法登录：{e}（用 yiping user list/add 检查和重建）"),
            format!("the console accounts file cannot be used, so nobody can log in: {e} (check it with `yiping user list`)"),
        )),
    }
}

fn count_errors(d: &[Diag]) -> usize {
    d.iter().filter(|d| d.is_error()).count()
}

fn print_diags(diags: &[Diag]) {
    if !diags.is_empty() {
        println!("\n问题 problems:");
    }
    for d in diags {
        println!("{d}");
    }
}

/// What a first install leaves behind: the packaged placeholder `village = "本村"` (it would
/// show on the screen's footer), and example items that name another village.
fn first_run(cfg: &Config, catalog: &crate::item::Catalog, diags: &mut Vec<Diag>) {
    const PLACEHOLDER: &str = "本村";
    let text = cfg.texts.config.as_ref().map_or("", |f| f.text.as_str());
    if cfg.village.as_deref() == Some(PLACEHOLDER) {
        let at = text.find(&format!("\"{PLACEHOLDER}\"")).unwrap_or(0);
        diags.push(
            Diag::at(
                &cfg.path,
                text,
                at,
                "village 还是安装时的占位名“本村”，会显示在屏幕页脚和待机画面上：请改成村名",
                "village is still the packaged placeholder \"本村\", shown on the footer and idle screen: write the village's name",
            )
            .warning(),
        );
    }
    let ours: Vec<&str> = cfg
        .village
        .iter()
        .chain(cfg.screens.iter().filter_map(|s| s.display.village.as_ref()))
        .map(String::as_str)
        .filter(|v| *v != PLACEHOLDER)
        .collect();
    if ours.is_empty() {
        return;
    }
    for e in catalog.entries() {
        let Some(v) = e.original().village.as_deref() else { continue };
        if !ours.contains(&v) {
            diags.push(
                Diag::file(
                    &cfg.path,
                    format!("条目 {} 写的是“{v}”，不是本屏的“{}”：多半是示例条目，请删除它或改正 village", e.key(), ours[0]),
                    format!("item {} names village `{v}`, not `{}`: probably an example item; delete it or correct its village", e.key(), ours[0]),
                )
                .warning(),
            );
        }
    }
}

/// A warning for each `select` list or id no item in the catalog has (a typo such as
/// `lists = ["低宝"]` would leave its slot empty without a word), with near matches.
fn selects_matching_nothing(cfg: &Config, catalog: &crate::item::Catalog, diags: &mut Vec<Diag>) {
    use crate::schedule::SlotContent;
    let lists: Vec<&str> = catalog.entries().iter().filter_map(|e| e.original().list.as_deref()).collect();
    let ids: Vec<&str> = catalog.entries().iter().map(|e| e.original().id.as_str()).collect();
    for p in cfg.playlists.values() {
        let Some(file) = &p.file else { continue };
        let text = cfg.texts.playlists.iter().find(|f| &f.path == file).map_or("", |f| f.text.as_str());
        for slot in &p.slots {
            let SlotContent::Select(sel) = &slot.content else { continue };
            let wanted = sel.lists.iter().map(|l| ("list", l, &lists)).chain(sel.ids.iter().map(|i| ("id", i, &ids)));
            for (what, value, known) in wanted {
                let bare = value.rsplit('/').next().unwrap_or(value);
                if known.contains(&bare) {
                    continue;
                }
                let near = crate::diag::did_you_mean(bare, known);
                let (zh, en) = match near {
                    Some(n) => (format!("，是不是“{n}”？"), format!("; did you mean `{n}`?")),
                    None => (String::new(), String::new()),
                };
                let at = text.find(&format!("\"{value}\"")).unwrap_or(0);
                diags.push(
                    Diag::at(
                        file,
                        text,
                        at,
                        format!("时段“{}”选择的 {what}“{value}”没有任何条目{zh}（这个时段会一直空着）", slot.name),
                        format!("slot `{}` selects {what} `{value}`, which no item has{en} (the slot stays empty)", slot.name),
                    )
                    .warning(),
                );
            }
        }
    }
}

/// Whether each screen's playlists and hours give every showable item its
/// `display.min_seconds_per_day`, found by simulating the day `now` falls in.
fn minimums(cfg: &Config, catalog: &crate::item::Catalog, fonts: &FontLibrary, now: Timestamp, diags: &mut Vec<Diag>) {
    let fonts = std::sync::Arc::new(fonts.clone());
    let local = now.to_zoned_datetime(cfg.time_zone.clone());
    let Ok(day_start) = local.start_of_day() else { return };
    let from = day_start.timestamp();
    let until = from + jiff::SignedDuration::from_hours(24);
    println!("\n每日最短显示时长 minimum display time per day ({}):", day_start.strftime("%Y-%m-%d"));
    for sc in &cfg.screens {
        let Ok(mut engine) = crate::engine::ScreenEngine::new(sc, cfg, &fonts) else { continue };
        let segs = crate::timeline::simulate(&mut engine, catalog, from, until, std::time::Duration::from_secs(1));
        let by_key = crate::timeline::seconds_by_key(&segs);
        let on_hours = segs.iter().filter(|s| !s.is_off()).map(|s| s.seconds()).sum::<i64>() as f64 / 3600.0;
        let shown_items = by_key.keys().filter(|k| !k.starts_with("notice:") && *k != "idle" && *k != "off").count();
        for e in catalog.entries() {
            let Some(min) = e.original().display.min_seconds_per_day else { continue };
            if Showable::admit(e, now).is_err() {
                continue;
            }
            let (got, turns) = by_key.get(e.key()).copied().unwrap_or((0, 0));
            let per_turn = if turns > 0 { got / turns as i64 } else { 0 };
            let line = format!(
                "{}: {} turns × {per_turn} s = {got} s/day within {on_hours:.1} on-hours, shared with {} other item(s); minimum {min} s",
                e.key(),
                turns,
                shown_items.saturating_sub(1)
            );
            if got >= min as i64 {
                println!("  屏幕 screen {}: 足够 ok  {line}", sc.name);
            } else {
                println!("  屏幕 screen {}: 不足 SHORT  {line}", sc.name);
                diags.push(Diag::file(
                    &cfg.path,
                    format!(
                        "屏幕“{}”每天只能显示条目 {} 共 {got} 秒（{turns} 次 × {per_turn} 秒，开屏 {on_hours:.1} 小时，与另外 {} 条轮播），低于要求的 {min} 秒：请增加开屏时间、提高该类别权重（weight）或减少轮播内容",
                        sc.name,
                        e.key(),
                        shown_items.saturating_sub(1)
                    ),
                    format!(
                        "screen `{}` can give item {} only {got} s/day ({turns} turns × {per_turn} s in {on_hours:.1} on-hours, shared with {} other item(s)), below its minimum of {min} s: lengthen the screen hours, raise its slot's weight or shorten the rotation",
                        sc.name,
                        e.key(),
                        shown_items.saturating_sub(1)
                    ),
                ));
            }
        }
    }
}
