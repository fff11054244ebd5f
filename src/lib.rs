//! yiping (一屏): shows approved public-disclosure notices on village screens.
//!
//! Data flows one way: `sources` -> `store` -> `schedule` -> `render` -> `sinks`.
//! See ARCHITECTURE.md for the invariants each module keeps.

pub mod cli;
pub mod clock;
pub mod component;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod diag;
pub mod engine;
pub mod evidence;
pub mod fsutil;
pub mod item;
pub mod mmap;
pub mod notify;
pub mod reload;
pub mod render;
pub mod schedule;
pub mod sinks;
pub mod sources;
pub mod spell;
pub mod status;
pub mod store;
#[cfg(test)]
mod testutil;
pub mod timeline;
pub mod tomlread;
