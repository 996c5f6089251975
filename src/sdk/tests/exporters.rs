//! The wrappers around scripted exporters: every call forwarded, every result returned as is,
//! the metrics and the log line recorded.

use super::support::{Captured, Metrics, spans};
use crate::sdk::{
    DURATION, DoctorLogExporter, DoctorSpanExporter, ERRORS, LOGS_EXPORTED, SPANS_EXPORTED,
    UNMAPPED_CODE,
};
use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::logs::{LogBatch, LogExporter, SdkLoggerProvider};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Answers each export with the next scripted result (then `Ok`) and records every call.
#[derive(Debug, Clone, Default)]
struct Scripted {
    results: Arc<Mutex<VecDeque<OTelSdkResult>>>,
    calls: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    fn answering(results: impl IntoIterator<Item = OTelSdkResult>) -> Self {
        let scripted = Scripted::default();
        scripted.results.lock().expect("results").extend(results);
        scripted
    }

    fn call(&self, what: String) {
        self.calls.lock().expect("calls").push(what);
    }

    fn next(&self) -> OTelSdkResult {
        self.results
            .lock()
            .expect("results")
            .pop_front()
            .unwrap_or(Ok(()))
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().expect("calls").clone()
    }
}

impl SpanExporter for Scripted {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.call(format!("export {}", batch.len()));
        self.next()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.call(format!("shutdown_with_timeout {timeout:?}"));
        Ok(())
    }

    fn shutdown(&self) -> OTelSdkResult {
        self.call("shutdown".into());
        Err(OTelSdkError::AlreadyShutdown)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.call("force_flush".into());
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.call(format!("set_resource {}", resource.len()));
    }
}

impl LogExporter for Scripted {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        self.call(format!("export {}", batch.iter().count()));
        self.next()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.call(format!("shutdown_with_timeout {timeout:?}"));
        Ok(())
    }

    fn event_enabled(&self, _level: Severity, target: &str, _name: Option<&str>) -> bool {
        self.call(format!("event_enabled {target}"));
        target != "muted"
    }

    fn set_resource(&mut self, _resource: &Resource) {
        self.call("set_resource".into());
    }
}

fn refused() -> OTelSdkError {
    OTelSdkError::InternalFailure(
        "TonicTracesClient export failed with gRPC code: Unavailable: transport error: tcp connect error: Connection refused (os error 111)".into(),
    )
}

#[tokio::test]
async fn span_exports_are_forwarded_and_measured() {
    let metrics = Metrics::new();
    let inner = Scripted::answering([
        Ok(()),
        Err(refused()),
        Err(OTelSdkError::InternalFailure(
            "HTTP export failed with status code: 401".into(),
        )),
        Err(OTelSdkError::InternalFailure(
            "HTTP export failed: network error".into(),
        )),
    ]);
    let exporter = DoctorSpanExporter::with_meter(inner.clone(), &metrics.meter());
    let log = Captured::default();
    let _guard = log.install();

    assert!(exporter.export(spans(3)).await.is_ok());
    let error = exporter
        .export(spans(2))
        .await
        .expect_err("scripted failure");
    assert_eq!(error.to_string(), refused().to_string(), "returned as is");
    assert!(exporter.export(spans(1)).await.is_err());
    assert!(exporter.export(spans(1)).await.is_err());
    assert_eq!(
        inner.calls(),
        ["export 3", "export 2", "export 1", "export 1"]
    );

    assert_eq!(metrics.value(SPANS_EXPORTED, &[("outcome", "ok")]), 3.0);
    assert_eq!(metrics.value(SPANS_EXPORTED, &[("outcome", "error")]), 4.0);
    for (code, count) in [
        ("NET_CONN_REFUSED", 1.0),
        ("AUTH_UNAUTHENTICATED", 1.0),
        (UNMAPPED_CODE, 1.0),
    ] {
        assert_eq!(
            metrics.value(ERRORS, &[("code", code), ("signal", "traces")]),
            count,
            "{code}: {:?}",
            metrics.points(ERRORS)
        );
    }
    let durations = metrics.points(DURATION);
    let total: f64 = durations.iter().map(|p| p.value).sum();
    assert_eq!(total, 4.0, "one duration per export call: {durations:?}");
    assert!(durations.iter().all(|p| p.sum >= 0.0 && p.sum < 5.0));
    assert_eq!(
        metrics.value(DURATION, &[("signal", "traces"), ("outcome", "error")]),
        3.0
    );

    let text = log.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "one line per failure:\n{text}");
    assert!(lines[0].contains("NET_CONN_REFUSED"), "{text}");
    assert!(
        lines[0].contains("otlp-doctor explain NET_CONN_REFUSED"),
        "{text}"
    );
    assert!(
        lines[1].contains("otlp-doctor explain AUTH_UNAUTHENTICATED"),
        "{text}"
    );
    assert!(lines[2].contains("otlp-doctor check"), "{text}");
}

#[test]
fn span_lifecycle_calls_are_forwarded() {
    let metrics = Metrics::new();
    let inner = Scripted::default();
    let mut exporter = DoctorSpanExporter::with_meter(inner.clone(), &metrics.meter());
    exporter.set_resource(&Resource::builder_empty().with_service_name("svc").build());
    assert!(exporter.force_flush().is_ok());
    assert!(
        exporter
            .shutdown_with_timeout(Duration::from_secs(1))
            .is_ok()
    );
    assert!(
        matches!(exporter.shutdown(), Err(OTelSdkError::AlreadyShutdown)),
        "the inner result is returned"
    );
    assert_eq!(
        inner.calls(),
        [
            "set_resource 1",
            "force_flush",
            "shutdown_with_timeout 1s",
            "shutdown"
        ]
    );
    assert!(exporter.inner().calls().len() == 4);
}

#[test]
fn log_exports_are_forwarded_and_measured() {
    let metrics = Metrics::new();
    let inner = Scripted::answering([Ok(()), Err(OTelSdkError::Timeout(Duration::from_secs(10)))]);
    let exporter = DoctorLogExporter::with_meter(inner.clone(), &metrics.meter());
    // The simple processor exports each record at once, on this thread.
    let provider = SdkLoggerProvider::builder()
        .with_simple_exporter(exporter)
        .build();
    let logger = provider.logger("test");
    for body in ["first", "second"] {
        let mut record = logger.create_log_record();
        record.set_body(body.into());
        record.set_severity_number(Severity::Info);
        logger.emit(record);
    }
    assert!(!logger.event_enabled(Severity::Info, "muted", None));
    let calls = inner.calls();
    assert!(calls.contains(&"set_resource".to_string()), "{calls:?}");
    assert_eq!(
        calls.iter().filter(|c| *c == "export 1").count(),
        2,
        "{calls:?}"
    );
    assert!(
        calls.contains(&"event_enabled muted".to_string()),
        "{calls:?}"
    );

    assert_eq!(metrics.value(LOGS_EXPORTED, &[("outcome", "ok")]), 1.0);
    assert_eq!(metrics.value(LOGS_EXPORTED, &[("outcome", "error")]), 1.0);
    assert_eq!(
        metrics.value(ERRORS, &[("code", "EXPORT_TIMEOUT"), ("signal", "logs")]),
        1.0
    );
    provider.shutdown().expect("shutdown");
    assert!(
        inner
            .calls()
            .iter()
            .any(|c| c.starts_with("shutdown_with_timeout")),
        "shutdown reaches the inner exporter"
    );
}
