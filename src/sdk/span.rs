//! [`DoctorSpanExporter`]: any span exporter, with self-metrics and a finding code for each
//! failure.

use super::instruments::{Instruments, default_meter};
use crate::settings::Signal;
use opentelemetry::metrics::Meter;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use std::time::{Duration, Instant};

/// Wraps a [`SpanExporter`] (e.g. `opentelemetry_otlp::SpanExporter`) and records, per export
/// call, [`SPANS_EXPORTED`](super::SPANS_EXPORTED), [`ERRORS`](super::ERRORS) (with the finding
/// code of the error) and [`DURATION`](super::DURATION), and logs one `tracing` warning per
/// failure naming the code. Every call is forwarded to the inner exporter unchanged, and its
/// result is returned as is.
///
/// ```no_run
/// # fn build() -> Result<(), Box<dyn std::error::Error>> {
/// use otlp_doctor::sdk::DoctorSpanExporter;
/// use opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build()?;
/// let provider = SdkTracerProvider::builder()
///     .with_batch_exporter(DoctorSpanExporter::new(exporter))
///     .build();
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DoctorSpanExporter<E> {
    inner: E,
    instruments: Instruments,
}

impl<E: SpanExporter> DoctorSpanExporter<E> {
    /// Records into the global meter provider. Set it first
    /// (`opentelemetry::global::set_meter_provider`): instruments made before are no-ops for good.
    pub fn new(inner: E) -> Self {
        Self::with_meter(inner, &default_meter())
    }

    /// Records into `meter`.
    pub fn with_meter(inner: E, meter: &Meter) -> Self {
        DoctorSpanExporter {
            inner,
            instruments: Instruments::new(meter, Signal::Traces),
        }
    }

    pub fn inner(&self) -> &E {
        &self.inner
    }

    pub fn into_inner(self) -> E {
        self.inner
    }
}

impl<E: SpanExporter> SpanExporter for DoctorSpanExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let items = batch.len();
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

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}
