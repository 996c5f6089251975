//! The protobuf decode paths of `serve`: a message of any bytes decodes (prost, the codec tonic
//! uses) or is refused, never panics, and the OTLP/HTTP listener's wire check gives the same
//! answer and item count; whatever decodes goes through the data lint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otlp_doctor::fuzzing::grpc_message;

fuzz_target!(|data: &[u8]| grpc_message(data));
