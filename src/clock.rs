//! The wall clock as an input: real, shifted to a chosen start (demo, rehearsal, tests), or
//! guarded against a board that boots in 1970. The only place that reads the wall clock.
//!
//! A guarded clock keeps the best *trusted* estimate of the time: the build
//! date, a verified feed's `generated_at`, an HTTPS `Date` header, each
//! advanced by monotonic time since it was learned. While the system clock is
//! earlier than that estimate (no RTC, NTP not yet synced) `now()` returns the
//! estimate instead, so items are neither started nor expired by a wrong clock.
//! A learned time moves the estimate forward only *from an implausible system
//! clock*: while the system clock is plausible it is the authority, and a
//! claimed time never runs ahead of it (a signed feed dated 2099 cannot take
//! the clock to 2099). It must never read anything but the system and monotonic clocks.

use std::fmt;
use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};
use tracing::{info, warn};

/// How far the system clock may lag the trusted estimate before it is called implausible
/// (HTTP dates have one-second resolution; servers' clocks drift a little).
pub(crate) const SLACK: SignedDuration = SignedDuration::from_secs(120);

/// How far a claimed time (a feed's `generated_at`) may run ahead of the trusted time before the
/// claim is refused as coming from the future (the platform's and the box's clocks may differ a little).
pub(crate) const FUTURE_SKEW: SignedDuration = SignedDuration::from_secs(600);

/// When this binary was built (embedded by build.rs): the time is certainly not earlier.
pub(crate) fn build_time() -> Timestamp {
    let secs: i64 = env!("YIPING_BUILD_EPOCH").parse().unwrap_or(0);
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Where `now` comes from. Code below the daemon never reads the clock itself.
#[derive(Debug, Clone)]
pub enum Clock {
    /// The system clock, taken as it is.
    System,
    /// Starts at `at` and runs at real speed (tokio time, so tests can pause and advance it).
    Shifted { at: Timestamp, base: tokio::time::Instant },
    /// The system clock, never earlier than the best trusted estimate.
    Guarded(Arc<Guard>),
}

/// State of a guarded clock: the system-time reader and the trusted estimate.
pub struct Guard {
    system: Box<dyn Fn() -> Timestamp + Send + Sync>,
    state: Mutex<Estimate>,
}

struct Estimate {
    /// A time known to have passed at `learned`.
    anchor: Timestamp,
    learned: tokio::time::Instant,
    basis: String,
    /// Whether the last reading found the system clock implausible (logs once per spell).
    implausible: bool,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("Guard").field("anchor", &s.anchor).field("basis", &s.basis).finish()
    }
}

impl Clock {
    /// A clock that reads `at` now and advances with tokio's clock. Call inside a runtime.
    pub fn starting_at(at: Timestamp) -> Clock {
        Clock::Shifted { at, base: tokio::time::Instant::now() }
    }

    /// The system clock guarded by the build time and whatever trusted times are learned later.
    pub fn guarded() -> Clock {
        Clock::guarded_by(Timestamp::now, build_time())
    }

