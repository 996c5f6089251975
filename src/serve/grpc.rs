//! The OTLP/gRPC listener: the three generated collector services on one tonic server, gzip
//! accepted, messages capped at the configured size (tonic applies the cap after decompression
//! too, so a compressed bomb is refused with `RESOURCE_EXHAUSTED`/`OUT_OF_RANGE`).

use super::batch::{Received, RequestMeta};
use super::error::ServeError;
use super::faults::{self, Decision};
use super::intake::Intake;
use super::refusal::{Refusal, RefusalReason};
use crate::otlp::payload::ExportRequest;
use crate::settings::{Compression, Protocol};
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

/// Serves the three services until `shutdown` completes, then drains in-flight calls.
pub(crate) async fn serve(
    listener: TcpListener,
    intake: Intake,
    max_message_bytes: usize,
    tls: Option<&super::tls::ServerTls>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let services = Arc::new(GrpcIntake { intake });
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = tls {
        let identity = tonic::transport::Identity::from_pem(&tls.cert_pem, &tls.key_pem);
        builder = builder
            .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
            .map_err(ServeError::Grpc)?;
    }
    builder
        .add_service(
            TraceServiceServer::from_arc(services.clone())
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(max_message_bytes),
        )
        .add_service(
            MetricsServiceServer::from_arc(services.clone())
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(max_message_bytes),
        )
        .add_service(
            LogsServiceServer::from_arc(services)
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(max_message_bytes),
        )
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
        .map_err(ServeError::Grpc)
}

/// The collector services; each call becomes a [`Received`] and is answered with full success.
#[derive(Debug)]
struct GrpcIntake {
    intake: Intake,
}

impl GrpcIntake {
    /// Applies the fault policy, then hands the request on; returns the items to report as
    /// rejected (partial success), or the status of an injected failure.
    async fn deliver<T>(
        &self,
        request: Request<T>,
        wrap: fn(T) -> ExportRequest,
    ) -> Result<u64, Status> {
        let meta = meta(&request);
        let metadata = request.metadata().clone();
        let payload = wrap(request.into_inner());
        let signal = payload.signal();
        let faults = self.intake.faults();
        if !faults.delay.is_zero() {
            tokio::time::sleep(faults.delay).await;
        }
        let header = |name: &str| {
            metadata
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        match faults.decide(header, payload.item_count()) {
            Decision::Accept { rejected } => {
                self.intake
                    .accept(Received::new(Protocol::Grpc, payload, meta));
                Ok(rejected)
            }
            refused => {
                let status =
                    faults::grpc_status(refused).unwrap_or_else(|| Status::internal("refused"));
                self.intake.counters().record_refusal(Refusal {
                    reason: RefusalReason::of(refused),
                    transport: Some(Protocol::Grpc),
                    path: signal.grpc_path().to_string(),
                    answer: crate::otlp::rpc::grpc_code_name(status.code() as i32).to_string(),
                    message: status.message().to_string(),
                    peer: meta.peer,
                    user_agent: meta.user_agent.clone(),
                });
                Err(status)
            }
        }
    }
}

#[tonic::async_trait]
impl TraceService for GrpcIntake {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let rejected = self.deliver(request, ExportRequest::Traces).await?;
        let partial_success = (rejected > 0).then(|| ExportTracePartialSuccess {
            rejected_spans: i64::try_from(rejected).unwrap_or(i64::MAX),
            error_message: faults::partial_message(rejected),
        });
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success,
        }))
    }
}

#[tonic::async_trait]
impl MetricsService for GrpcIntake {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let rejected = self.deliver(request, ExportRequest::Metrics).await?;
        let partial_success = (rejected > 0).then(|| ExportMetricsPartialSuccess {
            rejected_data_points: i64::try_from(rejected).unwrap_or(i64::MAX),
            error_message: faults::partial_message(rejected),
        });
        Ok(Response::new(ExportMetricsServiceResponse {
            partial_success,
        }))
    }
}

#[tonic::async_trait]
impl LogsService for GrpcIntake {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        let rejected = self.deliver(request, ExportRequest::Logs).await?;
        let partial_success = (rejected > 0).then(|| ExportLogsPartialSuccess {
            rejected_log_records: i64::try_from(rejected).unwrap_or(i64::MAX),
            error_message: faults::partial_message(rejected),
        });
        Ok(Response::new(ExportLogsServiceResponse { partial_success }))
    }
}

fn meta<T>(request: &Request<T>) -> RequestMeta {
    let metadata = request.metadata();
    let text = |name: &str| metadata.get(name).and_then(|v| v.to_str().ok());
    let compression = match text("grpc-encoding") {
        Some(encoding) if encoding.eq_ignore_ascii_case("gzip") => Compression::Gzip,
        _ => Compression::None,
    };
    RequestMeta {
        peer: request.remote_addr(),
        user_agent: text("user-agent").map(str::to_owned),
        compression,
        received_at: SystemTime::now(),
    }
}
