//! Command-line types only (clap derive). Commands turn these into validated settings before
//! anything runs; nothing else in the crate sees clap types.

use crate::report::render::Format;
use crate::sdk_model::SdkArg;
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
    #[command(after_help = examples::CHECK)]
    Check(CheckArgs),
    /// Resolve the exporter config from OTEL_* variables as SDKs do, and lint it (offline)
    #[command(after_help = examples::ENV)]
    Env(EnvArgs),
    /// Send test traces, metrics or logs and print what the server answered
    #[command(after_help = examples::SEND)]
    Send(SendArgs),
    /// Local OTLP receiver that shows and lints what an application sends
    #[command(after_help = examples::SERVE)]
    Serve(ServeArgs),
    /// Stand between an app and its collector: forward every export unchanged and show it with the upstream's answer
    #[command(after_help = examples::PROXY)]
    Proxy(ProxyArgs),
    /// The embedded default: start the receiver in-process and check it
    #[command(after_help = examples::DEMO)]
    Demo(DemoArgs),
    /// Look an error message up in the knowledge base
    #[command(after_help = examples::EXPLAIN)]
    Explain(ExplainArgs),
    /// Check a Collector: health endpoint, internal metrics, config file
    #[command(after_help = examples::COLLECTOR)]
    Collector(CollectorArgs),
    /// Generate OTLP load and report throughput and latency
    #[command(after_help = examples::LOAD)]
    Load(LoadArgs),
    /// Measure opentelemetry-rust SDK overhead in-process
    #[command(after_help = examples::OVERHEAD)]
    Overhead(OverheadArgs),
    /// Find OpenTelemetry crate version conflicts in a Rust project
    #[command(after_help = examples::DEPS)]
    Deps(DepsArgs),
    /// Blackbox-exporter style endpoint for Prometheus
    #[command(after_help = examples::PROBE_SERVER)]
    ProbeServer(ProbeServerArgs),
    /// What listens on the usual OTLP, Collector and tracing-backend ports of a host
    Scan(ScanArgs),
}

/// `scan`: the usual ports of one host (and `--ports`), each identified.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  otlp-doctor scan\n  otlp-doctor scan collector.internal --ports 4327,9090\n  otlp-doctor scan 127.0.0.1 --only --ports 4317 --format json"
)]
pub struct ScanArgs {
    /// Host name or address to scan; only this host is contacted
    #[arg(default_value = "localhost")]
    pub host: String,
    /// More ports to look at, comma-separated (added to the usual ones)
    #[arg(long, value_name = "PORT,...", value_delimiter = ',', value_parser = clap::value_parser!(u16).range(1..))]
    pub ports: Vec<u16>,
    /// Look at the --ports only, not the usual ones
    #[arg(long, requires = "ports")]
    pub only: bool,
    /// Bound on each network step of each port, e.g. 1s or 300ms
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration_flag)]
    pub timeout: Duration,
    #[command(flatten)]
    pub trace: TraceArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// `overhead`: what the opentelemetry-rust SDK costs per span, measured in-process.
