//! The append-only, hash-chained writer: picks the file, continues the chain
//! after a restart, recovers a torn tail, rotates by local day and size.
//!
//! It only ever appends: it never rewrites or truncates a record that was
//! complete. Durability is the caller's choice of when to call `sync`
//! (the recorder thread syncs once per batch: group commit).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::files::{self, LogName};
use super::record::{self, Event, GENESIS, LineError, Record};

/// Where a restart found the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume {
    /// Sequence number the next record gets.
    pub seq: u64,
    pub prev: String,
    /// A torn tail found and skipped: file name, 1-based line, bytes.
    pub torn: Option<(String, u64, u64)>,
}

pub struct Writer {
    dir: PathBuf,
    rotate_bytes: u64,
    tz: TimeZone,
    current: Option<(LogName, File, u64)>,
    seq: u64,
    prev: String,
}

impl Writer {
    /// Opens the log in `dir` (created if missing) and finds where the chain continues.
    /// A torn last line is made into a line of its own (a newline appended) and reported.
    pub fn open(dir: &Path, rotate_bytes: u64, tz: TimeZone) -> io::Result<(Writer, Resume)> {
        std::fs::create_dir_all(dir)?;
        let all = files::list(dir)?;
        let mut resume = Resume { seq: 0, prev: GENESIS.to_string(), torn: None };
        let mut current = None;
        // Walk back from the newest file until a good record is found.
        for (i, (name, path)) in all.iter().enumerate().rev() {
            let mut text = Vec::new();
            File::open(path)?.read_to_end(&mut text)?;
            let (last_good, torn_from) = scan_tail(&text);
            if i == all.len() - 1 {
                let mut f = OpenOptions::new().append(true).open(path)?;
                let mut len = text.len() as u64;
                // Whatever the last line was, the next record starts a line of its own.
                if !text.is_empty() && !text.ends_with(b"\n") {
                    f.write_all(b"\n")?;
                    f.sync_data()?;
                    len += 1;
                }
                if let Some((line, offset)) = torn_from {
                    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    resume.torn = Some((file, line, text.len() as u64 - offset as u64));
                }
                current = Some((name.clone(), f, len));
            }
            if let Some((rec, hash)) = last_good {
                resume.seq = rec.seq + 1;
                resume.prev = hash;
                break;
            }
        }
        Ok((Writer { dir: dir.to_path_buf(), rotate_bytes: rotate_bytes.max(4096), tz, current, seq: resume.seq, prev: resume.prev.clone() }, resume))
    }

    /// The hash of the last record written (the chain's head) and the next sequence number.
    pub fn head(&self) -> (&str, u64) {
        (&self.prev, self.seq)
    }

    /// Appends one record (not yet synced). On error nothing of it stays in the file.
    pub fn append(&mut self, at: Timestamp, clock_trusted: bool, event: Event) -> io::Result<u64> {
        let rec = Record { seq: self.seq, at, prev: self.prev.clone(), clock_trusted, event };
        let (mut line, hash) = record::encode(&rec);
        line.push('\n');
        let day = at.to_zoned_datetime(self.tz.clone()).date().strftime("%Y-%m-%d").to_string();
        self.roll_if_needed(&day, line.len() as u64)?;
        let (_, f, len) = self.current.as_mut().expect("a file after roll");
        if let Err(e) = f.write_all(line.as_bytes()) {
            // Leave no partial record behind: cut back to where this one started.
            let _ = f.set_len(*len);
            return Err(e);
        }
        *len += line.len() as u64;
        self.prev = hash;
        self.seq += 1;
        Ok(rec.seq)
    }

    /// Makes everything appended so far durable.
    pub fn sync(&mut self) -> io::Result<()> {
        match &self.current {
            Some((_, f, _)) => f.sync_data(),
            None => Ok(()),
        }
    }

    fn roll_if_needed(&mut self, day: &str, add: u64) -> io::Result<()> {
        let next = match &self.current {
            None => LogName { day: day.to_string(), part: 0 },
            // A later day starts a new file; an earlier one (clock set back) keeps the current file.
            Some((n, _, _)) if day > n.day.as_str() => LogName { day: day.to_string(), part: 0 },
            Some((n, _, len)) if *len > 0 && len + add > self.rotate_bytes => LogName { day: n.day.clone(), part: n.part + 1 },
            Some(_) => return Ok(()),
        };
        if let Some((_, f, _)) = &self.current {
            f.sync_data()?;
        }
        let path = self.dir.join(next.file_name());
        let f = OpenOptions::new().create(true).append(true).open(&path)?;
        let len = f.metadata()?.len();
        // The new name must survive a power cut too.
        File::open(&self.dir)?.sync_all()?;
        self.current = Some((next, f, len));
        Ok(())
    }
}

/// A record and its hash.
type Hashed = (Record, String);

