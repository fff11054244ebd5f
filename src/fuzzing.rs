//! Entry points for the fuzz targets (`fuzz/`) and their stable replay (`tests/it/fuzz_replay.rs`):
//! each takes raw bytes, runs the same parser the daemon runs, and checks the documented outcome.
//!
//! The outcome of every entry point is `Ok` (accepted) or `Err(message)` (refused), and a
//! refusal always says why: an empty message, or an operator diagnostic without its Chinese
//! and English halves, panics here, so the fuzzer reports it like a crash. Never touches the
//! network; the status and evidence entries use a private temporary directory only.

use std::path::Path;
use std::sync::OnceLock;

use jiff::Timestamp;

use crate::diag::Diag;
use crate::item::parse::{Format, Limits, parse_item};

/// Accepted, or refused with a message saying why.
pub type Outcome = Result<(), String>;

/// The fixed "now" of every entry point: fuzzing must not depend on the wall clock.
fn now() -> Timestamp {
    Timestamp::from_second(1_796_086_400).expect("a valid time") // 2026-12-01T00:53:20Z
}

fn refused(msg: String) -> Outcome {
    assert!(!msg.trim().is_empty(), "a refusal must say why");
    Err(msg)
}

/// Diagnostics as an outcome: errors refuse; each diagnostic must carry both languages.
fn judged(diags: &[Diag], ok: bool) -> Outcome {
    for d in diags {
        assert!(!d.zh.trim().is_empty() && !d.en.trim().is_empty(), "a diagnostic without its Chinese or English half: {d}");
    }
    if ok {
        return Ok(());
    }
    let errors: Vec<String> = diags.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    assert!(!errors.is_empty(), "refused without an error diagnostic");
    refused(errors.join("\n"))
}

/// An item file: the first byte chooses JSON (even) or TOML (odd), the rest is the text.
pub fn item(data: &[u8]) -> Outcome {
    let Some((&sel, rest)) = data.split_first() else { return refused("empty input".into()) };
    let (format, path) = if sel % 2 == 0 { (Format::Json, "fuzz/item.json") } else { (Format::Toml, "fuzz/item.toml") };
    let Ok(text) = std::str::from_utf8(rest) else { return refused("not UTF-8 (the folder source refuses it before parsing)".into()) };
    match parse_item(Path::new(path), text, format, &Limits::default()) {
        Ok(_) => Ok(()),
        Err(diags) => judged(&diags, false),
    }
}

/// A feed body as an HTTP source receives it (after the signature check).
pub fn feed(data: &[u8]) -> Outcome {
    use crate::sources::http::feed::parse;
    match parse(Path::new("https://fuzz.invalid/feed.json"), data, 1 << 20, 1_000, &Limits::default()) {
        Ok(f) => judged(&f.problems, true),
        Err(e) => {
            assert!(!e.zh().trim().is_empty(), "a feed refusal without Chinese");
            refused(format!("{} / {e}", e.zh()))
        }
    }
}

/// The main config file (first byte even) or a playlist file (odd).
pub fn config(data: &[u8]) -> Outcome {
    let Some((&sel, rest)) = data.split_first() else { return refused("empty input".into()) };
    let Ok(text) = std::str::from_utf8(rest) else { return refused("not UTF-8 (fsutil::read_text refuses it)".into()) };
    // A directory that does not exist: playlists named by the config are reported missing, never read.
    if sel % 2 == 0 {
        let (cfg, diags) = crate::config::Config::from_str(Path::new("/nonexistent/yiping-fuzz/yiping.toml"), text);
        judged(&diags, cfg.is_some())
    } else {
        let (pl, diags) = crate::schedule::parse::parse_playlist(Path::new("/nonexistent/yiping-fuzz/main.toml"), text);
        judged(&diags, pl.is_some())
    }
}

