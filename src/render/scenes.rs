//! A scene in whichever design the screen uses: the LED layout or the HD poster layout.
//!
//! The engine, `preview` and the daemon hold this one type and never ask which it is.

use std::time::Duration;

use jiff::ZonedDateTime as Zoned;

use super::Frame;
use super::poster::{PosterScene, Ticker};
use super::scene::Scene as LedScene;

#[derive(Debug)]
pub enum Scene {
    Led(LedScene),
    Poster(PosterScene),
}

impl Scene {
    /// Characters no font has (drawn as replacement boxes); callers log them.
    pub fn missing(&self) -> &[char] {
        match self {
            Scene::Led(s) => s.missing(),
            Scene::Poster(s) => s.missing(),
        }
    }

    pub fn natural_duration(&self) -> Duration {
        match self {
            Scene::Led(s) => s.natural_duration(),
            Scene::Poster(s) => s.natural_duration(),
        }
    }

    pub fn page_count(&self) -> usize {
        match self {
            Scene::Led(s) => s.page_count(),
            Scene::Poster(s) => s.page_count(),
        }
    }

    pub fn page_texts(&self) -> Vec<String> {
        match self {
            Scene::Led(s) => s.page_texts(),
            Scene::Poster(s) => s.page_texts(),
        }
    }

    /// Draws the scene `elapsed` into its slot; `now` is local time for the clock.
    pub fn draw(&self, f: &mut Frame, elapsed: Duration, now: &Zoned) {
        self.draw_with(f, elapsed, now, None);
    }

    /// Like `draw`, with the urgent ticker (and how long it has been running) on
    /// designs that have one; the LED design shows urgent items by rotation instead.
    pub fn draw_with(&self, f: &mut Frame, elapsed: Duration, now: &Zoned, ticker: Option<(&Ticker, Duration)>) {
        match self {
            Scene::Led(s) => s.draw(f, elapsed, now),
            Scene::Poster(s) => s.draw(f, elapsed, now, ticker),
        }
    }
}
