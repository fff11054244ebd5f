//! Fuzz target: workbooks through the console's Excel import (entry point `yiping::api::fuzzing::xlsx`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = yiping::api::fuzzing::xlsx(data);
});
