//! Small real OTLP servers on 127.0.0.1:0 for answers nginx and rotel cannot give: partial
//! success (gRPC and HTTP), an HTML web app, a protobuf-only OTLP/HTTP receiver, and gRPC
//! services that fail every export with a chosen status (optionally with a
//! `google.rpc.RetryInfo` detail in `grpc-status-details-bin`).
//!
//! Each server runs on its own thread with its own tokio runtime, is built with the official
//! generated types of `opentelemetry-proto` and stops on Drop (bounded).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
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
use prost::Message;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::codec::CompressionEncoding;
use tonic::transport::server::TcpIncoming;

use super::ports::LOOPBACK;

/// Bound on a server coming up (bind + address handed back).
const START_TIMEOUT: Duration = Duration::from_secs(5);
/// Bound on the runtime's shutdown when a server is dropped.
const STOP_TIMEOUT: Duration = Duration::from_secs(2);

// ------------------------------------------------------------------ background runner

/// A server on its own thread and current-thread tokio runtime; stopped on Drop.
struct Background {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    /// Binds 127.0.0.1:0 on a new thread and runs `serve(listener)` until dropped.
    fn start<F, Fut>(name: &str, serve: F) -> Background
    where
        F: FnOnce(TcpListener) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let (addr_tx, addr_rx) = mpsc::channel::<Result<SocketAddr, String>>();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("otlp-server-{name}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = addr_tx.send(Err(format!("tokio runtime: {e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let listener = match TcpListener::bind((LOOPBACK, 0)).await {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = addr_tx.send(Err(format!("bind 127.0.0.1:0: {e}")));
                            return;
                        }
                    };
                    match listener.local_addr() {
                        Ok(a) => {
                            let _ = addr_tx.send(Ok(a));
                        }
                        Err(e) => {
                            let _ = addr_tx.send(Err(format!("local_addr: {e}")));
                            return;
                        }
                    }
                    // Stop abruptly (no graceful drain): a client that keeps a
                    // connection open must not delay the test.
                    tokio::select! {
                        _ = serve(listener) => {}
                        _ = stop_rx => {}
                    }
                });
                runtime.shutdown_timeout(STOP_TIMEOUT);
            })
            .unwrap_or_else(|e| panic!("spawn the {name} test server thread: {e}"));
        let addr = match addr_rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(addr)) => addr,
            Ok(Err(e)) => panic!("the {name} test server failed to start: {e}"),
            Err(e) => panic!("the {name} test server did not start within {START_TIMEOUT:?}: {e}"),
        };
        Background {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ------------------------------------------------------------------ HTTP/1.1 servers

/// One request as an HTTP test server saw it.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub method: String,
    pub path: String,
    pub content_type: String,
    pub body_len: usize,
}

type Handler = Arc<dyn Fn(&http::request::Parts, &Bytes) -> Response<Full<Bytes>> + Send + Sync>;

/// A hyper HTTP/1.1 server answering every request with `handler`.
struct HttpServer {
    background: Background,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
}

impl HttpServer {
    fn start(name: &str, handler: Handler) -> HttpServer {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let background =
            Background::start(name, move |listener| serve_http(listener, handler, log));
        HttpServer { background, seen }
    }

