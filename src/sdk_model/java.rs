//! opentelemetry-java 1.68.0 (sdk-extension-autoconfigure, exporter-otlp). See
//! docs/research/sdk-others.md.

use super::model::{
    BadValue, CompressionValues, DefaultTrust, Fact, Model, Outage, OutageRetry, ThrottleRetry,
    Throttled, TimeoutUnit,
};
use crate::settings::Protocol;

const SPAN_PROVIDER: &str = "https://github.com/open-telemetry/opentelemetry-java/blob/v1.68.0/exporters/otlp/all/src/main/java/io/opentelemetry/exporter/otlp/internal/OtlpSpanExporterProvider.java";
const CONFIG_UTIL: &str = "https://github.com/open-telemetry/opentelemetry-java/blob/v1.68.0/exporters/otlp/all/src/main/java/io/opentelemetry/exporter/otlp/internal/OtlpConfigUtil.java";

const JAVA_RETRY: &str = "https://github.com/open-telemetry/opentelemetry-java/blob/v1.65.0/exporters/sender/okhttp/src/main/java/io/opentelemetry/exporter/sender/okhttp/internal/RetryInterceptor.java";

const DURATION: &str = "https://github.com/open-telemetry/opentelemetry-java/blob/v1.68.0/sdk-extensions/autoconfigure-spi/src/main/java/io/opentelemetry/sdk/autoconfigure/spi/internal/DefaultConfigProperties.java";
const TLS_HELPER: &str = "https://github.com/open-telemetry/opentelemetry-java/blob/v1.68.0/exporters/common/src/main/java/io/opentelemetry/exporter/internal/TlsConfigHelper.java";

// Read in the 1.68.0 sources jar (Maven Central): RetryState bounds the retries by the call
// timeout and retries ConnectException, SocketException and SocketTimeoutException; RetryUtil
// lists 502/503/504 and UNAVAILABLE; RetryPolicy's default is 5 attempts, 1 s x1.5 to 5 s.
const JAVA_RETRY_STATE: &str = "opentelemetry-exporter-sender-okhttp 1.68.0 (Maven Central, sources jar): io/opentelemetry/exporter/sender/okhttp/internal/RetryState.java, isRetryableException and backoff; RetryPolicy.getDefault() in opentelemetry-sdk-common 1.68.0";

pub const MODEL: Model = Model {
    release: "1.68.0",
    // `OtlpConfigUtil.getOtlpProtocol`: grpc when otel.exporter.otlp.protocol is unset (the
    // Java agent 2.x sets http/protobuf itself; the SDK's autoconfigure does not).
    default_protocol: Fact {
        value: Protocol::Grpc,
        source: CONFIG_UTIL,
    },
    // `ConfigProperties.getDuration`: a number without a unit is milliseconds.
    timeout_unit: Fact {
        value: TimeoutUnit::Millis,
        source: CONFIG_UTIL,
    },
    // `throw new ConfigurationException("Unsupported OTLP traces protocol: " + protocol)`:
    // autoconfigure fails.
    bad_protocol: Fact {
        value: BadValue::RefuseToStart,
        source: SPAN_PROVIDER,
    },
    // Trust comes from javax.net.ssl.trustStore system properties, not the environment.
    ca_sources: &[],
    // OkHttp and grpc-java take proxies from JVM properties, not the environment.
    proxy_grpc: Fact {
        value: None,
        source: CONFIG_UTIL,
    },
    proxy_http: Fact {
        value: None,
        source: CONFIG_UTIL,
    },
    // `getDuration` throws a ConfigurationException (observed: NumberFormatException from
    // Long.parseLong) and autoconfiguration fails.
    bad_timeout_grpc: Fact {
        value: BadValue::RefuseToStart,
        source: DURATION,
    },
    bad_timeout_http: Fact {
        value: BadValue::RefuseToStart,
        source: DURATION,
    },
    // Without a trusted certificate file, OkHttp uses the JVM's default trust manager.
    default_trust_grpc: Fact {
        value: DefaultTrust::Bundled("the JVM's cacerts"),
        source: TLS_HELPER,
    },
    default_trust_http: Fact {
        value: DefaultTrust::Bundled("the JVM's cacerts"),
        source: TLS_HELPER,
    },
    reads_tls_variables: Fact {
        value: true,
        source: CONFIG_UTIL,
    },
    // Observed: an unknown compression fails autoconfiguration (ConfigurationException).
    compression_grpc: Fact {
        value: CompressionValues {
            accepts: &["gzip", "none"],
            otherwise: BadValue::RefuseToStart,
        },
        source: CONFIG_UTIL,
    },
    compression_http: Fact {
        value: CompressionValues {
            accepts: &["gzip", "none"],
            otherwise: BadValue::RefuseToStart,
        },
        source: CONFIG_UTIL,
    },
    accepts_ca_as_server_certificate: Fact {
        value: true,
        source: TLS_HELPER,
    },
    throttled_grpc: Fact {
        value: Throttled {
            retry: ThrottleRetry::Retries,
            said: "retries RESOURCE_EXHAUSTED up to 5 attempts (1 s backoff growing to 5 s) and ignores RetryInfo; then the batch is dropped",
        },
        source: JAVA_RETRY,
    },
    throttled_http: Fact {
        value: Throttled {
            retry: ThrottleRetry::Retries,
            said: "retries 429 (and 502/503/504) up to 5 attempts (1 s backoff growing to 5 s), waiting the Retry-After when it gives one (OkHttpHttpSender.retryDelayNanos), within the export timeout; then the batch is dropped",
        },
        source: JAVA_RETRY_STATE,
    },
    // Observed in the SDK soak (docs/performance.md): the retries carried a 3 s outage; one
    // sender lost batches to a full queue while they ran.
    outage_grpc: Fact {
        value: Outage {
            connection: OutageRetry::Retries,
            answer: OutageRetry::Retries,
            said: "retries a failed connection and UNAVAILABLE up to 5 attempts (1 s backoff growing 1.5x to 5 s, jittered) within the export timeout; meanwhile new spans wait in the batch queue, which drops them when full",
        },
        source: JAVA_RETRY_STATE,
    },
    outage_http: Fact {
        value: Outage {
            connection: OutageRetry::Retries,
            answer: OutageRetry::Retries,
            said: "retries a failed connection and 502/503/504 up to 5 attempts (1 s backoff growing 1.5x to 5 s, jittered) within the export timeout; meanwhile new spans wait in the batch queue, which drops them when full",
        },
        source: JAVA_RETRY_STATE,
    },
};
