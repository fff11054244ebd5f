//! Poster design tests: layout of header, body, table and footer on HD screens.
use std::path::PathBuf;
use std::sync::OnceLock;

use super::*;

fn font() -> &'static Arc<OutlineFont> {
    static F: OnceLock<Arc<OutlineFont>> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts"));
        Arc::new(OutlineFont::load(&OutlineFont::find(&[dir]).unwrap()).unwrap())
    })
}

fn style(w: u32, h: u32) -> Arc<PosterStyle> {
    Arc::new(PosterStyle::new(w, h, font(), "青山村".into()))
}

/// A font of its own, so other tests running in parallel do not touch its cache counter.
fn own_font() -> Arc<OutlineFont> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts"));
    Arc::new(OutlineFont::load(&OutlineFont::find(&[dir]).unwrap()).unwrap())
}

fn now() -> Zoned {
    "2026-12-01T09:00:00+08:00".parse::<jiff::Timestamp>().unwrap().to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
}

fn header(title: &str) -> Option<Header> {
    Some(Header { label: "通知".into(), category: None, urgent: false, title: title.into() })
}

fn draw(s: &PosterScene, secs: f64, ticker: Option<(&Ticker, Duration)>) -> Frame {
    let mut f = Frame::new(s.style.w, s.style.h);
    s.draw(&mut f, Duration::from_secs_f64(secs), &now(), ticker);
    f
}

/// Rows `y0..y1` of the body column `x0..x1` as bytes.
fn rows(f: &Frame, x0: u32, x1: u32, y0: u32, y1: u32) -> Vec<u8> {
    (y0..y1).flat_map(|y| f.row(y)[x0 as usize * 3..x1 as usize * 3].to_vec()).collect()
}

#[test]
fn scrolling_moves_prerendered_lines_by_whole_pixels_and_rasterizes_nothing_in_steady_state() {
    let own = own_font();
    let st = Arc::new(PosterStyle::new(640, 360, &own, "青山村".into()));
    let text = "因供水主管道维修，定于12月1日10:00至16:00全村停水。请村民提前储水。".repeat(6);
    let s = PosterScene::new(&st, header("停水通知"), "青山村".into(), &[text], None, None, None, Effect::ScrollUp { speed: 16.0 });
    let (bx, by, bw, bh) = s.body;
    let speed = match s.kind {
        Flow::Scroll { speed, .. } => speed,
        _ => unreachable!(),
    };
    // Warm up: every glyph of the text has been drawn once.
    for i in 0..40 {
        draw(&s, i as f64 * 0.5, None);
    }
    let before = own.rasterized();
    assert!(before > 0);
    let t = 6.0;
    let a = draw(&s, t, None);
    // 0.25 s later the text has moved up floor(speed * 0.25 + ...) whole pixels.
    let b = draw(&s, t + 0.25, None);
    assert_eq!(own.rasterized(), before, "steady-state frames rasterize nothing");
    let moved = ((t + 0.25) * speed).floor() as u32 - (t * speed).floor() as u32;
    assert!(moved > 0);
    let (x0, x1, y0, y1) = (bx as u32, bx as u32 + bw, by as u32, by as u32 + bh);
    assert_eq!(rows(&a, x0, x1, y0 + moved, y1), rows(&b, x0, x1, y0, y1 - moved), "the body moved up by {moved} px, unchanged");
    assert_ne!(rows(&a, x0, x1, y0, y1), rows(&b, x0, x1, y0, y1));
    // The header and footer do not move.
    assert_eq!(rows(&a, 0, st.w, 0, st.head_h), rows(&b, 0, st.w, 0, st.head_h));
}

#[test]
fn ticker_shows_only_while_urgent_items_are_in_force_and_moves() {
    let st = style(640, 360);
    let s = PosterScene::new(&st, header("通知"), "青山村".into(), &["正文".into()], None, None, None, Effect::Static { page_seconds: 5.0 });
    assert!(st.ticker(&[]).is_none());
    let tk = st.ticker(&["停水通知".to_string(), "防汛预警".to_string()]).unwrap();
    assert!(tk.text().contains("停水通知") && tk.text().contains("防汛预警"));
    let band = |f: &Frame| rows(f, 0, st.w, st.h - st.foot_h - st.tick_h, st.h - st.foot_h);
    let plain = draw(&s, 1.0, None);
    let with = draw(&s, 1.0, Some((&tk, Duration::from_secs(1))));
    let later = draw(&s, 1.0, Some((&tk, Duration::from_secs(2))));
    assert_ne!(band(&plain), band(&with));
    assert_ne!(band(&with), band(&later), "the ticker moves");
    assert!(band(&with).chunks(3).any(|p| p == [198, 40, 40]), "red band");
}