    fn requests(&self) -> Vec<SeenRequest> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

async fn serve_http(listener: TcpListener, handler: Handler, seen: Arc<Mutex<Vec<SeenRequest>>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let handler = Arc::clone(&handler);
        let seen = Arc::clone(&seen);
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let handler = Arc::clone(&handler);
                let seen = Arc::clone(&seen);
                async move {
                    let (parts, body) = req.into_parts();
                    let body =
                        match tokio::time::timeout(Duration::from_secs(5), body.collect()).await {
                            Ok(Ok(collected)) => collected.to_bytes(),
                            _ => Bytes::new(),
                        };
                    seen.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(SeenRequest {
                            method: parts.method.to_string(),
                            path: parts.uri.path().to_string(),
                            content_type: content_type(&parts),
                            body_len: body.len(),
                        });
                    Ok::<_, Infallible>(handler(&parts, &body))
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn content_type(parts: &http::request::Parts) -> String {
    parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn respond(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(Full::new(body.into()))
        .expect("a valid test response")
}

/// The OTLP signal of an OTLP/HTTP path (`/v1/traces`, ...), if any.
fn signal_of(path: &str) -> Option<&'static str> {
    match path {
        "/v1/traces" => Some("traces"),
        "/v1/metrics" => Some("metrics"),
        "/v1/logs" => Some("logs"),
        _ => None,
    }
}

fn is_json(parts: &http::request::Parts) -> bool {
    content_type(parts).starts_with("application/json")
}

/// The Export*ServiceResponse of `signal`, protobuf or JSON encoded.
fn export_response(signal: &str, partial: Option<(i64, &str)>, json: bool) -> Vec<u8> {
    fn enc<M: Message + serde::Serialize>(m: &M, json: bool) -> Vec<u8> {
        if json {
            serde_json::to_vec(m).expect("serialize a test response as JSON")
        } else {
            m.encode_to_vec()
        }
    }
    let message = |m: &str| m.to_string();
    match signal {
        "traces" => enc(
            &ExportTraceServiceResponse {
                partial_success: partial.map(|(n, m)| ExportTracePartialSuccess {
                    rejected_spans: n,
                    error_message: message(m),
                }),
            },
            json,
        ),
        "metrics" => enc(
            &ExportMetricsServiceResponse {
                partial_success: partial.map(|(n, m)| ExportMetricsPartialSuccess {
                    rejected_data_points: n,
                    error_message: message(m),
                }),
            },
            json,
        ),
        _ => enc(
            &ExportLogsServiceResponse {
                partial_success: partial.map(|(n, m)| ExportLogsPartialSuccess {
                    rejected_log_records: n,
                    error_message: message(m),
                }),
            },
            json,
        ),
    }
}

/// OTLP/HTTP receiver answering 200 on `/v1/{traces,metrics,logs}` with `partial_success` set
/// (protobuf, or JSON when the request was JSON); 404 elsewhere.
pub struct PartialSuccessHttp(HttpServer);

impl PartialSuccessHttp {
    pub fn start(rejected: i64, message: &str) -> PartialSuccessHttp {
        let message = message.to_string();
        let handler: Handler = Arc::new(move |parts, _body| match signal_of(parts.uri.path()) {
            Some(signal) if parts.method == http::Method::POST => {
                let json = is_json(parts);
                let body = export_response(signal, Some((rejected, &message)), json);
                let ct = if json {
                    "application/json"
                } else {
                    "application/x-protobuf"
                };
                respond(200, ct, body)
            }
            Some(_) => respond(405, "text/plain", "405 method not allowed"),
            None => respond(404, "text/plain", "404 page not found"),
        });
        PartialSuccessHttp(HttpServer::start("partial-http", handler))
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.0.background.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Every request seen so far.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.0.requests()
    }
}

/// A web application: every request gets `200 text/html` and a small HTML page.
pub struct HtmlApp(HttpServer);

impl HtmlApp {
    /// The page every request gets.
    pub const PAGE: &'static str = "<!DOCTYPE html>\n<html><head><title>Acme Shop</title></head>\
        <body><h1>Welcome to the Acme Shop</h1></body></html>\n";

    pub fn start() -> HtmlApp {
        let handler: Handler =
            Arc::new(|_parts, _body| respond(200, "text/html; charset=utf-8", HtmlApp::PAGE));
        HtmlApp(HttpServer::start("html-app", handler))
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.0.background.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Every request seen so far.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.0.requests()
    }
}

/// OTLP/HTTP receiver that only speaks protobuf: 200 (an empty protobuf Export*ServiceResponse)
/// to `application/x-protobuf` on `/v1/<signal>`, 415 to any other content type, 404 elsewhere.
pub struct ProtobufOnly(HttpServer);

impl ProtobufOnly {
    pub fn start() -> ProtobufOnly {
        let handler: Handler = Arc::new(|parts, _body| match signal_of(parts.uri.path()) {
            Some(signal) if parts.method == http::Method::POST => {
                if content_type(parts).starts_with("application/x-protobuf") {
                    respond(
                        200,
                        "application/x-protobuf",
                        export_response(signal, None, false),
                    )
                } else {
                    respond(
                        415,
                        "text/plain",
                        format!(
                            "415 unsupported media type '{}', supported: [application/x-protobuf]",
                            content_type(parts)
                        ),
                    )
                }
            }
            Some(_) => respond(405, "text/plain", "405 method not allowed"),
            None => respond(404, "text/plain", "404 page not found"),
        });
        ProtobufOnly(HttpServer::start("protobuf-only", handler))
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.0.background.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Every request seen so far.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.0.requests()
    }
}

/// OTLP/HTTP that fails every `n`th export carrying data with 503 (empty exports, such as
/// `check`'s protocol probe, always succeed): an intermittent failure with a known rate.
pub struct FlakyHttp(HttpServer);

impl FlakyHttp {
    pub fn every(n: usize) -> FlakyHttp {
        let exports = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let handler: Handler = Arc::new(move |parts, body| match signal_of(parts.uri.path()) {
            Some(signal) if parts.method == http::Method::POST => {
                let failing = !body.is_empty()
                    && (exports.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1)
                        .is_multiple_of(n);
                if failing {
                    respond(503, "text/plain", "503 unavailable (every third export)")
                } else {
                    respond(
                        200,
                        "application/x-protobuf",
                        export_response(signal, None, false),
                    )
                }
            }
            _ => respond(404, "text/plain", "404 page not found"),
        });
        FlakyHttp(HttpServer::start("flaky-http", handler))
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.0.background.addr)
    }
}

// ------------------------------------------------------------------ gRPC servers

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProtoAny {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProtoDuration {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// `google.rpc.Status`: what `grpc-status-details-bin` carries.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<ProtoAny>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

/// The type URL of [`RetryInfo`] inside an `Any`.
pub const RETRY_INFO_TYPE_URL: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// The bytes of `grpc-status-details-bin` for `code`/`message` with a RetryInfo of `delay`.
pub fn status_details_with_retry(code: tonic::Code, message: &str, delay: Duration) -> Vec<u8> {
    let retry = RetryInfo {
        retry_delay: Some(ProtoDuration {
            seconds: delay.as_secs() as i64,
            nanos: delay.subsec_nanos() as i32,
        }),
    };
    RpcStatus {
        code: code as i32,
        message: message.to_string(),
        details: vec![ProtoAny {
            type_url: RETRY_INFO_TYPE_URL.to_string(),
            value: retry.encode_to_vec(),
        }],
    }
    .encode_to_vec()
}

/// Runs the three OTLP gRPC services of `service` (plaintext h2c) on `listener`.
async fn serve_grpc<S>(listener: TcpListener, service: S)
where
    S: TraceService + MetricsService + LogsService + Clone,
{
    let result = tonic::transport::Server::builder()
        .add_service(
            TraceServiceServer::new(service.clone())
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(64 * 1024 * 1024),
        )
        .add_service(
            MetricsServiceServer::new(service.clone())
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(64 * 1024 * 1024),
        )
        .add_service(
            LogsServiceServer::new(service)
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(64 * 1024 * 1024),
        )
        .serve_with_incoming(TcpIncoming::from(listener))
        .await;
    if let Err(e) = result {
        eprintln!("test gRPC server stopped: {e}");
    }
}

/// The three OTLP gRPC services answering OK with `partial_success` set.
#[derive(Clone)]
struct PartialService {
    rejected: i64,
    message: String,
}

#[tonic::async_trait]
impl TraceService for PartialService {
    async fn export(
        &self,
        _request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess {
                rejected_spans: self.rejected,
                error_message: self.message.clone(),
            }),
        }))
    }
}

