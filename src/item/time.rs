//! Instants in item files: RFC 3339 strings (JSON) or TOML datetimes, always with an offset.

use std::fmt;

use jiff::Timestamp;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time from an item file; an offset is required so it means one instant everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub Timestamp);

impl Instant {
    pub fn parse(s: &str) -> Result<Instant, String> {
        s.trim()
            .parse::<Timestamp>()
            .map(Instant)
            .map_err(|e| format!("`{s}` is not an RFC 3339 time with an offset (e.g. 2021-01-05T00:00:00+08:00): {e}"))
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Instant;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 time with an offset, e.g. 2021-01-05T00:00:00+08:00")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Instant, E> {
                Instant::parse(s).map_err(E::custom)
            }
            // TOML datetimes arrive as a one-entry map holding their text.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Instant, A::Error> {
                let Some((_, v)) = map.next_entry::<String, String>()? else {
                    return Err(de::Error::custom("empty datetime"));
                };
                if !v.ends_with(['Z', 'z']) && !v.get(19..).unwrap_or("").contains(['+', '-']) {
                    return Err(de::Error::custom(format!("`{v}` has no offset: write it as e.g. {v}+08:00")));
                }
                Instant::parse(&v).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}
