//! The analysis on pages shaped like what the Collector v0.135 serves (see the module docs of
//! `series` for the name variants).

use super::analysis::analyse;
use super::exposition::parse;
use super::series::Snapshot;
use crate::report::{Code, Finding, Severity};
use std::time::Duration;

fn snapshot(text: &str) -> Snapshot {
    Snapshot::from_page(&parse(text))
}

fn run(first: &str, second: &str) -> super::analysis::Analysis {
    analyse(&snapshot(first), &snapshot(second), Duration::from_secs(2))
}

fn find(findings: &[Finding], code: Code) -> &Finding {
    findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {findings:#?}"))
}

/// A healthy Collector with `_total` names (an explicitly configured reader).
fn healthy(accepted: u64, sent: u64) -> String {
    format!(
        r#"otelcol_receiver_accepted_spans_total{{receiver="otlp",transport="grpc"}} {accepted}
otelcol_receiver_refused_spans_total{{receiver="otlp",transport="grpc"}} 0
otelcol_receiver_failed_spans_total{{receiver="otlp",transport="grpc"}} 0
otelcol_processor_incoming_items_total{{otel_signal="traces",processor="memory_limiter"}} {accepted}
otelcol_processor_outgoing_items_total{{otel_signal="traces",processor="memory_limiter"}} {accepted}
otelcol_exporter_sent_spans_total{{exporter="otlp"}} {sent}
otelcol_exporter_send_failed_spans_total{{exporter="otlp"}} 0
otelcol_exporter_queue_size{{data_type="traces",exporter="otlp"}} 0
otelcol_exporter_queue_capacity{{data_type="traces",exporter="otlp"}} 1000
otelcol_process_uptime_seconds_total 12
"#
    )
}

#[test]
fn a_healthy_collector_gives_no_finding() {
    let result = run(&healthy(100, 100), &healthy(150, 150));
    assert!(result.findings.is_empty(), "{:#?}", result.findings);
    assert!(
        result
            .summary
            .contains("accepted 25.0/s, sent 25.0/s, failed 0.0/s"),
        "{}",
        result.summary
    );
    let rows: Vec<_> = result.section.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(
        rows,
        [
            "receiver otlp (traces)",
            "processor memory_limiter (traces)",
            "exporter otlp (traces)"
        ]
    );
    let exporter = &result.section.rows[2].value;
    assert_eq!(
        exporter,
        "sent 25.0/s, failed 0.0/s (totals: sent 150, failed 0); queue 0/1000"
    );
    assert_eq!(
        result.section.rows[0].source.as_deref(),
        Some("transport grpc")
    );
}

#[test]
fn old_names_work_the_same() {
    let old = |n: u64| healthy(n, n).replace("_total{", "{");
    let result = run(&old(1), &old(9));
    assert!(result.findings.is_empty(), "{:#?}", result.findings);
    assert!(
        result.summary.contains("accepted 4.0/s"),
        "{}",
        result.summary
    );
}

#[test]
fn failing_exporter_while_watching_is_an_error() {
    let first = r#"otelcol_exporter_sent_log_records_total{exporter="otlphttp/dead"} 0
otelcol_exporter_send_failed_log_records_total{exporter="otlphttp/dead"} 10
"#;
    let second = first.replace("} 10", "} 15");
    let result = run(first, &second);
    let finding = find(&result.findings, Code::ColExporterSendFailed);
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(
        finding.title,
        "exporter 'otlphttp/dead' is failing to send log records"
    );
    assert_eq!(
        finding.evidence[0],
        r#"otelcol_exporter_send_failed_log_records_total{exporter="otlphttp/dead"}: +5 in 2.0s (total 15)"#
    );
    assert!(finding.fix.iter().any(|f| f.contains("otlphttp/dead")));
}

#[test]
fn past_send_failures_are_data_lost_too() {
    let page = r#"otelcol_exporter_sent_spans{exporter="otlp"} 100
otelcol_exporter_send_failed_spans{exporter="otlp"} 3
"#;
    let result = run(page, page);
    let finding = find(&result.findings, Code::ColExporterSendFailed);
    assert_eq!(finding.severity, Severity::Error);
    assert!(finding.title.contains("before the first sample"));
}

#[test]
fn refused_at_the_receiver() {
    let first = r#"otelcol_receiver_accepted_metric_points{receiver="otlp",transport="http"} 10
otelcol_receiver_refused_metric_points{receiver="otlp",transport="http"} 0
"#;
    let second = r#"otelcol_receiver_accepted_metric_points{receiver="otlp",transport="http"} 12
otelcol_receiver_refused_metric_points{receiver="otlp",transport="http"} 40
"#;
    let result = run(first, second);
    let finding = find(&result.findings, Code::ColReceiverRefused);
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(finding.title, "receiver 'otlp' is refusing metric points");
    assert!(
        finding.evidence[0].contains("+40 in 2.0s (total 40)"),
        "{:?}",
        finding.evidence
    );
}

#[test]
fn queue_full_and_nearly_full() {
    let page = |size: u64, enqueue_failed: u64| {
        format!(
            r#"otelcol_exporter_queue_size{{data_type="traces",exporter="otlp"}} {size}
otelcol_exporter_queue_capacity{{data_type="traces",exporter="otlp"}} 100
otelcol_exporter_enqueue_failed_spans{{exporter="otlp"}} {enqueue_failed}
otelcol_exporter_sent_spans{{exporter="otlp"}} 0
"#
        )
    };
    let result = run(&page(91, 0), &page(95, 0));
    let finding = find(&result.findings, Code::ColQueueFull);
    assert_eq!(finding.severity, Severity::Warning);
    assert!(
        finding
            .evidence
            .iter()
            .any(|e| e.contains("= 95 of") && e.contains("(95%)")),
        "{:?}",
        finding.evidence
    );

    let result = run(&page(100, 5), &page(100, 25));
    let finding = find(&result.findings, Code::ColQueueFull);
    assert_eq!(finding.severity, Severity::Error);
    assert!(finding.title.contains("is dropping spans"));
    assert_eq!(
        result
            .findings
            .iter()
            .filter(|f| f.code == Code::ColQueueFull)
            .count(),
        1
    );
}

#[test]
fn queue_gauges_without_data_type() {
    let page = r#"otelcol_exporter_queue_size{exporter="otlp"} 1000
otelcol_exporter_queue_capacity{exporter="otlp"} 1000
"#;
    let result = run(page, page);
    let finding = find(&result.findings, Code::ColQueueFull);
    assert_eq!(finding.severity, Severity::Error);
}

#[test]
fn processors_dropping() {
    // The memory limiter refusing, and a deprecated dropped counter.
    let first = r#"otelcol_processor_memory_limiter_refused_spans_total{processor="memory_limiter"} 0
otelcol_processor_dropped_log_records{processor="attributes"} 7
"#;
    let second = r#"otelcol_processor_memory_limiter_refused_spans_total{processor="memory_limiter"} 30
otelcol_processor_dropped_log_records{processor="attributes"} 7
"#;
    let result = run(first, second);
    let dropped: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.code == Code::ColProcessorDropped)
        .collect();
    assert_eq!(dropped.len(), 2, "{dropped:#?}");
    let limiter = dropped
        .iter()
        .find(|f| f.title.contains("memory_limiter"))
        .unwrap();
    assert_eq!(limiter.severity, Severity::Error);
    let attributes = dropped
        .iter()
        .find(|f| f.title.contains("attributes"))
        .unwrap();
    assert_eq!(attributes.severity, Severity::Warning);
}

