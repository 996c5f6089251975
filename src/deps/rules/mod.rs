//! The dependency rules, one file each, run in order of how directly they explain lost
//! telemetry: two copies of the API (`versions`), crate lines that do not pair
//! (`compatibility`), an exporter with no transport (`transport`), an exporter that needs a
//! runtime it will not have (`runtime`), transports without TLS, which lose telemetry only for
//! https:// endpoints (`tls`). Each reads the same [`Context`] and returns an
//! [`Outcome`]: one check line and its findings.

pub mod compatibility;
pub mod runtime;
pub mod tls;
pub mod transport;
pub mod versions;

use super::graph::Graph;
use super::lockfile::PackageId;
use super::manifest::Manifest;
use super::matrix::Matrix;
use crate::report::{CheckStatus, Finding};
use std::path::Path;

/// At most this many reverse paths are shown per package version; the rest are counted. A
/// widely used crate can have dozens, and `cargo tree -i` lists them all.
pub const MAX_CHAINS_PER_VERSION: usize = 4;

/// What every rule reads.
pub struct Context<'a> {
    pub graph: Graph<'a>,
    /// Package manifests of the project (for quoting declarations).
    pub manifests: &'a [Manifest],
    /// The directory of the lock file; manifest paths are shown relative to it.
    pub root_dir: &'a Path,
    pub matrix: &'static Matrix,
}

impl Context<'_> {
    /// The manifest of one of the project's own packages, if it was found.
    pub fn manifest_of(&self, local: PackageId) -> Option<&Manifest> {
        let name = &self.graph.package(local).name;
        self.manifests
            .iter()
            .find(|m| m.package.as_deref() == Some(name.as_str()))
    }

    /// Where a package's manifest is, relative to the workspace (`crates/api/Cargo.toml`), or
    /// the package name when its manifest was not found.
    pub fn manifest_label(&self, local: PackageId) -> String {
        match self.manifest_of(local) {
            Some(manifest) => manifest
                .path
                .strip_prefix(self.root_dir)
                .unwrap_or(&manifest.path)
                .display()
                .to_string(),
            None => format!("the Cargo.toml of {}", self.graph.package(local).name),
        }
    }

    /// `crates/api/Cargo.toml: opentelemetry-otlp = { version = "0.33", ... }`, when the
    /// package's manifest declares the crate.
    pub fn declaration(&self, local: PackageId, krate: &str) -> Option<String> {
        let spec = self.manifest_of(local)?.dependencies.get(krate)?;
        Some(format!(
            "{}: {}",
            self.manifest_label(local),
            spec.describe(krate)
        ))
    }

    /// Every reverse path from a package to the project's code, each followed by the
    /// declaration of `krate` in that package's manifest when it has one, as evidence lines.
    pub fn routes_with_declarations(&self, target: PackageId, krate: &str) -> Vec<String> {
        let lock = self.graph.lock();
        let mut lines = Vec::new();
        for chain in self.graph.chains(target) {
            lines.push(chain.describe(lock));
            if let Some(declared) = self.declaration(chain.local(), krate) {
                lines.push(format!("declared in {declared}"));
            }
        }
        lines
    }

    /// Where a fix to a package's features goes: the manifest of a package that depends on it
    /// directly (features can only be set there).
    pub fn direct_manifest(&self, target: PackageId) -> String {
        self.graph
            .chains(target)
            .iter()
            .find(|c| c.entry() == target)
            .map(|c| self.manifest_label(c.local()))
            .unwrap_or_else(|| "Cargo.toml".to_string())
    }

    /// Reverse paths from a package to the project's code, capped, as evidence lines.
    pub fn chain_lines(&self, target: PackageId) -> Vec<String> {
        let lock = self.graph.lock();
        let chains = self.graph.chains(target);
        let mut lines: Vec<String> = chains
            .iter()
            .take(MAX_CHAINS_PER_VERSION)
            .map(|c| c.describe(lock))
            .collect();
        if chains.len() > MAX_CHAINS_PER_VERSION {
            lines.push(format!(
                "{} … and {} more routes (cargo tree -i {}@{})",
                lock.package(target).label(),
                chains.len() - MAX_CHAINS_PER_VERSION,
                lock.package(target).name,
                lock.package(target).version
            ));
        }
        lines
    }
}

/// One rule's result: its line in the report's checks and its findings.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: &'static str,
    /// `false` when the rule had nothing to look at (no opentelemetry-otlp, say).
    pub applicable: bool,
    pub summary: String,
    pub findings: Vec<Finding>,
}

impl Outcome {
    pub fn status(&self) -> CheckStatus {
        match CheckStatus::of(&self.findings) {
            CheckStatus::Pass if !self.applicable => CheckStatus::Skip,
            status => status,
        }
    }
}

/// Runs every rule in order.
pub fn run_all(cx: &Context<'_>) -> Vec<Outcome> {
    vec![
        versions::check(cx),
        compatibility::check(cx),
        transport::check(cx),
        runtime::check(cx),
        tls::check(cx),
    ]
}

/// `a, b and c`.
pub(crate) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
