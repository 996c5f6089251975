//! The layering rule of docs/architecture.md, read from the source: which top-level module
//! refers to which (`crate::<module>`), no cycle between them, nothing imports `commands`, and
//! the bottom layer imports nothing above it. Known edges still to move are listed by name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const TOP: &[&str] = &["cli", "commands"];
const BOTTOM: &[&str] = &[
    "otlp",
    "transport",
    "settings",
    "report",
    "knowledge",
    "printer",
    "sdk_model",
];
/// Edges that break the rule today, each to be fixed by moving an item down (none left).
const KNOWN: &[(&str, &str)] = &[];

fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&root).expect("under src");
            let first = relative.components().next().expect("a component");
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            let text = std::fs::read_to_string(&path).expect("readable source");
            for (at, _) in text.match_indices("crate::") {
                let name: String = text[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    edges.entry(module.clone()).or_default().insert(name);
                }
            }
        }
    }
    edges
}

#[test]
fn nothing_below_imports_commands_or_cli() {
    for (from, to) in edges() {
        for target in TOP {
            if to.contains(*target) {
                assert!(
                    TOP.contains(&from.as_str()) || from == "main" || from == "lib",
                    "{from} imports {target}"
                );
            }
        }
    }
}

#[test]
fn the_bottom_layer_imports_only_the_bottom_layer() {
    for (from, to) in edges() {
        if BOTTOM.contains(&from.as_str()) {
            for target in to {
                assert!(
                    BOTTOM.contains(&target.as_str()),
                    "{from} (bottom) imports {target}"
                );
            }
        }
    }
}

#[test]
fn no_cycle_between_top_level_modules() {
    let edges = edges();
    for (from, to) in &edges {
        for target in to {
            let back = edges.get(target).is_some_and(|t| t.contains(from));
            let known = KNOWN.contains(&(from.as_str(), target.as_str()))
                || KNOWN.contains(&(target.as_str(), from.as_str()));
            assert!(!back || known, "{from} and {target} import each other");
        }
    }
}

/// The modules that run checks: the commands, the in-app diagnosis, the probe server, `scan`
/// (which reuses the protocol probes and the TLS test) and `proxy` (which reads each upstream
/// answer with the export check's interpretation). Every
/// other module sits beside or below `checks` and takes what it shares from a lower layer.
const RUNS_CHECKS: &[&str] = &[
    "cli", "commands", "diagnose", "probe", "scan", "proxy", "main", "lib",
];

#[test]
fn only_the_modules_that_run_checks_import_checks() {
    for (from, to) in edges() {
        if to.contains("checks") {
            assert!(
                RUNS_CHECKS.contains(&from.as_str()),
                "{from} imports checks: move what it needs into a lower layer"
            );
        }
    }
}
