//! `[console]`: where the operator console listens, its TLS files, its accounts file and
//! how long sessions last.
//!
//! Pure reading and validation apart from reading the two PEM files: binds no socket. The
//! rule that a console reachable from other machines needs TLS is enforced here, so a
//! daemon never serves passwords in clear text by mistake.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::tomlread::Table;

pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8481";

#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleConfig {
    pub listen: SocketAddr,
    /// Certificate chain and key; required beyond loopback.
    pub(crate) tls: Option<TlsFiles>,
    /// Accounts (`yiping user add`): name, role and Argon2id hash, mode 0600.
    pub users_file: PathBuf,
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after login, used or not.
    pub session_max: Duration,
}

/// The PEM files as read when the configuration was loaded.
#[derive(Clone, PartialEq)]
pub(crate) struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The server configuration built from them (ring provider, TLS 1.2 and 1.3, ALPN http/1.1).
    pub server: Arc<ServerConfigEq>,
}

impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never reaches a log line.
        f.debug_struct("TlsFiles").field("cert", &self.cert).field("key", &self.key).finish_non_exhaustive()
    }
}

/// A rustls server configuration compared by the files it came from (rustls has no `PartialEq`).
pub(crate) struct ServerConfigEq {
    pub config: Arc<rustls::ServerConfig>,
    /// The bytes of both files, for comparing two loads of a configuration.
    fingerprint: String,
}

impl PartialEq for ServerConfigEq {
    fn eq(&self, o: &Self) -> bool {
        self.fingerprint == o.fingerprint
    }
}

impl ConsoleConfig {
    pub(crate) fn defaults(state_dir: &Path) -> ConsoleConfig {
        ConsoleConfig {
            listen: DEFAULT_LISTEN.parse().expect("default address"),
            tls: None,
            users_file: state_dir.join("console-users"),
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(12 * 3600),
        }
    }
}

/// Builds the TLS server configuration from PEM bytes: a certificate chain and its private key.
pub(crate) fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<rustls::ServerConfig, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(cert_pem).collect::<Result<_, _>>().map_err(|e| format!("certificate file: {e}"))?;
    if certs.is_empty() {
        return Err("no certificate (-----BEGIN CERTIFICATE-----) in the certificate file".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| format!("key file: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("certificate and key do not fit together: {e}"))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

/// Reads `[console]`; the console runs only when the table is present.
pub(crate) fn parse_console(mut t: Table<'_, '_>, state_dir: &Path, rel: &dyn Fn(PathBuf) -> PathBuf) -> Option<ConsoleConfig> {
    let mut c = ConsoleConfig::defaults(state_dir);
    let listen_s: String = t.or("listen", DEFAULT_LISTEN.to_string());
    let listen = match listen_s.parse::<SocketAddr>() {
        Ok(a) => Some(a),
        Err(_) => {
            t.file.error(
                t.pos("listen"),
                format!("无法识别的监听地址“{listen_s}”（应为 地址:端口，如 127.0.0.1:8481 或 0.0.0.0:8481）"),
                format!("cannot read listen address `{listen_s}` (use address:port, e.g. 127.0.0.1:8481 or 0.0.0.0:8481)"),
            );
            None
        }
    };
    if let Some(p) = t.opt::<PathBuf>("users_file") {
        c.users_file = rel(p);
    }
    if let Some(m) = t.int_in("session_idle_minutes", 5..=1440, Some(30)) {
        c.session_idle = Duration::from_secs(m as u64 * 60);
    }
    if let Some(h) = t.int_in("session_max_hours", 1..=168, Some(12)) {
        c.session_max = Duration::from_secs(h as u64 * 3600);
    }
    let cert: Option<PathBuf> = t.opt("tls_cert");
    let key: Option<PathBuf> = t.opt("tls_key");
    c.tls = match (cert, key) {
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => {
            let at = if t.has("tls_cert") { t.pos("tls_cert") } else { t.pos("tls_key") };
            t.file.error(at, "tls_cert 和 tls_key 必须同时设置", "set both `tls_cert` and `tls_key` (the certificate and its private key, PEM)");
            None
        }
        (Some(cert), Some(key)) => {
            let (cert, key) = (rel(cert), rel(key));
            let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
            match read(&cert).and_then(|cb| read(&key).map(|kb| (cb, kb))).and_then(|(cb, kb)| {
                let fingerprint = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest([cb.as_slice(), kb.as_slice()].concat()));
                server_config(&cb, &kb).map(|s| ServerConfigEq { config: Arc::new(s), fingerprint })
            }) {
                Ok(s) => Some(TlsFiles { cert, key, server: Arc::new(s) }),
                Err(e) => {
                    t.file.error(
                        t.pos("tls_cert"),
                        format!("无法使用 TLS 证书或私钥：{e}（制作方法见操作手册“控制台”一章）"),
                        format!("cannot use the TLS certificate or key: {e} (see the operator guide, chapter console, to make one)"),
                    );
                    None
                }
            }
        }
    };
    if let Some(a) = listen
        && !a.ip().is_loopback()
        && c.tls.is_none()
        && !t.has("tls_cert")
    {
        t.file.error(
            t.pos("listen"),
            format!("控制台监听 {a}，其他机器可以访问：必须设置 tls_cert 和 tls_key（HTTPS），否则密码会明文传输"),
            format!("console on {a} is reachable from other machines: set `tls_cert` and `tls_key` (HTTPS) so passwords never cross the network in clear, or listen on 127.0.0.1"),
        );
    }
    t.finish();
    c.listen = listen?;
    Some(c)
}
