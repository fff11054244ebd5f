//! Whole seconds for people: each day's parts rounded so they still add up to the
//! rounded whole (largest remainder). Formatting help only; no figures are computed here.

use super::Day;

/// Whole seconds for each part, rounded so that they sum to the rounded whole (largest remainder).
pub(crate) fn apportion(parts: &[i64], total: i64) -> Vec<i64> {
    let target = (total + 500).div_euclid(1000);
    let mut secs: Vec<i64> = parts.iter().map(|p| p.div_euclid(1000)).collect();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(parts[i].rem_euclid(1000)));
    let mut missing = target - secs.iter().sum::<i64>();
    for &i in order.iter().cycle().take(parts.len() * 2) {
        if missing <= 0 {
            break;
        }
        secs[i] += 1;
        missing -= 1;
    }
    secs
}

/// A day in whole seconds: shown, preempted, rotation, idle, device error, offline, on-hours, screen off.
pub(crate) fn day_secs(d: &Day) -> [i64; 8] {
    let p = apportion(&[d.shown_ms, d.preempted_ms, d.rotation_ms, d.idle_ms, d.device_error_ms, d.offline_ms], d.on_hours_ms);
    let on: i64 = p.iter().sum();
    let day = (d.on_hours_ms + d.screen_off_ms + 500).div_euclid(1000);
    [p[0], p[1], p[2], p[3], p[4], p[5], on, day - on]
}

/// `h:mm:ss`.
pub(crate) fn hms(s: i64) -> String {
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Milliseconds as whole seconds, rounded.
pub(crate) fn secs(ms: i64) -> i64 {
    (ms + 500).div_euclid(1000)
}

/// A duration for people: `4 天 3 小时` / `4 d 3 h`, `12 分 5 秒` / `12 min 5 s`.
pub(crate) fn human(ms: i64) -> (String, String) {
    let s = secs(ms);
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if d > 0 {
        (format!("{d} 天 {h} 小时"), format!("{d} d {h} h"))
    } else if h > 0 {
        (format!("{h} 小时 {m} 分"), format!("{h} h {m} min"))
    } else if m > 0 {
        (format!("{m} 分 {sec} 秒"), format!("{m} min {sec} s"))
    } else {
        (format!("{sec} 秒"), format!("{sec} s"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportioned_seconds_add_up_to_the_rounded_whole() {
        let parts = [1_400, 1_400, 1_400, 300];
        let total: i64 = parts.iter().sum();
        let s = apportion(&parts, total);
        assert_eq!(s.iter().sum::<i64>(), 5, "{s:?}");
        assert_eq!(s, vec![2, 2, 1, 0]);
    }

    #[test]
    fn durations_read_in_the_largest_units() {
        assert_eq!(human(2 * 3_600_000 + 5 * 60_000), ("2 小时 5 分".to_string(), "2 h 5 min".to_string()));
        assert_eq!(human(90_061_000).0, "1 天 1 小时");
        assert_eq!(human(4_000).1, "4 s");
    }
}
