//! OTLP/gRPC load: ONE tonic channel (one HTTP/2 connection from our [`Dialer`], ALPN `h2`)
//! shared by every worker, each request a stream on it. Requests go through
//! `tonic::client::Grpc::unary` on the signal's export method with the [`RawCodec`], so the
//! pooled protobuf bytes are framed as they are. The channel connects lazily and reconnects
//! after a failure; a failure is a measured outcome, not an error.

use super::codec::RawCodec;
use super::{TransportError, no_answer};
use crate::load::sample::Outcome;
use crate::otlp::client::channel::{self, DialConnector};
use crate::otlp::client::{MAX_RESPONSE_BYTES, PartialSuccess, error_chain};
use crate::otlp::rpc::grpc_code_name;
use crate::settings::Signal;
use crate::settings::values::Header;
use crate::transport::dialer::Dialer;
use bytes::Bytes;
use http::uri::PathAndQuery;
use std::error::Error;
use std::time::Duration;
use tonic::client::Grpc;
use tonic::codec::CompressionEncoding;
use tonic::metadata::MetadataMap;
use tonic::transport::Channel;
use tonic::{Code, Status};

/// The message of the status tonic makes when its own deadline passes.
const TONIC_TIMEOUT_MESSAGE: &str = "Timeout expired";

/// A worker's handle on the shared channel; cloning shares the connection.
#[derive(Clone)]
pub struct GrpcSender {
    client: Grpc<Channel>,
    metadata: MetadataMap,
    codec: RawCodec,
    timeout: Duration,
}

/// What the sender is built from.
pub struct GrpcSetup<'a> {
    pub dialer: Dialer,
    pub authority: &'a str,
    pub headers: &'a [Header],
    pub gzip: bool,
    pub timeout: Duration,
    pub message_capacity: usize,
}

impl GrpcSender {
    pub fn new(setup: GrpcSetup<'_>) -> Result<GrpcSender, TransportError> {
        let invalid = |e: tonic::transport::Error| TransportError::Endpoint(error_chain(&e));
        let channel = channel::endpoint(&setup.dialer, setup.authority)
            .map_err(invalid)?
            .connect_with_connector_lazy(DialConnector::new(setup.dialer, setup.timeout));
        let mut client = Grpc::new(channel)
            .accept_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(MAX_RESPONSE_BYTES);
        if setup.gzip {
            client = client.send_compressed(CompressionEncoding::Gzip);
        }
        Ok(GrpcSender {
            client,
            metadata: channel::metadata(setup.headers).map_err(TransportError::Header)?,
            codec: RawCodec {
                message_capacity: setup.message_capacity,
            },
            timeout: setup.timeout,
        })
    }

    /// Sends one pre-encoded export request of `signal` and waits for its status.
    pub async fn send(&mut self, signal: Signal, body: &Bytes) -> Outcome {
        let mut request = tonic::Request::from_parts(
            self.metadata.clone(),
            tonic::Extensions::default(),
            body.clone(),
        );
        request.set_timeout(self.timeout);
        let (client, codec) = (&mut self.client, self.codec);
        let call = async move {
            client
                .ready()
                .await
                .map_err(|e| Status::from_error(Box::new(e)))?;
            client.unary(request, export_path(signal), codec).await
        };
        match tokio::time::timeout(self.timeout, call).await {
            Err(_) => no_answer(self.timeout),
            Ok(Ok(response)) => Outcome::Accepted {
                rejected: PartialSuccess::from_protobuf(signal, response.get_ref())
                    .map_or(0, |p| u64::try_from(p.rejected).unwrap_or(0)),
            },
            Ok(Err(status)) => status_outcome(&status, self.timeout),
        }
    }
}

/// The OTLP export method of a signal.
fn export_path(signal: Signal) -> PathAndQuery {
    PathAndQuery::from_static(signal.grpc_path())
}

/// A status the server sent is `Refused`; one tonic made up (its deadline, a connection error
/// carried as the source) is `NoAnswer`.
fn status_outcome(status: &Status, timeout: Duration) -> Outcome {
    if status.code() == Code::Cancelled && status.message() == TONIC_TIMEOUT_MESSAGE {
        return no_answer(timeout);
    }
    if let Some(source) = status.source() {
        return Outcome::NoAnswer {
            error: format!("no answer: {}", error_chain(source)),
        };
    }
    Outcome::Refused {
        status: format!("gRPC {}", grpc_code_name(status.code() as i32)),
    }
}
