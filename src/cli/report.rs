//! `yiping report`: what each screen showed per item and day, from the evidence log,
//! as HTML (to print and sign), CSV (Excel), Markdown or JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use jiff::civil::Date;

use crate::clock::Clock;
use crate::evidence::report::csv::Lang;
use crate::evidence::report::{Builder, LogSummary, Query, csv, html, markdown};
use crate::evidence::verify;

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
    /// html: a page to print and sign; csv: for Excel; md: to paste; json: for programs
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// CSV headings: zh (Chinese, with an English row under them) or en
    #[arg(long, value_enum, default_value = "zh")]
    lang: CsvLang,
    /// The log folder (default: `[evidence] dir` of --config)
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The configuration: log folder, time zone, screen hours, village, [compliance]
    #[arg(long)]
    config: Option<PathBuf>,
    /// 统计到这一时刻 / Count time up to this instant (default: now, or the newest record if later): 2026-12-01 09:00 (local) or RFC 3339
    #[arg(long)]
    at: Option<super::Moment>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Md,
    Csv,
    Json,
    Html,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CsvLang {
    Zh,
    En,
}

pub(super) fn report(a: Args) -> anyhow::Result<ExitCode> {
    if a.to < a.from {
        anyhow::bail!("--to {} 早于 --from {} / --to {} is before --from {}", a.to, a.from, a.to, a.from);
    }
    let mut q = Query::new(a.from, a.to);
    q.screen = a.screen;
    q.item = a.item;
    let dir = match (&a.dir, &a.config) {
        (Some(d), _) => d.clone(),
        (None, Some(c)) => {
            let cfg = super::load_config(c)?;
            q.time_zone = Some(cfg.time_zone.clone());
            q.hours = Some(crate::evidence::record::hours_log(cfg.screens.iter().map(|s| (s.name.as_str(), &s.hours))));
            q.village = cfg.village.clone();
            q.compliance = cfg.compliance.clone();
            cfg.evidence.dir
        }
        (None, None) => {
            anyhow::bail!("请说明记录在哪里：--dir 文件夹 或 --config yiping.toml / say where the log is: --dir DIR or --config yiping.toml")
        }
    };
    if !dir.is_dir() {
        anyhow::bail!("{} 没有显示记录（路径对吗？）/ no evidence log at {} (is the path right?)", dir.display(), dir.display());
    }
    // Records later than the trusted clock are from the future. `--at` later than the
    // clock says it is at least that late (a report made ahead, as in tests).
    let tz = q.time_zone.clone().unwrap_or_else(|| jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC));
    let at = a.at.map(|m| m.resolve(&tz));
    let clock = Clock::guarded();
    let real = clock.now();
    q.trusted_now = clock.trusted().then(|| at.map_or(real, |at| at.max(real)));
    let mut b = Builder::new(q);
    let mut first_seq = None;
    let v = verify::read(&dir, |r| {
        first_seq.get_or_insert(r.seq);
        b.add(r);
    })?;
    let now = at.unwrap_or_else(|| b.newest().map_or(real, |n| n.max(real)));
    let report = b.finish(now);
    let log = LogSummary::of(&v, first_seq);
    let log_line = log.line();
    match a.format {
        Format::Md => print!("{}", markdown::markdown(&report, &log_line)),
        Format::Csv => print!("{}", csv::csv(&report, if matches!(a.lang, CsvLang::En) { Lang::En } else { Lang::Zh })),
        Format::Html => print!("{}", html::html(&report, &log, super::VERSION, real)),
        Format::Json => {
            let mut j = serde_json::to_value(&report)?;
            j["log"] = serde_json::to_value(&log)?;
            println!("{}", serde_json::to_string_pretty(&j)?);
        }
    }
    if !report.anomalies.is_empty() {
        eprintln!(
            "yiping: 警告：{n} 条记录的时间不可信（来自未来、时间倒退或时长超过其跨度），未计入报告 / warning: {n} record(s) with times that cannot be true were left out of the report",
            n = report.anomalies.len()
        );
    }
    if let Some(p) = &v.problem {
        eprintln!("yiping: 显示记录校验失败 / the evidence log does not verify: {p}");
        return Ok(ExitCode::from(super::EXIT_PROBLEMS));
    }
    Ok(ExitCode::SUCCESS)
}
