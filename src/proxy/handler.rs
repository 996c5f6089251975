//! One request through the proxy: read it (bounded), decode a copy for the view, apply the
//! injected faults, forward it unchanged, answer the app with what the upstream answered, and
//! report the [`Exchange`]. The copy never decides anything: a body the proxy cannot decode is
//! still forwarded, because the upstream, not the proxy, is the judge of what it accepts.

use super::answer::{self, AnswerBody};
use super::convert;
use super::exchange::{Exchange, Fate};
use super::upstream::Upstream;
use crate::otlp::payload::ExportRequest;
use crate::serve::faults::{self, Decision, FaultPolicy};
use crate::serve::{
    BodyEncoding, Received, RequestMeta, compression_from_header, decode_body, decompress,
};
use crate::settings::{Compression, Protocol, Signal};
use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{Semaphore, mpsc};

/// The same protection `serve` has against a body that trickles in.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What every request handler shares.
pub struct ProxyState {
    pub upstream: Upstream,
    pub faults: FaultPolicy,
    pub max_message_bytes: usize,
    pub max_decompressed_bytes: usize,
    /// Requests being forwarded at once; beyond this new requests wait, so a slow upstream
    /// slows the app down instead of piling requests up in memory.
    pub in_flight: Semaphore,
    /// Exchanges for the view; a full channel loses a view event, never data.
    pub events: mpsc::Sender<Exchange>,
    pub metrics: super::metrics::ProxyMetrics,
    pub view: ProxyView,
}

/// How much of each export the proxy looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyView {
    /// Every span, data point and log record decoded, shown and linted, as `serve` does.
    #[default]
    Items,
    /// One line per export with its item count (read off the wire, not decoded), for a sidecar
    /// at high rates.
    Exports,
}

pub async fn handle(
    request: Request<Incoming>,
    peer: SocketAddr,
    state: &ProxyState,
) -> Response<AnswerBody> {
    let started = Instant::now();
    let grpc = is_grpc(request.headers());
    let path = request.uri().path().to_string();
    let route = route(&request, grpc);
    let (protocol, signal, encoding) = match route {
        Ok(route) => route,
        Err(refusal) => {
            report(state, not_otlp(grpc, path, started));
            return refusal;
        }
    };
    let (parts, body) = request.into_parts();
    let body = match read_body(body, state.max_message_bytes).await {
        Ok(body) => body,
        Err(message) => {
            let response = answer::refusal(
                grpc,
                tonic::Code::ResourceExhausted,
                StatusCode::PAYLOAD_TOO_LARGE,
                &message,
            );
            report(state, not_otlp(grpc, path, started));
            return response;
        }
    };
    let meta = RequestMeta {
        peer: Some(peer),
        user_agent: header(&parts.headers, USER_AGENT.as_str()).map(str::to_owned),
        compression: Compression::None,
        received_at: SystemTime::now(),
    };
    let readable = Body {
        headers: &parts.headers,
        bytes: &body,
        signal,
        encoding,
        grpc,
        max_decompressed_bytes: state.max_decompressed_bytes,
    };
    let copy = || {
        readable.decode().map(|(payload, compression)| {
            let meta = RequestMeta {
                compression,
                ..meta.clone()
            };
            Received::new(protocol, payload, meta)
        })
    };
    // Faults and conversion decide on the decoded copy; otherwise it is decoded while the
    // upstream works on the request, so the view adds no latency.
    let copy_first = !state.faults.is_inactive() || state.upstream.sends_grpc(grpc) != grpc;
    let mut exchange = Exchange {
        protocol,
        signal: Some(signal),
        path,
        request_bytes: body.len(),
        received: if copy_first { copy() } else { None },
        counted_items: None,
        fate: Fate::Forwarded,
        outcome: None,
        round_trip: Duration::ZERO,
        digest: digest(&body),
        retry: false,
        unanswered: None,
    };
    let items = exchange.items();
    let rejected_on_purpose = match injected(state, &parts.headers, items, grpc).await {
        Ok(rejected) => rejected,
        Err(response) => {
            exchange.fate = Fate::Injected;
            exchange.round_trip = started.elapsed();
            report(state, exchange);
            return response;
        }
    };
    let to_grpc = state.upstream.sends_grpc(grpc);
    let converted = if to_grpc == grpc {
        None
    } else {
        let Some(received) = &exchange.received else {
            exchange.fate = Fate::NotOtlp;
            report(state, exchange);
            return cannot_convert(grpc);
        };
        Some(converted_request(
            &parts,
            &received.payload,
            signal,
            to_grpc,
        ))
    };
    let _permit = state.in_flight.acquire().await;
    let forwarded = match &converted {
        None if !copy_first => {
            let forwarding = state.upstream.forward(&parts, body.clone(), grpc);
            let look = async {
                match state.view {
                    ProxyView::Items => exchange.received = copy(),
                    ProxyView::Exports => exchange.counted_items = readable.count(),
                }
            };
            tokio::join!(forwarding, look).0
        }
        None => state.upstream.forward(&parts, body.clone(), grpc).await,
        Some((parts, body)) => state.upstream.forward(parts, body.clone(), to_grpc).await,
    };
    let response = match forwarded {
        Ok(upstream) => {
            let outcome = answer::outcome(&upstream, signal, to_grpc);
            let response = match (&converted, grpc) {
                (None, _) => answer::relay(&upstream),
                (Some(_), true) => convert::to_grpc_answer(&upstream, &outcome),
                (Some(_), false) => convert::to_http_answer(
                    &upstream,
                    &outcome,
                    signal,
                    encoding == BodyEncoding::Json,
                ),
            };
            exchange.outcome = Some(outcome);
            if rejected_on_purpose > 0 && exchange.succeeded() {
                let json = encoding == BodyEncoding::Json;
                answer::partial_success(signal, grpc, json, rejected_on_purpose)
            } else {
                response
            }
        }
        Err(error) => {
            exchange.fate = Fate::Failed;
            exchange.outcome = Some(answer::failed(&error));
            exchange.unanswered = Some(error.cause());
            let message = format!(
                "otlp-doctor proxy: the upstream {} gave no answer: {error}",
                state.upstream.url(to_grpc)
            );
            answer::unavailable(grpc, &message)
        }
    };
    exchange.round_trip = started.elapsed();
    if state.view == ProxyView::Exports {
        exchange.keep_only_the_count();
    }
    report(state, exchange);
    response
}

