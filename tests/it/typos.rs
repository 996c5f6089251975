//! A misspelt value is answered with the value it was meant to be, in `env` (offline) and in
//! `check` against a real receiver (rotel): the protocol, the sampler (with an argument beside
//! it, which is then not "missing its sampler"), exporters, propagators, compression, booleans.

use crate::support::{Rotel, otlp_doctor};
use serde_json::Value;

/// The findings of a JSON report, validated against the schema.
fn findings(cmd: &mut assert_cmd::Command) -> Vec<Value> {
    let output = cmd.output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value = crate::support::schema::parse_document(&stdout, &stderr);
    report["findings"].as_array().expect("findings").clone()
}

fn finding_titled<'a>(findings: &'a [Value], title_start: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| {
            f["title"]
                .as_str()
                .is_some_and(|t| t.starts_with(title_start))
        })
        .unwrap_or_else(|| panic!("no finding titled '{title_start}…' in {findings:#?}"))
}

fn fixes(finding: &Value) -> String {
    finding["fix"].to_string()
}

fn with_typos(cmd: &mut assert_cmd::Command) -> &mut assert_cmd::Command {
    cmd.env("OTEL_SERVICE_NAME", "shop")
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuff")
        .env("OTEL_TRACES_SAMPLER", "always_of")
        .env("OTEL_TRACES_SAMPLER_ARG", "0.1")
        .env("OTEL_TRACES_EXPORTER", "otlpp")
        .env("OTEL_PROPAGATORS", "tracecontex,baggage")
        .env("OTEL_EXPORTER_OTLP_COMPRESSION", "gzp")
        .env("OTEL_SDK_DISABLED", "flase")
}

fn assert_did_you_mean(findings: &[Value]) {
    let cases = [
        (
            "OTEL_EXPORTER_OTLP_PROTOCOL is not a known protocol: did you mean 'http/protobuf'?",
            "CFG_PROTOCOL_INVALID",
            "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
        ),
        (
            "OTEL_TRACES_SAMPLER is not a known sampler: did you mean 'always_off'?",
            "CFG_SAMPLER_INVALID",
            "OTEL_TRACES_SAMPLER=always_off",
        ),
        (
            "OTEL_TRACES_EXPORTER is not valid: did you mean 'otlp'?",
            "CFG_VALUE_INVALID",
            "OTEL_TRACES_EXPORTER=otlp",
        ),
        (
            "OTEL_PROPAGATORS is not valid: did you mean 'tracecontext,baggage'?",
            "CFG_VALUE_INVALID",
            "OTEL_PROPAGATORS=tracecontext,baggage",
        ),
        (
            "OTEL_EXPORTER_OTLP_COMPRESSION is not valid: did you mean 'gzip'?",
            "CFG_COMPRESSION_INVALID",
            "OTEL_EXPORTER_OTLP_COMPRESSION=gzip",
        ),
        (
            "OTEL_SDK_DISABLED is not valid: did you mean 'false'?",
            "CFG_VALUE_INVALID",
            "OTEL_SDK_DISABLED=false",
        ),
    ];
    for (title, code, fix) in cases {
        let finding = finding_titled(findings, title);
        assert_eq!(finding["code"], code, "{finding:#}");
        assert!(fixes(finding).contains(fix), "{finding:#}");
    }
    // The argument beside the misspelt sampler belongs to that finding; it is not reported as an
    // argument without a sampler.
    let sampler = finding_titled(findings, "OTEL_TRACES_SAMPLER is not a known sampler");
    assert!(
        sampler["evidence"]
            .to_string()
            .contains("OTEL_TRACES_SAMPLER_ARG=0.1 is ignored"),
        "{sampler:#}"
    );
    assert!(
        !findings.iter().any(|f| f["title"]
            .as_str()
            .is_some_and(|t| t.contains("OTEL_TRACES_SAMPLER is not, so"))),
        "{findings:#?}"
    );
}

#[test]
fn env_says_did_you_mean_for_each_misspelt_value() {
    let findings = findings(with_typos(&mut otlp_doctor()).args(["env", "--format", "json"]));
    assert_did_you_mean(&findings);
}

#[test]
fn check_says_did_you_mean_against_a_real_receiver() {
    let rotel = Rotel::start();
    let findings = findings(with_typos(&mut otlp_doctor()).args([
        "check",
        &rotel.http_url(),
        "--format",
        "json",
    ]));
    assert_did_you_mean(&findings);
}

#[test]
fn a_value_far_from_every_known_one_gets_no_guess() {
    let findings = findings(
        otlp_doctor()
            .args(["env", "--format", "json"])
            .env("OTEL_SERVICE_NAME", "shop")
            .env("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift")
            .env("OTEL_TRACES_SAMPLER", "sometimes"),
    );
    let protocol = finding_titled(
        &findings,
        "OTEL_EXPORTER_OTLP_PROTOCOL is not a known protocol",
    );
    assert!(!protocol["title"].to_string().contains("did you mean"));
    let sampler = finding_titled(&findings, "OTEL_TRACES_SAMPLER is not a known sampler");
    assert!(!sampler["title"].to_string().contains("did you mean"));
}

#[test]
fn an_argument_without_any_sampler_is_still_reported_as_such() {
    let findings = findings(
        otlp_doctor()
            .args(["env", "--format", "json"])
            .env("OTEL_SERVICE_NAME", "shop")
            .env("OTEL_TRACES_SAMPLER_ARG", "0.1"),
    );
    finding_titled(
        &findings,
        "OTEL_TRACES_SAMPLER_ARG is set but OTEL_TRACES_SAMPLER is not",
    );
}
