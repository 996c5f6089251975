//! opentelemetry-go 1.47.0 (otlptracehttp, otlptracegrpc). See docs/research/sdk-others.md.

use super::model::{
    BadValue, CaSource, DefaultTrust, Fact, Model, Outage, OutageRetry, SPEC_COMPRESSION,
    ThrottleRetry, Throttled, TimeoutUnit,
};
use super::proxies;
use crate::settings::Protocol;

const HTTP_ENVCONFIG: &str = "https://github.com/open-telemetry/opentelemetry-go/blob/v1.47.0/exporters/otlp/otlptrace/otlptracehttp/internal/otlpconfig/envconfig.go";
const HTTP_CLIENT: &str = "https://github.com/open-telemetry/opentelemetry-go/blob/v1.47.0/exporters/otlp/otlptrace/otlptracehttp/client.go";
const GO_ROOTS: &str = "https://github.com/golang/go/blob/go1.25.0/src/crypto/x509/root_unix.go";

const GRPC_CLIENT: &str = "https://github.com/open-telemetry/opentelemetry-go/blob/v1.45.0/exporters/otlp/otlptrace/otlptracegrpc/client.go";

const GO_VERIFY: &str = "https://github.com/golang/go/blob/go1.25.0/src/crypto/x509/verify.go";

// Read in the module cache at v1.47.0: `retryable` retries Unavailable; `exportContext` bounds
// the whole loop by the export timeout; retry.DefaultConfig waits 5 s (randomized by 0.5,
// cenkalti/backoff v5) growing 1.5x.
const GRPC_CLIENT_1_47: &str = "https://github.com/open-telemetry/opentelemetry-go/blob/v1.47.0/exporters/otlp/otlptrace/otlptracegrpc/client.go";

pub const MODEL: Model = Model {
    release: "1.47.0",
    // Go has no autoconfiguration: the program picks the exporter package; the HTTP one is the
    // one the spec's default names.
    default_protocol: Fact {
        value: Protocol::HttpProtobuf,
        source: HTTP_ENVCONFIG,
    },
    // `envconfig.WithDuration`: an integer of milliseconds.
    timeout_unit: Fact {
        value: TimeoutUnit::Millis,
        source: HTTP_ENVCONFIG,
    },
    // The exporter packages do not read OTEL_EXPORTER_OTLP_PROTOCOL.
    bad_protocol: Fact {
        value: BadValue::UseDefault,
        source: HTTP_ENVCONFIG,
    },
    // SSL_CERT_FILE/SSL_CERT_DIR replace the system roots, which only count when no
    // OTEL_EXPORTER_OTLP_CERTIFICATE is set (`WithCertPool` sets `RootCAs`).
    ca_sources: &[
        CaSource {
            variable: "SSL_CERT_FILE",
            protocols: &[Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson],
            overrides_certificate: false,
            source: GO_ROOTS,
        },
        CaSource {
            variable: "SSL_CERT_DIR",
            protocols: &[Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson],
            overrides_certificate: false,
            source: GO_ROOTS,
        },
    ],
    // `Proxy: http.ProxyFromEnvironment` on the default transport; grpc-go's resolver.
    proxy_grpc: Fact {
        value: Some(proxies::GRPC_GO),
        source: proxies::GRPC_GO_PROXY,
    },
    proxy_http: Fact {
        value: Some(proxies::GO_NET_HTTP),
        source: proxies::XNET_HTTPPROXY,
    },
    bad_timeout_grpc: Fact {
        value: BadValue::UseDefault,
        source: HTTP_ENVCONFIG,
    },
    bad_timeout_http: Fact {
        value: BadValue::UseDefault,
        source: HTTP_ENVCONFIG,
    },
    default_trust_grpc: Fact {
        value: DefaultTrust::SystemStore,
        source: GO_ROOTS,
    },
    default_trust_http: Fact {
        value: DefaultTrust::SystemStore,
        source: GO_ROOTS,
    },
    reads_tls_variables: Fact {
        value: true,
        source: HTTP_ENVCONFIG,
    },
    compression_grpc: Fact {
        value: SPEC_COMPRESSION,
        source: HTTP_ENVCONFIG,
    },
    compression_http: Fact {
        value: SPEC_COMPRESSION,
        source: HTTP_ENVCONFIG,
    },
    accepts_ca_as_server_certificate: Fact {
        value: true,
        source: GO_VERIFY,
    },
    throttled_grpc: Fact {
        value: Throttled {
            retry: ThrottleRetry::OnlyWithServerDelay,
            said: "retries RESOURCE_EXHAUSTED only when the answer carries RetryInfo, waiting its delay, all within the export timeout (10 s by default); without RetryInfo the batch is dropped at once",
        },
        source: GRPC_CLIENT,
    },
    throttled_http: Fact {
        value: Throttled {
            retry: ThrottleRetry::Retries,
            said: "retries 429 (and 502/503/504), waiting the Retry-After it gives (at least its own backoff, 5 s at first), for up to 1 minute; then the batch is dropped",
        },
        source: HTTP_CLIENT,
    },
    outage_grpc: Fact {
        value: Outage {
            connection: OutageRetry::Retries,
            answer: OutageRetry::Retries,
            said: "retries UNAVAILABLE (which a refused connection is too) after a 5 s backoff (randomized 2.5-7.5 s, growing 1.5x), all within the export timeout (10 s by default); data exported during a longer outage is lost",
        },
        source: GRPC_CLIENT_1_47,
    },
    // `UploadTraces` retries a transport error only when `url.Error.Temporary()`: true for a
    // timeout, false for ECONNREFUSED, ECONNRESET and ENETUNREACH (`syscall.Errno.Temporary`).
    outage_http: Fact {
        value: Outage {
            connection: OutageRetry::Never,
            answer: OutageRetry::Retries,
            said: "retries 502/503/504 and a timed-out request after a 5 s backoff (growing 1.5x to 30 s) for up to 1 minute (the batch processor cancels an export after 30 s); a refused, reset or unreachable connection is not retried: that batch is dropped at once",
        },
        source: HTTP_CLIENT,
    },
};
