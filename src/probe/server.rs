//! The probe server's HTTP side: binds first (so the real address is known before anything is
//! served, port 0 included), then serves `/probe`, `/metrics`, `/`, `/-/healthy` and
//! `/-/reload` until its cancellation token fires.

use super::exposition;
use super::module::{ModuleError, Modules};
use super::render;
use super::request::{ProbeRequest, SCRAPE_TIMEOUT_HEADER};
use super::run::{self, ProbeResult};
use super::stats::{ProbeEnd, ServerStats};
use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Default of `--max-concurrent`: each probe holds a few sockets for at most a scrape timeout.
pub const DEFAULT_MAX_CONCURRENT: usize = 16;

/// Prometheus sends its request at once; a client that never finishes its headers is cut off.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// After the token fires, running probes get this long to answer before their connections are
/// dropped, so stopping never hangs on a probe without a scrape timeout.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Accept fails transiently when the process is out of file descriptors; pausing lets
/// connections close instead of spinning on the error.
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(50);

const TEXT: &str = "text/plain; charset=utf-8";

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Probes at once; more are answered 503 at once.
    pub max_concurrent: usize,
    pub modules: Modules,
    /// The file the modules came from, read again on reload.
    pub module_file: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            modules: Modules::builtin(),
            module_file: None,
        }
    }
}

/// The server could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr}: {source}")]
pub struct BindError {
    pub addr: SocketAddr,
    #[source]
    pub source: std::io::Error,
}

/// The blackbox-exporter style probe server.
#[derive(Debug)]
pub struct ProbeServer;

impl ProbeServer {
    /// Binds the listener; nothing is served until [`BoundProbeServer::serve`].
    pub async fn bind(config: ServerConfig) -> Result<BoundProbeServer, BindError> {
        let bind_error = |source| BindError {
            addr: config.listen,
            source,
        };
        let listener = crate::transport::listener::bind(config.listen).map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let max_concurrent = config.max_concurrent.max(1);
        let state = Arc::new(State {
            modules: RwLock::new(Arc::new(config.modules)),
            module_file: config.module_file,
            permits: Arc::new(Semaphore::new(max_concurrent)),
            stats: ServerStats::new(max_concurrent),
        });
        Ok(BoundProbeServer {
            listener,
            addr,
            state,
        })
    }
}

/// Bound, not serving yet.
#[derive(Debug)]
pub struct BoundProbeServer {
    listener: TcpListener,
    addr: SocketAddr,
    state: Arc<State>,
}

impl BoundProbeServer {
    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle that reloads the module file (for SIGHUP).
    pub fn reloader(&self) -> Reloader {
        Reloader(self.state.clone())
    }

    /// Serves until `token` fires, then lets running probes answer for up to 5 s.
    pub async fn serve(self, token: CancellationToken) {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                () = token.cancelled() => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        let _ = stream.set_nodelay(true);
                        connections.spawn(serve_connection(stream, self.state.clone(), token.clone()));
                    }
                    Err(_) => tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await,
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(self.listener);
        let drain = async { while connections.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, drain).await;
    }
}

/// Reloads the module file; the previous modules stay in use when the file is bad.
#[derive(Debug, Clone)]
pub struct Reloader(Arc<State>);

impl Reloader {
    /// `Ok(None)` when the server has no module file; `Ok(Some(n))` with the modules loaded.
    pub fn reload(&self) -> Result<Option<usize>, ModuleError> {
        self.0.reload()
    }
}

#[derive(Debug)]
struct State {
    modules: RwLock<Arc<Modules>>,
    module_file: Option<PathBuf>,
    permits: Arc<Semaphore>,
    stats: ServerStats,
}

