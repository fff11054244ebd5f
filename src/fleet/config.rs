//! `[fleet]`: the box's link to the district's MQTT broker, read field by field with positions.
//!
//! Owned by the fleet component (config only assembles it). Reading is pure
//! apart from the small files it names (password, CA, client certificate,
//! command keys), which are read here so a missing one is reported at its key.
//! Never connects to anything.

use std::path::PathBuf;
use std::time::Duration;

// The positioned TOML reader; it moves to `crate::tomlread` with the config restructure.
use crate::sources::http::verify::key_line;
use crate::tomlread::Table;

/// A credential: never printed in logs or debug output.
#[derive(Clone, PartialEq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Where the broker is.
#[derive(Debug, Clone, PartialEq)]
pub struct Broker {
    /// The URL as written (for logs).
    pub url: String,
    pub host: String,
    pub port: u16,
    /// `mqtts://`: TLS with the system's roots plus `ca_file`.
    pub tls: bool,
}

impl Broker {
    /// Parses `mqtt://host[:port]` or `mqtts://host[:port]` (IPv6 in brackets).
    pub fn parse(url: &str) -> Result<Broker, (String, String)> {
        let bad = |zh: &str, en: &str| (format!("代理地址“{url}”{zh}"), format!("broker `{url}` {en}"));
        let (tls, rest) = if let Some(r) = url.strip_prefix("mqtts://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("mqtt://") {
            (false, r)
        } else {
            return Err(bad("应以 mqtts:// 或 mqtt:// 开头", "must start with mqtts:// or mqtt://"));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') || rest.contains('@') || rest.contains('?') {
            return Err(bad(
                "只能写主机和端口（用户名放在 username，密码放在 password_file）",
                "may only name host and port (put credentials in username and password_file)",
            ));
        }
        let default_port = if tls { 8883 } else { 1883 };
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(|| bad("的 IPv6 地址缺少“]”", "has an IPv6 address without `]`"))?;
            (h.to_string(), after.strip_prefix(':'))
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (rest.to_string(), None),
            }
        };
        let port = match port {
            None => default_port,
            Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| bad("的端口无效", "has an invalid port"))?,
        };
        if host.is_empty() {
            return Err(bad("缺少主机名", "has no host"));
        }
        Ok(Broker { url: url.to_string(), host, port, tls })
    }

    /// Whether the broker is on this machine (plain MQTT is then acceptable).
    pub(crate) fn is_loopback(&self) -> bool {
        self.host == "localhost" || self.host.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback())
    }
}

/// A validated `[fleet]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetConfig {
    pub broker: Broker,
    /// This box's id in topics (default: the host name).
    pub site: String,
    /// Topic root.
    pub prefix: String,
    /// Extra CA certificates (PEM) for the broker's TLS certificate.
    pub ca_pem: Option<Vec<u8>>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// Certificate chain and private key (PEM) for mutual TLS.
    pub client_auth: Option<(Vec<u8>, Secret)>,
    /// minisign public keys (base64 lines) whose signed commands are obeyed.
    pub command_keys: Vec<String>,
    pub status_every: Duration,
    pub head_every: Duration,
    /// Backlog pace: records published per second at most, so a 4G link is not flooded.
    pub records_per_second: u32,
    pub keep_alive: Duration,
}

/// The host name, for the default site.
pub(crate) fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it or truncates.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    let name = if ok { String::from_utf8_lossy(&buf[..end]).into_owned() } else { String::new() };
    if name.is_empty() { "yiping".to_string() } else { name }
}

/// Whether a site or prefix can be one level of a topic: no wildcards, separators or control characters.
pub(crate) fn valid_level(s: &str) -> bool {
    !s.is_empty() && s.chars().count() <= 64 && !s.chars().any(|c| matches!(c, '/' | '+' | '#') || c.is_control() || c.is_whitespace())
}

