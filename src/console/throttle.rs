//! Login rate limiting: after a few failures within a window, an address or an account name
//! is refused (HTTP 429) until the oldest failure leaves the window.
//!
//! Per account, so one person's password cannot be guessed slowly from many addresses; per
//! address, so one machine cannot try many names. Bounded tables; takes `now`, reads no clock.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// Failures counted over this window.
pub(crate) const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures one account name may have in the window.
pub(crate) const PER_USER: usize = 5;
/// Failures one address may have in the window.
pub(crate) const PER_ADDRESS: usize = 20;
/// Names or addresses remembered at once.
const CAP: usize = 4096;

#[derive(Default)]
pub(crate) struct Throttle {
    users: Failures<String>,
    addrs: Failures<IpAddr>,
}

struct Failures<K> {
    map: HashMap<K, VecDeque<Timestamp>>,
}

impl<K> Default for Failures<K> {
    fn default() -> Self {
        Failures { map: HashMap::new() }
    }
}

impl<K: Hash + Eq + Clone> Failures<K> {
    /// How long until `k` may try again, when it has `limit` failures in the window.
    fn wait(&self, k: &K, limit: usize, now: Timestamp) -> Option<Duration> {
        let q = self.map.get(k)?;
        let recent: Vec<&Timestamp> = q.iter().filter(|t| in_window(**t, now)).collect();
        if recent.len() < limit {
            return None;
        }
        let oldest = **recent.first()?;
        let free_at = oldest + SignedDuration::try_from(WINDOW).unwrap_or_default();
        Some(Duration::from_secs(free_at.duration_since(now).as_secs().max(1) as u64))
    }

    fn add(&mut self, k: &K, now: Timestamp, limit: usize) {
        if self.map.len() >= CAP && !self.map.contains_key(k) {
            self.map.retain(|_, q| q.back().is_some_and(|t| in_window(*t, now)));
            if self.map.len() >= CAP {
                let Some(stale) = self.map.iter().min_by_key(|(_, q)| q.back().copied()).map(|(k, _)| k.clone()) else { return };
                self.map.remove(&stale);
            }
        }
        let q = self.map.entry(k.clone()).or_default();
        q.retain(|t| in_window(*t, now));
        q.push_back(now);
        while q.len() > limit {
            q.pop_front();
        }
    }
}

fn in_window(t: Timestamp, now: Timestamp) -> bool {
    t <= now && now.duration_since(t).as_secs() < WINDOW.as_secs() as i64
}

impl Throttle {
    /// `Some(wait)` when this login attempt must be refused without checking the password.
    pub(crate) fn check(&self, addr: IpAddr, user: &str, now: Timestamp) -> Option<Duration> {
        let a = self.addrs.wait(&addr, PER_ADDRESS, now);
        let u = self.users.wait(&user.to_string(), PER_USER, now);
        a.max(u)
    }

    pub(crate) fn failed(&mut self, addr: IpAddr, user: &str, now: Timestamp) {
        self.addrs.add(&addr, now, PER_ADDRESS);
        self.users.add(&user.to_string(), now, PER_USER);
    }

    /// A good login clears the account's failures (the address keeps its count).
    pub(crate) fn succeeded(&mut self, user: &str) {
        self.users.map.remove(user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(m: i64) -> Timestamp {
        "2026-12-01T01:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_secs(m)
    }

    #[test]
    fn five_failures_lock_the_name_until_the_first_leaves_the_window() {
        let mut th = Throttle::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for i in 0..PER_USER as i64 {
            assert_eq!(th.check(a, "张会计", t(i * 60)), None);
            th.failed(a, "张会计", t(i * 60));
        }
        let wait = th.check(a, "张会计", t(300)).expect("locked");
        assert_eq!(wait, Duration::from_secs(600), "the first failure leaves the window at 15 min");
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(th.check(b, "张会计", t(300)).is_some(), "another address does not help");
        assert_eq!(th.check(a, "李出纳", t(300)), None, "another name is not locked (yet)");
        assert_eq!(th.check(a, "张会计", t(15 * 60)), None, "free again once the first failure is 15 min old");
    }

    #[test]
    fn one_address_is_locked_after_many_names_and_success_clears_only_the_name() {
        let mut th = Throttle::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for i in 0..PER_ADDRESS {
            th.failed(a, &format!("u{i}"), t(0));
        }
        assert!(th.check(a, "new", t(1)).is_some());
        assert!(th.check("192.0.2.9".parse().unwrap(), "new", t(1)).is_none());
        th.succeeded("u1");
        assert!(th.check(a, "u1", t(1)).is_some(), "the address stays locked");
    }
}
