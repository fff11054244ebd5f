//! The district's archive of every site's evidence: one folder per site, append-only, verifiable as it is.
//!
//! `<out>/<site>/` holds the site's records as hash-chained JSON Lines files
//! (`YYYY-MM-DD-NNN.jsonl`, named by UTC day, never going back, so name order
//! is chain order), exactly the bytes the box logged, so `yiping log verify
//! --dir` and `yiping report --dir` read it as they read the box's own log.
//! Beside them, `heads.jsonl` collects the heads the box published (an anchors
//! file for `log verify --anchors`) and `conflicts.jsonl` any record that does
//! not follow from the archived chain (a box whose log was rewritten).
//! Records arriving twice are dropped; records after a gap wait (bounded) for
//! the gap to fill. Nothing is ever rewritten.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::evidence::files::{self, LogName};
use crate::evidence::record::{self, GENESIS};

use super::backlog::LogTail;
use super::config::valid_level;

/// Records after a gap kept in memory per site, waiting for the missing ones.
pub(crate) const MAX_HELD: usize = 10_000;
/// A file is closed and the next part started beyond this size.
pub(crate) const ROTATE_BYTES: u64 = 16 << 20;

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Appended (with any held records it released): the new next seq.
    Appended { through: u64 },
    /// Already archived (a resend).
    Duplicate,
    /// After a gap: kept until the records from `missing_from` arrive.
    Held { missing_from: u64 },
    /// Does not follow from the archived chain: kept aside in conflicts.jsonl.
    Conflict { seq: u64 },
    /// Not a valid record line (bad hash, not JSON).
    Invalid(String),
    /// A site name that cannot be a folder.
    BadSite,
}

struct Site {
    dir: PathBuf,
    current: Option<(LogName, File, u64)>,
    next: u64,
    head: String,
    held: BTreeMap<u64, (String, String, String)>,
    last_head: Option<String>,
    dirty: bool,
}

/// Every site's archive under one folder.
pub(crate) struct Archive {
    root: PathBuf,
    sites: HashMap<String, Site>,
}

impl Archive {
    pub(crate) fn open(root: &Path) -> io::Result<Archive> {
        std::fs::create_dir_all(root)?;
        Ok(Archive { root: root.to_path_buf(), sites: HashMap::new() })
    }

    /// The next seq expected from a site (0 for a new one).
    #[cfg(test)]
    pub(crate) fn next_seq(&mut self, site: &str) -> io::Result<u64> {
        Ok(self.site(site)?.next)
    }

    fn site(&mut self, name: &str) -> io::Result<&mut Site> {
        if !self.sites.contains_key(name) {
            let s = Site::open(&self.root.join(name))?;
            self.sites.insert(name.to_string(), s);
        }
        Ok(self.sites.get_mut(name).expect("inserted"))
    }

    /// Takes one record line as the box published it.
    pub(crate) fn record(&mut self, site: &str, line: &str) -> io::Result<Outcome> {
        if !valid_level(site) || site == "." || site == ".." {
            return Ok(Outcome::BadSite);
        }
        let (rec, hash) = match record::decode(line) {
            Ok(r) => r,
            Err(e) => return Ok(Outcome::Invalid(e.to_string())),
        };
        let s = self.site(site)?;
        if rec.seq < s.next {
            if rec.seq + 1 == s.next && hash != s.head {
                s.conflict(line)?;
                return Ok(Outcome::Conflict { seq: rec.seq });
            }
            return Ok(Outcome::Duplicate);
        }
        if rec.seq > s.next {
            if s.held.len() < MAX_HELD || s.held.contains_key(&rec.seq) {
                s.held.insert(rec.seq, (line.to_string(), rec.prev, hash));
            }
            return Ok(Outcome::Held { missing_from: s.next });
        }
        if rec.prev != s.head {
            s.conflict(line)?;
            return Ok(Outcome::Conflict { seq: rec.seq });
        }
        s.append(line, &hash, rec.at)?;
        // Records that waited for this one.
        while let Some(e) = s.held.first_entry() {
            if *e.key() != s.next {
                if *e.key() < s.next {
                    e.remove();
                    continue;
                }
                break;
            }
            let (_, (l, prev, h)) = e.remove_entry();
            if prev != s.head {
                s.conflict(&l)?;
                break;
            }
            let at = record::decode(&l).map(|(r, _)| r.at).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            s.append(&l, &h, at)?;
        }
        Ok(Outcome::Appended { through: s.next })
    }

