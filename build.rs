//! Embeds the build time as a lower bound for the wall clock (see src/clock.rs).
//!
//! A board without a real-time clock boots in 1970; any time before the
//! binary was built is certainly wrong. Honours SOURCE_DATE_EPOCH for
//! reproducible builds. Never fails the build.

use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64));
    println!("cargo:rustc-env=YIPING_BUILD_EPOCH={secs}");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-changed=build.rs");
}
