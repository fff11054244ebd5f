//! Fuzz target: MQTT command payloads (and signed bodies) through the command checks (entry point `yiping::api::fuzzing::fleet_command`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = yiping::api::fuzzing::fleet_command(data);
});
