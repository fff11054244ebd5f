//! `yiping fleet collect --broker URL --out DIR`: the district's archive of every site's evidence.
//!
//! A persistent MQTT session (the broker queues records while the collector
//! is away), QoS 1 with manual acknowledgement: a record is acknowledged to
//! the broker only after it was appended and synced, so a crash of the
//! collector loses nothing. The archive itself is `fleet::archive`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use rumqttc::{Event, Incoming, QoS};

use super::Conn;
use crate::fleet::archive::{Archive, Outcome};
use crate::fleet::topics::{Seen, classify};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    conn: Conn,
    /// The archive: one folder per site
    #[arg(long)]
    out: PathBuf,
    /// The MQTT session name; keep it the same between runs so the broker keeps records for it while it is away
    #[arg(long)]
    client_id: Option<String>,
    /// Stop after this many seconds without a message (for cron jobs and tests); default: run until Ctrl-C
    #[arg(long)]
    exit_when_idle: Option<u64>,
}

pub(crate) async fn collect(a: Args) -> anyhow::Result<ExitCode> {
    let mut archive = Archive::open(&a.out).with_context(|| format!("无法创建归档目录 / cannot create the archive {}", a.out.display()))?;
    let id = a.client_id.clone().unwrap_or_else(|| format!("yiping-collect-{}", crate::fleet::config::host_name()));
    let (client, mut ev) = a.conn.client(id.clone(), false, true)?;
    let p = a.conn.prefix.clone();
    println!("归档到 archiving into {} (session {id}); Ctrl-C 停止 stops", a.out.display());
    let idle = a.exit_when_idle.map(Duration::from_secs);
    let mut unacked = std::collections::VecDeque::new();
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    let mut down_since: Option<std::time::Instant> = None;
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        let wait = idle.unwrap_or(Duration::from_secs(3600));
        let polled = tokio::select! {
            _ = &mut stop => break,
            r = tokio::time::timeout(wait, ev.poll()) => r,
        };
        let event = match polled {
            Err(_) if idle.is_some() => break,
            Err(_) => continue,
            Ok(Err(e)) => {
                if down_since.is_none() {
                    eprintln!("区级代理连接中断，重试中 / broker connection lost, retrying: {e}");
                    down_since = Some(std::time::Instant::now());
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
            Ok(Ok(e)) => e,
        };
        match event {
            Event::Incoming(Incoming::ConnAck(ack)) => {
                if down_since.take().is_some() {
                    eprintln!("已重新连接 / connected again");
                }
                if !ack.session_present {
                    for t in [format!("{p}/+/records"), format!("{p}/+/evidence/head")] {
                        client.subscribe(t, QoS::AtLeastOnce).await?;
                    }
                }
            }
            Event::Incoming(Incoming::Publish(m)) => {
                match classify(&p, &m.topic) {
                    Seen::Records(site) => match std::str::from_utf8(&m.payload) {
                        Ok(line) => match archive.record(site, line)? {
                            Outcome::Appended { .. } => *counts.entry(site.to_string()).or_default() += 1,
                            Outcome::Duplicate => {}
                            Outcome::Held { missing_from } => {
                                eprintln!(
                                    "{site}: 记录 #{missing_from} 起缺失，后面的记录先暂存 / records from #{missing_from} missing; later ones held until they arrive"
                                )
                            }
                            Outcome::Conflict { seq } => eprintln!(
                                "{site}: 记录 #{seq} 与已归档的链不符（站点日志被改写？），已存入 conflicts.jsonl / record #{seq} does not follow the archived chain (box log rewritten?); kept in conflicts.jsonl"
                            ),
                            Outcome::Invalid(e) => eprintln!("{site}: 无效记录，已忽略 / invalid record ignored: {e}"),
                            Outcome::BadSite => eprintln!("站点名无效，已忽略 / invalid site name in topic {}", m.topic),
                        },
                        Err(_) => eprintln!("{site}: 记录不是 UTF-8 / record is not UTF-8, ignored"),
                    },
                    Seen::Head(site) => {
                        archive.head(site, &String::from_utf8_lossy(&m.payload))?;
                    }
                    _ => {}
                }
                unacked.push_back(m);
            }
            _ => {}
        }
        // Group commit: sync once the burst is drained, then acknowledge what is now safe.
        // Acks go through the client's request queue (64), which only `ev.poll` drains: waiting
        // on it here deadlocked a collector handed a backlog of more than 64 records (the
        // 1,000-box bench hung there). What does not fit now is acknowledged after the next poll;
        // the broker's in-flight window bounds how many wait.
        if !unacked.is_empty() && (unacked.len() >= 32 || ev.state.events.is_empty()) {
            archive.sync()?;
            while let Some(m) = unacked.front() {
                if client.try_ack(m).is_err() {
                    break;
                }
                unacked.pop_front();
            }
        }
    }
    archive.sync()?;
    for m in unacked.drain(..) {
        if client.try_ack(&m).is_err() {
            // Not acknowledged: the broker sends it again next time, and the archive drops the duplicate.
            break;
        }
    }
    // Let the acks go out before leaving.
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            if ev.poll().await.is_err() {
                return;
            }
        }
    })
    .await;
    for (site, n) in &counts {
        println!("{site}: 新归档 {n} 条记录 / {n} new record(s) archived");
    }
    for (site, from, held) in archive.gaps() {
        println!("{site}: 仍缺记录 #{from} 起，{held} 条暂存未写入 / still missing records from #{from}; {held} held and not written");
    }
    Ok(ExitCode::SUCCESS)
}
