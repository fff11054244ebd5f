//! Disclosure items: the data model shared by every source (folder now, HTTP feed later).
//!
//! An `Item` is what a source read. It is never shown as such: only a
//! `Showable` (approved, in its window, masked) reaches the scheduler.

pub(crate) mod mask;
pub(crate) mod parse;
pub(crate) mod script;
pub(crate) mod showable;
pub(crate) mod time;

use serde::{Deserialize, Serialize};

pub(crate) use showable::{Catalog, Entry, Showable, ShowableCache, SourceHealth};
pub(crate) use time::Instant;

/// The three kinds of affairs (三务) plus general notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// 党务
    Party,
    /// 村务/居务
    Village,
    /// 财务
    Finance,
    /// 公告
    Notice,
}

impl Category {
    pub const ALL: [Category; 4] = [Category::Party, Category::Village, Category::Finance, Category::Notice];

    /// The label shown on screen.
    pub fn label(self) -> &'static str {
        match self {
            Category::Party => "党务",
            Category::Village => "村务",
            Category::Finance => "财务",
            Category::Notice => "公告",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Category::Party => "party",
            Category::Village => "village",
            Category::Finance => "finance",
            Category::Notice => "notice",
        }
    }
}

/// Review state under the 四议两公开 procedure; only `Approved` may ever be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Approved,
    Pending,
    Rejected,
    Revoked,
}

impl Status {
    /// The word in item files (`approved`), for messages.
    pub fn key(self) -> &'static str {
        match self {
            Status::Approved => "approved",
            Status::Pending => "pending",
            Status::Rejected => "rejected",
            Status::Revoked => "revoked",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    #[default]
    Normal,
    Urgent,
}

/// Column alignment in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Right,
    Center,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub columns: Vec<String>,
    #[serde(default)]
    pub align: Vec<Align>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The alignment of column `i` (left when not given).
    pub fn align_of(&self, i: usize) -> Align {
        self.align.get(i).copied().unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Approval {
    pub by: String,
    pub at: Instant,
}

/// The mandated display window (公示期): shown only while `from <= now < until`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Display {
    pub from: Instant,
    pub until: Instant,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_seconds_per_day: Option<u32>,
}

/// The Mongolian version of an item (`mn`), in Unicode traditional Mongolian script
/// (GB/T 25914, UTN #57). Screens show it before the Chinese; a table's cells are shared.
/// Unknown keys inside are warned about, not refused, so later versions may add some.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MnText {
    pub title: String,
    #[serde(default)]
    pub body: Vec<String>,
}

/// One disclosure item, exactly as a source delivers it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub revision: u64,
    pub category: Category,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    pub title: String,
    #[serde(default)]
    pub body: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<Table>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    pub display: Display,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The Mongolian title and body of a bilingual notice (Inner Mongolia), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mn: Option<MnText>,
}

impl Item {
    /// Every piece of Chinese text an item would put on screen (title, body, table, village),
    /// for coverage checks against the CJK fonts; the Mongolian is in `mn_texts`.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        let table = self.table.iter().flat_map(|t| t.columns.iter().chain(t.rows.iter().flatten()));
        std::iter::once(self.title.as_str())
            .chain(self.body.iter().map(String::as_str))
            .chain(table.map(String::as_str))
            .chain(self.village.iter().map(String::as_str))
    }

    /// The Mongolian text (`mn` title and body), drawn with the Mongolian font.
    pub fn mn_texts(&self) -> impl Iterator<Item = &str> {
        self.mn.iter().flat_map(|m| std::iter::once(m.title.as_str()).chain(m.body.iter().map(String::as_str)))
    }
}
