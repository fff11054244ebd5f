//! `[evidence]` (the play log) and `[status]` (the HTTP status endpoint) tables.
//!
//! Pure reading and validation: opens no file and binds no socket. The rule
//! that a status endpoint reachable from other machines needs a token is
//! enforced here, so a daemon never starts exposed by mistake.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::tomlread::Table;

#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceConfig {
    /// Where the hash-chained JSON Lines files go.
    pub dir: PathBuf,
    /// A file is rotated beyond this many bytes (and at every local midnight).
    pub rotate_bytes: u64,
}

impl EvidenceConfig {
    pub fn default_for(state_dir: &Path) -> EvidenceConfig {
        EvidenceConfig { dir: state_dir.join("evidence"), rotate_bytes: 16 << 20 }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusConfig {
    pub listen: SocketAddr,
    /// Required (as `Authorization: Bearer <token>`) on every request when set.
    pub token: Option<String>,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8480";

/// Reads `[evidence]`; absent means the defaults under `state_dir`.
pub fn parse_evidence(t: Option<Table<'_, '_>>, state_dir: &Path, rel: &dyn Fn(PathBuf) -> PathBuf) -> EvidenceConfig {
    let mut c = EvidenceConfig::default_for(state_dir);
    if let Some(mut t) = t {
        if let Some(d) = t.opt::<PathBuf>("dir") {
            c.dir = rel(d);
        }
        if let Some(mb) = t.int_in("rotate_mb", 1..=4096, Some(16)) {
            c.rotate_bytes = mb as u64 * 1024 * 1024;
        }
        t.finish();
    }
    c
}

/// Reads `[status]`; the endpoint runs only when the table is present.
pub fn parse_status(mut t: Table<'_, '_>) -> Option<StatusConfig> {
    let listen_s: String = t.or("listen", DEFAULT_LISTEN.to_string());
    let token: Option<String> = t.opt("token");
    let listen = match listen_s.parse::<SocketAddr>() {
        Ok(a) => Some(a),
        Err(_) => {
            t.file.error(
                t.pos("listen"),
                format!("无法识别的监听地址“{listen_s}”（应为 地址:端口，如 127.0.0.1:8480）"),
                format!("cannot read listen address `{listen_s}` (use address:port, e.g. 127.0.0.1:8480)"),
            );
            None
        }
    };
    if let Some(tok) = &token
        && (tok.len() < 16 || tok.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        t.file.error(
            t.pos("token"),
            "状态接口令牌至少 16 个字符，且不能含空白",
            "status token must be at least 16 characters with no whitespace (e.g. the output of `openssl rand -hex 16`)",
        );
    }
    if let Some(a) = listen
        && !a.ip().is_loopback()
        && token.is_none()
    {
        t.file.error(
            t.pos("listen"),
            format!("状态接口监听 {a}，其他机器可以访问：必须设置 token"),
            format!("status endpoint on {a} is reachable from other machines: set `token` (or listen on 127.0.0.1)"),
        );
    }
    t.finish();
    Some(StatusConfig { listen: listen?, token })
}