/// Bytes from a BX card's serial line: every frame found is a packet or a rejected frame.
/// `Ok` when the bytes held at least one good packet.
pub fn bx_reply(data: &[u8]) -> Outcome {
    use crate::sinks::bx::packet::Decoder;
    let mut d = Decoder::new();
    // Fed in two pieces, as a serial read splits them.
    let cut = data.first().map_or(0, |&b| b as usize % (data.len() + 1));
    let mut found = d.push(&data[..cut]);
    found.extend(d.push(&data[cut..]));
    let mut good = false;
    let mut errors = Vec::new();
    for f in found {
        match f {
            Ok(p) => {
                assert_eq!(p.header.data_len as usize, p.data.len(), "a packet whose length disagrees with its data");
                good = true;
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    if good {
        Ok(())
    } else if errors.is_empty() {
        refused("no complete frame".into())
    } else {
        refused(errors.join("; "))
    }
}

/// An evidence log file: every line decoded, and the chain verified as `yiping log verify` does.
/// `Ok` when the chain is intact (torn tail allowed).
pub fn evidence(data: &[u8]) -> Outcome {
    use crate::evidence::record;
    use crate::evidence::verify::Chain;
    for line in data.split(|&b| b == b'\n') {
        if let Ok(l) = std::str::from_utf8(line)
            && let Ok((rec, hash)) = record::decode(l)
        {
            // A record that decodes re-encodes to a line with the same hash.
            assert_eq!(record::encode(&rec).1.len(), hash.len());
        }
    }
    let mut chain = Chain::default();
    chain.file(Path::new("evidence-fuzz.log"), data, |_, _| {});
    let v = chain.finish();
    match v.problem {
        None => Ok(()),
        Some(p) => refused(p.to_string()),
    }
}

/// The status endpoint, given a request target (`/screens/%E9%97%A8/frame.png`): `Ok` for a
/// page, `Err` with the reply's text for 401/404/405. The target is parsed as hyper parses it.
pub fn status_path(data: &[u8]) -> Outcome {
    let Ok(uri) = hyper::Uri::try_from(data) else { return refused("not a request target (hyper answers 400)".into()) };
    let (code, _, body) = crate::status::route(status_state(), &hyper::Method::GET, uri.path(), None);
    if code.is_success() { Ok(()) } else { refused(format!("{code}: {}", String::from_utf8_lossy(&body))) }
}

/// One status state for every run: a screen named `门口`, an evidence log in a private temp directory.
fn status_state() -> &'static crate::status::State {
    static STATE: OnceLock<crate::status::State> = OnceLock::new();
    STATE.get_or_init(|| {
        use std::sync::Arc;
        use tokio::sync::watch;
        let clock = crate::clock::Clock::starting_at(now());
        let dir = std::env::temp_dir().join(format!("yiping-fuzz-status-{}", std::process::id()));
        let cfg = crate::evidence::LogConfig { dir, rotate_bytes: 1 << 20, time_zone: jiff::tz::TimeZone::UTC };
        let start = crate::evidence::record::Event::Stop;
        let (recorder, dormant) = crate::evidence::Recorder::open(&cfg, clock.clone(), start, 16).expect("a log in the temp directory");
        // The writer never runs: nothing the status pages do writes evidence.
        std::mem::forget(dormant);
        let output = crate::sinks::Output {
            frame: crate::render::Frame::new(64, 16),
            at: now(),
            caption: String::new(),
            number: 0,
            on_air: None,
            power: Default::default(),
        };
        let screen = watch::channel(Arc::new(output)).1;
        crate::status::State {
            started: now(),
            clock,
            screens: vec![("门口".to_string(), screen)],
            sinks: Vec::new(),
            catalog: watch::channel(Arc::default()).1,
            recorder,
            config: watch::channel(crate::status::ReloadStatus::default()).1,
            token: None,
        }
    })
}

/// A fleet command payload. First byte 0: the bytes are the payload as it arrives from the
/// broker (envelope, then a signature that cannot verify). Otherwise: the bytes are the command
/// body, signed with a key the box trusts, so the fuzzer reaches the checks after the signature.
pub fn fleet_command(data: &[u8]) -> Outcome {
    use crate::fleet::command::{check, envelope_raw, sign_with};
    static KEY: OnceLock<(minisign::SecretKey, crate::sources::http::verify::Keys)> = OnceLock::new();
    let (sk, keys) = KEY.get_or_init(|| {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().expect("a key pair");
        let keys = crate::sources::http::verify::Keys::new(&[kp.pk.to_base64()]).expect("its own public key");
        (kp.sk, keys)
    });
    let Some((&sel, rest)) = data.split_first() else { return refused("empty input".into()) };
    let payload = if sel == 0 {
        rest.to_vec()
    } else {
        let Ok(body) = std::str::from_utf8(rest) else { return refused("body not UTF-8 (a JSON string cannot carry it)".into()) };
        envelope_raw(body, &sign_with(sk, body.as_bytes()).expect("signing never fails"))
    };
    match check(&payload, keys, "fuzz-site", now(), |n| n == "used") {
        Ok(_) => Ok(()),
        Err(r) => {
            let zh = r.why.zh();
            assert!(!zh.trim().is_empty(), "a refusal without Chinese");
            refused(zh)
        }
    }
}

/// An Excel workbook uploaded to the console's import. A draft, when made, is an item the
/// item parser reads (pending, so it is never shown before approval).
pub fn xlsx(data: &[u8]) -> Outcome {
    match crate::console::xlsx::import(data, "fuzz.xlsx", now(), &jiff::tz::TimeZone::UTC) {
        Ok(d) => {
            let text = serde_json::to_string(&d.item).expect("a JSON value serializes");
            if let Err(diags) = parse_item(Path::new("fuzz.json"), &text, Format::Json, &Limits::default()) {
                judged(&diags, false).map_err(|e| format!("draft refused by the item parser: {e}"))?;
            }
            Ok(())
        }
        Err((zh, en)) => {
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "an import refusal without both languages");
            refused(format!("{zh} / {en}"))
        }
    }
}

/// One entry point: raw bytes in, the documented outcome out.
pub type Entry = fn(&[u8]) -> Outcome;

/// Every entry point by the name of its fuzz target and corpus folder.
pub const TARGETS: &[(&str, Entry)] = &[
    ("item", item),
    ("feed", feed),
    ("config", config),
    ("bx_reply", bx_reply),
    ("evidence", evidence),
    ("status_path", status_path),
    ("fleet_command", fleet_command),
    ("xlsx", xlsx),
];
