//! Real OpenTelemetry SDK clients (Go, Java, Node.js, Python, Rust) from tests/sdk-clients/,
//! each a small program configured only by `OTEL_*` variables that exports a few spans (and
//! metrics and logs where its SDK's exporter for them is stable), flushes, and prints one JSON
//! line saying what it sent and whether its SDK reported the export as failed.
//!
//! `bash scripts/peers/sdk-clients.sh` builds them into a cache outside git
//! (`${OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}/sdk-clients/<lang>/run`); a client
//! that is not built fails the test with that step named. Every run is bounded and killed on
//! timeout.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// The install step named when a client is missing.
pub const SDK_CLIENTS_HINT: &str = "run `bash scripts/peers/sdk-clients.sh`";

/// Long enough for a JVM start plus one export that the SDK retries until its own timeout.
pub const SDK_CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SdkClient {
    Go,
    Java,
    Node,
    Python,
    Rust,
}

/// What one client run printed, plus its stderr for failure messages.
#[derive(Debug, Deserialize)]
pub struct SdkOutcome {
    pub sdk: String,
    pub sdk_version: String,
    pub exporter: Option<String>,
    pub protocol: String,
    pub endpoint: Option<String>,
    pub sent: Sent,
    pub ok: bool,
    pub error: Option<String>,
    pub trace_id: String,
    #[serde(skip)]
    pub stderr: String,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub spans: usize,
    pub metrics: usize,
    pub logs: usize,
}

impl SdkClient {
    /// Every client, in the order tables list them.
    pub const ALL: [SdkClient; 5] = [
        SdkClient::Go,
        SdkClient::Java,
        SdkClient::Node,
        SdkClient::Python,
        SdkClient::Rust,
    ];

    /// The folder name under the cache and the `sdk` field the client prints.
    pub fn name(self) -> &'static str {
        match self {
            SdkClient::Go => "go",
            SdkClient::Java => "java",
            SdkClient::Node => "node",
            SdkClient::Python => "python",
            SdkClient::Rust => "rust",
        }
    }

    /// The SDK release scripts/peers/sdk-clients.sh builds (and docs/peers.md names).
    pub fn version(self) -> &'static str {
        match self {
            SdkClient::Go => "1.47.0",
            SdkClient::Java => "1.68.0",
            SdkClient::Node => "0.223.0",
            SdkClient::Python => "1.45.2",
            SdkClient::Rust => "0.33.1",
        }
    }

    /// `OTEL_EXPORTER_OTLP_TIMEOUT` as this SDK reads it: milliseconds per the specification,
    /// seconds for the Python exporters (1.45.2 still reads the variable as seconds).
    pub fn export_timeout(self, timeout: Duration) -> String {
        match self {
            SdkClient::Python => timeout.as_secs().max(1).to_string(),
            _ => timeout.as_millis().to_string(),
        }
    }

    /// The client's program; panics, naming the build step, when it is not built.
    pub fn assert_built(self) -> PathBuf {
        let program = self.program();
        assert!(
            program.exists(),
            "the {} SDK client is not built ({} missing): {SDK_CLIENTS_HINT}",
            self.name(),
            program.display()
        );
        program
    }

    fn program(self) -> PathBuf {
        peers_dir()
            .join("sdk-clients")
            .join(self.name())
            .join("run")
    }

    /// Runs the client with every inherited variable that steers an exporter removed (see
    /// [`steers_an_exporter`]) and `env` set; panics (naming the build step) when it is not
    /// built, prints no JSON line, or outlives `timeout`.
    pub fn run(self, env: &[(&str, &str)], timeout: Duration) -> SdkOutcome {
        self.try_run(env, timeout).unwrap_or_else(|refused| {
            panic!(
                "the {} SDK client failed ({}; rebuild with {SDK_CLIENTS_HINT})\nenv: {env:?}\nstdout: {}\nstderr: {}",
                self.name(),
                refused.status,
                refused.stdout,
                refused.stderr
            )
        })
    }

    /// As [`SdkClient::run`], but a client that exits without its JSON line is an `Err`: the
    /// SDK refused to start (an SDK that throws on a bad value takes the program with it).
    pub fn try_run(self, env: &[(&str, &str)], timeout: Duration) -> Result<SdkOutcome, Refused> {
        let program = self.assert_built();
        let mut command = Command::new(&program);
        for (key, _) in std::env::vars_os() {
            if steers_an_exporter(&key.to_string_lossy()) {
                command.env_remove(&key);
            }
        }
        command
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() < timeout => {
                    thread::sleep(Duration::from_millis(20));
                }
                Ok(None) | Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "the {} SDK client did not finish within {timeout:?} (env {env:?})\nstderr: {}",
                        self.name(),
                        stderr.join().unwrap_or_default()
                    );
                }
            }
        };
        let stdout = stdout.join().unwrap_or_default();
        let stderr = stderr.join().unwrap_or_default();
        let line = stdout.lines().rev().find(|l| !l.trim().is_empty());
        let parsed = line.and_then(|l| serde_json::from_str::<SdkOutcome>(l).ok());
        match parsed {
            Some(mut outcome) if status.success() => {
                outcome.stderr = stderr;
                Ok(outcome)
            }
            _ => Err(Refused {
                status: status.to_string(),
                stdout,
                stderr,
            }),
        }
    }
}

/// A client run that ended without its JSON line.
#[derive(Debug)]
pub struct Refused {
    pub status: String,
    pub stdout: String,
    pub stderr: String,
}

/// Variables of the test runner's own environment that would change where or how an exporter
/// connects: `OTEL_*`, proxies and trust stores. Tests set the ones they mean.
pub fn steers_an_exporter(name: &str) -> bool {
    const OUTSIDE_OTEL: &[&str] = &[
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
        "grpc_proxy",
        "no_grpc_proxy",
        "ssl_cert_file",
        "ssl_cert_dir",
        "requests_ca_bundle",
        "curl_ca_bundle",
        "node_extra_ca_certs",
        "grpc_default_ssl_roots_file_path",
    ];
    name.starts_with("OTEL_") || OUTSIDE_OTEL.contains(&name.to_ascii_lowercase().as_str())
}

/// Where scripts/peers/sdk-clients.sh puts its builds.
pub fn peers_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("OTLP_DOCTOR_PEERS").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    PathBuf::from(home).join(".cache/otlp-doctor/peers")
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}