#[test]
fn incoming_outgoing_deficit() {
    let page = |kind: &str, incoming: u64, outgoing: u64| {
        format!(
            r#"otelcol_processor_incoming_items_total{{otel_signal="traces",processor="{kind}"}} {incoming}
otelcol_processor_outgoing_items_total{{otel_signal="traces",processor="{kind}"}} {outgoing}
"#
        )
    };
    let result = run(&page("transform", 10, 10), &page("transform", 30, 20));
    let finding = find(&result.findings, Code::ColProcessorDropped);
    assert_eq!(finding.severity, Severity::Warning);
    assert!(
        finding.evidence[0].contains("difference 10"),
        "{:?}",
        finding.evidence
    );

    // A filter drops by design: information only.
    let result = run(
        &page("filter/health", 10, 5),
        &page("filter/health", 30, 15),
    );
    assert_eq!(
        find(&result.findings, Code::ColProcessorDropped).severity,
        Severity::Info
    );

    // No deficit, no finding.
    let result = run(&page("transform", 10, 10), &page("transform", 30, 30));
    assert!(result.findings.is_empty());
}

#[test]
fn counter_reset_counts_from_zero() {
    let first = r#"otelcol_exporter_send_failed_spans{exporter="otlp"} 100
"#;
    let second = r#"otelcol_exporter_send_failed_spans{exporter="otlp"} 4
"#;
    let result = run(first, second);
    let finding = find(&result.findings, Code::ColExporterSendFailed);
    assert!(
        finding.evidence[0].contains("+4 in 2.0s (total 4)"),
        "{:?}",
        finding.evidence
    );
}

