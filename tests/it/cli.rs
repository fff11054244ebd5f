//! The command line end to end: `check` exit codes and messages, `preview` outputs.

use crate::support::*;

#[test]
fn check_passes_on_the_demo_and_lists_what_is_not_shown() {
    let o = yiping(&root(), &["check", "--config", demo_config().to_str().unwrap(), "--at", DEMO_AT]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}\n{}", stderr(&o));
    assert!(out.contains("local/qingshan-pending-2026-12") && out.contains("pending"), "{out}");
    assert!(out.contains("local/qingshan-expired-2026q2-finance") && out.contains("expired"), "{out}");
    assert!(out.contains("0 个错误 error(s)"), "{out}");
}

#[test]
fn check_reports_every_config_and_playlist_error_with_positions() {
    let dir = root().join("tests/data/bad");
    let o = yiping(&dir, &["check", "--config", "yiping.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for want in [
        "yiping.toml:2:13: 错误 error: unknown time zone `Asia/Shanghia`",
        "yiping.toml:9:1: 错误 error: unknown key `poll_secs`",
        "yiping.toml:16:1: 错误 error: unknown key `led_colour`",
        "yiping.toml:21:9: 错误 error: `width` must be between 8 and 7680",
        "yiping.toml:23:9: 错误 error: invalid value for `color`: unknown variant `purple`",
        "playlists/main.toml:2:23: 错误 error: unknown category `money`",
        "playlists/main.toml:3:10: 错误 error: invalid value for `effect`: unknown variant `fade`",
        "playlists/main.toml:7:9: 错误 error: speed (px/s) must be between 1 and 2000",
    ] {
        // Chinese first, then the English after " / ", on the same line.
        let (pos, en) = want.split_once("error: ").unwrap();
        let line = out.lines().find(|l| l.starts_with(pos) && l.contains(en));
        assert!(line.is_some_and(|l| l.find(" / ") < l.find(en)), "missing {want:?} in:\n{out}");
    }
    assert!(out.contains("未知的键“led_colour”，是不是想写“led_color”？"), "{out}");
    assert!(out.contains("“purple”不是允许的值，只能是"), "{out}");
}

#[test]
fn check_reports_a_malformed_item_and_keeps_the_others() {
    let t = tempfile::tempdir().unwrap();
    let cfg = write_config(t.path(), "name = \"s\"\nwidth = 128\nheight = 32", None);
    std::fs::write(t.path().join("items/broken.json"), "{\n  \"id\": \"x\",\n  \"title\": \"a\"\n  \"status\": \"approved\"\n}\n").unwrap();
    std::fs::write(t.path().join("items/good.json"), item_json("good", "notice", "好", &["内容"])).unwrap();
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("items/broken.json:4:3: 错误 error: 条目格式错误：缺少逗号") && out.contains("/ malformed item"), "{out}");
    assert!(out.contains("local/good") && out.contains("showable"), "{out}");
}

#[test]
fn check_lists_characters_no_font_has() {
    let t = tempfile::tempdir().unwrap();
    let cfg = write_config(t.path(), "name = \"s\"\nwidth = 128\nheight = 32", None);
    std::fs::write(t.path().join("items/pua.json"), item_json("pua", "notice", "私用区\u{E000}字", &["喆堃昇珺玥赟犇䶮"])).unwrap();
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("U+E000"), "{out}");
    // The rare name characters are covered: only the private-use one is listed.
    assert!(!out.contains("U+5586"), "{out}");
}

