//! Bad input: the exit code (2) and the message on stderr, for each kind of mistake.

use crate::support::snapshot::snapshot;

#[test]
fn usage_mistakes() {
    for (name, args) in [
        ("bad_input_no_command", &[][..]),
        ("bad_input_unknown_command", &["bogus"][..]),
        ("bad_input_unknown_flag", &["check", "--bogus"][..]),
        ("bad_input_zero_timeout", &["check", "--timeout", "0s"][..]),
        (
            "bad_input_unknown_protocol",
            &["check", "--protocol", "thrift"][..],
        ),
        ("bad_input_unknown_format", &["env", "--format", "yaml"][..]),
        (
            "bad_input_header_without_value",
            &["env", "--header", "novalue"][..],
        ),
        ("bad_input_signal", &["check", "--signals", "profiles"][..]),
        ("bad_input_collector_without_surface", &["collector"][..]),
        (
            "bad_input_collector_url",
            &["collector", "--health-url", "ftp://x"][..],
        ),
        ("bad_input_serve_rate", &["serve", "--fail-rate", "2"][..]),
        (
            "bad_input_serve_markdown",
            &["serve", "--format", "markdown"][..],
        ),
        ("bad_input_load_zero_spans", &["load", "--spans", "0"][..]),
        (
            "bad_input_load_spans_and_duration",
            &["load", "--spans", "5", "--duration", "1s"][..],
        ),
        (
            "bad_input_explain_limit",
            &["explain", "--limit", "0", "x"][..],
        ),
        (
            "bad_input_explain_list_and_text",
            &["explain", "--list", "x"][..],
        ),
        (
            "bad_input_overhead_spans",
            &["overhead", "--spans", "0"][..],
        ),
        ("bad_input_send_count", &["send", "--count", "0"][..]),
        ("bad_input_send_attr", &["send", "--attr", "=x"][..]),
    ] {
        snapshot(name, args);
    }
}

#[test]
fn unreadable_files() {
    for (name, args) in [
        (
            "bad_input_missing_ca_cert",
            &[
                "check",
                "http://127.0.0.1:1",
                "--ca-cert",
                "/nonexistent/ca.pem",
            ][..],
        ),
        (
            "bad_input_missing_collector_config",
            &["collector", "--config", "/nonexistent/config.yaml"][..],
        ),
        (
            "bad_input_missing_manifest",
            &["deps", "--manifest-path", "/nonexistent/Cargo.toml"][..],
        ),
        (
            "bad_input_missing_probe_modules",
            &[
                "probe-server",
                "--listen",
                "127.0.0.1:0",
                "--config",
                "/nonexistent/modules.toml",
            ][..],
        ),
    ] {
        snapshot(name, args);
    }
}