#[tonic::async_trait]
impl MetricsService for PartialService {
    async fn export(
        &self,
        _request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        Ok(tonic::Response::new(ExportMetricsServiceResponse {
            partial_success: Some(ExportMetricsPartialSuccess {
                rejected_data_points: self.rejected,
                error_message: self.message.clone(),
            }),
        }))
    }
}

#[tonic::async_trait]
impl LogsService for PartialService {
    async fn export(
        &self,
        _request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        Ok(tonic::Response::new(ExportLogsServiceResponse {
            partial_success: Some(ExportLogsPartialSuccess {
                rejected_log_records: self.rejected,
                error_message: self.message.clone(),
            }),
        }))
    }
}

/// OTLP/gRPC server (plaintext) whose three services answer OK with `partial_success` set.
pub struct PartialSuccessGrpc(Background);

impl PartialSuccessGrpc {
    pub fn start(rejected: i64, message: &str) -> PartialSuccessGrpc {
        let service = PartialService {
            rejected,
            message: message.to_string(),
        };
        PartialSuccessGrpc(Background::start("partial-grpc", move |listener| {
            serve_grpc(listener, service)
        }))
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.0.addr
    }

    /// `http://127.0.0.1:<port>` (plaintext gRPC endpoint).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }
}

/// The three OTLP gRPC services failing every export with one status.
#[derive(Clone)]
struct FailingService {
    code: tonic::Code,
    message: String,
    retry_after: Option<Duration>,
}

