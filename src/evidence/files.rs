//! Log file names and order: `YYYY-MM-DD-NNN.jsonl`, sorted by name = chain order.
//!
//! The writer never goes back to an earlier name (a clock that jumps back keeps
//! writing the current file), so name order is always write order. Only names.

use std::path::{Path, PathBuf};

/// A log file's place: local day and part within the day.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LogName {
    pub day: String,
    pub part: u32,
}

impl LogName {
    pub fn file_name(&self) -> String {
        format!("{}-{:03}.jsonl", self.day, self.part)
    }

    /// Parses `YYYY-MM-DD-NNN.jsonl`.
    pub fn parse(name: &str) -> Option<LogName> {
        let stem = name.strip_suffix(".jsonl")?;
        if stem.len() != 14 || stem.as_bytes()[10] != b'-' {
            return None;
        }
        let (day, part) = stem.split_at(10);
        jiff::civil::Date::strptime("%Y-%m-%d", day).ok()?;
        let part = part[1..].parse().ok()?;
        Some(LogName { day: day.to_string(), part })
    }
}

/// The log files in `dir`, in chain order. A missing folder is an empty log.
pub fn list(dir: &Path) -> std::io::Result<Vec<(LogName, PathBuf)>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for e in rd {
        let e = e?;
        if let Some(n) = e.file_name().to_str().and_then(LogName::parse) {
            out.push((n, e.path()));
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_day_then_part() {
        let a = LogName::parse("2026-12-01-002.jsonl").unwrap();
        let b = LogName::parse("2026-12-02-000.jsonl").unwrap();
        assert!(a < b);
        assert_eq!(a.file_name(), "2026-12-01-002.jsonl");
        assert_eq!(LogName::parse("2026-13-01-000.jsonl"), None);
        assert_eq!(LogName::parse("notes.jsonl"), None);
    }
}
