//! Endpoint URLs: parsing, and the spec's rule for the OTLP/HTTP signal path.
//!
//! Spec (`protocol/exporter.md`): a generic endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`) gets
//! `/v1/<signal>` appended for OTLP/HTTP; a per-signal endpoint is used as is. gRPC endpoints are
//! used as is and carry no path.

use super::signal::{Protocol, Signal};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A parsed `http(s)://host:port/path` endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl {
    pub scheme: Scheme,
    /// Host name or IP literal, without IPv6 brackets.
    pub host: String,
    /// The explicit port, or the scheme's default (80 / 443).
    pub port: u16,
    pub explicit_port: bool,
    /// The path, `/` when empty.
    pub path: String,
}

/// `host:port`, with brackets around an IPv6 host.
pub fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

impl EndpointUrl {
    /// `host:port` with IPv6 brackets, as used in URLs and for connecting.
    pub fn authority(&self) -> String {
        authority(&self.host, self.port)
    }

    pub fn has_path(&self) -> bool {
        self.path != "/"
    }

    pub fn with_path(&self, path: &str) -> String {
        format!("{}://{}{}", self.scheme.as_str(), self.authority(), path)
    }
}

impl fmt::Display for EndpointUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.with_path(&self.path))
    }
}

/// Why an endpoint string is not a usable URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("'{0}' has no scheme (http:// or https://)")]
    NoScheme(String),
    #[error("'{0}' has scheme '{1}'; OTLP endpoints use http:// or https://")]
    UnsupportedScheme(String, String),
    #[error("'{0}' is not a valid URL: {1}")]
    Invalid(String, String),
}

/// Parses an endpoint URL. Only `http` and `https` are OTLP schemes.
pub fn parse_endpoint(raw: &str) -> Result<EndpointUrl, EndpointError> {
    let text = raw.trim();
    let Some((scheme, _)) = text.split_once("://") else {
        return Err(EndpointError::NoScheme(raw.to_string()));
    };
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => {
            return Err(EndpointError::UnsupportedScheme(
                raw.to_string(),
                other.to_string(),
            ));
        }
    };
    let uri: http::Uri = text.parse().map_err(|e: http::uri::InvalidUri| {
        EndpointError::Invalid(raw.to_string(), e.to_string())
    })?;
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| EndpointError::Invalid(raw.to_string(), "no host".into()))?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let default_port = if scheme == Scheme::Https { 443 } else { 80 };
    let path = match uri.path() {
        "" => "/".to_string(),
        path => path.to_string(),
    };
    Ok(EndpointUrl {
        scheme,
        host,
        port: uri.port_u16().unwrap_or(default_port),
        explicit_port: uri.port_u16().is_some(),
        path,
    })
}

/// Where an endpoint value came from, which decides whether the signal path is appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`, the ENDPOINT argument, or the default: a base URL.
    Generic,
    /// `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT`: the full URL.
    SignalSpecific,
}

/// The URL an SDK sends a signal to, given the configured value.
pub fn effective_url(raw: &str, kind: EndpointKind, protocol: Protocol, signal: Signal) -> String {
    let raw = raw.trim();
    if kind == EndpointKind::Generic && protocol.is_http() {
        format!("{}{}", raw.trim_end_matches('/'), signal.http_path())
    } else {
        raw.to_string()
    }
}

/// The path of the URL an SDK sends a signal to ([`effective_url`]), from the parsed
/// configured endpoint `url` instead of parsing the derived text again.
pub fn effective_path(
    url: &EndpointUrl,
    raw: &str,
    kind: EndpointKind,
    protocol: Protocol,
    signal: Signal,
) -> String {
    let base = raw.trim().trim_end_matches('/');
    // The suffix is appended to the text: after a query or a fragment it lands in them, and
    // the path stays as it was.
    if kind == EndpointKind::Generic && protocol.is_http() && !base.contains(['?', '#']) {
        format!("{}{}", url.path.trim_end_matches('/'), signal.http_path())
    } else {
        url.path.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_host_port_path() {
        let url = parse_endpoint("https://otel.example.com/v1/traces").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            ("otel.example.com", 443, "/v1/traces")
        );
        let url = parse_endpoint("http://[::1]:4317").unwrap();
        assert_eq!(url.authority(), "[::1]:4317");
        assert!(!url.has_path());
    }

    #[test]
    fn rejects_missing_and_foreign_schemes() {
        assert!(matches!(
            parse_endpoint("collector:4317"),
            Err(EndpointError::NoScheme(_))
        ));
        assert!(matches!(
            parse_endpoint("grpc://collector:4317"),
            Err(EndpointError::UnsupportedScheme(..))
        ));
        assert!(matches!(
            parse_endpoint("http://"),
            Err(EndpointError::Invalid(..))
        ));
    }

    #[test]
    fn the_effective_path_is_the_path_of_the_effective_url() {
        let raws = [
            "http://c:4318",
            "http://c:4318/",
            "http://c:4318//",
            "https://c/otlp/",
            "http://c/otlp?tenant=a",
            "http://c/otlp/?",
            "http://c/p#f",
            "http://[::1]:4318/a%20b",
            "collector:4318/otlp",
        ];
        let with_scheme = |raw: &str| match parse_endpoint(raw) {
            Err(EndpointError::NoScheme(_)) => parse_endpoint(&format!("http://{}", raw.trim())),
            other => other,
        };
        for raw in raws {
            let url = with_scheme(raw).expect(raw);
            for kind in [EndpointKind::Generic, EndpointKind::SignalSpecific] {
                for protocol in Protocol::ALL {
                    let derived = with_scheme(&effective_url(raw, kind, protocol, Signal::Logs))
                        .expect(raw)
                        .path;
                    assert_eq!(
                        effective_path(&url, raw, kind, protocol, Signal::Logs),
                        derived,
                        "{raw} {kind:?} {protocol}"
                    );
                }
            }
        }
    }

    #[test]
    fn signal_path_rule() {
        let generic = |raw| {
            effective_url(
                raw,
                EndpointKind::Generic,
                Protocol::HttpProtobuf,
                Signal::Logs,
            )
        };
        assert_eq!(generic("http://c:4318"), "http://c:4318/v1/logs");
        assert_eq!(generic("http://c:4318/"), "http://c:4318/v1/logs");
        assert_eq!(generic("http://c:4318/otlp"), "http://c:4318/otlp/v1/logs");
        assert_eq!(
            effective_url(
                "http://c:4318/custom",
                EndpointKind::SignalSpecific,
                Protocol::HttpJson,
                Signal::Logs
            ),
            "http://c:4318/custom"
        );
        assert_eq!(
            effective_url(
                "http://c:4317",
                EndpointKind::Generic,
                Protocol::Grpc,
                Signal::Traces
            ),
            "http://c:4317"
        );
    }
}
