//! yiping (一屏): shows approved public-disclosure notices on village screens.
//!
//! Data flows one way: `sources` -> `store` -> `schedule` -> `render` -> `sinks`.
//! See ARCHITECTURE.md for the invariants each module keeps.

pub mod render;
pub mod item;
pub mod sinks;
