//! `yiping preview`: what a screen would show from a moment on, as PNG, GIF, PNG frames or text.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use jiff::{SignedDuration, Timestamp};

use crate::clock::Clock;
use crate::engine::ScreenEngine;
use crate::fsutil::write_atomic;
use crate::render::Frame;
use crate::schedule::Content;
use crate::sinks::CardPreview;
use crate::sinks::{gif::GifRecorder, png};

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
    at: Option<super::Moment>,
    /// How many seconds to render
    #[arg(long, default_value_t = 30)]
    seconds: u32,
    /// Output: `.png` (the last frame of the period; --seconds 0 for the first), `.gif` (animation), or a directory (one PNG per frame)
    #[arg(long, required_unless_present = "text")]
    out: Option<PathBuf>,
    /// Print each slot's start time, item and page texts instead of images
    #[arg(long)]
    text: bool,
    /// Enlarge each pixel (LED look with a gap from 3 up); default 1
    #[arg(long, default_value_t = 1)]
    scale: u32,
    /// For a screen with a `bx` sink: draw what the controller card shows (its own
    /// layout and pages, approximated with yiping's fonts) instead of yiping's frames
    #[arg(long)]
    card: bool,
}

pub(super) fn preview(a: Args) -> anyhow::Result<ExitCode> {
    let Offline { cfg, screen, mut engine, catalog, fonts } = offline_screen(&a.config, a.screen.as_deref())?;
    let start = a.at.map_or_else(|| Clock::System.now(), |m| m.resolve(&cfg.time_zone));
    let end = start + SignedDuration::from_secs(a.seconds as i64);
    let fps = if a.text { 1 } else { screen.fps.clamp(1, 50) };
    let step = SignedDuration::from_nanos(1_000_000_000 / fps as i64);
    let scale = a.scale.clamp(1, 16);
    let zoom = |f: &Frame| if scale > 1 { png::scaled(f, scale, scale >= 3) } else { f.clone() };

    enum Out {
        Text,
        Png(PathBuf),
        Gif(PathBuf, GifRecorder<Vec<u8>>),
        Dir(PathBuf),
    }
    let mut out = match &a.out {
        _ if a.text => Out::Text,
        Some(p) if p.extension().is_some_and(|e| e == "png") => Out::Png(p.clone()),
        Some(p) if p.extension().is_some_and(|e| e == "gif") => {
            Out::Gif(p.clone(), GifRecorder::new(Vec::new(), screen.display.width * scale, screen.display.height * scale)?)
        }
        Some(p) => {
            std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
            Out::Dir(p.clone())
        }
        None => bail!("give --out PATH or --text"),
    };

    let tz = cfg.time_zone.clone();
    // A sink that draws text with its own font (a bx card) has its own view of the content.
    let card_sink = screen.sinks.iter().find_map(|k| k.text_card());
    if a.card && card_sink.is_none() {
        bail!("screen `{}` has no bx sink: --card shows what a BX controller card displays", screen.name);
    }
    let (w, h) = (screen.display.width, screen.display.height);
    let card_view = |engine: &ScreenEngine| card_sink.map(|c| c.view(engine.on_air(), w, h));
    let mut card = card_view(&engine);
    let use_card = a.card;
    let draw = |engine: &ScreenEngine, card: &Option<Box<dyn CardPreview>>, frame: &mut Frame, t: Timestamp| {
        let elapsed = engine.on_air().map_or(std::time::Duration::ZERO, |o| o.elapsed(t));
        let drawn = use_card && card.as_ref().is_some_and(|v| v.draw(frame, elapsed, &fonts));
        if !drawn {
            engine.draw(frame, t);
        }
    };
    let mut frame = Frame::new(screen.display.width, screen.display.height);
    let mut t = start;
    let mut n = 0u32;
    let mut last = t;
    while t < end || n == 0 {
        last = t;
        let items = catalog.showable(t);
        let change = engine.advance(&items, t);
        if change.is_some() {
            card = card_view(&engine);
        }
        if let (Out::Text, Some(ch)) = (&out, &change) {
            let local = t.to_zoned_datetime(tz.clone());
            let on = &ch.next;
            let id = match &on.content {
                Content::Item(s) => s.key().to_string(),
                Content::Notice { .. } => "（通知 notice）".into(),
                Content::Idle => "（空闲 idle）".into(),
                Content::Off => "（关屏 screen off）".into(),
            };
            let secs = on.end.duration_since(t).as_secs_f64();
            let note = match ch.ended {
                Some(crate::schedule::Ended::Preempted) => "  （插播 interrupts）",
                _ if on.start < t => "  （续播 resumes）",
                _ => "",
            };
            let length = if matches!(on.content, Content::Off) { String::new() } else { format!("  {secs:.0}s") };
            println!("{}  [{}]  {id}{length}{note}", local.strftime("%Y-%m-%d %H:%M:%S"), on.slot_name);
            if let Some(scene) = engine.scene() {
                for (i, p) in scene.page_texts().iter().enumerate() {
                    println!("  第 {}/{} 页 page:", i + 1, scene.page_count());
                    for l in p.lines() {
                        println!("    {l}");
                    }
                }
                if !scene.missing().is_empty() {
                    println!("  缺字 missing glyphs: {}", scene.missing().iter().collect::<String>());
                }
            }
            if let Some(view) = &card {
                let pages = view.page_texts();
                println!("  控制卡 card（{}）:", view.heading());
                for (i, p) in pages.iter().enumerate() {
                    println!("  控制卡第 {}/{} 页 card page:", i + 1, pages.len());
                    for l in p.lines() {
                        println!("    {l}");
                    }
                }
                if let Some(note) = view.unsupported_note() {
                    println!("  {note}");
                }
            }
        }
        match &mut out {
            Out::Text => {}
            Out::Png(_) => {}
            Out::Gif(_, rec) => {
                draw(&engine, &card, &mut frame, t);
                rec.push(&zoom(&frame), 1000 / fps)?;
            }
            Out::Dir(d) => {
                draw(&engine, &card, &mut frame, t);
                let p = d.join(format!("frame-{n:05}.png"));
                png::save(&p, &zoom(&frame)).with_context(|| format!("writing {}", p.display()))?;
            }
        }
        n += 1;
        t += step;
    }
    if let Out::Png(p) = &out {
        draw(&engine, &card, &mut frame, last);
        png::save(p, &zoom(&frame)).with_context(|| format!("writing {}", p.display()))?;
    }
    if let Out::Gif(p, rec) = out {
        let bytes = rec.finish()?;
        write_atomic(&p, &bytes).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
