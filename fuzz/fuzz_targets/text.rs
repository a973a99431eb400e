//! Fuzz target `text`: see `checks/text.rs` for the invariants.
#![no_main]

#[path = "../checks/mod.rs"]
#[allow(dead_code)] // each target uses one check
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::text(data));