    /// A guarded clock over any system-time reader (tests use a fake one), starting from `floor`.
    pub fn guarded_by(system: impl Fn() -> Timestamp + Send + Sync + 'static, floor: Timestamp) -> Clock {
        let state = Estimate { anchor: floor, learned: tokio::time::Instant::now(), basis: "build time".into(), implausible: false };
        Clock::Guarded(Arc::new(Guard { system: Box::new(system), state: Mutex::new(state) }))
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Shifted { at, base } => advance(*at, *base),
            Clock::Guarded(g) => g.read().0,
        }
    }

    /// Whether `now()` is real time that evidence can rely on: false while the
    /// guarded clock is held at a trusted estimate, and for a shifted clock
    /// (`--at` rehearsals and the demo), whose times are made up.
    pub fn trusted(&self) -> bool {
        match self {
            Clock::System => true,
            Clock::Shifted { .. } => false,
            Clock::Guarded(g) => g.read().1,
        }
    }

    /// The time a claimed time (a feed's `generated_at`) is judged against, or `None` when
    /// there is nothing to judge by: a guarded clock whose system clock is implausible
    /// only has estimates that such claims are meant to correct. A shifted clock judges by
    /// the time it was shifted to (a rehearsal judges as on that day).
    pub fn judge(&self) -> Option<Timestamp> {
        match self {
            Clock::System => Some(Timestamp::now()),
            Clock::Shifted { at, base } => Some(advance(*at, *base)),
            Clock::Guarded(g) => {
                let (t, trusted) = g.read();
                trusted.then_some(t)
            }
        }
    }

    /// Records a time known to have passed (a verified feed's `generated_at`, an HTTPS `Date`).
    /// Only moves the estimate forward, and only as far as the system clock while that is
    /// plausible: a claim can correct a clock that is behind, never overrule a good one.
    /// A no-op for unguarded clocks.
    pub fn learn(&self, at: Timestamp, basis: &str) {
        let Clock::Guarded(g) = self else { return };
        let sys = (g.system)();
        let mut s = g.state.lock().unwrap_or_else(|e| e.into_inner());
        let estimate = advance(s.anchor, s.learned);
        let plausible = sys.checked_add(SLACK).unwrap_or(Timestamp::MAX) >= estimate;
        let to = if plausible { at.min(sys) } else { at };
        if plausible && at > sys.checked_add(FUTURE_SKEW).unwrap_or(Timestamp::MAX) {
            warn!(claimed = %at, system = %sys, basis = %basis, "a time ahead of the plausible system clock is not believed; the clock stays");
        }
        if to > estimate {
            s.anchor = to;
            s.learned = tokio::time::Instant::now();
            s.basis = basis.to_string();
        }
    }
}

/// How far `claimed` runs ahead of `now` when that is more than [`FUTURE_SKEW`] (a claim from the future).
pub(crate) fn ahead(claimed: Timestamp, now: Timestamp) -> Option<SignedDuration> {
    let d = claimed.duration_since(now);
    (d > FUTURE_SKEW).then_some(d)
}

impl Guard {
    /// The time to use and whether it is the system's.
    fn read(&self) -> (Timestamp, bool) {
        let sys = (self.system)();
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let estimate = advance(s.anchor, s.learned);
        let plausible = sys.checked_add(SLACK).unwrap_or(Timestamp::MAX) >= estimate;
        if plausible == s.implausible {
            s.implausible = !plausible;
            if plausible {
                info!(system = %sys, "system clock is plausible again; following it");
            } else {
                warn!(system = %sys, using = %estimate, basis = %s.basis, "system clock is earlier than the trusted time; items are started and expired by the trusted estimate until it is set (NTP)");
            }
        }
        if plausible { (sys, true) } else { (estimate, false) }
    }
}

