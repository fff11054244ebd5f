//! What the box tells the district: the status document, its change key, and the evidence head.
//!
//! The status is the `/status` document plus the site, the items below their
//! daily minimum so far today and the link's cursor. It carries nothing the
//! public screen does not already show: on-air keys and masked captions,
//! counters, and error texts with any URL query string (where a token could
//! hide) cut off. Pure reads of shared state, never blocking a screen loop.

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::schedule::Content;
use crate::status::State;
use crate::status::pages::{health, status_json};

use super::today::Today;

/// The status document published on `P/S/status`.
pub(crate) fn status(state: &State, site: &str, today: &Today, cursor: Option<u64>) -> Value {
    let mut doc = status_json(state);
    let now = state.clock.now();
    let cat = Arc::clone(&state.catalog.borrow());
    let mut expected = Vec::new();
    for s in cat.showable(now) {
        if let Some(min) = s.item().display.min_seconds_per_day {
            for (screen, _) in &state.screens {
                expected.push((screen.clone(), s.key().to_string(), min));
            }
        }
    }
    if let Value::Object(m) = &mut doc {
        m.insert("site".into(), json!(site));
        m.insert("below_min_today".into(), json!(today.below(&expected)));
        m.insert("fleet".into(), json!({"records_acked_through": cursor}));
    }
    scrub(&mut doc);
    doc
}

/// What, when it changes, makes the status worth publishing before its period:
/// on-air content, power, health, failing sinks and sources.
pub(crate) fn change_key(state: &State) -> String {
    let mut k = String::new();
    for (name, rx) in &state.screens {
        let o = Arc::clone(&rx.borrow());
        let on = o.on_air.as_ref().map(|a| {
            let what = match &a.content {
                Content::Item(i) => i.key().to_string(),
                Content::Notice { .. } => "notice".into(),
                Content::Idle => "idle".into(),
                Content::Off => "off".into(),
            };
            format!("{what}@{}", a.start)
        });
        k.push_str(&format!("{name}:{on:?}:{}:{};", o.power.on, o.power.brightness));
    }
    for s in &state.sinks {
        k.push(if s.last_error.lock().map(|e| e.is_some()).unwrap_or(false) { 'x' } else { 'o' });
    }
    for (name, st) in state.recorder.sources().snapshot() {
        k.push_str(&format!("{name}:{};", st.error.is_none()));
    }
    k.push_str(&health(state).join(";"));
    k
}

/// `{"seq","hash","at"}` of the evidence log's newest durable record, if any.
pub(crate) fn head(state: &State, now: Timestamp) -> Option<(u64, Value)> {
    let h = state.recorder.stats().head.lock().ok()?.clone()?;
    Some((h.0, json!({"seq": h.0, "hash": h.1, "at": now})))
}

/// The newest durable record's seq (records beyond it are not yet synced and not sent).
pub(crate) fn durable_seq(state: &State) -> Option<u64> {
    state.recorder.stats().head.lock().ok()?.as_ref().map(|h| h.0)
}

/// Cuts query strings off URLs in every string (an error text may quote a URL with a token in it).
fn scrub(v: &mut Value) {
    match v {
        Value::String(s) if s.contains("://") && s.contains('?') => *s = cut_queries(s),
        Value::Array(a) => a.iter_mut().for_each(scrub),
        Value::Object(m) => m.values_mut().for_each(scrub),
        _ => {}
    }
}

fn cut_queries(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_url = false;
    let mut skipping = false;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>') {
            in_url = false;
            skipping = false;
        } else if s[i..].starts_with("://") {
            in_url = true;
        }
        if in_url && c == '?' && !skipping {
            skipping = true;
            out.push_str("?…");
        }
        if !skipping {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_are_cut_from_urls_in_error_texts() {
        assert_eq!(
            cut_queries("error sending request for url (https://feed.example/f.json?token=abc&x=1): timed out"),
            "error sending request for url (https://feed.example/f.json?…): timed out"
        );
        assert_eq!(cut_queries("what? no url here"), "what? no url here");
        let mut v = json!({"sources": {"d": {"error": "GET http://h/x?k=s failed"}}, "n": 1});
        scrub(&mut v);
        assert_eq!(v["sources"]["d"]["error"], "GET http://h/x?… failed");
    }
}
