//! A tonic channel whose connections all come from our [`Dialer`] (so TLS is the TLS check's,
//! with ALPN `h2`), and user headers as gRPC metadata: shared by the export client and `load`.

use super::USER_AGENT;
use crate::settings::values::Header;
use crate::transport::dialer::{ALPN_H2, Dialer, Io};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tonic::codegen::Service;
use tonic::metadata::MetadataMap;
use tonic::transport::{Endpoint, Uri};

/// The endpoint for `authority`. The dialer does any TLS; tonic (with a TLS feature on) would
/// try its own TLS on an `https` endpoint URI and fail with "Connecting to HTTPS without TLS
/// enabled", so the URI the connector sees is always `http`, and the origin, which only sets
/// `:scheme` and `:authority`, says `https` when the connection is TLS.
pub fn endpoint(dialer: &Dialer, authority: &str) -> Result<Endpoint, tonic::transport::Error> {
    let scheme = if dialer.is_tls() { "https" } else { "http" };
    let origin = Endpoint::from_shared(format!("{scheme}://{authority}"))?
        .uri()
        .clone();
    Endpoint::from_shared(format!("http://{authority}"))?
        .origin(origin)
        .user_agent(USER_AGENT)
}

/// tonic's connector: every connection comes from the dialer, offering ALPN `h2`.
#[derive(Clone)]
pub struct DialConnector {
    dialer: Dialer,
    timeout: Duration,
}

impl DialConnector {
    pub fn new(dialer: Dialer, timeout: Duration) -> Self {
        DialConnector { dialer, timeout }
    }
}

impl Service<Uri> for DialConnector {
    type Response = TokioIo<Box<dyn Io>>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let (dialer, timeout) = (self.dialer.clone(), self.timeout);
        Box::pin(async move { dialer.dial(ALPN_H2, timeout).await.map(TokioIo::new) })
    }
}

/// User headers as gRPC metadata: keys lower case, values as given (headers gRPC reserves,
/// such as `content-type`, `te`, `grpc-*`, are dropped by tonic). `Err` names a header that is
/// not a valid name or value.
pub fn metadata(headers: &[Header]) -> Result<MetadataMap, String> {
    let mut map = http::HeaderMap::new();
    for header in headers {
        let name = http::HeaderName::from_bytes(header.name.to_ascii_lowercase().as_bytes());
        let value = http::HeaderValue::from_str(&header.value);
        match (name, value) {
            (Ok(name), Ok(value)) => {
                map.append(name, value);
            }
            _ => return Err(header.name.clone()),
        }
    }
    Ok(MetadataMap::from_headers(map))
}
