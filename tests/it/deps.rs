//! `otlp-doctor deps` on real lock files: each fixture under `tests/fixtures/deps/<case>/` is a
//! Cargo.toml and the Cargo.lock `cargo generate-lockfile` produced for it (no sources, never
//! built). The tests check the codes, the evidence naming the crates that pull each version,
//! the exit codes 0/1/2 and the JSON report.

use crate::support::otlp_doctor;
use serde_json::Value;
use std::path::PathBuf;

fn fixture(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/deps")
        .join(case)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn deps(args: &[&str]) -> Run {
    let output = otlp_doctor().arg("deps").args(args).output().expect("runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `deps --manifest-path <fixture>/<path> --format json`, parsed.
fn json(case: &str, path: &str, extra: &[&str]) -> (i32, Value) {
    let manifest = fixture(case).join(path);
    let manifest = manifest.to_string_lossy();
    let mut args = vec!["--manifest-path", manifest.as_ref(), "--format", "json"];
    args.extend_from_slice(extra);
    let run = deps(&args);
    let report = crate::support::schema::parse_document(&run.stdout, &run.stderr);
    (run.code, report)
}

fn findings_with<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

fn lines(finding: &Value, key: &str) -> Vec<String> {
    finding[key]
        .as_array()
        .expect(key)
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect()
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

fn check_status<'a>(report: &'a Value, id: &str) -> &'a Value {
    &check(report, id)["status"]
}

fn section_rows(report: &Value, title: &str) -> Vec<(String, String)> {
    report["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .find(|s| s["title"] == title)
        .unwrap_or_else(|| panic!("no section {title}"))["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap_or_default().to_string(),
                r["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn aligned_project_is_healthy() {
    let (code, report) = json("clean", "Cargo.toml", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["schema"], "otlp-doctor/report/v1");
    assert_eq!(report["verdict"], "healthy");
    // Its exporter has no TLS: a note only, since plaintext to a local collector is fine.
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(findings[0]["code"], "DEP_NO_TLS_FEATURE");
    assert_eq!(findings[0]["severity"], "info");
    for id in [
        "versions",
        "compatibility",
        "transport",
        "runtime",
        "encryption",
    ] {
        assert_eq!(check_status(&report, id), "pass", "{id}: {report:#}");
    }
    let crates = section_rows(&report, "opentelemetry crates");
    for expected in [
        ("opentelemetry", "0.33.1"),
        ("opentelemetry-otlp", "0.33.1"),
        ("opentelemetry_sdk", "0.33.1"),
        ("tracing-opentelemetry", "0.34.0"),
    ] {
        assert!(
            crates
                .iter()
                .any(|(k, v)| k == expected.0 && v == expected.1),
            "{expected:?} in {crates:?}"
        );
    }
}

#[test]
fn old_tracing_opentelemetry_is_two_opentelemetry_versions() {
    let (code, report) = json("conflict", "Cargo.toml", &[]);
    assert_eq!(code, 1);
    assert_eq!(report["verdict"], "broken");
    assert_eq!(
        report["findings"][0]["code"], "DEP_MULTIPLE_OPENTELEMETRY_VERSIONS",
        "the root cause comes first"
    );
    let multiple = findings_with(&report, "DEP_MULTIPLE_OPENTELEMETRY_VERSIONS")[0];
    assert_eq!(multiple["severity"], "error");
    assert_eq!(multiple["check"], "versions");
    let evidence = lines(multiple, "evidence");
    for expected in [
        "opentelemetry 0.30.0 ← tracing-opentelemetry 0.31.0 ← my-app",
        "opentelemetry 0.33.1 ← my-app",
        "opentelemetry 0.33.1 ← opentelemetry_sdk 0.33.1 ← my-app",
        "opentelemetry_sdk 0.30.0 ← tracing-opentelemetry 0.31.0 ← my-app",
    ] {
        assert!(
            evidence.iter().any(|e| e == expected),
            "{expected} in {evidence:#?}"
        );
    }
    let fix = lines(multiple, "fix").join("\n");
    assert!(
        fix.contains("upgrade tracing-opentelemetry 0.31.0 to \"0.34\" in Cargo.toml"),
        "{fix}"
    );
    assert!(fix.contains("cargo tree -i opentelemetry@0.30.0"), "{fix}");

    let incompatible = findings_with(&report, "DEP_INCOMPATIBLE_VERSIONS");
    assert_eq!(incompatible.len(), 1, "{report:#}");
    assert_eq!(incompatible[0]["severity"], "error");
    let evidence = lines(incompatible[0], "evidence").join("\n");
    assert!(
        evidence.contains("tracing-opentelemetry 0.31.0 is built for opentelemetry 0.30"),
        "{evidence}"
    );
    assert!(
        evidence.contains("declared in Cargo.toml: tracing-opentelemetry = { version = \"0.31\" }"),
        "{evidence}"
    );
    let fix = lines(incompatible[0], "fix").join("\n");
    assert!(
        fix.contains("set tracing-opentelemetry = \"0.34\" in Cargo.toml"),
        "{fix}"
    );
    // The rest of the graph is fine: tonic and tokio are there.
    assert_eq!(check_status(&report, "transport"), "pass");
    assert_eq!(check_status(&report, "runtime"), "pass");
}

#[test]
fn human_output_shows_the_routes() {
    let manifest = fixture("conflict").join("Cargo.toml");
    let run = deps(&["--manifest-path", &manifest.to_string_lossy()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("opentelemetry 0.30.0 ← tracing-opentelemetry 0.31.0 ← my-app"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("DEP_MULTIPLE_OPENTELEMETRY_VERSIONS"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn exporter_without_transport_feature() {
    let (code, report) = json("no-transport", "Cargo.toml", &[]);
    assert_eq!(code, 1);
    let missing = findings_with(&report, "DEP_MISSING_TRANSPORT_FEATURE");
    assert_eq!(missing.len(), 1, "{report:#}");
    assert_eq!(missing[0]["severity"], "error");
    let evidence = lines(missing[0], "evidence").join("\n");
    assert!(
        evidence.contains("opentelemetry-otlp 0.33.1 ← billing-worker"),
        "{evidence}"
    );
    assert!(
        evidence.contains(
            "declared in Cargo.toml: opentelemetry-otlp = { version = \"0.33\", default-features = false, features = [\"trace\"] }"
        ),
        "{evidence}"
    );
    let fix = lines(missing[0], "fix").join("\n");
    assert!(fix.contains("grpc-tonic"), "{fix}");
    assert!(fix.contains("reqwest-blocking-client"), "{fix}");
    assert_eq!(check_status(&report, "versions"), "pass");
}

#[test]
fn workspace_member_reads_the_workspace_lock() {
    let (code, report) = json("workspace", "crates/server/Cargo.toml", &[]);
    assert_eq!(code, 1, "{report:#}");
    let project = section_rows(&report, "project");
    let lock = &project
        .iter()
        .find(|(k, _)| k == "lock file")
        .expect("lock")
        .1;
    assert!(
        lock.contains("fixtures/deps/workspace/Cargo.lock"),
        "the root's lock, not one next to the member: {lock}"
    );
    let multiple = findings_with(&report, "DEP_MULTIPLE_OPENTELEMETRY_VERSIONS");
    assert_eq!(multiple.len(), 1);
    assert_eq!(multiple[0]["severity"], "error");
    let title = multiple[0]["title"].as_str().expect("title");
    assert!(title.contains("linked into server"), "{title}");
    let evidence = lines(multiple[0], "evidence");
    for expected in [
        "opentelemetry 0.31.0 ← api",
        "opentelemetry 0.31.0 ← tracing-opentelemetry 0.32.1 ← api",
        "opentelemetry 0.33.1 ← server",
    ] {
        assert!(
            evidence.iter().any(|e| e == expected),
            "{expected} in {evidence:#?}"
        );
    }
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("server links opentelemetry 0.31 (through api) and 0.33:")),
        "{evidence:#?}"
    );
    let fix = lines(multiple[0], "fix").join("\n");
    assert!(
        fix.contains("upgrade tracing-opentelemetry 0.32.1 to \"0.34\" in crates/api/Cargo.toml"),
        "{fix}"
    );
    assert!(
        fix.contains("change opentelemetry 0.31.0 to \"0.33\" in crates/api/Cargo.toml"),
        "{fix}"
    );
    // Each member's own crates pair up; the conflict is only in what server links.
    assert!(findings_with(&report, "DEP_INCOMPATIBLE_VERSIONS").is_empty());

    let (_, from_root) = json("workspace", "", &[]);
    assert_eq!(
        from_root["findings"], report["findings"],
        "a directory works too"
    );
}

#[test]
fn separate_members_on_different_versions_are_a_warning() {
    let (code, report) = json("workspace-split", "services/web/Cargo.toml", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verdict"], "degraded");
    let multiple = findings_with(&report, "DEP_MULTIPLE_OPENTELEMETRY_VERSIONS");
    assert_eq!(multiple[0]["severity"], "warning");
    let evidence = lines(multiple[0], "evidence");
    assert!(
        evidence
            .iter()
            .any(|e| e == "opentelemetry 0.31.0 ← legacy-batch"),
        "{evidence:#?}"
    );
    assert!(
        evidence.iter().any(|e| e == "opentelemetry 0.33.1 ← web"),
        "{evidence:#?}"
    );
    let (code, _) = json("workspace-split", "services/web/Cargo.toml", &["--strict"]);
    assert_eq!(code, 1, "--strict fails on warnings");
}

#[test]
fn async_http_client_with_thread_processors_is_a_runtime_warning() {
    let (code, report) = json("async-http-client", "Cargo.toml", &[]);
    assert_eq!(code, 0, "{report:#}");
    let runtime = findings_with(&report, "DEP_MISSING_RUNTIME_FEATURE");
    assert_eq!(runtime.len(), 1, "{report:#}");
    assert_eq!(runtime[0]["severity"], "warning");
    let evidence = lines(runtime[0], "evidence").join("\n");
    assert!(
        evidence.contains("opentelemetry-otlp 0.33.1 depends on tokio but not on tonic"),
        "{evidence}"
    );
    assert!(
        evidence.contains("opentelemetry_sdk 0.33.1 does not depend on tokio"),
        "{evidence}"
    );
    assert_eq!(check_status(&report, "transport"), "pass");
}

#[test]
fn grpc_exporter_in_an_app_without_tokio_is_a_runtime_warning() {
    let (code, report) = json("tonic-no-runtime", "Cargo.toml", &[]);
    assert_eq!(code, 0, "{report:#}");
    let runtime = findings_with(&report, "DEP_MISSING_RUNTIME_FEATURE");
    assert_eq!(runtime.len(), 1, "{report:#}");
    let title = runtime[0]["title"].as_str().expect("title");
    assert!(title.contains("needs a Tokio runtime"), "{title}");
    assert!(title.contains("report-cli"), "{title}");
    let evidence = lines(runtime[0], "evidence").join("\n");
    assert!(
        evidence.contains("← opentelemetry-otlp 0.33.1 ← report-cli"),
        "the route to tokio goes through the exporter: {evidence}"
    );
}

#[test]
fn exporter_without_tls_is_a_note_naming_both_transports() {
    let (code, report) = json("no-tls", "Cargo.toml", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["verdict"], "healthy",
        "a note never changes the verdict"
    );
    let notes = findings_with(&report, "DEP_NO_TLS_FEATURE");
    assert_eq!(notes.len(), 1, "{report:#}");
    assert_eq!(notes[0]["severity"], "info");
    assert_eq!(notes[0]["check"], "encryption");
    assert_eq!(
        notes[0]["title"],
        "opentelemetry-otlp 0.33.1 carries no TLS over gRPC (tonic) and HTTP (reqwest): an https:// endpoint cannot be reached"
    );
    let evidence = lines(notes[0], "evidence");
    for expected in [
        "in Cargo.lock tonic 0.14.9 under opentelemetry-otlp 0.33.1 depends on no tokio-rustls",
        "uses HTTPS but no TLS feature is enabled",
        "in Cargo.lock reqwest 0.13.5 under opentelemetry-otlp 0.33.1 depends on none of rustls",
        "every export to an https:// endpoint fails",
        "declared in Cargo.toml: opentelemetry-otlp = { version = \"=0.33.1\", features = [\"grpc-tonic\"] }",
    ] {
        assert!(
            evidence.iter().any(|e| e.contains(expected)),
            "{expected} in {evidence:#?}"
        );
    }
    assert!(
        evidence
            .iter()
            .any(|e| e == "opentelemetry-otlp 0.33.1 ← ledger-sync"),
        "{evidence:#?}"
    );
    let fix = lines(notes[0], "fix").join("\n");
    assert!(
        fix.contains(
            "\"tls-ring\" and \"tls-roots\" to the features of opentelemetry-otlp in Cargo.toml"
        ),
        "{fix}"
    );
    assert!(fix.contains("with_enabled_roots()"), "{fix}");
    assert!(
        fix.contains("\"reqwest-rustls\" to the features of opentelemetry-otlp in Cargo.toml"),
        "{fix}"
    );
    assert_eq!(check_status(&report, "encryption"), "pass");
}

#[test]
fn exporter_with_tls_is_quiet_but_names_the_missing_roots() {
    let (code, report) = json("tls", "Cargo.toml", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["findings"], Value::Array(vec![]), "{report:#}");
    let encryption = check(&report, "encryption");
    assert_eq!(encryption["status"], "pass");
    let summary = encryption["summary"].as_str().expect("summary");
    assert!(
        summary
            .starts_with("opentelemetry-otlp 0.33.1 has TLS over gRPC (tonic) and HTTP (reqwest)"),
        "{summary}"
    );
    assert!(
        summary.contains(".with_tls_config(ClientTlsConfig::new().with_enabled_roots())"),
        "{summary}"
    );
}

#[test]
fn default_manifest_is_found_from_the_current_directory() {
    let output = otlp_doctor()
        .args(["deps", "--format", "json"])
        .current_dir(fixture("conflict"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let report: Value =
        crate::support::schema::parse_document(&String::from_utf8_lossy(&output.stdout), "");
    assert_eq!(
        report["findings"][0]["code"],
        "DEP_MULTIPLE_OPENTELEMETRY_VERSIONS"
    );
}

#[test]
fn missing_lock_file_says_how_to_make_one() {
    let manifest = fixture("missing-lock").join("Cargo.toml");
    let run = deps(&["--manifest-path", &manifest.to_string_lossy()]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("missing-lock/Cargo.lock"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("run `cargo generate-lockfile`"),
        "{}",
        run.stderr
    );
}

#[test]
fn malformed_files_are_named_with_the_parse_error() {
    let manifest = fixture("malformed-manifest").join("Cargo.toml");
    let run = deps(&["--manifest-path", &manifest.to_string_lossy()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("malformed-manifest/Cargo.toml"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("cannot parse"), "{}", run.stderr);
    assert!(run.stderr.contains("line 7"), "{}", run.stderr);

    let manifest = fixture("malformed-lock").join("Cargo.toml");
    let run = deps(&["--manifest-path", &manifest.to_string_lossy()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("malformed-lock/Cargo.lock"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("cannot parse"), "{}", run.stderr);
}

#[test]
fn missing_manifest_is_exit_two() {
    let manifest = fixture("nowhere").join("Cargo.toml");
    let run = deps(&["--manifest-path", &manifest.to_string_lossy()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("nowhere/Cargo.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("no such file"), "{}", run.stderr);
}
