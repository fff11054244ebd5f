//! The `http` source: polls the district feed, verifies it, caches it, and keeps the last good one in force.
//!
//! Task loop: load and re-verify the cache and send it before any network
//! attempt; then poll every `interval` ± `jitter`, conditionally (ETag /
//! Last-Modified), backing off exponentially up to `max_backoff` while
//! failing. A feed is accepted only whole: signature first, then format,
//! then sequence (no rollback, judged against the floor kept in its own
//! file by `floor`, so losing the cache does not reopen it). A rejected or failed fetch never replaces
//! the feed in force. Every accepted feed is sent as a full `SourceUpdate`, so
//! a withdrawn or revoked item leaves the screen within one poll.
//! Errors are logged once per failure spell. Never panics on input.

pub(crate) mod cache;
pub(crate) mod config;
pub(crate) mod feed;
pub(crate) mod fetch;
pub(crate) mod floor;
pub(crate) mod offline;
pub(crate) mod verify;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use crate::clock::Clock;
use crate::diag::Diag;
use crate::item::SourceHealth;
use crate::item::parse::Limits;
use crate::spell::{Backoff, Spell};

use super::SourceUpdate;
pub(crate) use config::HttpSource;
use feed::{Feed, FeedError};
use fetch::{Fetched, Fetcher};
use floor::Seen;
use verify::{Keys, Verified, VerifyError};

/// First wait after a failure; doubles with each further failure up to `max_backoff`.
pub(crate) const FIRST_BACKOFF: Duration = Duration::from_secs(5);

/// A persisted confirmation (304) is rewritten at most this often, to spare the SD card.
const CHECKED_EVERY: Duration = Duration::from_secs(3600);

/// What a feed must pass to be accepted.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Names the feed in diagnostics (its URL, or a file).
    pub origin: PathBuf,
    pub keys: Keys,
    pub require_signature: bool,
    /// Distinct trusted keys whose signatures are needed (1 unless `threshold` is set).
    pub threshold: usize,
    pub max_body: u64,
    pub max_items: usize,
    pub limits: Limits,
}

impl Policy {
    pub fn of(cfg: &HttpSource) -> Result<Policy, String> {
        Ok(Policy {
            origin: PathBuf::from(&cfg.url),
            keys: Keys::new(&cfg.public_keys)?,
            require_signature: cfg.require_signature,
            threshold: cfg.threshold,
            max_body: cfg.max_body_bytes,
            max_items: cfg.max_items,
            limits: Limits::default(),
        })
    }
}

/// A feed that passed every check, with the exact bytes that were signed.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub feed: Feed,
    pub body: Arc<str>,
    pub signature: Option<String>,
    pub verified: Option<Verified>,
}

/// Why a fetched (or cached) feed is refused as a whole.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Rejection {
    #[error("{0}")]
    Feed(#[from] FeedError),
    #[error("{0}")]
    Signature(#[from] VerifyError),
    #[error("sequence {got} is lower than the accepted {have}: a rollback or replay")]
    Rollback { got: u64, have: u64 },
    #[error("sequence {0} was already accepted with different content; a new publication needs a higher sequence")]
    Reused(u64),
    #[error(
        "feed from the future: generated_at {generated_at} is {}s ahead of this box's trusted time {now} (more than {}s); if the box's clock is wrong set it (NTP), otherwise the platform's clock is wrong",
        ahead.as_secs(), crate::clock::FUTURE_SKEW.as_secs()
    )]
    FromFuture { generated_at: Timestamp, now: Timestamp, ahead: jiff::SignedDuration },
}

impl Rejection {
    pub fn zh(&self) -> String {
        match self {
            Rejection::Feed(e) => e.zh(),
            Rejection::Signature(e) => e.zh().to_string(),
            Rejection::Rollback { got, have } => format!("序号 {got} 低于已接受的 {have}（回滚或重放）"),
            Rejection::Reused(s) => format!("序号 {s} 已用于不同的内容；新发布须使用更大的序号"),
            Rejection::FromFuture { generated_at, now, ahead } => format!(
                "来自未来的数据源：generated_at {generated_at} 比本机可信时间 {now} 超前 {} 秒（超过 {} 秒）；若本机时钟有误请校准（NTP），否则是平台时钟有误",
                ahead.as_secs(),
                crate::clock::FUTURE_SKEW.as_secs()
            ),
        }
    }
}