/// The request re-encoded for the upstream's protocol (`--upstream-protocol`).
fn converted_request(
    parts: &http::request::Parts,
    payload: &ExportRequest,
    signal: Signal,
    to_grpc: bool,
) -> (http::request::Parts, Bytes) {
    let path = if to_grpc {
        crate::checks::protocol::probe::grpc_path(signal)
    } else {
        signal.http_path()
    };
    let (mut converted, ()) = Request::post(path)
        .body(())
        .unwrap_or_default()
        .into_parts();
    converted.headers = convert::request_headers(&parts.headers, to_grpc);
    (converted, convert::request_body(payload, to_grpc))
}

/// A body that does not decode cannot be re-encoded for the other protocol; the upstream would
/// have refused it as malformed, so the app hears that, without a retry.
fn cannot_convert(grpc: bool) -> Response<AnswerBody> {
    let message = "otlp-doctor proxy: the request body does not decode as OTLP, so it cannot be converted for --upstream-protocol";
    answer::refusal(
        grpc,
        tonic::Code::InvalidArgument,
        StatusCode::BAD_REQUEST,
        message,
    )
}

fn report(state: &ProxyState, exchange: Exchange) {
    state.metrics.record(&exchange);
    let _ = state.events.try_send(exchange);
}

fn not_otlp(grpc: bool, path: String, started: Instant) -> Exchange {
    Exchange {
        protocol: if grpc {
            Protocol::Grpc
        } else {
            Protocol::HttpProtobuf
        },
        signal: None,
        path,
        request_bytes: 0,
        received: None,
        counted_items: None,
        fate: Fate::NotOtlp,
        outcome: None,
        round_trip: started.elapsed(),
        digest: 0,
        retry: false,
        unanswered: None,
    }
}

fn is_grpc(headers: &HeaderMap) -> bool {
    header(headers, CONTENT_TYPE.as_str()).is_some_and(|t| t.starts_with("application/grpc"))
}

