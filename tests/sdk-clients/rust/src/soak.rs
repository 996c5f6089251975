//! The soak sender (bench/soak.sh, tests/it/soak.rs): `SOAK_SPANS` spans, each with the
//! attributes `soak.sender` (`SOAK_SENDER`) and `soak.seq` (0 to `SOAK_SPANS`-1), through the
//! SDK's batch span processor and the exporter's default retry policy, made in chunks of
//! `SOAK_CHUNK` (default 2048, the default queue size) each followed by a flush, so the queue
//! never overflows: a span missing at the far end was lost after the SDK exported it, or the SDK
//! reported the failure. `SOAK_SECONDS` paces the chunks evenly over that many seconds (a sender
//! that cannot keep up goes as fast as it can), so every sender is running mid-soak.

use std::time::{Duration, Instant};

use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry_otlp::SpanExporter;
use opentelemetry_sdk::trace::SdkTracerProvider;
use serde_json::{Value, json};

use crate::ErrorLog;

fn positive(name: &str, default: usize) -> Result<usize, String> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(text) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{name}={text:?} is not a positive number")),
    }
}

/// Sends the spans, shuts the provider down and returns the JSON line (without the fields the
/// caller knows: version, exporter, protocol, endpoint).
pub(crate) async fn run(exporter: SpanExporter, errors: &ErrorLog) -> Result<Value, String> {
    let spans = positive("SOAK_SPANS", 1)?;
    let chunk = positive("SOAK_CHUNK", 2048)?;
    let sender = std::env::var("SOAK_SENDER").unwrap_or_else(|_| "rust-0".into());
    let seconds = match std::env::var("SOAK_SECONDS") {
        Err(_) => 0.0,
        Ok(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| *s >= 0.0)
            .ok_or_else(|| format!("SOAK_SECONDS={text:?} is not a number of seconds"))?,
    };
    let started = Instant::now();
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .build();
    let tracer = provider.tracer(crate::SCOPE);
    let mut flush_failures = 0u64;
    let mut trace_id = None;
    for seq in 0..spans {
        let mut span = tracer.start("soak");
        span.set_attribute(KeyValue::new("soak.sender", sender.clone()));
        span.set_attribute(KeyValue::new("soak.seq", seq as i64));
        span.end();
        trace_id.get_or_insert_with(|| span.span_context().trace_id().to_string());
        if (seq + 1) % chunk == 0 || seq + 1 == spans {
            // The batch processor's flush blocks; keep it off the runtime's workers.
            let flushing = provider.clone();
            let flushed = tokio::task::spawn_blocking(move || flushing.force_flush())
                .await
                .map_err(|e| e.to_string())?;
            if let Err(e) = flushed {
                flush_failures += 1;
                errors.add(format!("traces flush: {e}"), true);
            }
            let due = started + Duration::from_secs_f64((seq + 1) as f64 / spans as f64 * seconds);
            tokio::time::sleep_until(due.into()).await;
        }
    }
    if let Err(e) = provider.shutdown() {
        errors.add(format!("traces shutdown: {e}"), true);
    }
    let error = errors.failure();
    Ok(json!({
        "sdk": "rust",
        "sent": {"spans": spans, "metrics": 0, "logs": 0},
        "ok": error.is_none(),
        "error": error,
        "trace_id": trace_id.unwrap_or_default(),
        "soak": {"sender": sender, "seconds": started.elapsed().as_secs_f64(), "flush_failures": flush_failures},
    }))
}
