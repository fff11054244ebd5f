//! Sink `bx`: Onbon BX-5K/6K text controller cards on RS-232/RS-485.
//!
//! The card draws and scrolls text with its own fonts, so this sink sends the
//! content on air (as GB2312 text with the card's escape codes), not pixels:
//! each slot's text when the slot starts, split into updates under the card's
//! area limit, never more than one update of the area a second (the latest
//! pending update wins), and the screen's power and brightness when they change.
//! Every update waits for the card's ACK; a NACK or silence is retried with
//! backoff and reported. While idle the link is checked with a ping every
//! `LINK_CHECK`; after the port is reopened (a replugged adapter, a card that
//! lost its RAM area) the content is sent again at once, not at the next slot.
//! It must never send bytes the card would misread.

pub(crate) mod bus;
pub(crate) mod command;
pub(crate) mod config;
pub(crate) mod packet;
pub(crate) mod plan;
pub(crate) mod preview;
pub(crate) mod text;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::schedule::OnAir;

use super::{Failures, MnOmitted, Output, Power, SinkStatus};
use bus::Bus;
use command::{Area, Reply, RunMode};
pub(crate) use config::BxConfig;
use plan::Plan;

/// How often an idle link is checked with a ping (a replugged card must get its content within 5 s).
const LINK_CHECK: Duration = Duration::from_secs(2);

/// What the card last accepted for the area.
struct Sent {
    seq: u64,
    chunk: usize,
    /// The area bytes without the timeout, to skip resending identical text.
    body: Vec<u8>,
    /// When the card drops the text unless updated (`None`: never).
    expires: Option<Timestamp>,
}

fn body_of(a: &Area) -> Vec<u8> {
    Area { timeout: 0, ..a.clone() }.encode()
}

/// Runs the sink until `cancel` fires. Blocking; call on the sink's own thread.
pub fn run(screen: &str, cfg: &BxConfig, mut rx: watch::Receiver<Arc<Output>>, status: &SinkStatus, cancel: &CancellationToken, handle: &Handle) {
    let bus = match bus::bus_for(&cfg.port, cfg.baud) {
        Ok(b) => b,
        Err(e) => return warn!(screen, sink = "bx", error = %e, "cannot start the port thread; sink stopped"),
    };
    let mut sink = BxSink::new(screen, cfg, bus);
    loop {
        let o = Arc::clone(&rx.borrow_and_update());
        let wait = sink.step(&o, status, Instant::now());
        let stop = handle.block_on(async {
            tokio::select! {
                _ = cancel.cancelled() => true,
                r = rx.changed() => r.is_err(),
                _ = tokio::time::sleep(wait) => false,
            }
        });
        if stop {
            break;
        }
    }
    info!(screen, sink = "bx", address = cfg.address, "stopped");
}

/// The sink's state between outputs.
pub(crate) struct BxSink {
    screen: String,
    cfg: BxConfig,
    bus: Arc<Bus>,
    plan: Option<Plan>,
    sent: Option<Sent>,
    power: Option<Power>,
    last_update: Option<Instant>,
    /// The last request the card answered (any kind).
    last_contact: Option<Instant>,
    /// The bus generation the card's content was sent on.
    link: Option<u64>,
    retry: crate::spell::Backoff,
    failures: Failures,
}

impl BxSink {
    pub(crate) fn new(screen: &str, cfg: &BxConfig, bus: Arc<Bus>) -> BxSink {
        BxSink {
            screen: screen.to_string(),
            cfg: cfg.clone(),
            bus,
            plan: None,
            sent: None,
            power: None,
            last_update: None,
            last_contact: None,
            link: None,
            // Never retry faster than the card accepts updates of an area (it may have got the last one),
            // nor slower than a replugged card should wait for its content.
            retry: crate::spell::Backoff::new(cfg.min_refresh, cfg.min_refresh.max(Duration::from_secs(2))),
            failures: Failures::new(screen, "bx", format!("{} address {}", cfg.port.display(), cfg.address)),
        }
    }

