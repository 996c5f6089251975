//! The specification's ideal client: the model when no SDK is chosen.

use super::model::{
    BadValue, DefaultTrust, Fact, Model, Outage, OutageRetry, SPEC_COMPRESSION, ThrottleRetry,
    Throttled, TimeoutUnit,
};
use crate::settings::Protocol;

const EXPORTER_SPEC: &str = "https://github.com/open-telemetry/opentelemetry-specification/blob/v1.47.0/specification/protocol/exporter.md";
const ENV_SPEC: &str = "https://github.com/open-telemetry/opentelemetry-specification/blob/v1.47.0/specification/configuration/sdk-environment-variables.md";

const SPEC_RETRY: &str = "https://opentelemetry.io/docs/specs/otlp/#failures";

const TLS_SPEC: &str = "https://github.com/open-telemetry/opentelemetry-specification/blob/v1.47.0/specification/protocol/exporter.md#configuration-options";

const SPEC_CONNECTION: &str = "https://opentelemetry.io/docs/specs/otlp/#otlphttp-connection";

pub const MODEL: Model = Model {
    release: "specification",
    default_protocol: Fact {
        value: Protocol::HttpProtobuf,
        source: EXPORTER_SPEC,
    },
    timeout_unit: Fact {
        value: TimeoutUnit::Millis,
        source: EXPORTER_SPEC,
    },
    bad_protocol: Fact {
        value: BadValue::UseDefault,
        source: ENV_SPEC,
    },
    ca_sources: &[],
    // The specification says nothing about proxies.
    proxy_grpc: Fact {
        value: None,
        source: EXPORTER_SPEC,
    },
    proxy_http: Fact {
        value: None,
        source: EXPORTER_SPEC,
    },
    bad_timeout_grpc: Fact {
        value: BadValue::UseDefault,
        source: ENV_SPEC,
    },
    bad_timeout_http: Fact {
        value: BadValue::UseDefault,
        source: ENV_SPEC,
    },
    default_trust_grpc: Fact {
        value: DefaultTrust::SystemStore,
        source: TLS_SPEC,
    },
    default_trust_http: Fact {
        value: DefaultTrust::SystemStore,
        source: TLS_SPEC,
    },
    reads_tls_variables: Fact {
        value: true,
        source: TLS_SPEC,
    },
    compression_grpc: Fact {
        value: SPEC_COMPRESSION,
        source: ENV_SPEC,
    },
    compression_http: Fact {
        value: SPEC_COMPRESSION,
        source: ENV_SPEC,
    },
    accepts_ca_as_server_certificate: Fact {
        value: true,
        source: TLS_SPEC,
    },
    throttled_grpc: Fact {
        value: Throttled {
            retry: ThrottleRetry::OnlyWithServerDelay,
            said: "should retry RESOURCE_EXHAUSTED only when the server signals recovery is possible (RetryInfo), waiting its delay",
        },
        source: SPEC_RETRY,
    },
    throttled_http: Fact {
        value: Throttled {
            retry: ThrottleRetry::Retries,
            said: "should retry 429, 502, 503 and 504, waiting the Retry-After it gives",
        },
        source: SPEC_RETRY,
    },
    outage_grpc: Fact {
        value: Outage {
            connection: OutageRetry::Retries,
            answer: OutageRetry::Retries,
            said: "should retry UNAVAILABLE with exponential backoff; the specification sets no limit on how long",
        },
        source: SPEC_RETRY,
    },
    outage_http: Fact {
        value: Outage {
            connection: OutageRetry::Retries,
            answer: OutageRetry::Retries,
            said: "should retry a connection that cannot be made and 502, 503 and 504, with exponential backoff and jitter; the specification sets no limit on how long",
        },
        source: SPEC_CONNECTION,
    },
};
