//! What every sink kind answers: the one entry point (`Sink`) each kind's config type
//! implements, and `SinkConfig`, the configured sink the rest of the program holds.
//!
//! Nothing outside a kind's own module knows its fields: `config` reads
//! `[[screens.sinks]]` through the registry in `sinks/mod.rs`, checks resources
//! with `claims`, `check` and `preview` ask `text_card`, and the daemon calls
//! `start` (through `runner::spawn`). Adding a kind never touches those callers.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::component::{Component, DynEq};
use crate::item::Item;
use crate::render::Frame;
use crate::render::font::FontLibrary;
use crate::schedule::OnAir;

use super::{Output, SinkStatus};

/// One sink kind, implemented by its config type (`PngConfig`, `BxConfig` ...).
pub trait Sink: DynEq + fmt::Debug + Send + Sync {
    /// Its `type` in `[[screens.sinks]]`.
    fn kind(&self) -> &'static str;

    /// The ports, files and devices it uses; `config` refuses two sinks claiming one
    /// resource that does not allow sharing.
    fn claims(&self) -> Vec<Claim> {
        Vec::new()
    }

    /// `Some` for a device that draws text with its own font (an LED controller card):
    /// what it can show, for `check` and `preview`. `None` for sinks that show the
    /// rendered pixels, which can show whatever the screen's design draws.
    fn text_card(&self) -> Option<&dyn TextCard> {
        None
    }

    /// Opens what must be open before the daemon runs (a device whose size must
    /// match the screen's: an error stops the start), and returns the sink's loop
    /// for its own thread. `first` is the screen's first frame.
    fn start(&self, screen: &str, first: &Output) -> std::io::Result<SinkLoop>;
}

/// A sink's loop: runs on the sink's own thread until cancelled or the screen is gone.
pub(crate) type SinkLoop = Box<dyn FnOnce(SinkRun) + Send>;

/// What a sink's loop gets: the screen's frames, its status and the shutdown signal.
pub struct SinkRun {
    pub screen: String,
    /// The screen's newest output (latest wins: a slow sink skips frames).
    pub rx: watch::Receiver<Arc<Output>>,
    pub status: Arc<SinkStatus>,
    pub cancel: CancellationToken,
    /// For waiting on the channel and on timers from the sink's thread.
    pub handle: Handle,
}

/// Something a sink uses that another sink could also want.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    SerialPort(PathBuf),
    /// A file or device node the sink writes.
    Path(PathBuf),
    /// The terminal yiping runs in (logs go to a file while a sink draws on it).
    Terminal,
}

/// Whether another sink may use the same resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sharing {
    Exclusive,
    /// A device on a shared bus (RS-485): devices of one `protocol` at one baud
    /// rate (`None`: probed) share it, each at its own address.
    Bus {
        protocol: &'static str,
        address: u16,
        baud: Option<u32>,
    },
    /// Any number of sinks may use it.
    Shared,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub resource: Resource,
    pub sharing: Sharing,
}

impl Claim {
    pub fn exclusive(resource: Resource) -> Claim {
        Claim { resource, sharing: Sharing::Exclusive }
    }
}

/// A device that draws text with its own font: what it can show and how it looks.
pub trait TextCard {
    /// The device font's character set as operators know it, e.g. `GB2312`.
    fn charset(&self) -> &'static str;

    /// Characters of `text` the device cannot draw, sorted and without repeats.
    fn unsupported(&self, text: &str) -> Vec<char>;

    /// What becomes of an item with such characters (zh, en), for `check`.
    fn instead(&self) -> (String, String);

    /// What becomes of a bilingual item's Mongolian (`mn`), which a device font without
    /// the script cannot draw (zh, en), for `check`.
    fn mn_instead(&self) -> (String, String);

    /// What the device shows of `on_air` on a `width` x `height` screen (its own
    /// layout and pages), for `preview --card` and `--text`.
    fn view(&self, on_air: Option<&OnAir>, width: u32, height: u32) -> Box<dyn CardPreview>;

    /// Characters of an item's title, body and table the device cannot draw.
    fn unsupported_in(&self, item: &Item) -> Vec<char> {
        let table = item.table.iter().flat_map(|t| t.columns.iter().chain(t.rows.iter().flatten()));
        let all: Vec<&str> =
            std::iter::once(item.title.as_str()).chain(item.body.iter().map(String::as_str)).chain(table.map(String::as_str)).collect();
        self.unsupported(&all.join("\n"))
    }
}

/// A text device's own rendering of one piece of content, approximated with yiping's fonts.
pub trait CardPreview {
    /// One line naming the device and the plan, e.g. `bx, address 1, 2 update(s), font 16`.
    fn heading(&self) -> String;

    /// Every page the device will show, one text block each.
    fn page_texts(&self) -> Vec<String>;

