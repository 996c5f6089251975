//! The real OpenTelemetry Collector built from Go modules by `scripts/peers/otelcol.sh`
//! (`tests/peers/otelcol`: core v0.165.0, contrib v0.165.1), run in the foreground on
//! 127.0.0.1 with a generated config:
//!
//! - the `otlp` receiver on gRPC and HTTP ports, optionally with TLS or mTLS (rcgen
//!   certificates from [`super::certs`]);
//! - one pipeline per signal, `otlp → [memory_limiter,] batch → EXPORTER`, the exporter
//!   `debug` unless a test names another (`otlp_grpc/…`, `otlp_http/…`);
//! - the extensions `health_check` (v1), `healthcheckv2` (with component status), `zpages`
//!   and `pprof`, each on its own port;
//! - internal telemetry on a Prometheus pull reader.
//!
//! The binary is looked up in `OTLP_DOCTOR_OTELCOL_DOCTOR`, else in the script's cache
//! (`${OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}/otelcol-0.165.0/otelcol-doctor`).
//! A missing binary fails the test naming `bash scripts/peers/otelcol.sh`.

use std::env;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::certs::CertPair;
use super::ports::free_addr;
use super::process::{PeerProcess, STARTUP_TIMEOUT};

/// The core release `tests/peers/otelcol/go.mod` pins (and the cache directory's name).
pub const OTELCOL_VERSION: &str = "0.165.0";

/// The step that builds the binary, named in every "binary missing" failure.
pub const BUILD_HINT: &str = "run `bash scripts/peers/otelcol.sh`";

/// Bound on one HTTP exchange with the Collector (scrape, health, sending data).
const HTTP_TIMEOUT: Duration = Duration::from_secs(3);

/// Path of the `otelcol-doctor` binary, cached.
pub fn otelcol_doctor() -> PathBuf {
    static PATH: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PATH.get_or_init(find_binary)
        .clone()
        .unwrap_or_else(|searched| {
            panic!("the real OpenTelemetry Collector (otelcol-doctor {OTELCOL_VERSION}) is not built: {BUILD_HINT} (searched: {searched})")
        })
}

fn find_binary() -> Result<PathBuf, String> {
    let path = match env::var_os("OTLP_DOCTOR_OTELCOL_DOCTOR") {
        Some(path) => PathBuf::from(path),
        None => {
            let peers = env::var_os("OTLP_DOCTOR_PEERS")
                .map(PathBuf::from)
                .or_else(|| {
                    env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/otlp-doctor/peers"))
                })
                .unwrap_or_else(|| PathBuf::from("/root/.cache/otlp-doctor/peers"));
            peers
                .join(format!("otelcol-{OTELCOL_VERSION}"))
                .join("otelcol-doctor")
        }
    };
    use std::os::unix::fs::PermissionsExt;
    let executable = path
        .metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if executable {
        Ok(path)
    } else {
        Err(path.display().to_string())
    }
}

/// How the Prometheus reader names the counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricNames {
    /// The reader without `without_*` keys: at v0.165 that serves
    /// `otelcol_exporter_sent_spans` (no `_total`, no units, no scope labels).
    Plain,
    /// `without_type_suffix: false`, `without_units: false`, `without_scope_info: false`:
    /// `otelcol_exporter_sent_spans_total{…,otel_scope_name="…"}`.
    Suffixed,
}

/// TLS on the `otlp` receiver's two ports.
#[derive(Clone, Debug)]
enum ReceiverTls {
    Plain,
    Tls(CertPair),
    /// TLS that requires a client certificate signed by the given CA.
    Mtls(CertPair, PathBuf),
}

/// Options for [`CollectorPeer`].
#[derive(Clone, Debug)]
pub struct CollectorPeerBuilder {
    tls: ReceiverTls,
    exporter_id: String,
    exporter_settings: Vec<String>,
    memory_limit_mib: Option<(u32, u32)>,
    recovery_duration: String,
    names: MetricNames,
}

impl CollectorPeerBuilder {
    /// Serve both receiver ports over TLS with `cert`.
    pub fn tls(mut self, cert: &CertPair) -> Self {
        self.tls = ReceiverTls::Tls(cert.clone());
        self
    }

    /// Serve both receiver ports over TLS with `cert`, requiring client certificates signed
    /// by `client_ca`.
    pub fn mtls(mut self, cert: &CertPair, client_ca: &Path) -> Self {
        self.tls = ReceiverTls::Mtls(cert.clone(), client_ca.to_path_buf());
        self
    }

