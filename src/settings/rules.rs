//! [`ReadingRules`]: the points where the SDK that reads the configuration departs from the
//! specification. `resolve` reads by the specification's rules; `sdk_model` builds the rules of
//! a real SDK, so this layer needs to know nothing about SDKs.

use super::proxy::ProxyReading;
use super::signal::Protocol;
use std::time::Duration;

/// The unit `OTEL_EXPORTER_OTLP_TIMEOUT` is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutUnit {
    /// Whole milliseconds, as the specification says.
    Millis,
    /// Seconds, possibly fractional (Python).
    Seconds,
}

impl TimeoutUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeoutUnit::Millis => "milliseconds",
            TimeoutUnit::Seconds => "seconds",
        }
    }

    /// Parses a timeout value in this unit.
    pub fn parse(self, raw: &str) -> Result<Duration, String> {
        match self {
            TimeoutUnit::Millis => super::values::parse_millis(raw),
            TimeoutUnit::Seconds => match raw.trim().parse::<f64>() {
                Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => {
                    Ok(Duration::from_secs_f64(seconds))
                }
                _ => Err(format!("'{raw}' is not a number of seconds")),
            },
        }
    }
}

/// A variable outside `OTEL_*` that replaces the configured CA certificate for some protocols
/// (Python requests' `REQUESTS_CA_BUNDLE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateOverride {
    pub variable: &'static str,
    pub protocols: &'static [Protocol],
    /// Who reads it and where that is written, for the finding's evidence.
    pub reader: String,
}

/// How the configuration is read: the specification's way, or one SDK's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadingRules {
    /// The protocol when no variable or flag sets it.
    pub default_protocol: Protocol,
    /// Why it is that protocol, when it is not the specification's (for the evidence).
    pub default_protocol_reason: Option<String>,
    pub timeout_unit: TimeoutUnit,
    /// What an unknown protocol value leads to, as evidence lines.
    pub bad_protocol_outcome: Vec<String>,
    /// Replacements of the configured certificate, tried in order.
    pub certificate_overrides: Vec<CertificateOverride>,
    /// What the exporter does when an export is throttled, as sentences for a fix.
    pub throttling: Throttling,
    /// What the exporter does with data while the endpoint is down, as sentences for a fix.
    pub outages: Outages,
    /// Per transport, the SDK that refuses to start on an unparsable timeout, said with its
    /// source; `None` where the default is used instead.
    pub bad_timeout_refusal: PerTransport<Option<String>>,
    /// Which CAs the exporter trusts when no certificate is configured.
    pub default_trust: PerTransport<TrustRule>,
    /// Set when the SDK does not read `OTEL_EXPORTER_OTLP_CERTIFICATE`, `_CLIENT_CERTIFICATE`
    /// and `_CLIENT_KEY` at all: who says so, with the source.
    pub ignores_tls_variables: Option<String>,
    /// Per transport, how its library picks a proxy from the environment; `None` where it
    /// reads no proxy variable.
    pub proxy: PerTransport<Option<ProxyReading>>,
    /// Without a chosen SDK: every modelled SDK's proxy rules, by name, so a proxy variable that
    /// some SDKs would follow is reported with who does.
    pub proxy_by_sdk: Vec<(&'static str, PerTransport<Option<ProxyReading>>)>,
    /// Per transport, the compression values the SDK starts with when it refuses every other
    /// value (said with its source); `None` where a bad value is ignored.
    pub compression_refusal: PerTransport<Option<CompressionRefusal>>,
    /// The TLS library accepts a server certificate that is one of the CA file's even when it
    /// is marked CA:TRUE (OpenSSL, Go, Java); rustls refuses it.
    pub accept_ca_as_leaf: bool,
}

/// An SDK that refuses to start on a compression value outside `accepts` (Python's gRPC
/// exporter refuses even the specification's `none`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompressionRefusal {
    pub accepts: &'static [&'static str],
    pub reason: String,
}

/// One value for each transport: an SDK's gRPC and OTLP/HTTP exporters can differ.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PerTransport<T> {
    pub grpc: T,
    pub http: T,
}

impl<T> PerTransport<T> {
    pub fn over(&self, protocol: Protocol) -> &T {
        match protocol {
            Protocol::Grpc => &self.grpc,
            Protocol::HttpProtobuf | Protocol::HttpJson => &self.http,
        }
    }
}

/// The roots an exporter trusts when it is given no CA file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DefaultTrust {
    /// The operating system's store, which honours `SSL_CERT_FILE` and `SSL_CERT_DIR`.
    #[default]
    SystemStore,
    /// A bundle shipped with the SDK or its runtime (named here), which those variables do
    /// not change: certifi, Node's built-in store, the JVM's cacerts.
    Bundled(&'static str),
    /// No root at all unless the code adds some (said here): every server certificate fails.
    Nothing(&'static str),
}

/// [`DefaultTrust`] and, when it is an SDK's, who says so (for the evidence).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustRule {
    pub roots: DefaultTrust,
    pub reason: Option<String>,
}

/// What an exporter does with a throttled export, per transport (RESOURCE_EXHAUSTED over gRPC,
/// 429 over OTLP/HTTP): "the python SDK 1.45.2 retries 429 ... (source)".
pub type Throttling = PerTransport<String>;

/// What an exporter does with data while its endpoint is down, as sentences for a fix: when the
/// connection is refused, reset or unreachable, and when the server answers UNAVAILABLE or 502,
/// 503, 504 or the connection times out. Empty: unknown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outage {
    pub connection: String,
    pub answer: String,
}

/// [`Outage`] per transport.
pub type Outages = PerTransport<Outage>;

impl ReadingRules {
    /// The specification's rules.
    pub fn spec() -> Self {
        ReadingRules {
            default_protocol: Protocol::HttpProtobuf,
            default_protocol_reason: None,
            timeout_unit: TimeoutUnit::Millis,
            bad_protocol_outcome: vec![
                "SDKs ignore it and use the default http/protobuf, which is probably not what was meant".into(),
            ],
            certificate_overrides: Vec::new(),
            throttling: Throttling {
                grpc: "an SDK following the OTLP specification retries RESOURCE_EXHAUSTED only when it carries RetryInfo, after its delay".into(),
                http: "an SDK following the OTLP specification retries 429 after the Retry-After it gives".into(),
            },
            outages: Outages::default(),
            bad_timeout_refusal: PerTransport::default(),
            default_trust: PerTransport::default(),
            ignores_tls_variables: None,
            proxy: PerTransport::default(),
            proxy_by_sdk: Vec::new(),
            compression_refusal: PerTransport::default(),
            accept_ca_as_leaf: true,
        }
    }
}