/// Checks a feed: size, signature (before anything else reads it), format, date against the
/// trusted time `judge` (`Clock::judge`; none while the clock itself is in doubt), then sequence against
/// `last` (the highest publication accepted before).
pub fn accept(policy: &Policy, body: &[u8], signature: Option<&str>, judge: Option<Timestamp>, last: Option<&Seen>) -> Result<Accepted, Rejection> {
    if body.len() as u64 > policy.max_body {
        return Err(FeedError::TooLarge { limit: policy.max_body }.into());
    }
    let verified = match signature {
        Some(sig) if !policy.keys.is_empty() => Some(policy.keys.verify_n(body, sig, policy.threshold)?),
        _ if policy.require_signature => return Err(VerifyError::Missing.into()),
        _ => None,
    };
    let feed = feed::parse(&policy.origin, body, policy.max_body, policy.max_items, &policy.limits)?;
    // Kept byte for byte as signed (with any byte-order mark), for the cache; `feed::text`
    // (inside `parse`) has refused a body that is not UTF-8, so nothing is replaced here.
    feed::text(&policy.origin, body)?;
    let text: Arc<str> = Arc::from(String::from_utf8_lossy(body));
    if let Some(now) = judge
        && let Some(ahead) = crate::clock::ahead(feed.generated_at, now)
    {
        return Err(Rejection::FromFuture { generated_at: feed.generated_at, now, ahead });
    }
    if let Some(have) = last {
        if feed.sequence < have.sequence {
            return Err(Rejection::Rollback { got: feed.sequence, have: have.sequence });
        }
        if feed.sequence == have.sequence && Seen::of(feed.sequence, body).sha256 != have.sha256 {
            return Err(Rejection::Reused(have.sequence));
        }
    }
    Ok(Accepted { feed, body: text, signature: signature.map(str::to_string), verified })
}

/// What the cache held at start.
#[derive(Debug)]
pub(crate) enum CacheLoad {
    None,
    Loaded {
        accepted: Box<Accepted>,
        cached: cache::Cached,
        confirmed: Option<Timestamp>,
    },
    /// Unreadable or failing verification: moved aside (when it could be) and reported.
    Bad {
        why: String,
        moved_to: Option<PathBuf>,
    },
}

/// Reads and re-verifies a source's cache (blocking file I/O); a bad one (from the future by the
/// trusted time `judge`, or older than the rollback floor `last`) is moved aside.
pub(crate) fn load_cache(path: &Path, policy: &Policy, now: Timestamp, judge: Option<Timestamp>, last: Option<&Seen>) -> CacheLoad {
    let removed = cache::clean_temps(path);
    if removed > 0 {
        info!(cache = %path.display(), files = removed, "removed temp files left by an interrupted cache write");
    }
    let result = match cache::read(path, policy.max_body.saturating_mul(2) + (64 << 10)) {
        Ok(None) => return CacheLoad::None,
        Ok(Some(c)) => accept(policy, c.feed.as_bytes(), c.signature.as_deref(), judge, last).map(|a| (a, c)).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok((a, c)) => {
            let confirmed = cache::read_checked(path);
            CacheLoad::Loaded { accepted: Box::new(a), cached: c, confirmed }
        }
        Err(why) => {
            let moved_to = cache::move_aside(path, now, &why).ok();
            CacheLoad::Bad { why, moved_to }
        }
    }
}

/// How a poll went.
#[derive(Debug, Clone, PartialEq)]
pub enum Polled {
    /// A new feed is in force.
    Changed,
    /// The feed in force is still current (304, or the same publication again).
    Confirmed,
    /// Nothing changed; the feed in force stays.
    Failed(String),
}

