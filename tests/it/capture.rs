//! Captures end to end: `serve --save` keeps what the real Python SDK sent as OTLP JSON lines,
//! `serve --open` shows the same spans again (and in the web view, in a real Chromium), and
//! `send --replay` delivers them to another receiver, or names why it cannot; a file that is not a
//! capture is refused with its line.

use crate::sdk_clients::otel_env;
use crate::serve::Serve;
use crate::support::browser::Browser;
use crate::support::live_process::LiveProcess;
use crate::support::otlp_doctor;
use crate::support::sdk_clients::{SDK_CLIENT_TIMEOUT, SdkClient};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

const PRINTED: Duration = Duration::from_secs(10);

/// (trace id, span id, name) of every span line.
fn spans(lines: &[Value]) -> BTreeSet<(String, String, String)> {
    lines
        .iter()
        .filter(|l| l["kind"] == "span")
        .map(|l| {
            let text = |key: &str| l[key].as_str().unwrap_or_default().to_string();
            (text("trace_id"), text("span_id"), text("name"))
        })
        .collect()
}

/// The lines `serve --open FILE --format json` prints.
fn opened(path: &Path) -> Vec<Value> {
    let output = otlp_doctor()
        .args(["serve", "--format", "json", "--open"])
        .arg(path)
        .output()
        .expect("serve --open runs");
    assert!(output.status.success(), "{output:?}");
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("NDJSON"))
        .collect();
    lines
        .iter()
        .for_each(crate::support::schema::assert_valid_serve_line);
    lines
}

/// `send ARGS --format json --replay CAPTURE`: its exit code and JSON report.
fn replay_report(args: &[&str], capture: &Path) -> (Option<i32>, Value) {
    let output = otlp_doctor()
        .arg("send")
        .args(args)
        .args(["--format", "json", "--replay"])
        .arg(capture)
        .output()
        .expect("send --replay runs");
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {output:?}"));
    (output.status.code(), report)
}

#[test]
fn a_saved_session_opens_and_replays_as_the_same_spans() {
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = dir.path().join("session.jsonl");
    let save = capture.to_str().expect("utf-8 path");
    let mut first = Serve::start(&["--save", save]);
    let trace_id = first
        .python_client_sends("http/protobuf", "capture-python")
        .trace_id;
    let received = first.stop();
    let sent_spans = spans(&received);
    assert!(!sent_spans.is_empty());

    let text = std::fs::read_to_string(&capture).expect("the capture");
    assert!(
        text.lines().any(|l| l.starts_with("{\"resourceSpans\":")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("{\"resourceMetrics\":")),
        "{text}"
    );
    assert!(
        text.contains(&trace_id),
        "hex trace ids, as OTLP/JSON writes them"
    );

    let shown = opened(&capture);
    assert_eq!(shown[0]["kind"], "opened", "{shown:?}");
    assert_eq!(spans(&shown), sent_spans);
    assert_eq!(shown.last().expect("a summary")["kind"], "summary");

    let mut second = Serve::start(&[]);
    let (exit, report) = replay_report(&[&second.grpc, "--protocol", "grpc"], &capture);
    assert_eq!(exit, Some(0), "{report:#}");
    crate::support::schema::assert_valid(&report);
    assert_eq!(report["verdict"], "healthy", "{report:#}");
    assert!(
        report.get("trace_id").is_none(),
        "no probe trace was sent: {report:#}"
    );
    assert_eq!(
        report["target"]["signals"],
        serde_json::json!(["traces", "metrics"])
    );
    let replayed = second.wait_until(PRINTED, |lines| spans(lines) == sent_spans);
    assert!(replayed, "the same spans, once each: {:#?}", second.seen());
    second.stop();
}

