//! Feed format v1: parse, validate and bound a feed body (docs/feed-v1.md).
//!
//! `{"schema": "yiping.feed/1", "sequence": u64, "generated_at": RFC 3339, "items": [...]}`.
//! Unknown fields (top level and in items) are ignored with a warning naming the key and
//! its position: a newer format may add them, a typo must not pass unseen. Each item goes
//! through the same parser as a folder item; an invalid item is reported (with its line
//! and column in the feed) and skipped, the rest stands. Never allocates beyond
//! the body it is given plus `max_items` references; never reads the network.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::diag::{Diag, line_col};
use crate::item::parse::{Format, Limits, item_warnings, parse_item, unknown_keys};
use crate::item::{Instant, Item};

pub(crate) const SCHEMA: &str = "yiping.feed/1";

/// A parsed feed: its items (valid ones only) and the problems of the others.
#[derive(Debug, Clone)]
pub struct Feed {
    pub sequence: u64,
    pub generated_at: Timestamp,
    pub items: Vec<Arc<Item>>,
    pub problems: Vec<Diag>,
}

/// Why a whole feed is rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FeedError {
    #[error("feed body is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// In another encoding (GBK): where, and how to fix it, as `fsutil::decode_text` says it.
    #[error("feed is not UTF-8 at line {}, column {}: {}", .0.line, .0.col, .0.en)]
    NotUtf8(Box<Diag>),
    #[error("malformed feed at line {line} column {col}: {msg}")]
    Malformed { line: usize, col: usize, msg: String },
    #[error("feed lacks `{0}`")]
    Missing(&'static str),
    #[error("feed schema is `{0}`; this version reads `yiping.feed/1`")]
    Schema(String),
    #[error("feed has more than {0} items")]
    TooManyItems(usize),
}

impl FeedError {
    /// The same in Chinese, for operators.
    pub fn zh(&self) -> String {
        match self {
            FeedError::TooLarge { limit } => format!("信息源内容超过 {limit} 字节"),
            FeedError::NotUtf8(d) => format!("信息源第 {} 行第 {} 列不是 UTF-8 编码：{}", d.line, d.col, d.zh),
            FeedError::Malformed { line, col, msg } => format!("信息源格式错误（第 {line} 行第 {col} 列）：{msg}"),
            FeedError::Missing(k) => format!("信息源缺少“{k}”"),
            FeedError::Schema(s) => format!("信息源格式版本为“{s}”，本程序只读 yiping.feed/1"),
            FeedError::TooManyItems(n) => format!("信息源条目超过 {n} 条"),
        }
    }
}

/// The `id` of an item object that failed to parse, when it has a string one.
fn item_id(src: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Id {
        id: Option<String>,
    }
    let id = serde_json::from_str::<Id>(src).ok()?.id?;
    // A hostile id must not flood the log: the first 64 characters name it well enough.
    Some(if id.chars().count() > 64 { format!("{}…", id.chars().take(64).collect::<String>()) } else { id })
}

/// Parses a feed body. `origin` names it in diagnostics (URL or file).
pub(crate) fn parse(origin: &Path, body: &[u8], max_body: u64, max_items: usize, limits: &Limits) -> Result<Feed, FeedError> {
    if body.len() as u64 > max_body {
        return Err(FeedError::TooLarge { limit: max_body });
    }
    let text = self::text(origin, body)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = FeedSeed { max_items }.deserialize(&mut de).and_then(|r| de.end().map(|_| r)).map_err(|e| {
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        if msg.starts_with(TOO_MANY) { FeedError::TooManyItems(max_items) } else { FeedError::Malformed { line: e.line(), col: e.column(), msg } }
    })?;
    let schema = raw.schema.ok_or(FeedError::Missing("schema"))?;
    if schema != SCHEMA {
        return Err(FeedError::Schema(schema));
    }
    let sequence = raw.sequence.ok_or(FeedError::Missing("sequence"))?;
    let generated_at = raw.generated_at.ok_or(FeedError::Missing("generated_at"))?.0;
    let raw_items = raw.items.ok_or(FeedError::Missing("items"))?;

    let mut problems: Vec<Diag> = raw.unknown.iter().map(|(k, ptr)| unknown_top(origin, text, k, ptr - text.as_ptr() as usize)).collect();
    let mut by_id: BTreeMap<String, Arc<Item>> = BTreeMap::new();
    for (n, r) in raw_items.into_iter().enumerate() {
        let src = r.get();
        let offset = src.as_ptr() as usize - text.as_ptr() as usize;
        // Positions are relative to the item's text: move them to where it sits in the feed.
        let (bl, bc) = line_col(text, offset);
        let relocate = |mut d: Diag| {
            if d.line == 0 {
                (d.line, d.col) = (bl, bc);
            } else {
                if d.line == 1 {
                    d.col += bc - 1;
                }
                d.line += bl - 1;
            }
            d
        };
        match parse_item(origin, src, Format::Json, limits) {
            Ok(item) => {
                for mut d in unknown_keys(origin, src, Format::Json).into_iter().map(relocate) {
                    d.zh = format!("第 {} 个条目：{}；已忽略（可能来自更新的格式版本，若是拼写错误请平台改正）", n + 1, d.zh);
                    d.en = format!("item #{}: {}; ignored (a newer format may add it; if it is a typo the platform should fix it)", n + 1, d.en);
                    problems.push(d.warning());
                }
                problems.extend(item_warnings(&item, origin, src, Format::Json).into_iter().map(relocate));
                if let Some(other) = by_id.get(&item.id) {
                    problems.push(
                        Diag::at(
                            origin,
                            text,
                            offset,
                            format!("条目 id“{}”重复，使用修订号更高的那个", item.id),
                            format!("item id `{}` appears twice; the higher revision is used", item.id),
                        )
                        .warning(),
                    );
                    if other.revision >= item.revision {
                        continue;
                    }
                }
                by_id.insert(item.id.clone(), Arc::new(item));
            }
            Err(diags) => {
                // Name the item by its id too when the object has one, not only by its position.
                let named = item_id(src).map_or(String::new(), |id| format!(" (id {id:?})"));
                for mut d in diags.into_iter().map(relocate) {
                    d.zh = format!("第 {} 个条目{named}已跳过：{}", n + 1, d.zh);
                    d.en = format!("item #{}{named} skipped: {}", n + 1, d.en);
                    problems.push(d);
                }
            }
        }
    }
    Ok(Feed { sequence, generated_at, items: by_id.into_values().collect(), problems })
}

