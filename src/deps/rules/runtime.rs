//! `DEP_MISSING_RUNTIME_FEATURE` (warning): the exporter needs a Tokio runtime that, judging by
//! the lock, it will not have. Two cases are visible in Cargo.lock, and the rule is kept to
//! them so that a normal tonic + tokio application is never flagged:
//!
//! 1. **gRPC exporter, no runtime in the application.** `opentelemetry-otlp` depends on `tonic`
//!    (grpc-tonic), and "the tonic client requires a Tokio runtime" (opentelemetry-otlp 0.33.1
//!    `src/lib.rs`): building it outside one panics with "there is no reactor running". Tonic
//!    always brings tokio into the lock, so tokio's mere presence proves nothing; the rule asks
//!    instead whether a root package reaches tokio by a route that does not pass through an
//!    OpenTelemetry crate (its own tokio, or axum, actix, a tonic of its own, ...). Only when
//!    every route to tokio goes through the exporter is it reported.
//!
//! 2. **Async HTTP client, thread-based processors.** Since opentelemetry_sdk 0.28 the batch
//!    span/log processors and the periodic reader run on their own threads, and "when pairing
//!    with OTLP, grpc-tonic or reqwest-blocking-client are the only supported features (hyper,
//!    reqwest are not supported)" (opentelemetry_sdk CHANGELOG 0.28.0). The async clients are
//!    visible as follows; anything ambiguous is left alone:
//!    - opentelemetry-otlp 0.33 and later: `reqwest-client` and `hyper-client` add `tokio` to
//!      the exporter's dependencies and nothing else on the HTTP side does, so `tokio` without
//!      `tonic` there (tonic would explain tokio too) means an async client is selected;
//!    - 0.28 to 0.32: `reqwest-client` and `reqwest-blocking-client` look the same (both add
//!      `reqwest`), so only `hyper-client` is recognised: `hyper` under opentelemetry-http and
//!      no `reqwest` under the exporter, with no package of the project depending on
//!      opentelemetry-http itself (it may be building its own client).
//!
//!    The SDK's async-runtime processors are the supported way to keep an async client; they
//!    need `rt-tokio` (or an `experimental_*_with_async_runtime` feature), each of which puts
//!    `tokio` in opentelemetry_sdk's dependencies. So the case is reported only when the SDK
//!    has no tokio.

use super::transport::Transports;
use super::{Context, Outcome, join_and};
use crate::deps::family::{HTTP_GLUE, OTLP_EXPORTER, SDK, is_opentelemetry_crate};
use crate::deps::lockfile::PackageId;
use crate::deps::version::Version;
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};

pub const CHECK: &str = "runtime";

fn at_least(version: &Version, major: u64, minor: u64) -> bool {
    (version.major, version.minor) >= (major, minor)
}

pub fn check(cx: &Context<'_>) -> Outcome {
    let lock = cx.graph.lock();
    let exporters = lock.named(OTLP_EXPORTER);
    let mut findings = Vec::new();
    for &otlp in &exporters {
        let transports = Transports::of(cx, otlp);
        if transports.grpc
            && let Some(finding) = tonic_without_runtime(cx, otlp)
        {
            findings.push(finding);
        }
        if let Some(finding) = async_client_on_threads(cx, otlp, &transports) {
            findings.push(finding);
        }
    }
    let summary = if exporters.is_empty() {
        "no opentelemetry-otlp in Cargo.lock".to_string()
    } else if findings.is_empty() {
        "the exporter's transport fits the runtime the project has".to_string()
    } else {
        "an exporter needs a Tokio runtime the project may not provide".to_string()
    };
    Outcome {
        id: CHECK,
        applicable: !exporters.is_empty(),
        summary,
        findings,
    }
}

fn tonic_without_runtime(cx: &Context<'_>, otlp: PackageId) -> Option<Finding> {
    let lock = cx.graph.lock();
    let without: Vec<PackageId> = cx
        .graph
        .roots()
        .into_iter()
        .filter(|&root| cx.graph.closure(root)[otlp])
        .filter(|&root| {
            !cx.graph
                .reaches_avoiding(root, "tokio", |p| is_opentelemetry_crate(&p.name))
        })
        .collect();
    if without.is_empty() {
        return None;
    }
    let names: Vec<String> = without
        .iter()
        .map(|&r| lock.package(r).name.clone())
        .collect();
    let package = lock.package(otlp);
    let mut finding = Finding::new(
        Code::DepMissingRuntimeFeature,
        Severity::Warning,
        CHECK,
        format!(
            "{} exports over gRPC (tonic), which needs a Tokio runtime, but {} has none of its own",
            package.label(),
            join_and(&names)
        ),
    )
    .evidence(format!(
        "{} depends on tonic (feature grpc-tonic); its docs: \"the tonic client requires a Tokio runtime\"",
        package.label()
    ))
    .evidence(format!(
        "{} reaches tokio only through OpenTelemetry crates:",
        join_and(&names)
    ));
    for tokio in lock.named("tokio") {
        for line in cx.chain_lines(tokio) {
            finding = finding.evidence(line);
        }
    }
    let manifest = cx.direct_manifest(otlp);
    let finding = finding
        .evidence(
            "building the exporter outside a runtime panics with \"there is no reactor running, must be called from the context of a Tokio 1.x runtime\"",
        )
        .fix(Fix::new("deps.add_tokio_runtime").with("manifest", &manifest))
        .fix(Fix::new("deps.blocking_http_client"))
        ;
    Some(finding)
}

