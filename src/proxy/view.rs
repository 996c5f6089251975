//! What the proxy shows, live: `serve`'s view of every batch that passes (human or NDJSON),
//! then one line per export with the upstream's answer, its round trip and whether the app was
//! retrying; the findings the answers map to; and the summary of arrived versus accepted.

use super::exchange::{Exchange, Fate};
use super::summary::ProxySummary;
use crate::otlp::client::{Outcome, PartialSuccess};
use crate::otlp::rpc::grpc_code_name;
use crate::printer::Printer;
use crate::report::Finding;
use crate::serve::sink::{HumanSink, NdjsonSink, Sink};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::net::SocketAddr;

/// Where the proxy listens and where it forwards to.
pub struct ProxyListening<'a> {
    pub grpc: SocketAddr,
    pub http: SocketAddr,
    pub metrics: Option<SocketAddr>,
    pub grpc_upstream: &'a str,
    pub http_upstream: &'a str,
}

/// The events of a proxy session, in order: listening once, then exchanges and findings, the
/// summary at the end.
pub trait ProxySink: Send {
    fn listening(&mut self, listening: &ProxyListening<'_>);
    fn exchange(&mut self, exchange: &Exchange, code: Option<&str>);
    fn finding(&mut self, finding: &Finding);
    fn summary(&mut self, summary: &ProxySummary);
}

/// The human view: `serve`'s batch view, an answer line per export.
pub struct HumanProxySink<'p> {
    printer: &'p Printer,
    batches: HumanSink<'p>,
}

impl<'p> HumanProxySink<'p> {
    pub fn new(printer: &'p Printer) -> Self {
        HumanProxySink {
            printer,
            batches: HumanSink::new(printer),
        }
    }
}

impl ProxySink for HumanProxySink<'_> {
    fn listening(&mut self, l: &ProxyListening<'_>) {
        let mut out = format!(
            "proxy: OTLP/gRPC on http://{} → {}, OTLP/HTTP on http://{} → {}\n",
            l.grpc, l.grpc_upstream, l.http, l.http_upstream
        );
        let _ = writeln!(
            out,
            "point your app at it: OTEL_EXPORTER_OTLP_ENDPOINT=http://{} (http/protobuf) or OTEL_EXPORTER_OTLP_ENDPOINT=http://{} OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
            l.http, l.grpc
        );
        if let Some(metrics) = l.metrics {
            let _ = writeln!(out, "metrics: http://{metrics}/metrics");
        }
        out.push_str("Ctrl-C drains what is in flight and prints what arrived and what the upstream accepted\n");
        self.printer.block(&out);
    }

    fn exchange(&mut self, exchange: &Exchange, code: Option<&str>) {
        if let Some(received) = &exchange.received {
            self.batches.batch(received);
        }
        let mut line = format!(
            "{} {} {} {} ({} bytes)",
            if exchange.succeeded() { "→" } else { "✗" },
            exchange.signal.map_or("-", |s| s.as_str()),
            exchange.protocol,
            if exchange.fate == Fate::NotOtlp {
                exchange.path.clone()
            } else {
                format!("{} items", exchange.items())
            },
            exchange.request_bytes,
        );
        let _ = write!(line, " → {}", answer_words(exchange));
        if exchange.fate != Fate::NotOtlp {
            let _ = write!(
                line,
                " in {:.1} ms",
                exchange.round_trip.as_secs_f64() * 1000.0
            );
        }
        if exchange.retry {
            line.push_str(" [retry of an earlier payload]");
        }
        if let Some(code) = code {
            let _ = write!(line, " [{code}]");
        }
        self.printer.line(&line);
    }

    fn finding(&mut self, finding: &Finding) {
        self.batches.finding(finding);
    }

    fn summary(&mut self, summary: &ProxySummary) {
        // The exports-only view decodes nothing, so it has no per-service totals to show.
        let items_seen = summary.arrived.requests > 0 || summary.signals.is_empty();
        if items_seen {
            self.batches.summary(&summary.arrived);
        }
        let mut out = String::from("upstream\n");
        if summary.signals.is_empty() {
            out.push_str("  no export arrived\n");
        }
        for (signal, t) in &summary.signals {
            let _ = writeln!(
                out,
                "  {signal}: {} requests, {} items arrived, {} accepted upstream, {} rejected (partial success), {} requests refused, {} unanswered, {} injected, {} retries",
                t.requests,
                t.items,
                t.accepted_items,
                t.rejected_items,
                t.refused,
                t.failed,
                t.injected,
                t.retries
            );
        }
        for (code, count) in &summary.upstream_findings {
            let _ = writeln!(out, "  {code} ×{count}");
        }
        if summary.not_otlp > 0 {
            let _ = writeln!(out, "  {} requests were not OTLP exports", summary.not_otlp);
        }
        self.printer.block(&out);
    }
}

