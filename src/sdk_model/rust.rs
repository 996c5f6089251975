//! opentelemetry-rust: opentelemetry-otlp 0.33.1. See docs/research/sdk-others.md.

use super::model::{
    BadValue, DefaultTrust, Fact, Model, Outage, OutageRetry, SPEC_COMPRESSION, ThrottleRetry,
    Throttled, TimeoutUnit,
};
use super::proxies;
use crate::settings::Protocol;

const EXPORTER: &str = "https://github.com/open-telemetry/opentelemetry-rust/blob/opentelemetry-otlp-0.33.1/opentelemetry-otlp/src/exporter/mod.rs";
const HTTP: &str = "https://github.com/open-telemetry/opentelemetry-rust/blob/opentelemetry-otlp-0.33.1/opentelemetry-otlp/src/exporter/http/mod.rs";

const RUST_RETRY: &str = "https://github.com/open-telemetry/opentelemetry-rust/blob/opentelemetry-otlp-0.33.1/opentelemetry-otlp/src/retry_classification.rs";

const TONIC_TLS: &str = "https://github.com/open-telemetry/opentelemetry-rust/blob/opentelemetry-otlp-0.33.1/opentelemetry-otlp/src/exporter/tonic/mod.rs";
const REQWEST_ROOTS: &str = "https://github.com/seanmonstar/reqwest/blob/v0.13.5/src/tls.rs";

const WEBPKI_VERIFY: &str = "https://github.com/rustls/webpki/blob/v/0.103.8/src/verify_cert.rs";

// `RetryPolicy::recommended()`: 3 retries, 100 ms doubling to at most 1.6 s, 0-100 ms jitter;
// retry_classification.rs makes UNAVAILABLE, 502/503/504 and a network error (status 0)
// retryable; retry.rs bounds the loop by the export timeout.
const RUST_RETRY_POLICY: &str = "https://github.com/open-telemetry/opentelemetry-rust/blob/opentelemetry-otlp-0.33.1/opentelemetry-otlp/src/retry_policy.rs";

pub const MODEL: Model = Model {
    release: "0.33.1",
    // `Protocol::feature_default()`: http/protobuf with the default features (`http-proto`).
    default_protocol: Fact {
        value: Protocol::HttpProtobuf,
        source: EXPORTER,
    },
    timeout_unit: Fact {
        value: TimeoutUnit::Millis,
        source: EXPORTER,
    },
    // `resolve_protocol`: an unknown value parses to None and the feature default is used.
    bad_protocol: Fact {
        value: BadValue::UseDefault,
        source: EXPORTER,
    },
    ca_sources: &[],
    // tonic reads no proxy variable; reqwest does, unless built with `no_proxy()`.
    proxy_grpc: Fact {
        value: None,
        source: HTTP,
    },
    proxy_http: Fact {
        value: Some(proxies::REQWEST),
        source: proxies::HYPER_UTIL_PROXY,
    },
    // Observed with 0.33.1: an unparsable timeout is ignored.
    bad_timeout_grpc: Fact {
        value: BadValue::UseDefault,
        source: EXPORTER,
    },
    bad_timeout_http: Fact {
        value: BadValue::UseDefault,
        source: EXPORTER,
    },
    // For an https endpoint and no TLS config in code, the exporter hands tonic
    // `ClientTlsConfig::new()`, which enables no roots whatever the features: tonic adds the
    // native or webpki roots only after `with_native_roots()`/`with_enabled_roots()`.
    // Observed: the handshake fails even with the CA in SSL_CERT_FILE.
    default_trust_grpc: Fact {
        value: DefaultTrust::Nothing(
            "for an https endpoint with no TLS config set in code, opentelemetry-otlp gives tonic ClientTlsConfig::new(), which enables no root certificates",
        ),
        source: TONIC_TLS,
    },
    default_trust_http: Fact {
        value: DefaultTrust::SystemStore,
        source: REQWEST_ROOTS,
    },
    // No OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_CERTIFICATE or _CLIENT_KEY anywhere in the
    // crate: TLS files are set in code (`with_tls_config`) or come from the system store.
    reads_tls_variables: Fact {
        value: false,
        source: EXPORTER,
    },
    // Observed: "Ignoring value 'zip' for OTEL_EXPORTER_OTLP_COMPRESSION" (a warning).
    compression_grpc: Fact {
        value: SPEC_COMPRESSION,
        source: EXPORTER,
    },
    compression_http: Fact {
        value: SPEC_COMPRESSION,
        source: EXPORTER,
    },
    // webpki refuses a CA certificate as the end entity (CaUsedAsEndEntity).
    accepts_ca_as_server_certificate: Fact {
        value: false,
        source: WEBPKI_VERIFY,
    },
    throttled_grpc: Fact {
        value: Throttled {
            retry: ThrottleRetry::OnlyWithServerDelay,
            said: "retries RESOURCE_EXHAUSTED only when the answer carries RetryInfo, waiting its delay, for up to 4 attempts within the export timeout; without RetryInfo the batch is dropped at once",
        },
        source: RUST_RETRY,
    },
    throttled_http: Fact {
        value: Throttled {
            retry: ThrottleRetry::Retries,
            said: "retries 429 (and 502/503/504), waiting the Retry-After it gives, for up to 4 attempts within the export timeout (10 s by default); then the batch is dropped",
        },
        source: RUST_RETRY,
    },
    // Observed in the SDK soak (docs/performance.md): about 0.7 s of retries, so a 3 s outage
    // lost data on both transports.
    outage_grpc: Fact {
        value: Outage {
            connection: OutageRetry::Briefly,
            answer: OutageRetry::Briefly,
            said: "retries a failed connection or UNAVAILABLE only 3 times, after 100, 200 and 400 ms (plus up to 100 ms jitter each), so it gives up within about a second: data exported during a longer outage is lost",
        },
        source: RUST_RETRY_POLICY,
    },
    outage_http: Fact {
        value: Outage {
            connection: OutageRetry::Briefly,
            answer: OutageRetry::Briefly,
            said: "retries a network error or 502/503/504 only 3 times, after 100, 200 and 400 ms (plus up to 100 ms jitter each), so it gives up within about a second: data exported during a longer outage is lost",
        },
        source: RUST_RETRY_POLICY,
    },
};
