//! `yiping schedule`: the timeline of what a screen will play, so operators can check ahead.

use std::path::PathBuf;
use std::process::ExitCode;

use jiff::{SignedDuration, Timestamp};

use crate::clock::Clock;
use crate::timeline;

use super::{Offline, offline_screen};

#[derive(clap::Args)]
pub(super) struct Args {
    #[arg(long)]
    config: PathBuf,
    /// Screen name (default: the first screen)
    #[arg(long)]
    screen: Option<String>,
    /// 开始时间 / Start: 2026-12-01 09:00 (local), 2026-12-01 or RFC 3339 (default: now)
    #[arg(long)]
    from: Option<super::Moment>,
    /// How many hours to show
    #[arg(long, default_value_t = 24)]
    hours: u32,
}

pub(super) fn schedule(a: Args) -> anyhow::Result<ExitCode> {
    let Offline { cfg, screen, mut engine, catalog, .. } = offline_screen(&a.config, a.screen.as_deref())?;
    let from = a.from.map_or_else(|| Clock::System.now(), |m| m.resolve(&cfg.time_zone));
    let until = from + SignedDuration::from_hours(a.hours as i64);
    let segments = timeline::simulate(&mut engine, &catalog, from, until, std::time::Duration::from_secs(1));
    let tz = cfg.time_zone.clone();
    let fmt = |t: Timestamp| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string();
    println!("屏幕 screen `{}`（{}）：{} .. {}", screen.name, cfg.time_zone_name, fmt(from), fmt(until));
    for s in &segments {
        let mark = if s.is_off() {
            "关屏 off".to_string()
        } else if s.urgent {
            format!("[{}] 紧急插播 URGENT", s.slot)
        } else {
            format!("[{}]", s.slot)
        };
        let note = if s.resumed { "  （续播 resumes）" } else { "" };
        let key = if s.is_off() { String::new() } else { format!("  {}  {}", s.key, s.title) };
        println!("{} .. {}  {:>5}s  {mark}{key}{note}", fmt(s.start), fmt(s.end), s.seconds());
    }
    let shown: i64 = segments.iter().filter(|s| !s.is_off()).map(|s| s.seconds()).sum();
    let off: i64 = segments.iter().filter(|s| s.is_off()).map(|s| s.seconds()).sum();
    println!("\n共 {} 段 segments；开屏 on {:.1} 小时 h，关屏 off {:.1} 小时 h", segments.len(), shown as f64 / 3600.0, off as f64 / 3600.0);
    Ok(ExitCode::SUCCESS)
}
