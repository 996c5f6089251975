//! `DEP_INCOMPATIBLE_VERSIONS`: one package of the project depends directly on OpenTelemetry
//! crates whose release lines do not pair, by the compatibility matrix (`matrix.toml`):
//! `tracing-opentelemetry` 0.31 is built for opentelemetry 0.30, so next to
//! `opentelemetry_sdk` 0.33 it is the crate to move, and the matrix names the release to move
//! to. Where `versions` reports what the lock holds and who pulls it, this rule points at the
//! declaration in a Cargo.toml that is out of line. Crate lines the matrix does not list are
//! never reported.
//!
//! Also a warning when a package depends on another tonic line than `opentelemetry-otlp` does:
//! tonic types handed to the exporter's builder (a `Channel`, a `ClientTlsConfig`, a
//! `MetadataMap`) must come from the exporter's tonic, or the build fails with two types of
//! the same name.

use super::{Context, Outcome, join_and};
use crate::deps::family::{OTLP_EXPORTER, PAIRED_CRATES};
use crate::deps::lockfile::PackageId;
use crate::deps::matrix::Pairing;
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};

pub const CHECK: &str = "compatibility";

pub fn check(cx: &Context<'_>) -> Outcome {
    let lock = cx.graph.lock();
    let mut findings = Vec::new();
    let mut checked = Vec::new();
    for local in cx.graph.locals() {
        let direct: Vec<(PackageId, Pairing)> = lock
            .package(local)
            .dependencies
            .iter()
            .copied()
            .filter(|&d| PAIRED_CRATES.contains(&lock.package(d).name.as_str()))
            .filter_map(|d| {
                let package = lock.package(d);
                cx.matrix
                    .built_for(&package.name, &package.version)
                    .map(|p| (d, p))
            })
            .collect();
        if !direct.is_empty() {
            checked.push(lock.package(local).name.clone());
        }
        if let Some(finding) = mismatch(cx, local, &direct) {
            findings.push(finding);
        }
    }
    for local in cx.graph.locals() {
        if let Some(finding) = tonic_mismatch(cx, local) {
            findings.push(finding);
        }
    }
    let summary = if checked.is_empty() {
        "no package depends on a crate of the compatibility matrix".to_string()
    } else if findings.is_empty() {
        format!("the OpenTelemetry crates of {} pair up", join_and(&checked))
    } else {
        format!(
            "checked the OpenTelemetry crates of {} against the compatibility matrix",
            join_and(&checked)
        )
    };
    Outcome {
        id: CHECK,
        applicable: !checked.is_empty(),
        summary,
        findings,
    }
}

fn mismatch(
    cx: &Context<'_>,
    local: PackageId,
    direct: &[(PackageId, Pairing)],
) -> Option<Finding> {
    let lock = cx.graph.lock();
    let mut lines: Vec<_> = direct.iter().map(|(_, p)| p.opentelemetry).collect();
    lines.sort();
    lines.dedup();
    if lines.len() < 2 {
        return None;
    }
    let target = *lines.last()?;
    let name = &lock.package(local).name;
    let manifest = cx.manifest_label(local);
    let mut finding = Finding::new(
        Code::DepIncompatibleVersions,
        Severity::Error,
        CHECK,
        format!(
            "{name} depends on OpenTelemetry crates built for different opentelemetry versions ({})",
            join_and(&lines.iter().map(|l| l.to_string()).collect::<Vec<_>>())
        ),
    );
    for (id, pairing) in direct {
        let package = lock.package(*id);
        finding = if pairing.opentelemetry == target {
            finding.evidence(format!(
                "{} is built for opentelemetry {}",
                package.label(),
                pairing.opentelemetry
            ))
        } else {
            finding.evidence(format!(
                "{} is built for opentelemetry {} (source: {})",
                package.label(),
                pairing.opentelemetry,
                pairing.source
            ))
        };
    }
    for (id, pairing) in direct {
        if pairing.opentelemetry == target {
            continue;
        }
        let package = lock.package(*id);
        if let Some(declared) = cx.declaration(local, &package.name) {
            finding = finding.evidence(format!("declared in {declared}"));
        }
        finding = match cx.matrix.release_for(&package.name, target) {
            Some(release) => finding.fix(
                Fix::new("deps.set_paired_release")
                    .with("package", &package.name)
                    .with("release", release)
                    .with("manifest", &manifest)
                    .with("target", target),
            ),
            None => finding.fix(
                Fix::new("deps.no_paired_release")
                    .with("package", &package.name)
                    .with("target", target)
                    .with("current", pairing.opentelemetry),
            ),
        };
    }
    Some(finding.fix(Fix::new("deps.single_cargo_tree")))
}

