//! Fuzz target: feed bodies through the feed parser (entry point `yiping::api::fuzzing::feed`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = yiping::api::fuzzing::feed(data);
});
