//! OTLP/HTTP load: each worker keeps one keep-alive HTTP/1.1 connection from our [`Dialer`]
//! (ALPN `http/1.1`) and POSTs the pooled bodies on it, one at a time, with headers built once.
//! A broken or timed-out connection is dropped and the next request dials a new one.

use super::{TransportError, no_answer};
use crate::load::sample::Outcome;
use crate::otlp::client::{PartialSuccess, error_chain, request_headers};
use crate::otlp::encode::CONTENT_TYPE_JSON;
use crate::settings::Signal;
use crate::settings::values::Header;
use crate::transport::dialer::{ALPN_HTTP1, Dialer};
use bytes::Bytes;
use http::header::HeaderMap;
use http::{Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What every worker's connection shares.
pub struct HttpShared {
    dialer: Dialer,
    headers: HeaderMap,
    paths: Vec<(Signal, Uri)>,
    json: bool,
    timeout: Duration,
}

/// What the shared part is built from.
pub struct HttpSetup<'a> {
    pub dialer: Dialer,
    pub authority: &'a str,
    pub headers: &'a [Header],
    pub paths: &'a [(Signal, String)],
    pub content_type: &'static str,
    pub content_encoding: Option<&'static str>,
    pub timeout: Duration,
}

impl HttpShared {
    /// User headers first, then the ones that describe the body, which win (as `send` does).
    pub fn new(setup: HttpSetup<'_>) -> Result<HttpShared, TransportError> {
        let headers = request_headers(
            setup.headers,
            setup.authority,
            setup.content_type,
            setup.content_encoding,
        )
        .map_err(TransportError::Header)?;
        let mut paths = Vec::new();
        for (signal, path) in setup.paths {
            // Spec: a signal endpoint without a path posts to `/`.
            let path = if path.is_empty() { "/" } else { path };
            let uri = path
                .parse::<Uri>()
                .map_err(|e| TransportError::Endpoint(format!("path '{path}': {e}")))?;
            paths.push((*signal, uri));
        }
        Ok(HttpShared {
            dialer: setup.dialer,
            headers,
            paths,
            json: setup.content_type == CONTENT_TYPE_JSON,
            timeout: setup.timeout,
        })
    }

    fn path(&self, signal: Signal) -> Uri {
        self.paths
            .iter()
            .find(|(s, _)| *s == signal)
            .or(self.paths.first())
            .map(|(_, uri)| uri.clone())
            .unwrap_or_else(|| Uri::from_static("/"))
    }
}

/// One worker's connection.
pub struct HttpSender {
    shared: Arc<HttpShared>,
    connection: Option<SendRequest<Full<Bytes>>>,
}

impl HttpSender {
    pub fn new(shared: Arc<HttpShared>) -> HttpSender {
        HttpSender {
            shared,
            connection: None,
        }
    }

    /// POSTs one pooled body and reads the whole answer, so the connection can be reused.
    pub async fn send(&mut self, signal: Signal, body: &Bytes) -> Outcome {
        let timeout = self.shared.timeout;
        match tokio::time::timeout(timeout, self.exchange(signal, body)).await {
            Ok(Ok((status, answer))) if status.is_success() => Outcome::Accepted {
                rejected: self.rejected(signal, &answer),
            },
            Ok(Ok((status, _))) => Outcome::Refused {
                status: format!("HTTP {}", status.as_u16()),
            },
            Ok(Err(error)) => {
                self.connection = None;
                Outcome::NoAnswer {
                    error: error.to_string(),
                }
            }
            Err(_) => {
                self.connection = None;
                no_answer(timeout)
            }
        }
    }

    async fn exchange(
        &mut self,
        signal: Signal,
        body: &Bytes,
    ) -> Result<(StatusCode, Bytes), Failure> {
        let mut request = Request::new(Full::new(body.clone()));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.shared.path(signal);
        *request.headers_mut() = self.shared.headers.clone();
        let sender = self.ready_connection().await?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| Failure::Answer(e.into()))?;
        let status = response.status();
        let answer = response
            .into_body()
            .collect()
            .await
            .map_err(|e| Failure::Answer(e.into()))?
            .to_bytes();
        Ok((status, answer))
    }

    /// The kept connection when it can take a request, else a new one.
    async fn ready_connection(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, Failure> {
        if let Some(sender) = &mut self.connection
            && sender.ready().await.is_ok()
        {
            return self.connection.as_mut().ok_or(Failure::Gone);
        }
        self.connection = None;
        let io = self
            .shared
            .dialer
            .dial(ALPN_HTTP1, self.shared.timeout)
            .await
            .map_err(|e| Failure::Connect(e.into()))?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| Failure::Connect(e.into()))?;
        // Ends when the sender is dropped or the peer closes.
        tokio::spawn(connection);
        Ok(self.connection.insert(sender))
    }

    fn rejected(&self, signal: Signal, answer: &[u8]) -> u64 {
        if answer.is_empty() {
            return 0;
        }
        let partial = if self.shared.json {
            PartialSuccess::from_json(signal, answer)
        } else {
            PartialSuccess::from_protobuf(signal, answer)
        };
        partial.map_or(0, |p| u64::try_from(p.rejected).unwrap_or(0))
    }
}

/// Why a request got no answer.
#[derive(Debug)]
enum Failure {
    Connect(BoxError),
    Answer(BoxError),
    Gone,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Connect(e) => write!(f, "no connection: {}", error_chain(e.as_ref())),
            Failure::Answer(e) => write!(f, "no answer: {}", error_chain(e.as_ref())),
            Failure::Gone => f.write_str("no answer: the connection closed"),
        }
    }
}
