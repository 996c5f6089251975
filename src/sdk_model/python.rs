//! opentelemetry-python 1.45.2 (opentelemetry-sdk, opentelemetry-exporter-otlp-proto-{grpc,http},
//! opentelemetry-exporter-http-transport 0.66b2). See docs/research/sdk-python.md.

use super::model::{
    BadValue, CaSource, CompressionValues, DefaultTrust, Fact, Model, Outage, OutageRetry,
    SPEC_COMPRESSION, ThrottleRetry, Throttled, TimeoutUnit,
};
use super::proxies;
use crate::settings::Protocol;

const CONFIGURATION: &str = "https://github.com/open-telemetry/opentelemetry-python/blob/v1.45.2/opentelemetry-sdk/src/opentelemetry/sdk/_configuration/__init__.py";
const HTTP_COMMON: &str = "https://github.com/open-telemetry/opentelemetry-python/blob/v1.45.2/exporter/opentelemetry-exporter-otlp-proto-http/src/opentelemetry/exporter/otlp/proto/http/_common/__init__.py";
const REQUESTS_TRANSPORT: &str = "https://github.com/open-telemetry/opentelemetry-python/blob/v1.45.2/exporter/opentelemetry-exporter-http-transport/src/opentelemetry/exporter/http/transport/_requests.py";
const REQUESTS_SESSION: &str =
    "https://github.com/psf/requests/blob/v2.34.2/src/requests/sessions.py";

const GRPC_EXPORTER: &str = "opentelemetry-exporter-otlp-proto-grpc 1.45.2 (PyPI): opentelemetry/exporter/otlp/proto/grpc/exporter.py, _RETRYABLE_ERROR_CODES and RetryInfo";
const HTTP_RETRY: &str = "opentelemetry-exporter-otlp-common 0.66b2 (PyPI, used by the HTTP exporter 1.45.2): opentelemetry/exporter/otlp/common/http.py, _RETRYABLE_STATUS_CODES and _extract_retry_after";

const GRPC_TIMEOUT: &str = "opentelemetry-exporter-otlp-proto-grpc 1.45.2 (PyPI): opentelemetry/exporter/otlp/proto/grpc/exporter.py, `float(environ.get(OTEL_EXPORTER_OTLP_TIMEOUT, 10))` in OTLPExporterMixin.__init__";
const HTTP_TIMEOUT: &str = "opentelemetry-exporter-otlp-proto-http 1.45.2 (PyPI): opentelemetry/exporter/otlp/proto/http/_common/__init__.py, \"Invalid timeout value %r, using default\"";
const GRPC_ROOTS: &str = "grpcio (PyPI): grpc/_cython/_credentials/roots.pem, the roots gRPC core trusts when the exporter is given no certificate";
const CERTIFI: &str = "requests (PyPI): requests/certs.py, `from certifi import where`";

const GRPC_COMPRESSION: &str = "opentelemetry-exporter-otlp-proto-grpc 1.45.2 (PyPI): opentelemetry/exporter/otlp/proto/grpc/exporter.py, `_ENVIRON_TO_COMPRESSION` has only gzip and unset, and `environ_to_compression` raises InvalidCompressionValueException on anything else, none included";

const OPENSSL_VERIFY: &str =
    "https://docs.openssl.org/3.0/man1/openssl-verification-options/#trust-anchors";

const GRPC_OUTAGE: &str = "opentelemetry-exporter-otlp-proto-grpc 1.45.2 (PyPI): opentelemetry/exporter/otlp/proto/grpc/exporter.py, UNAVAILABLE in _RETRYABLE_ERROR_CODES, backoff `2**retry_num * random.uniform(0.8, 1.2)` within `deadline_sec`, the channel re-created on the first UNAVAILABLE";
const HTTP_OUTAGE: &str = "opentelemetry-exporter-otlp-common 0.66b2 (PyPI, used by the HTTP exporter 1.45.2): opentelemetry/exporter/otlp/common/http.py, `_compute_backoff` and `export` (a connection error is retryable and is re-sent once at once in `_submit`)";