#[derive(Debug, Args)]
pub struct OverheadArgs {
    /// OTLP endpoint to export to [default: the built-in receiver, started in-process]; for HTTP, /v1/traces is appended
    pub endpoint: Option<String>,
    /// Export protocol
    #[arg(long, value_enum, default_value = "grpc")]
    pub protocol: ProtobufProtocol,
    /// Spans created per iteration
    #[arg(long, value_name = "N", default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub spans: u32,
    /// Measured iterations per scenario
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub iterations: u32,
    /// Iterations run first and not counted
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub warmup: u32,
    /// Attributes set on every span
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(0..=128))]
    pub attributes: u32,
    /// Rounds of the leak check (build a provider, create the spans, shut it down); 0 skips it
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub leak_rounds: u32,
    /// Also write a self-contained HTML report plotting the cost per span of each batch/queue setting to this file
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// `probe-server`: blackbox-exporter style `/probe?target=URL` endpoint for Prometheus.
#[derive(Debug, Args)]
pub struct ProbeServerArgs {
    /// Listen address (port 0 picks a free port; the bound address is printed)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9464")]
    pub listen: std::net::SocketAddr,
    /// TOML file of named probe modules ([modules.NAME] tables); reloaded on SIGHUP
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Probes running at once; beyond that /probe answers 503 at once
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_concurrent: u32,
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
    #[arg(short = 'H', long = "header", value_name = "K=V", value_parser = parse_header_flag)]
    pub headers: Vec<Header>,
    /// Signals, comma-separated, or all [default: traces; env: all]
    #[arg(long, value_enum, value_delimiter = ',')]
    pub signals: Vec<SignalChoice>,
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

/// Which SDK's behaviour the diagnosis models.
#[derive(Debug, Args, Clone, Default)]
pub struct SdkArgs {
    /// SDK the application runs: rust, python, go, java, node, dotnet, or spec [default: OTEL_DOCTOR_SDK, else detected from the project in the current directory, else spec]
    #[arg(long, value_name = "SDK", value_parser = parse_sdk_flag)]
    pub sdk: Option<SdkArg>,
}

fn parse_sdk_flag(raw: &str) -> Result<SdkArg, String> {
    raw.parse()
        .map_err(|e: crate::sdk_model::UnknownSdk| e.to_string())
}

/// `-v`: the wire trace.
#[derive(Debug, Args, Clone, Default)]
pub struct TraceArgs {
    /// Wire trace, like curl -v: resolver answers, connect attempts, TLS handshake, requests (header values masked) and answers; on stderr, and as `trace` in JSON
    #[arg(short = 'v', long)]
    pub verbose: bool,
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
    pub sdk: SdkArgs,
    /// Also check the Collector's health_check extension, e.g. http://localhost:13133/
    #[arg(long, value_name = "URL")]
    pub collector_health: Option<String>,
    /// After the export, look the probe trace up in the backend: jaeger|tempo|zipkin=URL
    #[arg(long, value_name = "KIND=URL", value_parser = crate::checks::backend::BackendQuery::parse)]
    pub verify_backend: Option<crate::checks::backend::BackendQuery>,
    /// How long to wait for the trace to appear in the backend
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration_flag)]
    pub backend_deadline: Duration,
    #[command(flatten)]
    pub trace: TraceArgs,
    /// Repeat the check until Ctrl-C (or --count rounds) and end with a summary: success rate, latency per phase, when each code came and went
    #[arg(long)]
    pub watch: bool,
    /// Gap between two rounds of --watch
    #[arg(long, value_name = "DURATION", default_value = "5s", requires = "watch", value_parser = parse_duration_flag)]
    pub interval: Duration,
    /// Stop --watch after N rounds
    #[arg(long, value_name = "N", requires = "watch", value_parser = clap::value_parser!(u32).range(1..))]
    pub count: Option<u32>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub sdk: SdkArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `collector`: at least one of the three surfaces (clap exits 2 naming them otherwise).
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("surface")
        .required(true)
        .multiple(true)
        .args(["health_url", "metrics_url", "config"])
))]
pub struct CollectorArgs {
    /// health_check extension URL [default if given without a value: http://localhost:13133/]
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "http://localhost:13133/", value_parser = parse_http_url_flag)]
    pub health_url: Option<String>,
    /// Internal Prometheus metrics URL [default if given without a value: http://localhost:8888/metrics]
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "http://localhost:8888/metrics", value_parser = parse_http_url_flag)]
    pub metrics_url: Option<String>,
    /// Collector YAML config file to lint (offline)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Gap between the two metric samples
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration_flag)]
    pub interval: Duration,
    /// Bound on each HTTP request
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration_flag)]
    pub timeout: Duration,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_http_url_flag(raw: &str) -> Result<String, String> {
    let uri: http::Uri = raw
        .trim()
        .parse()
        .map_err(|e| format!("'{raw}' is not a URL: {e}"))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => Ok(raw.trim().to_string()),
        _ => Err(format!(
            "'{raw}' is not an http:// or https:// URL with a host"
        )),
    }
}

/// `serve` prints a live view (human) or NDJSON (json); markdown is not a live format. The
/// flag's subset of [`Format`], which is what the rest of the program sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LiveFormat {
    Human,
    Json,
}

impl From<LiveFormat> for Format {
    fn from(format: LiveFormat) -> Format {
        match format {
            LiveFormat::Human => Format::Human,
            LiveFormat::Json => Format::Json,
        }
    }
}

