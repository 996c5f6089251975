//! A proxy session: bind the listeners (gRPC, OTLP/HTTP, optionally `/metrics`), serve every
//! connection with [`handler::handle`], and on this task take each [`Exchange`] off the channel:
//! recognise retries, lint what passed, map failed answers to findings, show it all, and keep
//! the summary. On stop, the listeners close and what is in flight gets a bounded grace to be
//! answered, so shutdown drains without hanging.

use super::exchange::{Exchange, Fate, RetryDetector};
use super::handler::{self, ProxyState, ProxyView};
use super::summary::ProxySummary;
use super::upstream::{Upstream, UpstreamConfig};
use super::view::{ProxyListening, ProxySink};
use crate::checks::export::interpret::{Context, interpret};
use crate::otlp::client::{ExportAnswer, Outcome};
use crate::report::{Finding, Severity};
use crate::serve::faults::FaultPolicy;
use crate::serve::lint::{LintConfig, Linter};
use crate::settings::Protocol;
use bytes::Bytes;
use http_body_util::Full;
use std::collections::BTreeSet;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// In-flight exports get this long after stop to be forwarded and answered.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// A client that never finishes its headers is cut off after this.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Exchanges waiting for the view; beyond this the view skips some (counted), never the data.
const EVENT_CAPACITY: usize = 1024;
/// Payload digests remembered to recognise a retry.
const RETRY_MEMORY: usize = 4096;

/// Everything a proxy session runs on.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub grpc_listen: SocketAddr,
    pub http_listen: SocketAddr,
    pub metrics_listen: Option<SocketAddr>,
    pub upstream: UpstreamConfig,
    pub faults: FaultPolicy,
    pub max_message_bytes: usize,
    pub max_decompressed_bytes: usize,
    /// Requests forwarded at once; more wait (back-pressure toward the app).
    pub max_in_flight: usize,
    pub view: ProxyView,
}

/// Why a session could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("cannot listen on {addr} ({what}): {source}")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the upstream's TLS settings are unusable: {0}")]
    Tls(#[from] crate::transport::tls::TlsConfigError),
}

/// Listeners bound, nothing served yet: their real addresses are known (port 0 picks one).
pub struct BoundProxy {
    grpc: TcpListener,
    http: TcpListener,
    metrics: Option<TcpListener>,
    state: Arc<ProxyState>,
    events: mpsc::Receiver<Exchange>,
}

impl BoundProxy {
    pub async fn bind(config: ProxyConfig) -> Result<BoundProxy, ProxyError> {
        let bind = |what, addr| {
            crate::transport::listener::bind(addr).map_err(|source| ProxyError::Bind {
                what,
                addr,
                source,
            })
        };
        let grpc = bind("OTLP/gRPC", config.grpc_listen)?;
        let http = bind("OTLP/HTTP", config.http_listen)?;
        let metrics = config
            .metrics_listen
            .map(|addr| bind("metrics", addr))
            .transpose()?;
        let (sender, events) = mpsc::channel(EVENT_CAPACITY);
        let state = Arc::new(ProxyState {
            upstream: Upstream::new(config.upstream)?,
            faults: config.faults,
            max_message_bytes: config.max_message_bytes,
            max_decompressed_bytes: config.max_decompressed_bytes,
            in_flight: Semaphore::new(config.max_in_flight),
            events: sender,
            metrics: Default::default(),
            view: config.view,
        });
        Ok(BoundProxy {
            grpc,
            http,
            metrics,
            state,
            events,
        })
    }

    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc
            .local_addr()
            .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http
            .local_addr()
            .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|m| m.local_addr().ok())
    }

    /// Serves until `stop` completes, showing every exchange on `sink`; returns the summary.
    pub async fn run(
        self,
        sink: &mut dyn ProxySink,
        stop: impl Future<Output = ()>,
    ) -> ProxySummary {
        let upstream = &self.state.upstream;
        let grpc_upstream = upstream.url(upstream.sends_grpc(true)).to_string();
        let http_upstream = upstream.url(upstream.sends_grpc(false)).to_string();
        sink.listening(&ProxyListening {
            grpc: self.grpc_addr(),
            http: self.http_addr(),
            metrics: self.metrics_addr(),
            grpc_upstream: &grpc_upstream,
            http_upstream: &http_upstream,
        });
        let upstreams = [grpc_upstream.as_str(), http_upstream.as_str()];
        let token = CancellationToken::new();
        let mut servers = JoinSet::new();
        servers.spawn(accept(self.grpc, self.state.clone(), token.clone()));
        servers.spawn(accept(self.http, self.state.clone(), token.clone()));
        if let Some(metrics) = self.metrics {
            servers.spawn(serve_metrics(metrics, self.state.clone(), token.clone()));
        }
        let mut session = Session::new(sink);
        let mut events = self.events;
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => break,
                event = events.recv() => match event {
                    Some(exchange) => session.exchange(exchange, upstreams),
                    None => break,
                },
            }
        }
        token.cancel();
        let drained = async { while servers.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, drained).await;
        servers.abort_all();
        while let Ok(exchange) = events.try_recv() {
            session.exchange(exchange, upstreams);
        }
        session.finish()
    }
}

