//! Fuzz target: bytes from a BX card's serial line through the reply decoder (entry point `yiping::api::fuzzing::bx_reply`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = yiping::api::fuzzing::bx_reply(data);
});
