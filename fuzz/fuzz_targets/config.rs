//! Fuzz target: the main config and playlist TOML through their validators (entry point `yiping::api::fuzzing::config`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = yiping::api::fuzzing::config(data);
});
