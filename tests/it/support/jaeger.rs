//! A real Jaeger v2 (v1.75.0, built from its Go module by `bash scripts/peers/jaeger.sh`) in
//! the foreground on 127.0.0.1, with a config of ours: the OTLP receiver (gRPC and HTTP), the
//! batch processor, the storage exporter into in-memory storage, and the query extension
//! (HTTP API + UI) on free ports. Jaeger v2 is an OpenTelemetry Collector distribution, so
//! the config is Collector YAML (keys as in v1.75.0's `cmd/jaeger/config.yaml`).
//! Override the binary with `OTLP_DOCTOR_JAEGER`.

use std::env;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tempfile::TempDir;

use super::built_peers::built_peer;
use super::collector_process::{OtlpReceiver, peer_dir, start_collector, with_port_retries};
use super::ports::free_addr;
use super::process::PeerProcess;

pub const JAEGER_VERSION: &str = "1.75.0";

/// Jaeger opens its ports within a second alone; the bound leaves room for a loaded machine.
const JAEGER_STARTUP: Duration = Duration::from_secs(30);

/// A running Jaeger; killed on Drop.
pub struct Jaeger {
    process: PeerProcess,
    otlp: OtlpReceiver,
    query: SocketAddr,
    _dir: TempDir,
}

fn jaeger_binary() -> PathBuf {
    if let Some(path) = env::var_os("OTLP_DOCTOR_JAEGER") {
        return PathBuf::from(path);
    }
    built_peer("jaeger", JAEGER_VERSION, "jaeger", "jaeger.sh")
}

fn config(otlp: &OtlpReceiver, query: SocketAddr, query_grpc: SocketAddr) -> String {
    format!(
        "service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: info
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: {query}
    grpc:
      endpoint: {query_grpc}
{receivers}processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
",
        receivers = otlp.yaml()
    )
}

impl Jaeger {
    /// Starts Jaeger and waits (bounded) until the OTLP and query ports accept.
    pub fn start() -> Jaeger {
        with_port_retries("jaeger", Jaeger::try_start)
    }

    fn try_start() -> Result<Jaeger, String> {
        let dir = peer_dir("jaeger");
        let (otlp, query, query_grpc) = (OtlpReceiver::pick(), free_addr(), free_addr());
        let process = start_collector(
            "jaeger",
            &jaeger_binary(),
            dir.path(),
            &config(&otlp, query, query_grpc),
            &[otlp.grpc, otlp.http, query],
            JAEGER_STARTUP,
        )?;
        Ok(Jaeger {
            process,
            otlp,
            query,
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

    /// `http://127.0.0.1:Q`: the query service (API and UI), what `--verify-backend jaeger=` takes.
    pub fn query_url(&self) -> String {
        format!("http://{}", self.query)
    }

    /// Last `lines` lines of Jaeger's output, for assertion messages.
    pub fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }
}
