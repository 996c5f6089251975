//! otlp-doctor finds out why OpenTelemetry data does not arrive, and says how to fix it.
//!
//! The library holds the domain: configuration resolution ([`settings`]), the checks that walk
//! each layer of an export path ([`checks`]), the report model and its renderers ([`report`]),
//! and the knowledge base ([`knowledge`]). The `otlp-doctor` binary is a thin shell around
//! [`commands`].
//!
//! Inside an application (see `docs/library.md`), [`diagnose_from_env`] runs the same diagnosis
//! as `otlp-doctor check` from the process's `OTEL_*` variables, and [`sdk`] wraps
//! opentelemetry-rust exporters so each failed export is counted and named by its finding code:
//!
//! ```no_run
//! # async fn startup() {
//! // Inside the application's tokio runtime; prints nothing, never panics.
//! let report = otlp_doctor::diagnose_from_env().await;
//! if let Some(cause) = report.root_cause() {
//!     eprintln!("telemetry will not arrive: {} ({})", cause.title, cause.code);
//! }
//! # }
//! ```

pub mod checks;
pub mod cli;
pub mod collector;
pub mod commands;
pub mod deps;
mod diagnose;
pub mod fuzzing;
mod http_connection;
pub mod knowledge;
pub mod load;
pub mod otlp;
pub mod overhead;
pub mod printer;
pub mod probe;
pub mod proxy;
pub mod report;
pub mod runtime;
pub mod scan;
pub mod sdk;
pub mod sdk_model;
pub mod serve;
pub mod settings;
pub mod transport;

pub use diagnose::{
    DEFAULT_STEP_TIMEOUT, DiagnoseOptions, diagnose_from_env, diagnose_from_env_with,
    diagnose_with_env,
};
