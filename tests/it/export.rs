//! The `export` check against real peers on 127.0.0.1: rotel (healthy, or with a receiver
//! switched off), nginx fronts that demand a token or answer an error status, and the small
//! OTLP servers of `support::otlp_servers` (partial success, HTML, protobuf only, gRPC statuses).
//! Each test names the root cause and a key piece of its evidence or fix.

use std::time::Duration;

use serde_json::Value;

use crate::check::{assert_healthy, assert_root_cause, check, codes, root_cause};
use crate::support::{
    Front, GrpcStatusServer, HtmlApp, Nginx, PartialSuccessGrpc, PartialSuccessHttp, ProtobufOnly,
    Rotel, Signal, Upstream, closed_port, free_port, http_front, otlp_doctor,
};

/// Every run here is bounded per network step.
const TIMEOUT: &str = "3s";

/// The token the auth fronts accept.
const TOKEN: &str = "s3cret-token-4f1c9a";

/// Runs `otlp-doctor <subcommand> ARGS --format json` with extra environment variables and
/// returns the exit code and the report.
fn run_json(subcommand: &str, args: &[&str], envs: &[(&str, &str)]) -> (i32, Value) {
    let mut cmd = otlp_doctor();
    cmd.arg(subcommand).args(args).args(["--format", "json"]);
    for (key, value) in envs {
        cmd.env(key, value);
    }
    let output = cmd.output().expect("otlp-doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = crate::support::schema::parse_document(
        &stdout,
        &format!("stderr:\n{}", String::from_utf8_lossy(&output.stderr)),
    );
    (output.status.code().unwrap_or(-1), report)
}

/// `check ARGS --timeout 3s --format json`.
fn check_t(args: &[&str]) -> (i32, Value) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--timeout", TIMEOUT]);
    check(&all)
}

/// `check ARGS --timeout 3s --format json` with environment variables set.
fn check_env(args: &[&str], envs: &[(&str, &str)]) -> (i32, Value) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--timeout", TIMEOUT]);
    run_json("check", &all, envs)
}

fn lines(finding: &Value, field: &str) -> String {
    finding[field]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn evidence(finding: &Value) -> String {
    lines(finding, "evidence")
}

fn fix(finding: &Value) -> String {
    lines(finding, "fix")
}

fn findings(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .map(|f| f.iter().collect())
        .unwrap_or_default()
}

fn findings_with<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    findings(report)
        .into_iter()
        .filter(|f| f["code"] == code)
        .collect()
}

/// The root cause when it is a warning: the first finding that is not info, and no error.
fn assert_degraded_by(exit: i32, report: &Value, code: &str) -> Value {
    let first = findings(report)
        .into_iter()
        .find(|f| f["severity"] != "info")
        .unwrap_or_else(|| panic!("no warning at all: {report:#}"))
        .clone();
    assert_eq!(first["code"], code, "{report:#}");
    assert_eq!(first["severity"], "warning", "{report:#}");
    assert_eq!(
        (exit, report["verdict"].as_str()),
        (0, Some("degraded")),
        "{report:#}"
    );
    first
}

fn assert_evidence_contains(finding: &Value, needle: &str, report: &Value) {
    assert!(
        evidence(finding).contains(needle),
        "evidence should contain {needle:?}: {report:#}"
    );
}

fn assert_fix_contains(finding: &Value, needle: &str, report: &Value) {
    assert!(
        fix(finding).contains(needle),
        "fix should contain {needle:?}: {report:#}"
    );
}

/// Finding text (title, evidence, fix) of one finding, for loose assertions.
fn text(finding: &Value) -> String {
    format!(
        "{}\n{}\n{}",
        finding["title"].as_str().unwrap_or(""),
        evidence(finding),
        fix(finding)
    )
}

// ------------------------------------------------------------------ rotel

