//! Sources: where items come from. Only sources touch item files or the network.
//!
//! Each source runs as its own task and sends a complete `SourceUpdate`
//! (everything it holds now) whenever its content changes; the store merges.

pub mod folder;
pub mod http;

use std::sync::Arc;

use crate::diag::Diag;
use crate::item::{Item, SourceHealth};

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
}
