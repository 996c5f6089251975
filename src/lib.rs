//! otlp-doctor finds out why OpenTelemetry data does not arrive, and says how to fix it.
//!
//! The library holds the domain: configuration resolution ([`settings`]), the checks that walk
//! each layer of an export path ([`checks`]), the report model and its renderers ([`report`]),
//! and the knowledge base ([`knowledge`]). The `otlp-doctor` binary is a thin shell around
//! [`commands`].

pub mod checks;
pub mod cli;
pub mod collector;
pub mod commands;
pub mod deps;
pub mod fuzzing;
pub mod knowledge;
pub mod otlp;
pub mod printer;
pub mod report;
pub mod serve;
pub mod settings;
