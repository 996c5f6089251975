//! `otlp-doctor proxy --format json` on free ports in front of an upstream, read line by line.

use super::live_process::LiveProcess;
use serde_json::Value;
use std::time::Duration;

pub struct Proxy {
    process: LiveProcess,
    /// `http://127.0.0.1:P` of the proxy's OTLP/gRPC listener.
    pub grpc: String,
    /// `http://127.0.0.1:P` of the proxy's OTLP/HTTP listener.
    pub http: String,
    /// `http://127.0.0.1:P/metrics` when started with `--metrics-listen`.
    pub metrics: Option<String>,
}

impl Proxy {
    /// A proxy to `upstream` (gRPC, and OTLP/HTTP too unless `args` has `--upstream-http`).
    pub fn start(upstream: &str, args: &[&str]) -> Proxy {
        let mut all = vec![
            "proxy",
            "--upstream",
            upstream,
            "--grpc-listen",
            "127.0.0.1:0",
            "--http-listen",
            "127.0.0.1:0",
        ];
        all.extend_from_slice(args);
        let (process, first) = LiveProcess::start(&all, super::schema::assert_valid_proxy_line);
        let url = |key: &str| first[key].as_str().map(str::to_string);
        Proxy {
            process,
            grpc: url("grpc_url").expect("grpc_url"),
            http: url("http_url").expect("http_url"),
            metrics: url("metrics"),
        }
    }

    /// A proxy whose gRPC and OTLP/HTTP traffic go to the two ports of one collector.
    pub fn start_in_front_of(grpc_upstream: &str, http_upstream: &str, args: &[&str]) -> Proxy {
        let mut all = vec!["--upstream-http", http_upstream];
        all.extend_from_slice(args);
        Proxy::start(grpc_upstream, &all)
    }

    /// Collects lines until `done` holds for all seen so far, or `timeout` passes; says which.
    pub fn wait_until(&mut self, timeout: Duration, done: impl Fn(&[Value]) -> bool) -> bool {
        self.process.wait_until(timeout, done)
    }

    /// Stops with SIGINT (in-flight exports drain) and returns every line, summary last.
    pub fn stop(self) -> Vec<Value> {
        self.process.stop()
    }
}

/// The `export` lines among `lines`.
pub fn exports(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter(|l| l["kind"] == "export").collect()
}
