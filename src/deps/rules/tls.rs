//! `DEP_NO_TLS_FEATURE` (info): an `opentelemetry-otlp` package whose transports carry no TLS,
//! so only `http://` endpoints can work.
//!
//! Features are not recorded in Cargo.lock, but the TLS crates they turn on are, under the
//! transport's own package (opentelemetry-otlp 0.33.1, tonic 0.14.9, reqwest 0.13.5):
//! - gRPC: `tls-ring`, `tls-aws-lc` and `tls-provider-agnostic` turn on tonic's `tls-ring`,
//!   `tls-aws-lc` and `_tls-any`, and every one of them adds `tokio-rustls` to tonic. A tonic
//!   with no `tokio-rustls` has no TLS at all, and opentelemetry-otlp then refuses an https://
//!   endpoint when the exporter is built.
//! - HTTP: `reqwest-rustls` turns on `reqwest/rustls` (adds `rustls`, `hyper-rustls`), and
//!   reqwest's native TLS adds `native-tls`, `hyper-tls` and `tokio-native-tls`. A reqwest with
//!   none of them cannot open an https:// connection; every export to one fails.
//!
//! The rule states a fact the lock proves (no TLS crate under that tonic or reqwest, whoever
//! else enables features on it) and a consequence that holds only for https:// endpoints. Many
//! projects export plaintext to a collector on localhost or a sidecar, so it is only a note and
//! never changes the verdict. On the HTTP side a package of the project that depends on
//! `opentelemetry-http` itself may hand the exporter its own client through
//! `.with_http_client()`, so that side is not reported then: the rule can miss a case, never
//! invent one.
//!
//! When the gRPC side does have TLS, the check line still says what the lock cannot show:
//! configured by `OTEL_*` variables alone, opentelemetry-otlp 0.33.1 hands tonic
//! `ClientTlsConfig::new()` (`src/exporter/tonic/mod.rs`), which enables no roots, so no CA is
//! trusted until the code passes `.with_tls_config(ClientTlsConfig::new().with_enabled_roots())`.
//!
//! It runs last: a missing TLS feature loses telemetry only for https:// endpoints.

use super::{Context, Outcome, join_and};
use crate::deps::family::{HTTP_GLUE, OTLP_EXPORTER};
use crate::deps::lockfile::PackageId;
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};

/// Not `tls`: that id is the handshake layer of the network checks, and reports read it as a
/// timed phase.
pub const CHECK: &str = "encryption";

/// Any one of these under reqwest is a TLS backend compiled into it.
const REQWEST_TLS_CRATES: &[&str] = &[
    "rustls",
    "hyper-rustls",
    "native-tls",
    "hyper-tls",
    "tokio-native-tls",
];

/// Whether each transport of one opentelemetry-otlp package carries TLS; `None` when the
/// transport is not compiled in (or, for HTTP, when the project may bring its own client).
struct Tls {
    grpc: Option<(PackageId, bool)>,
    http: Option<(PackageId, bool)>,
}

impl Tls {
    fn of(cx: &Context<'_>, otlp: PackageId, own_http_client: bool) -> Tls {
        let lock = cx.graph.lock();
        let grpc = lock
            .dependency_named(otlp, "tonic")
            .map(|tonic| (tonic, lock.depends_on(tonic, "tokio-rustls")));
        let http = lock
            .dependency_named(otlp, "reqwest")
            .filter(|_| !own_http_client)
            .map(|reqwest| {
                let tls = REQWEST_TLS_CRATES
                    .iter()
                    .any(|krate| lock.depends_on(reqwest, krate));
                (reqwest, tls)
            });
        Tls { grpc, http }
    }

    fn lacking(&self) -> bool {
        matches!(self.grpc, Some((_, false))) || matches!(self.http, Some((_, false)))
    }
}

pub fn check(cx: &Context<'_>) -> Outcome {
    let lock = cx.graph.lock();
    let own_http_client = cx
        .graph
        .locals()
        .into_iter()
        .any(|local| lock.depends_on(local, HTTP_GLUE));
    let mut findings = Vec::new();
    let mut lines = Vec::new();
    for otlp in lock.named(OTLP_EXPORTER) {
        let tls = Tls::of(cx, otlp, own_http_client);
        if tls.grpc.is_none() && tls.http.is_none() {
            continue;
        }
        lines.push(describe(cx, otlp, &tls));
        if tls.lacking() {
            findings.push(finding(cx, otlp, &tls));
        }
    }
    let summary = if lines.is_empty() {
        "no tonic or reqwest under opentelemetry-otlp in Cargo.lock".to_string()
    } else {
        lines.join("; ")
    };
    Outcome {
        id: CHECK,
        applicable: !lines.is_empty(),
        summary,
        findings,
    }
}

/// The check line for one exporter; with TLS over gRPC it carries the caveat the lock cannot
/// settle (no trusted roots without code), since that is where configured-by-env setups fail.
fn describe(cx: &Context<'_>, otlp: PackageId, tls: &Tls) -> String {
    let label = cx.graph.package(otlp).label();
    let mut with = Vec::new();
    let mut without = Vec::new();
    for (name, side) in [("gRPC (tonic)", tls.grpc), ("HTTP (reqwest)", tls.http)] {
        match side {
            Some((_, true)) => with.push(name.to_string()),
            Some((_, false)) => without.push(name.to_string()),
            None => {}
        }
    }
    let mut parts = Vec::new();
    if !with.is_empty() {
        parts.push(format!("{label} has TLS over {}", join_and(&with)));
    }
    if !without.is_empty() {
        parts.push(format!(
            "{label} has no TLS over {}: http:// endpoints only",
            join_and(&without)
        ));
    }
    if matches!(tls.grpc, Some((_, true))) {
        parts.push(
            "configured by OTEL_* variables alone its gRPC exporter trusts no CA (opentelemetry-otlp 0.33.1 hands tonic ClientTlsConfig::new()) unless the code calls .with_tls_config(ClientTlsConfig::new().with_enabled_roots())"
                .to_string(),
        );
    }
    parts.join("; ")
}

