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
    },
}

/// The log folder from --dir, or from the config's `[evidence] dir`.
pub(super) fn log_dir(dir: Option<PathBuf>, config: Option<&Path>) -> anyhow::Result<PathBuf> {
    match (dir, config) {
        (Some(d), _) => Ok(d),
        (None, Some(c)) => Ok(super::load_config(c)?.evidence.dir),
        (None, None) => anyhow::bail!("say where the log is: --dir DIR or --config yiping.toml"),
    }
}

pub(super) fn log(cmd: LogCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LogCommand::Verify { dir, config } => {
            let dir = log_dir(dir, config.as_deref())?;
            if !dir.is_dir() {
                anyhow::bail!("no evidence log at {} (is the path right?)", dir.display());
            }
            let v = verify::read(&dir, |_| {})?;
            for (f, line) in &v.torn {
                println!("{}:{line}: warning 警告: torn record skipped (power cut while writing) / 断电时未写完的记录，已跳过", f.display());
            }
            match &v.problem {
                None => {
                    let head = v.head.as_ref().map_or("empty".to_string(), |(s, h)| format!("#{s} {h}"));
                    println!("ok 完整: {} record(s) 条记录 in {} file(s) 个文件, chain intact 哈希链完整; head 最新: {head}", v.records, v.files);
                    Ok(ExitCode::SUCCESS)
                }
                Some(p) => {
                    println!("{}:{}: error 错误: {} / 记录被篡改、删除、插入或调换", p.file.display(), p.line, p.what);
                    println!("log does NOT verify 日志校验失败 ({} record(s) read)", v.records);
                    Ok(ExitCode::from(EXIT_PROBLEMS))
                }
            }
        }
    }
}