/// The feed's text without a byte-order mark; a feed in another encoding is refused with
/// where and how to fix it (the one decoder, `fsutil::decode_text`).
pub(crate) fn text<'b>(origin: &Path, body: &'b [u8]) -> Result<&'b str, FeedError> {
    crate::fsutil::decode_text(origin, body).map_err(|d| FeedError::NotUtf8(Box::new(d)))
}

/// A top-level key this version does not read: a warning at the key (`value_at` is where its value starts).
fn unknown_top(origin: &Path, text: &str, key: &str, value_at: usize) -> Diag {
    let at = text[..value_at].rfind(&format!("\"{key}\"")).unwrap_or(value_at);
    let known = ["schema", "sequence", "generated_at", "items"];
    let (zh, en) = match crate::diag::did_you_mean(key, &known) {
        Some(m) => (format!("，是不是想写“{m}”？"), format!("; did you mean `{m}`?")),
        None => (String::new(), String::new()),
    };
    Diag::at(
        origin,
        text,
        at,
        format!("信息源有本程序不认识的键“{key}”{zh}已忽略（可能来自更新的格式版本）"),
        format!("the feed has key `{key}`, which this version does not read{en}; ignored (a newer format may add it)"),
    )
    .warning()
}

const TOO_MANY: &str = "too many items";

struct RawFeed<'a> {
    schema: Option<String>,
    sequence: Option<u64>,
    generated_at: Option<Instant>,
    items: Option<Vec<&'a RawValue>>,
    /// Keys this version does not read, with the address of their value in the body.
    unknown: Vec<(String, usize)>,
}

/// Reads the top level, refusing an `items` array longer than `max_items` before storing it.
struct FeedSeed {
    max_items: usize,
}

impl<'de> DeserializeSeed<'de> for FeedSeed {
    type Value = RawFeed<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FeedSeed {
    type Value = RawFeed<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a yiping feed object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = RawFeed { schema: None, sequence: None, generated_at: None, items: None, unknown: Vec::new() };
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "schema" if out.schema.is_none() => out.schema = Some(map.next_value()?),
                "sequence" if out.sequence.is_none() => out.sequence = Some(map.next_value()?),
                "generated_at" if out.generated_at.is_none() => out.generated_at = Some(map.next_value()?),
                "items" if out.items.is_none() => out.items = Some(map.next_value_seed(ItemsSeed { max: self.max_items })?),
                k @ ("schema" | "sequence" | "generated_at" | "items") => return Err(de::Error::custom(format!("duplicate field `{k}`"))),
                k => {
                    let k = k.to_string();
                    let v = map.next_value::<&'de RawValue>()?;
                    out.unknown.push((k, v.get().as_ptr() as usize));
                }
            }
        }
        Ok(out)
    }
}

