//! What both designs (the LED layout, the HD poster) share: the one content→header
//! mapping, the laid-out body (`Flow`) with its page and duration arithmetic, and
//! the `Design` trait every laid-out scene answers, so `Scene` only delegates.
//!
//! Pure: no I/O, no clock, nothing here can fail.

use std::time::Duration;

use jiff::ZonedDateTime as Zoned;

use crate::item::{Category, MnText, Priority, Table};
use crate::schedule::Content;

use super::Frame;
use super::body::{Line, MnRow};
use super::mongol::MongolFont;
use super::poster::Ticker;

/// What a header shows.
#[derive(Debug, Clone)]
pub struct Header {
    pub label: String,
    pub category: Option<Category>,
    pub urgent: bool,
    pub title: String,
}

/// How a design words a header's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Labels {
    /// LED boards: short labels that fit a small header ("紧急", "党务").
    Short,
    /// HD posters: labels as on a printed notice board ("紧急通知", "党务公开", "公告").
    Board,
}

impl Labels {
    fn item(self, urgent: bool, category: Category) -> String {
        match (self, urgent, category) {
            (Labels::Short, true, _) => "紧急".to_string(),
            (Labels::Short, false, c) => c.label().to_string(),
            (Labels::Board, true, _) => "紧急通知".to_string(),
            (Labels::Board, false, Category::Notice) => "公告".to_string(),
            (Labels::Board, false, c) => format!("{}公开", c.label()),
        }
    }
}

/// One piece of content as a design lays it out: header, village line, text, table, link.
#[derive(Debug, Clone)]
pub(crate) struct Notice<'a> {
    pub header: Header,
    /// The item's village, else the screen's.
    pub village: String,
    /// Masked paragraphs (an operator notice is one).
    pub paragraphs: &'a [String],
    pub table: Option<&'a Table>,
    pub url: Option<&'a str>,
    /// The masked Mongolian version of an item (title, body), shown before the Chinese.
    pub mn: Option<&'a MnText>,
}

/// An item's Mongolian text and the font to draw it with, for a bilingual scene.
#[derive(Clone, Copy)]
pub struct Bilingual<'a> {
    pub text: &'a MnText,
    pub font: &'a std::sync::Arc<MongolFont>,
}

/// The Mongolian paragraphs of a scene: the title first, then the body.
pub(crate) fn mn_paragraphs(mn: &MnText) -> Vec<String> {
    std::iter::once(mn.title.clone()).chain(mn.body.iter().cloned()).filter(|p| !p.trim().is_empty()).collect()
}

/// The one content→header mapping; `None` for idle and off (they have no header).
pub(crate) fn notice<'a>(content: &'a Content, labels: Labels, village: &str) -> Option<Notice<'a>> {
    match content {
        Content::Idle | Content::Off => None,
        Content::Notice { title, text } => Some(Notice {
            header: Header { label: "通知".into(), category: None, urgent: false, title: title.clone().unwrap_or_default() },
            village: village.to_string(),
            paragraphs: std::slice::from_ref(text),
            table: None,
            url: None,
            mn: None,
        }),
        Content::Item(s) => {
            let it = s.item();
            let urgent = it.priority == Priority::Urgent;
            let header = Header { label: labels.item(urgent, it.category), category: Some(it.category), urgent, title: it.title.clone() };
            let village = it.village.clone().unwrap_or_else(|| village.to_string());
            Some(Notice { header, village, paragraphs: &it.body, table: it.table.as_ref(), url: it.url.as_deref(), mn: it.mn.as_ref() })
        }
    }
}

/// The body as laid out: pages, one scrolling column, or one moving line.
#[derive(Debug, Clone)]
pub(crate) enum Flow {
    Pages {
        pages: Vec<Vec<Line>>,
        page_seconds: f64,
    },
    Scroll {
        lines: Vec<Line>,
        speed: f64,
    },
    /// One line crossing the body; `width` in px. A bilingual item's Mongolian leads
    /// (`mn`), the Chinese `text` follows `lead` px after the line's start.
    Marquee {
        text: String,
        width: u32,
        speed: f64,
        mn: Option<MnRow>,
        lead: u32,
    },
    /// Village, date and clock.
    Idle,
    /// Screen off: a black frame.
    Off,
}

/// The body area a flow moves in: the marquee's lane width, the scroll's height, the line pitch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View {
    pub width: u32,
    pub height: u32,
    pub pitch: u32,
}

impl Flow {
    /// How long one pass takes: all pages once, or the text crossing the view once.
    pub(crate) fn natural_duration(&self, view: View) -> Duration {
        let secs = match self {
            Flow::Pages { pages, page_seconds } => pages.len() as f64 * page_seconds,
            Flow::Marquee { width, speed, .. } => (*width as f64 + view.width as f64) / speed,
            Flow::Scroll { lines, speed } => (lines.iter().map(|l| l.advance(view.pitch) as f64).sum::<f64>() + view.height as f64) / speed,
            Flow::Idle | Flow::Off => 10.0,
        };
        Duration::from_secs_f64(secs.max(0.0))
    }

    pub(crate) fn page_count(&self) -> usize {
        match self {
            Flow::Pages { pages, .. } => pages.len(),
            _ => 1,
        }
    }

    /// The page on screen `t` seconds into the slot, and how many there are.
    pub(crate) fn page_at(&self, t: f64) -> (usize, usize) {
        match self {
            Flow::Pages { pages, page_seconds } => (((t / page_seconds) as usize) % pages.len().max(1), pages.len()),
            _ => (0, 1),
        }
    }

