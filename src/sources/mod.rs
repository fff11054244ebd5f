//! Sources: where items come from. Only sources touch item files or the network.
//!
//! Each source runs as its own task and sends a complete `SourceUpdate`
//! (everything it holds now) whenever its content changes; the store merges.
//! Each kind lives in its own module, owns its config type and implements
//! `Source`; `KINDS` below is the one list of kinds.

pub(crate) mod folder;
pub(crate) mod http;
pub(crate) mod kind;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::Diag;
use crate::item::{Item, SourceHealth};
use crate::tomlread::Table;

pub(crate) use kind::{PollNow, Source, SourceConfig, SourceContext};

/// Reads the rest of a `[[sources]]` table of one kind (`name` already read and checked).
pub(crate) type Parse = fn(&mut Table<'_, '_>, Option<String>, &dyn Fn(PathBuf) -> PathBuf) -> Option<SourceConfig>;

/// Every source kind: its `type` name and its reader. A new kind is one module and one line here.
pub(crate) const KINDS: &[(&str, Parse)] = &[("folder", folder::parse), ("http", http::config::parse)];

/// Reads one `[[sources]]` table by its `type`; errors are recorded in the table's file.
pub(crate) fn parse_source(t: &mut Table<'_, '_>, rel: &dyn Fn(PathBuf) -> PathBuf) -> Option<SourceConfig> {
    let names: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
    let kind = t.choice("type", &names)?;
    let name: Option<String> = t.req("name");
    if let Some(n) = &name
        && (n.is_empty() || n.contains('/'))
    {
        t.file.error(t.pos("name"), "来源名称不能为空，也不能含“/”", "source name must be non-empty and contain no `/`");
        return None;
    }
    (KINDS[kind].1)(t, name, rel)
}

/// Everything one source holds at a moment: a full replacement, never a delta,
/// so a withdrawn item disappears simply by not being listed.
#[derive(Debug, Clone)]
pub struct SourceUpdate {
    pub source: String,
    pub items: Vec<Arc<Item>>,
    /// Files or records that could not be read; their items are skipped.
    pub problems: Vec<Diag>,
    /// Freshness of a network source (None for local folders).
    pub health: Option<SourceHealth>,
    /// Why the source's last read failed (folder unreadable, bad item files, feed
    /// unreachable or rejected); `None` when it worked. The evidence log records
    /// failure spells from this, whatever the kind.
    pub failure: Option<String>,
}

/// Every source read once, without the daemon (for `check` and `preview`), by source name.
pub fn offline_updates(sources: &[SourceConfig], state_dir: &Path) -> BTreeMap<String, SourceUpdate> {
    sources.iter().map(|s| (s.name().to_string(), s.offline(state_dir))).collect()
}
