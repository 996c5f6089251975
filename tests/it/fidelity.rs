//! The differential conformance matrix (issue 16): every setup below is a real endpoint on
//! 127.0.0.1 (rotel, nginx fronts, a gRPC server that throttles, closed ports), crossed with the
//! five SDKs that run here as real clients (tests/sdk-clients/). In each cell the SDK program
//! exports with the setup's environment, and `check --sdk <lang> --format json` runs with the
//! same environment; the cell agrees when the doctor's prediction (arrives or fails, and at
//! which layer) is what the SDK did.
//!
//! The matrix is written to `target/sdk-fidelity.md` on every run, and to
//! `docs/sdk-fidelity.md` by `bash scripts/fidelity.sh`. The test fails on a cell where the
//! doctor says the data arrives while the SDK failed, on a disagreement not listed in
//! [`KNOWN_DISAGREEMENTS`], and when fewer than 98% of the cells agree.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::sdk_clients::otel_env;
use crate::support::nginx::{Front, Nginx, Upstream};
use crate::support::sdk_clients::{SDK_CLIENT_TIMEOUT, SdkClient};
use crate::support::tinyproxy::Tinyproxy;
use crate::support::{GrpcStatusServer, Rotel, Signal, TestCerts, closed_port, free_port};
use crate::support::{otlp_doctor, sdk_clients::Refused};

const CLIENTS: [SdkClient; 5] = [
    SdkClient::Go,
    SdkClient::Java,
    SdkClient::Node,
    SdkClient::Python,
    SdkClient::Rust,
];

/// Short enough that an export the SDK retries ends within a few seconds.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(3);

/// Cells run at once: most of a cell's time is an SDK waiting on a timeout or starting a JVM.
const WORKERS: usize = 4;

const TOKEN: &str = "fidelity-token";

/// The credentials of the proxy that asks for them; the password must never be printed.
const PROXY_USER: &str = "otel";
const PROXY_PASSWORD: &str = "fidelity-proxy-secret";

/// Cells where the doctor and the SDK still differ, each with the reason. A cell listed here
/// that agrees fails the test too, so the list stays true.
const KNOWN_DISAGREEMENTS: &[(&str, &str, &str)] = &[];

/// What an export did, or what the doctor predicts it does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fate {
    Arrives,
    /// Fails; the layer when the SDK's words or the doctor's root cause name one.
    Fails(Option<&'static str>),
}

impl Fate {
    fn label(&self) -> String {
        match self {
            Fate::Arrives => "arrives".to_string(),
            Fate::Fails(Some(layer)) => format!("fails: {layer}"),
            Fate::Fails(None) => "fails".to_string(),
        }
    }
}

/// One endpoint in one state, and the environment an app would have for it.
struct Setup {
    name: String,
    protocol: Option<&'static str>,
    endpoint: String,
    extra: Vec<(String, String)>,
    /// The proxy's `host:port`, when the setup names one: an SDK error naming that address is
    /// about the proxy, whatever its words.
    proxy: Option<String>,
}

impl Setup {
    fn new(name: &str, protocol: &'static str, endpoint: String) -> Setup {
        Setup {
            name: format!("{name} ({})", short(protocol)),
            protocol: Some(protocol),
            endpoint,
            extra: Vec::new(),
            proxy: None,
        }
    }

    /// `OTEL_EXPORTER_OTLP_PROTOCOL` unset: each SDK's own default decides.
    fn without_protocol(name: &str, endpoint: String) -> Setup {
        Setup {
            name: name.to_string(),
            protocol: None,
            endpoint,
            extra: Vec::new(),
            proxy: None,
        }
    }

    fn with(mut self, key: &str, value: impl Into<String>) -> Setup {
        self.extra.push((key.to_string(), value.into()));
        self
    }