impl FailingService {
    fn status(&self) -> tonic::Status {
        match self.retry_after {
            Some(delay) => tonic::Status::with_details(
                self.code,
                self.message.clone(),
                Bytes::from(status_details_with_retry(self.code, &self.message, delay)),
            ),
            None => tonic::Status::new(self.code, self.message.clone()),
        }
    }
}

#[tonic::async_trait]
impl TraceService for FailingService {
    async fn export(
        &self,
        _request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        Err(self.status())
    }
}

#[tonic::async_trait]
impl MetricsService for FailingService {
    async fn export(
        &self,
        _request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        Err(self.status())
    }
}

#[tonic::async_trait]
impl LogsService for FailingService {
    async fn export(
        &self,
        _request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        Err(self.status())
    }
}

/// OTLP/gRPC server (plaintext) failing every Export with `code` and `message`; with
/// `retry_after`, the status carries a `google.rpc.RetryInfo` detail.
pub struct GrpcStatusServer(Background);

impl GrpcStatusServer {
    pub fn start(
        code: tonic::Code,
        message: &str,
        retry_after: Option<Duration>,
    ) -> GrpcStatusServer {
        let service = FailingService {
            code,
            message: message.to_string(),
            retry_after,
        };
        GrpcStatusServer(Background::start("grpc-status", move |listener| {
            serve_grpc(listener, service)
        }))
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.0.addr
    }

    /// `http://127.0.0.1:<port>` (plaintext gRPC endpoint).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }
}

// ------------------------------------------------------------------ a hostile gRPC server

/// An HTTP/2 server that answers every call with gRPC response headers and then DATA that never
/// ends: one message that announces 1 MiB, then zeros forever, never trailers. A client must
/// bound this by its own timeout or message limit.
pub struct EndlessGrpc(Background);

impl EndlessGrpc {
    pub fn start() -> EndlessGrpc {
        EndlessGrpc(Background::start("endless-grpc", |listener| async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(endless_grpc_connection(socket));
            }
        }))
    }

    /// `http://127.0.0.1:<port>` (plaintext gRPC endpoint).
    pub fn url(&self) -> String {
        format!("http://{}", self.0.addr)
    }
}