impl State {
    fn modules(&self) -> Arc<Modules> {
        self.modules
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn reload(&self) -> Result<Option<usize>, ModuleError> {
        let Some(path) = &self.module_file else {
            return Ok(None);
        };
        match Modules::load(path) {
            Ok(modules) => {
                let count = modules.len();
                *self.modules.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(modules);
                self.stats.record_reload(true);
                Ok(Some(count))
            }
            Err(error) => {
                self.stats.record_reload(false);
                Err(error)
            }
        }
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    state: Arc<State>,
    token: CancellationToken,
) {
    crate::http_connection::serve(stream, HEADER_READ_TIMEOUT, token, move |request| {
        let state = state.clone();
        async move { handle(request, &state).await }
    })
    .await;
}

type Answer = Response<Full<Bytes>>;

async fn handle(request: Request<Incoming>, state: &State) -> Answer {
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    match request.uri().path() {
        "/probe" if readable => probe(&request, state).await,
        "/metrics" if readable => answer(
            StatusCode::OK,
            exposition::CONTENT_TYPE,
            state.stats.render(state.modules().len()),
        ),
        "/" if readable => answer(
            StatusCode::OK,
            "text/html; charset=utf-8",
            index(&state.modules()),
        ),
        "/-/healthy" if readable => answer(StatusCode::OK, TEXT, "OK\n".into()),
        "/-/reload" if *request.method() == Method::POST => reload(state),
        "/probe" | "/metrics" | "/" | "/-/healthy" => not_allowed("GET, HEAD"),
        "/-/reload" => not_allowed("POST"),
        path => answer(
            StatusCode::NOT_FOUND,
            TEXT,
            format!("no page at {path}; see / for the pages this server has\n"),
        ),
    }
}

async fn probe(request: &Request<Incoming>, state: &State) -> Answer {
    let modules = state.modules();
    let scrape_timeout = match request.headers().get(SCRAPE_TIMEOUT_HEADER) {
        None => None,
        Some(value) => match value.to_str() {
            Ok(text) => Some(text),
            Err(_) => {
                state.stats.record(ProbeEnd::BadRequest, None);
                return answer(
                    StatusCode::BAD_REQUEST,
                    TEXT,
                    format!("bad {SCRAPE_TIMEOUT_HEADER} header: not text\n"),
                );
            }
        },
    };
    let probe_request = match ProbeRequest::parse(request.uri().query(), scrape_timeout, &modules) {
        Ok(probe_request) => probe_request,
        Err(error) => {
            state.stats.record(ProbeEnd::BadRequest, None);
            return answer(StatusCode::BAD_REQUEST, TEXT, format!("{error}\n"));
        }
    };
    let Ok(_permit) = state.permits.clone().try_acquire_owned() else {
        state.stats.record(ProbeEnd::Rejected, None);
        let mut response = answer(
            StatusCode::SERVICE_UNAVAILABLE,
            TEXT,
            "too many probes at once (--max-concurrent); try again or raise the limit\n".into(),
        );
        response
            .headers_mut()
            .insert(RETRY_AFTER, http::HeaderValue::from_static("1"));
        return response;
    };
    let _in_flight = state.stats.in_flight();
    let outcome = run::run(&probe_request).await;
    let end = match (&outcome.result, outcome.success()) {
        (ProbeResult::TimedOut { .. }, _) => ProbeEnd::Timeout,
        (_, true) => ProbeEnd::Success,
        (_, false) => ProbeEnd::Failure,
    };
    state.stats.record(end, Some(outcome.duration));
    answer(
        StatusCode::OK,
        exposition::CONTENT_TYPE,
        render::probe_page(&outcome),
    )
}

fn reload(state: &State) -> Answer {
    match state.reload() {
        Ok(Some(count)) => answer(StatusCode::OK, TEXT, format!("reloaded {count} modules\n")),
        Ok(None) => answer(
            StatusCode::BAD_REQUEST,
            TEXT,
            "nothing to reload: the server was started without --config\n".into(),
        ),
        Err(error) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            TEXT,
            format!("{error}; the previous modules stay in use\n"),
        ),
    }
}

fn index(modules: &Modules) -> String {
    // Module names are limited to [A-Za-z0-9_.-], so they need no HTML escaping.
    let names = modules.names().collect::<Vec<_>>().join(", ");
    format!(
        "<!DOCTYPE html>
<html><head><title>otlp-doctor probe server</title></head>
<body>
<h1>otlp-doctor probe server</h1>
<p>Probe an OTLP endpoint:
<a href=\"/probe?target=http://localhost:4318\">/probe?target=http://localhost:4318</a></p>
<p>Parameters: <code>target</code> (required), <code>module</code>, <code>protocol</code>
(grpc, http/protobuf, http/json), <code>signals</code> (traces,metrics,logs).</p>
<p>Modules: {names}</p>
<p><a href=\"/metrics\">Metrics</a> &middot; <a href=\"/-/healthy\">Health</a></p>
</body></html>
"
    )
}

fn not_allowed(allow: &'static str) -> Answer {
    let mut response = answer(
        StatusCode::METHOD_NOT_ALLOWED,
        TEXT,
        format!("method not allowed; use {allow}\n"),
    );
    response
        .headers_mut()
        .insert(ALLOW, http::HeaderValue::from_static(allow));
    response
}

fn answer(status: StatusCode, content_type: &'static str, body: String) -> Answer {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    response
}
