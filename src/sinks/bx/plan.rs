//! What a BX card is sent for one piece of content: the text laid out with the
//! card's metrics, split into area updates that fit the card's size limit, each
//! with the time (from the slot's start) at which it goes on air.
//!
//! Pure: a function of (on-air content, sink config, screen size). No I/O, no clock.

use std::time::Duration;

use super::config::{BxConfig, MnPolicy, Unsupported};
use crate::item::Priority;
use crate::render::body::one_line;
use crate::schedule::Effect;
use crate::schedule::{Content, OnAir};

use super::command::{AREA_OVERHEAD, Area, Motion, RunMode};
use super::text::{self, CardLayout};

/// One area update and its place in the slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// Ready to send except `timeout`, which depends on the moment of sending.
    pub area: Area,
    /// The pages as the card shows them (lines of text), for preview and logs.
    pub pages: Vec<Vec<String>>,
    /// When it goes on air, from the slot's start (the chunks then repeat).
    pub offset: Duration,
    /// How long the card takes to show it once.
    pub duration: Duration,
}

/// The plan for one on-air content.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub seq: u64,
    /// Item key, `notice` or `idle`.
    pub what: String,
    pub chunks: Vec<Chunk>,
    /// Characters outside GB2312 found in the content.
    pub unsupported: Vec<char>,
    /// The item was replaced by the skip notice.
    pub skipped: bool,
    /// The item's Mongolian (`mn`) is not shown: the card has no font for it.
    pub mn_omitted: bool,
}

impl Plan {
    fn cycle(&self) -> Duration {
        self.chunks.iter().map(|c| c.duration).sum::<Duration>().max(Duration::from_millis(1))
    }

    /// The chunk on air `elapsed` into the slot (chunks repeat when the slot outlasts them).
    pub fn chunk_at(&self, elapsed: Duration) -> usize {
        if self.chunks.len() <= 1 {
            return 0;
        }
        let t = Duration::from_nanos((elapsed.as_nanos() % self.cycle().as_nanos()) as u64);
        self.chunks.iter().rposition(|c| c.offset <= t).unwrap_or(0)
    }

    /// How long after `elapsed` the next chunk is due; `None` when there is only one.
    pub fn until_next(&self, elapsed: Duration) -> Option<Duration> {
        if self.chunks.len() <= 1 {
            return None;
        }
        let cycle = self.cycle();
        let t = Duration::from_nanos((elapsed.as_nanos() % cycle.as_nanos()) as u64);
        let i = self.chunk_at(elapsed);
        let end = if i + 1 < self.chunks.len() { self.chunks[i + 1].offset } else { cycle };
        Some(end.saturating_sub(t))
    }
}

/// The card's scroll speed in px/s for a speed level (an estimate: the protocol
/// gives levels 0 fastest ..= 24 slowest, not rates).
pub(crate) fn card_px_per_second(level: u8) -> f64 {
    62.5 / (level.min(24) as f64 + 1.0)
}

fn level_for(px_per_second: f64) -> u8 {
    (62.5 / px_per_second.max(0.1) - 1.0).round().clamp(0.0, 24.0) as u8
}

/// The text of content as paragraphs, and whether it is one line (marquee).
fn paragraphs(content: &Content, effect: Effect, idle_text: &str) -> Vec<String> {
    let (head, body, table): (Option<String>, Vec<String>, Option<&crate::item::Table>) = match content {
        Content::Item(s) => {
            let it = s.item();
            let label = if it.priority == Priority::Urgent { "紧急" } else { it.category.label() };
            (Some(format!("【{label}】{}", it.title)), it.body.clone(), it.table.as_ref())
        }
        Content::Notice { title, text } => (title.as_ref().map(|t| format!("【通知】{t}")), vec![text.clone()], None),
        // Off: the sink switches the card off by command; the area keeps the idle text for when it is back.
        Content::Idle | Content::Off => (None, vec![idle_text.to_string()], None),
    };
    let mut paras: Vec<String> = head.into_iter().chain(body).collect();
    if matches!(effect, Effect::Marquee { .. }) {
        return vec![one_line(&paras, table)];
    }
    if let Some(t) = table {
        paras.push(t.columns.join(" "));
        paras.extend(t.rows.iter().map(|r| r.join(" ")));
    }
    paras
}

