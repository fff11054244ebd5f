//! The read-only view of an http source's cache, for `check` and `preview`: the
//! feed the daemon would show at start, verified, without the network.
//!
//! Never writes anything: a bad cache is reported here, not moved aside (the daemon does that).

use std::path::Path;

use crate::diag::Diag;
use crate::item::SourceHealth;
use crate::sources::SourceUpdate;

use super::config::HttpSource;
use super::{Policy, accept, cache};

/// What an http source's cache holds, verified, without touching the network or the file.
pub(crate) fn cached_update(h: &HttpSource, state_dir: &Path) -> SourceUpdate {
    let path = cache::path(state_dir, &h.name);
    let mut update = SourceUpdate { source: h.name.clone(), items: Vec::new(), problems: Vec::new(), health: None, failure: None };
    let policy = match Policy::of(h) {
        Ok(p) => p,
        Err(e) => {
            update.problems.push(Diag::file(&path, format!("公钥无效：{e}"), format!("invalid public key: {e}")));
            return update;
        }
    };
    let loaded = cache::read(&path, policy.max_body.saturating_mul(2) + (64 << 10)).map_err(|e| e.to_string()).and_then(|c| match c {
        None => Ok(None),
        Some(c) => accept(&policy, c.feed.as_bytes(), c.signature.as_deref(), None, None).map(|a| Some((a, c))).map_err(|e| e.to_string()),
    });
    match loaded {
        Ok(None) => update.problems.push(
            match cache::last_moved_aside(&path) {
                // The daemon moved a bad cache aside: say which file and why, not just "none yet".
                Some((bad, why)) => {
                    let why = why.unwrap_or_else(|| "reason not recorded; see the daemon's log".into());
                    Diag::file(
                        &bad,
                        format!("缓存的信息源未通过校验，已被移到此文件：{why}；守护进程下次成功获取后会重新缓存；查明原因后可删除此文件"),
                        format!("the cached feed failed verification and was moved aside to this file: {why}; the daemon caches a fresh one at its next successful fetch; delete this file once you know why"),
                    )
                }
                None => Diag::file(
                    &path,
                    "尚无缓存的信息源（守护进程首次成功获取后才有）",
                    "no cached feed yet (written after the daemon's first successful fetch)",
                ),
            }
            .warning(),
        ),
        Ok(Some((a, c))) => {
            update.health = Some(SourceHealth {
                last_success: Some(cache::read_checked(&path).map_or(c.fetched_at, |t| t.max(c.fetched_at))),
                stale_after: h.stale_after,
                generated_at: Some(a.feed.generated_at),
                sequence: Some(a.feed.sequence),
                last_error: None,
                floor: None,
            });
            update.items = a.feed.items;
            update.problems = a.feed.problems;
        }
        Err(e) => update.problems.push(Diag::file(
            &path,
            format!("缓存的信息源未通过校验，守护进程将把它移开：{e}"),
            format!("cached feed fails verification; the daemon will move it aside: {e}"),
        )),
    }
    update
}
