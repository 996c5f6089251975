//! The data lint of `serve`: rules that judge what a sender exports, not whether it arrives.
//! A [`Linter`] consumes every [`Received`] batch and returns the `LINT_*` findings that batch
//! revealed for the first time: a missing `service.name`, invalid ids, impossible timestamps,
//! orphan and duplicate spans, high-cardinality span names, oversized attribute values,
//! deprecated semantic-convention keys and empty exports.
//!
//! One rule lives in each file. Every finding is reported once per (code, key), so a long session
//! never floods, and all state is bounded: the dedupe set per code, the span-name patterns and the
//! window of recent traces that orphan and duplicate detection need.
//!
//! ```
//! use otlp_doctor::serve::lint::{LintConfig, Linter};
//! # fn demo(batch: &otlp_doctor::serve::Received) {
//! let mut linter = Linter::new(LintConfig::default());
//! let now_findings = linter.inspect(batch, std::time::SystemTime::now());
//! let quiet_findings = linter.tick(std::time::SystemTime::now()); // on a timer: idle traces
//! let end_findings = linter.finish(); // orphans still waiting for their parent
//! # let _ = (now_findings, quiet_findings, end_findings);
//! # }
//! ```

mod attributes;
mod duplicates;
mod empty;
mod ids;
mod names;
mod orphans;
mod resource;
mod seen;
mod semconv;
mod semconv_table;
mod timestamps;
mod traces;
mod walk;
pub use walk::named_items;

#[cfg(test)]
mod tests;

use super::Received;
use crate::otlp::payload::ExportRequest;
use crate::report::Finding;
use names::SpanNames;
use seen::{Findings, Seen};
use std::time::{Duration, SystemTime};
use traces::{TraceWindow, WindowLimits};

/// The `check` id every lint finding carries.
pub(crate) const LINT_CHECK: &str = "lint";

/// Longer string values are flagged. The spec sets no default limit; 4 KiB is far above any
/// useful label and well below the 4 MiB default gRPC message limit a few such values exhaust.
pub const DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES: usize = 4096;
/// Timestamps later than the receiver's clock by more than this are clock skew. Hosts synchronised
/// by NTP differ by milliseconds; five minutes leaves room for slow batching and export retries.
pub const DEFAULT_FUTURE_TOLERANCE: Duration = Duration::from_secs(5 * 60);
/// A trace that received no span for this long is judged: a parent still missing is not coming.
/// The batch span processor exports every 5 s by default, so a parent that ends within a minute
/// of its last child has several chances to arrive.
pub const DEFAULT_ORPHAN_GRACE: Duration = Duration::from_secs(60);
/// Traces tracked for orphan and duplicate detection; the least recently active one is forgotten.
pub const DEFAULT_MAX_TRACKED_TRACES: usize = 10_000;
/// Span ids remembered across all tracked traces (about 40 bytes each, so a few MiB).
pub const DEFAULT_MAX_TRACKED_SPANS: usize = 200_000;
/// Span ids remembered per trace; a larger trace is no longer judged for orphans.
pub const DEFAULT_MAX_SPANS_PER_TRACE: usize = 10_000;
/// Distinct span names that must share one normalised pattern before it counts as
/// high-cardinality: two could be `v1` and `v2` of an API, three varying ids are a pattern.
pub const DEFAULT_HIGH_CARDINALITY_MIN_NAMES: usize = 3;
/// Distinct findings per code in one session; beyond this the code is already well evidenced.
pub const DEFAULT_MAX_FINDINGS_PER_CODE: usize = 100;

/// Limits and tolerances of the data lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintConfig {
    /// String (and bytes) attribute values longer than this many bytes are flagged.
    pub max_attribute_value_bytes: usize,
    /// How far past the receiver's clock a timestamp may lie before it is called future.
    pub future_tolerance: Duration,
    /// How long a trace must be idle before spans still missing their parent are orphans.
    pub orphan_grace: Duration,
    /// Traces remembered for orphan and duplicate detection.
    pub max_tracked_traces: usize,
    /// Span ids remembered across all tracked traces.
    pub max_tracked_spans: usize,
    /// Span ids remembered per trace.
    pub max_spans_per_trace: usize,
    /// Distinct names per normalised pattern before a span name is high-cardinality.
    pub high_cardinality_min_names: usize,
    /// Distinct findings reported per code per session.
    pub max_findings_per_code: usize,
}

