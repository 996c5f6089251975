//! `DEP_MISSING_TRANSPORT_FEATURE`: `opentelemetry-otlp` is in the lock but none of its
//! transports is compiled in.
//!
//! Features are not recorded in Cargo.lock, but the optional dependencies they turn on are,
//! in the exporter's own `dependencies` list (opentelemetry-otlp 0.25 to 0.33):
//! - `grpc-tonic` adds `tonic`;
//! - `reqwest-client`, `reqwest-blocking-client` and `reqwest-rustls` add `reqwest`;
//! - `hyper-client` adds no dependency to opentelemetry-otlp itself but turns on
//!   `opentelemetry-http/hyper`, so `hyper` shows up under `opentelemetry-http`;
//! - `http-proto` and `http-json` add `opentelemetry-http` (the HTTP glue, no client).
//!
//! With none of tonic, reqwest or hyper there is no exporter to build: without a protocol
//! feature the builders do not exist, and with `http-proto` alone `build()` fails for want of an
//! HTTP client. One exception keeps the rule free of false alarms: a package of the project
//! that depends on `opentelemetry-http` itself may be supplying its own client through
//! `.with_http_client()`, so that case is only a warning. The lock is resolved as if every
//! feature of the workspace members were on, so a transport behind an optional feature of the
//! project counts as present: the rule can miss a case, never invent one.

use super::{Context, Outcome, join_and};
use crate::deps::family::{HTTP_GLUE, OTLP_EXPORTER};
use crate::deps::lockfile::PackageId;
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};

pub const CHECK: &str = "transport";

/// The transports one opentelemetry-otlp package has compiled in.
#[derive(Debug, Default, PartialEq)]
pub struct Transports {
    pub grpc: bool,
    pub http_reqwest: bool,
    pub http_hyper: bool,
    /// `opentelemetry-http` is a dependency: `http-proto` or `http-json` is on.
    pub http_glue: bool,
}

impl Transports {
    pub fn of(cx: &Context<'_>, otlp: PackageId) -> Transports {
        let lock = cx.graph.lock();
        let glue = lock.dependency_named(otlp, HTTP_GLUE);
        Transports {
            grpc: lock.depends_on(otlp, "tonic"),
            http_reqwest: lock.depends_on(otlp, "reqwest"),
            http_hyper: glue.is_some_and(|g| lock.depends_on(g, "hyper")),
            http_glue: glue.is_some(),
        }
    }

    pub fn any(&self) -> bool {
        self.grpc || self.http_reqwest || self.http_hyper
    }

    fn describe(&self) -> String {
        let mut names = Vec::new();
        if self.grpc {
            names.push("gRPC (tonic)".to_string());
        }
        if self.http_reqwest {
            names.push("HTTP (reqwest)".to_string());
        }
        if self.http_hyper {
            names.push("HTTP (hyper)".to_string());
        }
        join_and(&names)
    }
}

pub fn check(cx: &Context<'_>) -> Outcome {
    let lock = cx.graph.lock();
    let exporters = lock.named(OTLP_EXPORTER);
    let mut findings = Vec::new();
    let mut fine = Vec::new();
    for &otlp in &exporters {
        let transports = Transports::of(cx, otlp);
        if transports.any() {
            fine.push(format!(
                "{} exports over {}",
                lock.package(otlp).label(),
                transports.describe()
            ));
        } else {
            findings.push(finding(cx, otlp, &transports));
        }
    }
    let summary = if exporters.is_empty() {
        "no opentelemetry-otlp in Cargo.lock".to_string()
    } else if findings.is_empty() {
        fine.join("; ")
    } else {
        format!(
            "{} of {} opentelemetry-otlp packages have no transport",
            findings.len(),
            exporters.len()
        )
    };
    Outcome {
        id: CHECK,
        applicable: !exporters.is_empty(),
        summary,
        findings,
    }
}

fn finding(cx: &Context<'_>, otlp: PackageId, transports: &Transports) -> Finding {
    let lock = cx.graph.lock();
    let package = lock.package(otlp);
    let own_client = cx
        .graph
        .locals()
        .into_iter()
        .any(|local| lock.depends_on(local, HTTP_GLUE));
    let severity = if transports.http_glue && own_client {
        Severity::Warning
    } else {
        Severity::Error
    };
    let title = if transports.http_glue {
        format!(
            "{} is built for OTLP/HTTP without an HTTP client",
            package.label()
        )
    } else {
        format!(
            "{} is built without any transport: neither grpc-tonic nor an HTTP feature",
            package.label()
        )
    };
    let dependencies: Vec<String> = package
        .dependencies
        .iter()
        .map(|&d| lock.package(d).name.clone())
        .collect();
    let mut finding = Finding::new(Code::DepMissingTransportFeature, severity, CHECK, title)
        .evidence(format!(
            "in Cargo.lock {} depends on {}: no tonic (grpc-tonic), no reqwest (reqwest-blocking-client, reqwest-client), no hyper under opentelemetry-http (hyper-client)",
            package.label(),
            if dependencies.is_empty() {
                "nothing".to_string()
            } else {
                dependencies.join(", ")
            }
        ));
    for line in cx.routes_with_declarations(otlp, OTLP_EXPORTER) {
        finding = finding.evidence(line);
    }
    finding = if transports.http_glue {
        finding.evidence(
            "building the HTTP exporter fails at startup ('no HTTP client is configured' from 0.33, 'no http client specified' before), so nothing is exported",
        )
    } else {
        finding.evidence(
            "without a protocol feature the exporter builders (.with_tonic(), .with_http()) are not compiled, so no OTLP exporter can be built",
        )
    };
    if severity == Severity::Warning {
        finding = finding.evidence(
            "a package of the project depends on opentelemetry-http itself, so it may pass its own client with .with_http_client()",
        );
    }
    let manifest = cx.direct_manifest(otlp);
    finding
        .fix(Fix::new("deps.grpc_tonic_feature").with("manifest", &manifest))
        .fix(Fix::new("deps.http_proto_feature").with("manifest", &manifest))
}

#[cfg(test)]
mod tests {
    use crate::deps::Project;
    use crate::report::Severity;

    const APP: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\n";

    fn lock(otlp_deps: &str, extra: &str) -> String {
        format!(
            r#"
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["opentelemetry-otlp"{extra}]
[[package]]
name = "opentelemetry-otlp"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [{otlp_deps}]
[[package]]
name = "opentelemetry-http"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "tonic"
version = "0.14.9"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "reqwest"
version = "0.13.5"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#
        )
    }

    fn run(lock: &str) -> Vec<crate::report::Finding> {
        let project = Project::from_texts(APP, lock).expect("parses");
        super::check(&project.context()).findings
    }

    #[test]
    fn tonic_or_reqwest_is_a_transport() {
        assert!(run(&lock("\"tonic\"", "")).is_empty());
        assert!(run(&lock("\"opentelemetry-http\", \"reqwest\"", "")).is_empty());
    }

    #[test]
    fn nothing_at_all_is_an_error() {
        let findings = run(&lock("", ""));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(findings[0].title.contains("without any transport"));
    }

    #[test]
    fn http_glue_without_client_is_an_error_unless_the_app_may_bring_one() {
        let findings = run(&lock("\"opentelemetry-http\"", ""));
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(findings[0].title.contains("without an HTTP client"));
        let findings = run(&lock("\"opentelemetry-http\"", ", \"opentelemetry-http\""));
        assert_eq!(findings[0].severity, Severity::Warning);
    }
}
