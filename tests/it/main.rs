//! Integration tests: one binary so the suite links once.

mod cli;
mod daemon;
mod fbdev;
mod frames;
mod support;
