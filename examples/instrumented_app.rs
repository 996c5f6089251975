//! An application instrumented with opentelemetry-rust 0.33 the way `docs/library.md` recommends:
//! a startup self-test with [`otlp_doctor::diagnose_from_env_with`], an OTLP span exporter
//! wrapped in [`DoctorSpanExporter`] (self-metrics and a finding code per failed export),
//! `tracing` spans through `tracing-opentelemetry`, and a shutdown that flushes everything.
//!
//! Configure it as any OpenTelemetry application, through the environment:
//!
//! ```text
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
//! OTEL_SERVICE_NAME=checkout cargo run --example instrumented_app
//! ```
//!
//! Without `OTEL_EXPORTER_OTLP_PROTOCOL=grpc` it sends OTLP/HTTP (protobuf) to
//! `http://localhost:4318`. It prints the self-test's verdict and root cause on stdout; the
//! exporter wrapper's warnings and the SDK's own errors go to stderr. It exits 0 even when the
//! telemetry cannot be delivered: an unreachable collector must not take the application down.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{KeyValue, global};
use opentelemetry_otlp::{MetricExporter, SpanExporter};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use otlp_doctor::DiagnoseOptions;
use otlp_doctor::sdk::{DoctorSpanExporter, default_meter};
use otlp_doctor::settings::Signal;
use std::error::Error;
use std::io::IsTerminal as _;
use std::time::Duration;
use tracing::Instrument as _;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

/// Used when neither `OTEL_SERVICE_NAME` nor `service.name` in `OTEL_RESOURCE_ATTRIBUTES` is set.
const DEFAULT_SERVICE_NAME: &str = "instrumented-app";
/// Requests the demo "handles", each one span with a child span.
const REQUESTS: u64 = 3;

type AnyError = Box<dyn Error + Send + Sync>;

// The default `#[tokio::main]` runtime is multi-threaded. The gRPC (tonic) exporter must be
// built inside a tokio runtime, and it needs runtime threads free while the SDK's batch
// processor (its own OS thread) waits for an export: with a current-thread runtime, a blocking
// `shutdown()` or `force_flush()` called from the runtime's only thread waits for a tonic task
// that can never run, and the application hangs.
#[tokio::main]
async fn main() -> Result<(), AnyError> {
    // 1. Self-test, before any telemetry is set up: the same diagnosis `otlp-doctor check`
    //    makes, from this process's OTEL_* variables. It prints nothing itself and never panics.
    let report = otlp_doctor::diagnose_from_env_with(DiagnoseOptions {
        signals: vec![Signal::Traces, Signal::Metrics],
        ..DiagnoseOptions::default()
    })
    .await;
    println!("self-test: verdict {}", report.verdict.as_str());
    match report.root_cause() {
        Some(cause) => println!(
            "self-test: root cause {}: {} (run `otlp-doctor explain {}`)",
            cause.code, cause.title, cause.code
        ),
        None => println!("self-test: no root cause"),
    }

    // 2. The providers. Keep the handles: they are what flushes and shuts down at the end.
    let resource = resource();
    let meter_provider = SdkMeterProvider::builder()
        .with_resource(resource.clone())
        .with_periodic_exporter(metric_exporter()?)
        .build();
    // Before the wrapper is built: instruments made from the global meter before a provider is
    // set stay no-ops for good.
    global::set_meter_provider(meter_provider.clone());
    let span_exporter = DoctorSpanExporter::with_meter(span_exporter()?, &default_meter());
    let tracer_provider = SdkTracerProvider::builder()
        .with_resource(resource)
        .with_batch_exporter(span_exporter)
        .build();
    global::set_tracer_provider(tracer_provider.clone());

    // 3. `tracing` → OpenTelemetry for this application's own spans only (the SDK, tonic and
    //    hyper log through `tracing` too, and their events must not become telemetry), and
    //    warnings (the wrapper's failure lines, the SDK's export errors) to stderr.
    let otel_layer = tracing_opentelemetry::layer()
        .with_tracer(tracer_provider.tracer("instrumented_app"))
        .with_filter(Targets::new().with_target("instrumented_app", LevelFilter::TRACE));
    let stderr_layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(LevelFilter::WARN);
    tracing_subscriber::registry()
        .with(otel_layer)
        .with(stderr_layer)
        .init();

    // 4. The application's work.
    for id in 0..REQUESTS {
        handle_request(id)
            .instrument(tracing::info_span!("handle_request", request.id = id))
            .await;
    }
    global::meter("instrumented_app")
        .u64_counter("app.requests")
        .build()
        .add(REQUESTS, &[KeyValue::new("route", "/checkout")]);

    // 5. Shut down, which exports what the batch processor and the metric reader still hold
    //    (no `force_flush()` needed first: that is for processes that keep running, or are
    //    frozen between requests as in FaaS). Both calls block until the export is done or
    //    fails, so they run on a blocking thread, never on a runtime worker. The tracer
    //    provider goes first: its last exports still record into the meter provider.
    //    Skipping this (returning early, `std::process::exit`) loses the last batch.
    tokio::task::spawn_blocking(move || {
        if let Err(error) = tracer_provider.shutdown() {
            eprintln!("tracer provider shutdown: {error}");
        }
        if let Err(error) = meter_provider.shutdown() {
            eprintln!("meter provider shutdown: {error}");
        }
    })
    .await?;
    println!("shutdown: done");
    Ok(())
}

async fn handle_request(id: u64) {
    tracing::info!(request.id = id, "handling request");
    async { tokio::time::sleep(Duration::from_millis(5)).await }
        .instrument(tracing::info_span!(
            "query_db",
            db.system.name = "postgresql"
        ))
        .await;
}

/// `Resource::builder()` reads `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`
/// (`Resource::builder_empty()` would ignore both); a name set in code would override them, so
/// the default is set only when the environment has none.
fn resource() -> Resource {
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    let configured = !env("OTEL_SERVICE_NAME").is_empty()
        || env("OTEL_RESOURCE_ATTRIBUTES").contains("service.name=");
    let builder = Resource::builder();
    if configured {
        builder.build()
    } else {
        builder.with_service_name(DEFAULT_SERVICE_NAME).build()
    }
}

/// `OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, says `grpc`.
/// `.with_tonic()` ignores the variable, so the transport must be chosen here.
fn wants_grpc(signal: &str) -> bool {
    [
        format!("OTEL_EXPORTER_OTLP_{signal}_PROTOCOL"),
        "OTEL_EXPORTER_OTLP_PROTOCOL".into(),
    ]
    .iter()
    .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    .is_some_and(|protocol| protocol.trim().eq_ignore_ascii_case("grpc"))
}

/// Endpoint, headers, timeout and compression come from the OTEL_EXPORTER_OTLP_* variables.
fn span_exporter() -> Result<SpanExporter, AnyError> {
    let builder = SpanExporter::builder();
    Ok(if wants_grpc("TRACES") {
        builder.with_tonic().build()?
    } else {
        builder.with_http().build()?
    })
}

fn metric_exporter() -> Result<MetricExporter, AnyError> {
    let builder = MetricExporter::builder();
    Ok(if wants_grpc("METRICS") {
        builder.with_tonic().build()?
    } else {
        builder.with_http().build()?
    })
}
