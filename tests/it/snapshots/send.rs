//! `send`: test telemetry with a count and attributes, against `serve`.

use crate::serve::Serve;
use crate::support::snapshot::snapshot;

#[test]
fn traces_and_logs_to_serve() {
    let serve = Serve::start(&[]);
    let send = [
        "send",
        &serve.http,
        "--signals",
        "traces,logs",
        "--count",
        "3",
        "--attr",
        "deployment.environment.name=staging",
        "--service-name",
        "snapshot-app",
    ];
    snapshot("send_traces_logs_human", &send);
    snapshot(
        "send_traces_logs_json",
        &[&send[..], &["--format", "json"]].concat(),
    );
}

#[test]
fn metrics_over_grpc_to_serve() {
    let serve = Serve::start(&[]);
    snapshot(
        "send_metrics_grpc_markdown",
        &[
            "send",
            &serve.grpc,
            "--protocol",
            "grpc",
            "--signals",
            "metrics",
            "--format",
            "markdown",
        ],
    );
}
