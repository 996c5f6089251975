//! From an OTLP/HTTP body to a [`ExportRequest`]: which encoding the `Content-Type` names, undoing
//! `Content-Encoding: gzip` under a size cap, and decoding protobuf or OTLP/JSON into the official
//! generated types. Pure and synchronous, so the HTTP listener runs it off the async workers.

use crate::otlp::payload::ExportRequest;
use crate::otlp::wire_check;
use crate::settings::{Compression, Protocol, Signal};
use bytes::Bytes;
use flate2::read::MultiGzDecoder;
use std::io::{self, Read};

/// The two OTLP/HTTP body encodings, named by `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    Protobuf,
    Json,
}

impl BodyEncoding {
    /// Reads a `Content-Type` value; parameters such as `; charset=utf-8` are ignored and the
    /// media type is matched without regard to case (RFC 9110 §8.3.1).
    pub fn from_content_type(value: &str) -> Option<BodyEncoding> {
        let media_type = value.split(';').next().unwrap_or_default().trim();
        if media_type.eq_ignore_ascii_case("application/x-protobuf") {
            Some(BodyEncoding::Protobuf)
        } else if media_type.eq_ignore_ascii_case("application/json") {
            Some(BodyEncoding::Json)
        } else {
            None
        }
    }

    /// The `Content-Type` the spec gives this encoding; responses echo it.
    pub fn content_type(self) -> &'static str {
        match self {
            BodyEncoding::Protobuf => "application/x-protobuf",
            BodyEncoding::Json => "application/json",
        }
    }

    pub fn transport(self) -> Protocol {
        match self {
            BodyEncoding::Protobuf => Protocol::HttpProtobuf,
            BodyEncoding::Json => Protocol::HttpJson,
        }
    }
}

/// Reads a `Content-Encoding` value: absent or `identity` is no compression, `gzip` (and its
/// legacy alias `x-gzip`, RFC 9110 §8.4.1.3) is gzip; anything else is unsupported (`None`).
pub fn compression_from_header(value: Option<&str>) -> Option<Compression> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Some(Compression::None);
    };
    if value.eq_ignore_ascii_case("identity") {
        Some(Compression::None)
    } else if value.eq_ignore_ascii_case("gzip") || value.eq_ignore_ascii_case("x-gzip") {
        Some(Compression::Gzip)
    } else {
        None
    }
}

/// Why a body could not become a [`ExportRequest`].
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("the body inflates to more than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the body is not valid gzip: {0}")]
    Gzip(#[source] io::Error),
    #[error("the body is not a valid protobuf {signal} export request: {source}")]
    Protobuf {
        signal: Signal,
        #[source]
        source: prost::DecodeError,
    },
    #[error("the body is not a valid OTLP/JSON {signal} export request: {source}")]
    Json {
        signal: Signal,
        #[source]
        source: serde_json::Error,
    },
}

/// Decompresses (if needed) and decodes one request body.
pub fn decode_body(
    signal: Signal,
    encoding: BodyEncoding,
    compression: Compression,
    body: Bytes,
    max_decompressed_bytes: usize,
) -> Result<ExportRequest, DecodeError> {
    let plain = decompress(compression, body, max_decompressed_bytes)?;
    decode_plain(signal, encoding, plain)
}

/// A body a listener can answer: decoded, or a protobuf message only checked on the wire.
#[derive(Debug)]
pub enum Readable {
    Decoded(ExportRequest),
    /// Proven to decode ([`wire_check`]), with its item count; decoded later by the consumer.
    Checked {
        message: Bytes,
        items: u64,
    },
}

impl Readable {
    pub fn item_count(&self) -> u64 {
        match self {
            Readable::Decoded(payload) => payload.item_count(),
            Readable::Checked { items, .. } => *items,
        }
    }
}

/// Decompresses (if needed) one request body, then decodes it, or, for protobuf unless
/// `decode_now`, only proves that it decodes. A body the check refuses is decoded anyway, so
/// its error is prost's own words.
pub fn readable_body(
    signal: Signal,
    encoding: BodyEncoding,
    compression: Compression,
    body: Bytes,
    max_decompressed_bytes: usize,
    decode_now: bool,
) -> Result<Readable, DecodeError> {
    let plain = decompress(compression, body, max_decompressed_bytes)?;
    if encoding == BodyEncoding::Protobuf
        && !decode_now
        && let Ok(items) = wire_check::check(signal, &plain)
    {
        return Ok(Readable::Checked {
            message: plain,
            items,
        });
    }
    decode_plain(signal, encoding, plain).map(Readable::Decoded)
}

fn decode_plain(
    signal: Signal,
    encoding: BodyEncoding,
    plain: Bytes,
) -> Result<ExportRequest, DecodeError> {
    match encoding {
        BodyEncoding::Protobuf => decode_protobuf(signal, plain),
        BodyEncoding::Json => decode_json(signal, &plain),
    }
}

/// The body as the sender encoded it before compressing, inflating at most `limit` bytes.
pub fn decompress(
    compression: Compression,
    body: Bytes,
    limit: usize,
) -> Result<Bytes, DecodeError> {
    match compression {
        Compression::None => Ok(body),
        Compression::Gzip => gunzip(&body, limit).map(Bytes::from),
    }
}

/// Inflates at most `limit` bytes: reading one byte past it proves the body is too large without
/// ever holding more than `limit + 1` bytes, however small the compressed body was.
fn gunzip(compressed: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut plain = Vec::new();
    MultiGzDecoder::new(compressed)
        .take(cap)
        .read_to_end(&mut plain)
        .map_err(DecodeError::Gzip)?;
    if plain.len() > limit {
        return Err(DecodeError::TooLarge { limit });
    }
    Ok(plain)
}

/// A protobuf body (already inflated) decoded into the generated types.
pub fn decode_protobuf(signal: Signal, body: Bytes) -> Result<ExportRequest, DecodeError> {
    ExportRequest::decode_protobuf(signal, body)
        .map_err(|source| DecodeError::Protobuf { signal, source })
}

fn decode_json(signal: Signal, body: &[u8]) -> Result<ExportRequest, DecodeError> {
    let wrap = |source| DecodeError::Json { signal, source };
    Ok(match signal {
        Signal::Traces => ExportRequest::Traces(serde_json::from_slice(body).map_err(wrap)?),
        Signal::Metrics => ExportRequest::Metrics(serde_json::from_slice(body).map_err(wrap)?),
        Signal::Logs => ExportRequest::Logs(serde_json::from_slice(body).map_err(wrap)?),
    })
}