/// The protobuf transports: `overhead --protocol` (the opentelemetry-otlp build here has no
/// http/json encoder) and `proxy --upstream-protocol` (the proxy sends protobuf upstream).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProtobufProtocol {
    #[value(name = "grpc")]
    Grpc,
    #[value(name = "http/protobuf")]
    HttpProtobuf,
}

impl From<ProtobufProtocol> for Protocol {
    fn from(protocol: ProtobufProtocol) -> Protocol {
        match protocol {
            ProtobufProtocol::Grpc => Protocol::Grpc,
            ProtobufProtocol::HttpProtobuf => Protocol::HttpProtobuf,
        }
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// OTLP/gRPC listen address (port 0 picks a free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4317")]
    pub grpc_listen: std::net::SocketAddr,
    /// OTLP/HTTP listen address (port 0 picks a free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4318")]
    pub http_listen: std::net::SocketAddr,
    /// Live output: a human view, or NDJSON (one object per line)
    #[arg(long, value_enum, default_value = "human")]
    pub format: LiveFormat,
    #[command(flatten)]
    pub faults: FaultArgs,
    /// Reject this many items of every request as partial success
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub reject_partial: u64,
    /// Serve TLS with a certificate made on the fly; its CA is written to a file whose path is printed
    #[arg(long)]
    pub tls: bool,
    /// Largest request accepted (bytes); larger gets 413 / RESOURCE_EXHAUSTED
    #[arg(long, value_name = "BYTES", default_value_t = crate::serve::DEFAULT_MAX_MESSAGE_BYTES)]
    pub max_message_bytes: usize,
    /// Stop after this long and print the summary (default: until Ctrl-C)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_flag)]
    pub duration: Option<Duration>,
    #[command(flatten)]
    pub ui: UiArgs,
    /// Append every accepted export request to FILE as OTLP JSON lines (the format of the Collector's file exporter), to look at with --open or re-send with `send --replay`
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Show and lint a saved capture (OTLP JSON lines) instead of listening; with --ui the view stays open until Ctrl-C
    #[arg(long, value_name = "FILE", conflicts_with_all = ["tls", "require_header", "fail_rate", "delay", "reject_partial", "grpc_listen", "http_listen"])]
    pub open: Option<PathBuf>,
}

/// The web view of `serve` and `demo`.
#[derive(Debug, Args, Clone)]
pub struct UiArgs {
    /// Also serve a web view of what arrives: traces with their waterfall, logs, metric charts, findings and requests [default address: 127.0.0.1:8686]
    #[arg(long = "ui", value_name = "ADDR", num_args = 0..=1, default_missing_value = crate::serve::ui::DEFAULT_UI_LISTEN)]
    pub listen: Option<std::net::SocketAddr>,
    /// Spans, log records, metric points and requests the web view keeps, each; the oldest are evicted first
    #[arg(long, value_name = "N", default_value_t = crate::serve::ui::store::DEFAULT_MAX_ITEMS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub ui_max_items: usize,
    /// How long the web view keeps what arrived, e.g. 10m
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_duration_flag)]
    pub ui_max_age: Duration,
}

/// Failures injected toward the app, shared by `serve` and `proxy`.
#[derive(Debug, Args, Clone)]
pub struct FaultArgs {
    /// Refuse requests without this header (401 / gRPC UNAUTHENTICATED), K=V, written as in OTEL_EXPORTER_OTLP_HEADERS (percent-escapes decoded, e.g. Bearer%20TOKEN)
    #[arg(long, value_name = "K=V", value_parser = parse_required_header)]
    pub require_header: Option<Header>,
    /// Share of requests to fail on purpose, 0.0 to 1.0
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate)]
    pub fail_rate: f64,
    /// How injected failures answer
    #[arg(long, value_enum, default_value = "unavailable")]
    pub fail_with: crate::serve::faults::FailureKind,
    /// Wait this long before answering each request, e.g. 200ms
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_or_zero)]
    pub delay: Option<Duration>,
}

