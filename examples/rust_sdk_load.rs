//! Benchmark peer for `bench/run.sh` (not part of the tool): the opentelemetry-rust SDK creates
//! SPANS spans as fast as it can, each with one integer attribute like `otlp-doctor load`'s,
//! through a `BatchSpanProcessor` whose queue holds every span (so none is dropped), exported
//! by the OTLP/gRPC (tonic) exporter in batches of 512. It prints one JSON line with the spans,
//! the wall time until the last export finished, and the CPU seconds the process used.
//!
//! ATTRS (default 0) extra string attributes of SIZE bytes (default 16) go on every span, like
//! `load --attributes ATTRS --attribute-size SIZE` (bench/generation.sh sets them to match the
//! span shape of the generators it compares).
//!
//! Usage: `cargo run --release --example rust_sdk_load -- http://127.0.0.1:4317 200000 [ATTRS [SIZE]]`

use opentelemetry::trace::{Span, Tracer, TracerProvider};
use opentelemetry::{Key, KeyValue, StringValue};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Linux reports process CPU time in clock ticks of 1/100 s (`USER_HZ`) in /proc/self/stat.
const TICKS_PER_SECOND: f64 = 100.0;
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(120);

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut args = std::env::args().skip(1);
    let endpoint = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:4317".to_string());
    let spans: usize = args.next().map_or(Ok(200_000), |n| n.parse())?;
    let attributes: usize = args.next().map_or(Ok(0), |n| n.parse())?;
    let size: usize = args.next().map_or(Ok(16), |n| n.parse())?;
    // Built once and shared (reference-counted), as an app's constant attributes would be.
    let extra: Vec<KeyValue> = (0..attributes)
        .map(|i| {
            let key: Arc<str> = format!("load.attribute.{i}").into();
            let value: Arc<str> = "x".repeat(size).into();
            KeyValue::new(Key::from(key), StringValue::from(value))
        })
        .collect();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let provider = runtime.block_on(async {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build()?;
        let config = BatchConfigBuilder::default()
            .with_max_queue_size(spans)
            .with_max_export_batch_size(512)
            .with_scheduled_delay(Duration::from_millis(100))
            .build();
        let processor = BatchSpanProcessor::builder(exporter)
            .with_batch_config(config)
            .build();
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
            SdkTracerProvider::builder()
                .with_span_processor(processor)
                .build(),
        )
    })?;
    let tracer = provider.tracer("rust_sdk_load");

    let cpu_before = cpu_seconds();
    let started = Instant::now();
    for index in 0..spans {
        let mut span = tracer.start("rust sdk load");
        span.set_attribute(KeyValue::new("index", index as i64));
        if !extra.is_empty() {
            span.set_attributes(extra.iter().cloned());
        }
        span.end();
    }
    let created = started.elapsed();
    // The default shutdown allows 5 s; a queue of a million spans behind rotel's 40 ms gRPC
    // stalls needs longer, and a timed-out shutdown would leave spans unsent and uncounted.
    provider.shutdown_with_timeout(SHUTDOWN_TIMEOUT)?;
    let elapsed = started.elapsed();
    let cpu = cpu_seconds() - cpu_before;
    println!(
        "{{\"spans\": {spans}, \"create_seconds\": {:.4}, \"seconds\": {:.4}, \"cpu_seconds\": {cpu:.2}, \"spans_per_second\": {:.0}}}",
        created.as_secs_f64(),
        elapsed.as_secs_f64(),
        spans as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}

/// User + system CPU time of this process so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)`, which may contain spaces: state is field 3, utime 14, stime 15.
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / TICKS_PER_SECOND
}