fn finding(cx: &Context<'_>, otlp: PackageId, tls: &Tls) -> Finding {
    let lock = cx.graph.lock();
    let package = lock.package(otlp);
    let mut sides = Vec::new();
    if matches!(tls.grpc, Some((_, false))) {
        sides.push("gRPC (tonic)".to_string());
    }
    if matches!(tls.http, Some((_, false))) {
        sides.push("HTTP (reqwest)".to_string());
    }
    let mut finding = Finding::new(
        Code::DepNoTlsFeature,
        Severity::Info,
        CHECK,
        format!(
            "{} carries no TLS over {}: an https:// endpoint cannot be reached",
            package.label(),
            join_and(&sides)
        ),
    );
    if let Some((tonic, false)) = tls.grpc {
        finding = finding
            .evidence(format!(
                "in Cargo.lock {} under {} depends on no tokio-rustls: none of tls-ring, tls-aws-lc, tls-provider-agnostic is on (each adds tokio-rustls to tonic)",
                lock.package(tonic).label(),
                package.label()
            ))
            .evidence(
                "observed with opentelemetry-otlp 0.33.1 built with grpc-tonic and no TLS feature: building the exporter for an https:// endpoint fails with \"invalid exporter configuration: OTEL_EXPORTER_OTLP_ENDPOINT: endpoint 'https://127.0.0.1:42651' uses HTTPS but no TLS feature is enabled; enable one of the `tls-ring`, `tls-aws-lc`, or `tls-provider-agnostic` features on `opentelemetry-otlp`\"",
            );
    }
    if let Some((reqwest, false)) = tls.http {
        finding = finding
            .evidence(format!(
                "in Cargo.lock {} under {} depends on none of {}: reqwest-rustls is off and nothing else gives that reqwest TLS",
                lock.package(reqwest).label(),
                package.label(),
                REQWEST_TLS_CRATES.join(", ")
            ))
            .evidence(
                "observed with opentelemetry-otlp 0.33.1 built with reqwest-blocking-client and no TLS feature: every export to an https:// endpoint fails, on every attempt",
            );
    }
    for line in cx.routes_with_declarations(otlp, OTLP_EXPORTER) {
        finding = finding.evidence(line);
    }
    finding = finding.evidence(
        "an http:// endpoint (a collector on localhost, a sidecar) is unaffected, so this is only a note",
    );
    let manifest = cx.direct_manifest(otlp);
    if matches!(tls.grpc, Some((_, false))) {
        finding = finding.fix(Fix::new("deps.grpc_tls_feature").with("manifest", &manifest));
    }
    if matches!(tls.http, Some((_, false))) {
        finding = finding.fix(Fix::new("deps.http_tls_feature").with("manifest", &manifest));
    }
    finding
}

#[cfg(test)]
mod tests {
    use crate::deps::Project;
    use crate::report::Severity;

    const APP: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\n";

    fn lock(app_deps: &str, tonic_deps: &str, reqwest_deps: &str) -> String {
        format!(
            r#"
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["opentelemetry-otlp"{app_deps}]
[[package]]
name = "opentelemetry-otlp"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["opentelemetry-http", "reqwest", "tonic"]
[[package]]
name = "opentelemetry-http"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["reqwest"]
[[package]]
name = "tonic"
version = "0.14.9"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [{tonic_deps}]
[[package]]
name = "reqwest"
version = "0.13.5"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [{reqwest_deps}]
[[package]]
name = "tokio-rustls"
version = "0.26.4"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "hyper-rustls"
version = "0.27.7"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#
        )
    }

    fn run(lock: &str) -> super::Outcome {
        let project = Project::from_texts(APP, lock).expect("parses");
        super::check(&project.context())
    }

    #[test]
    fn tls_on_both_sides_is_quiet_but_the_summary_names_the_roots() {
        let outcome = run(&lock("", "\"tokio-rustls\"", "\"hyper-rustls\""));
        assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
        assert!(
            outcome.summary.contains("with_enabled_roots()"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn no_tls_anywhere_is_one_note_with_both_fixes() {
        let outcome = run(&lock("", "", ""));
        assert_eq!(outcome.findings.len(), 1);
        let finding = &outcome.findings[0];
        assert_eq!(finding.severity, Severity::Info);
        assert!(
            finding.title.contains("gRPC (tonic) and HTTP (reqwest)"),
            "{}",
            finding.title
        );
        assert_eq!(finding.fix.len(), 2, "{:?}", finding.fix);
        assert!(!outcome.summary.contains("with_enabled_roots"));
    }

    #[test]
    fn only_the_side_without_tls_is_named() {
        let outcome = run(&lock("", "\"tokio-rustls\"", ""));
        let finding = &outcome.findings[0];
        assert!(finding.title.ends_with(
            "carries no TLS over HTTP (reqwest): an https:// endpoint cannot be reached"
        ));
        assert_eq!(finding.fix.len(), 1);
    }

    #[test]
    fn an_own_http_client_keeps_the_http_side_out() {
        let outcome = run(&lock(", \"opentelemetry-http\"", "\"tokio-rustls\"", ""));
        assert!(outcome.findings.is_empty(), "{:?}", outcome.findings);
    }
}
