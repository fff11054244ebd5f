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