    /// Appends a head message (as published) to the site's heads.jsonl unless it repeats the last one.
    pub(crate) fn head(&mut self, site: &str, payload: &str) -> io::Result<bool> {
        if !valid_level(site) {
            return Ok(false);
        }
        let v: serde_json::Value = match serde_json::from_str(payload) {
            Ok(v) => v,
            Err(_) => return Ok(false),
        };
        let (Some(seq), Some(hash)) = (v["seq"].as_u64(), v["hash"].as_str()) else { return Ok(false) };
        let key = format!("{seq}:{hash}");
        let s = self.site(site)?;
        if s.last_head.as_deref() == Some(key.as_str()) {
            return Ok(false);
        }
        let mut f = OpenOptions::new().create(true).append(true).open(s.dir.join("heads.jsonl"))?;
        f.write_all(format!("{}\n", serde_json::to_string(&v).expect("json")).as_bytes())?;
        f.sync_data()?;
        s.last_head = Some(key);
        Ok(true)
    }

    /// Makes every record appended so far durable (call after a batch: group commit).
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        for s in self.sites.values_mut() {
            if s.dirty
                && let Some((_, f, _)) = &s.current
            {
                f.sync_data()?;
                s.dirty = false;
            }
        }
        Ok(())
    }

    /// Sites with records waiting after a gap: (site, first missing seq, records held).
    pub(crate) fn gaps(&self) -> Vec<(String, u64, usize)> {
        self.sites.iter().filter(|(_, s)| !s.held.is_empty()).map(|(n, s)| (n.clone(), s.next, s.held.len())).collect()
    }
}

impl Site {
    fn open(dir: &Path) -> io::Result<Site> {
        std::fs::create_dir_all(dir)?;
        let all = files::list(dir)?;
        let (mut next, mut head) = (0, GENESIS.to_string());
        // The newest day's files hold the newest record.
        if let Some((last, _)) = all.last() {
            let mut t = LogTail::from_day(dir, &last.day)?;
            while let Some(l) = t.next(u64::MAX)? {
                next = l.seq + 1;
                head = l.hash;
            }
        }
        let mut current = None;
        if let Some((name, path)) = all.into_iter().last() {
            let mut f = OpenOptions::new().append(true).open(&path)?;
            let len = f.metadata()?.len();
            // A line torn by a crash of the collector stays, on a line of its own.
            let text = std::fs::read(&path)?;
            let len = if !text.is_empty() && !text.ends_with(b"\n") {
                f.write_all(b"\n")?;
                len + 1
            } else {
                len
            };
            current = Some((name, f, len));
        }
        let last_head = std::fs::read_to_string(dir.join("heads.jsonl")).ok().and_then(|t| {
            let v: serde_json::Value = serde_json::from_str(t.lines().last()?).ok()?;
            Some(format!("{}:{}", v["seq"].as_u64()?, v["hash"].as_str()?))
        });
        Ok(Site { dir: dir.to_path_buf(), current, next, head, held: BTreeMap::new(), last_head, dirty: false })
    }

    fn append(&mut self, line: &str, hash: &str, at: jiff::Timestamp) -> io::Result<()> {
        let day = at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().strftime("%Y-%m-%d").to_string();
        let add = line.len() as u64 + 1;
        let roll = match &self.current {
            None => Some(LogName { day: day.clone(), part: 0 }),
            Some((n, _, _)) if day > n.day => Some(LogName { day: day.clone(), part: 0 }),
            Some((n, _, len)) if *len > 0 && len + add > ROTATE_BYTES => Some(LogName { day: n.day.clone(), part: n.part + 1 }),
            Some(_) => None,
        };
        if let Some(name) = roll {
            if let Some((_, f, _)) = &self.current {
                f.sync_data()?;
            }
            let f = OpenOptions::new().create(true).append(true).open(self.dir.join(name.file_name()))?;
            let len = f.metadata()?.len();
            File::open(&self.dir)?.sync_all()?;
            self.current = Some((name, f, len));
        }
        let (_, f, len) = self.current.as_mut().expect("a file");
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        if let Err(e) = f.write_all(&bytes) {
            let _ = f.set_len(*len);
            return Err(e);
        }
        *len += add;
        self.next += 1;
        self.head = hash.to_string();
        self.dirty = true;
        Ok(())
    }

