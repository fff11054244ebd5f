//! Feed costs: parse + verify + apply a signed feed of 10,000 items, and one 304 poll against a local server.
//! Run: `cargo bench --bench feed`. Prints figures; asserts nothing about time.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use yiping::api::clock::Clock;
use yiping::api::item::mask::MaskPolicy;
use yiping::api::item::parse::Limits;
use yiping::api::sources::http::HttpSource;
use yiping::api::sources::http::verify::{Keys, key_line};
use yiping::api::sources::http::{HttpFeed, Policy, Polled, accept};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn big_feed(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id": "item-{i:05}", "revision": 1, "category": "finance", "list": "财务收支", "title": "青山村第{i}号财务公开 联系人 13947120358",
 "body": ["本季度账目已经青山镇农经站审核，并经村务监督委员会逐笔核对。"], "table": {{"columns": ["科目", "金额（元）"], "rows": [["经营收入", "128,450.00"], ["支出合计", "41,318.50"]]}},
 "status": "approved", "approval": {{"by": "村务监督委员会", "at": "2026-11-01T00:00:00+08:00"}},
 "display": {{"from": "2026-11-01T00:00:00+08:00", "until": "2027-01-01T00:00:00+08:00"}}}}"#
            )
        })
        .collect();
    format!(
        "{{\"schema\": \"yiping.feed/1\", \"sequence\": 1, \"generated_at\": \"2026-11-27T08:00:00+08:00\", \"items\": [\n{}\n]}}\n",
        items.join(",\n")
    )
}

fn sign(body: &[u8]) -> String {
    let text = std::fs::read_to_string(root().join("tests/data/feed/test.key")).unwrap();
    let sk = minisign::SecretKey::from_unencrypted_box(minisign::SecretKeyBox::from_string(&text).unwrap()).unwrap();
    minisign::sign(None, &sk, std::io::Cursor::new(body), None, None).unwrap().into_string()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let body = big_feed(10_000);
    let sig = sign(body.as_bytes());
    let key = key_line(&std::fs::read_to_string(root().join("tests/data/feed/test.pub")).unwrap()).unwrap();
    let policy = Policy {
        origin: PathBuf::from("bench.json"),
        keys: Keys::new(std::slice::from_ref(&key)).unwrap(),
        require_signature: true,
        threshold: 1,
        max_body: 8 << 20,
        max_items: 10_000,
        limits: Limits::default(),
    };
    let now: jiff::Timestamp = "2026-12-01T09:00:00+08:00".parse().unwrap();
    let (mut verify, mut parse, mut apply) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..7 {
        let t = Instant::now();
        policy.keys.verify(body.as_bytes(), &sig).unwrap();
        verify.push(t.elapsed());
        let t = Instant::now();
        let a = accept(&policy, body.as_bytes(), Some(&sig), None, None).unwrap();
        parse.push(t.elapsed());
        assert_eq!(a.feed.items.len(), 10_000);
        let t = Instant::now();
        let mut updates = BTreeMap::new();
        updates.insert(
            "district".to_string(),
            yiping::api::sources::SourceUpdate {
                source: "district".into(),
                items: a.feed.items,
                problems: a.feed.problems,
                health: None,
                failure: None,
            },
        );
        let cat = yiping::api::store::build_catalog(&updates, &MaskPolicy::default());
        let shown = cat.showable(now).len();
        apply.push(t.elapsed());
        assert_eq!(shown, 10_000);
    }
    println!("signed feed of 10,000 items ({:.1} MiB):", body.len() as f64 / (1 << 20) as f64);
    println!("  verify signature only                 {:>8.1} ms (median of 7)", ms(median(verify)));
    println!("  accept = verify + parse + validate    {:>8.1} ms", ms(median(parse)));
    println!("  apply = store merge + mask + showable {:>8.1} ms", ms(median(apply)));

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (body, sig) = (Bytes::from(body), Bytes::from(sig));
        let served = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&served);
        tokio::spawn(async move {
            loop {
                let (s, _) = listener.accept().await.unwrap();
                let (body, sig, count) = (body.clone(), sig.clone(), Arc::clone(&count));
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let (body, sig) = (body.clone(), sig.clone());
                        count.fetch_add(1, Ordering::SeqCst);
                        async move {
                            let r = if req.uri().path().ends_with(".minisig") {
                                Response::new(Full::new(sig))
                            } else if req.headers().get("if-none-match").is_some_and(|v| v == "\"v1\"") {
                                Response::builder().status(304).body(Full::new(Bytes::new())).unwrap()
                            } else {
                                Response::builder().header("etag", "\"v1\"").body(Full::new(body)).unwrap()
                            };
                            Ok::<_, Infallible>(r)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(s), svc).await;
                });
            }
        });
        let cfg = HttpSource {
            name: "district".into(),
            url: format!("http://{addr}/feed.json"),
            interval: Duration::from_secs(60),
            jitter: Duration::ZERO,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_backoff: Duration::from_secs(900),
            max_body_bytes: 8 << 20,
            max_items: 10_000,
            token: None,
            ca_pem: None,
            public_keys: vec![key],
            require_signature: true,
            threshold: 1,
            signature_urls: vec!["{url}.minisig".into()],
            stale_after: Duration::from_secs(86_400),
        };
        let state = tempfile::tempdir().unwrap();
        let mut f = HttpFeed::new(&cfg, state.path(), Clock::System).unwrap();
        let t = Instant::now();
        assert_eq!(f.poll().await, Polled::Changed);
        println!("  first poll over HTTP: fetch 200 + signature + accept + cache write {:>8.1} ms", ms(t.elapsed()));
        let mut polls = Vec::new();
        for _ in 0..200 {
            let t = Instant::now();
            assert_eq!(f.poll().await, Polled::Confirmed);
            polls.push(t.elapsed());
        }
        assert_eq!(served.load(Ordering::SeqCst), 202, "200 + signature + 200 conditional requests reached the server");
        let update = Instant::now();
        let _ = f.update();
        println!("304 poll against 127.0.0.1 (keep-alive):   {:>8.3} ms (median of 200)", ms(median(polls)));
        println!("  building the update sent after a 304:     {:>8.3} ms", ms(update.elapsed()));
    });
}
