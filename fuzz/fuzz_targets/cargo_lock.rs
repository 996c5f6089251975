//! The `Cargo.lock` reader of `deps`: any text is parsed and diagnosed by every rule, or
//! refused with an error, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otlp_doctor::fuzzing::cargo_lock;

fuzz_target!(|data: &[u8]| cargo_lock(data));
