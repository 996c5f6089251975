//! opentelemetry-rust: opentelemetry-otlp 0.33.1. See docs/research/sdk-others.md.

use super::model::{BadValue, Fact, Model, ThrottleRetry, Throttled, TimeoutUnit};
use crate::settings::Protocol;

const EXPORTER: &str = "https://github.com/open-telemetry/opentelemetry-rust/blob/opentelemetry-otlp-0.33.1/opentelemetry-otlp/src/exporter/mod.rs";
const HTTP: &str = "https://github.com/open-telemetry/opentelemetry-rust/blob/opentelemetry-otlp-0.33.1/opentelemetry-otlp/src/exporter/http/mod.rs";

const RUST_RETRY: &str = "https://github.com/open-telemetry/opentelemetry-rust/blob/opentelemetry-otlp-0.33.1/opentelemetry-otlp/src/retry_classification.rs";

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
    // reqwest clients use the system proxy variables unless built with `no_proxy()`.
    http_proxy_env: Fact {
        value: true,
        source: HTTP,
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
};
