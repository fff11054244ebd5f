//! Integration tests: one binary so the suite links once.

mod cli;
mod daemon;
mod deploy;
mod frames;
mod schedule;
mod support;
