//! `check` says how long one full pass of each item takes on each screen, and warns past an
//! hour (issue 13: one item paginated to 42,076 pages held a screen for 70 h).

use crate::support::*;

#[test]
fn check_gives_each_items_full_pass_per_screen_and_warns_past_an_hour() {
    let t = tempfile::tempdir().unwrap();
    let cfg = write_config(t.path(), "name = \"门口\"\nwidth = 128\nheight = 32\nfps = 5", None);
    std::fs::write(t.path().join("items/short.json"), item_json("short", "party", "党务公开", &["内容"])).unwrap();
    // 19,000 characters (under the 20,000 limit): about a thousand pages on a 128x32 card.
    let paras: Vec<String> = (0..1900).map(|n| format!("第{n:04}条公示内容")).collect();
    let refs: Vec<&str> = paras.iter().map(String::as_str).collect();
    std::fs::write(t.path().join("items/long.json"), item_json("long", "village", "村务长表", &refs)).unwrap();
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", DEMO_AT]);
    let out = stdout(&o);
    assert!(out.contains("one full pass per item"), "{out}");
    let line = |key: &str| out.lines().find(|l| l.contains("screen 门口:") && l.contains(key) && l.contains(" turn(s)")).map(str::to_string);
    let short = line("local/short").unwrap_or_else(|| panic!("{out}"));
    assert!(short.contains("（1 轮 turn(s)"), "{short}");
    let long = line("local/long").unwrap_or_else(|| panic!("{out}"));
    let secs: u64 = long.split_whitespace().skip_while(|w| *w != "local/long").nth(1).unwrap().parse().unwrap();
    assert!(secs > 3600, "{long}");
    eprintln!("{short}\n{long}");
    assert!(out.contains("for one full pass on screen `门口`") && out.contains("完整显示一遍需要"), "{out}");
}
