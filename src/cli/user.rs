//! `yiping user add|del|list|passwd`: the operator console's accounts, from the shell.
//!
//! Passwords are read from standard input (without echo at a terminal, asked twice) and
//! stored only as Argon2id hashes in the accounts file (`[console] users_file`, mode 0600).

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::console::accounts::{self, Account, Role};

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum RoleArg {
    /// 文书: edits items and playlists
    Clerk,
    /// 查看: reads status and reports
    Viewer,
    /// 管理员: everything, including accounts
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Clerk => Role::Clerk,
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(clap::Subcommand)]
pub(crate) enum UserCommand {
    /// Add an account; the password is read from standard input
    Add {
        name: String,
        #[arg(long)]
        config: PathBuf,
        #[arg(long, value_enum, default_value = "clerk")]
        role: RoleArg,
    },
    /// Remove an account (its sessions end at once)
    Del {
        name: String,
        #[arg(long)]
        config: PathBuf,
    },
    /// List accounts and their roles
    List {
        #[arg(long)]
        config: PathBuf,
    },
    /// Set a new password (read from standard input)
    Passwd {
        name: String,
        #[arg(long)]
        config: PathBuf,
    },
}

/// The accounts file a configuration names (the default when `[console]` is absent).
fn users_file(config: &Path) -> anyhow::Result<PathBuf> {
    let cfg = super::load_config(config)?;
    Ok(match &cfg.console {
        Some(c) => c.users_file.clone(),
        None => {
            eprintln!("yiping: note 注意: {} has no [console] table: the console is off until you add one", config.display());
            crate::console::ConsoleConfig::defaults(&cfg.state_dir).users_file
        }
    })
}

/// Reads a password: twice without echo at a terminal, else the first line of stdin.
fn read_password(name: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_string());
    }
    let ask = |prompt: &str| -> anyhow::Result<String> {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        let _quiet = NoEcho::new();
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        eprintln!();
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    };
    let a = ask(&format!("{name} 的新密码 new password: "))?;
    let b = ask("再输入一次 again: ")?;
    if a != b {
        bail!("两次输入的密码不一致 / the passwords differ");
    }
    Ok(a)
}

/// Turns terminal echo off until dropped.
struct NoEcho(Option<libc::termios>);

impl NoEcho {
    fn new() -> NoEcho {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a zeroed, then filled, termios.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return NoEcho(None);
            }
            let old = t;
            t.c_lflag &= !libc::ECHO;
            libc::tcsetattr(0, libc::TCSANOW, &t);
            NoEcho(Some(old))
        }
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        if let Some(t) = &self.0 {
            // SAFETY: restoring the attributes read in `new`.
            unsafe { libc::tcsetattr(0, libc::TCSANOW, t) };
        }
    }
}

fn check<T>(r: Result<T, (String, String)>) -> anyhow::Result<T> {
    r.map_err(|(zh, en)| anyhow::anyhow!("{zh} / {en}"))
}

pub(crate) fn user(cmd: UserCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        UserCommand::List { config } => {
            let path = users_file(&config)?;
            let all = accounts::load(&path)?;
            if all.is_empty() {
                println!("没有账号：用 yiping user add 名字 --config {} 添加 / no accounts yet ({})", config.display(), path.display());
            }
            for a in &all {
                println!("{}\t{}\t{}", a.name, a.role.key(), a.role.label());
            }
        }
        UserCommand::Add { name, config, role } => {
            check(accounts::check_name(&name))?;
            let path = users_file(&config)?;
            let mut all = accounts::load(&path)?;
            if all.iter().any(|a| a.name == name) {
                bail!("账号“{name}”已存在；改密码用 yiping user passwd / account `{name}` exists: use `yiping user passwd`");
            }
            let pw = read_password(&name)?;
            check(accounts::check_password(&name, &pw))?;
            let hash = accounts::hash_password(&pw).map_err(anyhow::Error::msg)?;
            let role: Role = role.into();
            all.push(Account { name: name.clone(), role, hash });
            accounts::save(&path, &all).with_context(|| format!("writing {}", path.display()))?;
            println!("已添加 {name}（{}）/ added {name} as {} in {}", role.label(), role.key(), path.display());
        }
        UserCommand::Passwd { name, config } => {
            let path = users_file(&config)?;
            let mut all = accounts::load(&path)?;
            let Some(i) = all.iter().position(|a| a.name == name) else { bail!("没有账号“{name}” / no account `{name}`") };
            let pw = read_password(&name)?;
            check(accounts::check_password(&name, &pw))?;
            all[i].hash = accounts::hash_password(&pw).map_err(anyhow::Error::msg)?;
            accounts::save(&path, &all).with_context(|| format!("writing {}", path.display()))?;
            println!("已更改 {name} 的密码；其登录会话已失效 / password of {name} changed; log in again");
        }
        UserCommand::Del { name, config } => {
            let path = users_file(&config)?;
            let mut all = accounts::load(&path)?;
            let before = all.len();
            all.retain(|a| a.name != name);
            if all.len() == before {
                bail!("没有账号“{name}” / no account `{name}`");
            }
            accounts::save(&path, &all).with_context(|| format!("writing {}", path.display()))?;
            println!("已删除 {name} / removed {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
