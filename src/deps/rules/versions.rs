//! `DEP_MULTIPLE_OPENTELEMETRY_VERSIONS`: Cargo.lock holds semver-incompatible copies of a
//! crate that defines the API types or the global providers (`opentelemetry`,
//! `opentelemetry_sdk`, `opentelemetry-proto`).
//!
//! Each copy is a separate crate to the compiler: a tracer from `opentelemetry` 0.30 is not a
//! tracer of 0.33, and each has its own global provider. Instrumentation built on one copy
//! reports to a provider nobody installed, so spans vanish with no error: the classic "no
//! spans" cause. It is an error when one of the project's root packages links two copies
//! (directly or through its own path dependencies); when each copy lives in a different
//! workspace member that never links the other, it is only a warning.
//!
//! Evidence names every route by which each version arrives, ending at the project's own
//! package; the fix names the crate to move and, from the compatibility matrix, the release
//! that pairs with the newest opentelemetry in the lock.

use super::{Context, Outcome, join_and};
use crate::deps::family::{API_TYPE_CRATES, PAIRED_CRATES};
use crate::deps::lockfile::PackageId;
use crate::deps::version::Line;
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};
use std::collections::BTreeMap;

pub const CHECK: &str = "versions";

/// The copies of one crate in the lock, by release line.
struct Split {
    krate: &'static str,
    lines: BTreeMap<Line, Vec<PackageId>>,
}

