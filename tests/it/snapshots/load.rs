//! `load`: a tiny run against `serve`. Throughput and latency are measurements, so only the
//! shape of the output is pinned: every rate, latency and run time is filtered.

use crate::serve::Serve;
use crate::support::snapshot::{assert_run_with, cli};

const MEASUREMENTS: &[(&str, &str)] = &[
    (
        r"\b[\d,]+(?:\.\d+)? (spans|requests|items|data points|log records)/s\b",
        "[RATE] ${1}/s",
    ),
    (
        r#"("(?:duration_s|spans_per_second|requests_per_second|items_per_second|p50|p90|p99|max)":\s*)[-0-9.eE+]+"#,
        "${1}[N]",
    ),
    // The histogram's rows depend on the latencies measured: only its heading is pinned.
    (
        r"(?m)(?:^    \[DURATION\] – \[DURATION\][^\n]*(?:\n|$))+",
        "    [BARS]\n",
    ),
];

#[test]
fn a_tiny_run_over_grpc_and_http() {
    let serve = Serve::start(&[]);
    let http = [
        "load",
        &serve.http,
        "--spans",
        "200",
        "--batch-size",
        "20",
        "--concurrency",
        "2",
    ];
    assert_run_with("load_http_human", &cli(&http).run(), MEASUREMENTS);
    let grpc = [
        "load",
        &serve.grpc,
        "--protocol",
        "grpc",
        "--spans",
        "200",
        "--batch-size",
        "20",
        "--format",
        "json",
    ];
    assert_run_with("load_grpc_json", &cli(&grpc).run(), MEASUREMENTS);
}
