//! The `OTEL_*` resolution of `env` and `check` (endpoints, headers, timeouts, TLS, SDK-wide
//! settings) under each SDK's reading rules: any value becomes settings or a finding, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otlp_doctor::fuzzing::otel_env;

fuzz_target!(|data: &[u8]| otel_env(data));
