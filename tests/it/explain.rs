//! `otlp-doctor explain` as a user meets it: text, a code or a piped log in; cause, fix and links
//! out; the contract's JSON for scripts; exit 0 whether or not anything matched, 2 on bad input.

use crate::support::otlp_doctor;
use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn explain(args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = otlp_doctor();
    cmd.arg("explain").args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let output = cmd.output().expect("otlp-doctor runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn json(run: &Run) -> Value {
    crate::support::schema::parse_document(&run.stdout, &run.stderr)
}

#[test]
fn json_follows_the_contract_schema() {
    let query = "2024-05-17T09:13:44Z ERROR tcp connect error: Connection refused (os error 111)";
    let run = explain(&["--format", "json", query], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let answer = json(&run);
    let mut keys: Vec<&str> = answer
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(keys, ["matches", "query", "schema"]);
    assert_eq!(answer["schema"], "otlp-doctor/explain/v1");
    assert_eq!(answer["query"], query);
    let matches = answer["matches"].as_array().cloned().unwrap_or_default();
    assert!(!matches.is_empty() && matches.len() <= 3, "{matches:?}");
    assert_eq!(matches[0]["code"], "NET_CONN_REFUSED");
    for m in &matches {
        let mut keys: Vec<&str> = m
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        assert_eq!(keys, ["cause", "code", "docs", "fix", "score", "title"]);
        assert!(m["fix"].as_array().is_some_and(|f| !f.is_empty()));
        assert!(m["docs"].is_array());
        assert!(
            m["score"]
                .as_f64()
                .is_some_and(|s| (0.0..=1.0).contains(&s))
        );
    }
    let scores: Vec<f64> = matches.iter().filter_map(|m| m["score"].as_f64()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
}

#[test]
fn no_match_is_an_empty_list_and_exit_0() {
    let run = explain(&["--format", "json", "hello", "world"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let answer = json(&run);
    assert_eq!(answer["query"], "hello world");
    assert_eq!(answer["matches"], serde_json::json!([]));

    let human = explain(&["hello world"], None);
    assert_eq!(human.code, 0);
    assert!(
        human.stdout.contains("no known error message"),
        "{}",
        human.stdout
    );
}

#[test]
fn a_code_prints_its_entry_whatever_the_case() {
    let run = explain(&["NET_CONN_REFUSED"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("NET_CONN_REFUSED  "),
        "{}",
        run.stdout
    );
    for part in ["cause", "fix", "docs", "seen as", "Connection refused"] {
        assert!(run.stdout.contains(part), "{part} missing:\n{}", run.stdout);
    }
    let lower = json(&explain(&["--format", "json", "net_conn_refused"], None));
    assert_eq!(lower["matches"].as_array().map(Vec::len), Some(1));
    assert_eq!(lower["matches"][0]["code"], "NET_CONN_REFUSED");
    assert_eq!(lower["matches"][0]["score"], 1.0);
}

#[test]
fn list_shows_every_code_grouped_by_area() {
    let run = explain(&["--list"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for part in [
        "config\n",
        "network\n",
        "tls\n",
        "NET_CONN_REFUSED",
        "TLS_UNKNOWN_CA",
        "COL_QUEUE_FULL",
    ] {
        assert!(run.stdout.contains(part), "{part} missing:\n{}", run.stdout);
    }
    let listed = json(&explain(&["--list", "--format", "json"], None));
    assert_eq!(listed["schema"], "otlp-doctor/explain-list/v1");
    let codes: usize = listed["areas"]
        .as_array()
        .map(|areas| {
            areas
                .iter()
                .filter_map(|a| a["codes"].as_array())
                .map(Vec::len)
                .sum()
        })
        .unwrap_or(0);
    assert!(codes >= 80, "only {codes} codes listed");
}

#[test]
fn a_piped_log_is_read_from_stdin() {
    let log = "\
2024-05-17T09:13:40Z INFO starting checkout
[otel.javaagent 2024-05-17 09:13:44:157 +0000] [OkHttp http://collector:4318/...] ERROR io.opentelemetry.exporter.internal.http.HttpExporter - Failed to export spans. The request could not be executed. Full error message: Failed to connect to collector/10.1.2.3:4318
2024-05-17T09:13:45Z INFO GET /cart 200
";
    for args in [&["--format", "json", "-"][..], &["--format", "json"][..]] {
        let run = explain(args, Some(log));
        assert_eq!(run.code, 0, "{}", run.stderr);
        let answer = json(&run);
        assert_eq!(answer["matches"][0]["code"], "NET_CONN_REFUSED", "{answer}");
    }
}

#[test]
fn limit_caps_the_matches() {
    let run = explain(&["--format", "json", "--limit", "1", "x509"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json(&run)["matches"].as_array().map(Vec::len), Some(1));
}

#[test]
fn markdown_is_ready_to_paste() {
    let run = explain(
        &[
            "--format",
            "markdown",
            "x509: certificate signed by unknown authority",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("## otlp-doctor explain"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("### `TLS_UNKNOWN_CA`"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_arguments_exit_2() {
    let bad_format = explain(&["--format", "yaml", "connection refused"], None);
    assert_eq!(bad_format.code, 2);
    assert!(bad_format.stderr.contains("yaml"), "{}", bad_format.stderr);

    let empty = explain(&[], Some("   \n"));
    assert_eq!(empty.code, 2);
    assert!(
        empty.stderr.contains("nothing to explain"),
        "{}",
        empty.stderr
    );

    let zero = explain(&["--limit", "0", "connection refused"], None);
    assert_eq!(zero.code, 2);
}

#[test]
fn a_token_in_a_pasted_log_is_masked() {
    let secret = "tok3n-abcdefghijklmnopqrstuvwxyz-0123456789";
    let query = format!("401 Unauthorized with header Authorization: Bearer {secret}");
    for format in ["json", "markdown", "human"] {
        let run = explain(&["--format", format, &query], None);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(!run.stdout.contains(secret), "{format}:\n{}", run.stdout);
    }
}

/// What the Python SDK 1.45.2 (grpcio, requests) printed against nginx 1.22 and the Collector
/// 0.165, as a user pastes it: each finds its cause, and the line Python prints once its retries
/// ran out is a lead with a note that points at the warnings before it, not a confident answer.
#[test]
fn python_messages_seen_against_real_fronts_find_their_cause() {
    for (message, code) in [
        (
            "Unwrap failed (TSI_DATA_CORRUPTED)",
            "TLS_CLIENT_CERT_REQUIRED",
        ),
        (
            "TLSV1_ALERT_CERTIFICATE_REQUIRED",
            "TLS_CLIENT_CERT_REQUIRED",
        ),
        (
            "Received http2 header with status: 413",
            "EXPORT_PAYLOAD_TOO_LARGE",
        ),
        ("Received http2 header with status: 429", "EXPORT_THROTTLED"),
        ("Failed parsing HTTP/2", "PROTO_GRPC_TO_HTTP_SERVER"),
    ] {
        let run = explain(&["--format", "json", message], None);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let answer = json(&run);
        assert_eq!(answer["matches"][0]["code"], code, "{message}: {answer}");
    }

    let summary = "Failed to export spans batch due to timeout, max retries or shutdown.";
    let answer = json(&explain(&["--format", "json", summary], None));
    let matches = answer["matches"].as_array().cloned().unwrap_or_default();
    assert!(matches.len() >= 2, "{answer}");
    assert!(
        matches[0]["score"].as_f64().is_some_and(|s| s < 0.8),
        "{answer}"
    );
    for format in ["human", "markdown"] {
        let run = explain(&["--format", format, summary], None);
        assert!(
            run.stdout.contains("note") && run.stdout.contains("Transient error"),
            "{format}: {}",
            run.stdout
        );
    }
}
