//! The highest feed acceptance of each source found in the evidence log, read once at start:
//! the third copy of the rollback floor, beside the floor file and the cache (issue 13, failure 2).
//!
//! Reads the log's files newest first and stops once every source asked for is found. Only
//! lines whose hash matches count (`record::decode`); a damaged line is passed over, never
//! repaired. Read-only; never fails: an unreadable log gives what could be read.

use std::collections::BTreeMap;
use std::path::Path;

use super::files;
use super::record::{self, Event};

/// Source name -> (highest accepted sequence, SHA-256 of that feed's body).
pub(crate) type Accepted = BTreeMap<String, (u64, String)>;

/// The highest `feed_accepted` record of each of `sources` in the log in `dir`.
pub(crate) fn newest(dir: &Path, sources: &[String]) -> Accepted {
    let mut out = Accepted::new();
    if sources.is_empty() {
        return out;
    }
    let Ok(all) = files::list(dir) else { return out };
    for (_, path) in all.iter().rev() {
        let Ok(text) = std::fs::read(path) else { continue };
        for line in text.split(|&b| b == b'\n') {
            let Ok(line) = std::str::from_utf8(line) else { continue };
            // Cheap test first: most lines are plays.
            if !line.contains("\"kind\":\"feed_accepted\"") {
                continue;
            }
            let Ok((rec, _)) = record::decode(line) else { continue };
            if let Event::FeedAccepted { source, sequence, sha256 } = rec.event
                && sources.contains(&source)
                && out.get(&source).is_none_or(|(s, _)| *s < sequence)
            {
                out.insert(source, (sequence, sha256));
            }
        }
        if sources.iter().all(|s| out.contains_key(s)) {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use jiff::tz::TimeZone;

    use super::*;
    use crate::evidence::writer::Writer;

    #[test]
    fn the_highest_acceptance_per_source_is_found_across_files_and_others_are_ignored() {
        let d = tempfile::tempdir().unwrap();
        let (mut w, _) = Writer::open(d.path(), 300, TimeZone::UTC).unwrap();
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        let acc = |source: &str, sequence: u64| Event::FeedAccepted { source: source.into(), sequence, sha256: format!("{sequence:064x}") };
        w.append(at("2026-11-30T01:00:00Z"), true, acc("district", 150)).unwrap();
        w.append(at("2026-11-30T02:00:00Z"), true, acc("district", 200)).unwrap();
        w.append(at("2026-12-01T01:00:00Z"), true, acc("town", 7)).unwrap();
        w.append(at("2026-12-01T02:00:00Z"), true, acc("gone", 9)).unwrap();
        w.sync().unwrap();
        assert!(files::list(d.path()).unwrap().len() >= 2, "spread over files");
        let found = newest(d.path(), &["district".into(), "town".into(), "never".into()]);
        assert_eq!(found.get("district"), Some(&(200, format!("{:064x}", 200))));
        assert_eq!(found.get("town").map(|f| f.0), Some(7));
        assert!(!found.contains_key("gone") && !found.contains_key("never"));
        assert!(newest(&d.path().join("missing"), &["district".into()]).is_empty());
    }
}