    /// Export every pipeline through exporter `id` (e.g. `otlp_http/dead`) configured by
    /// `yaml` (lines relative to the exporter, e.g. `endpoint: http://127.0.0.1:1`).
    pub fn exporter(mut self, id: &str, yaml: &str) -> Self {
        self.exporter_id = id.to_string();
        self.exporter_settings = vec![yaml.to_string()];
        self
    }

    /// Another YAML line (or several) under the exporter.
    pub fn exporter_setting(mut self, yaml: &str) -> Self {
        self.exporter_settings.push(yaml.to_string());
        self
    }

    /// Put a `memory_limiter` with these limits (MiB) first in every pipeline, checked
    /// every 100 ms. A limit below the Collector's own heap makes it refuse all data.
    pub fn memory_limit_mib(mut self, limit: u32, spike: u32) -> Self {
        self.memory_limit_mib = Some((limit, spike));
        self
    }

    /// healthcheckv2's `component_health::recovery_duration`: how long a recoverable error
    /// may last before the Collector reports itself unhealthy (default here: 1ms).
    pub fn recovery_duration(mut self, duration: &str) -> Self {
        self.recovery_duration = duration.to_string();
        self
    }

    /// Serve the internal metrics with `_total` suffixes, units and scope labels.
    pub fn suffixed_metric_names(mut self) -> Self {
        self.names = MetricNames::Suffixed;
        self
    }

    /// Starts the Collector and waits (bounded) until all its ports accept; retries with
    /// new ports if another process grabbed a picked one.
    pub fn start(self) -> CollectorPeer {
        let mut last_err = String::new();
        for _ in 0..3 {
            match self.try_start() {
                Ok(peer) => return peer,
                Err(e) => last_err = e,
            }
        }
        panic!("otelcol-doctor failed to start: {last_err}");
    }

    fn try_start(&self) -> Result<CollectorPeer, String> {
        let bin = otelcol_doctor();
        let dir = tempfile::Builder::new()
            .prefix("otlp-doctor-collector-peer-")
            .tempdir()
            .expect("create a temp dir for otelcol-doctor");
        let ports = Ports {
            grpc: free_addr(),
            http: free_addr(),
            health_v1: free_addr(),
            health_v2: free_addr(),
            zpages: free_addr(),
            pprof: free_addr(),
            metrics: free_addr(),
        };
        let config = dir.path().join("config.yaml");
        std::fs::write(&config, self.config(&ports)).expect("write otelcol-doctor config");
        let mut cmd = Command::new(&bin);
        for (key, _) in env::vars_os() {
            if key.to_string_lossy().starts_with("OTEL_") {
                cmd.env_remove(&key);
            }
        }
        cmd.arg("--config").arg(&config);
        let mut process = PeerProcess::spawn("otelcol-doctor", cmd, &dir.path().join("output.log"));
        process.wait_ready(&ports.all(), STARTUP_TIMEOUT)?;
        Ok(CollectorPeer {
            process,
            ports,
            tls: !matches!(self.tls, ReceiverTls::Plain),
            exporter_id: self.exporter_id.clone(),
            config,
            _dir: dir,
        })
    }