/// One http source's state between polls.
pub struct HttpFeed {
    cfg: HttpSource,
    policy: Policy,
    fetcher: Fetcher,
    cache_path: PathBuf,
    floor_path: PathBuf,
    clock: Clock,
    current: Option<Accepted>,
    /// The highest publication ever accepted (from the floor file, the cache, or a fetch).
    floor: Option<Seen>,
    etag: Option<String>,
    last_modified: Option<String>,
    last_success: Option<Timestamp>,
    /// When a confirmation was last persisted.
    persisted: Option<Timestamp>,
    last_error: Option<String>,
    /// Failed polls are logged once per spell (with reminders).
    spell: Spell,
    /// While failing: waits from `FIRST_BACKOFF` doubling up to `max_backoff`.
    backoff: Backoff,
    /// The wait the last failure asked for.
    retry_in: Duration,
    /// Problems outside the feed (a cache moved aside), reported until a feed is accepted.
    notes: Vec<Diag>,
}

impl HttpFeed {
    pub fn new(cfg: &HttpSource, state_dir: &Path, clock: Clock) -> Result<HttpFeed, String> {
        Ok(HttpFeed {
            policy: Policy::of(cfg)?,
            fetcher: Fetcher::new(cfg)?,
            cache_path: cache::path(state_dir, &cfg.name),
            floor_path: floor::path(state_dir, &cfg.name),
            cfg: cfg.clone(),
            clock,
            current: None,
            floor: None,
            etag: None,
            last_modified: None,
            last_success: None,
            persisted: None,
            last_error: None,
            spell: Spell::default_reminder(),
            backoff: Backoff::new(FIRST_BACKOFF, cfg.max_backoff.max(FIRST_BACKOFF)),
            retry_in: FIRST_BACKOFF,
            notes: Vec::new(),
        })
    }

    pub fn cache_path(&self) -> &Path {
        &self.cache_path
    }

    /// Loads the cache; true when there is something to send (content or a problem).
    pub async fn start(&mut self) -> bool {
        self.start_logged(None).await
    }

    /// Like `start`, with the highest acceptance the evidence log recorded for this source:
    /// the floor is the maximum of the floor file, the cache and the log, so losing any one
    /// (or two) of them does not reopen a rollback.
    pub async fn start_logged(&mut self, logged: Option<Seen>) -> bool {
        let name = self.cfg.name.clone();
        let floor_path = self.floor_path.clone();
        match tokio::task::spawn_blocking(move || floor::read(&floor_path)).await.unwrap_or_else(|e| Err(e.to_string())) {
            Ok(f) => {
                let behind = logged.as_ref().is_some_and(|l| f.as_ref().is_none_or(|f| f.sequence < l.sequence));
                self.floor = if behind { logged } else { f };
                if behind {
                    let sequence = self.floor.as_ref().map_or(0, |l| l.sequence);
                    warn!(source = %name, sequence, "rollback floor taken from the evidence log: the floor file is missing or behind it");
                    self.save_floor().await;
                }
            }
            Err(e) => {
                self.floor = logged;
                error!(source = %name, problem = %e, "the rollback floor cannot be read; the cache's and the evidence log's sequences are the floor until a feed is accepted");
                self.notes.push(Diag::file(
                    &self.floor_path,
                    format!("无法读取防回滚记录（已接受的最高序号）：{e}；在接受新的信息源之前以缓存的序号为准"),
                    format!("cannot read the rollback floor (highest accepted sequence): {e}; the cache's sequence is used until a feed is accepted"),
                ));
            }
        }
        let (path, policy, now, judge, last) =
            (self.cache_path.clone(), self.policy.clone(), self.clock.now(), self.clock.judge(), self.floor.clone());
        let load = tokio::task::spawn_blocking(move || load_cache(&path, &policy, now, judge, last.as_ref())).await.unwrap_or(CacheLoad::None);
        let name = &self.cfg.name;
        match load {
            CacheLoad::None => {
                info!(source = %name, cache = %self.cache_path.display(), "no cached feed yet");
                false
            }
            CacheLoad::Loaded { accepted, cached, confirmed } => {
                let a = *accepted;
                info!(source = %name, sequence = a.feed.sequence, generated_at = %a.feed.generated_at, items = a.feed.items.len(), fetched_at = %cached.fetched_at, "cached feed verified; shown until the network answers");
                self.clock.learn(a.feed.generated_at, "cached feed generated_at");
                self.last_success = Some(confirmed.map_or(cached.fetched_at, |c| c.max(cached.fetched_at)));
                self.persisted = self.last_success;
                self.etag = cached.etag;
                self.last_modified = cached.last_modified;
                let seen = Seen::of(a.feed.sequence, a.body.as_bytes());
                if self.floor.as_ref().is_none_or(|f| f.sequence < seen.sequence) {
                    // The floor file was lost or lags the cache: the cache raises it.
                    self.floor = Some(seen);
                    self.save_floor().await;
                }
                self.current = Some(a);
                true
            }
            CacheLoad::Bad { why, moved_to } => {
                let to = moved_to.as_ref().map_or("(could not be moved)".to_string(), |p| p.display().to_string());
                error!(source = %name, cache = %self.cache_path.display(), moved_to = %to, problem = %why, "cached feed failed verification; moved aside, not used");
                self.notes.push(Diag::file(
                    &self.cache_path,
                    format!("缓存的信息源未通过校验，已移到 {to}，不会使用：{why}"),
                    format!("cached feed failed verification and was moved to {to}; it is not used: {why}"),
                ));
                true
            }
        }
    }

