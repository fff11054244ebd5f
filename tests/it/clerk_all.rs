//! Issue 12's "done when": every mistake a clerk makes, in one folder (tests/data/clerk-mistakes),
//! reported by one `yiping check` run, each at its file:line:col, Chinese first.

use crate::support::{DEMO_AT, root, stdout, yiping};

/// (where, what): a line of the report starts with `where` and contains `what`.
const EXPECTED: &[(&str, &str)] = &[
    // Finding 1: a stray copy of a playlist with a wrong value.
    ("playlists/main - 副本.toml:4:10: 错误 error: ", "“scroll”不是允许的值"),
    // Finding 3: Chinese punctuation, a missing comma, an unknown value, a misspelt key, a date without offset.
    ("items/quotes.json:3:12: 错误 error: ", "这一行有中文引号““”"),
    ("items/colon.json:3:10: 错误 error: ", "这一行有中文冒号“：”"),
    ("items/comma.json:2:31: 错误 error: ", "缺少逗号"),
    ("items/status.json:3:", "“已审核”不是允许的值，只能是 approved、pending、rejected、revoked"),
    ("items/dispaly.json:5:3: 错误 error: ", "未知的键“dispaly”，是不是想写“display”？"),
    ("items/nooffset.json:5:", "日期时间缺少时区"),
    // Finding 4: a GBK file.
    ("items/gbk.json:3:13: 错误 error: ", "文件不是 UTF-8 编码，看起来是 GBK/GB18030"),
    // Finding 5: files yiping does not read, each named with why.
    ("items/party.json.txt: 警告 warning: ", ""),
    ("items/名单.xlsx: 警告 warning: ", ""),
    ("items/party.json~: 警告 warning: ", ""),
    // Finding 6: one id in two files.
    ("items/party-copy.json: 错误 error: ", "party.json"),
    // Finding 7: a select matching nothing, a screen without its playlist key, a missing scheduled playlist.
    ("playlists/main.toml:4:19: 警告 warning: ", "时段“低保公示”选择的 list“低宝”没有任何条目，是不是“低保”？"),
    ("yiping.toml:21:1: 警告 warning: ", "屏幕“广场”没有写 playlist，正在播放内置的默认列表；播放列表文件夹里有“market”"),
    ("yiping.toml:17:14: 错误 error: ", "屏幕“门口”的 playlists 中的“赶集”不存在或有错误"),
    // Finding 13: the packaged placeholder village, and an example item from another village.
    ("yiping.toml:2:11: 警告 warning: ", "village 还是安装时的占位名“本村”"),
    ("yiping.toml: 警告 warning: ", "条目 local/qingshan 写的是“青山村”，不是本屏的“测试村”"),
];

#[test]
fn check_reports_every_clerk_mistake_of_a_folder_in_one_run() {
    let dir = root().join("tests/data/clerk-mistakes");
    let o = yiping(&dir, &["check", "--config", "yiping.toml", "--at", DEMO_AT]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let mut missing = Vec::new();
    for (at, what) in EXPECTED {
        let line = out.lines().find(|l| l.contains(at) && l.contains(what));
        match line {
            // Chinese first: the English comes after " / ".
            Some(l) => assert!(what.is_empty() || l.find(what) < l.find(" / "), "English first: {l}"),
            None => missing.push(format!("{at}{what}")),
        }
    }
    assert!(missing.is_empty(), "not reported:\n{}\n\nin:\n{out}", missing.join("\n"));
    // The time windows typed the clerk's way (7:00—21:00, 8:00—12:00) are accepted without a word.
    assert!(!out.contains("时间段无效"), "{out}");
    // The upper-case .JSON is read, and its item checked like the others.
    assert!(out.lines().any(|l| l.trim_start().starts_with("local/dibao ")), "{out}");
    // The totals line, Chinese first.
    let last = out.lines().last().unwrap_or_default();
    assert!(last.contains(" 个错误 error(s), ") && last.contains(" 个警告 warning(s); "), "{last}");
}
