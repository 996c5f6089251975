//! [`DoctorLogExporter`]: any log exporter, with self-metrics and a finding code for each
//! failure.

use super::instruments::{Instruments, default_meter};
use crate::settings::Signal;
use opentelemetry::logs::Severity;
use opentelemetry::metrics::Meter;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter};
use std::time::{Duration, Instant};

/// Wraps a [`LogExporter`] (e.g. `opentelemetry_otlp::LogExporter`) and records, per export
/// call, [`LOGS_EXPORTED`](super::LOGS_EXPORTED), [`ERRORS`](super::ERRORS) (with the finding
/// code of the error) and [`DURATION`](super::DURATION), and logs one `tracing` warning per
/// failure naming the code. Every call is forwarded to the inner exporter unchanged.
///
/// If the application's `tracing` events are themselves exported as OpenTelemetry logs (through
/// `opentelemetry-appender-tracing`), the warning goes through this exporter too; the SDK's batch
/// processor suppresses telemetry made while it exports, so this does not loop.
#[derive(Debug)]
pub struct DoctorLogExporter<E> {
    inner: E,
    instruments: Instruments,
}

impl<E: LogExporter> DoctorLogExporter<E> {
    /// Records into the global meter provider. Set it first
    /// (`opentelemetry::global::set_meter_provider`): instruments made before are no-ops for good.
    pub fn new(inner: E) -> Self {
        Self::with_meter(inner, &default_meter())
    }

    /// Records into `meter`.
    pub fn with_meter(inner: E, meter: &Meter) -> Self {
        DoctorLogExporter {
            inner,
            instruments: Instruments::new(meter, Signal::Logs),
        }
    }

    pub fn inner(&self) -> &E {
        &self.inner
    }

    pub fn into_inner(self) -> E {
        self.inner
    }
}

impl<E: LogExporter> LogExporter for DoctorLogExporter<E> {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        let items = batch.iter().count();
        let started = Instant::now();
        let result = self.inner.export(batch).await;
        self.instruments.record(items, started.elapsed(), &result);
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn shutdown(&self) -> OTelSdkResult {
        self.inner.shutdown()
    }

    fn event_enabled(&self, level: Severity, target: &str, name: Option<&str>) -> bool {
        self.inner.event_enabled(level, target, name)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}
