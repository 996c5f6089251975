//! What was read, shown beside the findings: the files and packages of the project, and every
//! OpenTelemetry crate in the lock with its version and the packages that depend on it.

use super::family::is_opentelemetry_crate;
use super::rules::Context;
use crate::report::Section;
use crate::report::listing::first_few;
use std::path::Path;

/// Dependents shown per crate before the rest are counted.
const MAX_DEPENDENTS_SHOWN: usize = 4;

/// The project section: which manifest, which lock, which of the project's own packages.
pub fn project_section(cx: &Context<'_>, manifest: &Path, lock_path: &Path) -> Section {
    let lock = cx.graph.lock();
    let locals: Vec<String> = cx
        .graph
        .locals()
        .into_iter()
        .map(|id| lock.package(id).label())
        .collect();
    let format = match lock.format {
        Some(v) => format!("v{v}"),
        None => "v1 or v2 (no version line)".to_string(),
    };
    Section::new("project")
        .row("manifest", manifest.display().to_string(), None)
        .row("lock file", lock_path.display().to_string(), None)
        .row("lock format", format, None)
        .row("packages in lock", lock.packages.len().to_string(), None)
        .row(
            "own packages",
            if locals.is_empty() {
                "(none)".to_string()
            } else {
                locals.join(", ")
            },
            Some("packages without a source in Cargo.lock".into()),
        )
}

/// One row per OpenTelemetry crate version in the lock, with who depends on it.
pub fn crates_section(cx: &Context<'_>) -> Section {
    let lock = cx.graph.lock();
    let mut ids: Vec<usize> = (0..lock.packages.len())
        .filter(|&id| is_opentelemetry_crate(&lock.package(id).name))
        .collect();
    ids.sort_by(|&a, &b| {
        let (a, b) = (lock.package(a), lock.package(b));
        a.name.cmp(&b.name).then(a.version.cmp(&b.version))
    });
    let mut section = Section::new("opentelemetry crates");
    if ids.is_empty() {
        return section.row("(none)", "no OpenTelemetry crate in Cargo.lock", None);
    }
    for id in ids {
        let package = lock.package(id);
        let mut dependents: Vec<String> = cx
            .graph
            .dependents(id)
            .iter()
            .map(|&d| {
                let dependent = lock.package(d);
                if dependent.is_local() {
                    dependent.name.clone()
                } else {
                    dependent.label()
                }
            })
            .collect();
        dependents.sort();
        let used_by = first_few(&dependents, MAX_DEPENDENTS_SHOWN);
        let source = if used_by.is_empty() {
            None
        } else {
            Some(format!("used by {used_by}"))
        };
        section = section.row(&package.name, package.version.to_string(), source);
    }
    section
}
