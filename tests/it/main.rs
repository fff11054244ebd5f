//! Integration tests: one binary so the suite links once.

mod browser;
mod clerk;
mod cli;
mod console;
mod daemon;
mod deploy;
mod evidence;
mod fbdev;
mod feed;
mod feed_clock;
mod feed_rollback;
mod feed_server;
mod fleet;
mod fleet_cli;
mod fleet_daemon;
pub mod frames;
mod mongolian;
mod mqtt;
mod poster;
mod report;
mod schedule;
mod serial;
mod serial_replug;
mod source_status;
mod status;
mod support;
mod tidy;