#[test]
fn a_title_too_long_for_two_lines_continues_in_the_body_nothing_lost() {
    let st = style(1024, 600);
    let title = "关于青山村二〇二六年度村集体经济组织收益分配方案、农村低保对象动态调整及村内道路硬化工程决算情况的公示";
    let s = PosterScene::new(&st, header(title), "青山村".into(), &["正文。".into()], None, None, None, Effect::Static { page_seconds: 5.0 });
    assert_eq!(s.title.len(), 2);
    let all: String = s.title.concat() + &s.page_texts().concat();
    let flat: String = all.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(flat.contains(&title[title.len() - 30..]), "{flat}");
    assert!(s.title.iter().all(|l| !l.starts_with(['，', '。', '、'])));
}

#[test]
fn missing_chars_are_listed_and_drawn_as_boxes() {
    let st = style(640, 360);
    let s =
        PosterScene::new(&st, header("通知"), "青山村".into(), &["缺字\u{E000}。".into()], None, None, None, Effect::Static { page_seconds: 5.0 });
    assert_eq!(s.missing(), &['\u{E000}']);
    let ok =
        PosterScene::new(&st, header("喆堃昇珺玥赟犇䶮"), "青山村".into(), &["正文".into()], None, None, None, Effect::Static { page_seconds: 5.0 });
    assert!(ok.missing().is_empty());
}

#[test]
fn qr_code_only_with_a_url_and_the_body_narrows_for_it() {
    let st = style(1280, 720);
    let body = ["正文".to_string()];
    let with =
        PosterScene::new(&st, header("通知"), "村".into(), &body, None, Some("https://example.org/a"), None, Effect::Static { page_seconds: 5.0 });
    let without = PosterScene::new(&st, header("通知"), "村".into(), &body, None, None, None, Effect::Static { page_seconds: 5.0 });
    assert!(with.qr.is_some() && without.qr.is_none());
    assert!(with.body.2 < without.body.2);
}

#[test]
fn marquee_and_pages_cover_the_text_once_per_pass() {
    let st = style(1280, 720);
    let text = "村务公开".repeat(50);
    let m = PosterScene::new(&st, header("通知"), "村".into(), std::slice::from_ref(&text), None, None, None, Effect::Marquee { speed: 32.0 });
    let p = PosterScene::new(&st, header("通知"), "村".into(), &[text], None, None, None, Effect::Static { page_seconds: 5.0 });
    assert!(m.natural_duration() > Duration::from_secs(5));
    assert_eq!(p.natural_duration(), Duration::from_secs(5 * p.page_count() as u64));
    // The marquee strip is cut into chunks drawn on demand; a frame of it is not blank.
    let f = draw(&m, 3.0, None);
    let (bx, by, bw, bh) = m.body;
    assert!(rows(&f, bx as u32, bx as u32 + bw, by as u32, by as u32 + bh).chunks(3).any(|p| p == [242, 242, 242]));
}

