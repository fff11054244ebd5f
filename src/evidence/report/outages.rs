//! The outages of a period: every stretch when yiping was not running (with the part the
//! screens' hours had them lit), and every stretch when all of a screen's outputs failed.
//! Pure.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::day::ScreenLog;
use super::model::{Outage, OutageKind};
use super::runs::Gap;

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Every stretch in the period when yiping was not running, and every device error.
pub(super) fn list(gaps: &[Gap], screens: &BTreeMap<String, ScreenLog>, (a, b): (i64, i64), only: Option<&str>) -> Vec<Outage> {
    let mut out = Vec::new();
    for g in gaps {
        let (from, until) = (g.from.max(a), g.until.min(b));
        if from >= until {
            continue;
        }
        // Inside hours: the most any screen was scheduled on (all screens share the outage).
        let in_hours = screens
            .iter()
            .filter(|(n, _)| only.is_none_or(|s| s == n.as_str()))
            .map(|(_, log)| log.down.iter().filter(|d| d.scheduled_on).map(|d| (d.until.min(until) - d.from.max(from)).max(0)).sum::<i64>())
            .max();
        let known = g.hours.is_some();
        out.push(Outage {
            kind: OutageKind::NotRunning,
            cause: Some(g.cause),
            screen: None,
            from: ts(from),
            until: ts(until),
            ms: until - from,
            in_hours_ms: if known { in_hours } else { None },
            error: None,
        });
    }
    for (name, log) in screens {
        if only.is_some_and(|s| s != name) {
            continue;
        }
        for (k, &(t, ok, seq)) in log.device.iter().enumerate() {
            if ok || log.device.get(k.wrapping_sub(1)).is_some_and(|p| !p.1) {
                continue;
            }
            // Until outputs work again, or the daemon stops running.
            let next_ok = log.device[k + 1..].iter().find(|p| p.1).map_or(i64::MAX, |p| p.0);
            let stop = gaps.iter().find(|g| g.from >= t).map_or(i64::MAX, |g| g.from);
            let (from, until) = (t.max(a), next_ok.min(stop).min(b));
            if from >= until {
                continue;
            }
            out.push(Outage {
                kind: OutageKind::DeviceError,
                cause: None,
                screen: Some(name.clone()),
                from: ts(from),
                until: ts(until),
                ms: until - from,
                in_hours_ms: None,
                error: log.device_errors.get(&seq).cloned(),
            });
        }
    }
    out.sort_by(|x, y| (x.from, &x.screen).cmp(&(y.from, &y.screen)));
    out
}
