//! Console sessions: random ids behind an HttpOnly cookie, each with its CSRF token, ending
//! after a spell of disuse or a fixed time after login, whichever comes first.
//!
//! Held in memory only (a restart logs everyone out). Ids are kept as SHA-256 digests, so
//! the table never holds a usable cookie and lookups do not compare secrets byte by byte.
//! Takes `now`; reads no clock.

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;

use super::accounts::Role;

/// Sessions held at once; the least recently used goes first beyond this.
pub(crate) const MAX_SESSIONS: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Session {
    pub user: String,
    pub role: Role,
    /// Must come back in `X-CSRF-Token` on every request that changes something.
    pub csrf: String,
    pub created: Timestamp,
    pub last: Timestamp,
}

pub(crate) struct Sessions {
    map: HashMap<String, Session>,
    idle: Duration,
    max: Duration,
}

/// 32 random bytes as 64 hex digits.
pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    // The kernel's generator; failing it is not something to serve logins without.
    getrandom::fill(&mut b).expect("the system random number generator works");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn digest(id: &str) -> String {
    format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(id.as_bytes()))
}

impl Sessions {
    pub(crate) fn new(idle: Duration, max: Duration) -> Sessions {
        Sessions { map: HashMap::new(), idle, max }
    }

    /// Starts a session; returns the cookie value (the only copy of the id) and the session.
    pub(crate) fn create(&mut self, user: &str, role: Role, now: Timestamp) -> (String, Session) {
        self.expire(now);
        while self.map.len() >= MAX_SESSIONS {
            let Some(oldest) = self.map.iter().min_by_key(|(_, s)| s.last).map(|(k, _)| k.clone()) else { break };
            self.map.remove(&oldest);
        }
        let id = random_token();
        let s = Session { user: user.to_string(), role, csrf: random_token(), created: now, last: now };
        self.map.insert(digest(&id), s.clone());
        (id, s)
    }

    /// The live session for a cookie value, marked used now.
    pub(crate) fn touch(&mut self, id: &str, now: Timestamp) -> Option<Session> {
        let key = digest(id);
        let s = self.map.get_mut(&key)?;
        if !alive(s, self.idle, self.max, now) {
            self.map.remove(&key);
            return None;
        }
        s.last = now;
        Some(s.clone())
    }

    pub(crate) fn end(&mut self, id: &str) {
        self.map.remove(&digest(id));
    }

    /// Ends every session of an account (deleted, or its role changed).
    pub(crate) fn end_user(&mut self, user: &str) {
        self.map.retain(|_, s| s.user != user);
    }

    fn expire(&mut self, now: Timestamp) {
        let (idle, max) = (self.idle, self.max);
        self.map.retain(|_, s| alive(s, idle, max, now));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.len()
    }
}

fn alive(s: &Session, idle: Duration, max: Duration, now: Timestamp) -> bool {
    let since = |t: Timestamp| now.duration_since(t).as_secs().max(0) as u64;
    // A clock set back must not make a session immortal.
    now >= s.created && since(s.last) < idle.as_secs() && since(s.created) < max.as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_session_ends_after_disuse_or_its_maximum_age() {
        let mut s = Sessions::new(Duration::from_secs(1800), Duration::from_secs(3 * 3600));
        let (id, made) = s.create("张会计", Role::Clerk, t("2026-12-01T01:00:00Z"));
        assert_eq!(id.len(), 64);
        assert_ne!(made.csrf, id);
        assert!(s.touch(&id, t("2026-12-01T01:29:00Z")).is_some());
        assert!(s.touch(&id, t("2026-12-01T01:58:00Z")).is_some(), "use keeps it alive");
        assert!(s.touch(&id, t("2026-12-01T02:29:00Z")).is_none(), "31 min unused");
        assert!(s.touch(&id, t("2026-12-01T02:30:00Z")).is_none(), "gone for good");

        let (id, _) = s.create("张会计", Role::Clerk, t("2026-12-01T01:00:00Z"));
        for m in (20..180).step_by(20) {
            assert!(s.touch(&id, t("2026-12-01T01:00:00Z") + jiff::SignedDuration::from_mins(m)).is_some(), "{m}");
        }
        assert!(s.touch(&id, t("2026-12-01T04:00:00Z")).is_none(), "three hours after login, however busy");
        assert!(s.touch("not-a-session", t("2026-12-01T01:00:00Z")).is_none());
    }

    #[test]
    fn ending_a_user_ends_all_their_sessions_and_the_table_stays_bounded() {
        let now = t("2026-12-01T01:00:00Z");
        let mut s = Sessions::new(Duration::from_secs(1800), Duration::from_secs(3600));
        let (a, _) = s.create("a", Role::Clerk, now);
        let (b, _) = s.create("b", Role::Admin, now);
        s.end_user("a");
        assert!(s.touch(&a, now).is_none());
        assert!(s.touch(&b, now).is_some());
        for _ in 0..MAX_SESSIONS + 10 {
            s.create("x", Role::Viewer, now);
        }
        assert_eq!(s.len(), MAX_SESSIONS);
    }
}