pub fn check(cx: &Context<'_>) -> Outcome {
    let lock = cx.graph.lock();
    let mut single = Vec::new();
    let mut splits = Vec::new();
    for &krate in API_TYPE_CRATES {
        let mut lines: BTreeMap<Line, Vec<PackageId>> = BTreeMap::new();
        for id in lock.named(krate) {
            lines
                .entry(lock.package(id).version.line())
                .or_default()
                .push(id);
        }
        match lines.len() {
            0 => {}
            1 => single.extend(lines.keys().map(|line| format!("{krate} {line}"))),
            _ => splits.push(Split { krate, lines }),
        }
    }
    if splits.is_empty() {
        let summary = if single.is_empty() {
            "no opentelemetry, opentelemetry_sdk or opentelemetry-proto in Cargo.lock".to_string()
        } else {
            format!("one release line of each: {}", single.join(", "))
        };
        return Outcome {
            id: CHECK,
            applicable: !single.is_empty(),
            summary,
            findings: Vec::new(),
        };
    }
    let finding = finding(cx, &splits);
    Outcome {
        id: CHECK,
        applicable: true,
        summary: format!(
            "{} release lines in Cargo.lock",
            splits
                .iter()
                .map(|s| format!("{} has {}", s.krate, s.lines.len()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        findings: vec![finding],
    }
}

fn finding(cx: &Context<'_>, splits: &[Split]) -> Finding {
    let lock = cx.graph.lock();
    let copies: Vec<String> = splits
        .iter()
        .map(|s| {
            let versions: Vec<String> = s
                .lines
                .values()
                .flatten()
                .map(|&id| lock.package(id).version.to_string())
                .collect();
            format!("{} ({})", s.krate, versions.join(", "))
        })
        .collect();
    let mixing = mixing_roots(cx, splits);
    let mut finding = if mixing.is_empty() {
        Finding::new(
            Code::DepMultipleOpentelemetryVersions,
            Severity::Warning,
            CHECK,
            format!(
                "workspace members use semver-incompatible versions of {}",
                join_and(&copies)
            ),
        )
    } else {
        let roots: Vec<String> = mixing.iter().map(|(name, _)| name.clone()).collect();
        Finding::new(
            Code::DepMultipleOpentelemetryVersions,
            Severity::Error,
            CHECK,
            format!(
                "semver-incompatible versions of {} are linked into {}",
                join_and(&copies),
                join_and(&roots)
            ),
        )
    };
    for (_, line) in &mixing {
        finding = finding.evidence(line.clone());
    }
    if mixing.is_empty() {
        finding = finding.evidence(
            "each root package links one copy: harmless while they stay separate binaries, \
             but any package that depends on two of them gets both copies",
        );
    }
    // Every route of the primary crate's versions; for the others only the versions off the
    // target line, whose routes are the ones to change (the rest repeat the primary's).
    let target = target_line(splits);
    for (i, split) in splits.iter().enumerate() {
        for (line, ids) in &split.lines {
            if i > 0 && Some(*line) == target {
                continue;
            }
            for &id in ids {
                for line in cx.chain_lines(id) {
                    finding = finding.evidence(line);
                }
            }
        }
    }
    for fix in fixes(cx, splits, target) {
        finding = finding.fix(fix);
    }
    finding
}

/// The root packages that link two lines of one crate, each with a sentence saying which.
fn mixing_roots(cx: &Context<'_>, splits: &[Split]) -> Vec<(String, String)> {
    let lock = cx.graph.lock();
    let mut mixing = Vec::new();
    for root in cx.graph.roots() {
        let closure = cx.graph.closure(root);
        for split in splits {
            let linked: Vec<(Line, Vec<PackageId>)> = split
                .lines
                .iter()
                .map(|(line, ids)| {
                    (
                        *line,
                        ids.iter().copied().filter(|&id| closure[id]).collect(),
                    )
                })
                .filter(|(_, ids): &(Line, Vec<PackageId>)| !ids.is_empty())
                .collect();
            if linked.len() < 2 {
                continue;
            }
            let root_name = lock.package(root).name.clone();
            let parts: Vec<String> = linked
                .iter()
                .map(|(line, ids)| {
                    let mut from: Vec<String> = ids
                        .iter()
                        .flat_map(|&id| cx.graph.chains(id))
                        .map(|chain| chain.local())
                        .filter(|&local| closure[local])
                        .map(|local| lock.package(local).name.clone())
                        .collect();
                    from.sort();
                    from.dedup();
                    from.retain(|name| *name != root_name);
                    if from.is_empty() {
                        line.to_string()
                    } else {
                        format!("{line} (through {})", join_and(&from))
                    }
                })
                .collect();
            mixing.push((
                root_name.clone(),
                format!(
                    "{root_name} links {} {}: each copy has its own types and global providers, \
                     so telemetry recorded through one never reaches an exporter built on the \
                     other, and nothing reports an error",
                    split.krate,
                    join_and(&parts)
                ),
            ));
            break;
        }
    }
    mixing
}

/// The line to align on: the newest opentelemetry line in the lock. Every pairing is stated
/// against it; the SDK and (since 0.25) the proto crate share its numbers.
fn target_line(splits: &[Split]) -> Option<Line> {
    let primary = splits
        .iter()
        .find(|s| s.krate == "opentelemetry")
        .or(splits.first())?;
    primary.lines.keys().next_back().copied()
}

/// Concrete steps: which crate to move to which release (once per crate and manifest), then
/// how to see every route to the old opentelemetry.
fn fixes(cx: &Context<'_>, splits: &[Split], target: Option<Line>) -> Vec<Fix> {
    let lock = cx.graph.lock();
    let Some(target) = target else {
        return Vec::new();
    };
    let mut fixes: Vec<Fix> = Vec::new();
    let mut handled: Vec<(PackageId, PackageId)> = Vec::new();
    for split in splits {
        for (line, ids) in &split.lines {
            if *line == target {
                continue;
            }
            for &id in ids {
                for chain in cx.graph.chains(id) {
                    let entry = lock.package(chain.entry());
                    if entry.is_local() || handled.contains(&(chain.entry(), chain.local())) {
                        continue;
                    }
                    handled.push((chain.entry(), chain.local()));
                    fixes.push(upgrade(cx, chain.entry(), chain.local(), *line, target));
                }
            }
        }
    }
    let primary = splits
        .iter()
        .find(|s| s.krate == "opentelemetry")
        .or(splits.first());
    for (line, ids) in primary.iter().flat_map(|s| &s.lines) {
        if *line == target {
            continue;
        }
        for &id in ids {
            let package = lock.package(id);
            fixes.push(
                Fix::new("deps.cargo_tree_invert")
                    .with("name", &package.name)
                    .with("version", &package.version)
                    .with("label", package.label()),
            );
        }
    }
    fixes
}

/// The step for one direct dependency that brings an old line in.
fn upgrade(cx: &Context<'_>, entry: PackageId, local: PackageId, old: Line, target: Line) -> Fix {
    let package = cx.graph.package(entry);
    let name = package.name.as_str();
    let manifest = cx.manifest_label(local);
    let paired = PAIRED_CRATES.contains(&name) || API_TYPE_CRATES.contains(&name);
    match cx.matrix.release_for(name, target) {
        Some(release) if API_TYPE_CRATES.contains(&name) => {
            Fix::new("deps.change_api_crate_release")
                .with("name", name)
                .with("version", &package.version)
                .with("release", release)
                .with("manifest", &manifest)
        }
        Some(release) if paired => Fix::new("deps.upgrade_paired_crate")
            .with("name", name)
            .with("version", &package.version)
            .with("release", release)
            .with("manifest", &manifest)
            .with("target", target),
        _ if paired && cx.matrix.knows(name) => Fix::new("deps.no_known_release")
            .with("name", name)
            .with("target", target)
            .with("old", old),
        _ => Fix::new("deps.upgrade_to_target_line")
            .with("label", package.label())
            .with("target", target)
            .with("old", old),
    }
}

#[cfg(test)]
mod tests {
    use crate::deps::Project;
    use crate::report::{Code, Severity};

    fn findings(manifest: &str, lock: &str) -> Vec<crate::report::Finding> {
        let project = Project::from_texts(manifest, lock).expect("parses");
        let outcome = super::check(&project.context());
        outcome.findings
    }

    const APP: &str = "[package]\nname = \"my-app\"\nversion = \"0.1.0\"\n";

    #[test]
    fn one_line_each_is_clean() {
        let lock = r#"
[[package]]
name = "my-app"
version = "0.1.0"
dependencies = ["opentelemetry", "opentelemetry_sdk"]
[[package]]
name = "opentelemetry"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "opentelemetry_sdk"
version = "0.33.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["opentelemetry"]
"#;
        assert!(findings(APP, lock).is_empty());
    }

    #[test]
    fn separate_members_are_a_warning_and_linked_ones_an_error() {
        let lock = |web_deps: &str| {
            format!(
                r#"
[[package]]
name = "batch"
version = "0.1.0"
dependencies = ["opentelemetry 0.31.0"]
[[package]]
name = "web"
version = "0.1.0"
dependencies = [{web_deps}]
[[package]]
name = "opentelemetry"
version = "0.31.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "opentelemetry"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#
            )
        };
        let split = findings(APP, &lock("\"opentelemetry 0.33.1\""));
        assert_eq!(split.len(), 1);
        assert_eq!(split[0].code, Code::DepMultipleOpentelemetryVersions);
        assert_eq!(split[0].severity, Severity::Warning);

        let linked = findings(APP, &lock("\"batch\", \"opentelemetry 0.33.1\""));
        assert_eq!(linked[0].severity, Severity::Error);
        let evidence = linked[0].evidence.join("\n");
        assert!(
            evidence.contains("web links opentelemetry 0.31 (through batch) and 0.33:"),
            "{evidence}"
        );
        assert!(
            evidence.contains("opentelemetry 0.31.0 ← batch"),
            "{evidence}"
        );
        assert!(
            linked[0]
                .fix
                .iter()
                .any(|f| f.contains("cargo tree -i opentelemetry@0.31.0")),
            "{:?}",
            linked[0].fix
        );
    }
}
