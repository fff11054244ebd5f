//! `yiping check`: every problem in config, playlists and items, at once, with positions.

use std::path::Path;
use std::process::ExitCode;

use jiff::Timestamp;

use crate::config::Config;
use crate::diag::Diag;
use crate::item::Showable;
use crate::item::showable::Refusal;
use crate::render::font::FontLibrary;

use super::{EXIT_PROBLEMS, offline_catalog};

pub fn check(path: &Path, at: Option<Timestamp>) -> anyhow::Result<ExitCode> {
    let now = at.unwrap_or_else(Timestamp::now);
    let (cfg, mut diags) = Config::load(path);
    let Some(cfg) = cfg else {
        print_diags(&diags);
        println!("\n{} 个错误 / {} error(s): config not usable", count_errors(&diags), count_errors(&diags));
        return Ok(ExitCode::from(EXIT_PROBLEMS));
    };
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
        for sc in cfg.screens.iter().filter(|s| s.layout.style == crate::config::LayoutStyle::Poster) {
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

    println!("items 条目 (judged at {now}):");
    for e in &catalog.entries {
        let it = &e.original;
        let state = match Showable::admit(e, now) {
            Ok(_) => "showable 可显示".to_string(),
            Err(Refusal::NotApproved(s)) => format!("not shown: status {s:?} 未审核通过，不显示").to_lowercase(),
            Err(Refusal::NotYetDue) => format!("not yet due 未到公示期 (from {})", it.display.from),
            Err(Refusal::Expired) => format!("expired 已过公示期 (until {})", it.display.until),
        };
        let masked = if e.masked_count > 0 { format!(", {} text(s) masked 已脱敏", e.masked_count) } else { String::new() };
        println!("  {:<40} {:<8} {state}{masked}", e.key, it.category.key());
        // Characters that no font of any screen can draw.
        if let Some(fonts) = &fonts {
            for sc in &cfg.screens {
                let mut missing: Vec<char> = Vec::new();
                // HD (poster) screens draw with the outline font, LED screens with the bitmap sizes.
                if sc.layout.style == crate::config::LayoutStyle::Poster
                    && let Some(outline) = fonts.outline()
                {
                    let face = outline.face(32);
                    for t in e.public.texts() {
                        missing.extend(t.chars().filter(|&c| !c.is_control() && !c.is_whitespace() && !face.covers(c)));
                    }
                }
                let sizes = if sc.layout.style == crate::config::LayoutStyle::Poster { vec![] } else { vec![sc.layout.font, sc.layout.small_font] };
                for size in sizes {
                    let Some(set) = fonts.set(size) else { continue };
                    for t in e.public.texts() {
                        missing.extend(t.chars().filter(|&c| !c.is_control() && !set.covers(c)));
                    }
                }
                missing.sort_unstable();
                missing.dedup();
                if !missing.is_empty() {
                    let chars: String = missing.iter().collect();
                    let codes: Vec<String> = missing.iter().map(|c| format!("U+{:04X}", *c as u32)).collect();
                    diags.push(Diag::file(
                        path,
                        format!("条目 {} 在屏幕“{}”上有字体缺少的字：{chars}（{}），将显示为方框", e.key, sc.name, codes.join(" ")),
                        format!(
                            "item {} has characters no font of screen `{}` covers: {chars} ({}); they would show as boxes",
                            e.key,
                            sc.name,
                            codes.join(" ")
                        ),
                    ));
                }
            }
        }
    }
    print_diags(&diags);
    let errors = count_errors(&diags);
    let warnings = diags.len() - errors;
    println!(
        "\n{errors} error(s) 个错误, {warnings} warning(s) 个警告; {} item(s) 个条目, {} showable now 当前可显示",
        catalog.entries.len(),
        catalog.showable(now).len()
    );
    Ok(if errors == 0 { ExitCode::SUCCESS } else { ExitCode::from(EXIT_PROBLEMS) })
}

fn count_errors(d: &[Diag]) -> usize {
    d.iter().filter(|d| d.is_error()).count()
}

fn print_diags(diags: &[Diag]) {
    if !diags.is_empty() {
        println!("\nproblems 问题:");
    }
    for d in diags {
        println!("{d}");
    }
}