/// Plans what the card is sent for `on_air` (idle when `None`).
pub fn plan(on_air: Option<&OnAir>, cfg: &BxConfig, screen_w: u32, screen_h: u32) -> Plan {
    let idle = cfg.idle_text.clone().unwrap_or_else(|| "三务公开".to_string());
    let (seq, content, effect) = match on_air {
        Some(a) => (a.seq, a.content.clone(), a.effect),
        None => (u64::MAX, Content::Idle, crate::schedule::IDLE_EFFECT),
    };
    let what = match &content {
        Content::Item(s) => s.key().to_string(),
        Content::Notice { .. } => "notice".into(),
        Content::Idle => "idle".into(),
        Content::Off => "off".into(),
    };
    let mut paras = paragraphs(&content, effect, &idle);
    let unsupported = text::unsupported(&paras.join("\n"));
    let mut skipped = false;
    let mut effect = effect;
    // The card's font has no Mongolian: a bilingual item goes out in Chinese alone, or not at all.
    let mn_omitted = matches!(&content, Content::Item(s) if s.item().mn.is_some());
    let skip_mn = mn_omitted && cfg.mongolian == MnPolicy::Skip;
    if skip_mn || (!unsupported.is_empty() && cfg.unsupported == Unsupported::Skip) {
        paras = vec![cfg.skip_notice.clone()];
        effect = Effect::Static { page_seconds: 5.0 };
        skipped = true;
    }
    let paras: Vec<String> = paras.iter().map(|p| text::sanitize(p, cfg.marker)).collect();

    let width = cfg.width.map_or(screen_w, u32::from).max(8);
    let height = cfg.height.map_or(screen_h, u32::from).max(8);
    let layout = CardLayout { width, height, font: cfg.font, line_spacing: cfg.line_spacing as u32 };
    let limit = cfg.model.area_limit() - AREA_OVERHEAD;
    let (motion, level, stay, align) = match effect {
        Effect::Static { page_seconds } => (Motion::Static, cfg.speed.unwrap_or(0), (page_seconds * 2.0).round().clamp(1.0, 255.0) as u8, 0x00),
        Effect::Marquee { speed } => (Motion::ScrollLeft, cfg.speed.unwrap_or_else(|| level_for(speed)), 0, 0x08),
        Effect::ScrollUp { speed } => (Motion::ScrollUp, cfg.speed.unwrap_or_else(|| level_for(speed)), 0, 0x00),
    };
    let align = if matches!(content, Content::Idle) && motion == Motion::Static { 0x0A } else { align };
    let px = card_px_per_second(level);

    // Units of text that stay together in one update: pages, lines, or pieces of one line.
    let groups: Vec<Vec<Vec<String>>> = match motion {
        Motion::ScrollLeft => split_line(&paras.concat(), limit, cfg).into_iter().map(|l| vec![vec![l]]).collect(),
        Motion::Static => group(layout.pages(&layout.wrap(&paras)), limit, cfg),
        Motion::ScrollUp => {
            let lines = layout.wrap(&paras);
            group(lines.into_iter().map(|l| vec![l]).collect(), limit, cfg)
                .into_iter()
                .map(|g| vec![g.into_iter().flatten().collect::<Vec<_>>()])
                .collect()
        }
    };
    let mut chunks = Vec::new();
    let mut offset = Duration::ZERO;
    for pages in groups {
        let lines: Vec<String> = pages.iter().flatten().cloned().collect();
        let secs = match motion {
            Motion::Static => pages.len() as f64 * stay as f64 / 2.0,
            Motion::ScrollLeft => (layout.measure(&lines.concat()) + width) as f64 / px,
            Motion::ScrollUp => (lines.len() as u32 * layout.pitch() + height) as f64 / px,
        };
        let duration = Duration::from_secs_f64(secs.max(1.0));
        let area = Area {
            id: cfg.area_id,
            x: cfg.x,
            y: cfg.y,
            width: width as u16,
            height: height as u16,
            line_spacing: cfg.line_spacing,
            run_mode: if cfg.stale_after.is_zero() { RunMode::Loop } else { RunMode::LoopUntilTimeout },
            timeout: 0,
            align,
            single_line: motion == Motion::ScrollLeft,
            auto_wrap: false,
            motion,
            speed: level,
            stay,
            text: text::encode_lines(&lines, cfg.font, cfg.color),
        };
        chunks.push(Chunk { area, pages, offset, duration });
        offset += duration;
    }
    Plan { seq, what, chunks, unsupported, skipped, mn_omitted }
}