    fn conflict(&mut self, line: &str) -> io::Result<()> {
        let mut f = OpenOptions::new().create(true).append(true).open(self.dir.join("conflicts.jsonl"))?;
        f.write_all(format!("{line}\n").as_bytes())?;
        f.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::record::Event;
    use crate::evidence::verify;
    use crate::evidence::writer::Writer;

    /// A box's log of `n` records, as lines.
    fn box_log(n: usize, tag: &str) -> (tempfile::TempDir, Vec<String>) {
        let d = tempfile::tempdir().unwrap();
        let (mut w, _) = Writer::open(d.path(), 1 << 20, jiff::tz::TimeZone::UTC).unwrap();
        for i in 0..n {
            let at: jiff::Timestamp = format!("2026-12-01T{:02}:00:00Z", i % 24).parse().unwrap();
            w.append(at, true, Event::SourceRecovered { source: format!("{tag}{i}") }).unwrap();
        }
        w.sync().unwrap();
        let mut t = LogTail::open(d.path(), None).unwrap();
        let lines = std::iter::from_fn(|| t.next(u64::MAX).unwrap()).map(|l| l.text).collect();
        (d, lines)
    }

    #[test]
    fn resends_gaps_and_restarts_still_give_one_verifiable_chain() {
        let (_b, lines) = box_log(30, "a");
        let out = tempfile::tempdir().unwrap();
        let mut a = Archive::open(out.path()).unwrap();
        for l in &lines[..10] {
            assert!(matches!(a.record("qingshan", l).unwrap(), Outcome::Appended { .. }));
        }
        assert_eq!(a.record("qingshan", &lines[9]).unwrap(), Outcome::Duplicate);
        // 12..20 arrive before 10 and 11 (a gap): held, then released in order.
        for l in &lines[12..20] {
            assert_eq!(a.record("qingshan", l).unwrap(), Outcome::Held { missing_from: 10 });
        }
        assert_eq!(a.gaps(), vec![("qingshan".to_string(), 10, 8)]);
        a.record("qingshan", &lines[10]).unwrap();
        assert_eq!(a.record("qingshan", &lines[11]).unwrap(), Outcome::Appended { through: 20 });
        a.sync().unwrap();
        drop(a);
        // The collector restarts: it continues where the archive ends.
        let mut a = Archive::open(out.path()).unwrap();
        assert_eq!(a.next_seq("qingshan").unwrap(), 20);
        for l in &lines[15..] {
            a.record("qingshan", l).unwrap();
        }
        a.sync().unwrap();
        let v = verify::read(&out.path().join("qingshan"), |_| {}).unwrap();
        assert!(v.problem.is_none(), "{:?}", v.problem);
        assert_eq!(v.records, 30);
    }

    #[test]
    fn a_rewritten_box_log_lands_in_conflicts_not_in_the_archive() {
        let (_b, lines) = box_log(5, "a");
        let (_c, other) = box_log(8, "b"); // same seqs, different content from seq 0
        let out = tempfile::tempdir().unwrap();
        let mut a = Archive::open(out.path()).unwrap();
        for l in &lines {
            a.record("s", l).unwrap();
        }
        assert_eq!(a.record("s", &other[5]).unwrap(), Outcome::Conflict { seq: 5 });
        assert_eq!(a.record("s", &other[4]).unwrap(), Outcome::Conflict { seq: 4 });
        assert!(matches!(a.record("s", "{\"seq\":1}").unwrap(), Outcome::Invalid(_)));
        assert_eq!(a.record("../x", &lines[0]).unwrap(), Outcome::BadSite);
        let conflicts = std::fs::read_to_string(out.path().join("s/conflicts.jsonl")).unwrap();
        assert_eq!(conflicts.lines().count(), 2);
        assert_eq!(verify::read(&out.path().join("s"), |_| {}).unwrap().records, 5);
        assert!(a.head("s", r#"{"seq":4,"hash":"ab","at":"2026-12-01T00:00:00Z"}"#).unwrap());
        assert!(!a.head("s", r#"{"seq":4,"hash":"ab","at":"2026-12-01T00:05:00Z"}"#).unwrap(), "same head again");
    }
}
