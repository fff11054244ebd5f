//! What a verified district command may do to this daemon: poll the sources now,
//! reload the configuration, and keep or withdraw urgent items (`fleet::Actions`).
//!
//! Urgent items are files in `<state_dir>/fleet/urgent/`, read by a folder source
//! named `fleet` that the daemon adds when `[fleet]` is configured: they survive
//! a restart, pass the same parsing, approval and window checks as any item, and
//! leave the screen when their file goes. Nothing here draws or talks to the broker.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::watch;

use crate::fleet::Actions;
use crate::fsutil::write_atomic;
use crate::item::parse::{Format, Limits, parse_item};
use crate::item::{Item, Priority};
use crate::sources::SourceConfig;
use crate::sources::folder::FolderConfig;

/// The name of the source that shows the district's urgent items (`fleet/<id>`).
pub(crate) const URGENT_SOURCE: &str = "fleet";

/// Where urgent items are kept.
pub(crate) fn urgent_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("fleet").join("urgent")
}

/// The folder source that shows the kept urgent items (polled each second, and poked at once).
pub(crate) fn urgent_source(state_dir: &Path) -> std::io::Result<SourceConfig> {
    let dir = urgent_dir(state_dir);
    std::fs::create_dir_all(&dir)?;
    Ok(SourceConfig::new(FolderConfig { name: URGENT_SOURCE.into(), path: dir, poll: Duration::from_secs(1) }))
}

/// The daemon's side of the commands.
pub(crate) struct DaemonActions {
    /// Bumped to make every source poll now.
    pub poll_now: watch::Sender<u64>,
    /// Bumped to reload the configuration as SIGHUP does.
    pub reload_now: watch::Sender<u64>,
    pub state_dir: PathBuf,
}

impl Actions for DaemonActions {
    fn refresh(&self) -> Result<String, String> {
        self.poll_now.send_modify(|n| *n += 1);
        let n = self.poll_now.receiver_count();
        Ok(format!("已请求 {n} 个来源立即拉取 / asked {n} source(s) to poll now"))
    }

    fn reload(&self) -> Result<String, String> {
        self.reload_now.send_modify(|n| *n += 1);
        Ok("已请求重新加载配置 / configuration reload requested (the result is recorded as config_reloaded)".into())
    }

    fn urgent(&self, item: &str, now: Timestamp) -> Result<String, String> {
        let it = check_urgent(item, now)?;
        let path = urgent_dir(&self.state_dir).join(format!("{}.json", it.id));
        std::fs::create_dir_all(urgent_dir(&self.state_dir))
            .and_then(|_| write_atomic(&path, item.as_bytes()))
            .map_err(|e| format!("紧急通知无法保存到 {}：{e} / cannot keep the urgent item in {}: {e}", path.display(), path.display()))?;
        self.poll_now.send_modify(|n| *n += 1);
        Ok(format!("紧急通知 {} 已保存，显示至 {} / urgent item {} kept, on screen until {}", it.id, it.display.until.0, it.id, it.display.until.0))
    }

    fn urgent_cancel(&self, id: &str) -> Result<String, String> {
        if !safe_id(id) {
            return Err(format!("编号“{id}”无效 / invalid id `{id}`"));
        }
        let path = urgent_dir(&self.state_dir).join(format!("{id}.json"));
        match std::fs::remove_file(&path) {
            Ok(()) => {
                let _ = crate::fsutil::sync_dir(&urgent_dir(&self.state_dir));
                self.poll_now.send_modify(|n| *n += 1);
                Ok(format!("紧急通知 {id} 已撤下 / urgent item {id} withdrawn"))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!("没有编号为 {id} 的紧急通知 / no urgent item {id}")),
            Err(e) => Err(format!("无法删除 {}：{e} / cannot remove {}: {e}", path.display(), path.display())),
        }
    }
}

/// An item fit to be kept as urgent: it parses as any item does, is urgent, has a safe id and has not ended.
fn check_urgent(src: &str, now: Timestamp) -> Result<Item, String> {
    let it = parse_item(Path::new("urgent.json"), src, Format::Json, &Limits::default()).map_err(|d| {
        let first = d.first().map(|d| d.en.clone()).unwrap_or_default();
        format!("紧急通知格式有误 / the urgent item does not parse: {first}")
    })?;
    if it.priority != Priority::Urgent {
        return Err("紧急通知须写 \"priority\": \"urgent\" / the item must say \"priority\": \"urgent\"".into());
    }
    if !safe_id(&it.id) {
        return Err(format!("编号“{}”只能用字母、数字、- 和 _ / id `{}` may only use letters, digits, - and _", it.id, it.id));
    }
    if it.display.until.0 <= now {
        return Err(format!("紧急通知已于 {} 结束 / the urgent item already ended at {}", it.display.until.0, it.display.until.0));
    }
    Ok(it)
}

fn safe_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urgent(id: &str, priority: &str, until: &str) -> String {
        format!(
            r#"{{"id": "{id}", "revision": 1, "category": "notice", "title": "停水通知", "body": ["今天停水"], "status": "approved",
 "approval": {{"by": "村委会", "at": "2026-11-01T00:00:00+08:00"}}, "priority": "{priority}",
 "display": {{"from": "2026-11-01T00:00:00+08:00", "until": "{until}"}}}}"#
        )
    }

    #[test]
    fn urgent_items_are_kept_and_withdrawn_and_bad_ones_refused() {
        let d = tempfile::tempdir().unwrap();
        let (poll_now, _rx) = watch::channel(0);
        let (reload_now, _r2) = watch::channel(0);
        let a = DaemonActions { poll_now, reload_now, state_dir: d.path().to_path_buf() };
        let now: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        let ok = a.urgent(&urgent("flood-1", "urgent", "2026-12-02T00:00:00+08:00"), now).unwrap();
        assert!(ok.contains("flood-1"), "{ok}");
        assert!(urgent_dir(d.path()).join("flood-1.json").is_file());
        assert_eq!(*_rx.borrow(), 1, "the sources are poked so it shows at once");
        assert!(a.urgent(&urgent("x", "normal", "2026-12-02T00:00:00+08:00"), now).unwrap_err().contains("urgent"));
        assert!(a.urgent(&urgent("../x", "urgent", "2026-12-02T00:00:00+08:00"), now).is_err());
        assert!(a.urgent(&urgent("old", "urgent", "2026-11-02T00:00:00+08:00"), now).unwrap_err().contains("ended"));
        assert!(a.urgent("{not json", now).is_err());
        a.urgent_cancel("flood-1").unwrap();
        assert!(!urgent_dir(d.path()).join("flood-1.json").exists());
        assert!(a.urgent_cancel("flood-1").unwrap_err().contains("no urgent item"));
        assert!(a.urgent_cancel("../../etc").is_err());
    }
}
