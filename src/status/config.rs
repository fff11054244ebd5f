//! `[status]`: where the HTTP status endpoint listens, and its token.
//!
//! Pure reading and validation: binds no socket. The rule that an endpoint
//! reachable from other machines needs a token is enforced here, so a daemon
//! never starts exposed by mistake.

use std::net::SocketAddr;

use crate::tomlread::Table;

#[derive(Debug, Clone, PartialEq)]
pub struct StatusConfig {
    pub listen: SocketAddr,
    /// Required (as `Authorization: Bearer <token>`) on every request when set.
    pub token: Option<String>,
}

pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8480";

/// Reads `[status]`; the endpoint runs only when the table is present.
pub(crate) fn parse_status(mut t: Table<'_, '_>) -> Option<StatusConfig> {
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