    fn config(&self, ports: &Ports) -> String {
        let tls = match &self.tls {
            ReceiverTls::Plain => String::new(),
            ReceiverTls::Tls(cert) => format!(
                "\n        tls:\n          cert_file: {}\n          key_file: {}",
                cert.cert.display(),
                cert.key.display()
            ),
            ReceiverTls::Mtls(cert, client_ca) => format!(
                "\n        tls:\n          cert_file: {}\n          key_file: {}\n          client_ca_file: {}",
                cert.cert.display(),
                cert.key.display(),
                client_ca.display()
            ),
        };
        let mut exporter = format!("  {}:\n", self.exporter_id);
        for setting in &self.exporter_settings {
            for line in setting.lines() {
                exporter.push_str(&format!("    {line}\n"));
            }
        }
        let (limiter, processors) = match self.memory_limit_mib {
            Some((limit, spike)) => (
                format!(
                    "  memory_limiter:\n    check_interval: 100ms\n    limit_mib: {limit}\n    spike_limit_mib: {spike}\n"
                ),
                "memory_limiter, batch",
            ),
            None => (String::new(), "batch"),
        };
        let names = match self.names {
            MetricNames::Plain => "",
            MetricNames::Suffixed => {
                "\n                without_type_suffix: false\n                without_units: false\n                without_scope_info: false"
            }
        };
        let pipeline = |signal: &str| {
            format!(
                "    {signal}:\n      receivers: [otlp]\n      processors: [{processors}]\n      exporters: [{}]\n",
                self.exporter_id
            )
        };
        format!(
            "receivers:
  otlp:
    protocols:
      grpc:
        endpoint: {grpc}{tls}
      http:
        endpoint: {http}{tls}
processors:
{limiter}  batch:
    timeout: 50ms
exporters:
{exporter}extensions:
  health_check:
    endpoint: {health_v1}
  healthcheckv2:
    use_v2: true
    component_health:
      include_permanent_errors: true
      include_recoverable_errors: true
      recovery_duration: {recovery}
    http:
      endpoint: {health_v2}
      status:
        enabled: true
        path: /status
  zpages:
    endpoint: {zpages}
  pprof:
    endpoint: {pprof}
service:
  extensions: [health_check, healthcheckv2, zpages, pprof]
  telemetry:
    logs:
      level: info
    metrics:
      level: detailed
      readers:
        - pull:
            exporter:
              prometheus:
                host: {metrics_host}
                port: {metrics_port}{names}
  pipelines:
{traces}{metrics}{logs}",
            grpc = ports.grpc,
            http = ports.http,
            health_v1 = ports.health_v1,
            health_v2 = ports.health_v2,
            zpages = ports.zpages,
            pprof = ports.pprof,
            metrics_host = ports.metrics.ip(),
            metrics_port = ports.metrics.port(),
            recovery = self.recovery_duration,
            traces = pipeline("traces"),
            metrics = pipeline("metrics"),
            logs = pipeline("logs"),
        )
    }
}

#[derive(Clone, Copy, Debug)]
struct Ports {
    grpc: SocketAddr,
    http: SocketAddr,
    health_v1: SocketAddr,
    health_v2: SocketAddr,
    zpages: SocketAddr,
    pprof: SocketAddr,
    metrics: SocketAddr,
}

impl Ports {
    fn all(&self) -> [SocketAddr; 7] {
        [
            self.grpc,
            self.http,
            self.health_v1,
            self.health_v2,
            self.zpages,
            self.pprof,
            self.metrics,
        ]
    }
}

/// A running Collector; killed on Drop.
pub struct CollectorPeer {
    process: PeerProcess,
    ports: Ports,
    tls: bool,
    exporter_id: String,
    config: PathBuf,
    _dir: TempDir,
}

impl CollectorPeer {
    /// A Collector that exports to `debug` (always succeeds).
    pub fn builder() -> CollectorPeerBuilder {
        CollectorPeerBuilder {
            tls: ReceiverTls::Plain,
            exporter_id: "debug".to_string(),
            exporter_settings: vec!["verbosity: basic".to_string()],
            memory_limit_mib: None,
            recovery_duration: "1ms".to_string(),
            names: MetricNames::Plain,
        }
    }

    pub fn start() -> CollectorPeer {
        CollectorPeer::builder().start()
    }

    fn scheme(&self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }

    /// The OTLP/gRPC receiver, `http://127.0.0.1:P` (`https://` with TLS).
    pub fn grpc_url(&self) -> String {
        format!("{}://{}", self.scheme(), self.ports.grpc)
    }

    /// The OTLP/HTTP receiver's base URL, `http://127.0.0.1:P` (`https://` with TLS).
    pub fn http_url(&self) -> String {
        format!("{}://{}", self.scheme(), self.ports.http)
    }

    /// health_check (v1): `http://127.0.0.1:P/`.
    pub fn health_v1_url(&self) -> String {
        format!("http://{}/", self.ports.health_v1)
    }

    /// healthcheckv2's status endpoint: `http://127.0.0.1:P/status`.
    pub fn health_v2_url(&self) -> String {
        format!("http://{}/status", self.ports.health_v2)
    }

    /// zpages: `http://127.0.0.1:P`.
    pub fn zpages_addr(&self) -> SocketAddr {
        self.ports.zpages
    }

    /// pprof: `http://127.0.0.1:P`.
    pub fn pprof_addr(&self) -> SocketAddr {
        self.ports.pprof
    }

