//! What the receiver listens on and the limits it enforces, with the defaults a collector uses so a
//! sender that passes here also passes there.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// The OTLP/gRPC port the spec assigns; loopback only, as collectors default to since v0.104, so
/// starting the doctor never exposes a listener to the network by surprise.
pub const DEFAULT_GRPC_LISTEN: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 4317));

/// The OTLP/HTTP port the spec assigns; loopback only for the same reason.
pub const DEFAULT_HTTP_LISTEN: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 4318));

/// grpc-go's default `MaxRecvMsgSize`, which the collector's OTLP receiver keeps: a batch larger than
/// this is refused by a stock collector, so the doctor refuses it too.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// OTLP batches compress roughly tenfold, so a body at the wire limit needs room to grow; a gzip
/// bomb (a few KiB that inflate to gigabytes) is cut off here instead of exhausting memory.
pub const DEFAULT_MAX_DECOMPRESSED_BYTES: usize = 64 * 1024 * 1024;

/// The memory batches waiting for a slow consumer may take. Beyond it the receiver still answers
/// the sender but drops the batch (and counts it), so a lagging view never turns into
/// back-pressure on the SDK.
pub const DEFAULT_QUEUE_BYTES: usize = 256 * 1024 * 1024;

/// Decoded batches (gRPC, OTLP/JSON) the queue holds: each is counted as a 256 KiB share of
/// [`DEFAULT_QUEUE_BYTES`], about what 512 spans take decoded. OTLP/HTTP protobuf bodies wait
/// undecoded and are counted by their size, so several times more of them fit.
pub const DEFAULT_BATCH_CAPACITY: usize = 1024;

/// Where the receiver listens and what it accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiverConfig {
    /// OTLP/gRPC listen address; port 0 picks a free port.
    pub grpc_listen: SocketAddr,
    /// OTLP/HTTP listen address; port 0 picks a free port.
    pub http_listen: SocketAddr,
    /// The largest gRPC message (after decompression, as grpc-go counts) and the largest HTTP
    /// request body as it arrives on the wire.
    pub max_message_bytes: usize,
    /// The largest HTTP request body after `Content-Encoding: gzip` is undone.
    pub max_decompressed_bytes: usize,
    /// Failures to inject on purpose (none by default).
    pub faults: super::faults::FaultPolicy,
    /// Serve TLS on both listeners with this identity.
    pub tls: Option<super::tls::ServerTls>,
    /// `--save`: every accepted request is appended here before it is answered.
    pub save: Option<super::sink::SaveFile>,
}

impl ReceiverConfig {
    /// Both listeners on 127.0.0.1 with ports picked by the OS: for tests and the in-process demo.
    pub fn ephemeral() -> Self {
        let any_port = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0));
        ReceiverConfig {
            grpc_listen: any_port,
            http_listen: any_port,
            ..ReceiverConfig::default()
        }
    }
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        ReceiverConfig {
            grpc_listen: DEFAULT_GRPC_LISTEN,
            http_listen: DEFAULT_HTTP_LISTEN,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_decompressed_bytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
            faults: super::faults::FaultPolicy::default(),
            tls: None,
            save: None,
        }
    }
}
