//! Integration tests: one binary so the suite links once.

mod cli;
mod daemon;
mod fbdev;
pub mod frames;
mod poster;
mod support;
