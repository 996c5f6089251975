//! The peers the client tests talk to, each bound to 127.0.0.1:0 and stopped when its
//! [`Server`] guard is dropped.

use super::{STALL, Server, listener};
use crate::otlp::rpc;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonic::codec::CompressionEncoding;
use tonic::codegen::Service;
use tonic::{Code, Request, Response, Status};

#[derive(Clone, Copy)]
pub(super) enum Behaviour {
    Accept,
    Partial,
    Throttle,
    Stall,
}

/// What a gRPC server saw of one request.
#[derive(Debug, Clone)]
pub(super) struct SeenCall {
    pub(super) token: Option<String>,
    pub(super) grpc_encoding: Option<String>,
    pub(super) user_agent: Option<String>,
    pub(super) trace_ids: Vec<Vec<u8>>,
}

#[derive(Clone)]
pub(super) struct Collector {
    pub(super) behaviour: Behaviour,
    pub(super) seen: Arc<Mutex<Vec<SeenCall>>>,
}

/// Bounds the test TLS server's handshake.
const HANDSHAKE: Duration = Duration::from_secs(5);

pub(super) const THROTTLE_DELAY: Duration = Duration::from_secs(3);

impl Collector {
    async fn answer<T>(
        &self,
        metadata: &tonic::metadata::MetadataMap,
        trace_ids: Vec<Vec<u8>>,
        partial: T,
    ) -> Result<Response<T>, Status>
    where
        T: Default + Send,
    {
        let text = |name: &str| {
            metadata
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        self.seen.lock().expect("not poisoned").push(SeenCall {
            token: text("x-probe-token"),
            grpc_encoding: text("grpc-encoding"),
            user_agent: text("user-agent"),
            trace_ids,
        });
        match self.behaviour {
            Behaviour::Accept => Ok(Response::new(T::default())),
            Behaviour::Partial => Ok(Response::new(partial)),
            Behaviour::Throttle => Err(Status::with_details(
                Code::Unavailable,
                "memory limiter is refusing data",
                Bytes::from(rpc::status_with_retry_delay(
                    Code::Unavailable as i32,
                    "memory limiter is refusing data",
                    THROTTLE_DELAY,
                )),
            )),
            Behaviour::Stall => {
                tokio::time::sleep(STALL).await;
                Ok(Response::new(T::default()))
            }
        }
    }
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let trace_ids = request
            .get_ref()
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(|s| s.trace_id.clone())
            .collect();
        let partial = ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess {
                rejected_spans: 2,
                error_message: "2 spans too old".to_string(),
            }),
        };
        self.answer(request.metadata(), trace_ids, partial).await
    }
}

#[tonic::async_trait]
impl MetricsService for Collector {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let partial = ExportMetricsServiceResponse::default();
        self.answer(request.metadata(), Vec::new(), partial).await
    }
}

#[tonic::async_trait]
impl LogsService for Collector {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        let trace_ids = request
            .get_ref()
            .resource_logs
            .iter()
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| &s.log_records)
            .map(|r| r.trace_id.clone())
            .collect();
        let partial = ExportLogsServiceResponse::default();
        self.answer(request.metadata(), trace_ids, partial).await
    }
}

pub(super) async fn grpc_server(behaviour: Behaviour) -> (Server, Arc<Mutex<Vec<SeenCall>>>) {
    let (listener, address) = listener().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let collector = Collector {
        behaviour,
        seen: seen.clone(),
    };
    let router = tonic::transport::Server::builder()
        .add_service(
            TraceServiceServer::new(collector.clone()).accept_compressed(CompressionEncoding::Gzip),
        )
        .add_service(
            MetricsServiceServer::new(collector.clone())
                .accept_compressed(CompressionEncoding::Gzip),
        )
        .add_service(
            LogsServiceServer::new(collector).accept_compressed(CompressionEncoding::Gzip),
        );
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    let task = tokio::spawn(async move {
        let _ = router.serve_with_incoming(incoming).await;
    });
    (Server { address, task }, seen)
}

/// An HTTP/2 server that answers every request with a plain 404 carrying `body`, like a reverse
/// proxy with no gRPC route.
pub(super) async fn h2_not_found_server(body: &'static [u8]) -> Server {
    let (listener, address) = listener().await;
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_request| async move {
                    ::http::Response::builder()
                        .status(404)
                        .header("content-type", "text/plain")
                        .body(Full::new(Bytes::from_static(body)))
                });
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Server { address, task }
}

