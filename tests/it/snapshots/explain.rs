//! `explain`: one pasted message, a whole log on stdin, one code, no match, and `--list`.

use crate::support::snapshot::{assert_run, cli, snapshot};

const TONIC_REFUSED: &str =
    r#"status: Unavailable, message: "tcp connect error", details: [], metadata: MetadataMap"#;

#[test]
fn one_message_in_every_format() {
    snapshot("explain_message_human", &["explain", TONIC_REFUSED]);
    snapshot(
        "explain_message_json",
        &["explain", TONIC_REFUSED, "--format", "json"],
    );
    snapshot(
        "explain_message_markdown",
        &["explain", TONIC_REFUSED, "--format", "markdown"],
    );
}

#[test]
fn a_log_on_stdin_with_a_secret() {
    let log = "\
2026-05-01T10:00:00.123Z ERROR opentelemetry_sdk: BatchSpanProcessor.SpanDroppingStarted
2026-05-01T10:00:01.456Z WARN exporter: x509: certificate signed by unknown authority
2026-05-01T10:00:02.789Z ERROR exporter: 401 Unauthorized, sent Authorization: Bearer sk-live-0123456789abcdefghij
";
    for (name, format) in [("explain_log_human", "human"), ("explain_log_json", "json")] {
        assert_run(
            name,
            &cli(&["explain", "-", "--limit", "5", "--format", format])
                .stdin(log)
                .run(),
        );
    }
}

#[test]
fn one_code_and_no_match() {
    snapshot("explain_code_human", &["explain", "TLS_UNKNOWN_CA"]);
    snapshot(
        "explain_no_match_json",
        &["explain", "zzzz qqqq", "--format", "json"],
    );
}

#[test]
fn the_list_of_codes() {
    snapshot("explain_list_human", &["explain", "--list"]);
    snapshot(
        "explain_list_json",
        &["explain", "--list", "--format", "json"],
    );
}
