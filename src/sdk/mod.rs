//! In-application helpers for opentelemetry-rust (`opentelemetry_sdk` 0.33): exporter wrappers
//! that turn each failed export into a finding code and self-metrics, so an application sees
//! *why* its telemetry does not arrive without running the CLI.
//!
//! - [`DoctorSpanExporter`] and [`DoctorLogExporter`] wrap any span or log exporter.
//! - [`code_for_error`] / [`code_for_message`] map an exporter error to a finding code
//!   (see [`error_codes`] for how).
//!
//! See `docs/library.md` for the metrics, the mapping table and a complete setup
//! (`examples/instrumented_app.rs`).

pub mod error_codes;
mod instruments;
mod log;
mod span;

pub use error_codes::{code_for_error, code_for_message};
pub use instruments::{
    DURATION, ERRORS, LOG_TARGET, LOGS_EXPORTED, SCOPE_NAME, SPANS_EXPORTED, UNMAPPED_CODE,
    default_meter,
};
pub use log::DoctorLogExporter;
pub use span::DoctorSpanExporter;

#[cfg(test)]
mod tests;
