//! Two keys to publish (issue 13): `threshold = 2` accepts a feed only when two distinct
//! trusted keys signed it. Signatures are real: made by the minisign CLI (as a township and
//! a district office would) for `check --feed`, and by the minisign crate for the source.

use std::path::Path;
use std::process::Command;

use yiping::api::clock::Clock;
use yiping::api::config::Config;
use yiping::api::sources::http::{HttpFeed, HttpSource, Polled};

use crate::feed_server::*;
use crate::support::*;

const GEN: &str = "2026-11-27T08:00:00+08:00";

/// A key pair made by the minisign CLI, without a password; `None` when the CLI is missing (outside CI).
fn cli_key(dir: &Path, name: &str) -> Option<()> {
    let (pk, sk) = (dir.join(format!("{name}.pub")), dir.join(format!("{name}.key")));
    match Command::new("minisign").args(["-G", "-W", "-p"]).arg(&pk).arg("-s").arg(&sk).output() {
        Ok(o) if o.status.success() => Some(()),
        other => {
            assert!(std::env::var_os("YIPING_CI").is_none(), "minisign is required in CI: {other:?}");
            eprintln!("skipped: minisign CLI not installed");
            None
        }
    }
}

/// Signs `file` with `name`'s key into `<file>.<name>.minisig`, as `minisign -S` does.
fn cli_sign(dir: &Path, name: &str, file: &str) {
    let out = Command::new("minisign")
        .current_dir(dir)
        .args(["-S", "-s", &format!("{name}.key"), "-m", file, "-x", &format!("{file}.{name}.minisig"), "-t", &format!("signed by {name}")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn check_feed_with_threshold_two_refuses_one_signature_and_accepts_two_distinct_keys() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let (Some(()), Some(())) = (cli_key(d, "township"), cli_key(d, "district")) else { return };
    std::fs::write(d.join("feed.json"), feed(7, GEN, &[item("a", "甲", "approved")])).unwrap();
    cli_sign(d, "township", "feed.json");
    cli_sign(d, "district", "feed.json");
    let run = |sigs: &[&str], keys: &[&str], n: &str| {
        let mut args = vec!["check", "--feed", "feed.json", "--at", DEMO_AT, "--threshold", n];
        sigs.iter().for_each(|s| args.extend(["--sig", *s]));
        keys.iter().for_each(|k| args.extend(["--key", *k]));
        yiping(d, &args)
    };
    let keys = ["township.pub", "district.pub"];
    // One office alone cannot publish.
    let o = run(&["feed.json.township.minisig"], &keys, "2");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("only 1 of the 2 distinct trusted keys"), "{}", stdout(&o));
    assert!(stdout(&o).contains("有效签名的不同可信密钥数量不足"), "{}", stdout(&o));
    // The same signature twice, or the same key given twice, counts once.
    let o = run(&["feed.json.township.minisig", "feed.json.township.minisig"], &keys, "2");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let o = run(&["feed.json.township.minisig", "feed.json.district.minisig"], &["township.pub", "township.pub"], "2");
    assert_ne!(o.status.code(), Some(0), "one key listed twice is one key: {}{}", stdout(&o), stderr(&o));
    // Both offices signed: accepted.
    let o = run(&["feed.json.township.minisig", "feed.json.district.minisig"], &keys, "2");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("有效 good，2 把不同的可信密钥 / 2 distinct trusted key(s)"), "{}", stdout(&o));
    // A signature over other bytes does not count either.
    std::fs::write(d.join("feed.json"), feed(8, GEN, &[item("a", "甲", "approved")])).unwrap();
    let o = run(&["feed.json.township.minisig", "feed.json.district.minisig"], &keys, "2");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}

fn source(dir: &Path, server: &Server, extra: &str) -> (Config, HttpFeed) {
    let (c, d) = Config::load(&write_http_config(dir, &server.url(), extra));
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    let h = c.sources[0].get::<HttpSource>().unwrap().clone();
    let f = HttpFeed::new(&h, &c.state_dir, Clock::starting_at(DEMO_AT.parse().unwrap())).unwrap();
    (c, f)
}

#[tokio::test(start_paused = true)]
async fn an_http_source_with_threshold_two_needs_both_keys_signatures() {
    let t = tempfile::tempdir().unwrap();
    let server = Server::start().await;
    let (test, other) = (Signer::new("test"), Signer::new("other"));
    let other_pub = std::fs::read_to_string(root().join("tests/data/feed/other.pub")).unwrap();
    let other_line = yiping::api::sources::http::verify::key_line(&other_pub).unwrap();
    let (_c, mut f) = source(t.path(), &server, &format!("public_keys = [\"{other_line}\"]\nthreshold = 2"));
    let body = feed(1, GEN, &[item("a", "甲", "approved")]);
    server.publish(&body, &test.sign(body.as_bytes()));
    let Polled::Failed(why) = f.poll().await else { panic!("one signature must not publish") };
    assert!(why.contains("only 1 of the 2"), "{why}");
    server.publish(&body, &format!("{}\n{}", test.sign(body.as_bytes()), test.sign(body.as_bytes())));
    let Polled::Failed(why) = f.poll().await else { panic!("one key signing twice must not publish") };
    assert!(why.contains("only 1 of the 2"), "{why}");
    server.publish(&body, &format!("{}\n{}", test.sign(body.as_bytes()), other.sign(body.as_bytes())));
    assert_eq!(f.poll().await, Polled::Changed);
    assert_eq!(f.update().items.len(), 1);
}

#[test]
fn a_threshold_above_the_number_of_distinct_keys_is_a_config_error() {
    let t = tempfile::tempdir().unwrap();
    let test_pub = root().join("tests/data/feed/test.pub");
    // The trusted key again, as a line: still one key.
    let line = yiping::api::sources::http::verify::key_line(&std::fs::read_to_string(test_pub).unwrap()).unwrap();
    let (c, d) = Config::load(&write_http_config(t.path(), "https://example.org/feed.json", &format!("public_keys = [\"{line}\"]\nthreshold = 2")));
    assert!(c.is_none());
    let text: String = d.iter().map(|d| d.to_string()).collect();
    assert!(text.contains("threshold = 2") && text.contains("1 distinct public key") && text.contains("yiping.toml:"), "{text}");
}