fn tonic_mismatch(cx: &Context<'_>, local: PackageId) -> Option<Finding> {
    let lock = cx.graph.lock();
    let own = lock.dependency_named(local, "tonic")?;
    let otlp = lock.dependency_named(local, OTLP_EXPORTER)?;
    let exporters = lock.dependency_named(otlp, "tonic")?;
    let (own_tonic, exporter_tonic) = (lock.package(own), lock.package(exporters));
    if own_tonic.version.line() == exporter_tonic.version.line() {
        return None;
    }
    let name = &lock.package(local).name;
    Some(
        Finding::new(
            Code::DepIncompatibleVersions,
            Severity::Warning,
            CHECK,
            format!(
                "{name} uses tonic {} but {} is built on tonic {}",
                own_tonic.version.line(),
                lock.package(otlp).label(),
                exporter_tonic.version.line()
            ),
        )
        .evidence(format!("{} ← {name}", own_tonic.label()))
        .evidence(format!(
            "{} ← {} ← {name}",
            exporter_tonic.label(),
            lock.package(otlp).label()
        ))
        .evidence(
            "tonic types passed to the exporter builder (.with_channel, .with_tls_config, \
             .with_metadata) must come from the exporter's tonic, or the build fails with \
             mismatched types of the same name",
        )
        .fix(
            Fix::new("deps.align_tonic")
                .with("exporter_tonic", exporter_tonic.version.line())
                .with("manifest", cx.manifest_label(local))
                .with("name", name)
                .with("own_tonic", own_tonic.version.line()),
        ),
    )
}

#[cfg(test)]
mod tests {
    use crate::deps::Project;
    use crate::report::Severity;

    const APP: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\ntracing-opentelemetry = \"0.31\"\n";

    fn lock(app_deps: &str, tracing_otel: &str, app_tonic: &str) -> String {
        format!(
            r#"
[[package]]
name = "app"
version = "0.1.0"
dependencies = [{app_deps}]
[[package]]
name = "opentelemetry"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "opentelemetry-otlp"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["opentelemetry", "tonic 0.14.9"]
[[package]]
name = "tracing-opentelemetry"
version = "{tracing_otel}"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "tonic"
version = "0.14.9"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "tonic"
version = "{app_tonic}"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#
        )
    }

    fn findings(lock: &str) -> Vec<crate::report::Finding> {
        let project = Project::from_texts(APP, lock).expect("parses");
        super::check(&project.context()).findings
    }

    #[test]
    fn pairs_that_fit_are_clean() {
        let lock = lock(
            "\"opentelemetry\", \"opentelemetry-otlp\", \"tracing-opentelemetry\"",
            "0.34.0",
            "0.14.9",
        );
        assert!(findings(&lock).is_empty());
    }

    #[test]
    fn an_old_tracing_opentelemetry_is_named_with_its_release() {
        let lock = lock(
            "\"opentelemetry\", \"opentelemetry-otlp\", \"tracing-opentelemetry\"",
            "0.31.0",
            "0.14.9",
        );
        let findings = findings(&lock);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(
            findings[0]
                .fix
                .iter()
                .any(|f| f.starts_with("set tracing-opentelemetry = \"0.34\" in Cargo.toml")),
            "{:?}",
            findings[0].fix
        );
        assert!(
            findings[0]
                .evidence
                .iter()
                .any(|e| e
                    == "declared in Cargo.toml: tracing-opentelemetry = { version = \"0.31\" }"),
            "{:?}",
            findings[0].evidence
        );
    }

    #[test]
    fn another_tonic_than_the_exporters_is_a_warning() {
        let lock = lock(
            "\"opentelemetry-otlp\", \"tonic 0.12.3\"",
            "0.34.0",
            "0.12.3",
        );
        let findings = findings(&lock);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(
            findings[0].title,
            "app uses tonic 0.12 but opentelemetry-otlp 0.33.1 is built on tonic 0.14"
        );
    }
}
