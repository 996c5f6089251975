//! Entry points shared by the fuzz targets (`fuzz/`) and the stable tests that replay malformed,
//! truncated and oversized inputs: the decode paths of `serve` and the lint that consumes them.

use crate::otlp::payload::ExportRequest;
use crate::serve::lint::{LintConfig, Linter};
use crate::serve::{BodyEncoding, Received, RequestMeta, decode_body};
use crate::settings::{Compression, Protocol, Signal};
use bytes::Bytes;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use std::time::SystemTime;

/// Decompressed bodies beyond this are refused, as the receiver does (kept small for speed).
const FUZZ_MAX_DECOMPRESSED: usize = 1024 * 1024;

/// The first byte picks signal, encoding and compression; the rest is the body.
pub fn http_body(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let signal = Signal::ALL[usize::from(selector % 3)];
    let encoding = if selector & 0x10 == 0 {
        BodyEncoding::Protobuf
    } else {
        BodyEncoding::Json
    };
    let compression = if selector & 0x20 == 0 {
        Compression::None
    } else {
        Compression::Gzip
    };
    let transport = encoding.transport();
    if let Ok(payload) = decode_body(
        signal,
        encoding,
        compression,
        Bytes::copy_from_slice(body),
        FUZZ_MAX_DECOMPRESSED,
    ) {
        lint(transport, payload);
    }
}

/// The first byte picks the signal; the rest is one gRPC message.
pub fn grpc_message(data: &[u8]) {
    let Some((&selector, message)) = data.split_first() else {
        return;
    };
    let payload = match selector % 3 {
        0 => ExportTraceServiceRequest::decode(message).map(ExportRequest::Traces),
        1 => ExportMetricsServiceRequest::decode(message).map(ExportRequest::Metrics),
        _ => ExportLogsServiceRequest::decode(message).map(ExportRequest::Logs),
    };
    if let Ok(payload) = payload {
        lint(Protocol::Grpc, payload);
    }
}

fn lint(transport: Protocol, payload: ExportRequest) {
    let meta = RequestMeta {
        peer: None,
        user_agent: None,
        compression: Compression::None,
        received_at: SystemTime::now(),
    };
    let mut linter = Linter::new(LintConfig::default());
    let received = Received::new(transport, payload, meta);
    let _ = linter.inspect(&received, SystemTime::now());
    let _ = linter.finish();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::payload::{ExportRequest, ProbeData};

    /// Malformed, truncated and oversized inputs are refused without a crash.
    #[test]
    fn replay_hostile_inputs() {
        let valid =
            crate::otlp::encode::protobuf(&ExportRequest::probe(Signal::Traces, &ProbeData::new()));
        let mut inputs: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            vec![0xff; 64],
            b"\x10{\"resourceSpans\":[{".to_vec(),
        ];
        for cut in 0..valid.len() {
            inputs.push([&[0u8][..], &valid[..cut]].concat());
        }
        // A gzip bomb: 8 MiB of zeros compress to a few KiB and must hit the decompression cap.
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut encoder, &vec![0u8; 8 * 1024 * 1024]).expect("gzip");
        let bomb = encoder.finish().expect("gzip");
        inputs.push([&[0x20u8][..], &bomb].concat());
        // Deep nesting of AnyValue kvlists in JSON.
        let deep = format!(
            "\x10{{\"resourceSpans\":[{{\"resource\":{{\"attributes\":[{}]}}}}]}}",
            "{\"key\":\"a\",\"value\":{\"kvlistValue\":{\"values\":[".repeat(200)
        );
        inputs.push(deep.into_bytes());
        for input in &inputs {
            http_body(input);
            grpc_message(input);
        }
    }
}