    /// Every proxy variable an HTTP or gRPC library reads, in both cases, set to `proxy`.
    fn proxied_by(mut self, proxy: &str) -> Setup {
        let authority = proxy.trim_start_matches("http://");
        let authority = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        self.proxy = Some(authority.to_string());
        [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
        ]
        .into_iter()
        .fold(self, |setup, name| setup.with(name, proxy))
    }

    fn env(&self, client: SdkClient) -> Vec<(String, String)> {
        let service = format!("fidelity-{}", client.name());
        let protocol = self.protocol.unwrap_or("");
        let mut env: Vec<(String, String)> = otel_env(protocol, &self.endpoint, &service)
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.push((
            "OTEL_EXPORTER_OTLP_TIMEOUT".to_string(),
            client.export_timeout(EXPORT_TIMEOUT),
        ));
        env.extend(self.extra.iter().cloned());
        env
    }
}

fn short(protocol: &str) -> &'static str {
    match protocol {
        "grpc" => "gRPC",
        _ => "HTTP",
    }
}

/// Every peer the setups point at, started once for the whole matrix.
struct Peers {
    certs: TestCerts,
    rotel: Rotel,
    rotel_without_traces: Rotel,
    throttling_grpc: GrpcStatusServer,
    _nginx: Nginx,
    fronts: Fronts,
    open_proxy: Tinyproxy,
    proxy_tunnelling_only_to_443: Tinyproxy,
    proxy_asking_for_credentials: Tinyproxy,
}

/// nginx's ports, one server block each.
struct Fronts {
    tls_grpc: u16,
    tls_http: u16,
    mtls_grpc: u16,
    mtls_http: u16,
    auth_grpc: u16,
    auth_http: u16,
    wrong_host_grpc: u16,
    wrong_host_http: u16,
    unknown_ca_grpc: u16,
    unknown_ca_http: u16,
    throttling_http: u16,
    self_signed_ca_grpc: u16,
    self_signed_ca_http: u16,
}

impl Peers {
    fn start() -> Peers {
        let certs = TestCerts::generate();
        let rotel = Rotel::start();
        let rotel_without_traces = Rotel::builder().disable(Signal::Traces).start();
        let throttling_grpc = GrpcStatusServer::start(
            tonic::Code::ResourceExhausted,
            "rate limit exceeded",
            Some(Duration::from_secs(1)),
        );
        let fronts = Fronts {
            tls_grpc: free_port(),
            tls_http: free_port(),
            mtls_grpc: free_port(),
            mtls_http: free_port(),
            auth_grpc: free_port(),
            auth_http: free_port(),
            wrong_host_grpc: free_port(),
            wrong_host_http: free_port(),
            unknown_ca_grpc: free_port(),
            unknown_ca_http: free_port(),
            throttling_http: free_port(),
            self_signed_ca_grpc: free_port(),
            self_signed_ca_http: free_port(),
        };
        let grpc = (rotel.grpc_addr(), Upstream::Grpc);
        let http = (rotel.http_addr(), Upstream::Http);
        let tls = |port: u16, cert: &crate::support::CertPair, (addr, kind): (_, Upstream)| {
            Front::new(port)
                .tls(&cert.cert, &cert.key)
                .http2(kind == Upstream::Grpc)
                .pass(addr, kind)
        };
        let blocks = [
            tls(fronts.tls_grpc, &certs.good, grpc),
            tls(fronts.tls_http, &certs.good, http),
            tls(fronts.mtls_grpc, &certs.good, grpc).client_ca(&certs.client_ca),
            tls(fronts.mtls_http, &certs.good, http).client_ca(&certs.client_ca),
            Front::new(fronts.auth_grpc)
                .http2(true)
                .bearer_token(TOKEN)
                .pass(grpc.0, grpc.1),
            Front::new(fronts.auth_http)
                .bearer_token(TOKEN)
                .pass(http.0, http.1),
            tls(fronts.wrong_host_grpc, &certs.wrong_host, grpc),
            tls(fronts.wrong_host_http, &certs.wrong_host, http),
            tls(fronts.unknown_ca_grpc, &certs.unknown_ca, grpc),
            tls(fronts.unknown_ca_http, &certs.unknown_ca, http),
            tls(fronts.self_signed_ca_grpc, &certs.self_signed_ca, grpc),
            tls(fronts.self_signed_ca_http, &certs.self_signed_ca, http),
            Front::new(fronts.throttling_http)
                .status(429)
                .header("Retry-After", "1"),
        ];
        let config: String = blocks.iter().map(Front::render).collect();
        Peers {
            _nginx: Nginx::start(&config),
            certs,
            rotel,
            rotel_without_traces,
            throttling_grpc,
            fronts,
            open_proxy: Tinyproxy::open(),
            proxy_tunnelling_only_to_443: Tinyproxy::connect_only_to(&[443]),
            proxy_asking_for_credentials: Tinyproxy::with_credentials(PROXY_USER, PROXY_PASSWORD),
        }
    }

