//! `check`: how long one full pass of each showable item takes on each screen, and how many
//! turns of at most `schedule::MAX_TURN` it is split into; warns past an hour.
//!
//! Lays out each item once per screen (the renderer's own measure, no clock, no I/O).

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use crate::config::Config;
use crate::diag::Diag;
use crate::item::Catalog;
use crate::render::font::FontLibrary;
use crate::schedule::{Content, MAX_TURN, SlotContent, Timing};

/// Past this, one pass of an item is called out: a villager passing by will never see it all.
const LONG_PASS: Duration = Duration::from_secs(3600);

pub(super) fn passes(cfg: &Config, catalog: &Catalog, fonts: &FontLibrary, now: Timestamp, diags: &mut Vec<Diag>) {
    let fonts = Arc::new(fonts.clone());
    let items = catalog.showable(now);
    if items.is_empty() {
        return;
    }
    println!("\n每个条目完整显示一遍 one full pass per item（每轮最长 {} 秒 / turns of at most {} s）:", MAX_TURN.as_secs(), MAX_TURN.as_secs());
    for sc in &cfg.screens {
        let Ok(engine) = crate::engine::ScreenEngine::new(sc, cfg, &fonts) else { continue };
        let playlists = engine.playlists();
        for s in &items {
            // The first slot (of any of the screen's playlists) that would show the item.
            let Some(slot) = playlists
                .values()
                .flat_map(|p| p.slots.iter())
                .find(|sl| matches!(&sl.content, SlotContent::Select(sel) if sel.matches(s.key(), s.item())))
            else {
                continue;
            };
            let full = crate::schedule::duration(engine.renderer().measure(&Content::Item(s.clone()), slot), slot.timing);
            let turns = match slot.timing {
                Timing::Fixed(_) => 1,
                _ => full.as_secs().div_ceil(MAX_TURN.as_secs()).max(1),
            };
            let secs = full.as_secs();
            println!("  屏幕 screen {}: {} {secs} 秒 s（{turns} 轮 turn(s)，时段 slot {}）", sc.name, s.key(), slot.name);
            if full > LONG_PASS {
                let hours = secs as f64 / 3600.0;
                diags.push(
                    Diag::file(
                        &cfg.path,
                        format!(
                            "屏幕“{}”上条目 {} 完整显示一遍需要 {hours:.1} 小时（分 {turns} 轮，每轮最长 {} 秒）：路过的村民看不全；请拆分条目、缩短表格，或在该时段（slot）设置更快的翻页",
                            sc.name,
                            s.key(),
                            MAX_TURN.as_secs()
                        ),
                        format!(
                            "item {} takes {hours:.1} h for one full pass on screen `{}` ({turns} turns of at most {} s): nobody passing by sees it all; split the item, shorten its tables or page faster in its slot",
                            s.key(),
                            sc.name,
                            MAX_TURN.as_secs()
                        ),
                    )
                    .warning(),
                );
            }
        }
    }
}
