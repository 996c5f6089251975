//! The OTLP/HTTP request body: protobuf (`application/x-protobuf`) or OTLP/JSON
//! (`application/json`), gzipped when compression is on (`Content-Encoding: gzip`). gRPC bodies
//! are not built here: the tonic client frames and compresses each message itself.

use super::error::OtlpError;
use super::json;
use super::payload::ExportRequest;
use crate::settings::{Compression, Protocol};
use flate2::Compression as GzipLevel;
use flate2::write::GzEncoder;
use prost::Message;
use std::io::Write;

pub const CONTENT_TYPE_PROTOBUF: &str = "application/x-protobuf";
pub const CONTENT_TYPE_JSON: &str = "application/json";
pub const CONTENT_ENCODING_GZIP: &str = "gzip";

/// A ready-to-send OTLP/HTTP body with the headers that describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedBody {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    /// `Some("gzip")` when the bytes are compressed.
    pub content_encoding: Option<&'static str>,
}

/// Encodes `request` for OTLP/HTTP. `Protocol::Grpc` yields the bare protobuf message (the
/// payload of a gRPC frame), uncompressed, since gRPC compresses per message in its framing.
pub fn encode(
    request: &ExportRequest,
    protocol: Protocol,
    compression: Compression,
) -> Result<EncodedBody, OtlpError> {
    let (plain, content_type) = match protocol {
        Protocol::HttpJson => (json::to_vec(request)?, CONTENT_TYPE_JSON),
        Protocol::HttpProtobuf | Protocol::Grpc => (protobuf(request), CONTENT_TYPE_PROTOBUF),
    };
    if compression == Compression::None || protocol == Protocol::Grpc {
        return Ok(EncodedBody {
            bytes: plain,
            content_type,
            content_encoding: None,
        });
    }
    let mut encoder = GzEncoder::new(Vec::new(), GzipLevel::default());
    let bytes = encoder
        .write_all(&plain)
        .and_then(|()| encoder.finish())
        .map_err(|source| OtlpError::Gzip {
            signal: request.signal(),
            source,
        })?;
    Ok(EncodedBody {
        bytes,
        content_type,
        content_encoding: Some(CONTENT_ENCODING_GZIP),
    })
}

/// The protobuf encoding of the request message.
pub fn protobuf(request: &ExportRequest) -> Vec<u8> {
    match request {
        ExportRequest::Traces(request) => request.encode_to_vec(),
        ExportRequest::Metrics(request) => request.encode_to_vec(),
        ExportRequest::Logs(request) => request.encode_to_vec(),
    }
}

/// The size of the protobuf message, without encoding it.
pub fn protobuf_len(request: &ExportRequest) -> usize {
    match request {
        ExportRequest::Traces(request) => request.encoded_len(),
        ExportRequest::Metrics(request) => request.encoded_len(),
        ExportRequest::Logs(request) => request.encoded_len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::payload::ProbeData;
    use crate::settings::Signal;
    use flate2::read::GzDecoder;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut plain = Vec::new();
        GzDecoder::new(bytes)
            .read_to_end(&mut plain)
            .expect("valid gzip");
        plain
    }

    #[test]
    fn protobuf_bodies_decode_back() {
        let probe = ProbeData::new();
        let request = ExportRequest::probe(Signal::Traces, &probe);
        let body = encode(&request, Protocol::HttpProtobuf, Compression::None).expect("encodes");
        assert_eq!(body.content_type, CONTENT_TYPE_PROTOBUF);
        assert_eq!(body.content_encoding, None);
        assert_eq!(body.bytes.len(), protobuf_len(&request));
        let back = ExportTraceServiceRequest::decode(body.bytes.as_slice()).expect("decodes");
        assert_eq!(ExportRequest::Traces(back), request);
    }

    #[test]
    fn gzip_wraps_either_encoding() {
        let probe = ProbeData::new();
        for signal in Signal::ALL {
            let request = ExportRequest::probe(signal, &probe);
            let zipped = encode(&request, Protocol::HttpJson, Compression::Gzip).expect("encodes");
            assert_eq!(zipped.content_type, CONTENT_TYPE_JSON);
            assert_eq!(zipped.content_encoding, Some("gzip"));
            let plain = gunzip(&zipped.bytes);
            assert_eq!(plain, json::to_vec(&request).expect("encodes"));
            assert!(String::from_utf8_lossy(&plain).contains(&probe.trace_id_hex()));

            let zipped =
                encode(&request, Protocol::HttpProtobuf, Compression::Gzip).expect("encodes");
            assert_eq!(gunzip(&zipped.bytes), protobuf(&request));
        }
    }

    #[test]
    fn grpc_bodies_are_never_gzipped_here() {
        let request = ExportRequest::probe(Signal::Logs, &ProbeData::new());
        let body = encode(&request, Protocol::Grpc, Compression::Gzip).expect("encodes");
        assert_eq!(body.content_encoding, None);
        assert_eq!(body.bytes, protobuf(&request));
    }
}