    fn setups(&self) -> Vec<Setup> {
        let f = &self.fronts;
        let ca = path(&self.certs.ca);
        let https = |port: u16| format!("https://127.0.0.1:{port}");
        let http = |port: u16| format!("http://127.0.0.1:{port}");
        let rotel_grpc = self.rotel.grpc_url();
        let rotel_http = self.rotel.http_url();
        let closed = format!("http://{}", closed_port());
        let bearer = format!("authorization=Bearer%20{TOKEN}");
        let client_cert = path(&self.certs.client.cert);
        let client_key = path(&self.certs.client.key);
        let dead_proxy = format!("http://{}", closed_port());
        let mut setups = Vec::new();
        for protocol in ["grpc", "http/protobuf"] {
            let grpc = protocol == "grpc";
            let pick = |on_grpc: u16, on_http: u16| if grpc { on_grpc } else { on_http };
            let rotel = if grpc { &rotel_grpc } else { &rotel_http };
            let other_port = if grpc { &rotel_http } else { &rotel_grpc };
            let plain_port = if grpc {
                self.rotel.grpc_addr().port()
            } else {
                self.rotel.http_addr().port()
            };
            setups.extend([
                Setup::new("healthy collector", protocol, rotel.clone()),
                Setup::new(
                    "TLS, CA given",
                    protocol,
                    https(pick(f.tls_grpc, f.tls_http)),
                )
                .with("OTEL_EXPORTER_OTLP_CERTIFICATE", &ca),
                Setup::new(
                    "mTLS, client cert given",
                    protocol,
                    https(pick(f.mtls_grpc, f.mtls_http)),
                )
                .with("OTEL_EXPORTER_OTLP_CERTIFICATE", &ca)
                .with("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", &client_cert)
                .with("OTEL_EXPORTER_OTLP_CLIENT_KEY", &client_key),
                Setup::new(
                    "auth header given",
                    protocol,
                    http(pick(f.auth_grpc, f.auth_http)),
                )
                .with("OTEL_EXPORTER_OTLP_HEADERS", &bearer),
                Setup::new("nothing listening", protocol, closed.clone()),
                Setup::new("the other protocol's port", protocol, other_port.clone()),
                Setup::new(
                    "plaintext client, TLS server",
                    protocol,
                    http(pick(f.tls_grpc, f.tls_http)),
                ),
                Setup::new("TLS client, plaintext server", protocol, https(plain_port))
                    .with("OTEL_EXPORTER_OTLP_CERTIFICATE", &ca),
                Setup::new(
                    "unknown CA",
                    protocol,
                    https(pick(f.unknown_ca_grpc, f.unknown_ca_http)),
                )
                .with("OTEL_EXPORTER_OTLP_CERTIFICATE", &ca),
                Setup::new(
                    "certificate for another host",
                    protocol,
                    https(pick(f.wrong_host_grpc, f.wrong_host_http)),
                )
                .with("OTEL_EXPORTER_OTLP_CERTIFICATE", &ca),
                Setup::new(
                    "mTLS, no client cert",
                    protocol,
                    https(pick(f.mtls_grpc, f.mtls_http)),
                )
                .with("OTEL_EXPORTER_OTLP_CERTIFICATE", &ca),
                Setup::new(
                    "auth header missing",
                    protocol,
                    http(pick(f.auth_grpc, f.auth_http)),
                ),
                Setup::new(
                    "traces disabled on the collector",
                    protocol,
                    if grpc {
                        self.rotel_without_traces.grpc_url()
                    } else {
                        self.rotel_without_traces.http_url()
                    },
                ),
                Setup::new(
                    "throttled",
                    protocol,
                    if grpc {
                        self.throttling_grpc.url()
                    } else {
                        http(f.throttling_http)
                    },
                ),
                Setup::new(
                    "CA only in SSL_CERT_FILE",
                    protocol,
                    https(pick(f.tls_grpc, f.tls_http)),
                )
                .with("SSL_CERT_FILE", &ca),
                Setup::new("unparsable timeout", protocol, rotel.clone())
                    .with("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"),
                Setup::new(
                    "self-signed CA:TRUE server certificate",
                    protocol,
                    https(pick(f.self_signed_ca_grpc, f.self_signed_ca_http)),
                )
                .with(
                    "OTEL_EXPORTER_OTLP_CERTIFICATE",
                    path(&self.certs.self_signed_ca.cert),
                ),
                Setup::new("compression none", protocol, rotel.clone())
                    .with("OTEL_EXPORTER_OTLP_COMPRESSION", "none"),
                Setup::new("unknown compression", protocol, rotel.clone())
                    .with("OTEL_EXPORTER_OTLP_COMPRESSION", "zip"),
                Setup::new(
                    "dead proxy in every proxy variable",
                    protocol,
                    rotel.clone(),
                )
                .proxied_by(&dead_proxy),
                Setup::new("dead proxy, collector in NO_PROXY", protocol, rotel.clone())
                    .proxied_by(&dead_proxy)
                    .with("NO_PROXY", "127.0.0.1")
                    .with("no_proxy", "127.0.0.1"),
                Setup::new("a proxy that tunnels to any port", protocol, rotel.clone())
                    .proxied_by(&self.open_proxy.url()),
                Setup::new("a proxy that tunnels only to 443", protocol, rotel.clone())
                    .proxied_by(&self.proxy_tunnelling_only_to_443.url()),
                Setup::new(
                    "a proxy asking for credentials, given in the URL",
                    protocol,
                    rotel.clone(),
                )
                .proxied_by(
                    &self
                        .proxy_asking_for_credentials
                        .url_with(PROXY_USER, PROXY_PASSWORD),
                ),
                Setup::new(
                    "a proxy asking for credentials, none given",
                    protocol,
                    rotel.clone(),
                )
                .proxied_by(&self.proxy_asking_for_credentials.url()),
                Setup::new(
                    "TLS endpoint, a proxy that tunnels only to 443",
                    protocol,
                    https(pick(f.tls_grpc, f.tls_http)),
                )
                .with("OTEL_EXPORTER_OTLP_CERTIFICATE", &ca)
                .proxied_by(&self.proxy_tunnelling_only_to_443.url()),
            ]);
        }
        setups.extend([
            Setup::new(
                "wrong base path",
                "http/protobuf",
                format!("{rotel_http}/otlp"),
            ),
            Setup::new(
                "REQUESTS_CA_BUNDLE beside the right CA",
                "http/protobuf",
                https(f.tls_http),
            )
            .with("OTEL_EXPORTER_OTLP_CERTIFICATE", &ca)
            .with("REQUESTS_CA_BUNDLE", path(&self.certs.unknown_ca_root)),
            Setup::new(
                "endpoint without a scheme",
                "http/protobuf",
                self.rotel.http_addr().to_string(),
            ),
            Setup::without_protocol("protocol unset, gRPC port", rotel_grpc.clone()),
            Setup::without_protocol("protocol unset, HTTP port", rotel_http.clone()),
        ]);
        setups
    }
}