#[test]
fn healthy_rotel_exports_every_signal_over_every_protocol() {
    let rotel = Rotel::start();
    let grpc = rotel.grpc_url();
    let http = rotel.http_url();
    for (url, protocol) in [
        (&grpc, "grpc"),
        (&http, "http/protobuf"),
        (&http, "http/json"),
    ] {
        let (exit, report) = check_t(&[
            url,
            "--protocol",
            protocol,
            "--signals",
            "traces,metrics,logs",
        ]);
        assert_healthy(exit, &report);
        let ok = findings_with(&report, "EXPORT_OK");
        assert_eq!(
            ok.len(),
            3,
            "one EXPORT_OK per signal ({protocol}): {report:#}"
        );
        assert!(
            ok.iter().all(|f| f["severity"] == "info"),
            "EXPORT_OK is info: {report:#}"
        );
        assert!(
            report["checks"].as_array().is_some_and(|c| c
                .iter()
                .any(|c| c["id"] == "export" && c["status"] == "pass")),
            "the export check ran and passed ({protocol}): {report:#}"
        );
    }
}

#[test]
fn a_disabled_logs_receiver_is_signal_unimplemented_over_http() {
    let rotel = Rotel::builder().disable(Signal::Logs).start();
    let (exit, report) = check_t(&[
        &rotel.http_url(),
        "--protocol",
        "http/protobuf",
        "--signals",
        "traces,logs",
    ]);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "PROTO_SIGNAL_UNIMPLEMENTED");
    let cause = root_cause(&report);
    assert!(text(cause).contains("logs"), "names logs: {report:#}");
    assert!(
        !codes(&report).contains(&"PROTO_PATH_NOT_FOUND".to_string()),
        "a 404 on one signal while others work is not a wrong path: {report:#}"
    );
    let ok = findings_with(&report, "EXPORT_OK");
    assert_eq!(ok.len(), 1, "traces still export: {report:#}");
    assert!(text(ok[0]).contains("/v1/traces") || text(ok[0]).contains("spans"));
}

/// Only the disabled signal asked about: the other signals' paths beside it are tried, and one
/// that works tells a disabled signal from a wrong URL.
#[test]
fn a_disabled_traces_receiver_alone_is_not_taken_for_a_wrong_path() {
    let rotel = Rotel::builder().disable(Signal::Traces).start();
    let (exit, report) = check_t(&[&rotel.http_url(), "--protocol", "http/protobuf"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "PROTO_SIGNAL_UNIMPLEMENTED");
    let cause = root_cause(&report);
    assert!(text(cause).contains("traces"), "{report:#}");
    assert_evidence_contains(cause, "/v1/metrics works", &report);
    assert!(
        !codes(&report).contains(&"PROTO_PATH_NOT_FOUND".to_string()),
        "{report:#}"
    );
}

/// A real static file server (Python's `http.server`) answers POST with 501: not an OTLP
/// receiver, rather than an OTLP receiver with a server error.
#[test]
fn a_static_file_server_is_not_an_otlp_receiver() {
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let port = crate::support::free_port();
    let dir = tempfile::tempdir().expect("temp dir");
    let server = std::process::Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(Killed)
        .expect("python3 -m http.server starts (python3 comes with the machine; see README)");
    let addr = format!("127.0.0.1:{port}").parse().expect("addr");
    assert!(
        crate::support::wait_for_port(addr, Duration::from_secs(10)),
        "http.server did not listen"
    );
    let url = format!("http://127.0.0.1:{port}");
    let (exit, report) = check_t(&[&url, "--protocol", "http/protobuf"]);
    drop(server);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "PROTO_NOT_OTLP");
    assert_evidence_contains(root_cause(&report), "501", &report);
}

#[test]
fn a_disabled_logs_receiver_is_signal_unimplemented_over_grpc() {
    let rotel = Rotel::builder().disable(Signal::Logs).start();
    let (exit, report) = check_t(&[
        &rotel.grpc_url(),
        "--protocol",
        "grpc",
        "--signals",
        "traces,logs",
    ]);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "PROTO_SIGNAL_UNIMPLEMENTED");
    assert!(
        text(root_cause(&report)).contains("logs"),
        "names logs: {report:#}"
    );
    assert_eq!(
        findings_with(&report, "EXPORT_OK").len(),
        1,
        "traces still export: {report:#}"
    );
}

