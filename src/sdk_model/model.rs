//! [`Model`]: how one SDK release departs from the specification's ideal client, as plain data.
//! Every fact carries the source file it was read from, so a finding can cite it.

use crate::settings::Protocol;
use crate::settings::proxy::ProxyRule;
pub use crate::settings::rules::{DefaultTrust, TimeoutUnit};

/// One fact about an SDK and the source file (a URL at a release tag) it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fact<T: 'static> {
    pub value: T,
    pub source: &'static str,
}

/// What an SDK does with a value it cannot parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadValue {
    /// Warns (or not) and uses the default.
    UseDefault,
    /// Raises: the SDK, or the auto-configuration, refuses to start.
    RefuseToStart,
}

/// An environment variable outside `OTEL_*` that changes which CAs an exporter trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaSource {
    pub variable: &'static str,
    /// The exporters (by protocol) the variable reaches.
    pub protocols: &'static [Protocol],
    /// Replaces `OTEL_EXPORTER_OTLP_CERTIFICATE` when both are set (Python requests), instead
    /// of only standing in when it is unset or adding to it.
    pub overrides_certificate: bool,
    pub source: &'static str,
}

/// How one SDK release reads its exporter configuration from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    /// The release the facts were read from, e.g. `1.45.2`.
    pub release: &'static str,
    /// The protocol when `OTEL_EXPORTER_OTLP_PROTOCOL` is unset and the app is configured by
    /// environment.
    pub default_protocol: Fact<Protocol>,
    /// The unit of `OTEL_EXPORTER_OTLP_TIMEOUT`.
    pub timeout_unit: Fact<TimeoutUnit>,
    /// What a protocol value it does not know does.
    pub bad_protocol: Fact<BadValue>,
    /// Trust-store variables outside `OTEL_*`.
    pub ca_sources: &'static [CaSource],
    /// How the gRPC exporter's transport picks a proxy from the environment (`None`: it reads
    /// no proxy variable).
    pub proxy_grpc: Fact<Option<ProxyRule>>,
    /// How the OTLP/HTTP exporter's transport picks a proxy from the environment.
    pub proxy_http: Fact<Option<ProxyRule>>,
    /// What an unparsable `OTEL_EXPORTER_OTLP_TIMEOUT` does to the gRPC exporter.
    pub bad_timeout_grpc: Fact<BadValue>,
    /// What an unparsable `OTEL_EXPORTER_OTLP_TIMEOUT` does to the OTLP/HTTP exporter.
    pub bad_timeout_http: Fact<BadValue>,
    /// The roots the gRPC exporter trusts when it is given no CA file.
    pub default_trust_grpc: Fact<DefaultTrust>,
    /// The roots the OTLP/HTTP exporter trusts when it is given no CA file.
    pub default_trust_http: Fact<DefaultTrust>,
    /// Whether the exporters read `OTEL_EXPORTER_OTLP_CERTIFICATE`, `_CLIENT_CERTIFICATE` and
    /// `_CLIENT_KEY`.
    pub reads_tls_variables: Fact<bool>,
    /// Which `OTEL_EXPORTER_OTLP_COMPRESSION` values the gRPC exporter takes, and what it does
    /// with another.
    pub compression_grpc: Fact<CompressionValues>,
    /// The same for the OTLP/HTTP exporter.
    pub compression_http: Fact<CompressionValues>,
    /// Whether its TLS library accepts a server certificate that is one of the CA file's
    /// certificates, marked CA:TRUE (a self-signed `openssl req -x509` certificate).
    pub accepts_ca_as_server_certificate: Fact<bool>,
    /// What the gRPC exporter does with RESOURCE_EXHAUSTED.
    pub throttled_grpc: Fact<Throttled>,
    /// What the OTLP/HTTP exporter does with 429.
    pub throttled_http: Fact<Throttled>,
    /// What the gRPC exporter does while its endpoint is down: a connection that cannot be made
    /// (which the gRPC libraries report as UNAVAILABLE) or an UNAVAILABLE answer.
    pub outage_grpc: Fact<Outage>,
    /// The same for the OTLP/HTTP exporter: a refused, reset or timed-out connection, or a 502,
    /// 503 or 504 answer.
    pub outage_http: Fact<Outage>,
}

/// The compression values an exporter takes; any other value is `otherwise`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompressionValues {
    pub accepts: &'static [&'static str],
    pub otherwise: BadValue,
}

/// The specification's values, and a bad one ignored.
pub const SPEC_COMPRESSION: CompressionValues = CompressionValues {
    accepts: &["gzip", "none"],
    otherwise: BadValue::UseDefault,
};

/// Whether an exporter sends a throttled export again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleRetry {
    Retries,
    /// Only when the server gives a delay (gRPC RetryInfo); otherwise the batch is dropped.
    OnlyWithServerDelay,
    /// Never (by default): the batch is dropped.
    Never,
}

/// What an exporter does with a throttled export: the rule, and the same said for a fix
/// ("retries 429 ..."; the SDK's name goes before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry: ThrottleRetry,
    pub said: &'static str,
}

/// How long an exporter keeps a batch while its endpoint is down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutageRetry {
    /// Retries with a backoff of seconds: an outage of a few seconds is carried.
    Retries,
    /// Retries, but gives up within about a second: a longer outage loses the batch.
    Briefly,
    /// Does not retry (by default): every batch exported during the outage is lost.
    Never,
}

impl OutageRetry {
    /// What the SDKs that do this do, after their names (`plural`: more than one name), for the
    /// specification's evidence: "rust gives up within about a second".
    pub fn differs(self, plural: bool) -> &'static str {
        match (self, plural) {
            (OutageRetry::Retries, false) => "retries",
            (OutageRetry::Retries, true) => "retry",
            (OutageRetry::Briefly, false) => "gives up within about a second",
            (OutageRetry::Briefly, true) => "give up within about a second",
            (OutageRetry::Never, false) => "does not retry",
            (OutageRetry::Never, true) => "do not retry",
        }
    }
}

/// What an exporter does with data while its endpoint is down: for a connection that is refused,
/// reset or unreachable; for an UNAVAILABLE / 502, 503, 504 answer or a connection that timed
/// out (every modelled SDK treats the two alike; Go's OTLP/HTTP exporter retries only these);
/// and the same said for a fix ("does not retry ..."; the SDK's name goes before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    pub connection: OutageRetry,
    pub answer: OutageRetry,
    pub said: &'static str,
}
