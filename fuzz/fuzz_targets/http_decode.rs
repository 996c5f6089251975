//! The OTLP/HTTP decode path of `serve`: any body, in either encoding, gzipped or not, must be
//! decoded or refused with an error, never panic; whatever decodes goes through the data lint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otlp_doctor::fuzzing::http_body;

fuzz_target!(|data: &[u8]| http_body(data));
