//! The command worker: judges each command payload, acts on the good ones, answers and records every one.
//!
//! Runs as its own task beside the link, so a slow action (a PNG encode, a
//! file sync) never stalls the MQTT session. Refusals are logged once per
//! spell of the same kind; every command whose signature verified is written
//! to the evidence log, and refused unsigned or forged payloads are recorded
//! once per spell with the count, so a flood cannot fill the log.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::evidence::Event;
use crate::evidence::record::CommandSeen;
use crate::sources::http::verify::Keys;
use crate::spell::Spell;
use crate::status::State;

use super::Actions;
use super::command::{self, Action, Command, Known};
use super::nonces::Nonces;

/// What the worker asks the link to publish.
#[derive(Debug)]
pub(crate) enum Out {
    /// `{nonce, ok, error}` on `P/S/cmd/result`.
    Result(Vec<u8>),
    /// A screen's frame as PNG on `P/S/screens/<name>/frame`.
    Frame { screen: String, png: Vec<u8> },
}

pub(crate) struct Worker {
    pub site: String,
    pub keys: Keys,
    pub state: Arc<State>,
    pub nonces: Arc<Mutex<Nonces>>,
    pub actions: Arc<dyn Actions>,
}

/// Handles payloads until the link closes the channel or the daemon stops.
pub(crate) async fn run(w: Worker, mut rx: mpsc::Receiver<Vec<u8>>, out: mpsc::Sender<Out>, cancel: CancellationToken) {
    let mut spells: HashMap<&'static str, Spell> = HashMap::new();
    loop {
        let payload = tokio::select! {
            _ = cancel.cancelled() => return,
            p = rx.recv() => match p { Some(p) => p, None => return },
        };
        let now = w.state.clock.now();
        let checked = {
            let n = w.nonces.lock().unwrap_or_else(|e| e.into_inner());
            command::check(&payload, &w.keys, &w.site, now, |x| n.contains(x))
        };
        let (known, outcome) = match checked {
            Ok(cmd) => {
                let known = Known {
                    cmd: Some(cmd.action.name().into()),
                    nonce: Some(cmd.nonce.clone()),
                    site: Some(cmd.site.clone()),
                    issued_at: Some(cmd.issued_at),
                };
                (known, obey(&w, cmd, &out).await)
            }
            Err(refused) => {
                let (r, known) = (refused.why, refused.known);
                let spell = spells.entry(r.kind()).or_insert_with(|| Spell::new(Duration::from_secs(600)));
                let said = spell.failure(r.kind(), std::time::Instant::now());
                if let Some(s) = &said {
                    warn!(refusal = r.kind(), repeated = s.repeated, zh = %r.zh(), "fleet command refused: {r}");
                }
                let mut text = format!("{} / {r}", r.zh());
                // Signed refusals are each worth a record; anonymous garbage only once per spell.
                if known.nonce.is_none() && said.is_none() {
                    answer(&out, &known, &Err(text));
                    continue;
                }
                if let Some(s) = said.filter(|s| s.repeated > 0) {
                    text.push_str(&format!(" (+{} more like it since the last record)", s.repeated));
                }
                (known, Err(text))
            }
        };
        if outcome.is_ok() {
            for s in spells.values_mut() {
                s.success(std::time::Instant::now());
            }
        }
        let seen = CommandSeen {
            cmd: known.cmd.clone(),
            nonce: known.nonce.clone(),
            site: known.site.clone(),
            issued_at: known.issued_at,
            ok: outcome.is_ok(),
            error: outcome.as_ref().err().cloned(),
        };
        w.state.recorder.now(Event::Command(Box::new(seen)));
        answer(&out, &known, &outcome);
    }
}

/// `{nonce, cmd, ok, error, detail}` for `P/S/cmd/result` (dropped if the link is not keeping up).
fn answer(out: &mpsc::Sender<Out>, known: &Known, outcome: &Result<String, String>) {
    let result =
        json!({"nonce": known.nonce, "cmd": known.cmd, "ok": outcome.is_ok(), "error": outcome.as_ref().err(), "detail": outcome.as_ref().ok()});
    let _ = out.try_send(Out::Result(serde_json::to_vec(&result).expect("json")));
}

/// Acts on a verified command: the nonce is saved first, so a crash cannot let it be replayed.
async fn obey(w: &Worker, cmd: Command, out: &mpsc::Sender<Out>) -> Result<String, String> {
    let now = w.state.clock.now();
    let (nonces, nonce, at) = (Arc::clone(&w.nonces), cmd.nonce.clone(), cmd.issued_at);
    let saved = tokio::task::spawn_blocking(move || nonces.lock().unwrap_or_else(|e| e.into_inner()).remember(&nonce, at, now)).await;
    match saved {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("命令编号无法保存，命令未执行 / {e}; the command was not carried out")),
        Err(e) => return Err(e.to_string()),
    }
    let name = cmd.action.name();
    let actions = Arc::clone(&w.actions);
    let done = match cmd.action {
        Action::Screenshot { screen } => screenshot(&w.state, screen.as_deref(), out).await,
        Action::Refresh => actions.refresh(),
        Action::Reload => actions.reload(),
        Action::Urgent { item } => tokio::task::spawn_blocking(move || actions.urgent(&item, now)).await.map_err(|e| e.to_string()).and_then(|r| r),
        Action::UrgentCancel { id } => {
            tokio::task::spawn_blocking(move || actions.urgent_cancel(&id)).await.map_err(|e| e.to_string()).and_then(|r| r)
        }
    };
    match &done {
        Ok(detail) => info!(cmd = name, nonce = %cmd.nonce, detail = %detail, "fleet command carried out"),
        Err(e) => warn!(cmd = name, nonce = %cmd.nonce, error = %e, "fleet command failed"),
    }
    done
}

/// Encodes the frame each screen (or the one named) shows now and hands the PNGs to the link.
async fn screenshot(state: &Arc<State>, screen: Option<&str>, out: &mpsc::Sender<Out>) -> Result<String, String> {
    let frames: Vec<(String, Arc<crate::sinks::Output>)> =
        state.screens.iter().filter(|(n, _)| screen.is_none_or(|s| s == n)).map(|(n, rx)| (n.clone(), Arc::clone(&rx.borrow()))).collect();
    if frames.is_empty() {
        let known: Vec<&str> = state.screens.iter().map(|(n, _)| n.as_str()).collect();
        return Err(format!("没有名为“{}”的屏幕 / no screen named `{}` (have: {})", screen.unwrap_or(""), screen.unwrap_or(""), known.join(", ")));
    }
    let mut names = Vec::new();
    for (name, o) in frames {
        let png = tokio::task::spawn_blocking(move || crate::sinks::png::encode(&o.frame)).await.map_err(|e| e.to_string())?;
        names.push(format!("{name} ({} bytes)", png.len()));
        out.send(Out::Frame { screen: name, png }).await.map_err(|_| "link stopped".to_string())?;
    }
    Ok(format!("frames published: {}", names.join(", ")))
}