/// `proxy`: listens like `serve`, forwards to `--upstream` with `check`'s TLS and header options.
#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// Where exports go: the collector or vendor endpoint, e.g. http://localhost:4317 or https://otlp.example.com (OTLP/HTTP paths are appended to its path)
    #[arg(long, value_name = "URL", value_parser = parse_http_url_flag)]
    pub upstream: String,
    /// Where OTLP/HTTP requests go instead, e.g. http://collector:4318 when --upstream is the collector's gRPC port
    #[arg(long, value_name = "URL", value_parser = parse_http_url_flag)]
    pub upstream_http: Option<String>,
    /// Send every export upstream in this protocol, converting those that came in the other (default: the protocol each came in)
    #[arg(long, value_enum, value_name = "PROTOCOL")]
    pub upstream_protocol: Option<ProtobufProtocol>,
    /// OTLP/gRPC listen address (port 0 picks a free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4317")]
    pub grpc_listen: std::net::SocketAddr,
    /// OTLP/HTTP listen address (port 0 picks a free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4318")]
    pub http_listen: std::net::SocketAddr,
    /// Serve the proxy's own Prometheus metrics at http://ADDR/metrics
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Header added to every forwarded request, K=V (repeatable); replaces the app's header of that name
    #[arg(short = 'H', long = "header", value_name = "K=V", value_parser = parse_header_flag)]
    pub headers: Vec<Header>,
    /// PEM file of the CA that signed the upstream's certificate
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// PEM client certificate for mTLS to the upstream
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// PEM private key of the client certificate
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Bound on connecting to the upstream and on each forwarded request, e.g. 10s
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration_flag)]
    pub timeout: Duration,
    /// Requests forwarded at once; more wait, so a slow upstream slows the app instead of filling memory
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_in_flight: u32,
    /// Largest request accepted (bytes); larger gets 413 / RESOURCE_EXHAUSTED
    #[arg(long, value_name = "BYTES", default_value_t = crate::serve::DEFAULT_MAX_MESSAGE_BYTES)]
    pub max_message_bytes: usize,
    #[command(flatten)]
    pub faults: FaultArgs,
    /// Tell the app this many items of every export the upstream accepted were rejected (partial success); the upstream still gets them all
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub reject_partial: u64,
    /// Live output: a human view, or NDJSON (one object per line)
    #[arg(long, value_enum, default_value = "human")]
    pub format: LiveFormat,
    /// What the live view shows: every item decoded and linted, or one line per export with its item count (for a sidecar at high rates)
    #[arg(long, value_enum, default_value = "items")]
    pub view: ProxyViewFlag,
    /// Stop after this long and print the summary (default: until Ctrl-C)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_flag)]
    pub duration: Option<Duration>,
}

/// `proxy --view`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProxyViewFlag {
    Items,
    Exports,
}

impl From<ProxyViewFlag> for crate::proxy::ProxyView {
    fn from(view: ProxyViewFlag) -> Self {
        match view {
            ProxyViewFlag::Items => crate::proxy::ProxyView::Items,
            ProxyViewFlag::Exports => crate::proxy::ProxyView::Exports,
        }
    }
}

fn parse_rate(raw: &str) -> Result<f64, String> {
    match raw.trim().parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!("'{raw}' is not a rate between 0.0 and 1.0")),
    }
}

fn parse_duration_or_zero(raw: &str) -> Result<Duration, String> {
    humantime::parse_duration(raw.trim())
        .map_err(|e| format!("'{raw}' is not a duration like 200ms: {e}"))
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Bound on each network step
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration_flag)]
    pub timeout: Duration,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub ui: UiArgs,
}

