//! The OpenTelemetry crates the rules reason about, by role.

/// The crates that define the API types and the global providers: two semver-incompatible
/// copies of any of them in one binary split instrumentation from export.
pub const API_TYPE_CRATES: &[&str] = &["opentelemetry", "opentelemetry_sdk", "opentelemetry-proto"];

/// The crates whose release lines must pair (the compatibility matrix covers them).
pub const PAIRED_CRATES: &[&str] = &[
    "opentelemetry",
    "opentelemetry_sdk",
    "opentelemetry-otlp",
    "tracing-opentelemetry",
    "opentelemetry-appender-tracing",
];

pub const OTLP_EXPORTER: &str = "opentelemetry-otlp";
pub const SDK: &str = "opentelemetry_sdk";
pub const HTTP_GLUE: &str = "opentelemetry-http";

/// Any crate of the OpenTelemetry ecosystem, for the inventory: the official ones and the
/// integrations (`tracing-opentelemetry`, `actix-web-opentelemetry`, ...), which all carry the
/// name.
pub fn is_opentelemetry_crate(name: &str) -> bool {
    name.contains("opentelemetry")
}
