//! One `[[screens]]` table: the screen's name, rate and playlists, with the parts each
//! component reads for itself (render's display, schedule's hours and urgent policy, sinks).

use std::path::PathBuf;

use crate::render::display::{self, Display};
use crate::schedule::hours::ScreenHours;
use crate::schedule::{UrgentPolicy, parse as schedule_parse};
use crate::sinks::{self, ParseContext, SinkConfig};
use crate::tomlread::Table;

#[derive(Debug, Clone, PartialEq)]
pub struct ScreenConfig {
    pub name: String,
    /// Size, colours, zones and village: what the renderer needs.
    pub display: Display,
    pub fps: u32,
    /// The playlist when no scheduled one applies.
    pub playlist: String,
    /// Playlists with their own `[when]` rules and priorities, tried before `playlist`.
    pub playlists: Vec<String>,
    pub hours: ScreenHours,
    pub urgent: UrgentPolicy,
    pub sinks: Vec<SinkConfig>,
}

/// Reads one screen; `village` is the config's, used when the screen names none.
pub(super) fn parse_screen(t: &mut Table<'_, '_>, village: Option<&str>, rel: &dyn Fn(PathBuf) -> PathBuf) -> Option<ScreenConfig> {
    let name: Option<String> = t.req("name");
    let panel = display::parse_panel(t);
    let fps = t.int_in("fps", 1..=120, Some(25));
    let village: Option<String> = t.opt::<String>("village").or_else(|| village.map(str::to_string));
    let playlist = t.or("playlist", "default".to_string());
    let playlists: Vec<String> = t.or("playlists", Vec::new());
    let hours = t.sub("hours").map(schedule_parse::parse_hours).unwrap_or_default();
    let urgent = t.sub("urgent").map(schedule_parse::parse_urgent).unwrap_or_default();
    let layout = display::parse_layout(t, &panel);
    let mut sinks = Vec::new();
    let cx = ParseContext { rel, village: village.as_deref() };
    for mut s in t.tables("sinks") {
        if let Some(k) = sinks::parse_sink(&mut s, &cx) {
            sinks.push(k);
        }
        s.finish();
    }
    Some(ScreenConfig { name: name?, display: Display::new(panel, layout, village)?, fps: fps? as u32, playlist, playlists, hours, urgent, sinks })
}
