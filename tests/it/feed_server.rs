//! A real HTTP feed server on 127.0.0.1:0 (hyper 1) and a real minisign signer, for the feed tests.
//!
//! Nothing is mocked: the source under test talks TCP to this server and
//! verifies Ed25519 signatures made here with the committed test key
//! (tests/data/feed/test.key, FOR TESTS ONLY). Each feed request takes the
//! next scripted reply (a status, a stall, a slow or truncated body), then
//! serves the published feed with ETag, 304 and gzip.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

use crate::support::root;

/// Signs with one of the committed test keys.
pub struct Signer {
    sk: minisign::SecretKey,
}

impl Signer {
    /// `test` (trusted in the test configs) or `other` (a key nobody trusts).
    pub fn new(name: &str) -> Signer {
        let dir = root().join("tests/data/feed");
        let text = std::fs::read_to_string(dir.join(format!("{name}.key"))).unwrap();
        let sk = minisign::SecretKey::from_unencrypted_box(minisign::SecretKeyBox::from_string(&text).unwrap()).unwrap();
        Signer { sk }
    }

    /// The `.minisig` text for `body`, as `minisign -S -m feed.json` writes it.
    pub fn sign(&self, body: &[u8]) -> String {
        minisign::sign(None, &self.sk, std::io::Cursor::new(body), Some("timestamp:1795766400\tfile:feed.json\thashed"), None).unwrap().into_string()
    }
}

/// An approved item with a window around the demo time (2026-11-01 .. 2027-01-01, +08:00).
pub fn item(id: &str, title: &str, status: &str) -> String {
    let approval = if status == "approved" { r#""approval": {"by": "镇审核", "at": "2026-11-01T00:00:00+08:00"},"# } else { "" };
    format!(
        r#"{{"id": "{id}", "revision": 1, "category": "village", "title": "{title}", "body": ["正文{id}"], "status": "{status}", {approval}
 "display": {{"from": "2026-11-01T00:00:00+08:00", "until": "2027-01-01T00:00:00+08:00"}}}}"#
    )
}

pub fn feed(sequence: u64, generated_at: &str, items: &[String]) -> String {
    format!(
        "{{\"schema\": \"yiping.feed/1\", \"sequence\": {sequence}, \"generated_at\": \"{generated_at}\", \"items\": [\n{}\n]}}\n",
        items.join(",\n")
    )
}

/// How the server answers the next feed request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// The published feed (304 when the ETag matches).
    Feed,
    Status(u16),
    /// Never answers.
    Stall,
    /// Headers and half the body, then nothing.
    SlowBody,
    /// Only the first n bytes, as if they were the whole body.
    Truncated(usize),
    /// 302 to this URL.
    Redirect(String),
}

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Hit {
    pub at: tokio::time::Instant,
    pub path: String,
    pub if_none_match: Option<String>,
    pub status: u16,
    pub gzip: bool,
    pub auth: Option<String>,
}

#[derive(Default)]
struct State {
    body: Vec<u8>,
    sig: String,
    etag: String,
    script: VecDeque<Reply>,
    hits: Vec<Hit>,
    /// A `Date` header to send instead of the real one.
    date: Option<String>,
}

pub struct Server {
    pub addr: SocketAddr,
    tls: bool,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub async fn start() -> Server {
        Server::listen(None).await
    }

    /// The same server over HTTPS, with a certificate for 127.0.0.1 from the test CA (tests/data/feed/tls/ca.pem).
    pub async fn start_tls() -> Server {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let dir = root().join("tests/data/feed/tls");
        let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(dir.join("server.pem")).unwrap().map(Result::unwrap).collect();
        let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let cfg = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        Server::listen(Some(tokio_rustls::TlsAcceptor::from(Arc::new(cfg)))).await
    }

    async fn listen(tls: Option<tokio_rustls::TlsAcceptor>) -> Server {
        let is_tls = tls.is_some();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let st = Arc::clone(&state);
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (st, tls) = (Arc::clone(&st), tls.clone());
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req| handle(Arc::clone(&st), req));
                    let http = hyper::server::conn::http1::Builder::new();
                    match tls {
                        Some(acceptor) => {
                            if let Ok(s) = acceptor.accept(stream).await {
                                let _ = http.serve_connection(TokioIo::new(s), svc).await;
                            }
                        }
                        None => drop(http.serve_connection(TokioIo::new(stream), svc).await),
                    }
                });
            }
        });
        Server { addr, tls: is_tls, state, task }
    }

    pub fn url(&self) -> String {
        format!("{}://{}/feed.json", if self.tls { "https" } else { "http" }, self.addr)
    }

    /// Publishes a feed and its signature (a new ETag).
    pub fn publish(&self, body: &str, sig: &str) {
        let mut s = self.state.lock().unwrap();
        s.etag = format!("\"{:x}-{}\"", body.len(), body.bytes().map(u64::from).sum::<u64>());
        s.body = body.as_bytes().to_vec();
        s.sig = sig.to_string();
    }

    /// Sends this `Date` header (an IMF-fixdate) on every reply from now on.
    pub fn set_date(&self, date: &str) {
        self.state.lock().unwrap().date = Some(date.to_string());
    }

    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.lock().unwrap().script.extend(replies);
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.state.lock().unwrap().hits.clone()
    }

    /// Requests for the feed itself (not its signature).
    pub fn feed_hits(&self) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.path == "/feed.json").collect()
    }
}

