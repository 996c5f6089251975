//! The far side of the proxy: where exports go (`--upstream`), pooled connections to it
//! (plaintext, or TLS with the verified client configuration `check` uses, mTLS included), and
//! one forwarded request with its complete answer, trailers included. Requests go out as they
//! came in: same method, path (under the upstream's base path for OTLP/HTTP), headers and body.

use super::failure::{ResolveError, Unanswered};
use crate::settings::Protocol;
use crate::settings::endpoint::{EndpointUrl, Scheme};
use crate::settings::values::Header;
use crate::transport::dialer::{ALPN_H2, ALPN_HTTP1, Dialer, Io};
use crate::transport::tls::{self, TlsConfigError, TlsRequest};
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tonic::codegen::Service;

/// Spec (OTLP "Max Response Size"): clients cap answers at 4 MiB; an upstream that sends more is
/// broken, and the proxy says so rather than buffering it.
const MAX_ANSWER_BYTES: usize = crate::otlp::client::MAX_RESPONSE_BYTES;

/// Headers that describe one connection, not the request (RFC 9110 §7.6.1): never forwarded.
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// How to reach the upstream, as the user gave it.
#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    pub url: EndpointUrl,
    /// Where OTLP/HTTP requests go instead of `url` (a collector listens for each protocol on
    /// its own port; a vendor usually takes both on one).
    pub http_url: Option<EndpointUrl>,
    /// Added to every forwarded request, replacing the app's header of the same name.
    pub headers: Vec<Header>,
    pub ca_file: Option<PathBuf>,
    pub client_identity: Option<(PathBuf, PathBuf)>,
    /// Bounds connecting and the whole exchange of one request.
    pub timeout: Duration,
    /// `--upstream-protocol`: send everything in this protocol; `None` keeps each request's.
    pub convert_to: Option<Protocol>,
}

/// The upstream's answer to one forwarded request, whole.
#[derive(Debug)]
pub struct UpstreamAnswer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// gRPC puts its status here.
    pub trailers: Option<HeaderMap>,
}

/// Why a request got no answer from the upstream.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("no answer within {}", humantime::format_duration(*.0))]
    TimedOut(Duration),
    #[error("{detail}")]
    Failed { cause: Unanswered, detail: String },
    #[error("the answer is larger than {MAX_ANSWER_BYTES} bytes")]
    AnswerTooLarge,
}

impl ForwardError {
    fn other(detail: String) -> Self {
        ForwardError::Failed {
            cause: Unanswered::Other,
            detail,
        }
    }

    /// What the failure means, for the view.
    pub fn cause(&self) -> Unanswered {
        match self {
            ForwardError::Failed { cause, .. } => *cause,
            ForwardError::TimedOut(_) | ForwardError::AnswerTooLarge => Unanswered::Other,
        }
    }
}

/// Connections to the upstream: HTTP/2 for gRPC, HTTP/1.1 for OTLP/HTTP, each pooled.
pub struct Upstream {
    config: UpstreamConfig,
    grpc: Client<UpstreamConnector, Full<Bytes>>,
    http: Client<UpstreamConnector, Full<Bytes>>,
}

impl Upstream {
    /// Builds the TLS configuration up front, so a bad CA or key file is refused at start.
    pub fn new(config: UpstreamConfig) -> Result<Upstream, TlsConfigError> {
        let grpc = UpstreamConnector::new(&config, &config.url, ALPN_H2)?;
        let http = UpstreamConnector::new(&config, config.http_url(), ALPN_HTTP1)?;
        Ok(Upstream {
            grpc: Client::builder(TokioExecutor::new())
                .http2_only(true)
                .build(grpc),
            http: Client::builder(TokioExecutor::new()).build(http),
            config,
        })
    }

    /// Where requests of this kind go.
    /// Whether a request that came in over gRPC (`app_grpc`) or OTLP/HTTP goes upstream as gRPC.
    pub fn sends_grpc(&self, app_grpc: bool) -> bool {
        match self.config.convert_to {
            Some(protocol) => protocol == Protocol::Grpc,
            None => app_grpc,
        }
    }

    /// Where requests sent upstream over gRPC (`grpc`) or OTLP/HTTP go.
    pub fn url(&self, grpc: bool) -> &EndpointUrl {
        if grpc {
            &self.config.url
        } else {
            self.config.http_url()
        }
    }

    /// The URL a request for `path` goes to: gRPC methods as they are, OTLP/HTTP signal paths
    /// under the upstream's base path (as the spec appends `/v1/<signal>` to a base endpoint).
    pub fn target_url(&self, path: &str, grpc: bool) -> String {
        let url = self.url(grpc);
        let base = url.path.trim_end_matches('/');
        if grpc || base.is_empty() {
            url.with_path(path)
        } else {
            url.with_path(&format!("{base}{path}"))
        }
    }

