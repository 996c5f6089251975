//! What one port turned out to speak, as data: the kind of server, the signals an OTLP receiver
//! accepts, the version a metrics page names, and the one line of configuration that points an
//! SDK at an OTLP receiver found there.

use super::tls::TlsFacts;
use serde::Serialize;

/// Whether anything accepted a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PortState {
    Open,
    /// The connection was refused.
    Closed,
    /// No answer to the connection attempt within the timeout.
    Filtered,
}

/// The kind of server found on an open port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Speaks {
    OtlpGrpc,
    OtlpHttp,
    /// gRPC without an OTLP service (every Export answered UNIMPLEMENTED).
    Grpc,
    HealthCheckV1,
    HealthCheckV2,
    PrometheusMetrics,
    Zpages,
    Pprof,
    JaegerQuery,
    Zipkin,
    /// HTTP, none of the above.
    Http,
    /// Accepts the connection, sends nothing.
    Silent,
    /// Sends something that is not HTTP, or hangs up without a word.
    Unknown,
}

impl Speaks {
    /// The name shown in the table.
    pub fn label(self) -> &'static str {
        match self {
            Speaks::OtlpGrpc => "OTLP/gRPC",
            Speaks::OtlpHttp => "OTLP/HTTP",
            Speaks::Grpc => "gRPC, not OTLP",
            Speaks::HealthCheckV1 => "Collector health_check",
            Speaks::HealthCheckV2 => "Collector healthcheckv2",
            Speaks::PrometheusMetrics => "Prometheus metrics",
            Speaks::Zpages => "Collector zpages",
            Speaks::Pprof => "pprof",
            Speaks::JaegerQuery => "Jaeger query",
            Speaks::Zipkin => "Zipkin",
            Speaks::Http => "HTTP, unknown",
            Speaks::Silent => "open, silent",
            Speaks::Unknown => "open, unknown",
        }
    }

    pub fn is_otlp(self) -> bool {
        matches!(self, Speaks::OtlpGrpc | Speaks::OtlpHttp)
    }
}

/// One port's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortScan {
    pub port: u16,
    /// What usually listens there (`null` for a port of `--ports` that is not a known one).
    pub usually: Option<&'static str>,
    pub state: PortState,
    /// The address that accepted the connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speaks: Option<Speaks>,
    /// The port answered a TLS ClientHello (on open ports only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<bool>,
    /// What the TLS handshake showed; absent on plaintext ports and when it did not complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake: Option<TlsFacts>,
    /// The signals an OTLP receiver accepted an empty export for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<&'static str>,
    /// The version a metrics page or health answer names (the Collector's `service_version`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// One line: what was seen.
    pub detail: String,
    /// For an OTLP receiver: the variables that point an SDK at it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configure: Option<String>,
    pub duration_ms: f64,
}

impl PortScan {
    pub fn not_open(port: u16, state: PortState, detail: String, duration_ms: f64) -> PortScan {
        PortScan {
            port,
            usually: super::ports::usually(port),
            state,
            address: None,
            speaks: None,
            tls: None,
            handshake: None,
            signals: Vec::new(),
            version: None,
            detail,
            configure: None,
            duration_ms,
        }
    }
}

/// The endpoint URL and the `OTEL_EXPORTER_OTLP_PROTOCOL` value of an OTLP receiver of `speaks`
/// on `host:port`; `None` for anything that is not an OTLP receiver.
pub fn endpoint_and_protocol(
    speaks: Speaks,
    host: &str,
    port: u16,
    tls: bool,
) -> Option<(String, &'static str)> {
    let protocol = match speaks {
        Speaks::OtlpGrpc => "grpc",
        Speaks::OtlpHttp => "http/protobuf",
        _ => return None,
    };
    let scheme = if tls { "https" } else { "http" };
    Some((format!("{scheme}://{}:{port}", url_host(host)), protocol))
}

/// `OTEL_EXPORTER_OTLP_ENDPOINT=http://host:4317 OTEL_EXPORTER_OTLP_PROTOCOL=grpc`: the
/// variables that point an SDK at an OTLP receiver of `speaks` on `host:port`.
pub fn configure_line(speaks: Speaks, host: &str, port: u16, tls: bool) -> Option<String> {
    let (endpoint, protocol) = endpoint_and_protocol(speaks, host, port, tls)?;
    Some(format!(
        "OTEL_EXPORTER_OTLP_ENDPOINT={endpoint} OTEL_EXPORTER_OTLP_PROTOCOL={protocol}"
    ))
}

/// An IPv6 literal in brackets, as a URL wants it.
pub fn url_host(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configure_lines_name_endpoint_and_protocol() {
        assert_eq!(
            configure_line(Speaks::OtlpGrpc, "localhost", 4317, false).as_deref(),
            Some(
                "OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 OTEL_EXPORTER_OTLP_PROTOCOL=grpc"
            )
        );
        assert_eq!(
            configure_line(Speaks::OtlpHttp, "::1", 4318, true).as_deref(),
            Some(
                "OTEL_EXPORTER_OTLP_ENDPOINT=https://[::1]:4318 OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"
            )
        );
        assert_eq!(configure_line(Speaks::Zipkin, "h", 9411, false), None);
    }
}
