//! A scene in whichever design the screen uses: the LED layout or the HD poster layout.
//!
//! The engine, `preview` and the daemon hold this one type and never ask which
//! it is: every question goes to the design (`design::Design`).

use std::time::Duration;

use jiff::ZonedDateTime as Zoned;

use super::Frame;
use super::design::Design;
use super::led::LedScene;
use super::poster::{PosterScene, Ticker};

// One scene a screen at a time (made per slot), so the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Scene {
    Led(LedScene),
    Poster(PosterScene),
}

impl Scene {
    fn design(&self) -> &dyn Design {
        match self {
            Scene::Led(s) => s,
            Scene::Poster(s) => s,
        }
    }

    /// Characters no font has (drawn as replacement boxes); callers log them.
    pub fn missing(&self) -> &[char] {
        self.design().missing()
    }

    pub fn natural_duration(&self) -> Duration {
        self.design().natural_duration()
    }

    pub fn page_count(&self) -> usize {
        self.design().page_count()
    }

    pub fn page_texts(&self) -> Vec<String> {
        self.design().page_texts()
    }

    /// Draws the scene `elapsed` into its slot; `now` is local time for the clock.
    pub fn draw(&self, f: &mut Frame, elapsed: Duration, now: &Zoned) {
        self.draw_with(f, elapsed, now, None);
    }

    /// Like `draw`, with the urgent ticker (and how long it has been running) on
    /// designs that have one; the LED design shows urgent items by rotation instead.
    pub fn draw_with(&self, f: &mut Frame, elapsed: Duration, now: &Zoned, ticker: Option<(&Ticker, Duration)>) {
        self.design().draw(f, elapsed, now, ticker)
    }
}
