//! Integration tests: one binary so the suite links once.

mod cli;
mod daemon;
mod feed;
mod feed_server;
mod frames;
mod schedule;
mod serial;
mod support;