#[test]
fn nothing_moving_is_said_in_the_summary() {
    let result = run(
        "otelcol_process_uptime_seconds_total 1\n",
        "otelcol_process_uptime_seconds_total 3\n",
    );
    assert!(result.findings.is_empty());
    assert!(
        result.summary.contains("no data moved"),
        "{}",
        result.summary
    );
}

/// What the real otelcol-contrib 0.135 served with a reader configured and an otlphttp
/// exporter pointing at a closed port (recorded while building this module, trimmed).
const REAL_FAILING_PAGE: &str = r#"# HELP otelcol_exporter_queue_capacity Fixed capacity of the retry queue (in batches). [alpha]
# TYPE otelcol_exporter_queue_capacity gauge
otelcol_exporter_queue_capacity{data_type="logs",exporter="otlphttp",otel_scope_name="go.opentelemetry.io/collector/exporter/exporterhelper",otel_scope_version=""} 1000
otelcol_exporter_queue_size{data_type="logs",exporter="otlphttp",otel_scope_name="go.opentelemetry.io/collector/exporter/exporterhelper",otel_scope_version=""} 0
otelcol_exporter_send_failed_log_records_total{exporter="otlphttp",otel_scope_name="go.opentelemetry.io/collector/exporter/exporterhelper",otel_scope_version=""} 10
otelcol_exporter_sent_log_records_total{exporter="otlphttp",otel_scope_name="go.opentelemetry.io/collector/exporter/exporterhelper",otel_scope_version=""} 0
otelcol_processor_incoming_items_total{otel_signal="logs",otel_scope_name="go.opentelemetry.io/collector/processor/processorhelper",otel_scope_version="",processor="memory_limiter"} 10
otelcol_processor_outgoing_items_total{otel_signal="logs",otel_scope_name="go.opentelemetry.io/collector/processor/processorhelper",otel_scope_version="",processor="memory_limiter"} 10
otelcol_receiver_accepted_log_records_total{otel_scope_name="go.opentelemetry.io/collector/receiver/receiverhelper",otel_scope_version="",receiver="filelog",transport=""} 10
otelcol_receiver_refused_log_records_total{otel_scope_name="go.opentelemetry.io/collector/receiver/receiverhelper",otel_scope_version="",receiver="filelog",transport=""} 0
target_info{service_instance_id="21f948a8",service_name="otelcontribcol",service_version="0.135.0-dev"} 1
"#;

#[test]
fn the_real_page_of_a_failing_exporter() {
    // Five more log records arrived and failed, passing the memory limiter.
    let second = REAL_FAILING_PAGE.replace("} 10\n", "} 15\n");
    let result = run(REAL_FAILING_PAGE, &second);
    assert_eq!(result.findings.len(), 1, "{:#?}", result.findings);
    let finding = &result.findings[0];
    assert_eq!(finding.code, Code::ColExporterSendFailed);
    assert_eq!(finding.severity, Severity::Error);
    assert!(
        result
            .section
            .rows
            .iter()
            .any(|r| r.key == "receiver filelog (logs)")
    );
}
