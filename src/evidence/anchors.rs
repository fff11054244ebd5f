//! Anchors: heads of the log noted elsewhere (the district's `heads.jsonl`), checked against the log.
//!
//! The hash chain alone cannot show that newest records were removed or that
//! the log was rewritten from some record on. A head held by someone else
//! can: the log must still contain a record with that seq and that hash.
//! One JSON object per line, as the box publishes its head:
//! `{"seq": N, "hash": "<64 hex>", "at": "RFC3339"}`. Pure: no file access.

use std::collections::HashMap;

/// One noted head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Anchor {
    /// 1-based line in the anchors file.
    pub line: usize,
    pub seq: u64,
    pub hash: String,
    pub at: Option<String>,
}

/// Parses an anchors file; a line that is not a head is an error naming it.
pub(crate) fn parse(text: &str) -> Result<Vec<Anchor>, (usize, String)> {
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(l).map_err(|e| (i + 1, e.to_string()))?;
        let seq = v["seq"].as_u64().ok_or((i + 1, "no `seq`".to_string()))?;
        let hash = v["hash"]
            .as_str()
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or((i + 1, "no 64-hex `hash`".to_string()))?;
        out.push(Anchor { line: i + 1, seq, hash: hash.to_string(), at: v["at"].as_str().map(String::from) });
    }
    Ok(out)
}

/// Checks records against anchors as the log is read.
#[derive(Debug, Default)]
pub(crate) struct Check {
    want: HashMap<u64, Vec<Anchor>>,
    /// Anchors whose record was found with a different hash: (anchor, the hash found).
    pub rewritten: Vec<(Anchor, String)>,
    pub matched: usize,
}

impl Check {
    pub(crate) fn new(anchors: Vec<Anchor>) -> Check {
        let mut want: HashMap<u64, Vec<Anchor>> = HashMap::new();
        for a in anchors {
            want.entry(a.seq).or_default().push(a);
        }
        Check { want, ..Check::default() }
    }

    pub(crate) fn record(&mut self, seq: u64, hash: &str) {
        if let Some(list) = self.want.remove(&seq) {
            for a in list {
                if a.hash == hash {
                    self.matched += 1;
                } else {
                    self.rewritten.push((a, hash.to_string()));
                }
            }
        }
    }

    /// Anchors for records the log does not contain (it was cut back behind them), by line.
    pub(crate) fn missing(&self) -> Vec<&Anchor> {
        let mut m: Vec<&Anchor> = self.want.values().flatten().collect();
        m.sort_by_key(|a| a.line);
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_match_differ_or_are_missing() {
        let h = |c: char| c.to_string().repeat(64);
        let text = format!(
            "{{\"seq\":1,\"hash\":\"{}\",\"at\":\"2026-12-01T00:00:00Z\"}}\n\n{{\"seq\":2,\"hash\":\"{}\"}}\n{{\"seq\":9,\"hash\":\"{}\"}}\n",
            h('a'),
            h('b'),
            h('c')
        );
        let mut c = Check::new(parse(&text).unwrap());
        c.record(1, &h('a'));
        c.record(2, &h('d'));
        assert_eq!(c.matched, 1);
        assert_eq!(c.rewritten.len(), 1);
        assert_eq!(c.rewritten[0].0.line, 3);
        assert_eq!(c.missing().iter().map(|a| (a.line, a.seq)).collect::<Vec<_>>(), [(4, 9)]);
        assert_eq!(parse("{\"seq\":1}\n").unwrap_err().0, 1);
        assert_eq!(parse("\nnot json\n").unwrap_err().0, 2);
    }
}