/// The last good record in a file's bytes, and where trailing bad lines start (line number, byte offset).
fn scan_tail(text: &[u8]) -> (Option<Hashed>, Option<(u64, usize)>) {
    let mut last_good = None;
    let mut bad_from = None;
    let mut offset = 0;
    for (i, raw) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        let complete = raw.ends_with(b"\n");
        let line = std::str::from_utf8(raw.strip_suffix(b"\n").unwrap_or(raw)).map_err(|_| LineError::Incomplete);
        match line.and_then(|l| if complete || l.ends_with("\"}") { record::decode(l) } else { Err(LineError::Incomplete) }) {
            Ok(r) => {
                last_good = Some(r);
                bad_from = None;
            }
            Err(_) if raw.iter().all(u8::is_ascii_whitespace) => {}
            Err(_) => {
                bad_from.get_or_insert((i as u64 + 1, offset));
            }
        }
        offset += raw.len();
    }
    (last_good, bad_from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> TimeZone {
        TimeZone::get("Asia/Shanghai").unwrap()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn write(dir: &Path, times: &[&str]) -> Writer {
        let (mut w, _) = Writer::open(dir, 1 << 20, tz()).unwrap();
        for t in times {
            w.append(at(t), true, Event::Stop).unwrap();
        }
        w.sync().unwrap();
        w
    }

    fn names(dir: &Path) -> Vec<String> {
        files::list(dir).unwrap().into_iter().map(|(n, _)| n.file_name()).collect()
    }

    #[test]
    fn a_torn_last_line_is_reported_and_the_chain_continues_from_the_record_before() {
        let d = tempfile::tempdir().unwrap();
        let w = write(d.path(), &["2026-12-01T09:00:00+08:00", "2026-12-01T09:01:00+08:00", "2026-12-01T09:02:00+08:00"]);
        let (head, next) = (w.head().0.to_string(), w.head().1);
        drop(w);
        let f = d.path().join("2026-12-01-000.jsonl");
        let mut text = std::fs::read_to_string(&f).unwrap();
        text.push_str("{\"seq\":3,\"at\":\"2026-12-01T01:03:00Z\",\"pr");
        std::fs::write(&f, &text).unwrap();
        let (mut w, resume) = Writer::open(d.path(), 1 << 20, tz()).unwrap();
        assert_eq!(resume.torn, Some(("2026-12-01-000.jsonl".to_string(), 4, 40)));
        assert_eq!((resume.seq, resume.prev.as_str()), (next, head.as_str()));
        w.append(at("2026-12-01T09:04:00+08:00"), true, Event::Stop).unwrap();
        let lines: Vec<String> = std::fs::read_to_string(&f).unwrap().lines().map(String::from).collect();
        assert_eq!(lines.len(), 5, "the torn line stays, on a line of its own");
        let (r, _) = record::decode(&lines[4]).unwrap();
        assert_eq!((r.seq, r.prev), (3, head));
    }

    #[test]
    fn a_file_holding_only_a_torn_line_resumes_from_the_file_before() {
        let d = tempfile::tempdir().unwrap();
        let w = write(d.path(), &["2026-12-01T09:00:00+08:00", "2026-12-02T09:00:00+08:00"]);
        let head = w.head().0.to_string();
        drop(w);
        std::fs::write(d.path().join("2026-12-03-000.jsonl"), "{\"seq\":2,\"at\"").unwrap();
        let (_, resume) = Writer::open(d.path(), 1 << 20, tz()).unwrap();
        assert_eq!((resume.seq, resume.prev), (2, head));
        assert_eq!(resume.torn.map(|t| (t.0, t.1)), Some(("2026-12-03-000.jsonl".to_string(), 1)));
    }

    #[test]
    fn files_rotate_at_local_midnight_and_by_size_and_never_go_back() {
        let d = tempfile::tempdir().unwrap();
        // 23:59 China time is still Dec 1; 00:00 is Dec 2 (16:00 UTC the day before).
        write(d.path(), &["2026-12-01T23:59:00+08:00", "2026-12-02T00:00:00+08:00", "2026-12-01T12:00:00+08:00"]);
        assert_eq!(names(d.path()), ["2026-12-01-000.jsonl", "2026-12-02-000.jsonl"]);
        let text = std::fs::read_to_string(d.path().join("2026-12-02-000.jsonl")).unwrap();
        assert_eq!(text.lines().count(), 2, "a clock set back keeps writing the current file");

        let d = tempfile::tempdir().unwrap();
        let (mut w, _) = Writer::open(d.path(), 4096, tz()).unwrap();
        for _ in 0..40 {
            w.append(at("2026-12-01T09:00:00+08:00"), true, Event::SourceRecovered { source: "x".repeat(100) }).unwrap();
        }
        let n = names(d.path());
        assert!(n.len() >= 3 && n[1] == "2026-12-01-001.jsonl", "{n:?}");
        for (_, p) in files::list(d.path()).unwrap() {
            assert!(std::fs::metadata(p).unwrap().len() <= 4096);
        }
    }

    #[test]
    fn a_complete_last_line_without_newline_is_kept_and_not_called_torn() {
        let d = tempfile::tempdir().unwrap();
        drop(write(d.path(), &["2026-12-01T09:00:00+08:00"]));
        let f = d.path().join("2026-12-01-000.jsonl");
        let text = std::fs::read_to_string(&f).unwrap();
        std::fs::write(&f, text.trim_end()).unwrap();
        let (mut w, resume) = Writer::open(d.path(), 1 << 20, tz()).unwrap();
        assert_eq!((resume.seq, resume.torn), (1, None));
        w.append(at("2026-12-01T09:01:00+08:00"), true, Event::Stop).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap().lines().count(), 2);
    }
}
