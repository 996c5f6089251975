//! Exports a few spans, one metric and two log records with the OpenTelemetry Rust SDK and
//! `opentelemetry-otlp`, whose builders pick the transport (tonic gRPC or HTTP protobuf) from
//! `OTEL_EXPORTER_OTLP_*_PROTOCOL`, then prints one JSON line saying what was sent and whether
//! the SDK reported an export as failed: the flush and shutdown results, and the SDK's own
//! warnings and errors (its internal logs, emitted as `tracing` events). With `SOAK_SPANS` set
//! it is a soak sender instead (see `soak.rs`).

mod soak;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use opentelemetry::KeyValue;
use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::{TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry_otlp::{LogExporter, MetricExporter, SpanExporter};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::{Layer, Registry};

const CHILD_SPANS: usize = 2;
const LOG_RECORDS: usize = 2;
const SCOPE: &str = "otlp-doctor-sdk-client";

/// Keeps the text of every WARN or ERROR event the SDK emits. An ERROR (the processors'
/// `*.ExportError`) is where a failed batch export is reported when no caller is waiting for its
/// result; a WARN is not a failure (a retried attempt, or a bad value ignored: "Ignoring value
/// 'zip' for OTEL_EXPORTER_OTLP_COMPRESSION") but carries the details, so it is kept too.
#[derive(Clone, Default)]
struct ErrorLog(Arc<Mutex<Log>>);

#[derive(Default)]
struct Log {
    messages: Vec<String>,
    failed: bool,
}

impl ErrorLog {
    pub(crate) fn add(&self, text: String, failure: bool) {
        let mut log = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        log.failed |= failure;
        if !log.messages.contains(&text) {
            log.messages.push(text);
        }
    }

    /// The messages, when something failed.
    pub(crate) fn failure(&self) -> Option<String> {
        let log = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        log.failed.then(|| log.messages.join("\n"))
    }
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let separator = if self.0.is_empty() { "" } else { " " };
        let _ = write!(self.0, "{separator}{}={value:?}", field.name());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let separator = if self.0.is_empty() { "" } else { " " };
        let _ = write!(self.0, "{separator}{}={value}", field.name());
    }
}

impl<S: tracing::Subscriber> Layer<S> for ErrorLog {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if *event.metadata().level() > tracing::Level::WARN {
            return;
        }
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        let failure = *event.metadata().level() == tracing::Level::ERROR;
        self.add(
            format!("{}: {}", event.metadata().target(), fields.0),
            failure,
        );
    }
}

/// The protocol `SpanExporter::builder().build()` resolves: signal variable, general variable,
/// then the feature default (http/protobuf here, as `http-proto` is enabled).
fn traces_protocol() -> String {
    [
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ]
    .iter()
    .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    .map_or_else(|| "http/protobuf".to_string(), |v| v.trim().to_string())
}

fn traces_endpoint() -> Option<String> {
    [
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    ]
    .iter()
    .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
}

fn sdk_version() -> String {
    Resource::builder()
        .build()
        .get(&opentelemetry::Key::from_static_str(
            "telemetry.sdk.version",
        ))
        .map(|value| value.to_string())
        .unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let errors = ErrorLog::default();
    if let Err(e) =
        tracing::subscriber::set_global_default(Registry::default().with(errors.clone()))
    {
        eprintln!("sdk-client-rust: cannot install the log capture: {e}");
        std::process::exit(2);
    }
    let protocol = traces_protocol();
    let built = (
        SpanExporter::builder().build(),
        MetricExporter::builder().build(),
        LogExporter::builder().build(),
    );
    let (spans, metrics, logs) = match built {
        (Ok(spans), Ok(metrics), Ok(logs)) => (spans, metrics, logs),
        (spans, metrics, logs) => {
            let reasons = [
                spans.err().map(|e| e.to_string()),
                metrics.err().map(|e| e.to_string()),
                logs.err().map(|e| e.to_string()),
            ];
            eprintln!(
                "sdk-client-rust: cannot build the exporters: {}",
                reasons.into_iter().flatten().collect::<Vec<_>>().join("; ")
            );
            std::process::exit(2);
        }
    };
    let exporter = if protocol == "grpc" {
        "opentelemetry-otlp/grpc-tonic"
    } else {
        "opentelemetry-otlp/http-proto"
    };

    if std::env::var_os("SOAK_SPANS").is_some() {
        let line = soak::run(spans, &errors).await;
        let mut line = line.unwrap_or_else(|e| {
            eprintln!("sdk-client-rust: {e}");
            std::process::exit(2);
        });
        line["sdk_version"] = json!(sdk_version());
        line["exporter"] = json!(exporter);
        line["protocol"] = json!(protocol);
        line["endpoint"] = json!(traces_endpoint());
        println!("{line}");
        return;
    }

    let tracer_provider = SdkTracerProvider::builder()
        .with_batch_exporter(spans)
        .build();
    let meter_provider = SdkMeterProvider::builder()
        .with_periodic_exporter(metrics)
        .build();
    let logger_provider = SdkLoggerProvider::builder()
        .with_batch_exporter(logs)
        .build();

    let tracer = tracer_provider.tracer(SCOPE);
    let trace_id = tracer.in_span("parent", |cx| {
        for index in 0..CHILD_SPANS {
            tracer.in_span(format!("child-{index}"), |_| {});
        }
        cx.span().span_context().trace_id().to_string()
    });

    let counter = meter_provider
        .meter(SCOPE)
        .u64_counter("sdk_client.exports")
        .build();
    counter.add(1, &[KeyValue::new("sdk", "rust")]);

    let logger = logger_provider.logger(SCOPE);
    for index in 0..LOG_RECORDS {
        let mut record = logger.create_log_record();
        record.set_severity_number(Severity::Info);
        record.set_severity_text("INFO");
        record.set_body(format!("log-{index}").into());
        logger.emit(record);
    }

    // Flush first: its result is the export's own; shutdown then has nothing left to send.
    // Metrics are exported once, by shutdown: a flush first would send the cumulative sum twice.
    let results = [
        ("traces flush", tracer_provider.force_flush()),
        ("logs flush", logger_provider.force_flush()),
        ("traces shutdown", tracer_provider.shutdown()),
        ("metrics shutdown", meter_provider.shutdown()),
        ("logs shutdown", logger_provider.shutdown()),
    ];
    for (what, result) in results {
        if let Err(e) = result {
            errors.add(format!("{what}: {e}"), true);
        }
    }

    let error = errors.failure();
    let line = json!({
        "sdk": "rust",
        "sdk_version": sdk_version(),
        "exporter": exporter,
        "protocol": protocol,
        "endpoint": traces_endpoint(),
        "sent": {"spans": CHILD_SPANS + 1, "metrics": 1, "logs": LOG_RECORDS},
        "ok": error.is_none(),
        "error": error,
        "trace_id": trace_id,
    });
    println!("{line}");
}
