//! Streams evidence records from the log files themselves, in chain order, from any point on.
//!
//! The fleet link keeps no second queue: after an offline spell the backlog is
//! read here, one line at a time, from the files the evidence writer made, so
//! memory stays bounded whatever the backlog. Only complete lines whose hash
//! verifies are handed on, exactly as they are in the file (the district
//! re-checks the same bytes). A line still being written (no newline yet) is
//! left for the next call. Read-only: never writes or repairs the log.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::evidence::files::{self, LogName};
use crate::evidence::record::{self, Record};

/// Longest line handed on; longer ones are skipped (and reported), so one bad line cannot exhaust memory.
pub(crate) const MAX_LINE: usize = 1 << 20;

/// One record as it is in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub seq: u64,
    pub hash: String,
    /// The exact line, without its newline.
    pub text: String,
    /// The line decoded.
    pub record: Record,
}

/// A reader positioned in the log that follows it as it grows.
pub struct LogTail {
    dir: PathBuf,
    current: Option<(LogName, BufReader<File>, u64)>,
    /// Records at or before this seq are skipped.
    after: Option<u64>,
    peeked: Option<Line>,
    /// Lines skipped because they were longer than `MAX_LINE`.
    pub oversized: u64,
}

impl LogTail {
    /// A reader that yields the records after `after` (all of them for `None`).
    pub fn open(dir: &Path, after: Option<u64>) -> io::Result<LogTail> {
        let all = files::list(dir)?;
        let want = after.map_or(0, |a| a + 1);
        // The last file whose first record is at or before the one wanted holds it.
        let mut start = 0;
        for (i, (_, path)) in all.iter().enumerate() {
            match first_seq(path)? {
                Some(s) if s <= want => start = i,
                Some(_) => break,
                None => {}
            }
        }
        let mut t = LogTail { dir: dir.to_path_buf(), current: None, after, peeked: None, oversized: 0 };
        if let Some((name, path)) = all.into_iter().nth(start) {
            t.current = Some((name, BufReader::new(File::open(path)?), 0));
        }
        Ok(t)
    }

    /// A reader from the first record of the first file of local day `day` (YYYY-MM-DD) or later.
    pub(crate) fn from_day(dir: &Path, day: &str) -> io::Result<LogTail> {
        let mut t = LogTail { dir: dir.to_path_buf(), current: None, after: None, peeked: None, oversized: 0 };
        if let Some((name, path)) = files::list(dir)?.into_iter().find(|(n, _)| n.day.as_str() >= day) {
            t.current = Some((name, BufReader::new(File::open(path)?), 0));
        }
        Ok(t)
    }

    /// The next complete, verified record with `seq <= upto`, or `None` when there is none yet.
    pub fn next(&mut self, upto: u64) -> io::Result<Option<Line>> {
        if let Some(p) = self.peeked.take() {
            if p.seq <= upto {
                return Ok(Some(p));
            }
            self.peeked = Some(p);
            return Ok(None);
        }
        loop {
            let Some(raw) = self.read_line()? else { return Ok(None) };
            let Ok(text) = String::from_utf8(raw) else { continue };
            let Ok((rec, hash)) = record::decode(&text) else { continue };
            if self.after.is_some_and(|a| rec.seq <= a) {
                continue;
            }
            self.after = Some(rec.seq);
            let line = Line { seq: rec.seq, hash, text, record: rec };
            if line.seq > upto {
                self.peeked = Some(line);
                return Ok(None);
            }
            return Ok(Some(line));
        }
    }

    /// The next complete line (without newline) of the current file or the files after it.
    fn read_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if self.current.is_none() {
                // Nothing yet: the log may have been started since.
                match files::list(&self.dir)?.into_iter().next() {
                    Some((name, path)) => self.current = Some((name, BufReader::new(File::open(path)?), 0)),
                    None => return Ok(None),
                }
            }
            let (name, reader, offset) = self.current.as_mut().expect("a file");
            let mut buf = Vec::new();
            let n = reader.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut buf)?;
            if buf.ends_with(b"\n") {
                *offset += n as u64;
                buf.pop();
                return Ok(Some(buf));
            }
            if buf.len() > MAX_LINE {
                // Too long to hand on: skip to its end.
                let mut skipped = n as u64;
                loop {
                    let mut chunk = Vec::new();
                    let m = reader.by_ref().take(1 << 16).read_until(b'\n', &mut chunk)?;
                    skipped += m as u64;
                    if m == 0 || chunk.ends_with(b"\n") {
                        break;
                    }
                }
                *offset += skipped;
                self.oversized += 1;
                continue;
            }
            // End of this file (possibly in the middle of a line being written).
            let next = files::list(&self.dir)?.into_iter().find(|(n, _)| n > name);
            match next {
                // The writer never goes back to a file once it moved on: an incomplete tail there is a torn line.
                Some((n, path)) => self.current = Some((n, BufReader::new(File::open(path)?), 0)),
                None => {
                    // Come back to the start of the unfinished line next time.
                    let at = *offset;
                    reader.seek(SeekFrom::Start(at))?;
                    return Ok(None);
                }
            }
        }
    }
}