#[test]
fn a_replay_that_is_refused_stops_and_names_the_cause() {
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = dir.path().join("session.jsonl");
    let mut source = Serve::start(&["--save", capture.to_str().expect("utf-8")]);
    source.python_client_sends("http/protobuf", "capture-refused");
    source.stop();

    let guarded = Serve::start(&["--require-header", "x-api-key=capture-secret"]);
    let (exit, report) = replay_report(&[&guarded.http, "--signals", "traces"], &capture);
    assert_eq!(exit, Some(1), "{report:#}");
    assert_eq!(
        report["root_cause"]["code"], "AUTH_UNAUTHENTICATED",
        "{report:#}"
    );
    let evidence = report["root_cause"]["evidence"].to_string();
    assert!(
        evidence.contains("request 1 of the capture's"),
        "{evidence}"
    );
    guarded.stop();

    // A signal the capture does not hold is refused before anything is sent.
    let output = otlp_doctor()
        .args([
            "send",
            "http://127.0.0.1:9",
            "--signals",
            "logs",
            "--replay",
        ])
        .arg(&capture)
        .output()
        .expect("send --replay runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("holds only traces, metrics"), "{stderr}");
}

#[test]
fn a_file_that_is_not_a_capture_is_refused_with_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("not-a-capture.jsonl");
    std::fs::write(&path, "{\"resourceSpans\":[]}\n\n{\"spans\":[1]}\n").expect("write");
    for command in [
        &["serve", "--open"][..],
        &["send", "http://127.0.0.1:9", "--replay"],
    ] {
        let output = otlp_doctor()
            .args(command)
            .arg(&path)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{command:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("not-a-capture.jsonl:3:"),
            "{command:?}: {stderr}"
        );
        assert!(stderr.contains("resourceSpans"), "{command:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn an_opened_capture_is_shown_in_the_web_view() {
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = dir.path().join("session.jsonl");
    let mut source = Serve::start(&["--save", capture.to_str().expect("utf-8")]);
    let trace_id = source
        .python_client_sends("http/protobuf", "capture-view")
        .trace_id;
    source.stop();

    let path = capture.to_str().expect("utf-8");
    let (process, first) = LiveProcess::start(
        &["serve", "--open", path, "--ui", "127.0.0.1:0"],
        crate::support::schema::assert_valid_serve_line,
    );
    assert_eq!(first["kind"], "opened", "{first}");
    let ui = first["ui_url"].as_str().expect("ui_url").to_string();
    let browser = Browser::open();
    browser.goto(&format!("{ui}#/traces"));
    browser.wait_for(
        "the capture's trace",
        &format!("return document.querySelector(\"tr[data-trace-id='{trace_id}']\") !== null"),
        Duration::from_secs(15),
    );
    process.stop();
}

/// The real Collector's file exporter (`format: json`) writes what the Python SDK sent through
/// it; `serve --open` reads that file as a capture and shows the SDK's spans, and
/// `send --replay` delivers them.
#[test]
fn a_collector_file_export_opens_and_replays() {
    use crate::support::collector_peer::CollectorPeer;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("collector.jsonl");
    let collector = CollectorPeer::builder()
        .exporter("file", &format!("path: {}", path.display()))
        .exporter_setting("format: json")
        .exporter_setting("flush_interval: 100ms")
        .start();
    let endpoint = collector.http_url();
    let env = otel_env("http/protobuf", &endpoint, "capture-collector");
    let outcome = SdkClient::Python.run(&env, SDK_CLIENT_TIMEOUT);
    assert!(outcome.ok, "{outcome:?}");
    let trace_id = outcome.trace_id.clone();
    let deadline = std::time::Instant::now() + PRINTED;
    while !std::fs::read_to_string(&path).is_ok_and(|t| t.contains(&trace_id)) {
        assert!(
            std::time::Instant::now() < deadline,
            "the file exporter wrote no line with {trace_id}: {}",
            collector.log_tail(20)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    collector.begin_shutdown();

    let shown = opened(&path);
    let of_the_sdk = |lines: &[Value]| {
        spans(lines)
            .into_iter()
            .filter(|(trace, _, _)| *trace == trace_id)
            .count()
    };
    assert_eq!(of_the_sdk(&shown), outcome.sent.spans, "{shown:#?}");
    let service = shown
        .iter()
        .find(|l| l["kind"] == "span")
        .map(|l| l["service"].clone());
    assert_eq!(service, Some(Value::from("capture-collector")));

    let mut serve = Serve::start(&[]);
    let output = otlp_doctor()
        .args(["send", &serve.http, "--replay"])
        .arg(&path)
        .output()
        .expect("send --replay runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let sent = outcome.sent.spans;
    let replayed = serve.wait_until(PRINTED, |lines| of_the_sdk(lines) == sent);
    assert!(replayed, "{:#?}", serve.seen());
    serve.stop();
}

/// `--replay-now` moves an old capture (the Collector file exporter's line from 2023, written by
/// hand) to now, keeping its duration.
#[test]
fn replay_now_moves_an_old_capture_to_now() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"old-capture"}}]},"#,
            r#""scopeSpans":[{"scope":{"name":"s"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","#,
            r#""name":"old","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000","status":{}}]}]}]}"#,
            "\n"
        ),
    )
    .expect("write");
    let mut serve = Serve::start(&[]);
    let output = otlp_doctor()
        .args(["send", &serve.http, "--replay-now", "--replay"])
        .arg(&path)
        .output()
        .expect("send runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(serve.wait_until(PRINTED, |lines| !spans(lines).is_empty()));
    let span = serve
        .seen()
        .iter()
        .find(|l| l["kind"] == "span")
        .cloned()
        .expect("the span");
    serve.stop();
    let start = span["start_unix_nano"].as_u64().expect("start");
    let end = span["end_unix_nano"].as_u64().expect("end");
    assert_eq!(end - start, 1_000_000_000, "the duration is kept: {span}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos() as u64;
    assert!(
        now - end < 60_000_000_000,
        "ends within the last minute: {span}"
    );
}