/// NDJSON: `serve`'s item lines, then one `export` object per request.
pub struct NdjsonProxySink<'p> {
    printer: &'p Printer,
    batches: NdjsonSink<'p>,
}

impl<'p> NdjsonProxySink<'p> {
    pub fn new(printer: &'p Printer) -> Self {
        NdjsonProxySink {
            printer,
            batches: NdjsonSink::new(printer),
        }
    }
}

impl ProxySink for NdjsonProxySink<'_> {
    fn listening(&mut self, l: &ProxyListening<'_>) {
        self.printer.json_line(&json!({
            "kind": "listening",
            "grpc": l.grpc.to_string(),
            "http": l.http.to_string(),
            "grpc_url": format!("http://{}", l.grpc),
            "http_url": format!("http://{}", l.http),
            "metrics": l.metrics.map(|m| format!("http://{m}/metrics")),
            "grpc_upstream": l.grpc_upstream,
            "http_upstream": l.http_upstream,
        }));
    }

    fn exchange(&mut self, exchange: &Exchange, code: Option<&str>) {
        if let Some(received) = &exchange.received {
            self.batches.batch(received);
        }
        self.printer.json_line(&export_line(exchange, code));
    }

    fn finding(&mut self, finding: &Finding) {
        self.batches.finding(finding);
    }

    fn summary(&mut self, summary: &ProxySummary) {
        let mut value = serde_json::to_value(summary).unwrap_or_default();
        if let Value::Object(map) = &mut value {
            map.insert("kind".into(), Value::from("summary"));
        }
        self.printer.json_line(&value);
    }
}

/// The `export` object of the NDJSON stream.
pub fn export_line(exchange: &Exchange, code: Option<&str>) -> Value {
    let upstream = match &exchange.outcome {
        Some(Outcome::Grpc {
            code,
            message,
            retry_delay,
            partial,
        }) => json!({
            "grpc_status": grpc_code_name(*code),
            "message": message,
            "retry_delay_ms": retry_delay.map(|d| d.as_millis() as u64),
            "partial_success": partial.as_ref().map(|p| json!({"rejected": p.rejected, "message": p.message})),
        }),
        Some(Outcome::Http {
            status,
            body_excerpt,
            retry_after,
            partial,
            ..
        }) => json!({
            "http_status": status,
            "message": if (200..300).contains(status) { "" } else { body_excerpt.as_str() },
            "retry_after": retry_after,
            "partial_success": partial.as_ref().map(|p| json!({"rejected": p.rejected, "message": p.message})),
        }),
        Some(Outcome::Transport {
            error, timed_out, ..
        }) => {
            json!({"error": error, "timed_out": timed_out})
        }
        None => Value::Null,
    };
    json!({
        "kind": "export",
        "signal": exchange.signal.map(|s| s.as_str()),
        "transport": exchange.protocol.as_str(),
        "path": exchange.path,
        "items": exchange.items(),
        "request_bytes": exchange.request_bytes,
        "fate": exchange.fate.as_str(),
        "upstream": upstream,
        "accepted_items": exchange.accepted_items(),
        "round_trip_ms": exchange.round_trip.as_secs_f64() * 1000.0,
        "retry": exchange.retry,
        "code": code,
    })
}

/// The upstream's answer in a few words.
fn answer_words(exchange: &Exchange) -> String {
    match (&exchange.fate, &exchange.outcome) {
        (Fate::NotOtlp, _) => "not an OTLP export; answered without forwarding".into(),
        (Fate::Injected, _) => "refused by an injected fault, not forwarded".into(),
        (
            _,
            Some(Outcome::Grpc {
                code,
                message,
                retry_delay,
                partial,
            }),
        ) => {
            let mut words = format!("upstream {}", grpc_code_name(*code));
            if !message.is_empty() {
                let _ = write!(words, " \"{message}\"");
            }
            if let Some(delay) = retry_delay {
                let _ = write!(words, " (RetryInfo {delay:?})");
            }
            with_partial(words, partial.as_ref())
        }
        (
            _,
            Some(Outcome::Http {
                status,
                body_excerpt,
                retry_after,
                partial,
                ..
            }),
        ) => {
            let mut words = format!("upstream {status}");
            if !(200..300).contains(status) && !body_excerpt.is_empty() {
                let _ = write!(words, " \"{body_excerpt}\"");
            }
            if let Some(after) = retry_after {
                let _ = write!(words, " (Retry-After: {after})");
            }
            with_partial(words, partial.as_ref())
        }
        (_, Some(Outcome::Transport { error, .. })) => {
            format!("no answer from the upstream ({error}); the app was told to retry")
        }
        (_, None) => "no answer".into(),
    }
}

fn with_partial(mut words: String, partial: Option<&PartialSuccess>) -> String {
    if let Some(p) = partial {
        let _ = write!(
            words,
            " partial success: {} rejected \"{}\"",
            p.rejected, p.message
        );
    }
    words
}
