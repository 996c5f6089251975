//! The OTLP/gRPC decode path of `serve`: a message of any bytes decodes (prost, the codec tonic
//! uses) or is refused, never panics; whatever decodes goes through the data lint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otlp_doctor::fuzzing::grpc_message;

fuzz_target!(|data: &[u8]| grpc_message(data));
