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
        let sev = match self.severity {
            Severity::Error => "error 错误",
            Severity::Warning => "warning 警告",
        };
        if self.line == 0 {
            write!(f, "{}: {sev}: {} / {}", self.file.display(), self.en, self.zh)
        } else {
            write!(f, "{}:{}:{}: {sev}: {} / {}", self.file.display(), self.line, self.col, self.en, self.zh)
        }
    }
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
        assert_eq!(d.to_string(), "a.toml:2:1: error 错误: unknown key / 未知的键");
    }
}
