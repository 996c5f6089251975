//! `serve`: the listening line, what it prints for exports arriving over each transport (spans
//! with a lint finding, logs, metrics) and the closing summary, stopped by `--duration`.

use crate::support::snapshot::{Live, WIND_DOWN, assert_run, cli};
use serde_json::Value;
use std::time::Duration;

/// Long enough for the three sends below on a busy machine; the test waits for the exit.
const RUN_FOR: &str = "10s";

/// How long serve gets to print its listening line.
const STARTUP: Duration = Duration::from_secs(20);

/// One export per signal, one after the other so that they arrive in a fixed order.
fn send_one_of_each(grpc: &str, http: &str) {
    let sends: [&[&str]; 3] = [
        &[
            "send",
            http,
            "--signals",
            "traces",
            "--count",
            "2",
            "--attr",
            "http.method=GET",
        ],
        &["send", grpc, "--protocol", "grpc", "--signals", "logs"],
        &[
            "send",
            http,
            "--protocol",
            "http/json",
            "--signals",
            "metrics",
        ],
    ];
    for args in sends {
        let run = cli(args).run();
        assert_eq!(run.exit, Some(0), "{}", run.render());
    }
}

fn serve(format: &str) -> Live {
    Live::spawn(&[
        "serve",
        "--grpc-listen",
        "127.0.0.1:0",
        "--http-listen",
        "127.0.0.1:0",
        "--duration",
        RUN_FOR,
        "--format",
        format,
    ])
}

#[test]
fn human_view_of_one_export_per_signal() {
    let serve = serve("human");
    let hint = serve.wait_for_line(|l| l.starts_with("point your app at it:"), STARTUP);
    let endpoints: Vec<&str> = hint
        .split_whitespace()
        .filter_map(|word| word.strip_prefix("OTEL_EXPORTER_OTLP_ENDPOINT="))
        .collect();
    let [http, grpc] = endpoints[..] else {
        panic!("two endpoints in {hint}");
    };
    send_one_of_each(grpc, http);
    assert_run("serve_human", &serve.finish(WIND_DOWN));
}

#[test]
fn ndjson_of_one_export_per_signal() {
    let serve = serve("json");
    let listening: Value = serde_json::from_str(&serve.wait_for_line(|_| true, STARTUP))
        .expect("the first line is JSON");
    let address = |key: &str| {
        format!(
            "http://{}",
            listening[key].as_str().expect("a listen address")
        )
    };
    send_one_of_each(&address("grpc"), &address("http"));
    assert_run("serve_json", &serve.finish(WIND_DOWN));
}
