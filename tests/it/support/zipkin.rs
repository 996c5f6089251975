//! A real Zipkin (server 3.5.1, the `io.zipkin:zipkin-server` exec jar that
//! `bash scripts/peers/zipkin.sh` fetches from Maven Central) run with `java -jar` on
//! 127.0.0.1 with in-memory storage, and in front of it `otelcol-zipkin`: the smallest
//! OpenTelemetry Collector (otlp receiver → batch → zipkin exporter, Go module
//! `tests/peers/otelcol-zipkin`), because Zipkin's server takes no OTLP. That is the path a
//! Zipkin user runs: the application exports OTLP to a Collector that forwards to Zipkin.
//! Overrides: `OTLP_DOCTOR_JAVA`, `OTLP_DOCTOR_ZIPKIN_JAR`, `OTLP_DOCTOR_OTELCOL_ZIPKIN`.

use std::env;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use super::built_peers::built_peer;
use super::collector_process::{OtlpReceiver, peer_dir, start_collector, with_port_retries};
use super::ports::free_addr;
use super::process::PeerProcess;

pub const ZIPKIN_VERSION: &str = "3.5.1";
pub const OTELCOL_ZIPKIN_VERSION: &str = "0.139.0";

/// A JVM with Spring Boot takes seconds alone and a minute on a loaded two-core machine.
const ZIPKIN_STARTUP: Duration = Duration::from_secs(120);
const RELAY_STARTUP: Duration = Duration::from_secs(30);

fn zipkin_jar() -> PathBuf {
    env::var_os("OTLP_DOCTOR_ZIPKIN_JAR").map_or_else(
        || built_peer("zipkin", ZIPKIN_VERSION, "zipkin.jar", "zipkin.sh"),
        PathBuf::from,
    )
}

fn relay_binary() -> PathBuf {
    env::var_os("OTLP_DOCTOR_OTELCOL_ZIPKIN").map_or_else(
        || {
            built_peer(
                "otelcol-zipkin",
                OTELCOL_ZIPKIN_VERSION,
                "otelcol-zipkin",
                "zipkin.sh",
            )
        },
        PathBuf::from,
    )
}

/// A running Zipkin server; killed on Drop.
pub struct Zipkin {
    process: PeerProcess,
    http: SocketAddr,
    _dir: TempDir,
}

impl Zipkin {
    /// Starts Zipkin and waits (bounded) until its HTTP port (API, UI, span intake) accepts.
    pub fn start() -> Zipkin {
        let jar = zipkin_jar();
        let java =
            env::var_os("OTLP_DOCTOR_JAVA").map_or_else(|| PathBuf::from("java"), PathBuf::from);
        let dir = peer_dir("zipkin");
        let http = free_addr();
        let mut cmd = Command::new(&java);
        // Zipkin reads its settings from the environment (STORAGE_TYPE, QUERY_PORT, ...):
        // name the ones that matter and keep the rest of the developer's out.
        cmd.env_clear()
            .env("PATH", env::var_os("PATH").unwrap_or_default())
            .env("STORAGE_TYPE", "mem")
            .args(["-Xms64m", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar"])
            .arg(&jar)
            // Armeria serves Zipkin's port; bind it to loopback only.
            .arg(format!("--armeria.ports[0].ip={}", http.ip()))
            .arg(format!("--armeria.ports[0].port={}", http.port()))
            .arg("--armeria.ports[0].protocols[0]=http");
        let mut process = PeerProcess::spawn("zipkin", cmd, &dir.path().join("output.log"));
        if let Err(e) = process.wait_ready(&[http], ZIPKIN_STARTUP) {
            panic!("zipkin failed to start: {e}");
        }
        Zipkin {
            process,
            http,
            _dir: dir,
        }
    }

    /// `http://127.0.0.1:Z`: what `--verify-backend zipkin=` takes.
    pub fn url(&self) -> String {
        format!("http://{}", self.http)
    }

    /// Last `lines` lines of Zipkin's output, for assertion messages.
    pub fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }
}

/// A running otelcol-zipkin that forwards OTLP traces to one Zipkin; killed on Drop.
pub struct ZipkinRelay {
    process: PeerProcess,
    otlp: OtlpReceiver,
    _dir: TempDir,
}

impl ZipkinRelay {
    /// Starts the Collector exporting to `zipkin`, waits (bounded) until its OTLP ports accept.
    pub fn start(zipkin: &Zipkin) -> ZipkinRelay {
        with_port_retries("otelcol-zipkin", || ZipkinRelay::try_start(zipkin))
    }

    fn try_start(zipkin: &Zipkin) -> Result<ZipkinRelay, String> {
        let dir = peer_dir("otelcol-zipkin");
        let otlp = OtlpReceiver::pick();
        let config = format!(
            "{receivers}processors:
  batch:
    timeout: 100ms
exporters:
  zipkin:
    endpoint: {zipkin}/api/v2/spans
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [zipkin]
",
            receivers = otlp.yaml(),
            zipkin = zipkin.url()
        );
        let process = start_collector(
            "otelcol-zipkin",
            &relay_binary(),
            dir.path(),
            &config,
            &[otlp.grpc, otlp.http],
            RELAY_STARTUP,
        )?;
        Ok(ZipkinRelay {
            process,
            otlp,
            _dir: dir,
        })
    }

    /// `http://127.0.0.1:G`: the OTLP/gRPC receiver.
    pub fn otlp_grpc_url(&self) -> String {
        self.otlp.grpc_url()
    }

    /// `http://127.0.0.1:H`: the OTLP/HTTP receiver's base URL.
    pub fn otlp_http_url(&self) -> String {
        self.otlp.http_url()
    }

    /// Last `lines` lines of the Collector's output, for assertion messages.
    pub fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }
}
