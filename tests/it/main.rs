//! Integration tests: one binary so the suite links once.

mod clerk;
mod cli;
mod daemon;
mod deploy;
mod evidence;
mod fbdev;
mod feed;
mod feed_server;
pub mod frames;
mod poster;
mod schedule;
mod serial;
mod status;
mod support;