    /// The text of each page (one line per screen line) under `head`; `idle` for the idle screen.
    pub(crate) fn page_texts(&self, head: &str, idle: &str) -> Vec<String> {
        let lines = |ls: &[Line]| ls.iter().map(Line::plain).collect::<Vec<_>>().join("\n");
        match self {
            Flow::Pages { pages, .. } => pages.iter().map(|p| format!("{head}{}", lines(p))).collect(),
            Flow::Scroll { lines: ls, .. } => vec![format!("{head}{}", lines(ls))],
            Flow::Marquee { text, mn: Some(m), .. } => vec![format!("{head}{}\n{text}", m.line.text)],
            Flow::Marquee { text, .. } => vec![format!("{head}{text}")],
            Flow::Idle => vec![idle.to_string()],
            Flow::Off => vec![String::new()],
        }
    }

    fn lines(&self) -> Vec<&Line> {
        match self {
            Flow::Pages { pages, .. } => pages.iter().flatten().collect(),
            Flow::Scroll { lines, .. } => lines.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// Every piece of body text the CJK fonts draw, for coverage checks.
    pub(crate) fn texts(&self) -> Vec<&str> {
        match self {
            Flow::Marquee { text, mn, .. } => {
                let mut v: Vec<&str> = mn.iter().flat_map(|m| m.line.texts.iter().map(|(_, t)| t.as_str())).collect();
                v.push(text);
                v
            }
            _ => self.lines().into_iter().flat_map(Line::cjk_texts).collect(),
        }
    }

    /// The Mongolian lines' text, for the Mongolian font's coverage check.
    pub(crate) fn mn_texts(&self) -> Vec<&str> {
        match self {
            Flow::Marquee { mn, .. } => mn.iter().map(|m| m.line.text.as_str()).collect(),
            _ => self.lines().into_iter().filter_map(|l| l.mn.as_ref().map(|m| m.line.text.as_str())).collect(),
        }
    }
}

/// Characters of `texts` a font lacks (each text with its font's `covers`), sorted, without repeats.
pub(crate) fn uncovered<'a>(texts: impl IntoIterator<Item = (&'a str, &'a dyn Fn(char) -> bool)>) -> Vec<char> {
    let mut out: Vec<char> = texts.into_iter().flat_map(|(t, covers)| t.chars().filter(move |&c| !c.is_control() && !covers(c))).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// What every design's scene answers; `Scene` delegates here.
pub(crate) trait Design {
    /// The laid-out body.
    fn flow(&self) -> &Flow;

    /// Where the body moves.
    fn view(&self) -> View;

    /// The header as `preview --text` prints it above each page (empty when none shows).
    fn heading(&self) -> String;

    /// The idle screen's text.
    fn village(&self) -> &str;

    /// Characters no font has (drawn as replacement boxes); callers log them.
    fn missing(&self) -> &[char];

    /// Draws the scene `elapsed` into its slot at local time `now`, with the urgent ticker
    /// (and how long it has been running) on designs that have one.
    fn draw(&self, f: &mut Frame, elapsed: Duration, now: &Zoned, ticker: Option<(&Ticker, Duration)>);

    fn natural_duration(&self) -> Duration {
        self.flow().natural_duration(self.view())
    }

    fn page_count(&self) -> usize {
        self.flow().page_count()
    }

    fn page_texts(&self) -> Vec<String> {
        self.flow().page_texts(&self.heading(), self.village())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::item::parse::{Format, Limits, parse_item};
    use crate::item::{Entry, Showable};

    fn item(category: &str, priority: &str) -> Content {
        let src = format!(
            r#"{{"id":"a","revision":1,"category":"{category}","priority":"{priority}","title":"标题","body":["正文"],"status":"approved",
                "approval":{{"by":"x","at":"2026-11-01T00:00:00+08:00"}},"display":{{"from":"2026-11-01T00:00:00+08:00","until":"2027-01-01T00:00:00+08:00"}}}}"#
        );
        let it = parse_item(std::path::Path::new("a.json"), &src, Format::Json, &Limits::default()).unwrap();
        let e = Arc::new(Entry::new("local", Arc::new(it), &Default::default()));
        Content::Item(Showable::admit(&e, "2026-12-01T00:00:00Z".parse().unwrap()).unwrap())
    }

    #[test]
    fn one_mapping_gives_each_design_its_labels() {
        let label = |c: &Content, l: Labels| notice(c, l, "青山村").unwrap().header.label;
        assert_eq!(label(&item("party", "normal"), Labels::Short), "党务");
        assert_eq!(label(&item("party", "normal"), Labels::Board), "党务公开");
        assert_eq!(label(&item("notice", "normal"), Labels::Board), "公告");
        assert_eq!(label(&item("finance", "urgent"), Labels::Short), "紧急");
        assert_eq!(label(&item("finance", "urgent"), Labels::Board), "紧急通知");
        let n = Content::Notice { title: None, text: "请爱护公共设施".into() };
        let n = notice(&n, Labels::Board, "青山村").unwrap();
        assert_eq!((n.header.label.as_str(), n.header.title.as_str(), n.village.as_str()), ("通知", "", "青山村"));
        assert_eq!(n.paragraphs, ["请爱护公共设施".to_string()]);
        assert!(notice(&Content::Idle, Labels::Short, "青山村").is_none() && notice(&Content::Off, Labels::Board, "").is_none());
    }
}
