//! `yiping log verify`: checks the evidence log's hash chain and names the first bad record.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use super::EXIT_PROBLEMS;
use crate::evidence::verify;

#[derive(Subcommand)]
pub(super) enum LogCommand {
    /// Check every record's hash and link; report the first edited, deleted, inserted or reordered one
    Verify {
        /// The log folder (default: `[evidence] dir` of --config)
        #[arg(long)]
        dir: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
        /// Heads noted elsewhere (one JSON object a line, as `fleet collect` keeps in heads.jsonl):
        /// the log must contain each anchor's record with its hash, else it was cut back or rewritten
        #[arg(long)]
        anchors: Option<PathBuf>,
    },
}

/// The log folder from --dir, or from the config's `[evidence] dir`.
pub(super) fn log_dir(dir: Option<PathBuf>, config: Option<&Path>) -> anyhow::Result<PathBuf> {
    match (dir, config) {
        (Some(d), _) => Ok(d),
        (None, Some(c)) => Ok(super::load_config(c)?.evidence.dir),
        (None, None) => {
            anyhow::bail!("请指明显示记录在哪里：--dir 目录 或 --config yiping.toml / say where the log is: --dir DIR or --config yiping.toml")
        }
    }
}

pub(super) fn log(cmd: LogCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LogCommand::Verify { dir, config, anchors } => {
            let dir = log_dir(dir, config.as_deref())?;
            if !dir.is_dir() {
                anyhow::bail!("{0} 没有显示记录（路径对吗？）/ no evidence log at {0} (is the path right?)", dir.display());
            }
            let mut check = match &anchors {
                Some(f) => {
                    let text = crate::fsutil::read_text(f).map_err(|d| anyhow::anyhow!("{d}"))?;
                    let list = crate::evidence::anchors::parse(&text).map_err(|(line, e)| {
                        anyhow::anyhow!("{}:{line}: 不是证据头记录：{e} / not a head (expected {{\"seq\":N,\"hash\":\"…\"}}): {e}", f.display())
                    })?;
                    Some(crate::evidence::anchors::Check::new(list))
                }
                None => None,
            };
            let v = verify::read_hashed(&dir, |r, h| {
                if let Some(c) = &mut check {
                    c.record(r.seq, h);
                }
            })?;
            let anchored = match (&check, &anchors) {
                (Some(c), Some(f)) => anchor_report(c, f, &v),
                _ => true,
            };
            for (f, line) in &v.torn {
                println!("{}:{line}: 警告 warning: 断电时未写完的记录，已跳过 / torn record skipped (power cut while writing)", f.display());
            }
            match &v.problem {
                None if !anchored => {
                    println!("日志与锚点不符 log does NOT match the anchors（已读 {0} 条记录 / {0} record(s) read）", v.records);
                    Ok(ExitCode::from(EXIT_PROBLEMS))
                }
                None => {
                    let head = v.head.as_ref().map_or("空 empty".to_string(), |(s, h)| format!("#{s} {h}"));
                    println!(
                        "完整 ok：{0} 个文件共 {1} 条记录，哈希链完整；最新 {head} / {1} record(s) in {0} file(s), chain intact; head {head}",
                        v.files, v.records
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Some(p) => {
                    println!("{}:{}: 错误 error: {}（记录被篡改、删除、插入或调换）/ {}", p.file.display(), p.line, p.zh, p.what);
                    println!("日志校验失败 log does NOT verify（已读 {0} 条记录 / {0} record(s) read）", v.records);
                    Ok(ExitCode::from(EXIT_PROBLEMS))
                }
            }
        }
    }
}

/// Prints each anchor the log fails; true when every anchor is in the log with its hash.
fn anchor_report(c: &crate::evidence::anchors::Check, file: &Path, v: &verify::Verified) -> bool {
    let end = v.head.as_ref().map_or("空日志 empty log".to_string(), |(s, _)| format!("#{s}"));
    for a in c.missing() {
        println!(
            "{}:{}: 错误 error: 日志中没有锚点记录 #{}（日志止于 {end}）：日志被截短，或记录被删除 / the log has no record #{} (it ends at {end}): it was cut back behind this anchor{}",
            file.display(),
            a.line,
            a.seq,
            a.seq,
            a.at.as_ref().map_or(String::new(), |t| format!(" noted at {t}"))
        );
    }
    for (a, found) in &c.rewritten {
        println!(
            "{}:{}: 错误 error: 记录 #{} 的哈希与锚点不同：日志自此或更早处被改写 / record #{} has hash {found}, the anchor says {}: the log was rewritten at or before it",
            file.display(),
            a.line,
            a.seq,
            a.seq,
            a.hash
        );
    }
    if c.missing().is_empty() && c.rewritten.is_empty() {
        println!("锚点 anchors：{0} 个全部相符 / all {0} match", c.matched);
        return true;
    }
    false
}
