//! The `/probe` request of `probe-server`: any query string and scrape timeout header is a
//! request or a 400 with a reason, never a panic; a request becomes the environment it probes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otlp_doctor::fuzzing::probe_query;

fuzz_target!(|data: &[u8]| probe_query(data));