fn encoded_len(lines: &[String], cfg: &BxConfig) -> usize {
    text::encode_lines(lines, cfg.font, cfg.color).len()
}

/// Greedily packs pages into updates of at most `limit` text bytes. A page that is
/// too big alone is split into its lines (and a line into pieces).
fn group(pages: Vec<Vec<String>>, limit: usize, cfg: &BxConfig) -> Vec<Vec<Vec<String>>> {
    let mut out: Vec<Vec<Vec<String>>> = Vec::new();
    let mut cur: Vec<Vec<String>> = Vec::new();
    let mut cur_lines: Vec<String> = Vec::new();
    for page in pages {
        let mut trial = cur_lines.clone();
        trial.extend(page.iter().cloned());
        if encoded_len(&trial, cfg) <= limit {
            cur.push(page);
            cur_lines = trial;
            continue;
        }
        if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            cur_lines.clear();
        }
        if encoded_len(&page, cfg) <= limit {
            cur_lines = page.clone();
            cur.push(page);
        } else {
            for line in page {
                for piece in split_line(&line, limit, cfg) {
                    out.push(vec![vec![piece]]);
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    if out.is_empty() {
        out.push(vec![vec![String::new()]]);
    }
    out
}

/// Splits one line into pieces whose encoding fits `limit` bytes (worst-case
/// escape costs counted per char, so the check is linear).
fn split_line(line: &str, limit: usize, cfg: &BxConfig) -> Vec<String> {
    if encoded_len(&[line.to_string()], cfg) <= limit {
        return vec![line.to_string()];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cost = 3; // the colour code
    let mut script: Option<bool> = None;
    for c in line.chars() {
        let double = !c.is_ascii();
        let add = if double { 2 } else { 1 } + if script != Some(double) { 6 } else { 0 };
        if cost + add > limit && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            cost = 3;
            script = None;
        }
        cost += if double { 2 } else { 1 } + if script != Some(double) { 6 } else { 0 };
        script = Some(double);
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn cfg() -> BxConfig {
        BxConfig::new(PathBuf::from("/dev/null"))
    }

    fn notice(text: &str, effect: Effect) -> OnAir {
        crate::schedule::testkit::notice_on_air(Some("停水通知"), text, effect, 60, "2026-12-01T09:00:00+08:00".parse().unwrap())
    }

    #[test]
    fn a_short_notice_is_one_static_update() {
        let p = plan(Some(&notice("明日停水。", Effect::Static { page_seconds: 5.0 })), &cfg(), 128, 32);
        assert_eq!(p.chunks.len(), 1);
        let c = &p.chunks[0];
        assert_eq!(c.pages, vec![vec!["【通知】停水通知".to_string(), "明日停水。".to_string()]]);
        assert_eq!((c.area.motion, c.area.stay, c.area.width, c.area.height), (Motion::Static, 10, 128, 32));
        assert_eq!(text::decode_text(&c.area.text).unwrap(), vec!["【通知】停水通知", "明日停水。"]);
    }

    #[test]
    fn long_text_is_split_under_the_area_limit_and_loses_nothing() {
        let long: String = "村民代表会议决定修缮村道，".repeat(60);
        for (model, limit) in [(super::super::config::CardModel::Bx5k, 512), (super::super::config::CardModel::Bx6k, 1024)] {
            let mut c = cfg();
            c.model = model;
            for effect in [Effect::Static { page_seconds: 4.0 }, Effect::Marquee { speed: 32.0 }, Effect::ScrollUp { speed: 16.0 }] {
                let p = plan(Some(&notice(&long, effect)), &c, 128, 32);
                assert!(p.chunks.len() > 1, "{effect:?}");
                let mut all = String::new();
                for ch in &p.chunks {
                    assert!(ch.area.encode().len() <= limit, "{effect:?}: {}", ch.area.encode().len());
                    all.push_str(&text::decode_text(&ch.area.text).unwrap().concat());
                }
                // The marquee joins title and text with an ideographic space.
                assert_eq!(all.replace('\u{3000}', ""), format!("【通知】停水通知{long}"), "{effect:?}");
                // Chunks follow each other in time.
                for w in p.chunks.windows(2) {
                    assert_eq!(w[1].offset, w[0].offset + w[0].duration);
                }
                assert_eq!(p.chunk_at(p.chunks[1].offset), 1);
            }
        }
    }

    #[test]
    fn unsupported_characters_are_replaced_or_the_item_skipped() {
        let a = notice("低保户：张喆、王堃。", Effect::Static { page_seconds: 5.0 });
        let p = plan(Some(&a), &cfg(), 128, 32);
        assert_eq!(p.unsupported, vec!['喆', '堃']);
        assert!(!p.skipped);
        let text = text::decode_text(&p.chunks[0].area.text).unwrap().concat();
        assert!(text.contains("张□、王□"), "{text}");
        let mut c = cfg();
        c.unsupported = Unsupported::Skip;
        let p = plan(Some(&a), &c, 128, 32);
        assert!(p.skipped);
        let text = text::decode_text(&p.chunks[0].area.text).unwrap().concat();
        assert_eq!(text, super::super::config::DEFAULT_SKIP_NOTICE);
    }

    /// An item with a Mongolian version on air.
    fn bilingual() -> OnAir {
        let src = r#"{"id":"mn","revision":1,"category":"notice","title":"防火通知","body":["请注意防火。"],"status":"approved",
            "approval":{"by":"x","at":"2026-11-01T00:00:00+08:00"},"display":{"from":"2026-11-01T00:00:00+08:00","until":"2027-01-01T00:00:00+08:00"},
            "mn":{"title":"ᠮᠡᠳᠡᠭᠳᠡᠯ","body":["ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ"]}}"#;
        let it = crate::item::parse::parse_item(std::path::Path::new("mn.json"), src, crate::item::parse::Format::Json, &Default::default()).unwrap();
        let e = std::sync::Arc::new(crate::item::Entry::new("local", std::sync::Arc::new(it), &Default::default()));
        let mut a = notice("x", Effect::Static { page_seconds: 5.0 });
        a.content = Content::Item(crate::item::Showable::admit(&e, "2026-12-01T09:00:00+08:00".parse().unwrap()).unwrap());
        a
    }

    #[test]
    fn a_bilingual_item_goes_out_in_chinese_alone_or_is_skipped() {
        let a = bilingual();
        let p = plan(Some(&a), &cfg(), 128, 32);
        assert!(p.mn_omitted && !p.skipped && p.unsupported.is_empty(), "{p:?}");
        let text = text::decode_text(&p.chunks[0].area.text).unwrap().concat();
        assert!(text.contains("请注意防火。") && !text.contains('ᠮ'), "{text}");
        let mut c = cfg();
        c.mongolian = super::super::config::MnPolicy::Skip;
        let p = plan(Some(&a), &c, 128, 32);
        assert!(p.mn_omitted && p.skipped);
        assert_eq!(text::decode_text(&p.chunks[0].area.text).unwrap().concat(), super::super::config::DEFAULT_SKIP_NOTICE);
        // Items without Mongolian are not marked.
        assert!(!plan(Some(&notice("明日停水。", Effect::Static { page_seconds: 5.0 })), &cfg(), 128, 32).mn_omitted);
    }

    #[test]
    fn effects_choose_the_card_display_mode() {
        let m = plan(Some(&notice("文字", Effect::Marquee { speed: 32.0 })), &cfg(), 128, 32);
        assert_eq!((m.chunks[0].area.motion, m.chunks[0].area.single_line, m.chunks[0].area.speed), (Motion::ScrollLeft, true, 1));
        let u = plan(Some(&notice("文字", Effect::ScrollUp { speed: 16.0 })), &cfg(), 128, 32);
        assert_eq!((u.chunks[0].area.motion, u.chunks[0].area.speed), (Motion::ScrollUp, 3));
        let i = plan(None, &BxConfig { idle_text: Some("青山村".into()), ..cfg() }, 128, 32);
        assert_eq!((i.what.as_str(), i.chunks[0].area.align), ("idle", 0x0A));
        assert_eq!(text::decode_text(&i.chunks[0].area.text).unwrap(), vec!["青山村"]);
    }
}
