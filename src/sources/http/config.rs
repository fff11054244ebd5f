//! `type = "http"`: the district feed's settings, read field by field with positions
//! (keys and CA files are checked while reading), and how the source starts.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use tracing::info;

use crate::sources::{Source, SourceConfig, SourceContext, SourceUpdate};
use crate::tomlread::Table;

/// Settings of one `type = "http"` source.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpSource {
    pub name: String,
    /// The feed; its signature is at `<url>.minisig`.
    pub url: String,
    pub interval: Duration,
    /// Up to this much is added to or taken from each wait, so screens do not poll in step.
    pub jitter: Duration,
    pub connect_timeout: Duration,
    /// For the whole request, body included.
    pub timeout: Duration,
    /// Longest wait between attempts while failing (backoff doubles up to it).
    pub max_backoff: Duration,
    pub max_body_bytes: u64,
    pub max_items: usize,
    pub token: Option<Secret>,
    /// Extra CA certificates (PEM) trusted for HTTPS besides the system's, e.g. the district's private CA.
    pub ca_pem: Option<Vec<u8>>,
    /// Trusted minisign public keys (the base64 line of a `minisign.pub`).
    pub public_keys: Vec<String>,
    pub require_signature: bool,
    /// Distinct trusted keys that must each sign a feed (two keys to publish: 2).
    pub threshold: usize,
    /// Where the signatures are; `{url}` stands for the feed's URL.
    pub signature_urls: Vec<String>,
    /// After this long without a successful fetch the screen shows when it last had one.
    pub stale_after: Duration,
}

/// A credential: never printed in logs or debug output.
#[derive(Clone, PartialEq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