async fn endless_grpc_connection(socket: tokio::net::TcpStream) {
    let Ok(mut connection) = h2::server::handshake(socket).await else {
        return;
    };
    // Accepting is also what drives the connection's I/O for the streams spawned below.
    while let Some(Ok((_request, mut respond))) = connection.accept().await {
        let response = http::Response::builder()
            .status(200)
            .header("content-type", "application/grpc")
            .body(())
            .expect("a response");
        let Ok(stream) = respond.send_response(response, false) else {
            continue;
        };
        tokio::spawn(endless_body(stream));
    }
}

async fn endless_body(mut stream: h2::SendStream<bytes::Bytes>) {
    const CHUNK: usize = 16 * 1024;
    // The gRPC frame header: not compressed, 1 MiB long.
    let mut next = bytes::Bytes::from_static(&[0, 0, 0x10, 0, 0]);
    loop {
        stream.reserve_capacity(next.len());
        match futures_util::future::poll_fn(|cx| stream.poll_capacity(cx)).await {
            Some(Ok(granted)) if granted > 0 => {}
            _ => return,
        }
        if stream.send_data(next, false).is_err() {
            return;
        }
        next = bytes::Bytes::from(vec![0u8; CHUNK]);
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[cfg(test)]
mod tests {
    //! Each server answers as documented, seen by the official tonic clients and a raw
    //! HTTP/1.1 client, before any test points otlp-doctor at it.

    use super::*;
    use crate::support::http_client::{Http1Response, http1_request};
    use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
    use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;

    const BOUND: Duration = Duration::from_secs(5);

    async fn bounded<T>(what: &str, f: impl Future<Output = T>) -> T {
        tokio::time::timeout(BOUND, f)
            .await
            .unwrap_or_else(|_| panic!("{what} timed out"))
    }

    async fn post(addr: SocketAddr, path: &str, content_type: &str, body: &[u8]) -> Http1Response {
        let stream = bounded("connect", tokio::net::TcpStream::connect(addr))
            .await
            .expect("connect");
        http1_request(
            stream,
            "POST",
            &addr.to_string(),
            path,
            &[("Content-Type", content_type)],
            body,
        )
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    #[tokio::test]
    async fn partial_success_grpc_sets_partial_success_on_every_signal() {
        let server = PartialSuccessGrpc::start(5, "five dropped");
        let url = server.url();
        let mut traces = bounded("connect", TraceServiceClient::connect(url.clone()))
            .await
            .expect("connect");
        let t = bounded(
            "export",
            traces.export(ExportTraceServiceRequest::default()),
        )
        .await
        .expect("traces OK")
        .into_inner();
        let t = t.partial_success.expect("partial_success");
        assert_eq!(
            (t.rejected_spans, t.error_message.as_str()),
            (5, "five dropped")
        );
        let mut metrics = bounded("connect", MetricsServiceClient::connect(url.clone()))
            .await
            .expect("connect");
        let m = bounded(
            "export",
            metrics.export(ExportMetricsServiceRequest::default()),
        )
        .await
        .expect("metrics OK")
        .into_inner();
        assert_eq!(
            m.partial_success
                .expect("partial_success")
                .rejected_data_points,
            5
        );
        let mut logs = bounded("connect", LogsServiceClient::connect(url))
            .await
            .expect("connect");
        let l = bounded("export", logs.export(ExportLogsServiceRequest::default()))
            .await
            .expect("logs OK")
            .into_inner();
        assert_eq!(
            l.partial_success
                .expect("partial_success")
                .rejected_log_records,
            5
        );
    }

    #[tokio::test]
    async fn grpc_status_server_fails_with_the_status_and_retry_info() {
        let server = GrpcStatusServer::start(
            tonic::Code::Unavailable,
            "slow down",
            Some(Duration::from_secs(3)),
        );
        let mut logs = bounded("connect", LogsServiceClient::connect(server.url()))
            .await
            .expect("connect");
        let status = bounded("export", logs.export(ExportLogsServiceRequest::default()))
            .await
            .expect_err("the export fails");
        assert_eq!(status.code(), tonic::Code::Unavailable);
        assert_eq!(status.message(), "slow down");
        let rpc = RpcStatus::decode(status.details()).expect("grpc-status-details-bin decodes");
        assert_eq!(rpc.code, tonic::Code::Unavailable as i32);
        assert_eq!(rpc.details.len(), 1);
        assert_eq!(rpc.details[0].type_url, RETRY_INFO_TYPE_URL);
        let retry = RetryInfo::decode(rpc.details[0].value.as_slice()).expect("RetryInfo decodes");
        assert_eq!(retry.retry_delay.expect("retry_delay").seconds, 3);

        let plain = GrpcStatusServer::start(tonic::Code::Internal, "boom", None);
        let mut traces = bounded("connect", TraceServiceClient::connect(plain.url()))
            .await
            .expect("connect");
        let status = bounded(
            "export",
            traces.export(ExportTraceServiceRequest::default()),
        )
        .await
        .expect_err("the export fails");
        assert_eq!(
            (status.code(), status.message()),
            (tonic::Code::Internal, "boom")
        );
        assert!(status.details().is_empty());
    }

    #[tokio::test]
    async fn partial_success_http_answers_protobuf_and_json() {
        let server = PartialSuccessHttp::start(5, "five dropped");
        let resp = post(server.addr(), "/v1/metrics", "application/x-protobuf", b"").await;
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("content-type"), Some("application/x-protobuf"));
        let m = ExportMetricsServiceResponse::decode(resp.body.as_slice()).expect("protobuf");
        let m = m.partial_success.expect("partial_success");
        assert_eq!(
            (m.rejected_data_points, m.error_message.as_str()),
            (5, "five dropped")
        );

        let resp = post(server.addr(), "/v1/traces", "application/json", b"{}").await;
        assert_eq!(resp.status, 200);
        assert_eq!(resp.header("content-type"), Some("application/json"));
        let json: serde_json::Value = serde_json::from_slice(&resp.body).expect("JSON");
        let partial = &json["partialSuccess"];
        let rejected = partial["rejectedSpans"].as_i64().or_else(|| {
            partial["rejectedSpans"]
                .as_str()
                .and_then(|s| s.parse().ok())
        });
        assert_eq!(rejected, Some(5), "{json}");
        assert_eq!(partial["errorMessage"], "five dropped", "{json}");

        let resp = post(server.addr(), "/nope", "application/x-protobuf", b"").await;
        assert_eq!(resp.status, 404);
        assert_eq!(server.requests().len(), 3);
    }

    #[tokio::test]
    async fn html_app_answers_html_to_everything() {
        let app = HtmlApp::start();
        let resp = post(app.addr(), "/v1/traces", "application/x-protobuf", b"").await;
        assert_eq!(resp.status, 200);
        assert!(
            resp.header("content-type")
                .is_some_and(|c| c.starts_with("text/html"))
        );
        assert!(String::from_utf8_lossy(&resp.body).contains("<html>"));
    }

    #[tokio::test]
    async fn protobuf_only_refuses_json_with_415() {
        let server = ProtobufOnly::start();
        let ok = post(server.addr(), "/v1/logs", "application/x-protobuf", b"").await;
        assert_eq!(ok.status, 200);
        assert!(ExportLogsServiceResponse::decode(ok.body.as_slice()).is_ok());
        let refused = post(server.addr(), "/v1/logs", "application/json", b"{}").await;
        assert_eq!(refused.status, 415);
    }

    #[test]
    fn servers_stop_on_drop() {
        let server = ProtobufOnly::start();
        let addr = server.addr();
        assert!(crate::support::ports::port_accepts(addr));
        drop(server);
        assert!(
            !crate::support::ports::port_accepts(addr),
            "{addr} still accepts"
        );
        let grpc = GrpcStatusServer::start(tonic::Code::Internal, "x", None);
        let addr = grpc.addr();
        assert!(crate::support::ports::port_accepts(addr));
        drop(grpc);
        assert!(
            !crate::support::ports::port_accepts(addr),
            "{addr} still accepts"
        );
    }
}