/// What the loop keeps between exchanges.
struct Session<'s> {
    sink: &'s mut dyn ProxySink,
    linter: Linter,
    retries: RetryDetector,
    summary: ProxySummary,
    /// Codes already shown in full; later answers with the same code only name it.
    shown: BTreeSet<&'static str>,
}

impl<'s> Session<'s> {
    fn new(sink: &'s mut dyn ProxySink) -> Self {
        Session {
            sink,
            linter: Linter::new(LintConfig::default()),
            retries: RetryDetector::new(RETRY_MEMORY),
            summary: ProxySummary::default(),
            shown: BTreeSet::new(),
        }
    }

    /// `upstreams`: the gRPC and the OTLP/HTTP upstream, for the findings' evidence.
    fn exchange(&mut self, mut exchange: Exchange, upstreams: [&str; 2]) {
        // An empty export (a connectivity probe, a flush with nothing queued) repeats by nature.
        if exchange.fate != Fate::NotOtlp && exchange.items() > 0 {
            exchange.retry = self.retries.is_retry(exchange.digest);
        }
        self.summary.add(&exchange);
        // Named as the upstream saw it: with --upstream-protocol, not the app's protocol.
        let upstream_grpc = matches!(exchange.outcome, Some(Outcome::Grpc { .. }));
        let base = upstreams[usize::from(exchange.protocol != Protocol::Grpc)];
        let upstream = match exchange.signal {
            Some(signal) if !upstream_grpc => {
                format!("{}{}", base.trim_end_matches('/'), signal.http_path())
            }
            _ => base.to_string(),
        };
        let findings = answer_findings(&exchange, &upstream);
        let code = findings.first().map(|f| f.code.as_str());
        self.sink.exchange(&exchange, code);
        for finding in findings {
            *self
                .summary
                .upstream_findings
                .entry(finding.code.as_str())
                .or_default() += 1;
            if self.shown.insert(finding.code.as_str()) {
                self.sink.finding(&finding);
            }
        }
        if let Some(received) = &exchange.received {
            for finding in self.linter.inspect(received, SystemTime::now()) {
                self.lint_finding(finding);
            }
        }
    }

    fn lint_finding(&mut self, finding: Finding) {
        self.summary.add_finding(&finding);
        self.sink.finding(&finding);
    }

    fn finish(mut self) -> ProxySummary {
        for finding in self.linter.finish() {
            self.lint_finding(finding);
        }
        self.sink.summary(&self.summary);
        self.summary
    }
}

/// The export check's reading of the upstream's answer: what went wrong, with the fix. Only
/// warnings and errors; a plain success needs no finding.
fn answer_findings(exchange: &Exchange, upstream: &str) -> Vec<Finding> {
    let (Some(outcome), Some(signal)) = (&exchange.outcome, exchange.signal) else {
        return Vec::new();
    };
    if let (Some(cause), Outcome::Transport { error, .. }) = (exchange.unanswered, outcome)
        && let Some(finding) = cause.finding(signal, upstream, error)
    {
        return vec![finding];
    }
    let answer = ExportAnswer {
        outcome: outcome.clone(),
        round_trip: exchange.round_trip,
        request_bytes: exchange.request_bytes,
    };
    let protocol = match outcome {
        Outcome::Grpc { .. } => Protocol::Grpc,
        _ if exchange.protocol == Protocol::Grpc => Protocol::HttpProtobuf,
        _ => exchange.protocol,
    };
    let cx = Context {
        signal,
        protocol,
        url: upstream,
        items: exchange.items(),
        trace_id: "",
        throttled: "",
    };
    interpret(&answer, &cx)
        .findings
        .into_iter()
        .filter(|f| f.severity != Severity::Info)
        .collect()
}

/// Accepts connections until `token` fires, then lets each finish what is in flight.
async fn accept(listener: TcpListener, state: Arc<ProxyState>, token: CancellationToken) {
    crate::http_connection::accept_until(listener, token.clone(), move |stream, peer| {
        let (state, token) = (state.clone(), token.clone());
        crate::http_connection::serve(stream, HEADER_READ_TIMEOUT, token, move |request| {
            let state = state.clone();
            async move { handler::handle(request, peer, &state).await }
        })
    })
    .await;
}

/// `GET /metrics` in the Prometheus text format; anything else is 404.
async fn serve_metrics(listener: TcpListener, state: Arc<ProxyState>, token: CancellationToken) {
    crate::http_connection::accept_until(listener, token.clone(), move |stream, _| {
        let (state, token) = (state.clone(), token.clone());
        crate::http_connection::serve(stream, HEADER_READ_TIMEOUT, token, move |request| {
            let state = state.clone();
            async move { metrics_page(&request, &state) }
        })
    })
    .await;
}

fn metrics_page(
    request: &http::Request<hyper::body::Incoming>,
    state: &ProxyState,
) -> http::Response<Full<Bytes>> {
    if request.uri().path() != "/metrics" {
        let mut missing = http::Response::new(Full::new(Bytes::from_static(
            b"the proxy's metrics are at /metrics\n",
        )));
        *missing.status_mut() = http::StatusCode::NOT_FOUND;
        return missing;
    }
    let mut page = http::Response::new(Full::new(Bytes::from(state.metrics.render())));
    page.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(crate::probe::exposition::CONTENT_TYPE),
    );
    page
}
