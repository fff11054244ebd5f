//! Content on air made by the real scheduler, for tests and benchmarks that drive
//! sinks directly. Compiled only for tests (`cfg(test)`) and with the `testkit`
//! feature, which only the crate's own dev-dependency turns on: never in a release build.

use std::time::Duration;

use jiff::Timestamp;

use super::{Effect, OnAir, Playlist, Slot, SlotContent, Timing};

/// An operator notice on air from `now` for `seconds` with `effect`, made by the
/// real scheduler (for tests and benchmarks that drive sinks directly).
pub fn notice_on_air(title: Option<&str>, text: &str, effect: Effect, seconds: u64, now: Timestamp) -> OnAir {
    let playlist = Playlist {
        name: "bx".into(),
        file: None,
        when: Default::default(),
        priority: 0,
        slots: vec![Slot {
            name: "notice".into(),
            content: SlotContent::Notice { title: title.map(str::to_string), text: text.to_string() },
            effect,
            timing: Timing::Fixed(Duration::from_secs(seconds)),
            when: Default::default(),
            weight: 1,
            urgent: false,
        }],
    };
    let local = now.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let urgent = super::UrgentPolicy::default();
    let inputs = super::Inputs { playlist: &playlist, urgent: &urgent, items: &[], urgent_items: &[], local: &local };
    super::Rotation::default().step(&inputs, now, &|_, _| Duration::from_secs(1)).expect("a notice slot always has content").next
}