    /// Sends the request as it came (minus hop-by-hop headers, plus `--header`s) and reads the
    /// whole answer, within the timeout.
    pub async fn forward(
        &self,
        parts: &http::request::Parts,
        body: Bytes,
        grpc: bool,
    ) -> Result<UpstreamAnswer, ForwardError> {
        let url = self.target_url(parts.uri.path(), grpc);
        let mut request = Request::builder()
            .method(parts.method.clone())
            .uri(url)
            .body(Full::new(body))
            .map_err(|e| ForwardError::other(format!("the request cannot be built: {e}")))?;
        *request.headers_mut() = self.forwarded_headers(&parts.headers);
        let client = if grpc { &self.grpc } else { &self.http };
        let timeout = self.config.timeout;
        let exchange = async {
            let response = client
                .request(request)
                .await
                .map_err(|e| ForwardError::Failed {
                    cause: Unanswered::of(&e, e.is_connect()),
                    detail: crate::otlp::client::error_chain(&e),
                })?;
            let (parts, body) = response.into_parts();
            let collected = Limited::new(body, MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    if e.downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some()
                    {
                        ForwardError::AnswerTooLarge
                    } else {
                        ForwardError::other(format!("the answer broke off: {e}"))
                    }
                })?;
            let trailers = collected.trailers().cloned();
            Ok(UpstreamAnswer {
                status: parts.status,
                headers: parts.headers,
                body: collected.to_bytes(),
                trailers,
            })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| ForwardError::TimedOut(timeout))?
    }

    fn forwarded_headers(&self, incoming: &HeaderMap) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(incoming.len() + self.config.headers.len());
        for (name, value) in incoming {
            let hop = HOP_BY_HOP.contains(&name.as_str());
            // gRPC needs `te: trailers`; other `te` values are per connection.
            let te = name == header::TE && value.as_bytes() != b"trailers";
            if !hop && !te {
                headers.append(name, value.clone());
            }
        }
        for extra in &self.config.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(extra.name.as_bytes()),
                HeaderValue::from_str(&extra.value),
            ) {
                headers.insert(name, value);
            }
        }
        headers
    }
}

/// Hands the pooled clients connections from [`Dialer`], resolving the host for each new one so
/// a moved upstream is followed.
#[derive(Clone)]
struct UpstreamConnector {
    host: String,
    port: u16,
    tls: Option<Arc<rustls::ClientConfig>>,
    alpn: &'static [u8],
    timeout: Duration,
}

impl UpstreamConfig {
    pub fn http_url(&self) -> &EndpointUrl {
        self.http_url.as_ref().unwrap_or(&self.url)
    }
}

impl UpstreamConnector {
    fn new(
        config: &UpstreamConfig,
        url: &EndpointUrl,
        alpn: &'static [u8],
    ) -> Result<Self, TlsConfigError> {
        let tls = match url.scheme {
            Scheme::Http => None,
            Scheme::Https => Some(tls::client_config(&TlsRequest {
                default_roots: Default::default(),
                accept_ca_as_leaf: false,
                server_name: &url.host,
                ca_file: config.ca_file.as_deref(),
                client_identity: config
                    .client_identity
                    .as_ref()
                    .map(|(cert, key)| (cert.as_path(), key.as_path())),
                alpn: vec![alpn.to_vec()],
                require_h2: alpn == ALPN_H2,
                timeout: config.timeout,
                now: SystemTime::now(),
            })?),
        };
        Ok(UpstreamConnector {
            host: url.host.clone(),
            port: url.port,
            tls,
            alpn,
            timeout: config.timeout,
        })
    }

    async fn connect(self) -> io::Result<UpstreamStream> {
        let unresolved = |reason: String| {
            io::Error::new(
                io::ErrorKind::NotFound,
                ResolveError {
                    host: self.host.clone(),
                    reason,
                },
            )
        };
        let addresses = tokio::time::timeout(
            self.timeout,
            tokio::net::lookup_host((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| unresolved("no answer from the resolver".into()))?
        .map_err(|e| unresolved(e.to_string()))?;
        let mut last = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
        // `localhost` is often ::1 and 127.0.0.1 with the upstream on only one of them.
        for address in addresses {
            let dialer = match &self.tls {
                None => Dialer::Plain { address },
                Some(config) => Dialer::Tls {
                    address,
                    config: config.clone(),
                    server_name: tls::server_name(&self.host),
                },
            };
            match dialer.dial(self.alpn, self.timeout).await {
                Ok(io) => {
                    return Ok(UpstreamStream {
                        io,
                        h2: self.tls.is_some() && self.alpn == ALPN_H2,
                    });
                }
                Err(error) => last = error,
            }
        }
        Err(last)
    }
}

impl Service<http::Uri> for UpstreamConnector {
    type Response = TokioIo<UpstreamStream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        let connector = self.clone();
        Box::pin(async move { connector.connect().await.map(TokioIo::new) })
    }
}

/// A dialed connection, telling the pool whether TLS negotiated HTTP/2.
struct UpstreamStream {
    io: Box<dyn Io>,
    h2: bool,
}

impl Connection for UpstreamStream {
    fn connected(&self) -> Connected {
        let connected = Connected::new();
        if self.h2 {
            connected.negotiated_h2()
        } else {
            connected
        }
    }
}

impl AsyncRead for UpstreamStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for UpstreamStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
