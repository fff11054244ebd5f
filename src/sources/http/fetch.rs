//! One HTTP exchange for a feed: conditional GET of the body, then its `.minisig`, within limits.
//!
//! rustls for HTTPS (no OpenSSL), gzip, connect and total timeouts, an
//! optional bearer token. Bodies are read chunk by chunk and refused as soon
//! as they pass the limit (after decompression, so a gzip bomb is refused
//! too). Never parses or trusts what it fetched: that is `feed` and `verify`.
//! A redirect from HTTPS to plain HTTP is refused, and a `Date` header is
//! passed on only from a response over verified TLS from the configured
//! origin (after a redirect elsewhere it could be anyone's clock).

use std::time::Duration;

use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};

use super::config::HttpSource;

use super::verify::MAX_SIGNATURE_BYTES;

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// What the server answered.
#[derive(Debug)]
pub(crate) enum Fetched {
    /// 304: the feed we hold is still current.
    NotModified {
        date: Option<Timestamp>,
    },
    Body {
        body: Vec<u8>,
        signature: Option<String>,
        etag: Option<String>,
        last_modified: Option<String>,
        date: Option<Timestamp>,
    },
}

/// Why a fetch failed (the feed in force stays).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum FetchError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("server answered {0}")]
    Status(u16),
    #[error("{what} is larger than {limit} bytes")]
    TooLarge { what: &'static str, limit: u64 },
    #[error("signature {url} answered {status}")]
    SignatureStatus { url: String, status: u16 },
    #[error("transfer failed: {0}")]
    Transfer(String),
}

impl FetchError {
    pub(crate) fn zh(&self) -> String {
        match self {
            FetchError::Timeout(d) => format!("{} 秒内没有完成", d.as_secs()),
            FetchError::Connect(e) => format!("无法连接：{e}"),
            FetchError::Status(s) => format!("服务器返回 {s}"),
            FetchError::TooLarge { what, limit } => format!("{what} 超过 {limit} 字节"),
            FetchError::SignatureStatus { url, status } => format!("签名 {url} 返回 {status}"),
            FetchError::Transfer(e) => format!("传输失败：{e}"),
        }
    }
}

/// A configured HTTP client for one source.
pub(crate) struct Fetcher {
    client: reqwest::Client,
    url: String,
    /// Where the signatures are (one per key when a threshold asks for several).
    sig_urls: Vec<String>,
    token: Option<String>,
    timeout: Duration,
    max_body: u64,
    want_signature: bool,
}

