//! opentelemetry-dotnet 1.14.0 (OpenTelemetry.Exporter.OpenTelemetryProtocol). See
//! docs/research/sdk-others.md.

use super::model::{
    BadValue, DefaultTrust, Fact, Model, Outage, OutageRetry, SPEC_COMPRESSION, ThrottleRetry,
    Throttled, TimeoutUnit,
};
use super::proxies;
use crate::settings::Protocol;

const OPTIONS: &str = "https://github.com/open-telemetry/opentelemetry-dotnet/blob/core-1.14.0/src/OpenTelemetry.Exporter.OpenTelemetryProtocol/OtlpExporterOptions.cs";

const DOTNET_RETRY: &str = "https://github.com/open-telemetry/opentelemetry-dotnet/blob/core-1.14.0/src/OpenTelemetry.Exporter.OpenTelemetryProtocol/Implementation/ExportClient/OtlpRetry.cs";

const DOTNET_ROOTS: &str =
    "https://learn.microsoft.com/en-us/dotnet/core/extensions/sslstream-troubleshooting";

// `GetExportTransmissionHandler`: without OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY the plain
// OtlpExporterTransmissionHandler, whose OnSubmitRequestFailure returns false (no retry).
const DOTNET_HANDLER: &str = "https://github.com/open-telemetry/opentelemetry-dotnet/blob/core-1.14.0/src/OpenTelemetry.Exporter.OpenTelemetryProtocol/OtlpExporterOptionsExtensions.cs";

pub const MODEL: Model = Model {
    release: "1.14.0",
    // `OtlpExporterOptions.DefaultOtlpExportProtocol = OtlpExportProtocol.Grpc`.
    default_protocol: Fact {
        value: Protocol::Grpc,
        source: OPTIONS,
    },
    timeout_unit: Fact {
        value: TimeoutUnit::Millis,
        source: OPTIONS,
    },
    // An unknown protocol is logged as an invalid configuration value and ignored.
    bad_protocol: Fact {
        value: BadValue::UseDefault,
        source: OPTIONS,
    },
    ca_sources: &[],
    // Both transports are HttpClient, whose default proxy on Linux is HttpEnvironmentProxy.
    // gRPC over it tunnels, as HTTP/2 cannot go to a proxy in absolute form (not observed).
    proxy_grpc: Fact {
        value: Some(proxies::DOTNET_GRPC),
        source: proxies::DOTNET_PROXY,
    },
    proxy_http: Fact {
        value: Some(proxies::DOTNET_HTTP),
        source: proxies::DOTNET_PROXY,
    },
    bad_timeout_grpc: Fact {
        value: BadValue::UseDefault,
        source: OPTIONS,
    },
    bad_timeout_http: Fact {
        value: BadValue::UseDefault,
        source: OPTIONS,
    },
    // On Linux, .NET validates with OpenSSL's store, which reads SSL_CERT_FILE/SSL_CERT_DIR.
    default_trust_grpc: Fact {
        value: DefaultTrust::SystemStore,
        source: DOTNET_ROOTS,
    },
    default_trust_http: Fact {
        value: DefaultTrust::SystemStore,
        source: DOTNET_ROOTS,
    },
    reads_tls_variables: Fact {
        value: true,
        source: OPTIONS,
    },
    compression_grpc: Fact {
        value: SPEC_COMPRESSION,
        source: OPTIONS,
    },
    compression_http: Fact {
        value: SPEC_COMPRESSION,
        source: OPTIONS,
    },
    accepts_ca_as_server_certificate: Fact {
        value: true,
        source: DOTNET_ROOTS,
    },
    throttled_grpc: Fact {
        value: Throttled {
            retry: ThrottleRetry::Never,
            said: "does not retry by default: the throttled batch is dropped (OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY=in_memory turns retries on, RESOURCE_EXHAUSTED only with RetryInfo)",
        },
        source: DOTNET_RETRY,
    },
    throttled_http: Fact {
        value: Throttled {
            retry: ThrottleRetry::Never,
            said: "does not retry by default: the throttled batch is dropped (OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY=in_memory turns retries on, waiting a Retry-After given in seconds)",
        },
        source: DOTNET_RETRY,
    },
    // Not observed: .NET was not in the SDK soak.
    outage_grpc: Fact {
        value: Outage {
            connection: OutageRetry::Never,
            answer: OutageRetry::Never,
            said: "does not retry by default: data exported while the endpoint is down is lost (OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY=in_memory retries a failed connection and UNAVAILABLE within the export timeout, =disk stores batches and sends them later)",
        },
        source: DOTNET_HANDLER,
    },
    outage_http: Fact {
        value: Outage {
            connection: OutageRetry::Never,
            answer: OutageRetry::Never,
            said: "does not retry by default: data exported while the endpoint is down is lost (OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY=in_memory retries a failed request and 502/503/504 within the export timeout, =disk stores batches and sends them later)",
        },
        source: DOTNET_HANDLER,
    },
};
