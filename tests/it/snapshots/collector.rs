//! `collector`: the internal metrics of the real Collector (`support::collector_peer`), an
//! unreachable health endpoint, and the config fixtures under `tests/fixtures/collector`.

use crate::support::collector_peer::CollectorPeer;
use crate::support::snapshot::{assert_run_with, cli, snapshot};
use crate::support::{Rotel, closed_port};
use std::time::Duration;

/// Counts and rates move with the traffic and the timing of the two scrapes: only their shape
/// is pinned.
const COUNTS: &[(&str, &str)] = &[
    (r"\b\d+(?:\.\d+)?/s\b", "[N]/s"),
    (
        r"\b(accepted|refused|in|out|sent|failed|dropped|enqueue failed) \d+\b",
        "${1} [N]",
    ),
    (r"\bqueue \d+/", "queue [N]/"),
];

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/collector/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn config_lint_of_the_fixtures() {
    let unused = fixture("unused.yaml");
    snapshot(
        "collector_config_unused_human",
        &["collector", "--config", &unused],
    );
    snapshot(
        "collector_config_unused_json",
        &["collector", "--config", &unused, "--format", "json"],
    );
    snapshot(
        "collector_config_unused_markdown",
        &["collector", "--config", &unused, "--format", "markdown"],
    );
    for name in [
        "clean",
        "connectors",
        "localhost-bind",
        "malformed",
        "no-batching",
        "no-memory-limiter",
        "undefined",
    ] {
        snapshot(
            &format!("collector_config_{}_human", name.replace('-', "_")),
            &["collector", "--config", &fixture(&format!("{name}.yaml"))],
        );
    }
}

#[test]
fn an_unreachable_health_endpoint() {
    let url = format!("http://{}/", closed_port());
    snapshot(
        "collector_health_unreachable_human",
        &["collector", "--health-url", &url],
    );
    snapshot(
        "collector_health_unreachable_json",
        &["collector", "--health-url", &url, "--format", "json"],
    );
}

#[test]
fn metrics_of_a_collector_exporting_to_rotel() {
    let rotel = Rotel::start();
    let otelcol = CollectorPeer::builder()
        .exporter(
            "otlp_http/rotel",
            &format!("endpoint: {}", rotel.http_url()),
        )
        .start();
    otelcol.send_logs(5).expect("the Collector takes logs");
    otelcol.wait_for_nonzero("otelcol_exporter_sent_log_records", Duration::from_secs(15));
    let url = otelcol.metrics_url();
    for (name, format) in [
        ("collector_metrics_healthy_human", "human"),
        ("collector_metrics_healthy_json", "json"),
    ] {
        let run = cli(&[
            "collector",
            "--metrics-url",
            &url,
            "--interval",
            "1s",
            "--format",
            format,
        ])
        .run();
        assert_run_with(name, &run, COUNTS);
    }
}