/// A bilingual marquee whose Mongolian is 2,000 chars long, on a 1920x1080 poster: composed
/// whole it is one image tens of thousands of px wide; in chunks only what is on screen is kept,
/// and the frames are the same as drawing the whole line.
#[test]
fn a_long_mongolian_marquee_is_kept_in_chunks_and_draws_like_the_whole_line() {
    use crate::item::MnText;
    use crate::render::mongol::block::PieceImage;
    use crate::render::mongol::{Ink, MnBlock, MongolFont, raster};
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts"));
    let mf = Arc::new(MongolFont::load(&MongolFont::find(&[dir]).unwrap()).unwrap());
    let words = ["ᠬᠦᠮᠦᠨ", "ᠪᠦᠷ", "ᠲᠥᠷᠥᠵᠦ", "ᠮᠡᠨᠳᠡᠯᠡᠬᠦ", "ᠡᠷᠬᠡ", "ᠴᠢᠯᠥᠭᠡ", "ᠲᠡᠢ᠂", "ᠰᠢᠨ᠎ᠡ", "ᠬᠣᠲᠠ\u{202F}ᠶᠢᠨ"];
    let mut long = String::new();
    for w in words.iter().cycle() {
        if long.chars().count() >= 2000 {
            break;
        }
        long.push_str(w);
        long.push(' ');
    }
    let mn = MnText { title: "ᠮᠡᠳᠡᠭᠳᠡᠯ".into(), body: vec![long.trim_end().to_string()] };
    let st = style(1920, 1080);
    let bi = Bilingual { text: &mn, font: &mf };
    let s =
        PosterScene::new(&st, header("防火通知"), "青山村".into(), &["请注意防火。".into()], None, None, Some(bi), Effect::Marquee { speed: 32.0 });
    let ms = s.mn_strip.as_ref().expect("the marquee's Mongolian strip");
    let Flow::Marquee { speed, lead, mn: Some(row), .. } = &s.kind else { panic!("a bilingual marquee") };
    // The reference: the same line composed as one image.
    let whole = MnBlock::one_line(&mf, &mn.body, st.body.px(), &st.body, Ink::Alpha);
    let whole_bytes: usize = whole.lines[0].images.iter().map(|i| if let PieceImage::Alpha(a) = i { a.alpha.len() } else { 0 }).sum();
    assert_eq!((ms.width(), ms.band()), (whole.lines[0].width, whole.band));
    assert_eq!(ms.text(), mn.body[0]);
    assert!(ms.width() > 20 * ms.widest_chunk(), "{} px line, widest chunk {} px", ms.width(), ms.widest_chunk());
    let (bx, by, bw, bh) = s.body;
    let top = by + (bh as i32 - row.band.height() as i32) / 2;
    let band = top as u32..top as u32 + row.band.height();
    let mut most = 0;
    // Offsets where only the Mongolian crosses the body (the Chinese follows `lead` px later).
    for k in 1..=6 {
        let off = (*lead as i64 - bw as i64) * k / 7;
        let f = draw(&s, (off as f64 + 0.5) / speed, None);
        most = most.max(ms.cached_bytes());
        let mut r = f.clone();
        for y in band.clone() {
            r.as_rgb_mut()[(y * 1920 + bx as u32) as usize * 3..(y * 1920 + bx as u32 + bw) as usize * 3]
                .chunks_exact_mut(3)
                .for_each(|p| p.copy_from_slice(&[BG.r(), BG.g(), BG.b()]));
        }
        let x = bx as i64 + bw as i64 - off;
        for img in &whole.lines[0].images {
            if let PieceImage::Alpha(a) = img {
                raster::draw_alpha_clipped(a, &mut r, x, top + row.band.above as i32, BODY, bx..bx + bw as i32);
            }
        }
        let (got, want) = (rows(&f, bx as u32, bx as u32 + bw, band.start, band.end), rows(&r, bx as u32, bx as u32 + bw, band.start, band.end));
        assert!(got.chunks(3).filter(|p| *p != [BG.r(), BG.g(), BG.b()]).count() > 10_000, "offset {off}: the Mongolian is drawn");
        assert!(got == want, "offset {off}: chunked and whole drawings differ");
    }
    // Only the chunks on screen are held: a few hundred KB, not the whole line.
    assert!(most <= (bw + 2 * ms.widest_chunk()) as usize * row.band.height() as usize * 3, "{most} B");
    assert!(most < whole_bytes, "chunks {most} B vs whole {whole_bytes} B");
    eprintln!(
        "2,000-char Mongolian marquee at {} px: whole image {} x {} = {whole_bytes} B; chunks held at most {most} B",
        st.body.px(),
        ms.width(),
        row.band.height()
    );
}

/// The daemon draws each frame into the previous one's buffer: a marquee then restores
/// only its rows. Every frame must equal the same moment drawn into a fresh frame,
/// also when the ticker comes and goes and the minute changes.
#[test]
fn a_reused_frame_shows_the_same_marquee_as_a_fresh_one() {
    let st = style(640, 360);
    let text = "因供水主管道维修，定于12月1日10:00至16:00全村停水。".repeat(3);
    let s = PosterScene::new(&st, header("停水通知"), "青山村".into(), &[text], None, None, None, Effect::Marquee { speed: 90.0 });
    let tk = st.ticker(&["紧急：停水".to_string()]).unwrap();
    let mut reused = Frame::new(640, 360);
    for i in 0..120u64 {
        let start: jiff::Timestamp = "2026-12-01T01:00:30Z".parse().unwrap();
        let at = (start + jiff::SignedDuration::from_secs(i as i64)).to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap());
        let ticker = (i % 40 >= 30).then_some((&tk, Duration::from_millis(i * 50)));
        let t = Duration::from_millis(i * 70);
        s.draw(&mut reused, t, &at, ticker);
        let mut fresh = Frame::new(640, 360);
        s.draw(&mut fresh, t, &at, ticker);
        assert!(reused == fresh, "frame {i} differs");
    }
}
