//! The `explain` lookup: any text (a code, an error message, a log) is matched against the
//! knowledge base and rendered, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otlp_doctor::fuzzing::explain_query;

fuzz_target!(|data: &[u8]| explain_query(data));
