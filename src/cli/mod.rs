//! Command line: `run`, `check`, `preview`, `log verify`, `report`, `fleet`. The only place that uses anyhow and exit codes.
//! Command line: `run`, `check`, `preview`, `log verify`, `report`, `user`. The only place that uses anyhow and exit codes.

mod check;
mod feed;
mod fleet;
mod journal;
mod log;
mod moment;
mod passes;
mod preview;
mod report;
mod run;
mod schedule;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use moment::Moment;

/// Exit codes: 0 fine, 1 problems found (`check`), 2 could not run.
pub(crate) const EXIT_PROBLEMS: u8 = 1;
pub(crate) const EXIT_FAILED: u8 = 2;

/// `yiping --version`: the crate version and the commit it was built from (build.rs).
pub(crate) const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("YIPING_GIT_COMMIT"), ")");

#[derive(Parser)]
#[command(name = "yiping", version = VERSION, about = "一屏: shows approved public-disclosure notices (三务公开) on village screens")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// 运行（不给 --config 时运行内置演示）/ Run the daemon (with no --config: the built-in demo)
    Run {
        #[arg(long)]
        config: Option<PathBuf>,
        /// 假定时钟从这一时刻开始（演练）/ Pretend the clock starts here (rehearsals): 2026-12-01 09:00 (local) or RFC 3339
        #[arg(long)]
        at: Option<Moment>,
    },
    /// 检查配置、播放列表和条目；没问题退出码 0，否则 1 / Validate config, playlists and items; exit 0 when clean, 1 otherwise
    Check {
        #[arg(long, required_unless_present = "feed")]
        config: Option<PathBuf>,
        /// 按这一时刻判断公示期 / Judge display windows at this time instead of now: 2026-12-01 09:00 (local) or RFC 3339
        #[arg(long)]
        at: Option<Moment>,
        /// 检查信息源文件而不是配置 / Validate a feed file (format v1) instead of a config, as the daemon would
        #[arg(long, conflicts_with = "config")]
        feed: Option<PathBuf>,
        /// The feed's minisign signature (default: FILE.minisig when it exists; repeatable, one per signer)
        #[arg(long, requires = "feed")]
        sig: Vec<PathBuf>,
        /// A trusted minisign public key: a minisign.pub file or its RW... line (repeatable)
        #[arg(long, requires = "feed")]
        key: Vec<String>,
        /// Distinct trusted keys that must have signed (two keys to publish: 2)
        #[arg(long, requires = "feed", default_value_t = 1)]
        threshold: usize,
    },
    /// 预览屏幕画面 / Render what a screen would show, without running the daemon
    Preview(preview::Args),
    /// 列出屏幕将播放的时间表 / Print the timeline of what a screen will play (slots, items, off hours, urgent interrupts)
    Schedule(schedule::Args),
    /// 显示记录（播放日志）/ The evidence (play) log
    #[command(subcommand)]
    Log(log::LogCommand),
    /// 公示报告：每条每屏每天显示了多久 / Per item and screen: time shown each day against its minimum, gaps explained
    Report(report::Args),
    /// 区县总览（MQTT）/ The district's view over MQTT: a table of every site, `send` signed commands, `collect` the evidence
    Fleet(Box<fleet::Args>),
    /// Operator console accounts (控制台账号): add, del, list, passwd
    #[command(subcommand)]
    User(user::UserCommand),
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Help and version are not errors; a wrong argument gets a Chinese line first.
            if e.use_stderr() {
                eprintln!("yiping: 错误：命令参数有误（见下方英文说明）；运行 yiping --help 查看用法 / invalid arguments:");
            }
            e.exit();
        }
    };
    if !matches!(cli.command, None | Some(Command::Run { .. })) {
        // Report commands die quietly when piped into `head`, like other Unix tools.
        // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
    let result = match cli.command {
        None => run::run(None, None),
        Some(Command::Run { config, at }) => run::run(config, at),
        Some(Command::Check { feed: Some(f), sig, key, threshold, at, .. }) => feed::check_feed(&f, sig, &key, threshold, at),
        Some(Command::Check { config, at, .. }) => check::check(&config.expect("clap requires --config without --feed"), at),
        Some(Command::Preview(args)) => preview::preview(args),
        Some(Command::Schedule(args)) => schedule::schedule(args),
        Some(Command::Log(cmd)) => log::log(cmd),
        Some(Command::Report(args)) => report::report(args),
        Some(Command::Fleet(args)) => fleet::fleet(*args),
        Some(Command::User(cmd)) => user::user(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Under journald, mark it as an error so `journalctl -p err` shows why the service stopped.
            let prefix = if journal::stderr_is_journal() { "<3>" } else { "" };
            eprintln!("{prefix}yiping: 错误 error: {e:#}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// Reads every source once, without the daemon: for `check` and `preview`.
fn offline_catalog(cfg: &crate::config::Config) -> crate::item::Catalog {
    crate::store::build_catalog(&crate::sources::offline_updates(&cfg.sources, &cfg.state_dir), &cfg.masking)
}

/// Loads a config or returns every problem as one error.
fn load_config(path: &std::path::Path) -> anyhow::Result<crate::config::Config> {
    let (cfg, diags) = crate::config::Config::load(path);
    diags.iter().for_each(|d| eprintln!("{d}"));
    cfg.ok_or_else(|| anyhow::anyhow!("{0} 有错误（见上方）/ {0} has errors (listed above)", path.display()))
}

/// What `preview` and `schedule` start from: the config, the chosen screen's engine, and the items.
struct Offline {
    cfg: crate::config::Config,
    screen: crate::config::ScreenConfig,
    engine: crate::engine::ScreenEngine,
    catalog: crate::item::Catalog,
    fonts: std::sync::Arc<crate::render::font::FontLibrary>,
}

fn offline_screen(config: &std::path::Path, screen: Option<&str>) -> anyhow::Result<Offline> {
    use anyhow::Context;
    let cfg = load_config(config)?;
    let screen = match screen {
        Some(n) => cfg.screen(n).with_context(|| format!("no screen named `{n}` in {}", config.display()))?,
        None => cfg.screens.first().context("config has no screens")?,
    }
    .clone();
    let fonts =
        std::sync::Arc::new(crate::render::font::FontLibrary::load(&crate::render::font::FontLibrary::default_dirs(cfg.fonts_dir.as_deref()))?);
    let engine = crate::engine::ScreenEngine::new(&screen, &cfg, &fonts).map_err(anyhow::Error::msg)?;
    let catalog = offline_catalog(&cfg);
    for p in &catalog.problems {
        eprintln!("{p}");
    }
    Ok(Offline { cfg, screen, engine, catalog, fonts })
}
