//! The console's style sheet, scripts and icon, compiled into the binary: the box may have no
//! internet, so nothing is ever fetched from elsewhere. Sent gzipped to browsers that accept
//! it (compressed once, on first use), which matters on village Wi-Fi.

use std::io::Write;
use std::sync::OnceLock;

use hyper::StatusCode;
use hyper::header::{CACHE_CONTROL, CONTENT_ENCODING, HeaderValue, VARY};

use super::http::{Reply, reply};

/// Changes with every build's sources, so phones never keep an old script after an upgrade.
pub(crate) const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "-", env!("YIPING_GIT_COMMIT"));

const CSS: &str = include_str!("assets/app.css");
const JS: &str = include_str!("assets/app.js");
const ITEM_JS: &str = include_str!("assets/item.js");
const PLAYLIST_JS: &str = include_str!("assets/playlist.js");
const ICON: &str = include_str!("assets/icon.svg");

fn gzip(text: &str) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = e.write_all(text.as_bytes());
    e.finish().unwrap_or_default()
}

/// An asset by name; `gzip` when the browser accepts it.
pub(crate) fn get(name: &str, accepts_gzip: bool) -> Reply {
    static CSS_GZ: OnceLock<Vec<u8>> = OnceLock::new();
    static JS_GZ: OnceLock<Vec<u8>> = OnceLock::new();
    static ITEM_GZ: OnceLock<Vec<u8>> = OnceLock::new();
    static PLAYLIST_GZ: OnceLock<Vec<u8>> = OnceLock::new();
    let (ctype, body, packed) = match name {
        "app.css" => ("text/css; charset=utf-8", CSS, &CSS_GZ),
        "app.js" => ("text/javascript; charset=utf-8", JS, &JS_GZ),
        "item.js" => ("text/javascript; charset=utf-8", ITEM_JS, &ITEM_GZ),
        "playlist.js" => ("text/javascript; charset=utf-8", PLAYLIST_JS, &PLAYLIST_GZ),
        "icon.svg" => return cached(reply(StatusCode::OK, "image/svg+xml", ICON)),
        _ => return reply(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "not found\n"),
    };
    let mut r = if accepts_gzip {
        let mut r = reply(StatusCode::OK, ctype, packed.get_or_init(|| gzip(body)).clone());
        r.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        reply(StatusCode::OK, ctype, body)
    };
    r.headers_mut().insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    cached(r)
}

/// Versioned URLs: safe to keep for a day.
fn cached(mut r: Reply) -> Reply {
    r.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn the_script_is_sent_gzipped_to_browsers_that_accept_it_and_whole_to_others() {
        let body = |r: Reply| async { r.into_body().collect().await.unwrap().to_bytes().to_vec() };
        let plain = body(get("app.js", false)).await;
        assert_eq!(plain, JS.as_bytes());
        let r = get("app.js", true);
        assert_eq!(r.headers()[CONTENT_ENCODING], "gzip");
        let packed = body(r).await;
        assert!(packed.len() * 2 < plain.len(), "{} of {}", packed.len(), plain.len());
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&packed[..]), &mut out).unwrap();
        assert_eq!(out, JS);
        assert_eq!(get("../secret", true).status(), StatusCode::NOT_FOUND);
    }
}