    /// Brings the card up to date with `o` as far as limits allow; returns how long
    /// to wait before looking again (unless a new output arrives sooner).
    pub(crate) fn step(&mut self, o: &Output, status: &SinkStatus, now: Instant) -> Duration {
        const IDLE_POLL: Duration = Duration::from_secs(1);
        let seq = o.on_air.as_ref().map_or(u64::MAX, |a| a.seq);
        if self.plan.as_ref().is_none_or(|p| p.seq != seq) {
            let p = plan::plan(o.on_air.as_ref(), &self.cfg, o.frame.width(), o.frame.height());
            if !p.unsupported.is_empty() {
                let chars: String = p.unsupported.iter().collect();
                let codes: Vec<String> = p.unsupported.iter().map(|c| format!("U+{:04X}", *c as u32)).collect();
                let action = if p.skipped { "item replaced by the skip notice" } else { "characters replaced by the marker" };
                warn!(screen = %self.screen, sink = "bx", item = %p.what, chars = %chars, codes = ?codes, action, "characters outside GB2312 cannot be shown by the card");
            }
            let omitted = p.mn_omitted.then_some(if p.skipped { MnOmitted::Skipped } else { MnOmitted::Chinese });
            status.planned(seq, omitted);
            if p.mn_omitted {
                let action = if p.skipped { "item replaced by the skip notice" } else { "the Chinese is shown alone" };
                warn!(screen = %self.screen, sink = "bx", item = %p.what, action, mn_omitted = true, "the card's GB2312 font has no Mongolian: this item's Mongolian text is not shown");
            }
            if let Some(a) = &o.on_air {
                let slot = a.end.duration_since(a.start).as_secs_f64();
                let needs = p.chunks.iter().map(|c| c.duration.as_secs_f64()).sum::<f64>();
                // Card speeds come in levels, so allow a little slack before calling it a loss.
                if needs > slot * 1.1 + 1.0 {
                    warn!(screen = %self.screen, sink = "bx", item = %p.what, needs_seconds = needs.round(), slot_seconds = slot.round(), "the card needs longer than the slot to show all of this content; the rest is not shown (lay the screen out like the card: header and footer off, same font)");
                }
            }
            self.plan = Some(p);
        }
        if !self.retry.ready(now) {
            return self.retry.until.map_or(IDLE_POLL, |u| u - now).min(IDLE_POLL);
        }
        // Power first: a screen that should be dark must not light up with new text.
        if self.power != Some(o.power) {
            let cmds = if o.power.on {
                vec![command::power(true), command::brightness(command::brightness_level(o.power.brightness))]
            } else {
                vec![command::power(false)]
            };
            for c in cmds {
                if let Err(e) = self.send(c, status, now) {
                    return self.failed(e, status, now);
                }
            }
            info!(screen = %self.screen, sink = "bx", on = o.power.on, brightness = o.power.brightness, "card power set");
            self.power = Some(o.power);
        }
        let plan = self.plan.as_ref().expect("planned above");
        let elapsed = o.on_air.as_ref().map_or(Duration::ZERO, |a| a.elapsed(o.at));
        let idx = plan.chunk_at(elapsed);
        let chunk = &plan.chunks[idx];
        let end = o.on_air.as_ref().map_or(o.at, |a: &OnAir| a.end);
        // The text must outlive the slot (or, for very long slots, the next hour) by
        // half the grace period; else it is sent again with a fresh timeout.
        let horizon = o.at.checked_add(jiff::SignedDuration::from_secs(3600)).unwrap_or(end).min(end);
        let keep_until = horizon.checked_add(jiff::SignedDuration::try_from(self.cfg.stale_after / 2).unwrap_or_default()).unwrap_or(horizon);
        let body = body_of(&chunk.area);
        let next = plan.until_next(elapsed).unwrap_or(IDLE_POLL).min(IDLE_POLL);
        if let Some(s) = &mut self.sent {
            let current = s.expires.is_none_or(|e| e >= keep_until);
            let same = (s.seq == seq && s.chunk == idx) || s.body == body;
            if current && same {
                // Same content (or the idle screen again): nothing to send but a link check.
                (s.seq, s.chunk) = (seq, idx);
                return self.check_link(status, now).map_or(next, |w| w.min(next));
            }
        }
        if let Some(t) = self.last_update
            && now < t + self.cfg.min_refresh
        {
            // The card ignores faster updates: this one waits, and a newer one replaces it.
            return (t + self.cfg.min_refresh - now).min(IDLE_POLL);
        }
        let mut area = chunk.area.clone();
        let mut expires = None;
        if area.run_mode == RunMode::LoopUntilTimeout {
            let left = end.duration_since(o.at).as_secs_f64().max(0.0);
            let secs = (left + self.cfg.stale_after.as_secs_f64()).ceil().clamp(1.0, 65535.0);
            area.timeout = secs as u16;
            expires = o.at.checked_add(jiff::SignedDuration::from_secs(secs as i64)).ok();
        }
        let bytes = area.encode().len();
        let (what, chunks) = (plan.what.clone(), plan.chunks.len());
        self.last_update = Some(now);
        match self.send(command::dynamic_area(&area), status, now) {
            Ok(()) => {
                status.wrote();
                info!(screen = %self.screen, sink = "bx", address = self.cfg.address, item = %what, chunk = idx + 1, chunks, bytes, "sent to card");
                self.sent = Some(Sent { seq, chunk: idx, body, expires });
                next
            }
            Err(e) => self.failed(e, status, now),
        }
    }