    /// What the device does with characters it cannot draw, when there are any.
    fn unsupported_note(&self) -> Option<String>;

    /// Draws the device's area `elapsed` into the slot; `false` when no font fits (the caller draws yiping's frame).
    fn draw(&self, f: &mut Frame, elapsed: Duration, fonts: &FontLibrary) -> bool;
}

/// A configured sink: one `[[screens.sinks]]` table, read by its kind.
pub(crate) type SinkConfig = Component<dyn Sink>;

impl SinkConfig {
    pub fn new(sink: impl Sink) -> SinkConfig {
        Component::from_arc(Arc::new(sink))
    }
}

/// Why two sinks cannot both claim what they claim (zh, en), or `None` when they can.
pub(crate) fn conflict(a: &Claim, b: &Claim) -> Option<(String, String)> {
    if a.resource != b.resource {
        return None;
    }
    match (&a.sharing, &b.sharing) {
        (Sharing::Shared, Sharing::Shared) => None,
        (Sharing::Bus { protocol: pa, address: x, baud: ba }, Sharing::Bus { protocol: pb, address: y, baud: bb }) if pa == pb => {
            let p = a.resource.name();
            if x == y {
                Some((
                    format!("两个 {pa} 输出使用同一串口 {p} 和同一屏地址 {x}：同一块控制卡不能由两个输出驱动"),
                    format!(
                        "two {pa} sinks use port {p} with the same address {x}: one card cannot be driven by two sinks (give each card its own address)"
                    ),
                ))
            } else if ba != bb {
                Some((
                    format!("同一总线 {p} 上的控制卡波特率设置不一致"),
                    format!("cards on the bus {p} are configured with different baud rates: one bus runs at one speed"),
                ))
            } else {
                None
            }
        }
        _ => Some(a.resource.in_use_twice()),
    }
}

impl Resource {
    fn name(&self) -> String {
        match self {
            Resource::SerialPort(p) | Resource::Path(p) => p.display().to_string(),
            Resource::Terminal => "terminal".to_string(),
        }
    }

    /// The message for two sinks using this resource at once (zh, en).
    fn in_use_twice(&self) -> (String, String) {
        let p = self.name();
        match self {
            Resource::SerialPort(_) => (
                format!("串口 {p} 被两个输出同时使用"),
                format!("port {p} is used by two sinks: only bx cards at different addresses can share a port"),
            ),
            Resource::Path(_) => (
                format!("{p} 被两个输出同时写入：每个输出需要自己的文件或设备"),
                format!("{p} is written by two sinks: give each sink its own file or device"),
            ),
            Resource::Terminal => ("两个输出同时在终端上绘制".to_string(), "two sinks draw on the terminal: keep one terminal sink".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sinks::png::PngConfig;
    use crate::sinks::terminal::TerminalConfig;

    fn bus(address: u16, baud: Option<u32>) -> Claim {
        Claim { resource: Resource::SerialPort("/dev/ttyUSB0".into()), sharing: Sharing::Bus { protocol: "bx", address, baud } }
    }

    #[test]
    fn only_what_allows_sharing_is_shared() {
        assert!(conflict(&bus(1, Some(9600)), &bus(2, Some(9600))).is_none(), "two addresses on one bus");
        assert!(conflict(&bus(1, Some(9600)), &bus(1, Some(9600))).unwrap().1.contains("same address 1"));
        assert!(conflict(&bus(1, Some(9600)), &bus(2, None)).unwrap().1.contains("different baud rates"));
        let port = Claim::exclusive(Resource::SerialPort("/dev/ttyUSB0".into()));
        assert!(conflict(&bus(1, Some(9600)), &port).unwrap().1.contains("used by two sinks"));
        let other = Claim::exclusive(Resource::SerialPort("/dev/ttyUSB1".into()));
        assert!(conflict(&port, &other).is_none());
        let file = Claim::exclusive(Resource::Path("out/screen.png".into()));
        assert!(conflict(&file, &file.clone()).unwrap().1.contains("written by two sinks"));
        let term = Claim { resource: Resource::Terminal, sharing: Sharing::Shared };
        assert!(conflict(&term, &term.clone()).is_none());
    }

    #[test]
    fn configs_compare_by_kind_and_settings() {
        let png = |p: &str| SinkConfig::new(PngConfig { path: p.into(), every: Duration::from_secs(1), scale: 1 });
        assert_eq!(png("a.png"), png("a.png"));
        assert_ne!(png("a.png"), png("b.png"));
        assert_ne!(png("a.png"), SinkConfig::new(TerminalConfig));
        assert_eq!(png("a.png").get::<PngConfig>().map(|c| c.scale), Some(1));
        assert!(png("a.png").get::<TerminalConfig>().is_none());
    }
}