async fn handle(state: Arc<Mutex<State>>, req: Request<Incoming>) -> Result<Response<TestBody>, Infallible> {
    let header = |k: &str| req.headers().get(k).and_then(|v| v.to_str().ok()).map(str::to_string);
    let path = req.uri().path().to_string();
    let gzip = header("accept-encoding").is_some_and(|a| a.contains("gzip"));
    let (reply, body, sig, etag, date) = {
        let mut s = state.lock().unwrap();
        let reply = if path == "/feed.json" { s.script.pop_front().unwrap_or(Reply::Feed) } else { Reply::Feed };
        (reply, s.body.clone(), s.sig.clone(), s.etag.clone(), s.date.clone())
    };
    let inm = header("if-none-match");
    let mut hit = Hit {
        at: tokio::time::Instant::now(),
        path: path.clone(),
        if_none_match: inm.clone(),
        status: 200,
        gzip: false,
        auth: header("authorization"),
    };
    let resp = match (path.as_str(), reply) {
        ("/feed.json.minisig", _) => Response::new(TestBody::full(sig.into_bytes())),
        ("/feed.json", Reply::Feed) if inm.as_deref() == Some(etag.as_str()) => {
            Response::builder().status(304).header("etag", &etag).body(TestBody::full(Vec::new())).unwrap()
        }
        ("/feed.json", Reply::Feed) => {
            let b = Response::builder().header("etag", &etag).header("content-type", "application/json");
            if gzip {
                hit.gzip = true;
                let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(&body).unwrap();
                b.header("content-encoding", "gzip").body(TestBody::full(enc.finish().unwrap())).unwrap()
            } else {
                b.body(TestBody::full(body)).unwrap()
            }
        }
        ("/feed.json", Reply::Status(code)) => Response::builder().status(code).body(TestBody::full(b"error".to_vec())).unwrap(),
        ("/feed.json", Reply::Stall) => {
            state.lock().unwrap().hits.push(hit);
            std::future::pending::<()>().await;
            unreachable!()
        }
        ("/feed.json", Reply::SlowBody) => {
            let half = Bytes::from(body[..body.len() / 2].to_vec());
            Response::builder().header("content-length", body.len()).body(TestBody { chunks: VecDeque::from([half]), stall: true }).unwrap()
        }
        ("/feed.json", Reply::Truncated(n)) => Response::new(TestBody::full(body[..n.min(body.len())].to_vec())),
        ("/feed.json", Reply::Redirect(to)) => Response::builder().status(302).header("location", to).body(TestBody::full(Vec::new())).unwrap(),
        _ => Response::builder().status(StatusCode::NOT_FOUND).body(TestBody::full(Vec::new())).unwrap(),
    };
    let mut resp = resp;
    if let Some(d) = date {
        resp.headers_mut().insert("date", d.parse().unwrap());
    }
    hit.status = resp.status().as_u16();
    state.lock().unwrap().hits.push(hit);
    Ok(resp)
}

/// A body of fixed chunks that may stall (never end) after them.
pub struct TestBody {
    chunks: VecDeque<Bytes>,
    stall: bool,
}

impl TestBody {
    fn full(b: Vec<u8>) -> TestBody {
        TestBody { chunks: VecDeque::from([Bytes::from(b)]), stall: false }
    }
}

impl Body for TestBody {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.chunks.pop_front() {
            Some(c) => Poll::Ready(Some(Ok(Frame::data(c)))),
            None if self.stall => Poll::Pending,
            None => Poll::Ready(None),
        }
    }
    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty() && !self.stall
    }
    fn size_hint(&self) -> hyper::body::SizeHint {
        if self.stall {
            return hyper::body::SizeHint::default();
        }
        hyper::body::SizeHint::with_exact(self.chunks.iter().map(|c| c.len() as u64).sum())
    }
}

/// A config with one http source (trusting the test key) and one 64x16... screen, in `dir`.
pub fn write_http_config(dir: &Path, url: &str, extra: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("playlists")).unwrap();
    let png = dir.join("now.png");
    let cfg = format!(
        "village = \"测试村\"\nstate_dir = \"state\"\n\n[[sources]]\ntype = \"http\"\nname = \"district\"\nurl = \"{url}\"\n\
         public_key_files = [{:?}]\ninterval_seconds = 60\njitter_seconds = 0\ntimeout_seconds = 30\n{extra}\n\n\
         [[screens]]\nname = \"door\"\nwidth = 128\nheight = 32\nfps = 5\nplaylist = \"default\"\n\
         [[screens.sinks]]\ntype = \"png\"\npath = {:?}\nevery_seconds = 1\n",
        root().join("tests/data/feed/test.pub").display().to_string(),
        png.display().to_string()
    );
    let p = dir.join("yiping.toml");
    std::fs::write(&p, cfg).unwrap();
    p
}
