//! The OTLP span exporter the export scenarios use (opentelemetry-otlp, gRPC through tonic or
//! HTTP/protobuf through the blocking reqwest client), wrapped in a [`CountingExporter`] that
//! tallies what the batch processor handed over and how each export ended. The processor keeps
//! its count of dropped spans private in 0.33, so drops are "created minus handed over".

use crate::settings::Protocol;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Running totals of one exporter, shared with whoever reads them.
#[derive(Debug, Default)]
pub struct ExportTally {
    exported: AtomicU64,
    failed: AtomicU64,
    last_error: Mutex<Option<String>>,
}

/// A snapshot of an [`ExportTally`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exported {
    /// Spans in exports that succeeded.
    pub ok: u64,
    /// Spans in exports that failed (after the exporter's own retries).
    pub failed: u64,
}

impl Exported {
    pub fn since(self, earlier: Exported) -> Exported {
        Exported {
            ok: self.ok.saturating_sub(earlier.ok),
            failed: self.failed.saturating_sub(earlier.failed),
        }
    }

    /// Every span the processor handed to the exporter.
    pub fn handed_over(self) -> u64 {
        self.ok + self.failed
    }
}

impl ExportTally {
    pub fn snapshot(&self) -> Exported {
        Exported {
            ok: self.exported.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
        }
    }

    /// The error of the most recent failed export.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Forwards everything to the wrapped exporter and counts spans per outcome.
#[derive(Debug)]
pub struct CountingExporter<E> {
    inner: E,
    tally: std::sync::Arc<ExportTally>,
}

impl<E> CountingExporter<E> {
    pub fn new(inner: E, tally: std::sync::Arc<ExportTally>) -> Self {
        CountingExporter { inner, tally }
    }
}

impl<E: SpanExporter> SpanExporter for CountingExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len() as u64;
        let result = self.inner.export(batch).await;
        match &result {
            Ok(()) => {
                self.tally.exported.fetch_add(spans, Ordering::Relaxed);
            }
            Err(error) => {
                self.tally.failed.fetch_add(spans, Ordering::Relaxed);
                *self
                    .tally
                    .last_error
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Some(error.to_string());
            }
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// Builds the OTLP exporter for `url`. For gRPC the caller must be inside a tokio runtime (tonic
/// spawns its connection tasks there); for HTTP it must not be (the blocking reqwest client
/// refuses to start inside one).
pub fn otlp(
    url: &str,
    protocol: Protocol,
    timeout: Duration,
) -> Result<opentelemetry_otlp::SpanExporter, opentelemetry_otlp::ExporterBuildError> {
    let builder = opentelemetry_otlp::SpanExporter::builder();
    match protocol {
        Protocol::Grpc => builder
            .with_tonic()
            .with_endpoint(url)
            .with_timeout(timeout)
            .build(),
        Protocol::HttpProtobuf => builder
            .with_http()
            // Explicit: an `http-json` feature anywhere in the build would otherwise switch to JSON.
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_endpoint(url)
            .with_timeout(timeout)
            .build(),
        // `Plan::new` refuses it; a library caller that builds the exporter directly hears why.
        Protocol::HttpJson => Err(
            opentelemetry_otlp::ExporterBuildError::InvalidConfiguration(
                "http/json is not built into this opentelemetry-otlp".into(),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_sdk::error::OTelSdkError;
    use std::sync::Arc;

    #[derive(Debug)]
    struct Answer(bool);

    impl SpanExporter for Answer {
        async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
            if self.0 {
                Ok(())
            } else {
                Err(OTelSdkError::InternalFailure("refused".into()))
            }
        }
    }

    #[test]
    fn failed_exports_keep_their_error_and_results_pass_through() {
        let tally = Arc::new(ExportTally::default());
        let ok = CountingExporter::new(Answer(true), tally.clone());
        let failing = CountingExporter::new(Answer(false), tally.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            ok.export(Vec::new()).await.expect("ok");
            assert!(failing.export(Vec::new()).await.is_err());
        });
        assert_eq!(tally.snapshot(), Exported { ok: 0, failed: 0 });
        assert_eq!(
            tally.last_error().as_deref(),
            Some("Operation failed: refused")
        );
        let later = Exported { ok: 10, failed: 2 };
        assert_eq!(later.since(Exported { ok: 4, failed: 2 }).handed_over(), 6);
    }
}