    /// `http://127.0.0.1:P/metrics`.
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.ports.metrics)
    }

    /// The exporter every pipeline ends in (e.g. `otlp_http/dead`).
    pub fn exporter_id(&self) -> &str {
        &self.exporter_id
    }

    /// The generated config file.
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// GET `path` on `addr` (plain HTTP/1.0, bounded): status and body.
    pub fn get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
        http_exchange(
            addr,
            format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: */*\r\n\r\n").as_bytes(),
        )
    }

    /// The metrics page now; empty if the scrape failed.
    pub fn scrape(&self) -> String {
        CollectorPeer::get(self.ports.metrics, "/metrics")
            .map(|(_, body)| body)
            .unwrap_or_default()
    }

    /// Sends `count` log records in one OTLP/HTTP JSON request to the (plain) HTTP receiver;
    /// returns the HTTP status.
    pub fn send_logs(&self, count: usize) -> std::io::Result<u16> {
        send_logs(self.ports.http, count)
    }

    /// Keeps sending a log record every 100 ms (for at most a minute) until the guard drops,
    /// so counters move while a test samples them.
    pub fn traffic(&self) -> Traffic {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let addr = self.ports.http;
        let handle = thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !flag.load(Ordering::SeqCst) && Instant::now() < deadline {
                let _ = send_logs(addr, 1);
                thread::sleep(Duration::from_millis(100));
            }
        });
        Traffic {
            stop,
            handle: Some(handle),
        }
    }

    /// Scrapes until a sample line starting with `metric` has a value above zero, or panics
    /// after `timeout` with the page and the Collector's log.
    pub fn wait_for_nonzero(&self, metric: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let page = self.scrape();
            if has_nonzero_sample(&page, metric) {
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

    /// Polls `url`'s address and path until it answers `status`, or panics after `timeout`;
    /// returns the body.
    pub fn wait_for_status(&self, url: &str, status: u16, timeout: Duration) -> String {
        let rest = url.strip_prefix("http://").unwrap_or(url);
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let addr: SocketAddr = host.parse().expect("a 127.0.0.1:P URL");
        let path = format!("/{path}");
        let deadline = Instant::now() + timeout;
        loop {
            let last = match CollectorPeer::get(addr, &path) {
                Ok((got, body)) if got == status => return body,
                Ok((got, body)) => format!("{got} {body}"),
                Err(e) => e.to_string(),
            };
            if Instant::now() >= deadline {
                panic!(
                    "{url} did not answer {status} within {timeout:?} (last: {last})\n{}",
                    self.log_tail(30)
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Asks the Collector to shut down (SIGTERM to its pid) without waiting: it answers
    /// "not ready" on its health endpoints while its pipelines drain. Drop still kills it.
    pub fn begin_shutdown(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.process.pid().to_string())
            .status()
            .expect("run kill -TERM");
        assert!(status.success(), "kill -TERM {} failed", self.process.pid());
    }

    /// Last `lines` lines of the Collector's output, for assertion messages.
    pub fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }
}

/// Sends data while alive; see [`CollectorPeer::traffic`].
pub struct Traffic {
    stop: Arc<AtomicBool>,
    handle: Option<thread::JoinHandle<()>>,
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// Whether a sample line of `page` starting with `metric` has a value above zero.
fn has_nonzero_sample(page: &str, metric: &str) -> bool {
    page.lines().any(|line| {
        line.starts_with(metric)
            && line
                .rsplit(' ')
                .next()
                .and_then(|v| v.parse::<f64>().ok())
                .is_some_and(|v| v > 0.0)
    })
}

fn send_logs(addr: SocketAddr, count: usize) -> std::io::Result<u16> {
    let records: Vec<String> = (0..count)
        .map(|i| format!(r#"{{"body":{{"stringValue":"otlp-doctor test record {i}"}}}}"#))
        .collect();
    let body = format!(
        r#"{{"resourceLogs":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"otlp-doctor-tests"}}}}]}},"scopeLogs":[{{"logRecords":[{}]}}]}}]}}"#,
        records.join(",")
    );
    let request = format!(
        "POST /v1/logs HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    http_exchange(addr, request.as_bytes()).map(|(status, _)| status)
}

/// One bounded HTTP/1.0 exchange: writes `request`, reads to EOF, returns status and body.
pub fn http_exchange(addr: SocketAddr, request: &[u8]) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, HTTP_TIMEOUT)?;
    stream.set_read_timeout(Some(HTTP_TIMEOUT))?;
    stream.set_write_timeout(Some(HTTP_TIMEOUT))?;
    stream.write_all(request)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {text:.80}")))?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, body)| body.to_string());
    Ok((status, body))
}
