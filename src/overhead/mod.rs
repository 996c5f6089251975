//! `overhead`: what the opentelemetry-rust SDK costs an application, measured in-process. Spans
//! are created and ended through the batch span processor exporting over OTLP (to the built-in
//! receiver started in-process, or to a given endpoint) and through two baselines that export
//! nothing (no processor; sampler `always_off`). Per span: wall time, CPU time of the creating
//! thread and of the process, allocations; per scenario: spans dropped by a full queue; and a
//! leak check over repeated provider lifecycles.
//!
//! The layers follow the rest of the crate: [`plan`] is the validated input, [`run`] measures
//! and returns [`sample::Measurements`] (plain data), [`summary`] and [`stats`] compute, and
//! [`report`] turns it all into the common report model for the printer.

mod advice;
mod alloc_counter;
mod exporter;
pub mod pictures;
pub mod plan;
pub mod procfs;
pub mod report;
pub mod run;
pub mod sample;
pub mod stats;
pub mod summary;

pub use alloc_counter::{
    AllocCounts, CountingAllocator, exclude_current_thread, installed, live_heap_balance,
    process_counts, set_counting, thread_counts,
};
pub use exporter::{ExportTally, Exported};
pub use plan::{Destination, Plan, PlanError, Scenario};
pub use run::{Progress, RunError, Silent};
