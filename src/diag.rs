//! Diagnostics for operators: a position (file:line:col) and a message in Chinese and English.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a diagnostic is: errors make `check` fail and stop a file from loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found in an operator's file, with where it is and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    pub severity: Severity,
    pub file: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: u32,
    /// 1-based column in characters.
    pub col: u32,
    pub zh: String,
    pub en: String,
}

impl Diag {
    /// An error at a byte offset of `src`.
    pub fn at(file: &Path, src: &str, offset: usize, zh: impl Into<String>, en: impl Into<String>) -> Diag {
        let (line, col) = line_col(src, offset);
        Diag { severity: Severity::Error, file: file.to_path_buf(), line, col, zh: zh.into(), en: en.into() }
    }

    /// An error about a whole file (unreadable, missing).
    pub fn file(file: &Path, zh: impl Into<String>, en: impl Into<String>) -> Diag {
        Diag { severity: Severity::Error, file: file.to_path_buf(), line: 0, col: 0, zh: zh.into(), en: en.into() }
    }

    pub fn warning(mut self) -> Diag {
        self.severity = Severity::Warning;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Chinese first: the clerk reads it; the English after it is for maintainers.
        let sev = match self.severity {
            Severity::Error => "错误 error",
            Severity::Warning => "警告 warning",
        };
        if self.line == 0 {
            write!(f, "{}: {sev}: {} / {}", self.file.display(), self.zh, self.en)
        } else {
            write!(f, "{}:{}:{}: {sev}: {} / {}", self.file.display(), self.line, self.col, self.zh, self.en)
        }
    }
}

/// A parser's message (serde, toml, serde_json) explained in plain Chinese: the likely
/// cause and the fix. `src` and `offset` (where the parser stopped) let full-width
/// punctuation typed with a Chinese input method be named. `None` when no
/// explanation is known (the parser's words are then shown as they are).
pub(crate) fn explain(msg: &str, src: &str, offset: usize) -> Option<String> {
    // Look around where the parser stopped: the line up to and including that point.
    let mut at = offset.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    let line_start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[at..].find('\n').map_or(src.len(), |i| at + i);
    let line = &src[line_start..line_end];
    for (chars, name, fix) in [
        ("“”‘’", "中文引号", "请改成英文半角引号 \""),
        ("：", "中文冒号", "请改成英文半角冒号 :（TOML 文件里用 =）"),
        ("，", "中文逗号", "请改成英文半角逗号 ,"),
    ] {
        if let Some(c) = line.chars().find(|c| chars.contains(*c)) {
            return Some(format!("这一行有{name}“{c}”，{fix}"));
        }
    }
    if let Some(rest) = msg.split("unknown variant `").nth(1) {
        let (value, rest) = rest.split_once('`')?;
        let allowed: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        return Some(format!("“{value}”不是允许的值，只能是 {}（注意大小写，用英文）", allowed.join("、")));
    }
    if let Some(rest) = msg.split("missing field `").nth(1) {
        let field = rest.split('`').next().unwrap_or_default();
        return Some(format!("缺少必填项“{field}”：请补上；如果写了却仍报错，多半是键名拼错了"));
    }
    if msg.contains("unknown field `") {
        let field = msg.split('`').nth(1).unwrap_or_default();
        return Some(format!("不认识的键“{field}”，可能是拼写错误"));
    }
    if msg.contains("expected `,` or `}`")
        || msg.contains("expected ',' or '}'")
        || msg.contains("expected `,` or `]`")
        || msg.contains("expected ',' or ']'")
    {
        return Some("缺少逗号：上一项末尾要有英文逗号 ,；也可能是少了右括号 } 或 ]".to_string());
    }
    if msg.contains("expected `:`") || msg.contains("expected ':'") {
        return Some("缺少冒号：键和值之间要用英文冒号 :".to_string());
    }
    if msg.contains("EOF while parsing") || msg.contains("unclosed") {
        return Some("文件在中途结束：缺少右括号 } 或 ]，或引号没有成对".to_string());
    }
    if msg.contains("string values must be quoted") || msg.contains("invalid string") {
        return Some("文字要用英文双引号括起来，例如 title = \"公告\"".to_string());
    }
    if msg.contains("no offset") || msg.contains("offset") && (msg.contains("date") || msg.contains("time")) {
        return Some("日期时间缺少时区：在末尾加 +08:00，例如 2026-12-01T09:00:00+08:00".to_string());
    }
    if msg.contains("trailing comma") {
        return Some("最后一项后面多了一个逗号，请删掉".to_string());
    }
    if msg.contains("invalid type") {
        let want = msg.split(", expected ").nth(1).unwrap_or_default();
        return Some(format!("值的类型不对（应为 {want}）：文字要加引号，数字不加引号"));
    }
    None
}

