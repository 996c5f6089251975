//! opentelemetry-js: @opentelemetry/sdk-node 0.223.0, otlp-exporter-base. See
//! docs/research/sdk-others.md.

use super::model::{
    BadValue, CaSource, DefaultTrust, Fact, Model, Outage, OutageRetry, SPEC_COMPRESSION,
    ThrottleRetry, Throttled, TimeoutUnit,
};
use super::proxies;
use crate::settings::Protocol;

const SDK_NODE: &str = "https://github.com/open-telemetry/opentelemetry-js/blob/experimental/v0.223.0/experimental/packages/opentelemetry-sdk-node/src/utils.ts";
const SHARED_ENV: &str = "https://github.com/open-telemetry/opentelemetry-js/blob/experimental/v0.223.0/experimental/packages/otlp-exporter-base/src/configuration/shared-env-configuration.ts";
const NODE_TLS: &str =
    "https://github.com/nodejs/node/blob/v22.0.0/doc/api/cli.md#node_extra_ca_certsfile";

const NODE_GRPC: &str = "https://github.com/open-telemetry/opentelemetry-js/blob/experimental/v0.221.0/experimental/packages/otlp-grpc-exporter-base/src/grpc-exporter-transport.ts";
const NODE_HTTP: &str = "https://github.com/open-telemetry/opentelemetry-js/blob/experimental/v0.221.0/experimental/packages/otlp-exporter-base/src/retrying-transport.ts";

const NODE_ROOTS: &str =
    "https://nodejs.org/docs/latest-v20.x/api/cli.html#--use-openssl-ca---use-bundled-ca";

// Read in the published packages of the pinned release (the source snapshots end at 0.221.0).
const NODE_GRPC_OUTAGE: &str = "@opentelemetry/otlp-grpc-exporter-base 0.223.0 (npm): build/src/grpc-exporter-transport.js, every gRPC error resolves as `failure`, and otlp-grpc-export-delegate.js passes that transport to createOtlpNetworkExportDelegate without createRetryingTransport";
const NODE_HTTP_OUTAGE: &str = "@opentelemetry/otlp-exporter-base 0.223.0 (npm): build/src/retrying-transport.js (MAX_ATTEMPTS 5, INITIAL_BACKOFF 1000, BACKOFF_MULTIPLIER 1.5, MAX_BACKOFF 5000) and build/src/transport/http-transport-utils.js (isHttpTransportNetworkErrorRetryable: ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENETUNREACH, EHOSTUNREACH, ...)";

pub const MODEL: Model = Model {
    release: "0.223.0",
    // `getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL')?.trim() || 'http/protobuf'`.
    default_protocol: Fact {
        value: Protocol::HttpProtobuf,
        source: SDK_NODE,
    },
    // `parseAndValidateTimeoutFromEnv`: milliseconds.
    timeout_unit: Fact {
        value: TimeoutUnit::Millis,
        source: SHARED_ENV,
    },
    // `diag.warn(`Unsupported OTLP ... protocol: "...". Using http/protobuf.`)`.
    bad_protocol: Fact {
        value: BadValue::UseDefault,
        source: SDK_NODE,
    },
    // NODE_EXTRA_CA_CERTS adds to the bundled roots; it replaces nothing.
    ca_sources: &[CaSource {
        variable: "NODE_EXTRA_CA_CERTS",
        protocols: &[Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson],
        overrides_certificate: false,
        source: NODE_TLS,
    }],
    // Node's http/https agents ignore proxy variables; grpc-js reads them.
    proxy_grpc: Fact {
        value: Some(proxies::GRPC_JS),
        source: proxies::GRPC_JS_PROXY,
    },
    proxy_http: Fact {
        value: None,
        source: SHARED_ENV,
    },
    // Observed: a warning, then the default.
    bad_timeout_grpc: Fact {
        value: BadValue::UseDefault,
        source: SHARED_ENV,
    },
    bad_timeout_http: Fact {
        value: BadValue::UseDefault,
        source: SHARED_ENV,
    },
    // Node trusts its compiled-in Mozilla store; SSL_CERT_FILE counts only with
    // --use-openssl-ca.
    default_trust_grpc: Fact {
        value: DefaultTrust::Bundled("Node's built-in CA store"),
        source: NODE_ROOTS,
    },
    default_trust_http: Fact {
        value: DefaultTrust::Bundled("Node's built-in CA store"),
        source: NODE_ROOTS,
    },
    reads_tls_variables: Fact {
        value: true,
        source: SHARED_ENV,
    },
    compression_grpc: Fact {
        value: SPEC_COMPRESSION,
        source: SHARED_ENV,
    },
    compression_http: Fact {
        value: SPEC_COMPRESSION,
        source: SHARED_ENV,
    },
    accepts_ca_as_server_certificate: Fact {
        value: true,
        source: NODE_ROOTS,
    },
    throttled_grpc: Fact {
        value: Throttled {
            retry: ThrottleRetry::Never,
            said: "does not retry a gRPC export at all: the throttled batch is dropped",
        },
        source: NODE_GRPC,
    },
    throttled_http: Fact {
        value: Throttled {
            retry: ThrottleRetry::Retries,
            said: "retries 429 (and 502/503/504), waiting the Retry-After it gives, for up to 5 retries within the export timeout (10 s by default); then the batch is dropped",
        },
        source: NODE_HTTP,
    },
    // Observed in the SDK soak (docs/performance.md): every gRPC batch sent while the upstream
    // was down was lost and reported as an export error.
    outage_grpc: Fact {
        value: Outage {
            connection: OutageRetry::Never,
            answer: OutageRetry::Never,
            said: "does not retry a gRPC export: spans, metrics and logs exported while the endpoint is down (a refused connection or UNAVAILABLE) are lost, each batch reported as an export error",
        },
        source: NODE_GRPC_OUTAGE,
    },
    outage_http: Fact {
        value: Outage {
            connection: OutageRetry::Retries,
            answer: OutageRetry::Retries,
            said: "retries a refused, reset or timed-out connection and 502/503/504, waiting 1 s growing 1.5x to at most 5 s (or the Retry-After), for up to 5 retries within the export timeout (10 s by default); data exported during a longer outage is lost",
        },
        source: NODE_HTTP_OUTAGE,
    },
};
