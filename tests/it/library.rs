//! The library inside an application: `examples/instrumented_app` (opentelemetry-rust 0.33 with
//! `DoctorSpanExporter` and a `diagnose_from_env` self-test) against `otlp-doctor serve`, and
//! against a port where nothing listens.

use crate::serve::Serve;
use crate::support::closed_port;
use serde_json::Value;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The app's whole run: a self-test (a few loopback round trips), three requests, and a shutdown
/// that, with nothing listening, waits for the exporters' retries (about 1 s per signal, bounded
/// by `OTEL_EXPORTER_OTLP_TIMEOUT`). Far more than that means it hangs.
const APP_DEADLINE: Duration = Duration::from_secs(60);
/// Bounds each export, retries included.
const EXPORT_TIMEOUT_MS: &str = "3000";

/// The example binary, built (or found up to date) once per test run: `cargo test --test it`
/// does not build examples, and a stale binary would test old code.
fn example_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let built = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "--example",
                "instrumented_app",
                "--manifest-path",
            ])
            .arg(manifest)
            .status();
        // target/<profile>/deps/it-<hash> → target/<profile>/examples/instrumented_app
        let exe = std::env::current_exe().expect("test binary path");
        let profile_dir = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("the test binary lives in target/<profile>/deps");
        let binary = profile_dir
            .join("examples")
            .join(format!("instrumented_app{}", std::env::consts::EXE_SUFFIX));
        assert!(
            binary.is_file(),
            "{} is missing (cargo build --example instrumented_app: {built:?})",
            binary.display()
        );
        binary
    })
}

struct AppRun {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs the example with only these `OTEL_*` variables (none inherited), killing it at
/// [`APP_DEADLINE`].
fn run_app(vars: &[(&str, &str)]) -> AppRun {
    let mut command = Command::new(example_binary());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("OTEL_") {
            command.env_remove(name);
        }
    }
    command
        .envs(vars.iter().copied())
        .env("OTEL_EXPORTER_OTLP_TIMEOUT", EXPORT_TIMEOUT_MS)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().expect("the example starts");
    let mut stdout_pipe = child.stdout.take().expect("stdout");
    let mut stderr_pipe = child.stderr.take().expect("stderr");
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout_pipe.read_to_string(&mut text);
        text
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the example") {
            break status;
        }
        if started.elapsed() > APP_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the example hung for {APP_DEADLINE:?}; stdout:\n{}\nstderr:\n{}",
                stdout.join().unwrap_or_default(),
                stderr.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    AppRun {
        status,
        took: started.elapsed(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

fn lines_of<'a>(lines: &'a [Value], kind: &str, service: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["kind"] == kind && l["service"] == service)
        .collect()
}

#[test]
fn instrumented_app_is_healthy_and_its_telemetry_arrives_over_grpc_and_http() {
    let serve = Serve::start(&[]);
    for (protocol, endpoint, service) in [
        ("grpc", serve.grpc.clone(), "library-app-grpc"),
        ("http/protobuf", serve.http.clone(), "library-app-http"),
    ] {
        let run = run_app(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_SERVICE_NAME", service),
        ]);
        let shown = format!(
            "{protocol}: stdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
        assert!(run.status.success(), "{shown}");
        assert!(run.stdout.contains("self-test: verdict healthy"), "{shown}");
        assert!(run.stdout.contains("self-test: no root cause"), "{shown}");
        assert!(run.stdout.contains("shutdown: done"), "{shown}");
        assert!(
            !run.stderr.contains("export of"),
            "no export failed: {shown}"
        );
    }
    let lines = serve.stop();
    for (service, transport) in [
        ("library-app-grpc", "grpc"),
        ("library-app-http", "http/protobuf"),
    ] {
        let spans = lines_of(&lines, "span", service);
        let names: Vec<&str> = spans.iter().filter_map(|s| s["name"].as_str()).collect();
        assert_eq!(
            names.iter().filter(|n| **n == "handle_request").count(),
            3,
            "{service}: {names:?}"
        );
        assert_eq!(
            names.iter().filter(|n| **n == "query_db").count(),
            3,
            "{service}: {names:?}"
        );
        assert!(
            spans.iter().all(|s| s["transport"] == transport),
            "{spans:#?}"
        );
        // The wrapper's self-metrics arrive with the application's resource.
        let metrics: Vec<&str> = lines_of(&lines, "metric", service)
            .iter()
            .filter_map(|m| m["name"].as_str())
            .collect();
        for name in ["otlp.exporter.spans.exported", "otlp.exporter.duration"] {
            assert!(metrics.contains(&name), "{service}: {metrics:?}");
        }
    }
}

#[test]
fn instrumented_app_with_nothing_listening_names_the_cause_and_exits_cleanly() {
    let endpoint = format!("http://{}", closed_port());
    let run = run_app(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_SERVICE_NAME", "library-app-refused"),
    ]);
    let shown = format!("stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.status.success(), "{shown}");
    assert!(run.stdout.contains("self-test: verdict broken"), "{shown}");
    assert!(
        run.stdout
            .contains("self-test: root cause NET_CONN_REFUSED"),
        "{shown}"
    );
    assert!(run.stdout.contains("shutdown: done"), "{shown}");
    // The wrapper names the same code for the failed span export.
    assert!(
        run.stderr
            .contains("failed with NET_CONN_REFUSED; run `otlp-doctor explain NET_CONN_REFUSED`"),
        "{shown}"
    );
    assert!(
        run.took < Duration::from_secs(20),
        "shutdown took {:?}: {shown}",
        run.took
    );
}