/// A duration for people, in Chinese and English: `4分12秒 / 4m12s`, `2小时5分 / 2h5m`,
/// `3天4小时 / 3d4h`; past a year (an idle screen waiting with no end) `不限时 / open-ended`.
pub(crate) fn duration(d: std::time::Duration) -> String {
    let s = d.as_secs() + u64::from(d.subsec_millis() >= 500);
    let (days, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match () {
        _ if days > 366 => "不限时 / open-ended".to_string(),
        _ if days > 0 => format!("{days}天{h}小时 / {days}d{h}h"),
        _ if h > 0 => format!("{h}小时{m}分 / {h}h{m}m"),
        _ if m > 0 => format!("{m}分{sec}秒 / {m}m{sec}s"),
        _ => format!("{sec}秒 / {sec}s"),
    }
}

/// The known key closest to a misspelt one (`dispaly` -> `display`), when close enough.
pub(crate) fn did_you_mean<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let d = |a: &str, b: &str| {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + usize::from(a[i - 1] != b[j - 1]));
            }
            prev = cur;
        }
        prev[b.len()]
    };
    known.iter().map(|k| (d(key, k), *k)).filter(|(n, k)| *n <= 2.max(k.len() / 3)).min().map(|(_, k)| k)
}

/// 1-based line and character column of a byte offset (clamped to the text).
pub(crate) fn line_col(src: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = src[line_start..offset].chars().count() as u32 + 1;
    (line, col)
}

/// Many diagnostics as one error, printed one a line.
#[derive(Debug, Clone)]
pub struct Diags(pub Vec<Diag>);

impl fmt::Display for Diags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diags {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_say_them() {
        let d = |s: f64| duration(std::time::Duration::from_secs_f64(s));
        assert_eq!(d(252.0), "4分12秒 / 4m12s");
        assert_eq!(d(62.0), "1分2秒 / 1m2s");
        assert_eq!(d(5.4), "5秒 / 5s");
        assert_eq!(d(7500.0), "2小时5分 / 2h5m");
        assert_eq!(d(3.0 * 86_400.0 + 4.0 * 3600.0), "3天4小时 / 3d4h");
        assert_eq!(d(251_606_241_898.4), "不限时 / open-ended");
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let src = "a = 1\n名字 = x\n";
        assert_eq!(line_col(src, 0), (1, 1));
        let off = src.find('x').unwrap();
        assert_eq!(line_col(src, off), (2, 6));
        assert_eq!(line_col(src, 10_000), (3, 1));
    }

    #[test]
    fn display_has_position_and_both_languages() {
        let d = Diag::at(Path::new("a.toml"), "x\ny", 2, "未知的键", "unknown key");
        assert_eq!(d.to_string(), "a.toml:2:1: 错误 error: 未知的键 / unknown key");
    }

    #[test]
    fn common_mistakes_are_explained_in_chinese() {
        let full = "title = “公告”\n";
        assert_eq!(explain("string values must be quoted", full, 8).unwrap(), "这一行有中文引号““”，请改成英文半角引号 \"");
        assert!(explain("expected ':'", "{\"id\"：1}", 6).unwrap().contains("中文冒号"));
        assert!(explain("expected `,` or `}`", "{\"a\": 1\n\"b\": 2}", 9).unwrap().starts_with("缺少逗号"));
        let v = explain("unknown variant `已审核`, expected one of `approved`, `pending`, `rejected`, `revoked`", "", 0).unwrap();
        assert_eq!(v, "“已审核”不是允许的值，只能是 approved、pending、rejected、revoked（注意大小写，用英文）");
        assert!(explain("missing field `display`", "", 0).unwrap().contains("缺少必填项“display”"));
        assert!(explain("invalid datetime: no offset", "", 0).unwrap().contains("+08:00"));
        assert_eq!(explain("something new", "x = 1", 0), None);
    }
}