impl Fetcher {
    pub(crate) fn new(cfg: &HttpSource) -> Result<Fetcher, String> {
        // rustls needs a crypto provider; ring is the one linked (an earlier install is fine).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder();
        if let Some(pem) = &cfg.ca_pem {
            for cert in reqwest::Certificate::from_pem_bundle(pem).map_err(|e| format!("CA file: {e}"))? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let https = cfg.url.starts_with("https://");
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if https && attempt.url().scheme() != "https" {
                let to = attempt.url().to_string();
                attempt.error(format!("redirect from https to {to} refused (no downgrade to plain http)"))
            } else if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else {
                attempt.follow()
            }
        });
        let client = builder
            .redirect(redirects)
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.timeout)
            .gzip(true)
            .user_agent(concat!("yiping/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up HTTP client: {e}"))?;
        Ok(Fetcher {
            client,
            url: cfg.url.clone(),
            sig_urls: cfg.signature_urls.iter().map(|u| u.replace("{url}", &cfg.url)).collect(),
            token: cfg.token.as_ref().map(|t| t.0.clone()),
            timeout: cfg.timeout,
            max_body: cfg.max_body_bytes,
            want_signature: cfg.require_signature || !cfg.public_keys.is_empty(),
        })
    }

    /// Fetches the feed (conditionally) and, when it changed, its signature; all within the total timeout.
    pub(crate) async fn fetch(&self, etag: Option<&str>, last_modified: Option<&str>) -> Result<Fetched, FetchError> {
        match tokio::time::timeout(self.timeout, self.exchange(etag, last_modified)).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout(self.timeout)),
        }
    }

    async fn exchange(&self, etag: Option<&str>, last_modified: Option<&str>) -> Result<Fetched, FetchError> {
        let mut req = self.get(&self.url);
        if let Some(e) = etag {
            req = req.header(header::IF_NONE_MATCH, e);
        }
        if let Some(m) = last_modified {
            req = req.header(header::IF_MODIFIED_SINCE, m);
        }
        let mut resp = req.send().await.map_err(|e| self.error(e))?;
        let date = if same_https_origin(&self.url, resp.url()) { http_date(resp.headers()) } else { None };
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified { date });
        }
        if !resp.status().is_success() {
            return Err(FetchError::Status(resp.status().as_u16()));
        }
        let text = |h: &HeaderMap, k| h.get(k).and_then(|v| v.to_str().ok()).map(str::to_string);
        let (etag, last_modified) = (text(resp.headers(), header::ETAG), text(resp.headers(), header::LAST_MODIFIED));
        let body = self.read_limited(&mut resp, self.max_body, "feed body").await?;
        let signature = if self.want_signature {
            // Every signature URL is fetched; they are judged together (a threshold counts distinct
            // keys). One that is missing is left out while another answers: too few is then a
            // verification failure that names the count, not a fetch failure.
            let mut texts = Vec::new();
            let mut first_err = None;
            for url in &self.sig_urls {
                let mut s = self.get(url).send().await.map_err(|e| self.error(e))?;
                if !s.status().is_success() {
                    first_err.get_or_insert(FetchError::SignatureStatus { url: url.clone(), status: s.status().as_u16() });
                    continue;
                }
                let bytes = self.read_limited(&mut s, MAX_SIGNATURE_BYTES as u64, "signature").await?;
                texts.push(String::from_utf8_lossy(&bytes).into_owned());
            }
            match first_err {
                Some(e) if texts.is_empty() => return Err(e),
                _ => Some(texts.join("\n")),
            }
        } else {
            None
        };
        Ok(Fetched::Body { body, signature, etag, last_modified, date })
    }

    fn get(&self, url: &str) -> reqwest::RequestBuilder {
        let req = self.client.get(url);
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    async fn read_limited(&self, resp: &mut reqwest::Response, limit: u64, what: &'static str) -> Result<Vec<u8>, FetchError> {
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge { what, limit });
        }
        let mut out = Vec::with_capacity(resp.content_length().unwrap_or(0).min(limit) as usize);
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.error(e))? {
            if (out.len() + chunk.len()) as u64 > limit {
                return Err(FetchError::TooLarge { what, limit });
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    fn error(&self, e: reqwest::Error) -> FetchError {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg = format!("{msg}: {s}");
            src = s.source();
        }
        if e.is_timeout() {
            FetchError::Timeout(self.timeout)
        } else if e.is_connect() {
            FetchError::Connect(msg)
        } else {
            FetchError::Transfer(msg)
        }
    }
}

/// Checks that a CA file holds at least one PEM certificate.
pub(crate) fn check_ca(pem: &[u8]) -> Result<(), String> {
    match reqwest::Certificate::from_pem_bundle(pem) {
        Ok(v) if !v.is_empty() => Ok(()),
        Ok(_) => Err("no PEM certificate in it".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Whether `got` (where a response came from, after redirects) is HTTPS at the configured origin.
fn same_https_origin(configured: &str, got: &reqwest::Url) -> bool {
    let Ok(want) = reqwest::Url::parse(configured) else { return false };
    want.scheme() == "https" && got.scheme() == "https" && want.origin() == got.origin()
}

/// The `Date` header (IMF-fixdate), when present and well-formed.
pub(crate) fn http_date(h: &HeaderMap) -> Option<Timestamp> {
    let v = h.get(header::DATE)?.to_str().ok()?;
    jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_at_the_configured_origin_is_the_same_origin() {
        let u = |s: &str| reqwest::Url::parse(s).unwrap();
        assert!(same_https_origin("https://feed.example/a.json", &u("https://feed.example/b.json")));
        assert!(!same_https_origin("https://feed.example/a.json", &u("http://feed.example/a.json")));
        assert!(!same_https_origin("https://feed.example/a.json", &u("https://feed.example:8443/a.json")));
        assert!(!same_https_origin("https://feed.example/a.json", &u("https://other.example/a.json")));
        assert!(!same_https_origin("http://feed.example/a.json", &u("http://feed.example/a.json")));
    }

    #[test]
    fn http_dates_are_read() {
        let mut h = HeaderMap::new();
        h.insert(header::DATE, "Fri, 27 Nov 2026 08:00:00 GMT".parse().unwrap());
        assert_eq!(http_date(&h), Some("2026-11-27T08:00:00Z".parse().unwrap()));
        h.insert(header::DATE, "yesterday".parse().unwrap());
        assert_eq!(http_date(&h), None);
    }
}
