//! `yiping fleet send`: signs a command with the district's minisign secret key and publishes it,
//! then prints each site's answer (and saves screenshots).
//!
//! Keys made by the minisign CLI work as they are. A key with a password reads
//! it from $YIPING_KEY_PASSWORD, else from standard input (a prompt when it is
//! a terminal, one line when piped). The body is dated and carries a fresh
//! nonce, so a box obeys it once and only within ten minutes.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use rumqttc::{Event, Incoming, QoS};
use serde_json::{Value, json};

use super::Conn;
use crate::fleet::command::{envelope, sign_with};
use crate::fleet::topics::{Seen, classify};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    conn: Conn,
    /// One site, or `all`
    #[arg(long)]
    site: String,
    /// The district's minisign secret key (minisign -G makes one)
    #[arg(long)]
    key: PathBuf,
    /// How long to wait for answers
    #[arg(long, default_value_t = 15)]
    wait_seconds: u64,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Subcommand)]
enum Cmd {
    /// Poll every HTTP source now (a revocation reaches the screen in seconds)
    Refresh,
    /// Reload the configuration
    Reload,
    /// Publish each screen's frame as PNG (or one screen's)
    Screenshot {
        #[arg(long)]
        screen: Option<String>,
        /// Where the PNGs go (SITE-SCREEN.png)
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Show an item (JSON file, the item format, priority urgent, approved, with its window) on every screen at once
    Urgent {
        #[arg(long)]
        item: PathBuf,
    },
    /// Withdraw an urgent item by its id
    UrgentCancel {
        #[arg(long)]
        id: String,
    },
}

/// Reads a minisign secret key, asking for its password only when it has one.
pub(crate) fn secret_key(path: &std::path::Path) -> anyhow::Result<minisign::SecretKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("无法读取密钥文件 / cannot read the key {}", path.display()))?;
    let boxed = || minisign::SecretKeyBox::from_string(&text);
    if let Ok(sk) = boxed().and_then(|b| b.into_unencrypted_secret_key()) {
        return Ok(sk);
    }
    if let Some(sk) = unencrypted_from_cli(&text) {
        return Ok(sk);
    }
    let password = match std::env::var("YIPING_KEY_PASSWORD") {
        Ok(p) => Some(p),
        Err(_) if std::io::stdin().is_terminal() => None, // minisign prompts on the terminal
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).context("reading the key password from standard input")?;
            Some(line.trim_end_matches(['\n', '\r']).to_string())
        }
    };
    boxed().and_then(|b| b.into_secret_key(password)).map_err(|e| {
        anyhow::anyhow!(
            "无法打开密钥 {}（口令错误，或不是 minisign 私钥）：{e} / cannot open the key {} (wrong password, or not a minisign secret key): {e}",
            path.display(),
            path.display()
        )
    })
}

/// The minisign CLI (0.11) writes unencrypted keys (`-W`) with an all-zero checksum, which the
/// crate refuses as corrupted. Such a key is read as it is and checked by signing and verifying once.
fn unencrypted_from_cli(text: &str) -> Option<minisign::SecretKey> {
    use ct_codecs::{Base64, Decoder};
    let line = text.lines().nth(1)?.trim();
    let bytes = Base64::decode_to_vec(line, None).ok()?;
    // sig alg "Ed", kdf alg 0 (none), checksum alg "B2".
    if bytes.len() != 158 || &bytes[0..2] != b"Ed" || bytes[2..4] != [0, 0] {
        return None;
    }
    let sk = minisign::SecretKey::from_bytes(&bytes).ok()?;
    let pk = minisign::PublicKey::from_secret_key(&sk).ok()?;
    let sig = minisign::sign(Some(&pk), &sk, std::io::Cursor::new(b"yiping"), None, None).ok()?;
    minisign::verify(&pk, &sig, std::io::Cursor::new(b"yiping"), true, false, false).ok()?;
    Some(sk)
}

