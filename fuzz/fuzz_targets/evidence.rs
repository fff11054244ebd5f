//! Fuzz target: evidence log files through record decoding and chain verification (entry point `yiping::api::fuzzing::evidence`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = yiping::api::fuzzing::evidence(data);
});