#[test]
fn a_base_path_that_does_not_exist_names_the_root_path_that_works() {
    let rotel = Rotel::start();
    let base = format!("{}/otlp", rotel.http_url());
    let (_, report) = check_t(&[&base, "--signals", "traces"]);
    assert_root_cause(&report, "PROTO_PATH_NOT_FOUND");
    let cause = root_cause(&report);
    assert_evidence_contains(cause, &format!("{base}/v1/traces"), &report);
    assert_fix_contains(cause, &format!("{}/v1/traces", rotel.http_url()), &report);
}

#[test]
fn a_signal_path_in_the_base_endpoint_is_the_config_root_cause_confirmed_live() {
    let rotel = Rotel::start();
    let endpoint = format!("{}/v1/traces", rotel.http_url());
    let (exit, report) = check_env(
        &["--signals", "traces"],
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str())],
    );
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "CFG_HTTP_SIGNAL_PATH");
    assert_evidence_contains(root_cause(&report), "confirmed live", &report);
    let errors = findings(&report)
        .into_iter()
        .filter(|f| f["severity"] == "error")
        .count();
    assert_eq!(
        errors, 1,
        "the live 404 is evidence, not a second root cause: {report:#}"
    );
}

// ------------------------------------------------------------------ auth fronts

/// nginx before rotel's HTTP port: a front answering 401 to anything but the token, and a
/// front answering 401 without a header and 403 with a wrong token.
struct AuthFronts {
    _rotel: Rotel,
    _nginx: Nginx,
    /// 401 unless `Authorization: Bearer TOKEN`.
    strict: String,
    /// 401 without Authorization, 403 with a wrong one.
    graded: String,
}

fn auth_fronts() -> AuthFronts {
    let rotel = Rotel::start();
    let strict = free_port();
    let graded = free_port();
    let blocks = format!(
        "{}{}",
        Front::new(strict)
            .bearer_token(TOKEN)
            .pass(rotel.http_addr(), Upstream::Http)
            .render(),
        Front::new(graded)
            .location_directive(
                "if ($http_authorization = \"\") { add_header WWW-Authenticate \"Bearer\" always; return 401; }"
            )
            .location_directive(&format!(
                "if ($http_authorization != \"Bearer {TOKEN}\") {{ return 403; }}"
            ))
            .pass(rotel.http_addr(), Upstream::Http)
            .render()
    );
    let nginx = Nginx::start(&blocks);
    AuthFronts {
        _rotel: rotel,
        _nginx: nginx,
        strict: format!("http://127.0.0.1:{strict}"),
        graded: format!("http://127.0.0.1:{graded}"),
    }
}

#[test]
fn a_front_demanding_a_token_without_one_is_unauthenticated() {
    let fronts = auth_fronts();
    for url in [&fronts.strict, &fronts.graded] {
        let (exit, report) = check_t(&[url, "--signals", "traces"]);
        assert_eq!(exit, 1, "{report:#}");
        assert_root_cause(&report, "AUTH_UNAUTHENTICATED");
        assert_evidence_contains(root_cause(&report), " 401", &report);
    }
}

#[test]
fn a_front_refusing_a_wrong_token_with_403_is_permission_denied() {
    let fronts = auth_fronts();
    let (_, report) = check_t(&[
        &fronts.graded,
        "--signals",
        "traces",
        "--header",
        "authorization=Bearer not-the-token",
    ]);
    assert_root_cause(&report, "AUTH_PERMISSION_DENIED");
    assert_evidence_contains(root_cause(&report), " 403", &report);
    // The strict front answers 401 to a wrong token as well.
    let (_, report) = check_t(&[
        &fronts.strict,
        "--signals",
        "traces",
        "--header",
        "authorization=Bearer not-the-token",
    ]);
    assert_root_cause(&report, "AUTH_UNAUTHENTICATED");
}

#[test]
fn a_front_demanding_a_token_with_the_right_one_is_healthy() {
    let fronts = auth_fronts();
    let header = format!("authorization=Bearer {TOKEN}");
    for url in [&fronts.strict, &fronts.graded] {
        let (exit, report) =
            check_t(&[url, "--header", &header, "--signals", "traces,metrics,logs"]);
        assert_healthy(exit, &report);
        assert_eq!(
            findings_with(&report, "EXPORT_OK").len(),
            3,
            "every signal passed the front: {report:#}"
        );
    }
}

