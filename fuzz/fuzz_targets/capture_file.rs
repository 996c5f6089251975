//! The capture reader of `serve --open` and `send --replay`: any file is read as OTLP/JSON
//! lines or refused with the line at fault, never panics; what reads is moved to now and linted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otlp_doctor::fuzzing::capture_file;

fuzz_target!(|data: &[u8]| capture_file(data));