fn path(p: &std::path::Path) -> String {
    p.display().to_string()
}

/// What the SDK did in one cell, and the doctor's prediction.
struct Cell {
    setup: usize,
    client: SdkClient,
    sdk: Fate,
    sdk_said: String,
    doctor: Fate,
    doctor_code: Option<String>,
}

impl Cell {
    fn agrees(&self) -> bool {
        match (&self.sdk, &self.doctor) {
            (Fate::Arrives, Fate::Arrives) => true,
            // A configuration root cause comes before every network layer: what the SDK then
            // says (a refused default endpoint, a failed handshake) is its consequence.
            (Fate::Fails(_), Fate::Fails(Some("config"))) => true,
            (Fate::Fails(Some(sdk)), Fate::Fails(Some(doctor))) => sdk == doctor,
            (Fate::Fails(_), Fate::Fails(_)) => true,
            _ => false,
        }
    }

    fn false_healthy(&self) -> bool {
        self.doctor == Fate::Arrives && self.sdk != Fate::Arrives
    }
}

fn run_cell(setup: &Setup, index: usize, client: SdkClient) -> Cell {
    let env = setup.env(client);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (sdk, sdk_said, signals) = match client.try_run(&pairs, SDK_CLIENT_TIMEOUT) {
        Ok(outcome) => {
            let mut signals = vec!["traces", "metrics"];
            if outcome.sent.logs > 0 {
                signals.push("logs");
            }
            if outcome.ok {
                (Fate::Arrives, String::new(), signals)
            } else {
                let said = outcome.error.unwrap_or_default();
                let names_the_proxy = setup.proxy.as_ref().is_some_and(|p| said.contains(p));
                let layer = if names_the_proxy {
                    Some("proxy")
                } else {
                    sdk_layer(&said)
                };
                (Fate::Fails(layer), said, signals)
            }
        }
        Err(Refused { stdout, stderr, .. }) => {
            let said = format!(
                "refused to start: {}{}",
                last_lines(&stderr),
                last_lines(&stdout)
            );
            (Fate::Fails(Some("config")), said, vec!["traces", "metrics"])
        }
    };
    let (doctor, doctor_code) = predict(client, &pairs, &signals.join(","));
    Cell {
        setup: index,
        client,
        sdk,
        sdk_said,
        doctor,
        doctor_code,
    }
}

fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}

/// `check --sdk <lang> --format json` with the cell's environment: exit 0 is "arrives"; else the
/// root cause's layer.
fn predict(client: SdkClient, env: &[(&str, &str)], signals: &str) -> (Fate, Option<String>) {
    let output = otlp_doctor()
        .args(["check", "--format", "json", "--sdk", client.name()])
        .args(["--signals", signals])
        .envs(env.iter().copied())
        .output()
        .expect("otlp-doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains(PROXY_PASSWORD)
            && !String::from_utf8_lossy(&output.stderr).contains(PROXY_PASSWORD),
        "check printed the proxy password:\n{stdout}"
    );
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "check --sdk {} printed no JSON report ({e}) for {env:?}:\n{stdout}\nstderr:\n{}",
            client.name(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    match output.status.code() {
        Some(0) => (Fate::Arrives, None),
        Some(1) => {
            let code = report["root_cause"]["code"].as_str().map(str::to_string);
            let layer = code.as_deref().and_then(doctor_layer);
            (Fate::Fails(layer), code)
        }
        other => panic!("check exited {other:?} for {env:?}: {report:#}"),
    }
}

/// The layer a finding code belongs to, in the words [`sdk_layer`] uses.
fn doctor_layer(code: &str) -> Option<&'static str> {
    if code.starts_with("NET_PROXY_") {
        return Some("proxy");
    }
    let prefix = code.split('_').next()?;
    Some(match prefix {
        "CFG" => "config",
        "NET" => "connect",
        "TLS" => "tls",
        "PROTO" => "protocol",
        "AUTH" => "auth",
        "EXPORT" => "export",
        _ => return None,
    })
}