impl Default for LintConfig {
    fn default() -> Self {
        LintConfig {
            max_attribute_value_bytes: DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES,
            future_tolerance: DEFAULT_FUTURE_TOLERANCE,
            orphan_grace: DEFAULT_ORPHAN_GRACE,
            max_tracked_traces: DEFAULT_MAX_TRACKED_TRACES,
            max_tracked_spans: DEFAULT_MAX_TRACKED_SPANS,
            max_spans_per_trace: DEFAULT_MAX_SPANS_PER_TRACE,
            high_cardinality_min_names: DEFAULT_HIGH_CARDINALITY_MIN_NAMES,
            max_findings_per_code: DEFAULT_MAX_FINDINGS_PER_CODE,
        }
    }
}

/// Runs every lint rule over a stream of received batches, remembering what it already reported.
#[derive(Debug)]
pub struct Linter {
    config: LintConfig,
    seen: Seen,
    names: SpanNames,
    traces: TraceWindow,
}

impl Linter {
    pub fn new(config: LintConfig) -> Self {
        let limits = WindowLimits {
            max_traces: config.max_tracked_traces,
            max_spans: config.max_tracked_spans,
            max_spans_per_trace: config.max_spans_per_trace,
            grace: config.orphan_grace,
        };
        Linter {
            seen: Seen::new(config.max_findings_per_code),
            names: SpanNames::new(config.high_cardinality_min_names),
            traces: TraceWindow::new(limits),
            config,
        }
    }

    pub fn config(&self) -> &LintConfig {
        &self.config
    }

    /// Lints one batch and returns the findings it produced for the first time, including orphans
    /// of traces that have been idle for the grace period as of `now`.
    pub fn inspect(&mut self, received: &Received, now: SystemTime) -> Vec<Finding> {
        let mut out = Findings::new(&mut self.seen);
        let payload = &received.payload;
        empty::check(received, &mut out);
        resource::check(received, &mut out);
        ids::check(payload, &mut out);
        timestamps::check(payload, now, self.config.future_tolerance, &mut out);
        // Both attribute rules look at every attribute: one walk feeds them.
        for set in walk::attribute_sets(payload) {
            for kv in set.attributes {
                attributes::check(&set, kv, self.config.max_attribute_value_bytes, &mut out);
                semconv::check(&set, kv, &mut out);
            }
        }
        if let ExportRequest::Traces(request) = payload {
            self.names.check(request, &mut out);
            let repeats = self.traces.observe(request, now);
            duplicates::report(&repeats, &mut out);
        }
        let orphans = self.traces.expire(now);
        orphans::report(
            &orphans,
            orphans::Judged::Idle(self.config.orphan_grace),
            &mut out,
        );
        out.into_list()
    }

    /// Judges traces that have been idle for the grace period as of `now`, without a new batch;
    /// call it periodically so orphans surface while the session is quiet.
    pub fn tick(&mut self, now: SystemTime) -> Vec<Finding> {
        let mut out = Findings::new(&mut self.seen);
        let orphans = self.traces.expire(now);
        orphans::report(
            &orphans,
            orphans::Judged::Idle(self.config.orphan_grace),
            &mut out,
        );
        out.into_list()
    }

    /// Ends the session: every span still waiting for its parent is an orphan.
    pub fn finish(&mut self) -> Vec<Finding> {
        let mut out = Findings::new(&mut self.seen);
        let orphans = self.traces.drain();
        orphans::report(&orphans, orphans::Judged::SessionEnd, &mut out);
        out.into_list()
    }
}

impl Default for Linter {
    fn default() -> Self {
        Linter::new(LintConfig::default())
    }
}
