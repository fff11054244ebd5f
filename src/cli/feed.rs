//! `yiping check --feed FILE [--sig FILE.minisig]... [--key KEY]... [--threshold N]`: validates a feed offline,
//! as the daemon would (N distinct trusted keys must have signed), so the platform can test what it publishes.
//!
//! Never writes anything.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use jiff::Timestamp;

use crate::clock::Clock;
use crate::item::Showable;
use crate::item::parse::Limits;
use crate::item::showable::Refusal;
use crate::sources::http::verify::{Keys, key_line};
use crate::sources::http::{Policy, accept};

use super::EXIT_PROBLEMS;

/// The limits the daemon applies by default (config keys `max_body_bytes`, `max_items`).
const MAX_BODY: u64 = 8 << 20;
const MAX_ITEMS: usize = 10_000;

pub(super) fn check_feed(file: &Path, sigs: Vec<PathBuf>, keys: &[String], threshold: usize, at: Option<Timestamp>) -> anyhow::Result<ExitCode> {
    let now = at.unwrap_or_else(|| Clock::System.now());
    let body = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mut lines = Vec::new();
    for k in keys {
        // A key is a minisign.pub file or its `RW...` line.
        let text = if Path::new(k).is_file() { std::fs::read_to_string(k).with_context(|| format!("reading key {k}"))? } else { k.clone() };
        lines.push(key_line(&text).map_err(|e| anyhow::anyhow!("--key {k}: not a minisign public key: {e}"))?);
    }
    let sigs = if sigs.is_empty() {
        let p = PathBuf::from(format!("{}.minisig", file.display()));
        if p.is_file() { vec![p] } else { Vec::new() }
    } else {
        sigs
    };
    let sig = sigs.first().cloned();
    if sig.is_some() && lines.is_empty() {
        anyhow::bail!(
            "签名需要 --key（发布方的 minisign 公钥）才能检查 / a signature needs --key (the platform's minisign public key) to be checked"
        );
    }
    let keys = Keys::new(&lines).map_err(anyhow::Error::msg)?;
    if threshold == 0 || (threshold > 1 && threshold > keys.len()) {
        anyhow::bail!(
            "--threshold {threshold}：需要 1 到 {} 之间（不同的 --key 数量）/ --threshold {threshold}: must be between 1 and the number of distinct --key ({})",
            keys.len().max(1),
            keys.len().max(1)
        );
    }
    let mut texts = Vec::new();
    for p in &sigs {
        texts.push(std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?);
    }
    let sig_text = (!texts.is_empty()).then(|| texts.join("\n"));
    let policy = Policy {
        origin: file.to_path_buf(),
        keys,
        require_signature: !lines.is_empty(),
        threshold,
        max_body: MAX_BODY,
        max_items: MAX_ITEMS,
        limits: Limits::default(),
    };
    let a = match accept(&policy, &body, sig_text.as_deref(), Some(now), None) {
        Ok(a) => a,
        Err(r) => {
            println!("{}: 错误 error: 整个信息源被拒绝：{} / feed rejected as a whole: {r}", file.display(), r.zh());
            return Ok(ExitCode::from(EXIT_PROBLEMS));
        }
    };
    println!("feed 信息源 {}: schema yiping.feed/1, sequence {}, generated_at {}", file.display(), a.feed.sequence, a.feed.generated_at);
    match (&a.verified, &sig) {
        (Some(v), Some(_)) => println!(
            "signature 签名: good 有效, {} distinct trusted key(s) 把不同的可信密钥 (threshold 门槛 {threshold}; trusted comment: {})",
            v.keys, v.trusted_comment
        ),
        _ => println!("signature 签名: not checked 未检查 (give --key and --sig, or put {}.minisig beside it)", file.display()),
    }
    println!("\nitems 条目 (judged at {now}):");
    for it in &a.feed.items {
        let e = std::sync::Arc::new(crate::item::Entry::new("feed", std::sync::Arc::clone(it), &Default::default()));
        let state = match Showable::admit(&e, now) {
            Ok(_) => "showable 可显示".to_string(),
            Err(Refusal::NotApproved(s)) => format!("not shown: status {s:?} 未审核通过，不显示").to_lowercase(),
            Err(Refusal::NotYetDue) => format!("not yet due 未到公示期 (from {})", it.display.from),
            Err(Refusal::Expired) => format!("expired 已过公示期 (until {})", it.display.until),
        };
        println!("  {:<32} rev {:<4} {:<8} {state}", it.id, it.revision, it.category.key());
    }
    if !a.feed.problems.is_empty() {
        println!("\nproblems 问题:");
        a.feed.problems.iter().for_each(|d| println!("{d}"));
    }
    let errors = a.feed.problems.iter().filter(|d| d.is_error()).count();
    let unsigned = a.verified.is_none();
    println!(
        "\n{errors} error(s) 个错误, {} warning(s) 个警告; {} item(s) 个条目{}",
        a.feed.problems.len() - errors,
        a.feed.items.len(),
        if unsigned { "; signature not checked 签名未检查" } else { "" }
    );
    Ok(if errors == 0 { ExitCode::SUCCESS } else { ExitCode::from(EXIT_PROBLEMS) })
}