    /// One fetch and its consequences.
    pub async fn poll(&mut self) -> Polled {
        let fetched = self.fetcher.fetch(self.etag.as_deref(), self.last_modified.as_deref()).await;
        let now = self.clock.now();
        match fetched {
            Err(e) => self.failed(e.to_string(), e.zh()),
            Ok(Fetched::NotModified { date }) => {
                self.learn_date(date);
                if self.current.is_none() {
                    // A 304 for nothing held (the cache was lost): ask again unconditionally.
                    self.etag = None;
                    self.last_modified = None;
                    return self.failed("304 without a feed held; fetching in full next time".into(), "未持有内容却收到 304，下次完整获取".into());
                }
                self.confirmed(now).await;
                Polled::Confirmed
            }
            Ok(Fetched::Body { body, signature, etag, last_modified, date }) => {
                self.learn_date(date);
                let (policy, judge, last) = (self.policy.clone(), self.clock.judge(), self.floor.clone());
                let checked = tokio::task::spawn_blocking(move || accept(&policy, &body, signature.as_deref(), judge, last.as_ref())).await;
                let a = match checked {
                    Ok(Ok(a)) => a,
                    Ok(Err(r)) => {
                        let why = format!("feed rejected, the feed in force stays: {r}");
                        return self.failed(why, format!("信息源被拒绝，继续使用原有内容：{}", r.zh()));
                    }
                    Err(e) => return self.failed(format!("feed check failed: {e}"), format!("检查信息源失败：{e}")),
                };
                self.etag = etag;
                self.last_modified = last_modified;
                if self.current.as_ref().is_some_and(|c| c.feed.sequence == a.feed.sequence) {
                    self.confirmed(now).await;
                    return Polled::Confirmed;
                }
                self.clock.learn(a.feed.generated_at, "feed generated_at");
                info!(source = %self.cfg.name, sequence = a.feed.sequence, generated_at = %a.feed.generated_at, items = a.feed.items.len(), problems = a.feed.problems.len(), "feed accepted");
                for p in &a.feed.problems {
                    warn!(source = %self.cfg.name, problem = %p, "item in feed not loaded");
                }
                self.recovered();
                self.last_success = Some(now);
                self.notes.clear();
                self.floor = Some(Seen::of(a.feed.sequence, a.body.as_bytes()));
                self.current = Some(a);
                // The cache first: a crash in between leaves the cache ahead of the floor, and the maximum is taken.
                self.save(now).await;
                self.save_floor().await;
                Polled::Changed
            }
        }
    }

