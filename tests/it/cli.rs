//! The command line as a user meets it: exit codes 0/1/2, JSON on stdout only, no secret in any
//! output format, and bad input answered with a message naming what is wrong, never a panic.

use crate::support::{Rotel, otlp_doctor};
use serde_json::Value;

const SECRET: &str = "tok3n-abcdefghijklmnopqrstuvwxyz-0123456789";

fn stdout_of(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let output = cmd.output().expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn env_exit_codes_follow_the_contract() {
    let (code, _, _) = stdout_of(otlp_doctor().arg("env").env("OTEL_SERVICE_NAME", "shop"));
    assert_eq!(code, 0, "a clean config");
    let (code, _, _) = stdout_of(otlp_doctor().arg("env").env("OTEL_SDK_DISABLED", "true"));
    assert_eq!(code, 1, "an error finding");
    let (code, _, _) = stdout_of(
        otlp_doctor()
            .args(["env", "--strict"])
            .env("OTEL_BSP_MAX_QUEUE_SIZE", "abc"),
    );
    assert_eq!(code, 1, "--strict fails on warnings");
    let (code, _, _) = stdout_of(
        otlp_doctor()
            .args(["env"])
            .env("OTEL_BSP_MAX_QUEUE_SIZE", "abc"),
    );
    assert_eq!(code, 0, "a warning alone is exit 0");
    let (code, _, stderr) = stdout_of(otlp_doctor().args(["env", "--protocol", "carrier-pigeon"]));
    assert_eq!(code, 2, "bad arguments");
    assert!(stderr.contains("carrier-pigeon"), "{stderr}");
}

#[test]
fn env_json_is_the_report_schema_and_nothing_else() {
    let (code, stdout, _) = stdout_of(otlp_doctor().args(["env", "--format", "json"]).env(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "http://collector:4318/v1/traces",
    ));
    assert_eq!(code, 1);
    let report: Value = crate::support::schema::parse_document(&stdout, "");
    assert_eq!(report["schema"], "otlp-doctor/report/v1");
    assert_eq!(report["verdict"], "broken");
    assert_eq!(report["findings"][0]["code"], "CFG_HTTP_SIGNAL_PATH");
    for key in ["tool_version", "duration_ms", "checks", "findings"] {
        assert!(report.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn malformed_variables_are_findings_not_crashes() {
    let (code, stdout, stderr) = stdout_of(
        otlp_doctor()
            .args(["env", "--format", "json"])
            .env("OTEL_EXPORTER_OTLP_HEADERS", "%%%,=,a")
            .env("OTEL_EXPORTER_OTLP_TIMEOUT", "-5")
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", "::::")
            .env("OTEL_RESOURCE_ATTRIBUTES", "=%zz")
            .env("OTEL_TRACES_SAMPLER_ARG", "NaN"),
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(code, 1);
    let report: Value = crate::support::schema::parse_document(&stdout, &stderr);
    assert!(report["findings"].as_array().expect("findings").len() >= 4);
}

#[test]
fn an_unreadable_file_on_the_command_line_is_exit_2_naming_it() {
    for command in ["env", "check"] {
        let (code, stdout, stderr) =
            stdout_of(otlp_doctor().args([command, "--ca-cert", "/nonexistent/dir/ca.pem"]));
        assert_eq!(code, 2, "{command}");
        assert!(stderr.contains("/nonexistent/dir/ca.pem"), "{stderr}");
        assert!(stdout.is_empty());
    }
}

#[test]
fn unknown_commands_and_bad_flags_exit_2_with_a_message() {
    let (code, stdout, stderr) = stdout_of(otlp_doctor().arg("diagnose-everything"));
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("diagnose-everything"), "{stderr}");
    let (code, _, stderr) = stdout_of(otlp_doctor().args(["check", "--timeout", "soon"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("soon"), "{stderr}");
    let (code, _, stderr) = stdout_of(otlp_doctor().args(["send", "--header", "no-equals-sign"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("K=V"), "{stderr}");
}

#[test]
fn no_secret_appears_in_any_format() {
    let rotel = Rotel::start();
    let header = format!("authorization=Bearer {SECRET}");
    let env_header = format!("x-api-key={SECRET}x,bad{SECRET}");
    for command in ["env", "check"] {
        for format in ["human", "json", "markdown"] {
            let (_, stdout, stderr) = stdout_of(
                otlp_doctor()
                    .args([
                        command,
                        &rotel.http_url(),
                        // curl's short flag works as the long one.
                        if format == "json" { "-H" } else { "--header" },
                        &header,
                        "--format",
                        format,
                    ])
                    .env("OTEL_EXPORTER_OTLP_HEADERS", &env_header),
            );
            assert!(
                !stdout.contains("abcdefghijklmnop"),
                "{command} {format} leaked:\n{stdout}"
            );
            assert!(
                !stderr.contains("abcdefghijklmnop"),
                "{command} {format} leaked on stderr:\n{stderr}"
            );
            if command == "env" {
                assert!(stdout.contains("…("), "masked value shown: {stdout}");
            }
        }
    }
}

#[test]
fn signals_all_means_every_signal() {
    let (code, stdout, _) =
        stdout_of(otlp_doctor().args(["env", "--signals", "all", "--format", "json"]));
    assert_eq!(code, 0, "{stdout}");
    let env: Value = serde_json::from_str(&stdout).expect("env JSON");
    let titles: Vec<&str> = env["sections"]
        .as_array()
        .map(|sections| {
            sections
                .iter()
                .filter_map(|s| s["title"].as_str())
                .collect()
        })
        .unwrap_or_default();
    for signal in ["traces", "metrics", "logs"] {
        assert!(
            titles.contains(&format!("{signal} exporter").as_str()),
            "{titles:?}"
        );
    }
    let rotel = Rotel::start();
    let (code, stdout, _) = stdout_of(otlp_doctor().args([
        "check",
        &rotel.http_url(),
        "--signals",
        "all",
        "--format",
        "json",
    ]));
    assert_eq!(code, 0, "{stdout}");
    let report: Value = serde_json::from_str(&stdout).expect("check JSON");
    assert_eq!(
        report["target"]["signals"],
        serde_json::json!(["traces", "metrics", "logs"])
    );
}
