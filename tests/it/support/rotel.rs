//! A real OTLP collector: `rotel-agent` in the foreground on 127.0.0.1.
//!
//! Started as
//! `rotel-agent start --otlp-grpc-endpoint 127.0.0.1:G --otlp-http-endpoint 127.0.0.1:H
//!  --exporter blackhole --pid-file <tmp>/rotel.pid --log-file <tmp>/rotel.log`
//! (the blackhole exporter accepts and drops everything; [`RotelBuilder::export_to`] sends it on
//! over OTLP/gRPC instead). A signal's
//! receiver can be switched off with `--otlp-receiver-{traces,metrics,logs}-disabled`:
//! rotel then answers that signal's HTTP path with 404.

use std::net::SocketAddr;
use std::process::Command;

use tempfile::TempDir;

use super::ports::free_addr;
use super::process::{PeerProcess, STARTUP_TIMEOUT};
use super::tools;

/// One OTLP signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Traces,
    Metrics,
    Logs,
}

impl Signal {
    /// The OTLP/HTTP path of this signal, e.g. `/v1/traces`.
    pub fn http_path(self) -> &'static str {
        match self {
            Signal::Traces => "/v1/traces",
            Signal::Metrics => "/v1/metrics",
            Signal::Logs => "/v1/logs",
        }
    }

    fn disable_flag(self) -> &'static str {
        match self {
            Signal::Traces => "--otlp-receiver-traces-disabled",
            Signal::Metrics => "--otlp-receiver-metrics-disabled",
            Signal::Logs => "--otlp-receiver-logs-disabled",
        }
    }
}

/// Options for [`Rotel`]; get one with [`Rotel::builder`].
#[derive(Clone, Debug, Default)]
pub struct RotelBuilder {
    disabled: Vec<Signal>,
    extra_args: Vec<String>,
    /// Where rotel's OTLP exporter sends everything (gRPC); the blackhole exporter when unset.
    export_to: Option<String>,
}

impl RotelBuilder {
    /// Turn off rotel's receiver for `signal` (its HTTP path answers 404).
    pub fn disable(mut self, signal: Signal) -> Self {
        if !self.disabled.contains(&signal) {
            self.disabled.push(signal);
        }
        self
    }

    /// Export everything over OTLP/gRPC to `endpoint` (e.g. a `serve`) instead of dropping it.
    pub fn export_to(mut self, endpoint: &str) -> Self {
        self.export_to = Some(endpoint.to_string());
        self
    }

    /// Any other `rotel-agent start` argument, e.g. `--otlp-grpc-max-recv-msg-size-mib`.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.extra_args.push(arg.into());
        self
    }

    /// Starts rotel and waits (bounded) until both ports accept. Panics with
    /// rotel's log tail if it does not come up. Retries twice with new ports
    /// if another process grabbed a picked port in the meantime.
    pub fn start(self) -> Rotel {
        let mut last_err = String::new();
        for _ in 0..3 {
            match self.try_start() {
                Ok(rotel) => return rotel,
                Err(e) => last_err = e,
            }
        }
        panic!("rotel-agent failed to start: {last_err}");
    }

    fn try_start(&self) -> Result<Rotel, String> {
        let bin = tools::rotel_agent();
        let dir = tempfile::Builder::new()
            .prefix("otlp-doctor-rotel-")
            .tempdir()
            .expect("create a temp dir for rotel");
        let grpc = free_addr();
        let http = free_addr();
        let mut cmd = Command::new(&bin);
        // rotel reads ROTEL_* (and the SDK's OTEL_*) from the environment: keep
        // the developer's settings out of the test.
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("ROTEL_") || k.starts_with("OTEL_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("NO_COLOR", "1")
            .arg("start")
            .arg("--otlp-grpc-endpoint")
            .arg(grpc.to_string())
            .arg("--otlp-http-endpoint")
            .arg(http.to_string())
            .arg("--pid-file")
            .arg(dir.path().join("rotel.pid"))
            .arg("--log-file")
            .arg(dir.path().join("rotel.log"));
        match &self.export_to {
            Some(endpoint) => cmd.args([
                "--exporter",
                "otlp",
                "--otlp-exporter-endpoint",
                endpoint,
                "--otlp-exporter-protocol",
                "grpc",
            ]),
            None => cmd.args(["--exporter", "blackhole"]),
        };
        for signal in &self.disabled {
            cmd.arg(signal.disable_flag());
        }
        cmd.args(&self.extra_args);
        let mut process = PeerProcess::spawn("rotel-agent", cmd, &dir.path().join("output.log"));
        process.wait_ready(&[grpc, http], STARTUP_TIMEOUT)?;
        Ok(Rotel {
            process,
            grpc,
            http,
            disabled: self.disabled.clone(),
            _dir: dir,
        })
    }
}

/// A running rotel-agent; killed on Drop.
pub struct Rotel {
    process: PeerProcess,
    grpc: SocketAddr,
    http: SocketAddr,
    disabled: Vec<Signal>,
    _dir: TempDir,
}

impl Rotel {
    /// rotel with every receiver on and the blackhole exporter.
    pub fn start() -> Rotel {
        Rotel::builder().start()
    }

    /// Options (e.g. a disabled signal) before starting.
    pub fn builder() -> RotelBuilder {
        RotelBuilder::default()
    }

    /// OTLP/gRPC listen address (127.0.0.1).
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc
    }

    /// OTLP/HTTP listen address (127.0.0.1).
    pub fn http_addr(&self) -> SocketAddr {
        self.http
    }

    /// `http://127.0.0.1:G` (plaintext gRPC endpoint).
    pub fn grpc_url(&self) -> String {
        format!("http://{}", self.grpc)
    }

    /// `http://127.0.0.1:H` (OTLP/HTTP base URL, without `/v1/...`).
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http)
    }

    /// Signals whose receiver was disabled.
    pub fn disabled(&self) -> &[Signal] {
        &self.disabled
    }

    /// Last `lines` lines of rotel's output, for assertion messages.
    pub fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }

    /// Panics (with the log tail) if rotel has exited.
    pub fn assert_running(&mut self) {
        if let Some(status) = self.process.exit_status() {
            panic!(
                "rotel-agent exited ({status})\n{}",
                self.process.log_tail(40)
            );
        }
    }

    /// Kills rotel now; its ports stop accepting.
    pub fn stop(&mut self) {
        self.process.kill();
    }
}
