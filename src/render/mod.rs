//! Turns what the scheduler picked into pixels; pure, no I/O, cannot fail.

pub mod font;
pub mod frame;
pub mod linebreak;

pub use frame::{ColorMode, Frame};
