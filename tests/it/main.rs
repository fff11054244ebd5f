//! Integration tests: one binary so the suite links once.

mod cli;
mod daemon;
mod frames;
mod serial;
mod support;
