//! Tests of the exporter wrappers and the error → code mapping.

mod error_codes;
mod exporters;
mod otlp;
mod support;