struct ItemsSeed {
    max: usize,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed {
    type Value = Vec<&'de RawValue>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed {
    type Value = Vec<&'de RawValue>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of items")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(self.max));
        while let Some(r) = seq.next_element::<&'de RawValue>()? {
            if out.len() == self.max {
                return Err(de::Error::custom(TOO_MANY));
            }
            out.push(r);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, title: &str) -> String {
        format!(
            r#"{{"id": "{id}", "revision": 1, "category": "finance", "title": "{title}", "status": "approved",
  "approval": {{"by": "镇审核", "at": "2026-11-01T00:00:00+08:00"}},
  "display": {{"from": "2026-11-01T00:00:00+08:00", "until": "2027-01-01T00:00:00+08:00"}}, "future_field": 1}}"#
        )
    }

    fn feed(items: &[String]) -> String {
        format!(
            "{{\"schema\": \"yiping.feed/1\", \"sequence\": 7, \"generated_at\": \"2026-11-27T08:00:00+08:00\", \"publisher\": \"区平台\",\n\"items\": [\n{}\n]}}",
            items.join(",\n")
        )
    }

    fn p(body: &str, max_items: usize) -> Result<Feed, FeedError> {
        parse(Path::new("feed.json"), body.as_bytes(), 1 << 20, max_items, &Limits::default())
    }

    #[test]
    fn a_good_feed_gives_its_items_and_warns_about_unknown_fields_at_their_place() {
        let f = p(&feed(&[item("a", "甲"), item("b", "乙")]), 10).unwrap();
        assert_eq!(f.sequence, 7);
        assert_eq!(f.generated_at, "2026-11-27T00:00:00Z".parse().unwrap());
        assert_eq!(f.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let got: Vec<String> = f.problems.iter().map(ToString::to_string).collect();
        assert!(f.problems.iter().all(|d| !d.is_error()), "{got:#?}");
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(
            got[0].starts_with("feed.json:1:89: 警告 warning: 信息源有本程序不认识的键“publisher”已忽略（可能来自更新的格式版本） / "),
            "{got:#?}"
        );
        assert!(got[1].starts_with("feed.json:5:91: 警告 warning: 第 1 个条目：未知的键“future_field”，"), "{got:#?}");
        assert!(got[1].contains("；已忽略（可能来自更新的格式版本，若是拼写错误请平台改正） / item #1: unknown key `future_field`"), "{got:#?}");
        assert!(got[2].starts_with("feed.json:8:91: 警告 warning: 第 2 个条目："), "{got:#?}");
    }

    #[test]
    fn a_misspelt_top_level_key_is_named_with_the_likely_one() {
        let f = p(&feed(&[]).replace("\"sequence\": 7, ", "\"sequence\": 7, \"sequense\": 8, "), 10).unwrap();
        assert_eq!(f.problems.len(), 2, "{:?}", f.problems);
        assert!(f.problems[0].zh.contains("“sequense”，是不是想写“sequence”？"), "{}", f.problems[0]);
    }

    #[test]
    fn a_bad_item_is_reported_at_its_place_in_the_feed_and_the_rest_stands() {
        let bad = item("c", "丙").replace("\"status\": \"approved\",", "");
        let f = p(&feed(&[item("a", "甲"), bad]), 10).unwrap();
        assert_eq!(f.items.len(), 1);
        let errors: Vec<&Diag> = f.problems.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errors.len(), 1, "{:?}", f.problems);
        let d = errors[0];
        assert_eq!(d.line, 8, "{d}"); // where serde noticed: the end of item #2 (lines 6-8)
        assert!(d.en.contains("item #2 (id \"c\") skipped") && d.en.contains("missing field `status`"), "{d}");
        assert!(d.zh.contains("第 2 个条目 (id \"c\")已跳过"), "{d}");
    }

    #[test]
    fn a_utf8_byte_order_mark_is_accepted() {
        let f = p(&format!("\u{feff}{}", feed(&[item("a", "甲")])), 10).unwrap();
        assert_eq!(f.items.len(), 1);
    }

    #[test]
    fn whole_feed_errors() {
        assert!(matches!(p(&feed(&[item("a", "甲")])[..60], 10), Err(FeedError::Malformed { .. })));
        assert_eq!(p(&feed(&[item("a", "甲")]).replace("feed/1", "feed/2"), 10).unwrap_err(), FeedError::Schema("yiping.feed/2".into()));
        assert_eq!(p(&feed(&[item("a", "甲"), item("b", "乙")]), 1).unwrap_err(), FeedError::TooManyItems(1));
        assert_eq!(p(r#"{"schema": "yiping.feed/1", "items": []}"#, 1).unwrap_err(), FeedError::Missing("sequence"));
        assert!(matches!(p(r#"{"schema": "yiping.feed/1", "schema": "x"}"#, 1), Err(FeedError::Malformed { .. })));
        assert_eq!(parse(Path::new("f"), &[b'{'; 100], 10, 1, &Limits::default()).unwrap_err(), FeedError::TooLarge { limit: 10 });
        let FeedError::NotUtf8(d) = parse(Path::new("f"), b"{\n\"a\xb1\xea", 100, 1, &Limits::default()).unwrap_err() else { panic!() };
        assert_eq!((d.line, d.col), (2, 3));
        assert!(d.zh.starts_with("文件不是 UTF-8 编码，看起来是 GBK/GB18030"), "{d}");
        // A byte-order mark is no error.
        assert!(parse(Path::new("f"), format!("\u{feff}{}", feed(&[])).as_bytes(), 1000, 1, &Limits::default()).is_ok());
    }

    #[test]
    fn a_duplicate_id_keeps_one_item_and_warns() {
        let f = p(&feed(&[item("a", "甲"), item("a", "乙")]), 10).unwrap();
        assert_eq!(f.items.len(), 1);
        assert!(!f.problems[0].is_error());
    }
}