/// The layer an SDK's error names, when its words name one (Python's gRPC exporter says
/// "failed to connect to all addresses" for a refused connection and a failed handshake alike).
fn sdk_layer(said: &str) -> Option<&'static str> {
    const LAYERS: &[(&str, &[&str])] = &[
        ("proxy", &["proxy"]),
        (
            "tls",
            &[
                "certificate",
                "x509",
                "pkix",
                "handshake",
                "ssl",
                "tls",
                "self signed",
                "self-signed",
                "unknownissuer",
                "alt name",
                "altname",
                "verification check failed",
            ],
        ),
        (
            "auth",
            &[
                "401",
                "403",
                "unauthenticated",
                "unauthorized",
                "permission_denied",
            ],
        ),
        (
            "export",
            &[
                "429",
                "resource_exhausted",
                "resourceexhausted",
                "resource exhausted",
                "too many requests",
            ],
        ),
        ("protocol", &["404", "unimplemented", "not found", "415"]),
        (
            "connect",
            &["connection refused", "econnrefused", "connectexception"],
        ),
    ];
    let said = said.to_ascii_lowercase();
    LAYERS
        .iter()
        .find(|(_, words)| words.iter().any(|w| says(&said, w)))
        .map(|(layer, _)| *layer)
}

/// `word` in `text`, where a status code only counts standing alone ("401", not "4740180").
fn says(text: &str, word: &str) -> bool {
    if !word.bytes().all(|b| b.is_ascii_digit()) {
        return text.contains(word);
    }
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].bytes().next_back();
        let after = text[at + word.len()..].bytes().next();
        !before.is_some_and(|b| b.is_ascii_digit()) && !after.is_some_and(|b| b.is_ascii_digit())
    })
}

#[test]
fn sdk_fidelity_matrix() {
    let peers = Peers::start();
    let setups = peers.setups();
    let jobs: Vec<(usize, SdkClient)> = (0..setups.len())
        .flat_map(|s| CLIENTS.iter().map(move |c| (s, *c)))
        .collect();
    let next = AtomicUsize::new(0);
    let cells = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                while let Some(&(setup, client)) = jobs.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let cell = run_cell(&setups[setup], setup, client);
                    cells.lock().unwrap().push(cell);
                }
            });
        }
    });
    let mut cells = cells.into_inner().unwrap();
    cells.sort_by_key(|c| (c.setup, c.client.name()));
    let table = render(&setups, &cells);
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/sdk-fidelity.md");
    std::fs::write(&target, &table).expect("write target/sdk-fidelity.md");
    if std::env::var_os("OTLP_DOCTOR_WRITE_FIDELITY").is_some() {
        let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/sdk-fidelity.md");
        std::fs::write(docs, &table).expect("write docs/sdk-fidelity.md");
    }

    let name = |c: &Cell| (setups[c.setup].name.clone(), c.client.name());
    let false_healthy: Vec<_> = cells
        .iter()
        .filter(|c| c.false_healthy())
        .map(name)
        .collect();
    let unlisted: Vec<_> = cells
        .iter()
        .filter(|c| !c.agrees() && known_reason(&setups[c.setup].name, c.client).is_none())
        .map(name)
        .collect();
    let stale: Vec<_> = cells
        .iter()
        .filter(|c| c.agrees() && known_reason(&setups[c.setup].name, c.client).is_some())
        .map(name)
        .collect();
    let agreeing = cells.iter().filter(|c| c.agrees()).count();
    let share = agreeing as f64 / cells.len() as f64;
    assert!(
        false_healthy.is_empty() && unlisted.is_empty() && stale.is_empty() && share >= 0.98,
        "the doctor said healthy where the SDK failed: {false_healthy:?}\n\
         disagreements not in KNOWN_DISAGREEMENTS: {unlisted:?}\n\
         listed but agreeing now: {stale:?}\n\
         agreement {agreeing}/{} ({:.1}%)\n\n{table}",
        cells.len(),
        share * 100.0
    );
}

