//! Integration tests: one binary so the suite links once.

mod cli;
mod daemon;
mod evidence;
mod frames;
mod status;
mod support;
