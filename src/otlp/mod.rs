//! Real OTLP exports of test telemetry: the probe payloads built from the official generated
//! types of `opentelemetry-proto` ([`payload`]), their OTLP/JSON form with the spec's fix-ups
//! ([`json`]), the OTLP/HTTP body encoding ([`encode`]), and one client per transport that
//! turns whatever answers into an [`client::Outcome`] ([`client`]). Nothing here decides what an
//! answer means for the user; the export check does that.

pub mod capture;
pub mod client;
pub mod encode;
pub mod error;
pub mod json;
pub mod payload;
pub mod retime;
pub mod rpc;
pub(crate) mod schema;
pub mod wire_check;

pub use client::{Destination, ExportAnswer, Outcome, PartialSuccess, export};
pub use encode::{EncodedBody, encode};
pub use error::OtlpError;
pub use payload::{ExportRequest, ProbeData};
