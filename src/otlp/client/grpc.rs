//! OTLP/gRPC export through the generated tonic clients, over a channel whose only connection is
//! opened by our [`Dialer`] with ALPN `h2`. User headers become request metadata, gzip is sent
//! when configured and always accepted, and the deadline travels as `grpc-timeout`. A status the
//! server (or tonic, from an HTTP answer) produced is an [`Outcome::Grpc`]; a status tonic made
//! up because the connection failed or the deadline passed is an [`Outcome::Transport`].

use super::channel::{self, DialConnector};
use super::{Destination, MAX_RESPONSE_BYTES, Outcome, PartialSuccess, error_chain};
use crate::otlp::encode::protobuf_len;
use crate::otlp::payload::ExportRequest;
use crate::otlp::rpc;
use crate::settings::Compression;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use std::error::Error;
use std::time::Duration;
use tonic::codec::CompressionEncoding;
use tonic::metadata::MetadataMap;
use tonic::transport::Channel;
use tonic::{Code, Status};

/// The message of the status tonic makes when its own deadline passes (`tonic::TimeoutExpired`).
const TONIC_TIMEOUT_MESSAGE: &str = "Timeout expired";

/// Sends `request` over gRPC; returns the outcome and the protobuf size of the message.
pub(super) async fn export(dest: &Destination<'_>, request: &ExportRequest) -> (Outcome, usize) {
    let request_bytes = protobuf_len(request);
    let metadata = match channel::metadata(dest.headers) {
        Ok(metadata) => metadata,
        Err(name) => return (unsendable_header(&name), request_bytes),
    };
    let exchange = async {
        let channel = match connect(dest).await {
            Ok(channel) => channel,
            Err(error) => return Outcome::transport(&error),
        };
        match call(channel, dest, request, metadata).await {
            Ok(partial) => Outcome::Grpc {
                code: Code::Ok as i32,
                message: String::new(),
                retry_delay: None,
                partial,
            },
            Err(status) => status_outcome(&status, dest.timeout),
        }
    };
    let outcome = tokio::time::timeout(dest.timeout, exchange)
        .await
        .unwrap_or_else(|_| Outcome::timed_out(dest.timeout));
    (outcome, request_bytes)
}

/// A channel over one dialed connection; connects now, so a failure here is the transport's.
async fn connect(dest: &Destination<'_>) -> Result<Channel, tonic::transport::Error> {
    channel::endpoint(dest.dialer, dest.authority)?
        .connect_with_connector(DialConnector::new(dest.dialer.clone(), dest.timeout))
        .await
}

/// A user header that cannot be sent as gRPC metadata is a transport failure.
fn unsendable_header(name: &str) -> Outcome {
    Outcome::Transport {
        error: format!("header '{name}' cannot be sent as gRPC metadata (invalid name or value)"),
        timed_out: false,
        head_too_large: false,
    }
}

/// The export RPC of the request's signal.
async fn call(
    channel: Channel,
    dest: &Destination<'_>,
    request: &ExportRequest,
    metadata: MetadataMap,
) -> Result<Option<PartialSuccess>, Status> {
    let gzip = dest.compression == Compression::Gzip;
    // The three generated clients share no trait, hence one arm each.
    match request {
        ExportRequest::Traces(message) => {
            let mut client = TraceServiceClient::new(channel)
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(MAX_RESPONSE_BYTES);
            if gzip {
                client = client.send_compressed(CompressionEncoding::Gzip);
            }
            let response = client
                .export(tonic_request(metadata, dest.timeout, message.clone()))
                .await?
                .into_inner();
            Ok(response
                .partial_success
                .and_then(|p| PartialSuccess::new(p.rejected_spans, p.error_message)))
        }
        ExportRequest::Metrics(message) => {
            let mut client = MetricsServiceClient::new(channel)
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(MAX_RESPONSE_BYTES);
            if gzip {
                client = client.send_compressed(CompressionEncoding::Gzip);
            }
            let response = client
                .export(tonic_request(metadata, dest.timeout, message.clone()))
                .await?
                .into_inner();
            Ok(response
                .partial_success
                .and_then(|p| PartialSuccess::new(p.rejected_data_points, p.error_message)))
        }
        ExportRequest::Logs(message) => {
            let mut client = LogsServiceClient::new(channel)
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(MAX_RESPONSE_BYTES);
            if gzip {
                client = client.send_compressed(CompressionEncoding::Gzip);
            }
            let response = client
                .export(tonic_request(metadata, dest.timeout, message.clone()))
                .await?
                .into_inner();
            Ok(response
                .partial_success
                .and_then(|p| PartialSuccess::new(p.rejected_log_records, p.error_message)))
        }
    }
}

/// The message with the user's metadata and the deadline, sent as `grpc-timeout` (tonic also
/// enforces it on its side).
fn tonic_request<T>(metadata: MetadataMap, timeout: Duration, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::from_parts(metadata, tonic::Extensions::default(), message);
    request.set_timeout(timeout);
    request
}

/// Splits the statuses a peer sent (or tonic derived from its HTTP answer) from the ones tonic
/// made up locally: its deadline (`Cancelled`, "Timeout expired", not `DeadlineExceeded`) and
/// statuses wrapping a connection error, which carry that error as their source.
fn status_outcome(status: &Status, timeout: Duration) -> Outcome {
    if status.code() == Code::Cancelled && status.message() == TONIC_TIMEOUT_MESSAGE {
        return Outcome::timed_out(timeout);
    }
    if let Some(source) = status.source() {
        // The message is usually the source's own text ("transport error"); say it once.
        let chain = error_chain(source);
        let error = if chain.contains(status.message()) {
            chain
        } else {
            format!("{}: {chain}", status.message())
        };
        return Outcome::Transport {
            error,
            timed_out: super::is_timeout(source),
            head_too_large: super::is_head_too_large(source),
        };
    }
    Outcome::Grpc {
        code: status.code() as i32,
        message: status.message().to_string(),
        retry_delay: rpc::retry_delay(status.details()),
        partial: None,
    }
}
