//! Replays the fuzz corpora (fuzz/corpus/<target>/) on stable through the same entry points the
//! cargo-fuzz targets call, so CI catches a regression without nightly or libFuzzer.
//!
//! Each entry point panics on a broken promise (a crash, a refusal without a message, a
//! diagnostic missing its Chinese or English); this test also checks that every corpus is
//! there, that a refusal says why, and that known inputs give their documented outcome.

use std::path::Path;

use yiping::api::fuzzing::{self, TARGETS};

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn every_corpus_file_gives_ok_or_a_refusal_that_says_why() {
    let mut total = 0;
    for (target, run) in TARGETS {
        let files = corpus(target);
        assert!(!files.is_empty(), "fuzz/corpus/{target} is empty");
        let mut accepted = 0;
        for (name, bytes) in &files {
            let out = std::panic::catch_unwind(|| run(bytes)).unwrap_or_else(|_| panic!("fuzz/corpus/{target}/{name} panics"));
            match out {
                Ok(()) => accepted += 1,
                Err(why) => assert!(!why.trim().is_empty(), "fuzz/corpus/{target}/{name}: refused without a reason"),
            }
        }
        // Each corpus keeps inputs the parser accepts, so the fuzzer starts from deep paths.
        assert!(accepted > 0, "fuzz/corpus/{target}: no input is accepted ({} files)", files.len());
        total += files.len();
    }
    assert!(total >= TARGETS.len());
}

#[test]
fn the_corpora_stay_small() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let bytes: u64 = TARGETS.iter().flat_map(|(t, _)| corpus(t)).map(|(_, b)| b.len() as u64).sum();
    assert!(bytes < 512 * 1024, "{}: {bytes} bytes; minimize with `cargo fuzz cmin`", dir.display());
}

#[test]
fn known_inputs_give_their_documented_outcome() {
    // An item with every required field is accepted; a broken one names the problem in both languages.
    let good = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/demo/items/qingshan-water-cut-2026-12-01.json")).unwrap();
    assert_eq!(fuzzing::item(&[&[0u8][..], &good].concat()), Ok(()));
    let err = fuzzing::item(b"\x00{\"id\": 1").unwrap_err();
    assert!(err.contains("错误 error") && err.contains("malformed item"), "{err}");
    // A feed with another schema is refused, in Chinese first.
    let err = fuzzing::feed(br#"{"schema": "yiping.feed/2", "sequence": 1}"#).unwrap_err();
    assert!(err.starts_with("信息源格式版本"), "{err}");
    // The status router: pages answer, anything else is a 404 that lists the pages.
    assert_eq!(fuzzing::status_path(b"/metrics"), Ok(()));
    assert_eq!(fuzzing::status_path(b"/screens/%E9%97%A8/frame.png").unwrap_err().get(..3), Some("404"));
    // A command body that is signed but replays a used nonce is refused as a replay.
    let replay = [&[1u8][..], br#"{"cmd":"reload","site":"fuzz-site","issued_at":"2026-12-01T00:53:20Z","nonce":"used"}"#].concat();
    assert!(fuzzing::fleet_command(&replay).unwrap_err().contains("重放"));
    let fresh = [&[1u8][..], br#"{"cmd":"reload","site":"fuzz-site","issued_at":"2026-12-01T00:53:20Z","nonce":"n9"}"#].concat();
    assert_eq!(fuzzing::fleet_command(&fresh), Ok(()));
    // BX: no frame at all is refused; an ACK from the card is accepted.
    assert!(fuzzing::bx_reply(b"\x00hello").is_err());
    // Evidence: a well-hashed record numbered u64::MAX once overflowed the chain's next number.
    let err = fuzzing::evidence(max_seq_record().as_bytes()).unwrap_err();
    assert!(err.contains("instead of #0"), "{err}");
}

/// A record line with sequence number u64::MAX and a correct hash (found by the fuzzer's seed
/// review; `fuzz/corpus/evidence/seq-u64-max` holds the same line).
fn max_seq_record() -> String {
    let body = format!(
        r#"{{"seq":{},"at":"2026-12-01T00:00:00Z","prev":"{}","clock_trusted":true,"kind":"stop"}}"#,
        u64::MAX,
        yiping::api::evidence::record::GENESIS
    );
    let hash = yiping::api::evidence::record::sha256_hex(body.as_bytes());
    format!("{},\"hash\":\"{hash}\"}}\n{body}\n", &body[..body.len() - 1])
}