#[test]
fn a_quoted_token_in_otel_headers_is_the_root_cause_confirmed_live() {
    let fronts = auth_fronts();
    let headers = format!("authorization=\"Bearer {TOKEN}\"");
    let (exit, report) = check_env(
        &[&fronts.strict, "--signals", "traces"],
        &[("OTEL_EXPORTER_OTLP_HEADERS", headers.as_str())],
    );
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "AUTH_TOKEN_QUOTED");
    let cause = root_cause(&report);
    assert_evidence_contains(cause, "confirmed live", &report);
    assert_evidence_contains(cause, " 401", &report);
}

#[test]
fn grpc_through_an_h2c_front_demanding_a_token_is_unauthenticated() {
    let rotel = Rotel::start();
    let port = free_port();
    let _nginx = Nginx::start(
        &Front::new(port)
            .http2(true)
            .bearer_token(TOKEN)
            .pass(rotel.grpc_addr(), Upstream::Grpc)
            .render(),
    );
    let url = format!("http://127.0.0.1:{port}");
    let (exit, report) = check_t(&[&url, "--protocol", "grpc", "--signals", "traces"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "AUTH_UNAUTHENTICATED");
    // With the token, the same front passes to rotel.
    let header = format!("authorization=Bearer {TOKEN}");
    let (exit, report) = check_t(&[&url, "--protocol", "grpc", "--header", &header]);
    assert_healthy(exit, &report);
}

#[test]
fn no_output_format_shows_the_token() {
    let fronts = auth_fronts();
    let secret = "tok_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZQQ";
    let header = format!("authorization=Bearer {secret}");
    let env_headers = format!("authorization=Bearer%20{secret}");
    for format in ["human", "json", "markdown"] {
        for via_env in [false, true] {
            let mut cmd = otlp_doctor();
            cmd.args([
                "check",
                &fronts.strict,
                "--timeout",
                TIMEOUT,
                "--format",
                format,
            ]);
            if via_env {
                cmd.env("OTEL_EXPORTER_OTLP_HEADERS", &env_headers);
            } else {
                cmd.args(["--header", &header]);
            }
            let output = cmd.output().expect("otlp-doctor runs");
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            for part in [secret, &secret[..20], &secret[secret.len() - 16..]] {
                assert!(
                    !stdout.contains(part) && !stderr.contains(part),
                    "({format}, env={via_env}) shows {part:?}:\n{stdout}\n{stderr}"
                );
            }
            assert_eq!(
                output.status.code(),
                Some(1),
                "the wrong token is refused ({format}, env={via_env}):\n{stdout}\n{stderr}"
            );
            assert!(
                stdout.contains("AUTH_UNAUTHENTICATED"),
                "({format}, env={via_env}) names the 401:\n{stdout}"
            );
        }
    }
}

// ------------------------------------------------------------------ nginx error statuses

/// An nginx front answering every request on its own; returns it and its URL.
fn status_front(front: impl FnOnce(Front) -> Front) -> (Nginx, String) {
    let port = free_port();
    let nginx = Nginx::start(&front(Front::new(port)).render());
    (nginx, format!("http://127.0.0.1:{port}"))
}

/// A throttled export did not arrive: an error and the root cause, with the server's delay.
/// Without `--sdk` the fix says what the specification asks and that SDKs differ.
fn assert_throttled(exit: i32, report: &Value, delay_evidence: &str) {
    assert_eq!(
        (exit, report["verdict"].as_str()),
        (1, Some("broken")),
        "{report:#}"
    );
    assert_root_cause(report, "EXPORT_THROTTLED");
    assert_evidence_contains(root_cause(report), delay_evidence, report);
    assert!(
        fix(root_cause(report)).contains("SDKs differ"),
        "{report:#}"
    );
}

#[test]
fn a_throttled_export_says_what_the_chosen_sdk_does_with_it() {
    let (_nginx, url) = status_front(|f| f.status(429).header("Retry-After", "7"));
    // (Python's default protocol is grpc, so the HTTP one is asked for.)
    let (_, report) = check_t(&[
        &url,
        "--protocol",
        "http/protobuf",
        "--signals",
        "traces",
        "--sdk",
        "python",
    ]);
    assert_root_cause(&report, "EXPORT_THROTTLED");
    assert!(
        fix(root_cause(&report)).contains("the python SDK 1.45.2 retries 429"),
        "{report:#}"
    );
    let server = GrpcStatusServer::start(
        tonic::Code::ResourceExhausted,
        "quota exceeded",
        Some(Duration::from_secs(2)),
    );
    let (_, report) = check_t(&[
        &server.url(),
        "--protocol",
        "grpc",
        "--signals",
        "traces",
        "--sdk",
        "node",
    ]);
    assert_root_cause(&report, "EXPORT_THROTTLED");
    assert!(
        fix(root_cause(&report)).contains("does not retry a gRPC export at all"),
        "{report:#}"
    );
}

#[test]
fn a_429_with_retry_after_is_throttled() {
    let (_nginx, url) = status_front(|f| f.status(429).header("Retry-After", "7"));
    let (exit, report) = check_t(&[&url, "--signals", "traces"]);
    assert_throttled(exit, &report, "Retry-After: 7");
}

#[test]
fn a_503_is_unavailable() {
    let (_nginx, url) = status_front(|f| f.status(503));
    let (exit, report) = check_t(&[&url, "--signals", "traces"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "EXPORT_UNAVAILABLE");
    assert_evidence_contains(root_cause(&report), " 503", &report);
}

#[test]
fn a_500_is_a_server_error() {
    let (_nginx, url) = status_front(|f| f.status(500));
    let (_, report) = check_t(&[&url, "--signals", "traces"]);
    assert_root_cause(&report, "EXPORT_SERVER_ERROR");
    assert_evidence_contains(root_cause(&report), " 500", &report);
}

#[test]
fn a_400_is_a_bad_request() {
    let (_nginx, url) = status_front(|f| f.status(400));
    let (_, report) = check_t(&[&url, "--signals", "traces"]);
    assert_root_cause(&report, "EXPORT_BAD_REQUEST");
    assert_evidence_contains(root_cause(&report), " 400", &report);
}

/// A server whose root has none of the OTLP paths (nginx answering 404 to everything, as a
/// metrics endpoint or a web app would): no base URL helps, it is not an OTLP receiver.
#[test]
fn a_server_with_no_otlp_path_at_all_is_not_an_otlp_receiver() {
    // Front::new answers 404 to everything until told otherwise.
    let (_nginx, url) = status_front(|f| f);
    let (_, report) = check_t(&[&url, "--signals", "traces"]);
    assert_root_cause(&report, "PROTO_NOT_OTLP");
    let cause = root_cause(&report);
    assert_evidence_contains(cause, &format!("{url}/v1/traces"), &report);
    assert_evidence_contains(cause, "/v1/metrics and /v1/logs accept no export", &report);
    assert_fix_contains(cause, "path prefix", &report);
}

#[test]
fn a_405_is_method_not_allowed() {
    let (_nginx, url) = status_front(|f| f.status(405));
    let (_, report) = check_t(&[&url, "--signals", "traces"]);
    assert_root_cause(&report, "PROTO_METHOD_NOT_ALLOWED");
    assert_evidence_contains(root_cause(&report), " 405", &report);
}

#[test]
fn a_body_over_nginx_client_max_body_size_is_payload_too_large() {
    let rotel = Rotel::start();
    let port = free_port();
    let _nginx = Nginx::start(
        &Front::new(port)
            .max_body_size("1k")
            .pass(rotel.http_addr(), Upstream::Http)
            .render(),
    );
    let url = format!("http://127.0.0.1:{port}");
    let (exit, report) = run_json(
        "send",
        &[
            &url,
            "--count",
            "200",
            "--signals",
            "traces",
            "--timeout",
            TIMEOUT,
        ],
        &[],
    );
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "EXPORT_PAYLOAD_TOO_LARGE");
    assert_evidence_contains(root_cause(&report), " 413", &report);
}

#[test]
fn grpc_through_nginx_to_a_dead_upstream_is_unavailable() {
    let port = free_port();
    let _nginx = Nginx::start(&http_front(port, closed_port(), Upstream::Grpc));
    let url = format!("http://127.0.0.1:{port}");
    let (exit, report) = check_t(&[&url, "--protocol", "grpc", "--signals", "traces"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "EXPORT_UNAVAILABLE");
}

#[test]
fn a_redirect_names_where_it_points() {
    // A load balancer's http -> https rule; the real Python exporter counts this 301 as a
    // successful export and sends nothing more.
    let target = "https://127.0.0.1:1/v1/traces";
    let (_nginx, url) = status_front(|f| f.status_with_body(301, target));
    let (exit, report) = check_t(&[&url, "--signals", "traces"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "PROTO_REDIRECTED");
    assert_evidence_contains(root_cause(&report), &format!("Location: {target}"), &report);
    assert!(fix(root_cause(&report)).contains(target), "{report:#}");
}

#[test]
fn grpc_through_a_rate_limiting_nginx_is_throttled_by_the_proxy() {
    let port = free_port();
    let _nginx = Nginx::start(&Front::new(port).http2(true).status(429).render());
    let url = format!("http://127.0.0.1:{port}");
    let (exit, report) = check_t(&[&url, "--protocol", "grpc", "--signals", "traces"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "EXPORT_THROTTLED");
    let cause = root_cause(&report);
    assert!(
        cause["title"].to_string().contains("HTTP 429"),
        "{report:#}"
    );
    assert!(fix(cause).contains("Retry-After"), "{report:#}");
    // What happened comes first; tonic's garbled gRPC reading of it follows.
    let first = cause["evidence"][0].to_string();
    assert!(
        first.contains("the answer was HTTP 429, not gRPC"),
        "{report:#}"
    );
}

#[test]
fn grpc_through_nginx_with_a_small_body_limit_is_too_large() {
    let rotel = Rotel::start();
    let port = free_port();
    let _nginx = Nginx::start(
        &Front::new(port)
            .http2(true)
            .max_body_size("16")
            .pass(rotel.grpc_addr(), Upstream::Grpc)
            .render(),
    );
    let url = format!("http://127.0.0.1:{port}");
    let (exit, report) = check_t(&[&url, "--protocol", "grpc", "--signals", "traces"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "EXPORT_PAYLOAD_TOO_LARGE");
    assert!(
        fix(root_cause(&report)).contains("client_max_body_size"),
        "{report:#}"
    );
}

// ------------------------------------------------------------------ small OTLP servers

/// Rejected items the partial-success servers report: 7 digits, never part of a port number.
const REJECTED: i64 = 9_876_543;
const PARTIAL_MESSAGE: &str = "dropped: timestamp older than 7 days";

#[test]
fn partial_success_over_grpc_is_a_warning_with_the_servers_message() {
    let server = PartialSuccessGrpc::start(REJECTED, PARTIAL_MESSAGE);
    let (exit, report) = check_t(&[
        &server.url(),
        "--protocol",
        "grpc",
        "--signals",
        "traces,metrics,logs",
    ]);
    let cause = assert_degraded_by(exit, &report, "EXPORT_PARTIAL_SUCCESS");
    assert_evidence_contains(&cause, &REJECTED.to_string(), &report);
    assert_evidence_contains(&cause, "timestamp older than 7 days", &report);
    assert_eq!(
        findings_with(&report, "EXPORT_PARTIAL_SUCCESS").len(),
        3,
        "one per signal: {report:#}"
    );
}

#[test]
fn partial_success_over_http_is_a_warning_with_the_servers_message() {
    let server = PartialSuccessHttp::start(REJECTED, PARTIAL_MESSAGE);
    for protocol in ["http/protobuf", "http/json"] {
        let (exit, report) = check_t(&[
            &server.url(),
            "--protocol",
            protocol,
            "--signals",
            "traces,metrics,logs",
        ]);
        let cause = assert_degraded_by(exit, &report, "EXPORT_PARTIAL_SUCCESS");
        assert_evidence_contains(&cause, &REJECTED.to_string(), &report);
        assert_evidence_contains(&cause, "timestamp older than 7 days", &report);
        assert_eq!(
            findings_with(&report, "EXPORT_PARTIAL_SUCCESS").len(),
            3,
            "one per signal ({protocol}): {report:#}\nrequests: {:?}",
            server.requests()
        );
    }
}

#[test]
fn an_html_page_is_not_otlp() {
    let app = HtmlApp::start();
    let (exit, report) = check_t(&[&app.url(), "--signals", "traces"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "PROTO_NOT_OTLP");
    assert_evidence_contains(root_cause(&report), "text/html", &report);
}

#[test]
fn json_to_a_protobuf_only_receiver_names_http_protobuf() {
    let server = ProtobufOnly::start();
    let (_, report) = check_t(&[
        &server.url(),
        "--protocol",
        "http/json",
        "--signals",
        "traces",
    ]);
    assert_root_cause(&report, "PROTO_UNSUPPORTED_MEDIA_TYPE");
    assert_fix_contains(root_cause(&report), "http/protobuf", &report);
    assert_fix_contains(
        root_cause(&report),
        "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
        &report,
    );
    // The receiver itself is fine with protobuf.
    let (exit, report) = check_t(&[&server.url(), "--protocol", "http/protobuf"]);
    assert_healthy(exit, &report);
}

fn grpc_status_report(
    code: tonic::Code,
    message: &str,
    retry_after: Option<Duration>,
) -> (i32, Value) {
    let server = GrpcStatusServer::start(code, message, retry_after);
    check_t(&[&server.url(), "--protocol", "grpc", "--signals", "traces"])
}

#[test]
fn grpc_unavailable_with_retry_info_is_throttled() {
    let (exit, report) = grpc_status_report(
        tonic::Code::Unavailable,
        "rate limit exceeded, retry later",
        Some(Duration::from_secs(3)),
    );
    assert_throttled(exit, &report, "RetryInfo");
}

#[test]
fn grpc_unavailable_without_retry_info_is_unavailable() {
    let (_, report) = grpc_status_report(tonic::Code::Unavailable, "backend down", None);
    assert_root_cause(&report, "EXPORT_UNAVAILABLE");
}

#[test]
fn grpc_resource_exhausted_larger_than_max_is_payload_too_large() {
    let (_, report) = grpc_status_report(
        tonic::Code::ResourceExhausted,
        "grpc: received message larger than max (5000000 vs. 4194304)",
        None,
    );
    assert_root_cause(&report, "EXPORT_PAYLOAD_TOO_LARGE");
    assert_evidence_contains(root_cause(&report), "larger than max", &report);
}

#[test]
fn grpc_internal_is_a_server_error() {
    let (_, report) = grpc_status_report(tonic::Code::Internal, "exporter queue broke", None);
    assert_root_cause(&report, "EXPORT_SERVER_ERROR");
    assert_evidence_contains(root_cause(&report), "exporter queue broke", &report);
}

#[test]
fn grpc_invalid_argument_is_a_bad_request() {
    let (_, report) =
        grpc_status_report(tonic::Code::InvalidArgument, "invalid span id length", None);
    assert_root_cause(&report, "EXPORT_BAD_REQUEST");
    assert_evidence_contains(root_cause(&report), "invalid span id length", &report);
}

#[test]
fn grpc_permission_denied_is_permission_denied() {
    let (_, report) = grpc_status_report(
        tonic::Code::PermissionDenied,
        "token lacks scope traces:write",
        None,
    );
    assert_root_cause(&report, "AUTH_PERMISSION_DENIED");
    assert_evidence_contains(root_cause(&report), "traces:write", &report);
}

#[test]
fn grpc_unauthenticated_is_unauthenticated() {
    let (_, report) = grpc_status_report(tonic::Code::Unauthenticated, "missing api key", None);
    assert_root_cause(&report, "AUTH_UNAUTHENTICATED");
    assert_evidence_contains(root_cause(&report), "missing api key", &report);
}
