//! The OTLP/HTTP listener: `POST /v1/traces`, `/v1/metrics` and `/v1/logs` over HTTP/1.1 or
//! HTTP/2 without TLS, protobuf or JSON bodies, optionally gzip. Every refusal is an answer with
//! the status the spec gives it; nothing a client sends can stop the listener.

use super::batch::{Received, RequestMeta};
use super::channel::CheckedBody;
use super::decode::{self, BodyEncoding, DecodeError, Readable};
use super::faults::{self, Decision};
use super::intake::Intake;
use super::refusal::{Refusal, RefusalReason};
use super::response::{self, Body};
use crate::settings::{Compression, Signal};
use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// A client that opens a connection and never finishes its headers would otherwise hold it
/// forever; 30 s is far beyond any real exporter and matches common proxy defaults.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The same protection for a body that trickles in: exporters send a batch in one go.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Uncompressed bodies up to this size (a batch of 512 typical spans is about 100 KiB) are
/// decoded on the async worker; larger or gzipped ones on the blocking pool.
const INLINE_DECODE_BYTES: usize = 256 * 1024;

/// What every request handler needs.
pub(crate) struct HttpState {
    pub(crate) intake: Intake,
    pub(crate) max_message_bytes: usize,
    pub(crate) max_decompressed_bytes: usize,
    /// TLS on this listener when set.
    pub(crate) tls: Option<tokio_rustls::TlsAcceptor>,
}

/// Accepts connections until `token` fires, then lets each connection finish its in-flight
/// requests. Dropping the future aborts the connections still open.
pub(crate) async fn serve(listener: TcpListener, state: Arc<HttpState>, token: CancellationToken) {
    crate::http_connection::accept_until(listener, token.clone(), move |stream, peer| {
        let (state, token) = (state.clone(), token.clone());
        async move {
            match state.tls.clone() {
                None => serve_connection(stream, peer, state, token).await,
                Some(acceptor) => {
                    let handshake = acceptor.accept(stream);
                    match tokio::time::timeout(HEADER_READ_TIMEOUT, handshake).await {
                        Ok(Ok(stream)) => serve_connection(stream, peer, state, token).await,
                        Ok(Err(error)) => refused_handshake(&state, peer, &error.to_string()),
                        Err(_) => refused_handshake(&state, peer, "no TLS handshake in time"),
                    }
                }
            }
        }
    })
    .await;
}

/// A client that could not complete the TLS handshake (plaintext, or it distrusts the CA).
fn refused_handshake(state: &HttpState, peer: SocketAddr, error: &str) {
    state.intake.counters().record_refusal(Refusal {
        reason: RefusalReason::TlsHandshake,
        transport: None,
        path: String::new(),
        answer: "TLS handshake failed".into(),
        message: error.to_string(),
        peer: Some(peer),
        user_agent: None,
    });
}

async fn serve_connection(
    stream: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    peer: SocketAddr,
    state: Arc<HttpState>,
    token: CancellationToken,
) {
    crate::http_connection::serve(stream, HEADER_READ_TIMEOUT, token, move |request| {
        let state = state.clone();
        async move { handle(request, peer, &state).await }
    })
    .await;
}

