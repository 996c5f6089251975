//! `load`: OTLP load generation and its measurement. A validated [`LoadPlan`] says where to send,
//! how much and how fast; [`payload`] encodes a small pool of export requests once so that no
//! request is ever re-encoded; [`pace`] is the one rate/stop policy every worker asks for its
//! next request; [`transport`] sends the pre-encoded bytes (one shared HTTP/2 channel for gRPC,
//! one keep-alive HTTP/1.1 connection per worker for OTLP/HTTP); each worker reports a
//! timestamped [`Sample`] over a channel to the collector task, whose [`Tally`] keeps the latency
//! histogram and failures by status; [`report`] turns a tally into the printable [`LoadReport`].
//!
//! Measuring and printing are apart: [`run::run`] returns data, the command prints it.

pub mod guard;
pub mod pace;
pub mod payload;
pub mod pictures;
pub mod plan;
pub mod report;
pub mod run;
pub mod sample;
pub mod stats;
pub mod transport;

pub use plan::{Budget, LoadPlan};
pub use report::LoadReport;
pub use sample::{Outcome, Sample};
pub use stats::Tally;
