//! Fuzz target: request targets through the status endpoint's router (entry point `yiping::api::fuzzing::status_path`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = yiping::api::fuzzing::status_path(data);
});