/// `deps`: reads Cargo.toml and Cargo.lock, offline.
#[derive(Debug, Args)]
pub struct DepsArgs {
    /// Cargo.toml of the project or workspace member [default: the nearest one from the current directory up]
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `load`: OTLP load against one endpoint; throughput and the latency distribution.
#[derive(Debug, Args)]
pub struct LoadArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Items to send in total: spans (data points for metrics, log records for logs) [default: 10000]
    #[arg(long, value_name = "N", conflicts_with = "duration", value_parser = clap::value_parser!(u64).range(1..))]
    pub spans: Option<u64>,
    /// Send for this long instead of a number of items, e.g. 30s or 2m
    #[arg(long, value_name = "DURATION", value_parser = parse_run_duration)]
    pub duration: Option<Duration>,
    /// Items per second; 0 sends as fast as the endpoint answers
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub rate: u64,
    /// Requests in flight at once
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: u32,
    /// Items per request
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub batch_size: u32,
    /// Extra string attributes on every item
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub attributes: u32,
    /// Length of each extra attribute value, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 16, value_parser = clap::value_parser!(u32).range(0..=1_048_576))]
    pub attribute_size: u32,
    /// Send more than 100 items/s to an endpoint that is not on this machine
    #[arg(long)]
    pub yes: bool,
    /// Also write a self-contained HTML report (summary, latency histogram, throughput and failures over time) to this file
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Output: a summary for people, or one JSON document
    #[arg(long, value_enum, default_value = "human")]
    pub format: LiveFormat,
}

fn parse_run_duration(raw: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(raw.trim())
        .map_err(|e| format!("'{raw}' is not a duration like 30s or 2m: {e}"))?;
    if duration.is_zero() {
        return Err("the duration must be above zero".into());
    }
    Ok(duration)
}

#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub sdk: SdkArgs,
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
    /// Send a saved capture (OTLP JSON lines, from `serve --save` or the Collector's file exporter) instead of test telemetry, request by request in file order
    #[arg(long, value_name = "FILE", conflicts_with_all = ["count", "attributes", "span_name", "service_name"])]
    pub replay: Option<PathBuf>,
    /// With --replay: move every timestamp by one offset so the capture's latest is now (backends drop data older than their window); durations and spacing are kept
    #[arg(long, requires = "replay")]
    pub replay_now: bool,
    #[command(flatten)]
    pub trace: TraceArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Error message, log line or finding code; `-` or nothing reads it (or a whole log) from stdin
    #[arg(value_name = "TEXT")]
    pub text: Vec<String>,
    /// List every finding code with its title, grouped by area
    #[arg(long, conflicts_with = "text")]
    pub list: bool,
    /// Show at most this many matches
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub limit: u16,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    #[command(flatten)]
    pub sdk: SdkArgs,
}

fn parse_attribute_flag(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err("expected K=V, e.g. --attr deployment.environment=staging".into()),
    }
}

/// A `--signals` value: one signal, or `all` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SignalChoice {
    Traces,
    Metrics,
    Logs,
    All,
}

impl SignalChoice {
    pub fn signals(self) -> &'static [Signal] {
        match self {
            SignalChoice::Traces => &[Signal::Traces],
            SignalChoice::Metrics => &[Signal::Metrics],
            SignalChoice::Logs => &[Signal::Logs],
            SignalChoice::All => &Signal::ALL,
        }
    }

    pub fn of(signal: Signal) -> SignalChoice {
        match signal {
            Signal::Traces => SignalChoice::Traces,
            Signal::Metrics => SignalChoice::Metrics,
            Signal::Logs => SignalChoice::Logs,
        }
    }
}

