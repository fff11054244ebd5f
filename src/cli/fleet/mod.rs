//! `yiping fleet`: the district side. A table of every site (`--watch` keeps it live),
//! `send` (signed commands) and `collect` (the append-only archive of every site's evidence).
//!
//! Talks only to the MQTT broker; never to a box directly. Uses the same TLS
//! setup (rustls, ring) as the boxes.

mod collect;
mod send;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use rumqttc::{AsyncClient, EventLoop, MqttOptions, Transport};

use crate::fleet::config::Broker;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Option<FleetCommand>,
    #[command(flatten)]
    conn: Option<Conn>,
    /// Keep the table live (redrawn every few seconds) until Ctrl-C
    #[arg(long)]
    watch: bool,
    /// How long to listen before printing the table once
    #[arg(long, default_value_t = 3)]
    listen_seconds: u64,
}

#[derive(clap::Subcommand)]
enum FleetCommand {
    /// Sign a command with the district's minisign key and send it to one site or all
    Send(send::Args),
    /// Archive every site's evidence records and heads under DIR (one folder per site), until Ctrl-C
    Collect(collect::Args),
}

/// How to reach the broker (the same settings a box has in `[fleet]`).
#[derive(clap::Args, Clone)]
pub(crate) struct Conn {
    /// mqtts://host[:port] or mqtt://host[:port]
    #[arg(long)]
    broker: String,
    /// Topic root
    #[arg(long, default_value = "yiping")]
    prefix: String,
    /// CA certificate (PEM) of the broker, instead of the system's roots
    #[arg(long)]
    ca_file: Option<PathBuf>,
    #[arg(long)]
    username: Option<String>,
    /// A file holding the broker password
    #[arg(long)]
    password_file: Option<PathBuf>,
}

pub(crate) fn fleet(a: Args) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    match a.command {
        Some(FleetCommand::Send(s)) => rt.block_on(send::send(s)),
        Some(FleetCommand::Collect(c)) => rt.block_on(collect::collect(c)),
        None => {
            let conn = a.conn.context("给出代理地址 / say where the broker is: yiping fleet --broker mqtts://host:8883")?;
            rt.block_on(table::show(conn, a.watch, Duration::from_secs(a.listen_seconds.max(1))))
        }
    }
}

impl Conn {
    /// A client for the broker; `clean` false keeps a session (and its queued messages) across runs.
    /// With `manual_acks` a message is acknowledged only when the caller says so (after it is safe on disk).
    fn client(&self, id: String, clean: bool, manual_acks: bool) -> anyhow::Result<(AsyncClient, EventLoop)> {
        let b = Broker::parse(&self.broker).map_err(|(zh, en)| anyhow::anyhow!("{zh} / {en}"))?;
        let mut o = MqttOptions::new(id, b.host.clone(), b.port);
        o.set_clean_session(clean);
        o.set_manual_acks(manual_acks);
        o.set_keep_alive(Duration::from_secs(30));
        o.set_max_packet_size(16 << 20, 1 << 20);
        if let Some(user) = &self.username {
            let pw = match &self.password_file {
                Some(p) => std::fs::read_to_string(p)
                    .with_context(|| format!("无法读取口令文件 / cannot read the password file {}", p.display()))?
                    .trim_end_matches(['\n', '\r'])
                    .to_string(),
                None => String::new(),
            };
            o.set_credentials(user.clone(), pw);
        }
        if b.tls {
            let ca = match &self.ca_file {
                Some(p) => Some(std::fs::read(p).with_context(|| format!("无法读取 CA 证书 / cannot read the CA file {}", p.display()))?),
                None => None,
            };
            let cfg = crate::fleet::tls::client_config(ca.as_deref(), None).map_err(anyhow::Error::msg)?;
            o.set_transport(Transport::tls_with_config(rumqttc::TlsConfiguration::Rustls(std::sync::Arc::new(cfg))));
        } else if !b.is_loopback() {
            eprintln!(
                "警告：与代理 {} 的连接未加密，口令以明文传输；请用 mqtts:// / warning: the link to {} is not encrypted and the password travels in clear; use mqtts://",
                b.host, b.host
            );
        }
        let (c, mut ev) = AsyncClient::new(o, 64);
        ev.network_options.set_connection_timeout(10);
        Ok((c, ev))
    }
}

/// A process-unique client id suffix (two tools on one machine must not kick each other off).
fn id_suffix() -> String {
    format!("{}-{:x}", std::process::id(), fastrand::u32(..))
}
