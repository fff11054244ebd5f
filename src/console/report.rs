//! The compliance report and the console's edit history, read from the evidence log.
//!
//! Read-only: the log is read through `evidence::verify` (which checks the chain as it
//! reads), never written, and nothing else on disk is touched.

use std::path::Path;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::evidence::edits::{self, Activity};
use crate::evidence::report::csv::Lang;
use crate::evidence::report::{Builder, LogSummary, Query, csv, html, markdown};
use crate::evidence::verify;

/// The formats the console offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Html,
    Csv,
    Md,
}

impl Format {
    pub(crate) fn parse(s: &str) -> Option<Format> {
        match s {
            "html" => Some(Format::Html),
            "csv" => Some(Format::Csv),
            "md" => Some(Format::Md),
            _ => None,
        }
    }

    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Md => "text/markdown; charset=utf-8",
        }
    }

    pub(crate) fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Md => "md",
        }
    }
}

/// The instants that bound local days `from..=to`.
pub(crate) fn bounds(from: Date, to: Date, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    let a = from.to_zoned_datetime(tz.clone()).ok()?.timestamp();
    let b = to.checked_add(1.day()).ok()?.to_zoned_datetime(tz.clone()).ok()?.timestamp();
    Some((a, b))
}

/// Console activity in local days `from..=to`, and whether the log verified.
pub(crate) fn activity(dir: &Path, from: Date, to: Date, tz: &TimeZone) -> std::io::Result<(Vec<Activity>, Option<String>)> {
    let Some((a, b)) = bounds(from, to, tz) else { return Ok((Vec::new(), None)) };
    let mut out = Vec::new();
    let v = verify::read(dir, |r| out.extend(edits::of(r, a, b)))?;
    Ok((out, v.problem.map(|p| p.to_string())))
}

/// The report for local days `from..=to`, with the console's edits and logins after it.
pub(crate) fn render(dir: &Path, from: Date, to: Date, screen: Option<String>, tz: &TimeZone, now: Timestamp, f: Format) -> std::io::Result<String> {
    let mut q = Query::new(from, to);
    q.screen = screen;
    q.time_zone = Some(tz.clone());
    let mut b = Builder::new(q);
    let (a, z) = bounds(from, to, tz).unwrap_or((now, now));
    let mut newest = Timestamp::UNIX_EPOCH;
    let mut first_seq = None;
    let mut acts = Vec::new();
    let v = verify::read(dir, |r| {
        newest = newest.max(r.at);
        first_seq.get_or_insert(r.seq);
        b.add(r);
        acts.extend(edits::of(r, a, z));
    })?;
    let report = b.finish(now.max(newest));
    let log = LogSummary::of(&v, first_seq);
    let log_line = log.line();
    Ok(match f {
        Format::Md => format!("{}\n{}", markdown::markdown(&report, &log_line), edits::markdown(&acts, tz)),
        Format::Csv => csv::csv(&report, Lang::Zh),
        Format::Html => {
            // The printable report, with the console's edits and logins after it.
            let page = html::html(&report, &log, super::assets::VERSION, now);
            let edits = format!(
                "<section><h2>控制台操作记录 <small>Console edits and logins</small></h2><pre style=\"white-space:pre-wrap\">{}</pre></section>\n",
                super::http::esc(&edits::markdown(&acts, tz))
            );
            page.replacen("</body>", &format!("{edits}</body>"), 1)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days_become_instants_in_the_screens_time_zone() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let (a, b) = bounds("2026-12-01".parse().unwrap(), "2026-12-01".parse().unwrap(), &tz).unwrap();
        assert_eq!(a.to_string(), "2026-11-30T16:00:00Z");
        assert_eq!(b.to_string(), "2026-12-01T16:00:00Z");
        assert_eq!(Format::parse("csv"), Some(Format::Csv));
        assert_eq!(Format::parse("pdf"), None);
    }
}