/// `--require-header`: one item of `OTEL_EXPORTER_OTLP_HEADERS`, decoded as SDKs decode it, so
/// the value copied from the app's variable is the value its requests carry.
fn parse_required_header(raw: &str) -> Result<Header, String> {
    let (mut headers, problems) = crate::settings::values::parse_headers(raw);
    if let Some(problem) = problems.first() {
        return Err(format!(
            "{problem}; give one K=V, e.g. 'authorization=Bearer%20TOKEN'"
        ));
    }
    match (headers.pop(), headers.is_empty()) {
        (Some(header), true) => Ok(header),
        _ => Err("give exactly one K=V, e.g. 'x-api-key=TOKEN'".into()),
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

/// The examples at the end of each subcommand's `--help`: the commands people type first.
mod examples {
    pub const CHECK: &str = "\
Examples:
  otlp-doctor check                                  # the endpoint the OTEL_* variables name
  otlp-doctor check http://localhost:4318 --signals all
  otlp-doctor check https://otlp.example.com:4317 --protocol grpc -H 'authorization=Bearer <token>'
  otlp-doctor check --ca-cert ca.pem --verify-backend jaeger=http://localhost:16686
  otlp-doctor check --format json | jq -r '.root_cause.code // \"ok\"'";

    pub const ENV: &str = "\
Examples:
  otlp-doctor env                                    # every signal, with where each value came from
  otlp-doctor env --signals traces --sdk python
  otlp-doctor env --format json | jq '.sections[0].rows'";

    pub const SEND: &str = "\
Examples:
  otlp-doctor send http://localhost:4318 --count 10
  otlp-doctor send --signals traces,logs --attr deployment.environment=staging
  otlp-doctor send --format json | jq -r .trace_id";

    pub const SERVE: &str = "\
Examples:
  otlp-doctor serve                                  # gRPC on 127.0.0.1:4317, HTTP on 127.0.0.1:4318
  otlp-doctor serve --grpc-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --format json
  otlp-doctor serve --tls --require-header 'authorization=Bearer <token>'
  otlp-doctor serve --fail-rate 0.2 --fail-with unavailable --duration 30s";

    pub const PROXY: &str = "\
Examples:
  otlp-doctor proxy --upstream http://collector:4317 --upstream-http http://collector:4318 --grpc-listen 127.0.0.1:14317 --http-listen 127.0.0.1:14318
  otlp-doctor proxy --upstream https://otlp.example.com -H 'api-key=<key>' --format json
  otlp-doctor proxy --upstream http://localhost:4317 --metrics-listen 127.0.0.1:9465 --fail-rate 0.1";

    pub const DEMO: &str = "\
Examples:
  otlp-doctor demo
  otlp-doctor demo --format json";

    pub const EXPLAIN: &str = "\
Examples:
  otlp-doctor explain 'StatusCode.UNAVAILABLE'
  otlp-doctor explain NET_CONN_REFUSED
  kubectl logs my-app | otlp-doctor explain          # a whole log, from stdin
  otlp-doctor explain --list";

    pub const COLLECTOR: &str = "\
Examples:
  otlp-doctor collector --health-url --metrics-url   # the default ports 13133 and 8888
  otlp-doctor collector --config otel-collector.yaml
  otlp-doctor collector --metrics-url http://collector:8888/metrics --interval 5s";

    pub const LOAD: &str = "\
Examples:
  otlp-doctor load http://localhost:4318 --spans 100000
  otlp-doctor load --duration 30s --rate 1000 --concurrency 8
  otlp-doctor load --signals metrics --batch-size 100 --format json";

    pub const OVERHEAD: &str = "\
Examples:
  otlp-doctor overhead
  otlp-doctor overhead --protocol http/protobuf --format json";

    pub const DEPS: &str = "\
Examples:
  otlp-doctor deps
  otlp-doctor deps --manifest-path services/api/Cargo.toml --format json";

    pub const PROBE_SERVER: &str = "\
Examples:
  otlp-doctor probe-server --listen 127.0.0.1:9464
  curl 'http://127.0.0.1:9464/probe?target=http://localhost:4318&protocol=http/protobuf'";
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// The words of an example line up to a pipe or comment, single quotes grouping words.
    fn words(line: &str) -> Vec<String> {
        let line = line.split(" #").next().unwrap_or(line);
        let mut words = Vec::new();
        let mut current = String::new();
        let mut quoted = false;
        for c in line.trim().chars() {
            match c {
                '\'' => quoted = !quoted,
                ' ' if !quoted => {
                    if !current.is_empty() {
                        words.push(std::mem::take(&mut current));
                    }
                }
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            words.push(current);
        }
        words
    }

    #[test]
    fn every_subcommand_has_examples_that_parse() {
        for sub in Cli::command().get_subcommands() {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            let lines: Vec<&str> = help
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("otlp-doctor ") || l.contains("| otlp-doctor "))
                .collect();
            assert!(!lines.is_empty(), "{} has no examples", sub.get_name());
            for line in lines {
                // `kubectl logs app | otlp-doctor explain`: the part that runs otlp-doctor.
                let Some(line) = line
                    .split(" | ")
                    .map(str::trim)
                    .find(|part| part.starts_with("otlp-doctor "))
                else {
                    continue;
                };
                let words = words(line);
                if let Err(error) = Cli::try_parse_from(&words) {
                    panic!(
                        "example `{line}` of {} does not parse: {error}",
                        sub.get_name()
                    );
                }
            }
        }
    }
}