#[test]
fn preview_text_shows_masked_numbers_and_never_unapproved_items() {
    let o = yiping(&root(), &["preview", "--config", demo_config().to_str().unwrap(), "--at", DEMO_AT, "--seconds", "1800", "--text"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.contains("local/qingshan-dibao-2026-11"), "{out}");
    assert!(out.contains("150121********"), "masked id expected:\n{out}");
    assert!(out.contains("0471-5823016"), "landline must stay:\n{out}");
    // No 18-digit ID or 11-digit mobile survives anywhere in what would be shown.
    let digits_runs = out.split(|c: char| !c.is_ascii_digit()).filter(|r| r.len() >= 11).collect::<Vec<_>>();
    assert!(digits_runs.is_empty(), "unmasked numbers: {digits_runs:?}");
    assert!(!out.contains("qingshan-pending"), "{out}");
    assert!(!out.contains("qingshan-expired"), "{out}");
    assert!(out.contains("2026-12-01 09:00:00  [紧急]  local/qingshan-water-cut-2026-12-01  62s"), "{out}");
}

#[test]
fn preview_writes_png_gif_and_frame_directories() {
    let t = tempfile::tempdir().unwrap();
    let cfg = demo_config();
    let cfg = cfg.to_str().unwrap();
    let png = t.path().join("f.png");
    let o = yiping(&root(), &["preview", "--config", cfg, "--at", DEMO_AT, "--seconds", "3", "--out", png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let f = yiping::api::sinks::png::decode(&std::fs::read(&png).unwrap()).unwrap();
    assert_eq!((f.width(), f.height()), (192, 64));
    assert!(f.to_ascii().contains('#'));

    let gif = t.path().join("a.gif");
    let o = yiping(&root(), &["preview", "--config", cfg, "--at", DEMO_AT, "--seconds", "4", "--out", gif.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let frames = yiping::api::sinks::gif::decode_frames(&std::fs::read(&gif).unwrap()).unwrap();
    assert!(frames.len() > 10, "a moving marquee gives many frames, got {}", frames.len());
    let total: u32 = frames.iter().map(|(_, d)| d).sum();
    assert!((3900..=4100).contains(&total), "gif lasts {total} ms");

    let dir = t.path().join("frames");
    let o = yiping(&root(), &["preview", "--config", cfg, "--at", DEMO_AT, "--seconds", "1", "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 25);
}

#[test]
fn run_refuses_a_broken_config_with_its_errors() {
    let dir = root().join("tests/data/bad");
    let o = yiping(&dir, &["run", "--config", "yiping.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("yiping.toml:2:13") && err.contains("has errors"), "{err}");
}

/// An approved item of `list`, approved at `approved` and shown from `from` (both local, +08:00).
fn listed_item(id: &str, list: &str, title: &str, approved: &str, from: &str) -> String {
    format!(
        r#"{{"id": "{id}", "revision": 1, "category": "finance", "list": "{list}", "title": "{title}", "body": ["内容"], "status": "approved",
 "approval": {{"by": "村务监督委员会", "at": "{approved}T10:00:00+08:00"}},
 "display": {{"from": "{from}T00:00:00+08:00", "until": "2027-01-31T00:00:00+08:00"}}}}"#
    )
}

#[test]
fn check_judges_the_current_period_of_every_compliance_rule_and_warns_about_a_late_item() {
    let t = tempfile::tempdir().unwrap();
    let cfg = write_config(t.path(), "name = \"s\"\nwidth = 128\nheight = 32", None);
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("\n[compliance]\n\"财务收支\" = \"monthly\"\n\"党务公开\" = \"quarterly\"\n\"低保\" = { within = \"5d\" }\n");
    std::fs::write(&cfg, text).unwrap();
    let items = t.path().join("items");
    std::fs::write(items.join("fin.json"), listed_item("fin", "财务收支", "十一月财务收支", "2026-12-02", "2026-12-03")).unwrap();
    // Approved on the 1st, on screen only from the 10th: later than 5 days.
    std::fs::write(items.join("dibao.json"), listed_item("dibao", "低保", "低保新增对象", "2026-12-01", "2026-12-10")).unwrap();
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", "2026-12-15T12:00:00+08:00"]);
    let out = stdout(&o);
    assert!(o.status.success(), "a late item is a warning, not an error:\n{out}");
    let section = out.split("公开频率（本期）disclosure cadence").nth(1).unwrap_or_else(|| panic!("no cadence section:\n{out}"));
    for want in [
        "✓ 清单“财务收支”（每月）2026-12：",
        "已公开：十一月财务收支",
        "✓ 清单“党务公开”（每季度）2026 Q4：",
        "尚无新公开，本期到 2026-12-31 结束",
        "✗ 清单“低保”的“低保新增对象”应在 2026-12-06 10:00 前上屏",
    ] {
        assert!(section.contains(want), "missing {want:?} in:\n{section}");
    }
    assert!(out.contains("警告 warning") && out.contains("is due on screen by 2026-12-06 10:00"), "{out}");
    assert!(out.contains("0 个错误 error(s), 1 个警告 warning(s)"), "{out}");
}