pub(crate) async fn send(a: Args) -> anyhow::Result<ExitCode> {
    let sk = secret_key(&a.key)?;
    let site_field = if a.site == "all" { "*".to_string() } else { a.site.clone() };
    if !crate::fleet::config::valid_level(&a.site) {
        anyhow::bail!("站点名无效 / invalid site `{}`", a.site);
    }
    let nonce = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    let now = crate::clock::Clock::System.now();
    let mut body = json!({"site": site_field, "issued_at": now, "nonce": nonce});
    let (name, extra): (&str, Option<(&str, Value)>) = match &a.cmd {
        Cmd::Refresh => ("refresh", None),
        Cmd::Reload => ("reload", None),
        Cmd::Screenshot { screen, .. } => ("screenshot", screen.as_ref().map(|s| ("screen", json!(s)))),
        Cmd::Urgent { item } => {
            let text = std::fs::read_to_string(item).with_context(|| format!("无法读取条目 / cannot read {}", item.display()))?;
            let v: Value =
                serde_json::from_str(&text).with_context(|| format!("条目不是 JSON / {} is not JSON (the item format)", item.display()))?;
            ("urgent", Some(("item", v)))
        }
        Cmd::UrgentCancel { id } => ("urgent_cancel", Some(("id", json!(id)))),
    };
    body["cmd"] = json!(name);
    if let Some((k, v)) = extra {
        body[k] = v;
    }
    let payload = envelope(&body, |b| sign_with(&sk, b)).map_err(anyhow::Error::msg)?;
    let p = &a.conn.prefix;
    let (client, mut ev) = a.conn.client(format!("yiping-send-{}", super::id_suffix()), true, false)?;
    let result_topic = if a.site == "all" { format!("{p}/+/cmd/result") } else { format!("{p}/{}/cmd/result", a.site) };
    client.subscribe(&result_topic, QoS::AtLeastOnce).await?;
    if name == "screenshot" {
        let frames = if a.site == "all" { format!("{p}/+/screens/+/frame") } else { format!("{p}/{}/screens/+/frame", a.site) };
        client.subscribe(frames, QoS::AtLeastOnce).await?;
    }
    let topic = format!("{p}/{}/cmd", a.site);
    let mut published = false;
    let (mut ok, mut refused) = (0, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(a.wait_seconds);
    loop {
        match tokio::time::timeout_at(deadline, ev.poll()).await {
            Err(_) => break,
            Ok(Err(e)) => anyhow::bail!("无法连接区级代理 {}：{e} / cannot reach the broker {}: {e}", a.conn.broker, a.conn.broker),
            Ok(Ok(Event::Incoming(Incoming::SubAck(_)))) if !published => {
                // Subscribed to the answers first, so none is missed.
                client.publish(&topic, QoS::AtLeastOnce, false, payload.clone()).await?;
                published = true;
                println!("已发送 sent {name} to {} (nonce {nonce}); 等待回复 waiting {} s for answers…", a.site, a.wait_seconds);
            }
            Ok(Ok(Event::Incoming(Incoming::Publish(m)))) => match classify(p, &m.topic) {
                Seen::Result(site) => {
                    let v: Value = serde_json::from_slice(&m.payload).unwrap_or(Value::Null);
                    if v["nonce"] != json!(nonce) && !v["nonce"].is_null() {
                        continue;
                    }
                    if v["ok"] == true {
                        ok += 1;
                        println!("{site}: 完成 ok — {}", v["detail"].as_str().unwrap_or(""));
                    } else {
                        refused += 1;
                        println!("{site}: 拒绝 REFUSED — {}", v["error"].as_str().unwrap_or("?"));
                    }
                    if a.site != "all" {
                        break;
                    }
                }
                Seen::Frame { site, screen } => {
                    let dir = match &a.cmd {
                        Cmd::Screenshot { out, .. } => out.clone(),
                        _ => PathBuf::from("."),
                    };
                    std::fs::create_dir_all(&dir)?;
                    let file = dir.join(format!("{site}-{screen}.png"));
                    std::fs::write(&file, &m.payload).with_context(|| format!("writing {}", file.display()))?;
                    println!("{site}: 截图 screenshot of {screen} -> {}", file.display());
                }
                _ => {}
            },
            Ok(Ok(_)) => {}
        }
    }
    let _ = client.disconnect().await;
    if ok + refused == 0 {
        println!(
            "没有收到回复：站点离线、站点名不对，或本机与站点的时钟相差超过 10 分钟 / no answer: the site is offline, the site name is wrong, or the clocks differ by more than 10 minutes"
        );
        return Ok(ExitCode::from(crate::cli::EXIT_FAILED));
    }
    Ok(if refused > 0 { ExitCode::from(crate::cli::EXIT_PROBLEMS) } else { ExitCode::SUCCESS })
}