fn async_client_on_threads(
    cx: &Context<'_>,
    otlp: PackageId,
    transports: &Transports,
) -> Option<Finding> {
    let lock = cx.graph.lock();
    let package = lock.package(otlp);
    let sdk = lock.dependency_named(otlp, SDK)?;
    let sdk_package = lock.package(sdk);
    if !at_least(&sdk_package.version, 0, 28) || lock.depends_on(sdk, "tokio") {
        return None;
    }
    let client_evidence = if at_least(&package.version, 0, 33) {
        let async_client = lock.depends_on(otlp, "tokio")
            && !transports.grpc
            && (transports.http_reqwest || transports.http_glue);
        if !async_client {
            return None;
        }
        format!(
            "{} depends on tokio but not on tonic: reqwest-client or hyper-client is on, so the HTTP exporter uses an async client",
            package.label()
        )
    } else if at_least(&package.version, 0, 28) {
        let own_client = cx
            .graph
            .locals()
            .into_iter()
            .any(|local| lock.depends_on(local, HTTP_GLUE));
        let hyper_client = transports.http_hyper && !transports.http_reqwest;
        if !hyper_client || own_client {
            return None;
        }
        format!(
            "opentelemetry-http depends on hyper and {} on no reqwest: hyper-client is the HTTP client",
            package.label()
        )
    } else {
        return None;
    };
    let manifest = cx.direct_manifest(otlp);
    Some(
        Finding::new(
            Code::DepMissingRuntimeFeature,
            Severity::Warning,
            CHECK,
            format!(
                "{} uses an async HTTP client, but {} runs its batch processors on plain threads",
                package.label(),
                sdk_package.label()
            ),
        )
        .evidence(client_evidence)
        .evidence(format!(
            "{} does not depend on tokio: rt-tokio is off, so the batch span and log processors and the periodic metric reader run on their own threads, outside any Tokio runtime",
            sdk_package.label()
        ))
        .evidence(
            "opentelemetry_sdk CHANGELOG 0.28.0: with these processors \"grpc-tonic or reqwest-blocking-client are the only supported features (hyper, reqwest are not supported)\"; exports fail or panic with \"there is no reactor running\"",
        )
        .fix(Fix::new("deps.use_blocking_client").with("manifest", &manifest))
        .fix(Fix::new("deps.async_runtime_processor")),
    )
}

#[cfg(test)]
mod tests {
    use crate::deps::Project;

    const APP: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\n";

    /// An app with opentelemetry-otlp 0.33 and opentelemetry_sdk 0.33.
    fn lock(app_deps: &str, otlp_deps: &str, sdk_deps: &str) -> String {
        format!(
            r#"
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["opentelemetry-otlp", "opentelemetry_sdk"{app_deps}]
[[package]]
name = "opentelemetry-otlp"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["opentelemetry_sdk"{otlp_deps}]
[[package]]
name = "opentelemetry_sdk"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [{sdk_deps}]
[[package]]
name = "opentelemetry-http"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["reqwest"]
[[package]]
name = "reqwest"
version = "0.13.5"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["tokio"]
[[package]]
name = "tonic"
version = "0.14.9"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["tokio"]
[[package]]
name = "tokio"
version = "1.54.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#
        )
    }

    fn titles(lock: &str) -> Vec<String> {
        let project = Project::from_texts(APP, lock).expect("parses");
        super::check(&project.context())
            .findings
            .into_iter()
            .map(|f| f.title)
            .collect()
    }

    #[test]
    fn tonic_with_the_apps_own_tokio_is_fine() {
        let lock = lock(", \"tokio\"", ", \"tokio\", \"tonic\"", "");
        assert!(titles(&lock).is_empty());
    }

    #[test]
    fn tonic_with_tokio_only_through_the_exporter_is_flagged() {
        let lock = lock("", ", \"tokio\", \"tonic\"", "");
        let titles = titles(&lock);
        assert_eq!(titles.len(), 1, "{titles:?}");
        assert!(titles[0].contains("needs a Tokio runtime"), "{titles:?}");
    }

    #[test]
    fn async_reqwest_client_without_rt_tokio_is_flagged() {
        let otlp = ", \"opentelemetry-http\", \"reqwest\", \"tokio\"";
        let titles_without = titles(&lock(", \"tokio\"", otlp, ""));
        assert_eq!(titles_without.len(), 1, "{titles_without:?}");
        assert!(titles_without[0].contains("async HTTP client"));
        assert!(
            titles(&lock(", \"tokio\"", otlp, "\"tokio\"")).is_empty(),
            "rt-tokio on the SDK: the async-runtime processors may be in use"
        );
    }

    #[test]
    fn blocking_client_and_default_features_are_fine() {
        // reqwest-blocking-client: reqwest, no tokio under the exporter.
        let blocking = lock(", \"tokio\"", ", \"opentelemetry-http\", \"reqwest\"", "");
        assert!(titles(&blocking).is_empty());
        // default features plus grpc-tonic: tokio comes with tonic, nothing to conclude.
        let both = lock(
            ", \"tokio\"",
            ", \"opentelemetry-http\", \"reqwest\", \"tokio\", \"tonic\"",
            "",
        );
        assert!(titles(&both).is_empty());
    }
}
