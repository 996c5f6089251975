//! Command-line types only (clap derive). Commands turn these into validated settings before
//! anything runs; nothing else in the crate sees clap types.

use crate::report::render::Format;
use crate::settings::values::Header;
use crate::settings::{Compression, Protocol, Signal};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "otlp-doctor",
    version,
    about = "Find out why OpenTelemetry data does not arrive, and how to fix it",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Full diagnosis of an OTLP export path: config, DNS, TCP, TLS, protocol
    Check(CheckArgs),
    /// Resolve the exporter config from OTEL_* variables as SDKs do, and lint it (offline)
    Env(EnvArgs),
    /// Send test traces, metrics or logs and print what the server answered
    Send(SendArgs),
    /// Local OTLP receiver that shows and lints what an application sends
    Serve(NotBuiltArgs),
    /// The embedded default: start the receiver in-process and check it
    Demo(DemoArgs),
    /// Look an error message up in the knowledge base
    Explain(NotBuiltArgs),
    /// Check a Collector: health endpoint, internal metrics, config file
    Collector(NotBuiltArgs),
    /// Generate OTLP load and report throughput and latency
    Load(NotBuiltArgs),
    /// Measure opentelemetry-rust SDK overhead in-process
    Overhead(NotBuiltArgs),
    /// Find OpenTelemetry crate version conflicts in a Rust project
    Deps(NotBuiltArgs),
    /// Blackbox-exporter style endpoint for Prometheus
    ProbeServer(NotBuiltArgs),
}

/// Placeholder arguments of a command that is not built yet: it accepts anything and says so.
#[derive(Debug, Args)]
pub struct NotBuiltArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

/// What every target-taking command shares (contract: "Flags every target-taking command shares").
#[derive(Debug, Args, Clone)]
pub struct TargetArgs {
    /// Endpoint URL; same meaning as OTEL_EXPORTER_OTLP_ENDPOINT (for HTTP, /v1/<signal> is appended)
    pub endpoint: Option<String>,
    /// OTLP protocol [default: from OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf]
    #[arg(long, value_enum)]
    pub protocol: Option<Protocol>,
    /// Header sent with every request, K=V (repeatable); merged over OTEL_EXPORTER_OTLP_HEADERS
    #[arg(long = "header", value_name = "K=V", value_parser = parse_header_flag)]
    pub headers: Vec<Header>,
    /// Signals to check, comma-separated
    #[arg(long, value_enum, value_delimiter = ',')]
    pub signals: Vec<Signal>,
    /// PEM file of the CA that signed the server's certificate
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// PEM client certificate for mTLS
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// PEM private key of the client certificate
    #[arg(long, value_name = "FILE")]
    pub client_key: Option<PathBuf>,
    /// Plaintext, like the spec's OTEL_EXPORTER_OTLP_INSECURE=true
    #[arg(long)]
    pub insecure: bool,
    /// Payload compression [default: from OTEL_EXPORTER_OTLP_COMPRESSION, else none]
    #[arg(long, value_enum)]
    pub compression: Option<Compression>,
    /// Bound on each network step, e.g. 2s or 500ms
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration_flag)]
    pub timeout: Duration,
}

/// How a report is printed.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Exit 1 on warnings too, not only on errors
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Bound on each network step
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration_flag)]
    pub timeout: Duration,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Items per signal: spans in one trace, metric data points, log records
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub count: u32,
    /// Attribute on every span, data point and log record, K=V (repeatable)
    #[arg(long = "attr", value_name = "K=V", value_parser = parse_attribute_flag)]
    pub attributes: Vec<(String, String)>,
    /// Name of the spans
    #[arg(long, default_value = "otlp-doctor send")]
    pub span_name: String,
    /// service.name of the test telemetry
    #[arg(long, default_value = "otlp-doctor")]
    pub service_name: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_attribute_flag(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_string(), value.to_string())),
        _ => Err("expected K=V, e.g. --attr deployment.environment=staging".into()),
    }
}

fn parse_header_flag(raw: &str) -> Result<Header, String> {
    let (name, value) = raw
        .split_once('=')
        .ok_or_else(|| "expected K=V, e.g. --header 'authorization=Bearer TOKEN'".to_string())?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    {
        return Err(format!("'{name}' is not a valid header name"));
    }
    Ok(Header {
        name: name.to_ascii_lowercase(),
        value: value.to_string(),
    })
}

fn parse_duration_flag(raw: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(raw.trim())
        .map_err(|e| format!("'{raw}' is not a duration like 2s or 500ms: {e}"))?;
    if duration.is_zero() {
        return Err("the timeout must be above zero".into());
    }
    Ok(duration)
}
