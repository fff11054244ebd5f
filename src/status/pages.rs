//! The status endpoint's pages: `/status` JSON, `/metrics` Prometheus text, a screen's frame as PNG.
//!
//! Built from shared handles at request time (watch receivers, atomics); pure
//! reads, never blocks the screen loops or sinks, never fails a request for a
//! missing part (an absent value is reported as such).

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::evidence::Recorder;
use crate::item::Catalog;
use crate::schedule::Content;
use crate::sinks::{Output, SinkStatus};

/// Everything the endpoint reads.
#[derive(Clone)]
pub struct State {
    pub started: Timestamp,
    pub clock: Clock,
    pub screens: Vec<(String, tokio::sync::watch::Receiver<Arc<Output>>)>,
    pub sinks: Vec<Arc<SinkStatus>>,
    pub catalog: tokio::sync::watch::Receiver<Arc<Catalog>>,
    pub recorder: Recorder,
    /// Which configuration runs and the errors of the files on disk.
    pub config: tokio::sync::watch::Receiver<super::ReloadStatus>,
    pub token: Option<String>,
}

/// A screen whose newest frame is older than this is reported stuck.
pub(crate) const STALE_FRAME_SECONDS: i64 = 10;

fn secs(a: Timestamp, b: Timestamp) -> f64 {
    (b.duration_since(a).as_millis() as f64 / 1000.0).max(0.0)
}

/// Problems that make `/healthz` fail: a stuck screen loop, a sink whose thread died, or an evidence log that cannot be written.
pub(crate) fn health(s: &State) -> Vec<String> {
    let now = s.clock.now();
    let mut bad = Vec::new();
    for (name, rx) in &s.screens {
        let o = rx.borrow();
        if now.duration_since(o.at).as_secs() > STALE_FRAME_SECONDS {
            bad.push(format!("screen {name}: no frame for {:.0} s", secs(o.at, now)));
        }
    }
    for k in &s.sinks {
        if let Some(why) = k.stopped() {
            bad.push(format!("sink {} of screen {} stopped: {why}", k.kind, k.screen));
        }
    }
    let st = s.recorder.stats();
    if st.failing.load(Ordering::Relaxed) {
        bad.push("证据日志无法写入，记录暂存在内存中：请检查磁盘空间和权限 / evidence not being written; records wait in memory: check disk space and permissions".into());
    }
    bad
}

pub(crate) fn status_json(s: &State) -> Value {
    let now = s.clock.now();
    let screens: Vec<Value> = s
        .screens
        .iter()
        .map(|(name, rx)| {
            let o = Arc::clone(&rx.borrow());
            let on_air = o.on_air.as_ref().map(|a| {
                let (content, item, revision, title) = match &a.content {
                    Content::Item(i) => ("item", i.key().to_string(), Some(i.item().revision), Some(i.item().title.clone())),
                    Content::Notice { title, .. } => ("notice", "notice".to_string(), None, title.clone()),
                    Content::Idle => ("idle", "idle".to_string(), None, None),
                    Content::Off => ("off", "off".to_string(), None, None),
                };
                json!({"content": content, "item": item, "revision": revision, "title": title, "slot": a.slot_name, "since": a.start, "until": a.end})
            });
            json!({
                "name": name,
                "width": o.frame.width(),
                "height": o.frame.height(),
                "frames": o.number,
                "frame_at": o.at,
                "frame_age_seconds": secs(o.at, now),
                "on_air": on_air,
                "power": {"on": o.power.on, "brightness": o.power.brightness},
                "caption": o.caption,
            })
        })
        .collect();
    let sources: serde_json::Map<String, Value> = s
        .recorder
        .sources()
        .snapshot()
        .into_iter()
        .map(|(name, st)| {
            let stale = st.last_success.map(|t| secs(t, now));
            let mut v = serde_json::to_value(&st).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("stale_seconds".into(), json!(stale));
                m.insert("ok".into(), json!(st.error.is_none()));
            }
            (name, v)
        })
        .collect();
    let sinks: Vec<Value> = s
        .sinks
        .iter()
        .map(|k| {
            let err = k.last_error.lock().ok().and_then(|e| e.clone());
            json!({
                "screen": k.screen, "kind": k.kind,
                "state": k.state(),
                "written": k.written.load(Ordering::Relaxed), "acked": k.acked.load(Ordering::Relaxed),
                "errors": k.errors.load(Ordering::Relaxed), "last_error": err,
            })
        })
        .collect();
    let cat = Arc::clone(&s.catalog.borrow());
    let ev = s.recorder.stats();
    let head = ev.head.lock().ok().and_then(|h| h.clone());
    let reload = s.config.borrow().clone();
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "now": now,
        "started": s.started,
        "uptime_seconds": secs(s.started, now),
        "clock_trusted": s.clock.trusted(),
        "screens": screens,
        "sources": sources,
        "sinks": sinks,
        "items": {"total": cat.entries().len(), "showable": cat.showable(now).len(), "problems": cat.problems.len()},
        "evidence": {
            "records_written": ev.written.load(Ordering::Relaxed),
            "records_dropped": ev.dropped.load(Ordering::Relaxed),
            "write_errors": ev.write_errors.load(Ordering::Relaxed),
            "records_refused": ev.refused.load(Ordering::Relaxed),
            "head_seq": head.as_ref().map(|h| h.0),
            "head_hash": head.map(|h| h.1),
        },
        "configuration": {
            "running_on": reload.running_on,
            "ok": reload.ok,
            "errors": reload.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            "needs_restart": reload.needs_restart,
            "reload_attempts": reload.attempts,
        },
        "healthy": health(s).is_empty(),
        "degraded": reload.degraded(),
    })
}

