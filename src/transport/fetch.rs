//! A bounded HTTP/1.1 GET for the Collector's own endpoints (the health_check extension and
//! the internal metrics page) and the backends' query APIs. Plain HTTP or TLS through the
//! shared [`Dialer`]; the whole exchange, connect included, is bounded by one timeout.

use super::dialer::{ALPN_HTTP1, Dialer, Io};
use super::tls::{self, TlsRequest};
use bytes::Bytes;
use http::{Uri, header};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

/// A metrics page of a big Collector at `detailed` level is a few MB; anything far larger is
/// not what we asked for, and reading it would only cost memory.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// What the server answered.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

/// Why no answer came back.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("'{0}' is not an http:// or https:// URL with a host")]
    InvalidUrl(String),
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        host: String,
        #[source]
        source: io::Error,
    },
    #[error("connection to {address} failed: {source}")]
    Connect {
        address: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("no answer within {}", humantime::format_duration(*.0))]
    TimedOut(Duration),
    #[error("cannot set up tls: {0}")]
    TlsSetup(String),
    #[error("http exchange failed: {0}")]
    Http(String),
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
}

impl FetchError {
    /// The io error kind of a failed connect, for choosing the finding.
    pub fn connect_kind(&self) -> Option<io::ErrorKind> {
        match self {
            FetchError::Connect { source, .. } => Some(source.kind()),
            _ => None,
        }
    }
}

/// A parsed `http(s)://host[:port]/path` URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Url {
    pub https: bool,
    pub host: String,
    pub port: u16,
    /// Path and query, at least `/`.
    pub path: String,
}

impl Url {
    pub fn parse(text: &str) -> Result<Url, FetchError> {
        let invalid = || FetchError::InvalidUrl(text.to_string());
        let uri: Uri = text.trim().parse().map_err(|_| invalid())?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(invalid()),
        };
        let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(invalid)?;
        Ok(Url {
            https,
            host: host.to_string(),
            port: uri.port_u16().unwrap_or(if https { 443 } else { 80 }),
            path: uri
                .path_and_query()
                .map_or("/".to_string(), |p| p.as_str().to_string()),
        })
    }

    /// `host:port` as the `Host` header wants it.
    fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// GETs `url` with the given `Accept` header; `timeout` bounds everything.
pub async fn get(url: &str, accept: &str, timeout: Duration) -> Result<Answer, FetchError> {
    let url = Url::parse(url)?;
    tokio::time::timeout(timeout, exchange(&url, accept, timeout))
        .await
        .map_err(|_| FetchError::TimedOut(timeout))?
}

/// GETs `url` over a connection `dialer` opens, for a caller that chose the address and the TLS
/// setup itself (`scan` looks at servers whose certificate it has no CA for); `timeout` bounds
/// everything.
pub async fn get_via(
    dialer: &Dialer,
    url: &Url,
    accept: &str,
    timeout: Duration,
) -> Result<Answer, FetchError> {
    let work = async {
        let io = dialer
            .dial(ALPN_HTTP1, timeout)
            .await
            .map_err(|source| FetchError::Connect {
                address: dialer.address(),
                source,
            })?;
        request(io, url, accept).await
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| FetchError::TimedOut(timeout))?
}

async fn exchange(url: &Url, accept: &str, timeout: Duration) -> Result<Answer, FetchError> {
    // An IP literal in brackets is not a name to resolve.
    let host = url.host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, url.port))
        .await
        .map_err(|source| FetchError::Resolve {
            host: url.host.clone(),
            source,
        })?
        .collect();
    let mut last_error = FetchError::Resolve {
        host: url.host.clone(),
        source: io::Error::new(io::ErrorKind::NotFound, "no address"),
    };
    for address in addresses {
        let dialer = dialer_for(url, address, timeout)?;
        match dialer.dial(ALPN_HTTP1, timeout).await {
            Ok(io) => return request(io, url, accept).await,
            Err(source) => last_error = FetchError::Connect { address, source },
        }
    }
    Err(last_error)
}

fn dialer_for(url: &Url, address: SocketAddr, timeout: Duration) -> Result<Dialer, FetchError> {
    if !url.https {
        return Ok(Dialer::Plain { address });
    }
    let config = tls::client_config(&TlsRequest {
        default_roots: Default::default(),
        accept_ca_as_leaf: false,
        server_name: &url.host,
        ca_file: None,
        client_identity: None,
        alpn: vec![ALPN_HTTP1.to_vec()],
        require_h2: false,
        timeout,
        now: SystemTime::now(),
    })
    .map_err(|e| FetchError::TlsSetup(e.to_string()))?;
    Ok(Dialer::Tls {
        address,
        config,
        server_name: tls::server_name(&url.host),
    })
}

async fn request(io: Box<dyn Io>, url: &Url, accept: &str) -> Result<Answer, FetchError> {
    let http_error = |e: hyper::Error| FetchError::Http(error_chain(&e));
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(http_error)?;
    let driver = tokio::spawn(connection);
    let result = async {
        let request = http::Request::get(url.path.as_str())
            .header(header::HOST, url.authority())
            .header(header::ACCEPT, accept)
            .header(
                header::USER_AGENT,
                concat!("otlp-doctor/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::<Bytes>::new())
            .map_err(|e| FetchError::Http(e.to_string()))?;
        let response = sender.send_request(request).await.map_err(http_error)?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut body = response.into_body();
        let mut collected = Vec::new();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.map_err(http_error)?.into_data() {
                if collected.len() + data.len() > MAX_BODY_BYTES {
                    return Err(FetchError::TooLarge(MAX_BODY_BYTES));
                }
                collected.extend_from_slice(&data);
            }
        }
        Ok(Answer {
            status,
            content_type,
            body: String::from_utf8_lossy(&collected).into_owned(),
        })
    }
    .await;
    driver.abort();
    result
}

/// An error and its causes, `a: b: c`.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let url = Url::parse("http://localhost:8888/metrics").unwrap();
        assert_eq!(
            url,
            Url {
                https: false,
                host: "localhost".into(),
                port: 8888,
                path: "/metrics".into()
            }
        );
        let url = Url::parse("https://collector.example").unwrap();
        assert_eq!((url.port, url.path.as_str()), (443, "/"));
        let url = Url::parse("http://[::1]:13133/status?verbose").unwrap();
        assert_eq!(url.host, "[::1]");
        assert_eq!(url.path, "/status?verbose");
        assert!(Url::parse("localhost:13133").is_err());
        assert!(Url::parse("ftp://x/").is_err());
    }

    #[tokio::test]
    async fn refused_connection_is_a_connect_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let error = get(
            &format!("http://127.0.0.1:{port}/"),
            "*/*",
            Duration::from_secs(2),
        )
        .await
        .unwrap_err();
        assert_eq!(
            error.connect_kind(),
            Some(io::ErrorKind::ConnectionRefused),
            "{error}"
        );
    }
}
