//! The self-metrics the exporter wrappers record, and the one log line per failed export.

use super::error_codes::code_for_error;
use crate::settings::Signal;
use opentelemetry::metrics::{Counter, Histogram, Meter};
use opentelemetry::{InstrumentationScope, KeyValue, global};
use opentelemetry_sdk::error::OTelSdkResult;
use std::fmt;
use std::time::Duration;

/// Counter of spans handed to the wrapped exporter, by `outcome` = `ok` | `error`.
pub const SPANS_EXPORTED: &str = "otlp.exporter.spans.exported";
/// Counter of log records handed to the wrapped exporter, by `outcome` = `ok` | `error`.
pub const LOGS_EXPORTED: &str = "otlp.exporter.logs.exported";
/// Counter of failed export calls, by `code` (the finding code, or [`UNMAPPED_CODE`]) and
/// `signal` = `traces` | `logs`.
pub const ERRORS: &str = "otlp.exporter.errors";
/// Histogram of export call durations in seconds, by `signal` and `outcome`.
pub const DURATION: &str = "otlp.exporter.duration";
/// The `code` attribute of a failure whose error text names no cause.
pub const UNMAPPED_CODE: &str = "UNKNOWN";
/// The instrumentation scope of the instruments (and of [`global`]'s meter when none is given).
pub const SCOPE_NAME: &str = "otlp-doctor";
/// The `tracing` target of the failure log lines, for filtering.
pub const LOG_TARGET: &str = "otlp_doctor::sdk";

/// Export calls take milliseconds to the export timeout (10 s by default) plus retries; the
/// SDK's default boundaries (0, 5, 10, 25, ... 10000) are meant for milliseconds.
const DURATION_BOUNDARIES: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The meter used when the caller gives none: the global meter provider's, scoped
/// [`SCOPE_NAME`].
pub fn default_meter() -> Meter {
    global::meter_with_scope(
        InstrumentationScope::builder(SCOPE_NAME)
            .with_version(env!("CARGO_PKG_VERSION"))
            .build(),
    )
}

/// The instruments of one wrapped exporter.
pub(crate) struct Instruments {
    signal: Signal,
    items: Counter<u64>,
    errors: Counter<u64>,
    duration: Histogram<f64>,
}

impl fmt::Debug for Instruments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instruments")
            .field("signal", &self.signal)
            .finish_non_exhaustive()
    }
}

impl Instruments {
    pub(crate) fn new(meter: &Meter, signal: Signal) -> Self {
        let (items_name, item_unit) = match signal {
            Signal::Logs => (LOGS_EXPORTED, "{log_record}"),
            _ => (SPANS_EXPORTED, "{span}"),
        };
        Instruments {
            signal,
            items: meter
                .u64_counter(items_name)
                .with_description("items handed to the exporter, by outcome of the export")
                .with_unit(item_unit)
                .build(),
            errors: meter
                .u64_counter(ERRORS)
                .with_description(
                    "failed export calls, by the otlp-doctor finding code of the error",
                )
                .with_unit("{error}")
                .build(),
            duration: meter
                .f64_histogram(DURATION)
                .with_description("duration of export calls, retries included")
                .with_unit("s")
                .with_boundaries(DURATION_BOUNDARIES.to_vec())
                .build(),
        }
    }

    /// Records one export call of `items` items and, when it failed, logs one line.
    pub(crate) fn record(&self, items: usize, elapsed: Duration, result: &OTelSdkResult) {
        let signal = self.signal.as_str();
        let outcome = if result.is_ok() { "ok" } else { "error" };
        self.items
            .add(items as u64, &[KeyValue::new("outcome", outcome)]);
        self.duration.record(
            elapsed.as_secs_f64(),
            &[
                KeyValue::new("signal", signal),
                KeyValue::new("outcome", outcome),
            ],
        );
        let Err(error) = result else {
            return;
        };
        let code = code_for_error(error);
        let code_text = code.map_or(UNMAPPED_CODE, |c| c.as_str());
        self.errors.add(
            1,
            &[
                KeyValue::new("code", code_text),
                KeyValue::new("signal", signal),
            ],
        );
        match code {
            Some(code) => tracing::warn!(
                target: LOG_TARGET,
                signal,
                code = code.as_str(),
                items,
                error = %error,
                "{signal} export of {items} items failed with {code}; run `otlp-doctor explain {code}` for the cause and the fix"
            ),
            None => tracing::warn!(
                target: LOG_TARGET,
                signal,
                code = UNMAPPED_CODE,
                items,
                error = %error,
                "{signal} export of {items} items failed; run `otlp-doctor check` with this application's OTEL_* environment to find the cause"
            ),
        }
    }
}
