//! yiping (一屏): shows approved public-disclosure notices on village screens.
//!
//! Data flows one way: `sources` -> `store` -> `schedule` -> `render` -> `sinks`.
//! See ARCHITECTURE.md for the invariants each module keeps.

pub mod config;
pub mod diag;
pub mod item;
pub mod render;
pub mod schedule;
pub mod sinks;
pub mod sources;
pub mod store;
pub mod clock;
pub mod daemon;
pub mod engine;
pub mod cli;
pub mod demo;
