//! Source configuration: one `[[sources]]` table each, by `type`.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::tomlread::Table;

#[derive(Debug, Clone, PartialEq)]
pub enum SourceConfig {
    Folder { name: String, path: PathBuf, poll: Duration },
}

impl SourceConfig {
    pub fn name(&self) -> &str {
        match self {
            SourceConfig::Folder { name, .. } => name,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum SourceKind {
    Folder,
}

/// Reads one source table; errors are recorded in the table's file.
pub fn parse_source(t: &mut Table<'_, '_>, rel: &dyn Fn(PathBuf) -> PathBuf) -> Option<SourceConfig> {
    let kind: SourceKind = t.req("type")?;
    let name: Option<String> = t.req("name");
    if let Some(n) = &name
        && (n.is_empty() || n.contains('/'))
    {
        t.file.error(t.pos("name"), "来源名称不能为空，也不能含“/”", "source name must be non-empty and contain no `/`");
        return None;
    }
    match kind {
        SourceKind::Folder => {
            let path: Option<PathBuf> = t.req("path");
            let poll = t.int_in("poll_seconds", 1..=3600, Some(2));
            Some(SourceConfig::Folder { name: name?, path: rel(path?), poll: Duration::from_secs(poll? as u64) })
        }
    }
}