    /// The full update to send: the feed in force (or nothing), its problems and freshness.
    pub fn update(&self) -> SourceUpdate {
        let (items, mut problems) = match &self.current {
            Some(a) => (a.feed.items.clone(), a.feed.problems.clone()),
            None => (Vec::new(), Vec::new()),
        };
        problems.extend(self.notes.iter().cloned());
        SourceUpdate { source: self.cfg.name.clone(), items, problems, health: Some(self.health()), failure: self.last_error.clone() }
    }

    pub fn health(&self) -> SourceHealth {
        SourceHealth {
            last_success: self.last_success,
            stale_after: self.cfg.stale_after,
            generated_at: self.current.as_ref().map(|a| a.feed.generated_at),
            sequence: self.current.as_ref().map(|a| a.feed.sequence),
            last_error: self.last_error.clone(),
            floor: self.floor.as_ref().map(|s| (s.sequence, s.sha256.clone())),
        }
    }

    /// How long to wait before the next poll: the interval when well, exponential backoff while failing; ± jitter.
    pub fn next_delay(&self) -> Duration {
        let base = if self.spell.is_failing() { self.retry_in } else { self.cfg.interval };
        let j = self.cfg.jitter.min(base / 2).as_millis() as u64;
        if j == 0 {
            return base;
        }
        let offset = fastrand::u64(0..=2 * j);
        (base + Duration::from_millis(offset)).saturating_sub(Duration::from_millis(j))
    }

    /// `date` is only set by the fetcher for a response over verified TLS from the configured origin.
    fn learn_date(&self, date: Option<Timestamp>) {
        if let Some(d) = date {
            self.clock.learn(d, "HTTPS Date header");
        }
    }

    async fn confirmed(&mut self, now: Timestamp) {
        self.recovered();
        self.last_success = Some(now);
        debug!(source = %self.cfg.name, "feed unchanged");
        if self.persisted.is_none_or(|p| now.duration_since(p).as_secs_f64() > CHECKED_EVERY.as_secs_f64()) {
            let path = self.cache_path.clone();
            if let Ok(Err(e)) = tokio::task::spawn_blocking(move || cache::write_checked(&path, now)).await {
                warn!(source = %self.cfg.name, error = %e, "cannot record the confirmation time");
            }
            self.persisted = Some(now);
        }
    }

    fn recovered(&mut self) {
        if let Some(r) = self.spell.success(Instant::now()) {
            info!(source = %self.cfg.name, failures = r.failures, lasted = %crate::diag::duration(r.lasted), "feed reachable again");
        }
        self.last_error = None;
        self.backoff.succeed();
    }

    fn failed(&mut self, en: String, zh: String) -> Polled {
        let now = Instant::now();
        self.retry_in = self.backoff.fail(now);
        let failures = self.spell.failures() + 1;
        match self.spell.failure(&en, now) {
            Some(say) => {
                warn!(source = %self.cfg.name, url = %self.cfg.url, failures, repeated = say.repeated, problem = %en, zh = %zh, "feed poll failed; keeping the feed in force")
            }
            None => debug!(source = %self.cfg.name, failures, problem = %en, "feed poll failed again"),
        }
        self.last_error = Some(en.clone());
        Polled::Failed(en)
    }

    async fn save_floor(&self) {
        let Some(seen) = self.floor.clone() else { return };
        let path = self.floor_path.clone();
        match tokio::task::spawn_blocking(move || floor::write(&path, &seen)).await {
            Ok(Ok(())) => debug!(source = %self.cfg.name, floor = %self.floor_path.display(), "rollback floor written"),
            Ok(Err(e)) => {
                error!(source = %self.cfg.name, floor = %self.floor_path.display(), error = %e, "cannot write the rollback floor; the cache alone holds it")
            }
            Err(e) => error!(source = %self.cfg.name, error = %e, "floor writer failed"),
        }
    }