/// What the HTTP server saw of one request.
#[derive(Debug, Clone)]
pub(super) struct SeenPost {
    pub(super) path: String,
    pub(super) content_type: Option<String>,
    pub(super) content_encoding: Option<String>,
    pub(super) user_agent: Option<String>,
    pub(super) host: Option<String>,
    pub(super) token: Option<String>,
    pub(super) body: Vec<u8>,
}

/// Answers by path: `/partial` 200 + protobuf partial success, `/json` 200 + JSON partial
/// success (count as a string, as the Collector writes it), `/throttle` 429 + `Retry-After`,
/// `/stall` never in time.
pub(super) async fn http_server() -> (Server, Arc<Mutex<Vec<SeenPost>>>) {
    let (listener, address) = listener().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let record = record.clone();
                    async move { respond(request, record).await }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (Server { address, task }, seen)
}

async fn respond(
    request: ::http::Request<hyper::body::Incoming>,
    record: Arc<Mutex<Vec<SeenPost>>>,
) -> Result<::http::Response<Full<Bytes>>, hyper::Error> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes().to_vec();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let path = parts.uri.path().to_string();
    record.lock().expect("not poisoned").push(SeenPost {
        path: path.clone(),
        content_type: header("content-type"),
        content_encoding: header("content-encoding"),
        user_agent: header("user-agent"),
        host: header("host"),
        token: header("x-probe-token"),
        body,
    });
    let response = ::http::Response::builder();
    let response = match path.as_str() {
        "/partial" => {
            let message = ExportTraceServiceResponse {
                partial_success: Some(ExportTracePartialSuccess {
                    rejected_spans: 2,
                    error_message: "2 spans too old".to_string(),
                }),
            };
            response
                .status(200)
                .header("content-type", "application/x-protobuf")
                .body(Full::new(Bytes::from(message.encode_to_vec())))
        }
        "/json" => response
            .status(200)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(
                br#"{"partialSuccess":{"rejectedSpans":"2","errorMessage":"2 spans too old"}}"#,
            ))),
        "/throttle" => response
            .status(429)
            .header("content-type", "text/plain")
            .header("retry-after", "7")
            .body(Full::new(Bytes::from_static(b"too many\n  requests"))),
        "/stall" => {
            tokio::time::sleep(STALL).await;
            response.status(200).body(Full::new(Bytes::new()))
        }
        _ => response.status(404).body(Full::new(Bytes::new())),
    };
    Ok(response.expect("a valid test response"))
}

/// A TLS server for `localhost` with a fresh self-signed certificate, offering ALPN `h2` and
/// `http/1.1`: the accepting collector (without gzip) over `h2`, the HTTP routes over `http/1.1`.
pub(super) struct TlsPeer {
    pub(super) server: Server,
    /// The self-signed certificate to trust.
    pub(super) cert: CertificateDer<'static>,
    pub(super) seen: Arc<Mutex<Vec<SeenCall>>>,
    /// The `:scheme` of each gRPC request.
    pub(super) schemes: Arc<Mutex<Vec<String>>>,
}

pub(super) async fn tls_server() -> TlsPeer {
    let key = rcgen::KeyPair::generate().expect("a key");
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("valid params");
    let cert = params.self_signed(&key).expect("a certificate");
    let der = cert.der().clone();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("default versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .expect("a server config");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let grpc = TraceServiceServer::new(Collector {
        behaviour: Behaviour::Accept,
        seen: seen.clone(),
    });
    let posts = Arc::new(Mutex::new(Vec::new()));
    let schemes = Arc::new(Mutex::new(Vec::new()));
    let record_scheme = schemes.clone();
    let (listener, address) = listener().await;
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, grpc, posts) = (acceptor.clone(), grpc.clone(), posts.clone());
            let record_scheme = record_scheme.clone();
            tokio::spawn(async move {
                let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE, acceptor.accept(tcp)).await
                else {
                    return;
                };
                let is_h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2".as_slice());
                let io = TokioIo::new(tls);
                if is_h2 {
                    let service = hyper::service::service_fn(move |request: ::http::Request<_>| {
                        let scheme = request.uri().scheme_str().unwrap_or_default().to_string();
                        record_scheme.lock().expect("not poisoned").push(scheme);
                        let mut grpc = grpc.clone();
                        async move { grpc.call(request).await }
                    });
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(io, service)
                        .await;
                } else {
                    let service =
                        hyper::service::service_fn(move |request| respond(request, posts.clone()));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                }
            });
        }
    });
    TlsPeer {
        server: Server { address, task },
        cert: der,
        seen,
        schemes,
    }
}
