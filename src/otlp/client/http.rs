//! OTLP/HTTP export: one POST over HTTP/1.1 on a connection from our [`Dialer`] (ALPN
//! `http/1.1`), with the body from [`encode`], and the response read up to
//! [`MAX_RESPONSE_BYTES`]. A 2xx body is decoded for a partial success in the encoding its
//! `Content-Type` names; the whole exchange is bounded by the destination's timeout.

use super::{Destination, MAX_RESPONSE_BYTES, Outcome, PartialSuccess, USER_AGENT, body_excerpt};
use crate::otlp::encode::{CONTENT_TYPE_JSON, CONTENT_TYPE_PROTOBUF, EncodedBody, encode};
use crate::otlp::payload::ExportRequest;
use crate::otlp::rpc::RpcStatus;
use crate::settings::Signal;
use crate::settings::values::Header;
use crate::transport::dialer::ALPN_HTTP1;
use bytes::Bytes;
use flate2::read::MultiGzDecoder;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use prost::Message;
use std::io::Read;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// POSTs `request`; returns the outcome and the size of the body sent.
pub(super) async fn export(dest: &Destination<'_>, request: &ExportRequest) -> (Outcome, usize) {
    let body = match encode(request, dest.protocol, dest.compression) {
        Ok(body) => body,
        Err(error) => return (Outcome::transport(&error), 0),
    };
    let request_bytes = body.bytes.len();
    let http_request = match build(dest, body) {
        Ok(http_request) => http_request,
        Err(error) => {
            let outcome = Outcome::Transport {
                error: format!("the request cannot be built: {error}"),
                timed_out: false,
                head_too_large: false,
            };
            return (outcome, request_bytes);
        }
    };
    let outcome = match tokio::time::timeout(dest.timeout, exchange(dest, http_request)).await {
        Ok(Ok(response)) => response.outcome(request.signal()),
        Ok(Err(error)) => Outcome::transport(error.as_ref()),
        Err(_) => Outcome::timed_out(dest.timeout),
    };
    (outcome, request_bytes)
}

/// The POST: user headers first, then the ones that describe the body, which win.
fn build(dest: &Destination<'_>, body: EncodedBody) -> Result<http::Request<Full<Bytes>>, String> {
    // An empty path is the root (spec: a signal endpoint without a path posts to `/`).
    let path = if dest.http_path.is_empty() {
        "/"
    } else {
        dest.http_path
    };
    let mut request = http::Request::post(path)
        .body(Full::new(Bytes::from(body.bytes)))
        .map_err(|error| super::error_chain(&error))?;
    *request.headers_mut() = request_headers(
        dest.headers,
        dest.authority,
        body.content_type,
        body.content_encoding,
    )
    .map_err(|name| format!("header '{name}' is not a valid HTTP header"))?;
    Ok(request)
}

/// The headers of an OTLP/HTTP export: the user's first, then those that describe the body,
/// which win, and a default User-Agent. `Err` names a header that is not a valid name or value
/// (the authority counts as `host`).
pub(crate) fn request_headers(
    user: &[Header],
    authority: &str,
    content_type: &'static str,
    content_encoding: Option<&'static str>,
) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::new();
    for header in user {
        match (
            HeaderName::from_bytes(header.name.as_bytes()),
            HeaderValue::from_str(&header.value),
        ) {
            (Ok(name), Ok(value)) => {
                headers.append(name, value);
            }
            _ => return Err(header.name.clone()),
        }
    }
    headers.insert(
        header::HOST,
        HeaderValue::from_str(authority).map_err(|_| "host".to_string())?,
    );
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    match content_encoding {
        Some(encoding) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        None => {
            headers.remove(header::CONTENT_ENCODING);
        }
    }
    if !headers.contains_key(header::USER_AGENT) {
        headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    }
    Ok(headers)
}

/// What came back, before interpretation (also what `proxy` reads an upstream's answer with).
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// The body was longer than [`MAX_RESPONSE_BYTES`] and was cut.
    pub(crate) truncated: bool,
}

async fn exchange(
    dest: &Destination<'_>,
    request: http::Request<Full<Bytes>>,
) -> Result<Response, BoxError> {
    let io = dest.dialer.dial(ALPN_HTTP1, dest.timeout).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await?;
    let driver = tokio::spawn(connection);
    let result = async {
        let response = sender.send_request(request).await?;
        let (parts, mut body) = response.into_parts();
        let mut collected = Vec::new();
        let mut truncated = false;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                let room = MAX_RESPONSE_BYTES - collected.len();
                collected.extend_from_slice(&data[..data.len().min(room)]);
                if data.len() > room {
                    truncated = true;
                    break;
                }
            }
        }
        Ok::<_, BoxError>(Response {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: collected,
            truncated,
        })
    }
    .await;
    driver.abort();
    result
}

impl Response {
    fn header(&self, name: HeaderName) -> Option<String> {
        self.headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    }

    pub(crate) fn outcome(self, signal: Signal) -> Outcome {
        let content_type = self.header(header::CONTENT_TYPE).unwrap_or_default();
        let body = self.decoded_body();
        let media_type = media_type(&content_type);
        let success = (200..300).contains(&self.status);
        let partial = match (success && !self.truncated, media_type.as_str()) {
            (false, _) => None,
            (true, CONTENT_TYPE_JSON) => PartialSuccess::from_json(signal, &body),
            // A bare 200 without Content-Type is taken as the (possibly empty) protobuf answer.
            (true, CONTENT_TYPE_PROTOBUF | "") => PartialSuccess::from_protobuf(signal, &body),
            (true, _) => None,
        };
        let body_excerpt = match RpcStatus::decode(body.as_slice()) {
            // Spec: an OTLP/HTTP error body is a google.rpc.Status; its message is what to show.
            Ok(status)
                if !success
                    && media_type == CONTENT_TYPE_PROTOBUF
                    && !status.message.is_empty() =>
            {
                body_excerpt(status.message.as_bytes())
            }
            _ => body_excerpt(&body),
        };
        Outcome::Http {
            status: self.status,
            content_type,
            body_excerpt,
            retry_after: self.header(header::RETRY_AFTER),
            location: self.header(header::LOCATION),
            partial,
        }
    }

    /// The body, un-gzipped when the server compressed it anyway (we send no `Accept-Encoding`).
    fn decoded_body(&self) -> Vec<u8> {
        let gzipped = self
            .header(header::CONTENT_ENCODING)
            .is_some_and(|encoding| encoding.trim().eq_ignore_ascii_case("gzip"));
        if !gzipped {
            return self.body.clone();
        }
        let mut plain = Vec::new();
        let limit = u64::try_from(MAX_RESPONSE_BYTES).unwrap_or(u64::MAX);
        match MultiGzDecoder::new(self.body.as_slice())
            .take(limit)
            .read_to_end(&mut plain)
        {
            Ok(_) => plain,
            Err(_) => self.body.clone(),
        }
    }
}

/// `application/json; charset=utf-8` → `application/json`.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}