pub const MODEL: Model = Model {
    release: "1.45.2",
    // `_get_exporter_entry_point`: the `otlp` exporter name becomes `otlp_proto_grpc` when no
    // protocol variable is set.
    default_protocol: Fact {
        value: Protocol::Grpc,
        source: CONFIGURATION,
    },
    // `_resolve_timeout`: `float(raw)`, seconds, default 10.
    timeout_unit: Fact {
        value: TimeoutUnit::Seconds,
        source: HTTP_COMMON,
    },
    // `raise RuntimeError(f"Unsupported OTLP protocol '{otlp_protocol}' is configured")`.
    bad_protocol: Fact {
        value: BadValue::RefuseToStart,
        source: CONFIGURATION,
    },
    // The HTTP exporter sets `session.verify` to the certificate and calls
    // `session.request` without `verify`, so requests' `merge_environment_settings` puts
    // REQUESTS_CA_BUNDLE (then CURL_CA_BUNDLE) over it.
    ca_sources: &[
        CaSource {
            variable: "REQUESTS_CA_BUNDLE",
            protocols: &[Protocol::HttpProtobuf, Protocol::HttpJson],
            overrides_certificate: true,
            source: REQUESTS_TRANSPORT,
        },
        CaSource {
            variable: "CURL_CA_BUNDLE",
            protocols: &[Protocol::HttpProtobuf, Protocol::HttpJson],
            overrides_certificate: true,
            source: REQUESTS_SESSION,
        },
    ],
    // grpcio's channel keeps grpc.enable_http_proxy on; the HTTP exporter posts with a
    // requests Session that trusts the environment.
    proxy_grpc: Fact {
        value: Some(proxies::GRPC_CORE),
        source: proxies::GRPC_CORE_PROXY,
    },
    proxy_http: Fact {
        value: Some(proxies::REQUESTS),
        source: proxies::REQUESTS_PROXY,
    },
    bad_timeout_grpc: Fact {
        value: BadValue::RefuseToStart,
        source: GRPC_TIMEOUT,
    },
    bad_timeout_http: Fact {
        value: BadValue::UseDefault,
        source: HTTP_TIMEOUT,
    },
    default_trust_grpc: Fact {
        value: DefaultTrust::Bundled("gRPC's bundled roots.pem"),
        source: GRPC_ROOTS,
    },
    default_trust_http: Fact {
        value: DefaultTrust::Bundled("certifi's CA bundle"),
        source: CERTIFI,
    },
    reads_tls_variables: Fact {
        value: true,
        source: HTTP_COMMON,
    },
    // Observed: OTEL_EXPORTER_OTLP_COMPRESSION=none and =zip raise in the gRPC exporter's
    // constructor; the HTTP exporter takes none and ignores zip.
    compression_grpc: Fact {
        value: CompressionValues {
            accepts: &["gzip"],
            otherwise: BadValue::RefuseToStart,
        },
        source: GRPC_COMPRESSION,
    },
    compression_http: Fact {
        value: SPEC_COMPRESSION,
        source: HTTP_COMMON,
    },
    accepts_ca_as_server_certificate: Fact {
        value: true,
        source: OPENSSL_VERIFY,
    },
    throttled_grpc: Fact {
        value: Throttled {
            retry: ThrottleRetry::Retries,
            said: "retries RESOURCE_EXHAUSTED, waiting the RetryInfo delay when there is one, for up to 6 attempts within the export timeout (10 s by default); then the batch is dropped",
        },
        source: GRPC_EXPORTER,
    },
    throttled_http: Fact {
        value: Throttled {
            retry: ThrottleRetry::Retries,
            said: "retries 429 (and 502/503/504), waiting the Retry-After it gives, for up to 6 attempts within the export timeout (10 s by default); then the batch is dropped",
        },
        source: HTTP_RETRY,
    },
    outage_grpc: Fact {
        value: Outage {
            connection: OutageRetry::Retries,
            answer: OutageRetry::Retries,
            said: "retries UNAVAILABLE (a refused connection too) after 1, 2 and 4 s (jittered 20%), up to 6 attempts within the export timeout (10 s by default); data exported during a longer outage is lost",
        },
        source: GRPC_OUTAGE,
    },
    outage_http: Fact {
        value: Outage {
            connection: OutageRetry::Retries,
            answer: OutageRetry::Retries,
            said: "retries a connection error and 502/503/504 after 1, 2 and 4 s (jittered 20%), up to 6 attempts within the export timeout (10 s by default); data exported during a longer outage is lost",
        },
        source: HTTP_OUTAGE,
    },
};