/// Routes, checks and decodes one request, always producing an answer.
async fn handle(request: Request<Incoming>, peer: SocketAddr, state: &HttpState) -> Response<Body> {
    let counters = state.intake.counters();
    let path = request.uri().path().to_string();
    let user_agent = header_text(request.headers(), USER_AGENT).map(str::to_owned);
    let not_otlp = |status: StatusCode, message: &str| {
        counters.record_refusal(Refusal {
            reason: RefusalReason::NotOtlp,
            transport: None,
            path: path.clone(),
            answer: status.as_u16().to_string(),
            message: message.to_string(),
            peer: Some(peer),
            user_agent: user_agent.clone(),
        });
    };
    let Some(signal) = Signal::ALL
        .into_iter()
        .find(|s| s.http_path() == request.uri().path())
    else {
        let message =
            format!("no OTLP signal at {path}; the paths are /v1/traces, /v1/metrics and /v1/logs");
        not_otlp(StatusCode::NOT_FOUND, &message);
        return response::failure(StatusCode::NOT_FOUND, None, &message);
    };
    if request.method() != Method::POST {
        not_otlp(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("{} instead of POST", request.method()),
        );
        return response::method_not_allowed(request.method());
    }
    let headers = request.headers();
    let content_type = header_text(headers, CONTENT_TYPE).unwrap_or_default();
    let Some(encoding) = BodyEncoding::from_content_type(content_type) else {
        let message = format!(
            "content type '{content_type}' is not OTLP; use application/x-protobuf or application/json"
        );
        not_otlp(StatusCode::UNSUPPORTED_MEDIA_TYPE, &message);
        return response::failure(StatusCode::UNSUPPORTED_MEDIA_TYPE, None, &message);
    };
    let content_encoding = header_text(headers, CONTENT_ENCODING);
    let Some(compression) = decode::compression_from_header(content_encoding) else {
        let message = format!(
            "content encoding '{}' is not supported; use gzip or none",
            content_encoding.unwrap_or_default()
        );
        not_otlp(StatusCode::UNSUPPORTED_MEDIA_TYPE, &message);
        return response::failure(StatusCode::UNSUPPORTED_MEDIA_TYPE, Some(encoding), &message);
    };
    let meta = RequestMeta {
        peer: Some(peer),
        user_agent: user_agent.clone(),
        compression,
        received_at: SystemTime::now(),
    };
    let transport = encoding.transport();
    // The fault policy reads headers after the body has consumed the request.
    let headers_copy = headers.clone();

    let refuse = |reason: RefusalReason, status: StatusCode, message: &str| {
        counters.record_refusal(Refusal {
            reason,
            transport: Some(transport),
            path: path.clone(),
            answer: status.as_u16().to_string(),
            message: message.to_string(),
            peer: Some(peer),
            user_agent: user_agent.clone(),
        });
        response::failure(status, Some(encoding), message)
    };
    let declared = header_text(headers, CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    let limit = state.max_message_bytes;
    if declared.is_some_and(|len| len > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return refuse(
            RefusalReason::TooLarge,
            StatusCode::PAYLOAD_TOO_LARGE,
            &too_large(limit),
        );
    }
    let body = match read_body(request.into_body(), limit).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return refuse(
                RefusalReason::TooLarge,
                StatusCode::PAYLOAD_TOO_LARGE,
                &too_large(limit),
            );
        }
        Err(BodyError::TimedOut) => {
            return refuse(
                RefusalReason::BadBody,
                StatusCode::REQUEST_TIMEOUT,
                "the request body did not arrive in time",
            );
        }
        Err(BodyError::Broken(reason)) => {
            return refuse(
                RefusalReason::BadBody,
                StatusCode::BAD_REQUEST,
                &format!("cannot read the body: {reason}"),
            );
        }
    };

    let max_decompressed = state.max_decompressed_bytes;
    let decode_now = state.intake.decodes_before_answering();
    let body_len = body.len();
    let read = move || {
        decode::readable_body(
            signal,
            encoding,
            compression,
            body,
            max_decompressed,
            decode_now,
        )
    };
    // Inflating and checking up to tens of MiB is CPU work: keep it off the async workers. An
    // ordinary batch is checked faster than a hop to the blocking pool (measured under `load`).
    let readable = if compression == Compression::None && body_len <= INLINE_DECODE_BYTES {
        Ok(read())
    } else {
        tokio::task::spawn_blocking(read).await
    };
    match readable {
        Ok(Ok(readable)) => {
            let faults = state.intake.faults();
            if !faults.delay.is_zero() {
                tokio::time::sleep(faults.delay).await;
            }
            let header = |name: &str| {
                headers_copy
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            match faults.decide(header, readable.item_count()) {
                Decision::Accept { rejected } => {
                    match readable {
                        Readable::Decoded(payload) => {
                            state.intake.accept(Received::new(transport, payload, meta));
                        }
                        Readable::Checked { message, items } => {
                            let checked = CheckedBody {
                                transport,
                                signal,
                                body: message,
                                meta,
                            };
                            state.intake.accept_checked(checked, items);
                        }
                    }
                    response::success(signal, encoding, rejected)
                }
                refused => {
                    let (status, retry_after, message) = faults::http_status(refused).unwrap_or((
                        StatusCode::INTERNAL_SERVER_ERROR,
                        None,
                        "refused",
                    ));
                    let mut answer = refuse(RefusalReason::of(refused), status, message);
                    if let Some(seconds) = retry_after {
                        answer
                            .headers_mut()
                            .insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
                    }
                    answer
                }
            }
        }
        Ok(Err(error @ DecodeError::TooLarge { .. })) => refuse(
            RefusalReason::TooLarge,
            StatusCode::PAYLOAD_TOO_LARGE,
            &error.to_string(),
        ),
        Ok(Err(error)) => refuse(
            RefusalReason::BadBody,
            StatusCode::BAD_REQUEST,
            &error.to_string(),
        ),
        Err(_) => response::failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(encoding),
            "decoding the request failed unexpectedly",
        ),
    }
}

enum BodyError {
    TooLarge,
    TimedOut,
    Broken(String),
}

/// Collects the body, refusing to buffer more than `limit` bytes or to wait forever.
async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    match tokio::time::timeout(BODY_READ_TIMEOUT, Limited::new(body, limit).collect()).await {
        Err(_) => Err(BodyError::TimedOut),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(BodyError::TooLarge)
        }
        Ok(Err(error)) => Err(BodyError::Broken(error.to_string())),
    }
}

fn too_large(limit: usize) -> String {
    format!("the body is larger than {limit} bytes")
}

/// A header as text; a value that is not visible ASCII counts as absent.
fn header_text(headers: &HeaderMap, name: http::header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
