//! `yiping check --feed FILE [--sig FILE.minisig]... [--key KEY]... [--threshold N]`: validates a feed offline,
//! as the daemon would (N distinct trusted keys must have signed), so the platform can test what it publishes.
//!
//! Never writes anything.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

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

pub(super) fn check_feed(file: &Path, sigs: Vec<PathBuf>, keys: &[String], threshold: usize, at: Option<super::Moment>) -> anyhow::Result<ExitCode> {
    // No configuration here: local times are read in the default zone (Asia/Shanghai), as yiping.toml's default.
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC);
    let now = at.map_or_else(|| Clock::System.now(), |m| m.resolve(&tz));
    // The body stays bytes: the signature covers them as they are (a byte-order mark included).
    let body = std::fs::read(file).map_err(|e| anyhow::anyhow!("无法读取信息源文件 {0}：{e} / cannot read feed file {0}: {e}", file.display()))?;
    let mut lines = Vec::new();
    for k in keys {
        // A key is a minisign.pub file or its `RW...` line.
        let text = if Path::new(k).is_file() { read_text(Path::new(k))? } else { k.clone() };
        lines.push(key_line(&text).map_err(|e| anyhow::anyhow!("--key {k} 不是 minisign 公钥：{e} / --key {k}: not a minisign public key: {e}"))?);
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
        texts.push(read_text(p)?);
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
    println!(
        "信息源 feed {}: 格式 schema yiping.feed/1, 序号 sequence {}, 生成于 generated_at {}",
        file.display(),
        a.feed.sequence,
        super::moment::human(a.feed.generated_at, &tz)
    );
    match (&a.verified, &sig) {
        (Some(v), Some(_)) => println!(
            "签名 signature {}: 有效 good，{} 把不同的可信密钥 / {} distinct trusted key(s)（门槛 threshold {threshold}；可信注释 trusted comment: {}）",
            sigs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
            v.keys,
            v.keys,
            v.trusted_comment
        ),
        _ => println!(
            "签名 signature: 未检查 not checked（用 --key 和 --sig 给出，或把 {}.minisig 放在旁边 / give --key and --sig, or put it beside the feed）",
            file.display()
        ),
    }
    println!("\n条目 items（判断时间 judged at {}）:", super::moment::human(now, &tz));
    for it in &a.feed.items {
        let e = std::sync::Arc::new(crate::item::Entry::new("feed", std::sync::Arc::clone(it), &Default::default()));
        let state = match Showable::admit(&e, now) {
            Ok(_) => "可显示 showable".to_string(),
            Err(Refusal::NotApproved(s)) => format!("未审核通过，不显示 not shown: status {}", s.key()),
            Err(Refusal::NotYetDue) => format!("未到公示期 not yet due (from {})", it.display.from),
            Err(Refusal::Expired) => format!("已过公示期 expired (until {})", it.display.until),
        };
        println!("  {:<32} rev {:<4} {:<8} {state}", it.id, it.revision, it.category.key());
    }
    if !a.feed.problems.is_empty() {
        println!("\n问题 problems:");
        a.feed.problems.iter().for_each(|d| println!("{d}"));
    }
    let errors = a.feed.problems.iter().filter(|d| d.is_error()).count();
    let unsigned = a.verified.is_none();
    println!(
        "\n{errors} 个错误 error(s), {} 个警告 warning(s); {} 个条目 item(s){}",
        a.feed.problems.len() - errors,
        a.feed.items.len(),
        if unsigned { "; 签名未检查 signature not checked" } else { "" }
    );
    Ok(if errors == 0 { ExitCode::SUCCESS } else { ExitCode::from(EXIT_PROBLEMS) })
}

/// A key or signature file, through the one text reader (byte-order mark, encoding advice).
fn read_text(p: &Path) -> anyhow::Result<String> {
    crate::fsutil::read_text(p).map_err(|d| anyhow::anyhow!("{d}"))
}
