//! `yiping report`: what each screen showed per item and day, from the evidence log.

use std::path::PathBuf;
use std::process::ExitCode;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::clock::Clock;
use crate::evidence::report::{Builder, Query};
use crate::evidence::{format, verify};

#[derive(clap::Args)]
pub(super) struct Args {
    /// First day (YYYY-MM-DD, local)
    #[arg(long)]
    from: Date,
    /// Last day, inclusive
    #[arg(long)]
    to: Date,
    #[arg(long)]
    screen: Option<String>,
    /// An item key (local/x) or id
    #[arg(long)]
    item: Option<String>,
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// The log folder (default: `[evidence] dir` of --config)
    #[arg(long)]
    dir: Option<PathBuf>,
    #[arg(long)]
    config: Option<PathBuf>,
    /// Count time up to this instant (default: now, or the newest record if later)
    #[arg(long)]
    at: Option<Timestamp>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Md,
    Csv,
    Json,
}

pub(super) fn report(a: Args) -> anyhow::Result<ExitCode> {
    if a.to < a.from {
        anyhow::bail!("--to {} is before --from {}", a.to, a.from);
    }
    let (dir, tz) = match (&a.dir, &a.config) {
        (Some(d), _) => (d.clone(), None),
        (None, Some(c)) => {
            let cfg = super::load_config(c)?;
            (cfg.evidence.dir, Some(cfg.time_zone))
        }
        (None, None) => anyhow::bail!("say where the log is: --dir DIR or --config yiping.toml"),
    };
    if !dir.is_dir() {
        anyhow::bail!("no evidence log at {} (is the path right?)", dir.display());
    }
    let mut b = Builder::new(Query { from: a.from, to: a.to, screen: a.screen, item: a.item, time_zone: tz });
    let mut newest = Timestamp::UNIX_EPOCH;
    let v = verify::read(&dir, |r| {
        newest = newest.max(r.at);
        b.add(r);
    })?;
    let now = a.at.unwrap_or_else(|| Clock::System.now().max(newest));
    let report = b.finish(now);
    let log_line = match &v.problem {
        None => format!("Log verified 日志校验通过: {} records, chain intact; {} torn record(s) skipped.", v.records, v.torn.len()),
        Some(p) => format!("WARNING 警告: the log does NOT verify 日志校验失败 — {p}. Figures below rest on a damaged log."),
    };
    match a.format {
        Format::Md => print!("{}", format::markdown(&report, &log_line)),
        Format::Csv => print!("{}", format::csv(&report)),
        Format::Json => {
            let mut j = serde_json::to_value(&report)?;
            j["log"] = serde_json::json!({"records": v.records, "verified": v.problem.is_none(), "problem": v.problem.as_ref().map(|p| p.to_string()), "torn": v.torn.len()});
            println!("{}", serde_json::to_string_pretty(&j)?);
        }
    }
    if v.problem.is_some() {
        eprintln!("yiping: the evidence log does not verify: {}", v.problem.as_ref().map(|p| p.to_string()).unwrap_or_default());
        return Ok(ExitCode::from(super::EXIT_PROBLEMS));
    }
    Ok(ExitCode::SUCCESS)
}
