//! The Collector config reader of `collector --config`: any text is parsed as YAML and
//! linted, or refused with an error, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otlp_doctor::fuzzing::collector_config;

fuzz_target!(|data: &[u8]| collector_config(data));