fn known_reason(setup: &str, client: SdkClient) -> Option<&'static str> {
    KNOWN_DISAGREEMENTS
        .iter()
        .find(|(s, c, _)| *s == setup && *c == client.name())
        .map(|(_, _, reason)| *reason)
}

fn render(setups: &[Setup], cells: &[Cell]) -> String {
    let agreeing = cells.iter().filter(|c| c.agrees()).count();
    let mut out = String::new();
    let _ = writeln!(out, "# SDK fidelity matrix\n");
    let _ = writeln!(
        out,
        "Generated by `bash scripts/fidelity.sh` (the test `fidelity::sdk_fidelity_matrix`). Each \
         row is a real endpoint on 127.0.0.1 (rotel, nginx fronts, a throttling gRPC server, a \
         closed port); each column a real SDK client from `tests/sdk-clients/`. A cell is what the \
         SDK did, then what `check --sdk <lang>` predicted with the same environment: ✓ agrees, \
         ✗ differs. A layer is shown where the SDK's error names one.\n"
    );
    let _ = writeln!(
        out,
        "Agreement: **{agreeing} of {} cells ({:.1}%)**.\n",
        cells.len(),
        agreeing as f64 * 100.0 / cells.len() as f64
    );
    let header: Vec<String> = CLIENTS
        .iter()
        .map(|c| format!("{} {}", c.name(), c.version()))
        .collect();
    let _ = writeln!(out, "| setup | {} |", header.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(CLIENTS.len()));
    for (index, setup) in setups.iter().enumerate() {
        let row: Vec<String> = CLIENTS
            .iter()
            .map(|client| {
                let cell = cells
                    .iter()
                    .find(|c| c.setup == index && c.client == *client);
                cell.map_or_else(String::new, |c| {
                    let mark = if c.agrees() { "✓" } else { "✗" };
                    let code = c.doctor_code.as_deref().unwrap_or("healthy");
                    format!("{} {mark} `{code}`", c.sdk.label())
                })
            })
            .collect();
        let _ = writeln!(out, "| {} | {} |", setup.name, row.join(" | "));
    }
    let _ = writeln!(out, "\n## Disagreements\n");
    let mut any = false;
    for cell in cells.iter().filter(|c| !c.agrees()) {
        any = true;
        let setup = &setups[cell.setup].name;
        let reason = known_reason(setup, cell.client).unwrap_or("not yet explained");
        let _ = writeln!(
            out,
            "- **{setup}, {}**: the SDK {}, the doctor predicted {} (`{}`). {reason}. The SDK said: {}",
            cell.client.name(),
            cell.sdk.label(),
            cell.doctor.label(),
            cell.doctor_code.as_deref().unwrap_or("healthy"),
            excerpt(&cell.sdk_said)
        );
    }
    if !any {
        let _ = writeln!(out, "None.");
    }
    let _ = writeln!(out, "\n## What each SDK said when it failed\n");
    for cell in cells.iter().filter(|c| c.sdk != Fate::Arrives) {
        let _ = writeln!(
            out,
            "- {}, {}: {}",
            setups[cell.setup].name,
            cell.client.name(),
            excerpt(&cell.sdk_said)
        );
    }
    out
}

fn excerpt(said: &str) -> String {
    let one_line = said.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = one_line.chars().take(220).collect();
    let cut = cut.replace('|', "\\|").replace('`', "'");
    if one_line.chars().count() > 220 {
        format!("{cut}…")
    } else {
        cut
    }
}