/// Reads `[fleet]`; problems are recorded in the table's file. `None` when it has errors.
pub(crate) fn parse_fleet(mut t: Table<'_, '_>, rel: &dyn Fn(PathBuf) -> PathBuf) -> Option<FleetConfig> {
    let mut ok = true;
    let broker = t.req::<String>("broker").and_then(|url| match Broker::parse(&url) {
        Ok(b) => Some(b),
        Err((zh, en)) => {
            t.file.error(t.pos("broker"), zh, en);
            None
        }
    });
    if let Some(b) = &broker
        && !b.tls
        && !b.is_loopback()
    {
        t.file.warn(
            t.pos("broker"),
            format!("代理 {} 不在本机却未加密：口令和记录以明文传输；请改用 mqtts://", b.host),
            format!("broker {} is not on this machine but the link is not encrypted: credentials and records travel in clear; use mqtts://", b.host),
        );
    }
    let site: String = t.opt("site").unwrap_or_else(host_name);
    let prefix: String = t.or("prefix", "yiping".to_string());
    for (key, v) in [("site", &site), ("prefix", &prefix)] {
        if !valid_level(v) {
            ok = false;
            t.file.error(
                t.pos(key),
                format!("{key}“{v}”不能为空、不能超过 64 个字符，也不能含 / + # 或空白"),
                format!("{key} `{v}` must be 1-64 characters without / + # or whitespace (it is one level of an MQTT topic)"),
            );
        }
    }
    if site == "all" {
        ok = false;
        t.file.error(
            t.pos("site"),
            "site 不能叫 all（P/all/cmd 是发给所有站点的命令）",
            "site cannot be `all` (P/all/cmd carries commands for every site)",
        );
    }
    let mut read = |t: &mut Table<'_, '_>, key: &str| -> Option<Vec<u8>> {
        let p = rel(t.opt::<PathBuf>(key)?);
        match std::fs::read(&p) {
            Ok(b) => Some(b),
            Err(e) => {
                ok = false;
                t.file.error(t.pos(key), format!("无法读取 {}：{e}", p.display()), format!("cannot read {}: {e}", p.display()));
                None
            }
        }
    };
    let ca_pem = read(&mut t, "ca_file");
    let password = read(&mut t, "password_file").map(|b| Secret(String::from_utf8_lossy(&b).trim_end_matches(['\n', '\r']).to_string()));
    let cert = read(&mut t, "client_cert");
    let key = read(&mut t, "client_key");
    let username: Option<String> = t.opt("username");
    if t.has("password") {
        ok = false;
        t.file.error(
            t.pos("password"),
            "口令不能写在配置里：写进一个只有 yiping 用户能读的文件，用 password_file 指向它",
            "the password does not belong in the config: put it in a file only the yiping user can read and name it with password_file",
        );
    }
    let client_auth = match (cert, key) {
        (Some(c), Some(k)) => Some((c, Secret(String::from_utf8_lossy(&k).into_owned()))),
        (None, None) => None,
        _ => {
            ok = false;
            t.file.error(t.span.start, "client_cert 与 client_key 须同时给出（双向 TLS）", "client_cert and client_key go together (mutual TLS)");
            None
        }
    };
    let mut command_keys = Vec::new();
    for k in t.or::<Vec<String>>("command_keys", Vec::new()) {
        match key_line(&k) {
            Ok(l) => command_keys.push(l),
            Err(e) => {
                ok = false;
                t.file.error(
                    t.pos("command_keys"),
                    format!("command_keys 中有无效的 minisign 公钥：{e}"),
                    format!("invalid minisign public key in command_keys: {e}"),
                );
            }
        }
    }
    for f in t.or::<Vec<PathBuf>>("command_key_files", Vec::new()) {
        let p = rel(f);
        match std::fs::read_to_string(&p).map_err(|e| e.to_string()).and_then(|s| key_line(&s)) {
            Ok(l) => command_keys.push(l),
            Err(e) => {
                ok = false;
                t.file.error(
                    t.pos("command_key_files"),
                    format!("无法读取命令公钥 {}：{e}", p.display()),
                    format!("cannot read command key {}: {e}", p.display()),
                );
            }
        }
    }
    if command_keys.is_empty() {
        t.file.warn(
            t.span.start,
            "没有 command_keys：区里发来的所有命令都会被拒绝（状态和记录照常上报）",
            "no command_keys: every command from the district will be refused (status and records are still reported)",
        );
    }
    let status_every = t.int_in("status_every_seconds", 5..=3600, Some(60));
    let head_every = t.int_in("head_every_seconds", 5..=86_400, Some(300));
    let rate = t.int_in("records_per_second", 1..=10_000, Some(20));
    let keep_alive = t.int_in("keep_alive_seconds", 5..=600, Some(30));
    t.finish();
    if !ok {
        return None;
    }
    Some(FleetConfig {
        broker: broker?,
        site,
        prefix,
        ca_pem,
        username,
        password,
        client_auth,
        command_keys,
        status_every: Duration::from_secs(status_every? as u64),
        head_every: Duration::from_secs(head_every? as u64),
        records_per_second: rate? as u32,
        keep_alive: Duration::from_secs(keep_alive? as u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tomlread::TomlFile;
    use std::path::Path;

    fn load(src: &str, dir: &Path) -> (Option<FleetConfig>, Vec<String>) {
        let (file, root) = TomlFile::parse(&dir.join("yiping.toml"), src);
        let mut top = file.table(&root, "config");
        let base = dir.to_path_buf();
        let rel = move |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        let c = top.sub("fleet").and_then(|t| parse_fleet(t, &rel));
        top.finish();
        (c, file.into_diags().iter().map(|d| d.to_string()).collect())
    }

    #[test]
    fn broker_urls_give_host_port_and_tls() {
        let b = Broker::parse("mqtts://mqtt.example.gov.cn").unwrap();
        assert_eq!((b.host.as_str(), b.port, b.tls, b.is_loopback()), ("mqtt.example.gov.cn", 8883, true, false));
        let b = Broker::parse("mqtt://127.0.0.1:18830").unwrap();
        assert_eq!((b.port, b.tls, b.is_loopback()), (18830, false, true));
        let b = Broker::parse("mqtt://[::1]:1884/").unwrap();
        assert_eq!((b.host.as_str(), b.port, b.is_loopback()), ("::1", 1884, true));
        assert!(Broker::parse("tcp://x").unwrap_err().1.contains("must start with mqtts://"));
        assert!(Broker::parse("mqtt://u:p@x").unwrap_err().1.contains("password_file"));
        assert!(Broker::parse("mqtt://x:0").unwrap_err().1.contains("invalid port"));
    }

    #[test]
    fn a_complete_table_reads_files_relative_to_the_config() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("pw"), "s3cret\n").unwrap();
        std::fs::write(d.path().join("district.pub"), "untrusted comment: k\nRWQNVa/eMpfvzdrTwkDvimoL/JYD7+5bmC+Kzl4MSOj859YTKBMlrMT+\n").unwrap();
        let (c, d2) = load(
            "[fleet]\nbroker = \"mqtt://127.0.0.1:1883\"\nsite = \"qingshan\"\nusername = \"qingshan\"\npassword_file = \"pw\"\ncommand_key_files = [\"district.pub\"]\nstatus_every_seconds = 10\n",
            d.path(),
        );
        let c = c.unwrap_or_else(|| panic!("{d2:#?}"));
        assert_eq!(c.site, "qingshan");
        assert_eq!(c.prefix, "yiping");
        assert_eq!(c.password, Some(Secret("s3cret".into())));
        assert_eq!(format!("{:?}", c.password), "Some(Secret(..))", "never printed");
        assert_eq!(c.command_keys, ["RWQNVa/eMpfvzdrTwkDvimoL/JYD7+5bmC+Kzl4MSOj859YTKBMlrMT+"]);
        assert_eq!(c.status_every, Duration::from_secs(10));
        assert!(d2.is_empty(), "{d2:#?}");
    }

    #[test]
    fn every_mistake_is_reported_with_its_position_in_both_languages() {
        let d = tempfile::tempdir().unwrap();
        let (c, msgs) = load(
            "[fleet]\nbroker = \"mqtt://10.0.0.5\"\nsite = \"a/b\"\npassword = \"x\"\npassword_file = \"missing\"\ncommand_keys = [\"nope\"]\nstatus_every_seconds = 1\ncolour = 1\n",
            d.path(),
        );
        assert!(c.is_none());
        // Chinese first, then the English after " / ".
        for (at, en) in [
            ("yiping.toml:2:10: 警告 warning: ", "broker 10.0.0.5 is not on this machine but the link is not encrypted"),
            ("yiping.toml:3:8: 错误 error: ", "site `a/b` must be 1-64 characters"),
            ("yiping.toml:4:12: 错误 error: ", "the password does not belong in the config"),
            ("yiping.toml:5:17: 错误 error: ", "cannot read"),
            ("yiping.toml:6:16: 错误 error: ", "invalid minisign public key in command_keys"),
            ("yiping.toml:7:24: 错误 error: ", "`status_every_seconds` must be between 5 and 3600"),
            ("yiping.toml:8:1: 错误 error: ", "unknown key `colour` in [fleet]"),
        ] {
            assert!(msgs.iter().any(|m| m.contains(at) && m.contains(en)), "missing {at:?} … {en:?} in {msgs:#?}");
        }
        assert!(msgs.iter().all(|m| m.contains(" / ")), "Chinese too: {msgs:#?}");
    }
}
