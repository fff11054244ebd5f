//! Sink kinds for the daemon's own tests (never in a release build): one whose
//! thread panics, one whose thread ignores shutdown until the test lets it go.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::tomlread::Table;

use super::{Output, ParseContext, Sink, SinkConfig, SinkLoop, SinkRun};

/// `type = "panic"`: panics as soon as its thread runs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PanicSink;

/// `type = "hang"`: never looks at the shutdown signal; ends when `release_hung` is called.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HangSink;

static RELEASED: AtomicBool = AtomicBool::new(false);

/// Lets every hung test sink end.
pub(crate) fn release_hung() {
    RELEASED.store(true, Ordering::SeqCst);
}

pub(crate) fn parse_panic(_s: &mut Table<'_, '_>, _cx: &ParseContext<'_>) -> Option<SinkConfig> {
    Some(SinkConfig::new(PanicSink))
}

pub(crate) fn parse_hang(_s: &mut Table<'_, '_>, _cx: &ParseContext<'_>) -> Option<SinkConfig> {
    Some(SinkConfig::new(HangSink))
}

impl Sink for PanicSink {
    fn kind(&self) -> &'static str {
        "panic"
    }

    fn start(&self, _screen: &str, _first: &Output) -> std::io::Result<SinkLoop> {
        Ok(Box::new(|r: SinkRun| panic!("test sink of screen {} gave up", r.screen)))
    }
}

impl Sink for HangSink {
    fn kind(&self) -> &'static str {
        "hang"
    }

    fn start(&self, _screen: &str, _first: &Output) -> std::io::Result<SinkLoop> {
        Ok(Box::new(|_r: SinkRun| {
            while !RELEASED.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }))
    }
}