    /// Pings the card when nothing was exchanged for `LINK_CHECK`; a failure is handled like a
    /// failed update (the content goes out again once the card answers). Returns a wait when it pinged.
    fn check_link(&mut self, status: &SinkStatus, now: Instant) -> Option<Duration> {
        if self.last_contact.is_some_and(|t| now < t + LINK_CHECK) {
            return None;
        }
        // After a good ping, look again at once: a ping that went out on a reopened port
        // has changed the bus generation, and the content must follow without waiting.
        match self.send(command::ping(), status, now) {
            Ok(()) => Some(Duration::ZERO),
            Err(e) => Some(self.failed(e, status, now)),
        }
    }

    /// One request; a NACK or transport failure is an error.
    fn send(&mut self, data: Vec<u8>, status: &SinkStatus, now: Instant) -> Result<(), String> {
        match self.bus.transact(self.cfg.address, data, self.cfg.reply_timeout) {
            Ok(Reply::Ack) => {
                self.last_contact = Some(now);
                status.acked.fetch_add(1, Ordering::Relaxed);
                self.failures.ok(now);
                self.retry.succeed();
                let g = self.bus.generation();
                if self.link.is_some_and(|l| l != g) {
                    self.relinked(status);
                }
                self.link = Some(g);
                Ok(())
            }
            Ok(Reply::Nack(code)) => Err(format!("card {:#06x} refused: NACK {code} ({})", self.cfg.address, command::error_name(code))),
            Ok(Reply::Other(g, c)) => Err(format!("card {:#06x} answered {g:02X} {c:02X} instead of ACK", self.cfg.address)),
            Err(e) => {
                // The card may have lost power or the link: send everything again once it answers.
                self.power = None;
                self.sent = None;
                Err(e.to_string())
            }
        }
    }

    /// The card answered on a reopened port (a replugged adapter, even one replugged quicker
    /// than a link check): it may have lost its text and power state (RAM), so both are sent
    /// again now. It counts as a failure until the text is back, and as a lapse, so the
    /// evidence log records a `device` gap even when no request failed.
    fn relinked(&mut self, status: &SinkStatus) {
        warn!(screen = %self.screen, sink = "bx", port = %self.cfg.port.display(), "the link to the card was reopened (adapter unplugged and plugged in again); sending its text again");
        self.power = None;
        self.sent = None;
        status.lapsed();
        status.failed("link to the card was lost and reopened; its text is being sent again");
    }

    fn failed(&mut self, e: String, status: &SinkStatus, now: Instant) -> Duration {
        self.failures.failed(status, &e, "card update failed; retrying with backoff", now);
        // Let a retry go out as soon as the backoff allows, not a refresh period later.
        self.last_update = None;
        self.retry.fail(now).min(Duration::from_secs(1))
    }
}