pub(crate) fn parse(t: &mut Table<'_, '_>, name: Option<String>, rel: &dyn Fn(PathBuf) -> PathBuf) -> Option<SourceConfig> {
    let url: Option<String> = t.req("url");
    if let Some(u) = &url
        && (!(u.starts_with("https://") || u.starts_with("http://")) || u.contains(char::is_whitespace))
    {
        t.file.error(t.pos("url"), format!("url 必须以 https:// 或 http:// 开头：{u}"), format!("url must start with https:// or http://: {u}"));
    }
    let secs = |t: &mut Table<'_, '_>, key: &str, range: std::ops::RangeInclusive<i64>, d: i64| {
        t.int_in(key, range, Some(d)).map(|s| Duration::from_secs(s as u64))
    };
    let interval = secs(t, "interval_seconds", 5..=86_400, 60);
    let jitter = secs(t, "jitter_seconds", 0..=3_600, 10);
    let connect_timeout = secs(t, "connect_timeout_seconds", 1..=300, 10);
    let timeout = secs(t, "timeout_seconds", 1..=3_600, 60);
    // Bounded so that a withdrawal reaches the screen within max(interval, 120 s) of the platform
    // recovering (issue 13): a longer backoff would hold a revoked item on air that long.
    let default_backoff = interval.map_or(120, |i| i.as_secs().max(120)) as i64;
    let max_backoff = secs(t, "max_backoff_seconds", 5..=86_400, default_backoff);
    let max_body_bytes = t.int_in("max_body_bytes", 1_024..=(256 << 20), Some(8 << 20)).map(|b| b as u64);
    let max_items = t.int_in("max_items", 1..=100_000, Some(10_000)).map(|n| n as usize);
    let stale_after = t.int_in("stale_after_hours", 1..=8_760, Some(24)).map(|h| Duration::from_secs(h as u64 * 3600));
    let require_signature = t.or("require_signature", true);

    let mut token = t.opt::<String>("token").map(Secret);
    if let Some(p) = t.opt::<PathBuf>("token_file") {
        if token.is_some() {
            t.file.error(t.pos("token_file"), "token 与 token_file 只能设置一个", "set either `token` or `token_file`, not both");
        }
        let p = rel(p);
        match std::fs::read_to_string(&p) {
            Ok(s) if !s.trim().is_empty() => token = Some(Secret(s.trim().to_string())),
            Ok(_) => t.file.error(t.pos("token_file"), format!("令牌文件 {} 是空的", p.display()), format!("token file {} is empty", p.display())),
            Err(e) => t.file.error(
                t.pos("token_file"),
                format!("无法读取令牌文件 {}：{e}", p.display()),
                format!("cannot read token file {}: {e}", p.display()),
            ),
        }
    }

    if token.is_some()
        && let Some(u) = url.as_deref().filter(|u| u.starts_with("http://"))
    {
        let key = if t.pos("token_file") != t.span.start { "token_file" } else { "token" };
        t.file.warn(
            t.pos(key),
            format!("令牌会以明文经 http:// 发送，网络上的任何人都能截获并冒用：请把 url 改为 https://（{u}）"),
            format!("the bearer token is sent in clear over http://; anyone on the network can read and reuse it: change the url to https:// ({u})"),
        );
    }
    let ca_pem = t.opt::<PathBuf>("ca_file").and_then(|p| {
        let p = rel(p);
        let pem = std::fs::read(&p).map_err(|e| e.to_string()).and_then(|b| super::fetch::check_ca(&b).map(|()| b));
        match pem {
            Ok(b) => Some(b),
            Err(e) => {
                t.file.error(
                    t.pos("ca_file"),
                    format!("CA 证书文件 {} 无效：{e}", p.display()),
                    format!("CA file {} is not usable: {e}", p.display()),
                );
                None
            }
        }
    });
    let mut public_keys = Vec::new();
    let mut texts: Vec<(String, usize)> = t.or::<Vec<String>>("public_keys", Vec::new()).into_iter().map(|k| (k, t.pos("public_keys"))).collect();
    for p in t.or::<Vec<PathBuf>>("public_key_files", Vec::new()) {
        let p = rel(p);
        match std::fs::read_to_string(&p) {
            Ok(s) => texts.push((s, t.pos("public_key_files"))),
            Err(e) => t.file.error(
                t.pos("public_key_files"),
                format!("无法读取公钥文件 {}：{e}", p.display()),
                format!("cannot read public key file {}: {e}", p.display()),
            ),
        }
    }
    for (text, pos) in texts {
        match super::verify::key_line(&text) {
            Ok(k) => public_keys.push(k),
            Err(e) => t.file.error(pos, format!("不是有效的 minisign 公钥：{e}"), format!("not a valid minisign public key: {e}")),
        }
    }
    let threshold = t.int_in("threshold", 1..=16, Some(1)).map(|n| n as usize);
    let distinct = public_keys.iter().collect::<std::collections::BTreeSet<_>>().len();
    if let Some(n) = threshold.filter(|n| *n > 1) {
        if !require_signature {
            t.file.error(
                t.pos("threshold"),
                "threshold 要求多把密钥签名，不能与 require_signature = false 同时使用",
                "`threshold` asks for several signatures; it cannot go with require_signature = false",
            );
        } else if n > distinct {
            t.file.error(
                t.pos("threshold"),
                format!("threshold = {n}，但只配置了 {distinct} 把不同的公钥：请在 public_keys 或 public_key_files 中列出每个签名方的公钥"),
                format!("threshold = {n} but only {distinct} distinct public key(s) are configured: list each signer's key in public_keys or public_key_files"),
            );
        }
    }
    let signature_urls = t.or::<Vec<String>>("signature_urls", vec!["{url}.minisig".to_string()]);
    for u in &signature_urls {
        let full = u.replace("{url}", url.as_deref().unwrap_or("https://x"));
        if !(full.starts_with("https://") || full.starts_with("http://")) || full.contains(char::is_whitespace) {
            t.file.error(
                t.pos("signature_urls"),
                format!("signature_urls 中的地址必须以 https:// 或 http:// 开头，或以 {{url}} 代表信息源地址：{u}"),
                format!("each of signature_urls must start with https:// or http://, or use {{url}} for the feed's URL: {u}"),
            );
        }
    }
    if signature_urls.is_empty() {
        t.file.error(t.pos("signature_urls"), "signature_urls 不能为空", "signature_urls must not be empty (the default is [\"{url}.minisig\"])");
    }
    if require_signature && public_keys.is_empty() {
        t.file.error(
            t.span.start,
            "http 来源需要 public_keys 或 public_key_files（或显式设置 require_signature = false）",
            "an http source needs `public_keys` or `public_key_files` (or, explicitly, require_signature = false)",
        );
    } else if !require_signature {
        t.file.warn(
            t.pos("require_signature"),
            "require_signature = false：不验证信息来源的签名，伪造的内容也会被显示",
            "require_signature = false: feeds are not verified; a forged feed would be shown",
        );
    }
    Some(SourceConfig::new(HttpSource {
        name: name?,
        url: url?,
        interval: interval?,
        jitter: jitter?,
        connect_timeout: connect_timeout?,
        timeout: timeout?,
        max_backoff: max_backoff?,
        max_body_bytes: max_body_bytes?,
        max_items: max_items?,
        token,
        ca_pem,
        public_keys,
        require_signature,
        threshold: threshold?,
        signature_urls,
        stale_after: stale_after?,
    }))
}

impl Source for HttpSource {
    fn kind(&self) -> &'static str {
        "http"
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn start(&self, cx: SourceContext) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        info!(source = %self.name, url = %self.url, interval_s = self.interval.as_secs(), signed = self.require_signature, "http source");
        Box::pin(super::run_asked(self.clone(), cx.state_dir, cx.clock, cx.tx, cx.cancel, cx.poll_now, cx.floor))
    }

    fn offline(&self, state_dir: &Path) -> SourceUpdate {
        super::offline::cached_update(self, state_dir)
    }
}