    async fn save(&mut self, now: Timestamp) {
        let Some(a) = &self.current else { return };
        let c = cache::Cached {
            format: cache::FORMAT.into(),
            url: self.cfg.url.clone(),
            fetched_at: now,
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
            signature: a.signature.clone(),
            feed: a.body.to_string(),
        };
        let path = self.cache_path.clone();
        match tokio::task::spawn_blocking(move || cache::write(&path, &c)).await {
            Ok(Ok(())) => {
                self.persisted = Some(now);
                debug!(source = %self.cfg.name, cache = %self.cache_path.display(), "feed cached");
            }
            Ok(Err(e)) => {
                error!(source = %self.cfg.name, cache = %self.cache_path.display(), error = %e, "cannot write the feed cache; the feed is in force but will not survive a restart")
            }
            Err(e) => error!(source = %self.cfg.name, error = %e, "cache writer failed"),
        }
    }
}

/// Runs one http source until cancelled: cache first, then polls.
pub async fn run(cfg: HttpSource, state_dir: PathBuf, clock: Clock, tx: mpsc::Sender<SourceUpdate>, cancel: CancellationToken) {
    run_asked(cfg, state_dir, clock, tx, cancel, crate::sources::PollNow::default(), None).await;
}

/// Like `run`, also polling at once whenever `poll_now` asks (a district `refresh`).
pub(crate) async fn run_asked(
    cfg: HttpSource,
    state_dir: PathBuf,
    clock: Clock,
    tx: mpsc::Sender<SourceUpdate>,
    cancel: CancellationToken,
    mut poll_now: crate::sources::PollNow,
    logged: Option<Seen>,
) {
    let mut feed = match HttpFeed::new(&cfg, &state_dir, clock) {
        Ok(f) => f,
        Err(e) => {
            error!(source = %cfg.name, error = %e, "http source cannot start");
            return;
        }
    };
    let cached = feed.start_logged(logged).await;
    if cached && tx.send(feed.update()).await.is_err() {
        return;
    }
    if feed.current.is_some() && !cfg.jitter.is_zero() {
        // Content is on screen already: spread the first requests of screens that booted together.
        let wait = Duration::from_millis(fastrand::u64(0..=cfg.jitter.as_millis() as u64));
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
    loop {
        let polled = tokio::select! {
            _ = cancel.cancelled() => return,
            p = feed.poll() => p,
        };
        // Every attempt is reported, a repeated failure too: the status counts attempts and shows
        // the latest cause (the log stays once per spell: the spell and the evidence book see to that).
        if tx.send(feed.update()).await.is_err() {
            return;
        }
        let wait = feed.next_delay();
        debug!(source = %cfg.name, ?polled, wait_ms = wait.as_millis() as u64, "next poll");
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
            _ = poll_now.asked() => info!(source = %cfg.name, "polling now, as the district asked"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(max_backoff: Duration) -> HttpSource {
        HttpSource {
            name: "district".into(),
            url: "http://127.0.0.1:9/feed.json".into(),
            interval: Duration::from_secs(60),
            jitter: Duration::ZERO,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_backoff,
            max_body_bytes: 8 << 20,
            max_items: 10_000,
            token: None,
            ca_pem: None,
            public_keys: Vec::new(),
            require_signature: false,
            threshold: 1,
            signature_urls: vec!["{url}.minisig".into()],
            stale_after: Duration::from_secs(86_400),
        }
    }

    #[test]
    fn failing_polls_wait_five_seconds_doubling_up_to_max_backoff_then_the_interval_again() {
        let d = tempfile::tempdir().unwrap();
        let mut f = HttpFeed::new(&source(Duration::from_secs(60)), d.path(), Clock::System).unwrap();
        assert_eq!(f.next_delay(), Duration::from_secs(60));
        let waits: Vec<u64> = (0..6)
            .map(|_| {
                f.failed("connection refused".into(), "连接被拒绝".into());
                f.next_delay().as_secs()
            })
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60]);
        assert_eq!(f.spell.failures(), 6);
        f.recovered();
        assert_eq!(f.next_delay(), Duration::from_secs(60));
        f.failed("timeout".into(), "超时".into());
        assert_eq!(f.next_delay(), FIRST_BACKOFF, "a new spell starts from the first wait");
    }
}