/// A label value escaped for the Prometheus text format.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Prometheus text exposition format 0.0.4.
pub(crate) fn metrics(s: &State) -> String {
    let now = s.clock.now();
    let mut o = String::new();
    let mut family = |name: &str, kind: &str, help: &str, rows: Vec<(String, f64)>| {
        let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, v) in rows {
            let _ = writeln!(o, "{name}{labels} {v}");
        }
    };
    let screens: Vec<(String, Arc<Output>)> = s.screens.iter().map(|(n, rx)| (n.clone(), Arc::clone(&rx.borrow()))).collect();
    family(
        "yiping_frames_rendered_total",
        "counter",
        "Frames rendered by each screen loop.",
        screens.iter().map(|(n, o)| (format!("{{screen=\"{}\"}}", esc(n)), o.number as f64)).collect(),
    );
    family(
        "yiping_screen_on",
        "gauge",
        "Whether the screen is switched on (1) or off (0).",
        screens.iter().map(|(n, o)| (format!("{{screen=\"{}\"}}", esc(n)), if o.power.on { 1.0 } else { 0.0 })).collect(),
    );
    let sink_rows = |f: &dyn Fn(&SinkStatus) -> u64| -> Vec<(String, f64)> {
        s.sinks
            .iter()
            .enumerate()
            .map(|(i, k)| (format!("{{screen=\"{}\",sink=\"{}\",index=\"{i}\"}}", esc(&k.screen), esc(&k.kind)), f(k) as f64))
            .collect()
    };
    family("yiping_sink_written_total", "counter", "Frames or text updates each sink delivered.", sink_rows(&|k| k.written.load(Ordering::Relaxed)));
    family("yiping_sink_acked_total", "counter", "Acknowledgements devices sent back.", sink_rows(&|k| k.acked.load(Ordering::Relaxed)));
    family("yiping_sink_errors_total", "counter", "Write errors of each sink.", sink_rows(&|k| k.errors.load(Ordering::Relaxed)));
    let sources = s.recorder.sources().snapshot();
    let src_rows = |f: &dyn Fn(&crate::evidence::sources::SourceState) -> f64| -> Vec<(String, f64)> {
        sources.iter().map(|(n, st)| (format!("{{source=\"{}\"}}", esc(n)), f(st))).collect()
    };
    family("yiping_source_fetches_total", "counter", "Fetches (feeds) or scans (folders) seen per source.", src_rows(&|st| st.fetches as f64));
    family("yiping_source_failures_total", "counter", "Failed fetches per source.", src_rows(&|st| st.failures as f64));
    family("yiping_source_up", "gauge", "1 when the source's last fetch worked.", src_rows(&|st| if st.error.is_none() { 1.0 } else { 0.0 }));
    let cat = Arc::clone(&s.catalog.borrow());
    family("yiping_items", "gauge", "Items held by the store.", vec![(String::new(), cat.entries().len() as f64)]);
    family(
        "yiping_showable_items",
        "gauge",
        "Items approved and inside their display window now.",
        vec![(String::new(), cat.showable(now).len() as f64)],
    );
    let ev = s.recorder.stats();
    family(
        "yiping_log_records_total",
        "counter",
        "Evidence log records written and synced.",
        vec![(String::new(), ev.written.load(Ordering::Relaxed) as f64)],
    );
    family(
        "yiping_log_records_dropped_total",
        "counter",
        "Evidence records lost because the writer queue was full.",
        vec![(String::new(), ev.dropped.load(Ordering::Relaxed) as f64)],
    );
    family(
        "yiping_log_write_errors_total",
        "counter",
        "Failed evidence log writes (retried).",
        vec![(String::new(), ev.write_errors.load(Ordering::Relaxed) as f64)],
    );
    family(
        "yiping_log_records_refused_total",
        "counter",
        "Evidence records refused because their times cannot be true (ahead of the trusted clock, or longer than the run).",
        vec![(String::new(), ev.refused.load(Ordering::Relaxed) as f64)],
    );
    family("yiping_clock_trusted", "gauge", "1 when the clock is trusted.", vec![(String::new(), if s.clock.trusted() { 1.0 } else { 0.0 })]);
    family("yiping_uptime_seconds", "gauge", "Seconds since the daemon started.", vec![(String::new(), secs(s.started, now))]);
    o
}

/// The frame a screen shows now, as PNG; `None` for an unknown screen.
pub(crate) fn frame_png(s: &State, screen: &str) -> Option<Vec<u8>> {
    let (_, rx) = s.screens.iter().find(|(n, _)| n == screen)?;
    let o = Arc::clone(&rx.borrow());
    Some(crate::sinks::png::encode(&o.frame))
}