/// The hash of record `seq` in the log, if it is there.
pub(crate) fn hash_of(dir: &Path, seq: u64) -> io::Result<Option<String>> {
    let mut t = LogTail::open(dir, seq.checked_sub(1))?;
    Ok(t.next(seq)?.filter(|l| l.seq == seq).map(|l| l.hash))
}

/// The seq of a file's first good record.
fn first_seq(path: &Path) -> io::Result<Option<u64>> {
    let mut r = BufReader::new(File::open(path)?);
    loop {
        let mut buf = Vec::new();
        let n = r.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut buf)?;
        if n == 0 || !buf.ends_with(b"\n") {
            return Ok(None);
        }
        buf.pop();
        if let Ok(Ok((rec, _))) = std::str::from_utf8(&buf).map(record::decode) {
            return Ok(Some(rec.seq));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::record::Event;
    use crate::evidence::writer::Writer;
    use jiff::tz::TimeZone;

    fn write(dir: &Path, n: usize, rotate: u64) -> Writer {
        let (mut w, _) = Writer::open(dir, rotate, TimeZone::UTC).unwrap();
        for i in 0..n {
            let at: jiff::Timestamp = "2026-12-01T01:00:00Z".parse().unwrap();
            w.append(at, true, Event::SourceRecovered { source: format!("s{i}-{}", "x".repeat(200)) }).unwrap();
        }
        w.sync().unwrap();
        w
    }

    fn drain(t: &mut LogTail, upto: u64) -> Vec<u64> {
        std::iter::from_fn(|| t.next(upto).unwrap()).map(|l| l.seq).collect()
    }

    #[test]
    fn records_stream_across_rotated_files_from_any_point_exactly_as_written() {
        let d = tempfile::tempdir().unwrap();
        drop(write(d.path(), 100, 4096));
        assert!(files::list(d.path()).unwrap().len() > 5, "several files");
        let mut t = LogTail::open(d.path(), None).unwrap();
        assert_eq!(drain(&mut t, u64::MAX), (0..100).collect::<Vec<_>>());
        let mut t = LogTail::open(d.path(), Some(57)).unwrap();
        let first = t.next(u64::MAX).unwrap().unwrap();
        assert_eq!(first.seq, 58);
        let text: String = files::list(d.path()).unwrap().iter().map(|(_, p)| std::fs::read_to_string(p).unwrap()).collect();
        assert!(text.contains(&format!("{}\n", first.text)), "the exact line");
        assert_eq!(hash_of(d.path(), 58).unwrap(), Some(first.hash));
        assert_eq!(hash_of(d.path(), 100).unwrap(), None);
    }

    #[test]
    fn the_tail_follows_new_records_and_waits_for_an_unfinished_line() {
        let d = tempfile::tempdir().unwrap();
        let mut w = write(d.path(), 3, 1 << 20);
        let mut t = LogTail::open(d.path(), Some(0)).unwrap();
        assert_eq!(drain(&mut t, 1), [1], "held back beyond `upto` (not yet synced)");
        assert_eq!(drain(&mut t, u64::MAX), [2]);
        // Half a line: not handed on until its newline is there.
        let f = files::list(d.path()).unwrap()[0].1.clone();
        let at: jiff::Timestamp = "2026-12-01T01:00:00Z".parse().unwrap();
        w.append(at, true, Event::Stop).unwrap();
        let full = std::fs::read(&f).unwrap();
        let cut = full.len() - 20;
        std::fs::write(&f, &full[..cut]).unwrap();
        assert_eq!(drain(&mut t, u64::MAX), Vec::<u64>::new());
        std::fs::write(&f, &full).unwrap();
        assert_eq!(drain(&mut t, u64::MAX), [3]);
    }

    #[test]
    fn torn_lines_and_oversized_lines_are_skipped() {
        let d = tempfile::tempdir().unwrap();
        drop(write(d.path(), 2, 1 << 20));
        let f = files::list(d.path()).unwrap()[0].1.clone();
        let mut text = std::fs::read(&f).unwrap();
        text.extend_from_slice(b"{\"seq\":2,\"at\n");
        text.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        text.push(b'\n');
        std::fs::write(&f, &text).unwrap();
        let (mut w, _) = Writer::open(d.path(), 1 << 20, TimeZone::UTC).unwrap();
        w.append("2026-12-01T01:00:00Z".parse().unwrap(), true, Event::Stop).unwrap();
        let mut t = LogTail::open(d.path(), None).unwrap();
        assert_eq!(drain(&mut t, u64::MAX), [0, 1, 2]);
        assert_eq!(t.oversized, 1);
    }
}