fn advance(at: Timestamp, base: tokio::time::Instant) -> Timestamp {
    let d = SignedDuration::try_from(base.elapsed()).unwrap_or(SignedDuration::MAX);
    at.checked_add(d).unwrap_or(Timestamp::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    fn fake(start: &str) -> (Arc<AtomicI64>, impl Fn() -> Timestamp + Send + Sync + 'static) {
        let secs = Arc::new(AtomicI64::new(start.parse::<Timestamp>().unwrap().as_second()));
        let s = Arc::clone(&secs);
        (secs, move || Timestamp::from_second(s.load(Ordering::SeqCst)).unwrap())
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_1970_clock_is_held_at_the_build_time_advanced_by_monotonic_time() {
        let (_sys, read) = fake("1970-01-01T00:00:05Z");
        let c = Clock::guarded_by(read, at("2026-11-01T00:00:00Z"));
        assert!(!c.trusted());
        assert_eq!(c.now(), at("2026-11-01T00:00:00Z"));
        tokio::time::advance(Duration::from_secs(90)).await;
        assert_eq!(c.now(), at("2026-11-01T00:01:30Z"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_learned_feed_time_moves_the_estimate_forward_never_back() {
        let (sys, read) = fake("1970-01-01T00:00:05Z");
        let c = Clock::guarded_by(read, at("2026-11-01T00:00:00Z"));
        c.learn(at("2026-12-01T08:00:00Z"), "feed generated_at");
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(c.now(), at("2026-12-01T08:01:00Z"));
        c.learn(at("2026-11-15T00:00:00Z"), "older date");
        assert_eq!(c.now(), at("2026-12-01T08:01:00Z"), "an older time does not pull the estimate back");
        // NTP syncs: the system clock is plausible again and is followed as it is.
        sys.store(at("2026-12-01T08:05:00Z").as_second(), Ordering::SeqCst);
        assert!(c.trusted());
        assert_eq!(c.now(), at("2026-12-01T08:05:00Z"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_system_clock_slightly_behind_the_estimate_is_still_trusted() {
        let (_sys, read) = fake("2026-12-01T07:59:30Z");
        let c = Clock::guarded_by(read, at("2026-11-01T00:00:00Z"));
        c.learn(at("2026-12-01T08:00:00Z"), "https date");
        assert!(c.trusted());
        assert_eq!(c.now(), at("2026-12-01T07:59:30Z"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_clock_set_back_after_boot_is_caught() {
        let (sys, read) = fake("2026-12-01T08:00:00Z");
        let c = Clock::guarded_by(read, at("2026-11-01T00:00:00Z"));
        c.learn(at("2026-12-01T08:00:00Z"), "feed generated_at");
        assert!(c.trusted());
        sys.store(at("2020-01-01T00:00:00Z").as_second(), Ordering::SeqCst);
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(!c.trusted());
        assert_eq!(c.now(), at("2026-12-01T08:00:10Z"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_claimed_time_never_runs_ahead_of_a_plausible_system_clock() {
        let (sys, read) = fake("2026-12-01T08:00:00Z");
        let c = Clock::guarded_by(read, at("2026-11-01T00:00:00Z"));
        c.learn(at("2099-01-01T00:00:00Z"), "feed generated_at");
        assert!(c.trusted());
        assert_eq!(c.now(), at("2026-12-01T08:00:00Z"));
        assert_eq!(c.judge(), Some(at("2026-12-01T08:00:00Z")));
        // The claim did not raise the floor past the system clock: a later, correct system time is followed.
        sys.store(at("2026-12-01T09:00:00Z").as_second(), Ordering::SeqCst);
        assert_eq!(c.now(), at("2026-12-01T09:00:00Z"));
        // But what the plausible clock said is now a floor: a step back of an hour is caught.
        sys.store(at("2026-12-01T07:00:00Z").as_second(), Ordering::SeqCst);
        c.learn(at("2026-12-01T08:30:00Z"), "https date");
        assert!(!c.trusted());
        assert_eq!(c.judge(), None, "an implausible clock judges nothing");
    }

    #[test]
    fn only_claims_beyond_the_skew_are_from_the_future() {
        let now = at("2026-12-01T08:00:00Z");
        assert_eq!(ahead(at("2026-12-01T08:09:59Z"), now), None);
        assert_eq!(ahead(at("2026-12-01T08:10:01Z"), now), Some(SignedDuration::from_secs(601)));
        assert!(ahead(at("2099-01-01T00:00:00Z"), now).is_some());
    }

    #[test]
    fn unguarded_clocks_are_trusted_and_ignore_learned_times() {
        let c = Clock::System;
        c.learn(Timestamp::MAX, "x");
        assert!(c.trusted());
        assert!(c.now() < Timestamp::MAX);
        assert!(build_time() > at("2026-01-01T00:00:00Z"));
    }
}
