//! Reads the log back in chain order, checking every hash and link, and hands each good record on.
//!
//! Finds the first record that was edited, deleted, inserted or reordered
//! (with file and line). A torn line is accepted only where the writer
//! recorded it (`torn_tail` right after it) or as the very last line of the
//! log (a power cut not yet followed by a restart). Read-only: never repairs.

use std::path::{Path, PathBuf};

use super::files;
use super::record::{self, Event, GENESIS, LineError, Record};

/// Where and what the first problem is.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based.
    pub line: u64,
    /// In Chinese, for the operator (first), then in English.
    pub zh: String,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {} / {}", self.file.display(), self.line, self.zh, self.what)
    }
}

/// The outcome of reading the whole log.
#[derive(Debug, Clone, Default)]
pub struct Verified {
    pub files: usize,
    /// Good records read (including any after a problem).
    pub records: u64,
    /// Torn lines skipped (power cuts): file and line.
    pub torn: Vec<(PathBuf, u64)>,
    /// The first problem; `None` means the chain is intact.
    pub problem: Option<Problem>,
    /// The last record's sequence number and hash (the chain head, to note down and compare later).
    pub head: Option<(u64, String)>,
}

/// A bad line waiting to be explained by a `torn_tail` record.
struct Pending {
    file: PathBuf,
    line: u64,
    incomplete: bool,
    what: String,
}

/// A line that does not decode and is not a torn tail.
fn unreadable(p: Pending) -> Problem {
    Problem {
        file: p.file,
        line: p.line,
        zh: format!("记录无法读取（{}）：被改动或损坏", p.what),
        what: format!("unreadable record ({}): edited or damaged", p.what),
    }
}

/// Reads every log file in `dir` in order. `each` gets every good record, in order.
pub fn read(dir: &Path, mut each: impl FnMut(&Record)) -> std::io::Result<Verified> {
    read_hashed(dir, |r, _| each(r))
}

/// Like `read`, handing on each record's hash too (for checking anchors).
pub(crate) fn read_hashed(dir: &Path, mut each: impl FnMut(&Record, &str)) -> std::io::Result<Verified> {
    let all = files::list(dir)?;
    let mut chain = Chain::default();
    for (_, path) in &all {
        let text = std::fs::read(path)?;
        chain.file(path, &text, &mut each);
    }
    let mut v = chain.finish();
    v.files = all.len();
    Ok(v)
}

/// The chain check over files given in order (the log's files, or the fuzz target's bytes).
#[derive(Default)]
pub(crate) struct Chain {
    v: Verified,
    expect_seq: u64,
    /// The previous record's hash; `None` before the first record (then GENESIS).
    prev: Option<String>,
    pending: Option<Pending>,
}

impl Chain {
    /// Checks the lines of one file, continuing the chain from the file before.
    pub(crate) fn file(&mut self, path: &Path, text: &[u8], mut each: impl FnMut(&Record, &str)) {
        let v = &mut self.v;
        let pending = &mut self.pending;
        for (i, raw) in text.split_inclusive(|&b| b == b'\n').enumerate() {
            let lineno = i as u64 + 1;
            let complete = raw.ends_with(b"\n");
            let line = raw.strip_suffix(b"\n").unwrap_or(raw);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let decoded = match std::str::from_utf8(line) {
                Err(_) => Err(LineError::Incomplete),
                Ok(l) => record::decode(l),
            };
            let (rec, hash) = match decoded {
                Ok(r) => r,
                Err(e) => {
                    if v.problem.is_none() && pending.is_none() {
                        let incomplete = e == LineError::Incomplete || !complete;
                        *pending = Some(Pending { file: path.to_path_buf(), line: lineno, incomplete, what: e.to_string() });
                    } else if let Some(p) = pending {
                        // Only a single torn line is possible; more bad lines mean damage.
                        p.incomplete = false;
                    }
                    continue;
                }
            };
            let expect_seq = self.expect_seq;
            let prev = self.prev.as_deref().unwrap_or(GENESIS);
            if v.problem.is_none() {
                let here = |zh: String, what: String| Problem { file: path.to_path_buf(), line: lineno, zh, what };
                if let Some(p) = pending.take() {
                    let name = p.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    let explained = matches!(&rec.event, Event::TornTail { file, line, .. } if *file == name && *line == p.line);
                    if p.incomplete && explained {
                        v.torn.push((p.file, p.line));
                    } else {
                        v.problem = Some(unreadable(p));
                    }
                }
                if v.problem.is_none() {
                    if rec.seq > expect_seq {
                        v.problem = Some(if expect_seq == 0 && v.records == 0 {
                            here(
                                format!("日志从第 #{} 条开始，而不是 #0：前面的记录或文件被删除了", rec.seq),
                                format!("log starts at record #{} instead of #0: earlier records or files were deleted", rec.seq),
                            )
                        } else {
                            here(
                                format!("这里应是第 #{expect_seq} 条，却是 #{}：有记录被删除或调换", rec.seq),
                                format!("expected record #{expect_seq} here but found #{}: records deleted or reordered", rec.seq),
                            )
                        });
                    } else if rec.seq < expect_seq {
                        v.problem = Some(here(
                            format!("第 #{} 条出现在 #{} 之后：有记录被插入或调换", rec.seq, expect_seq - 1),
                            format!("record #{} comes after #{}: inserted or reordered", rec.seq, expect_seq - 1),
                        ));
                    } else if rec.prev != prev {
                        v.problem = Some(here(
                            format!("第 #{} 条与前一条接不上（记下的前一条哈希不同）：有记录被插入、替换或改动", rec.seq),
                            format!(
                                "record #{} does not follow from the record before (its prev hash differs): a record was inserted, replaced or edited",
                                rec.seq
                            ),
                        ));
                    }
                }
            }
            self.expect_seq = rec.seq.saturating_add(1);
            self.prev = Some(hash.clone());
            v.records += 1;
            each(&rec, &hash);
            v.head = Some((rec.seq, hash));
        }
    }

    /// The outcome once every file is read.
    pub(crate) fn finish(mut self) -> Verified {
        let v = &mut self.v;
        // A bad line at the very end: a power cut the writer has not yet recovered from.
        if let Some(p) = self.pending
            && v.problem.is_none()
        {
            if p.incomplete {
                v.torn.push((p.file, p.line));
            } else {
                v.problem = Some(unreadable(p));
            }
        }
        self.v
    }
}
