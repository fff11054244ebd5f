//! Integration tests: one binary so the suite links once.

mod cli;
mod daemon;
mod deploy;
mod evidence;
mod fbdev;
mod feed;
mod feed_clock;
mod feed_rollback;
mod feed_server;
pub mod frames;
mod poster;
mod schedule;
mod serial;
mod source_status;
mod status;
mod support;
