//! Fuzz target: item files (JSON and TOML) through the item parser (entry point `yiping::api::fuzzing::item`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = yiping::api::fuzzing::item(data);
});
