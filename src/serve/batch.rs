//! The one internal batch type every listener produces: a decoded OTLP export request (the
//! [`ExportRequest`] of `otlp`) with the protocol it came over and what the request said about
//! its sender. Lint rules, the live view
//! and the fault policy all consume [`Received`], never transport-specific types.

use crate::otlp::payload::ExportRequest;
use crate::settings::{Compression, Protocol, Signal};
use std::net::SocketAddr;
use std::time::SystemTime;

/// What the request itself said about its sender, for rules that judge how a client exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMeta {
    /// The peer address, when the connection knows it.
    pub peer: Option<SocketAddr>,
    /// The `User-Agent` header; OpenTelemetry SDKs put their language and version there.
    pub user_agent: Option<String>,
    /// The compression the body arrived in (`Content-Encoding` or `grpc-encoding`).
    pub compression: Compression,
    pub received_at: SystemTime,
}

/// One decoded export request.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// The protocol the request came over.
    pub transport: Protocol,
    /// Always `payload.signal()`; kept as a field so consumers can route without matching.
    pub signal: Signal,
    pub payload: ExportRequest,
    pub meta: RequestMeta,
}

impl Received {
    pub fn new(transport: Protocol, payload: ExportRequest, meta: RequestMeta) -> Self {
        Received {
            transport,
            signal: payload.signal(),
            payload,
            meta,
        }
    }
}
