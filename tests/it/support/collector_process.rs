//! Peers that are OpenTelemetry Collector builds (Jaeger v2, otelcol-zipkin): one config file
//! of ours, the OTLP receiver on two free loopback ports, and the child started with
//! `--config` and awaited on its ports.

use std::env;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use super::ports::free_addr;
use super::process::PeerProcess;

/// The OTLP receiver's two addresses.
#[derive(Clone, Copy, Debug)]
pub struct OtlpReceiver {
    pub grpc: SocketAddr,
    pub http: SocketAddr,
}

impl OtlpReceiver {
    /// Two free ports on 127.0.0.1.
    pub fn pick() -> OtlpReceiver {
        OtlpReceiver {
            grpc: free_addr(),
            http: free_addr(),
        }
    }

    /// The top-level `receivers:` section with the `otlp` receiver on these addresses.
    pub fn yaml(&self) -> String {
        format!(
            "receivers:
  otlp:
    protocols:
      grpc:
        endpoint: {}
      http:
        endpoint: {}
",
            self.grpc, self.http
        )
    }

    /// `http://127.0.0.1:G`.
    pub fn grpc_url(&self) -> String {
        format!("http://{}", self.grpc)
    }

    /// `http://127.0.0.1:H`, the OTLP/HTTP base URL.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http)
    }
}

/// A temp dir named after the peer, for its config and log.
pub fn peer_dir(name: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("otlp-doctor-{name}-"))
        .tempdir()
        .unwrap_or_else(|e| panic!("create a temp dir for {name}: {e}"))
}

/// Writes `config` into `dir`, starts `bin --config <it>` and waits (bounded) until every
/// address in `ready` accepts.
pub fn start_collector(
    name: &str,
    bin: &Path,
    dir: &Path,
    config: &str,
    ready: &[SocketAddr],
    timeout: Duration,
) -> Result<PeerProcess, String> {
    let config_path = dir.join("config.yaml");
    std::fs::write(&config_path, config).unwrap_or_else(|e| panic!("write the {name} config: {e}"));
    let mut cmd = Command::new(bin);
    // The Collector core reads OTEL_* for its own telemetry: keep the developer's out.
    for (key, _) in env::vars_os() {
        if key.to_string_lossy().starts_with("OTEL_") {
            cmd.env_remove(&key);
        }
    }
    cmd.arg("--config").arg(&config_path);
    let mut process = PeerProcess::spawn(name, cmd, &dir.join("output.log"));
    process.wait_ready(ready, timeout)?;
    Ok(process)
}

/// Runs `try_start` up to three times (a picked port may be taken by another test's process
/// in the meantime), panicking with the last error.
pub fn with_port_retries<T>(name: &str, mut try_start: impl FnMut() -> Result<T, String>) -> T {
    let mut last_err = String::new();
    for _ in 0..3 {
        match try_start() {
            Ok(peer) => return peer,
            Err(e) => last_err = e,
        }
    }
    panic!("{name} failed to start: {last_err}");
}
