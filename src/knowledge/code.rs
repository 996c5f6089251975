//! The stable finding codes of the public contract (`docs/contract.md`).
//!
//! A code never changes its spelling once shipped. Each one has an entry in the knowledge base
//! (`src/knowledge/kb/`), which a test enforces, so `explain CODE` always has an answer.

use serde::{Serialize, Serializer};
use std::fmt;

macro_rules! codes {
    ($($variant:ident => $text:literal,)*) => {
        /// A finding code such as `NET_CONN_REFUSED`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in contract order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The upper snake case spelling users and scripts see.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }

            /// Looks a code up by its spelling, ignoring case.
            pub fn parse(text: &str) -> Option<Code> {
                let upper = text.trim().to_ascii_uppercase();
                Code::ALL.iter().copied().find(|code| code.as_str() == upper)
            }
        }
    };
}

codes! {
    CfgEndpointInvalid => "CFG_ENDPOINT_INVALID",
    CfgEndpointNoScheme => "CFG_ENDPOINT_NO_SCHEME",
    CfgGrpcEndpointHasPath => "CFG_GRPC_ENDPOINT_HAS_PATH",
    CfgHttpSignalPath => "CFG_HTTP_SIGNAL_PATH",
    CfgPortProtocolMismatch => "CFG_PORT_PROTOCOL_MISMATCH",
    CfgProtocolInvalid => "CFG_PROTOCOL_INVALID",
    CfgHeadersMalformed => "CFG_HEADERS_MALFORMED",
    CfgTimeoutInvalid => "CFG_TIMEOUT_INVALID",
    CfgCompressionInvalid => "CFG_COMPRESSION_INVALID",
    CfgSamplerInvalid => "CFG_SAMPLER_INVALID",
    CfgSamplerDropsAll => "CFG_SAMPLER_DROPS_ALL",
    CfgSdkDisabled => "CFG_SDK_DISABLED",
    CfgSdkCaOverride => "CFG_SDK_CA_OVERRIDE",
    CfgSdkIgnoresVariable => "CFG_SDK_IGNORES_VARIABLE",
    CfgProxyFromEnv => "CFG_PROXY_FROM_ENV",
    CfgSdkReleaseDiffers => "CFG_SDK_RELEASE_DIFFERS",
    CfgExporterNone => "CFG_EXPORTER_NONE",
    CfgServiceNameMissing => "CFG_SERVICE_NAME_MISSING",
    CfgResourceAttributesMalformed => "CFG_RESOURCE_ATTRIBUTES_MALFORMED",
    CfgInsecureWithHttps => "CFG_INSECURE_WITH_HTTPS",
    CfgCertFileUnreadable => "CFG_CERT_FILE_UNREADABLE",
    CfgBatchSizeExceedsQueue => "CFG_BATCH_SIZE_EXCEEDS_QUEUE",
    CfgValueInvalid => "CFG_VALUE_INVALID",
    NetDnsFailed => "NET_DNS_FAILED",
    NetConnRefused => "NET_CONN_REFUSED",
    NetConnTimeout => "NET_CONN_TIMEOUT",
    NetUnreachable => "NET_UNREACHABLE",
    NetConnReset => "NET_CONN_RESET",
    NetProxyUnreachable => "NET_PROXY_UNREACHABLE",
    NetProxyRefused => "NET_PROXY_REFUSED",
    TlsServerIsPlaintext => "TLS_SERVER_IS_PLAINTEXT",
    TlsRequired => "TLS_REQUIRED",
    TlsCertExpired => "TLS_CERT_EXPIRED",
    TlsCertNotYetValid => "TLS_CERT_NOT_YET_VALID",
    TlsCertExpiresSoon => "TLS_CERT_EXPIRES_SOON",
    TlsHostnameMismatch => "TLS_HOSTNAME_MISMATCH",
    TlsUnknownCa => "TLS_UNKNOWN_CA",
    TlsNoTrustedRoots => "TLS_NO_TRUSTED_ROOTS",
    TlsCaAsServerCert => "TLS_CA_AS_SERVER_CERT",
    TlsCaKeyMismatch => "TLS_CA_KEY_MISMATCH",
    TlsClientCertRequired => "TLS_CLIENT_CERT_REQUIRED",
    TlsNoH2Alpn => "TLS_NO_H2_ALPN",
    TlsHandshakeFailed => "TLS_HANDSHAKE_FAILED",
    ProtoGrpcToHttpServer => "PROTO_GRPC_TO_HTTP_SERVER",
    ProtoHttpToGrpcServer => "PROTO_HTTP_TO_GRPC_SERVER",
    ProtoPathNotFound => "PROTO_PATH_NOT_FOUND",
    ProtoMethodNotAllowed => "PROTO_METHOD_NOT_ALLOWED",
    ProtoRedirected => "PROTO_REDIRECTED",
    ProtoUnsupportedMediaType => "PROTO_UNSUPPORTED_MEDIA_TYPE",
    ProtoSignalUnimplemented => "PROTO_SIGNAL_UNIMPLEMENTED",
    ProtoNotOtlp => "PROTO_NOT_OTLP",
    AuthUnauthenticated => "AUTH_UNAUTHENTICATED",
    AuthPermissionDenied => "AUTH_PERMISSION_DENIED",
    AuthTokenWhitespace => "AUTH_TOKEN_WHITESPACE",
    AuthTokenQuoted => "AUTH_TOKEN_QUOTED",
    AuthBearerPrefixMissing => "AUTH_BEARER_PREFIX_MISSING",
    ExportOk => "EXPORT_OK",
    ExportPartialSuccess => "EXPORT_PARTIAL_SUCCESS",
    ExportThrottled => "EXPORT_THROTTLED",
    ExportUnavailable => "EXPORT_UNAVAILABLE",
    ExportPayloadTooLarge => "EXPORT_PAYLOAD_TOO_LARGE",
    ExportTimeout => "EXPORT_TIMEOUT",
    ExportServerError => "EXPORT_SERVER_ERROR",
    ExportBadRequest => "EXPORT_BAD_REQUEST",
    ExportSlow => "EXPORT_SLOW",
    ExportQueueFull => "EXPORT_QUEUE_FULL",
    ColHealthUnreachable => "COL_HEALTH_UNREACHABLE",
    ColHealthNotHealthCheck => "COL_HEALTH_NOT_HEALTH_CHECK",
    ColUnhealthy => "COL_UNHEALTHY",
    ColReceiverRefused => "COL_RECEIVER_REFUSED",
    ColExporterSendFailed => "COL_EXPORTER_SEND_FAILED",
    ColQueueFull => "COL_QUEUE_FULL",
    ColProcessorDropped => "COL_PROCESSOR_DROPPED",
    ColConfigLocalhostBind => "COL_CONFIG_LOCALHOST_BIND",
    ColConfigUnusedComponent => "COL_CONFIG_UNUSED_COMPONENT",
    ColConfigUndefinedComponent => "COL_CONFIG_UNDEFINED_COMPONENT",
    ColConfigNoMemoryLimiter => "COL_CONFIG_NO_MEMORY_LIMITER",
    ColConfigNoBatching => "COL_CONFIG_NO_BATCHING",
    BackendTraceFound => "BACKEND_TRACE_FOUND",
    BackendTraceNotFound => "BACKEND_TRACE_NOT_FOUND",
    BackendUnreachable => "BACKEND_UNREACHABLE",
    DepMultipleOpentelemetryVersions => "DEP_MULTIPLE_OPENTELEMETRY_VERSIONS",
    DepIncompatibleVersions => "DEP_INCOMPATIBLE_VERSIONS",
    DepMissingTransportFeature => "DEP_MISSING_TRANSPORT_FEATURE",
    DepMissingRuntimeFeature => "DEP_MISSING_RUNTIME_FEATURE",
    DepNoTlsFeature => "DEP_NO_TLS_FEATURE",
    LintServiceNameMissing => "LINT_SERVICE_NAME_MISSING",
    LintInvalidTraceId => "LINT_INVALID_TRACE_ID",
    LintInvalidSpanId => "LINT_INVALID_SPAN_ID",
    LintEndBeforeStart => "LINT_END_BEFORE_START",
    LintZeroTimestamp => "LINT_ZERO_TIMESTAMP",
    LintTimestampNotNanos => "LINT_TIMESTAMP_NOT_NANOS",
    LintFutureTimestamp => "LINT_FUTURE_TIMESTAMP",
    LintOrphanSpan => "LINT_ORPHAN_SPAN",
    LintDuplicateSpanId => "LINT_DUPLICATE_SPAN_ID",
    LintHighCardinalitySpanName => "LINT_HIGH_CARDINALITY_SPAN_NAME",
    LintAttributeValueTooLong => "LINT_ATTRIBUTE_VALUE_TOO_LONG",
    LintDeprecatedSemconv => "LINT_DEPRECATED_SEMCONV",
    LintEmptyExport => "LINT_EMPTY_EXPORT",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
