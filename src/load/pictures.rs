//! `load`'s pictures: the latency distribution as a few lines of Unicode bars under the human
//! summary, and the `--report` HTML document (the summary figures, the latency histogram,
//! throughput and failures over time). Both are drawn from the [`Tally`]; the JSON document
//! is unchanged.

use super::report::{LoadReport, thousands};
use super::stats::Tally;
use crate::report::charts::{self, Kind, terminal};
use crate::report::page::{Cell, Page};
use crate::report::render::format_ms;
use std::io::{self, Write};

/// Rows of the terminal histogram: enough to see the shape, few enough to fit a screen.
const TERMINAL_BUCKETS: usize = 10;
/// Bars of the HTML histogram.
const HTML_BUCKETS: usize = 40;

/// The lines printed after the human summary: a heading and the histogram (none when no
/// request was answered).
pub fn terminal_histogram(tally: &Tally) -> Vec<String> {
    let bars = terminal::histogram(&tally.latency_buckets(TERMINAL_BUCKETS), "    ");
    if bars.is_empty() {
        return bars;
    }
    let mut lines = vec!["  distribution (answered requests by latency)".to_string()];
    lines.extend(bars);
    lines
}

/// The self-contained HTML report of a run.
pub fn render_html(report: &LoadReport, tally: &Tally, out: &mut dyn Write) -> io::Result<()> {
    let mut page = Page::new(&format!("otlp-doctor load {}", report.target.endpoint));
    page.heading(1, &format!("load {}", report.target.endpoint), None);
    let l = &report.latency_ms;
    let mut facts = vec![
        (
            "target",
            format!(
                "{} ({}, {}, compression {})",
                report.target.endpoint,
                report.target.protocol,
                report.target.signals.join(","),
                report.target.compression
            ),
        ),
        (
            "shape",
            format!(
                "batch {}, concurrency {}, rate {}",
                report.batch_size,
                report.concurrency,
                report
                    .rate
                    .map(|r| format!("{}/s", thousands(r)))
                    .unwrap_or_else(|| "unlimited".into())
            ),
        ),
        (
            "sent",
            format!(
                "{} items in {} requests over {:.2} s",
                thousands(report.sent.spans),
                thousands(report.sent.requests),
                report.duration_s
            ),
        ),
        (
            "rate",
            format!(
                "{} items/s, {:.1} requests/s",
                thousands(report.spans_per_second.round() as u64),
                report.requests_per_second
            ),
        ),
        (
            "latency",
            if l.max == 0.0 {
                "no request was answered".to_string()
            } else {
                format!(
                    "p50 {}, p90 {}, p99 {}, max {}",
                    format_ms(l.p50),
                    format_ms(l.p90),
                    format_ms(l.p99),
                    format_ms(l.max)
                )
            },
        ),
        (
            "failed",
            format!(
                "{} of {} requests ({} items)",
                thousands(report.failed.requests),
                thousands(report.attempted.requests),
                thousands(report.failed.spans)
            ),
        ),
    ];
    if report.rejected_spans > 0 {
        facts.push(("rejected", thousands(report.rejected_spans)));
    }
    if report.interrupted {
        facts.push(("interrupted", "what was measured until Ctrl-C".into()));
    }
    if let Some(stopped) = &report.stopped {
        facts.push(("stopped", stopped.clone()));
    }
    if let Some(cause) = &report.root_cause {
        facts.push(("root cause", format!("{} {}", cause.code, cause.title)));
    }
    page.facts(&facts);

    page.chart(
        "latency",
        &charts::latency(&tally.latency_buckets(HTML_BUCKETS))?,
    );
    let throughput: Vec<f64> = tally.seconds.iter().map(|s| s.items as f64).collect();
    page.chart(
        "throughput",
        &charts::over_time(
            Kind::Throughput,
            "throughput (accepted items per second)",
            "items/s",
            &throughput,
        )?,
    );
    let failures: Vec<f64> = tally
        .seconds
        .iter()
        .map(|s| s.failed_requests as f64)
        .collect();
    page.chart(
        "failures",
        &charts::over_time(
            Kind::Failures,
            "failures (failed requests per second)",
            "requests/s",
            &failures,
        )?,
    );
    if !report.failures_by_status.is_empty() {
        page.heading(2, "failures by status", None);
        let rows: Vec<Vec<Cell>> = report
            .failures_by_status
            .iter()
            .map(|(status, count)| vec![Cell::new(status), Cell::new(thousands(*count))])
            .collect();
        page.table(&["status", "requests"], &rows);
    }
    page.write(out)
}
