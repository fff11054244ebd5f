//! The facade: the only items reachable from outside the crate, for the `yiping`
//! binary, the integration tests (`tests/it`) and the benchmarks (`benches/`).
//!
//! Everything else is `pub(crate)`; the modules here mirror the internal ones so
//! a path reads the same (`api::sinks::bx::command::Area`). A test that needs a
//! new item adds one line here, which keeps the surface visible in one file.
//! Re-exports only: no logic lives here.

/// The command line (`yiping run`, `check`, `preview` ...).
pub use crate::cli::main;

pub mod clock {
    pub use crate::clock::Clock;
}

pub mod config {
    pub use crate::config::Config;
    pub use crate::config::screen::ScreenConfig;
}

pub mod console {
    pub mod accounts {
        pub use crate::console::accounts::{Account, Role, hash_password, save};
    }
}

pub mod daemon {
    pub use crate::daemon::shutdown::SHUTDOWN_DEADLINE;
    pub use crate::daemon::{Rejected, Running, StartError, start, start_with};
}

pub mod diag {
    pub use crate::diag::Diag;
}

pub mod engine {
    pub use crate::engine::ScreenEngine;
}

pub mod evidence {
    pub use crate::evidence::record::{Edit, EndReason, Event, Play, Record, SinkReport};
    pub use crate::evidence::{LogConfig, Recorder};

    pub mod files {
        pub use crate::evidence::files::list;
    }
    pub mod record {
        pub use crate::evidence::record::{ApprovalSeen, GENESIS, ItemSeen, decode, encode, sha256_hex};
    }
    pub mod report {
        pub use crate::evidence::report::{Builder, LogSummary, Query};

        pub mod html {
            pub use crate::evidence::report::html::html;
        }
        pub mod markdown {
            pub use crate::evidence::report::markdown::markdown;
        }
    }
    pub mod verify {
        pub use crate::evidence::verify::read;
    }
    pub mod writer {
        pub use crate::evidence::writer::Writer;
    }
}

pub mod fleet {
    pub use crate::fleet::Actions;
    pub use crate::fleet::link::{Link, LinkStats};

    pub mod backlog {
        pub use crate::fleet::backlog::{Line, LogTail};
    }
    pub mod command {
        pub use crate::fleet::command::{envelope, sign_with};
    }
    pub mod config {
        pub use crate::fleet::config::{Broker, FleetConfig, Secret};
    }
    pub mod link {
        pub use crate::fleet::link::run;
    }
}

/// Entry points of the fuzz targets (`fuzz/`), replayed on stable by `tests/it/fuzz_replay.rs`.
pub mod fuzzing {
    pub use crate::fuzzing::{Entry, Outcome, TARGETS, bx_reply, config, evidence, feed, fleet_command, item, status_path, xlsx};
}

pub mod item {
    pub use crate::item::showable::{Entry, Showable};
    pub use crate::item::{Item, Priority, Status};

    pub mod mask {
        pub use crate::item::mask::policy::MaskPolicy;
    }
    pub mod parse {
        pub use crate::item::parse::{Format, Limits, parse_item};
    }
}

pub mod render {
    pub use crate::render::Renderer;
    pub use crate::render::display::LayoutStyle;
    pub use crate::render::frame::{Format, Frame};
    pub use crate::render::planes::Packing;

    pub mod font {
        pub use crate::render::font::library::FontLibrary;
        pub use crate::render::font::set::FontSet;
    }
    pub mod mongol {
        pub use crate::render::mongol::raster::led_threshold;
        pub use crate::render::mongol::{LinePiece, MnParagraph, MongolFont, MonoImage};
    }
}

pub mod schedule {
    pub use crate::schedule::Content;
    pub use crate::schedule::playlist::Effect;

    #[cfg(any(test, feature = "testkit"))]
    pub mod testkit {
        pub use crate::schedule::testkit::notice_on_air;
    }
}

pub mod sinks {
    pub use crate::schedule::hours::Power;
    pub use crate::sinks::Output;
    pub use crate::sinks::status::{MnOmitted, SinkStatus};

    pub mod bx {
        pub use crate::sinks::bx::config::{Baud, BxConfig, CardModel};
        pub use crate::sinks::bx::run;

        pub mod bus {
            pub use crate::sinks::bx::bus::bus_for;
        }
        pub mod command {
            pub use crate::sinks::bx::command::{Area, Motion, brightness, dynamic_area, parse_dynamic_area, power, reply_bytes};
        }
        pub mod packet {
            pub use crate::sinks::bx::packet::{Decoder, Packet, encode};
        }
        pub mod plan {
            pub use crate::sinks::bx::plan::plan;
        }
        pub mod preview {
            pub use crate::sinks::bx::preview::CardView;
        }
        pub mod text {
            pub use crate::sinks::bx::text::decode_text;
        }
    }
    pub mod fbdev {
        pub use crate::sinks::fbdev::Framebuffer;
        pub use crate::sinks::fbdev::config::FbdevConfig;
        pub use crate::sinks::fbdev::format::PixelFormat;

        pub mod format {
            pub use crate::sinks::fbdev::format::convert;
        }
    }
    pub mod gif {
        pub use crate::sinks::gif::decode_frames;
    }
    pub mod pixmap {
        pub use crate::sinks::pixmap::{Order, PixMapConfig};
    }
    pub mod png {
        pub use crate::sinks::png::{decode, save, scaled};
    }
    pub mod stream {
        pub use crate::sinks::stream::config::StreamConfig;
        pub use crate::sinks::stream::{FrameReader, Protocol, run};
    }
}

pub mod sources {
    pub use crate::sources::{SourceUpdate, offline_updates};

    pub mod http {
        pub use crate::sources::http::config::HttpSource;
        pub use crate::sources::http::{HttpFeed, Policy, Polled, accept, run};

        pub mod cache {
            pub use crate::sources::http::cache::{path, read};
        }
        pub mod floor {
            pub use crate::sources::http::floor::{Seen, path, read};
        }
        pub mod verify {
            pub use crate::sources::http::verify::{Keys, key_line};
        }
    }
}

pub mod status {
    pub use crate::status::config_state::{ReloadStatus, RunningOn};
    pub use crate::status::pages::State;
}

pub mod store {
    pub use crate::store::build_catalog;
}
