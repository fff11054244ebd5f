//! yiping (一屏): shows approved public-disclosure notices on village screens.
//!
//! Data flows one way: `sources` -> `store` -> `schedule` -> `render` -> `sinks`.
//! See ARCHITECTURE.md for the layers, the invariants each module keeps, and the
//! facade (`api`): every module is private to the crate; `api` re-exports the few
//! items the binary, the integration tests and the benchmarks use.

#![warn(unreachable_pub)]

pub mod api;

mod cli;
mod clock;
mod component;
mod config;
mod console;
mod daemon;
mod demo;
mod diag;
mod engine;
mod evidence;
mod fleet;
mod fsutil;
mod fuzzing;
mod item;
mod mmap;
mod notify;
mod reload;
mod render;
mod schedule;
mod sinks;
mod sources;
mod spell;
mod status;
mod store;
#[cfg(test)]
mod testutil;
mod timeline;
mod tomlread;