/// The protocol, signal and body encoding of an OTLP request, or the answer to anything else.
#[allow(clippy::result_large_err)]
fn route(
    request: &Request<Incoming>,
    grpc: bool,
) -> Result<(Protocol, Signal, BodyEncoding), Response<AnswerBody>> {
    let path = request.uri().path();
    if grpc {
        return Signal::ALL
            .into_iter()
            .find(|s| crate::checks::protocol::probe::grpc_path(*s) == path)
            .map(|signal| (Protocol::Grpc, signal, BodyEncoding::Protobuf))
            .ok_or_else(|| {
                let message = format!("otlp-doctor proxy: {path} is not an OTLP export method");
                answer::grpc_status(tonic::Code::Unimplemented, &message, None)
            });
    }
    let Some(signal) = Signal::ALL.into_iter().find(|s| s.http_path() == path) else {
        let message =
            format!("no OTLP signal at {path}; the paths are /v1/traces, /v1/metrics and /v1/logs");
        return Err(answer::plain(StatusCode::NOT_FOUND, &message));
    };
    if request.method() != Method::POST {
        return Err(answer::plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "OTLP/HTTP exports use POST",
        ));
    }
    let content_type = header(request.headers(), CONTENT_TYPE.as_str()).unwrap_or_default();
    match BodyEncoding::from_content_type(content_type) {
        Some(encoding) => Ok((encoding.transport(), signal, encoding)),
        None => Err(answer::plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!(
                "content type '{content_type}' is not OTLP; use application/x-protobuf or application/json"
            ),
        )),
    }
}

/// A request's body with what says how to read it.
struct Body<'r> {
    headers: &'r HeaderMap,
    bytes: &'r Bytes,
    signal: Signal,
    encoding: BodyEncoding,
    grpc: bool,
    max_decompressed_bytes: usize,
}

impl Body<'_> {
    /// The decoded copy for the view and the lint; `None` when it does not decode.
    fn decode(&self) -> Option<(crate::otlp::payload::ExportRequest, Compression)> {
        let (message, compression) = self.plain_message()?;
        let (signal, limit) = (self.signal, self.max_decompressed_bytes);
        let payload = decode_body(signal, self.encoding, Compression::None, message, limit).ok()?;
        Some((payload, compression))
    }

    /// The items in the request, counted off the protobuf wire by the check `serve` answers
    /// after, without decoding it (OTLP/JSON, rare at high rates, is decoded); `None` when it
    /// does not decode.
    fn count(&self) -> Option<u64> {
        if self.encoding == BodyEncoding::Json {
            return self.decode().map(|(payload, _)| payload.item_count());
        }
        let (message, _) = self.plain_message()?;
        crate::otlp::wire_check::check(self.signal, &message).ok()
    }

    /// The export message the app encoded: out of its gRPC frame, inflated if it came
    /// compressed; with the compression it came in.
    fn plain_message(&self) -> Option<(Bytes, Compression)> {
        let headers = self.headers;
        if self.grpc {
            let gzip =
                header(headers, "grpc-encoding").is_some_and(|e| e.eq_ignore_ascii_case("gzip"));
            let compression = if gzip {
                Compression::Gzip
            } else {
                Compression::None
            };
            return answer::grpc_message(self.bytes, gzip).map(|m| (Bytes::from(m), compression));
        }
        let compression = compression_from_header(header(headers, CONTENT_ENCODING.as_str()))?;
        let plain =
            decompress(compression, self.bytes.clone(), self.max_decompressed_bytes).ok()?;
        Some((plain, compression))
    }
}

/// What the fault flags do to this request: refuse it (the answer), or let it pass and then
/// tell the app that this many of its items were rejected (`--reject-partial`).
async fn injected(
    state: &ProxyState,
    headers: &HeaderMap,
    items: u64,
    grpc: bool,
) -> Result<u64, Response<AnswerBody>> {
    let faults = &state.faults;
    if faults.is_inactive() {
        return Ok(0);
    }
    if !faults.delay.is_zero() {
        tokio::time::sleep(faults.delay).await;
    }
    let decision = faults.decide(|name| header(headers, name).map(str::to_owned), items);
    if let Decision::Accept { rejected } = decision {
        return Ok(rejected);
    }
    if grpc {
        let Some(status) = faults::grpc_status(decision) else {
            return Ok(0);
        };
        return Err(answer::grpc_status(
            status.code(),
            status.message(),
            Some(status.details()).filter(|d| !d.is_empty()),
        ));
    }
    let Some((status, retry_after, message)) = faults::http_status(decision) else {
        return Ok(0);
    };
    let mut response = answer::plain(status, message);
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
    }
    Err(response)
}

async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, String> {
    match tokio::time::timeout(BODY_READ_TIMEOUT, Limited::new(body, limit).collect()).await {
        Err(_) => Err("the request body did not arrive in time".into()),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) => Err(format!(
            "the body is larger than {limit} bytes or broke off: {error}"
        )),
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A fixed-seed digest, so the same bytes give the same digest for the whole session.
fn digest(body: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(body)
}
