//! The lock file as a graph: who depends on whom, which of the project's own packages are
//! roots, what each root links, and the shortest reverse path from any package back to the
//! project's code, shown as `opentelemetry 0.30.0 ← tracing-opentelemetry 0.31.0 ← my-app`.

use super::lockfile::{Lockfile, Package, PackageId};
use std::collections::VecDeque;

/// Forward and reverse edges over a [`Lockfile`].
#[derive(Debug)]
pub struct Graph<'a> {
    lock: &'a Lockfile,
    dependents: Vec<Vec<PackageId>>,
}

/// A reverse dependency path: the package first, the project's own package that pulls it last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain(pub Vec<PackageId>);

impl Chain {
    /// The project's own package at the end of the chain.
    pub fn local(&self) -> PackageId {
        self.0[self.0.len() - 1]
    }

    /// The direct dependency of [`Chain::local`] through which the package arrives (the package
    /// itself when it is a direct dependency; the local package when the chain is just that).
    pub fn entry(&self) -> PackageId {
        let n = self.0.len();
        if n >= 2 { self.0[n - 2] } else { self.0[0] }
    }

    /// `opentelemetry 0.30.0 ← tracing-opentelemetry 0.31.0 ← my-app`; the project's own
    /// package is shown by name only.
    pub fn describe(&self, lock: &Lockfile) -> String {
        let n = self.0.len();
        self.0
            .iter()
            .enumerate()
            .map(|(i, &id)| {
                let package = lock.package(id);
                if i == n - 1 && n > 1 && package.is_local() {
                    package.name.clone()
                } else {
                    package.label()
                }
            })
            .collect::<Vec<_>>()
            .join(" ← ")
    }
}

impl<'a> Graph<'a> {
    pub fn new(lock: &'a Lockfile) -> Graph<'a> {
        let mut dependents = vec![Vec::new(); lock.packages.len()];
        for (id, package) in lock.packages.iter().enumerate() {
            for &dep in &package.dependencies {
                if !dependents[dep].contains(&id) {
                    dependents[dep].push(id);
                }
            }
        }
        Graph { lock, dependents }
    }

    pub fn lock(&self) -> &'a Lockfile {
        self.lock
    }

    pub fn package(&self, id: PackageId) -> &'a Package {
        self.lock.package(id)
    }

    /// The packages that list `id` as a dependency.
    pub fn dependents(&self, id: PackageId) -> &[PackageId] {
        &self.dependents[id]
    }

    /// The project's own packages (workspace members and path dependencies), by name.
    pub fn locals(&self) -> Vec<PackageId> {
        let mut ids: Vec<PackageId> = (0..self.lock.packages.len())
            .filter(|&id| self.package(id).is_local())
            .collect();
        ids.sort_by(|&a, &b| self.package(a).name.cmp(&self.package(b).name));
        ids
    }

    /// The project's own packages that none of its other packages depend on: the binaries and
    /// top-level libraries, each of which links its own set of crates.
    pub fn roots(&self) -> Vec<PackageId> {
        let locals = self.locals();
        let roots: Vec<PackageId> = locals
            .iter()
            .copied()
            .filter(|&id| {
                !self
                    .dependents(id)
                    .iter()
                    .any(|&d| self.package(d).is_local())
            })
            .collect();
        // Local packages that depend on each other in a circle (possible through
        // dev-dependencies) leave no root; then every local package counts as one.
        if roots.is_empty() { locals } else { roots }
    }

    /// Everything `from` depends on, directly or not, `from` included.
    pub fn closure(&self, from: PackageId) -> Vec<bool> {
        self.reachable(from, |_| true)
    }

    /// Whether `from` reaches a package named `name` without passing through a package for which
    /// `avoid` is true (`from` itself is never avoided).
    pub fn reaches_avoiding(
        &self,
        from: PackageId,
        name: &str,
        avoid: impl Fn(&Package) -> bool,
    ) -> bool {
        let seen = self.reachable(from, |p| !avoid(p));
        seen.iter()
            .enumerate()
            .any(|(id, &s)| s && self.package(id).name == name)
    }

    /// Forward reachability from `from`, entering only packages for which `enter` is true.
    fn reachable(&self, from: PackageId, enter: impl Fn(&Package) -> bool) -> Vec<bool> {
        let mut seen = vec![false; self.lock.packages.len()];
        let mut queue = VecDeque::from([from]);
        seen[from] = true;
        while let Some(id) = queue.pop_front() {
            for &dep in &self.package(id).dependencies {
                if !seen[dep] && enter(self.package(dep)) {
                    seen[dep] = true;
                    queue.push_back(dep);
                }
            }
        }
        seen
    }

    /// The shortest reverse paths from `target` to the project's own packages that pull it: one
    /// chain per (own package, direct dependency) pair, so every route in is named once. A chain
    /// ends at the nearest own package; it never passes through one.
    pub fn chains(&self, target: PackageId) -> Vec<Chain> {
        if self.package(target).is_local() {
            return vec![Chain(vec![target])];
        }
        // Reverse breadth-first search: `toward[n]` is the next package on a shortest path from
        // `n` down to the target.
        let mut toward: Vec<Option<PackageId>> = vec![None; self.lock.packages.len()];
        let mut reached = vec![false; self.lock.packages.len()];
        let mut locals = Vec::new();
        let mut queue = VecDeque::from([target]);
        reached[target] = true;
        while let Some(id) = queue.pop_front() {
            for &dependent in self.dependents(id) {
                if reached[dependent] {
                    continue;
                }
                reached[dependent] = true;
                toward[dependent] = Some(id);
                if self.package(dependent).is_local() {
                    locals.push(dependent);
                } else {
                    queue.push_back(dependent);
                }
            }
        }
        locals.sort_by(|&a, &b| self.package(a).name.cmp(&self.package(b).name));
        let mut chains = Vec::new();
        for local in locals {
            let mut entries: Vec<PackageId> = self
                .package(local)
                .dependencies
                .iter()
                .copied()
                .filter(|&d| !self.package(d).is_local() && (d == target || toward[d].is_some()))
                .collect();
            entries.dedup();
            let mut local_chains: Vec<Chain> = entries
                .into_iter()
                .map(|entry| {
                    let mut path = vec![entry];
                    let mut at = entry;
                    while let Some(next) = toward[at] {
                        path.push(next);
                        at = next;
                    }
                    path.reverse();
                    path.push(local);
                    Chain(path)
                })
                .collect();
            local_chains.sort_by_key(|c| (c.0.len(), self.package(c.entry()).name.clone()));
            chains.extend(local_chains);
        }
        chains
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// my-app → tracing-opentelemetry 0.31 → opentelemetry 0.30; my-app → opentelemetry_sdk
    /// 0.33 → opentelemetry 0.33; my-app → opentelemetry 0.33; my-app → helper (path) → opentelemetry 0.30.
    const LOCK: &str = r#"
version = 4

[[package]]
name = "helper"
version = "0.1.0"
dependencies = ["opentelemetry 0.30.0"]

[[package]]
name = "my-app"
version = "0.1.0"
dependencies = ["helper", "opentelemetry 0.33.1", "opentelemetry_sdk", "tracing-opentelemetry"]

[[package]]
name = "opentelemetry"
version = "0.30.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "opentelemetry"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "opentelemetry_sdk"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["opentelemetry 0.33.1"]

[[package]]
name = "tracing-opentelemetry"
version = "0.31.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["opentelemetry 0.30.0"]
"#;

    fn lock() -> Lockfile {
        Lockfile::parse(LOCK).expect("parses")
    }

    fn described(graph: &Graph<'_>, name: &str, version: &str) -> Vec<String> {
        let lock = graph.lock();
        let id = lock
            .named(name)
            .into_iter()
            .find(|&id| lock.package(id).version.text == version)
            .expect("package");
        graph.chains(id).iter().map(|c| c.describe(lock)).collect()
    }

    #[test]
    fn chains_end_at_the_nearest_own_package() {
        let lock = lock();
        let graph = Graph::new(&lock);
        assert_eq!(
            described(&graph, "opentelemetry", "0.30.0"),
            [
                "opentelemetry 0.30.0 ← helper",
                "opentelemetry 0.30.0 ← tracing-opentelemetry 0.31.0 ← my-app",
            ]
        );
        assert_eq!(
            described(&graph, "opentelemetry", "0.33.1"),
            [
                "opentelemetry 0.33.1 ← my-app",
                "opentelemetry 0.33.1 ← opentelemetry_sdk 0.33.1 ← my-app",
            ]
        );
    }

    #[test]
    fn chain_entry_is_the_direct_dependency() {
        let lock = lock();
        let graph = Graph::new(&lock);
        let otel = lock.named("opentelemetry")[0];
        let chains = graph.chains(otel);
        let via = &chains[1];
        assert_eq!(lock.package(via.entry()).name, "tracing-opentelemetry");
        assert_eq!(lock.package(via.local()).name, "my-app");
        assert_eq!(lock.package(chains[0].entry()).name, "opentelemetry");
    }

    #[test]
    fn roots_and_closures() {
        let lock = lock();
        let graph = Graph::new(&lock);
        let roots: Vec<&str> = graph
            .roots()
            .iter()
            .map(|&id| graph.package(id).name.as_str())
            .collect();
        assert_eq!(roots, ["my-app"], "helper is a path dependency of my-app");
        let helper = graph.locals()[0];
        let closure = graph.closure(helper);
        let linked: Vec<String> = (0..lock.packages.len())
            .filter(|&id| closure[id])
            .map(|id| lock.package(id).label())
            .collect();
        assert_eq!(linked, ["helper 0.1.0", "opentelemetry 0.30.0"]);
    }

    #[test]
    fn reachability_can_avoid_packages() {
        let lock = lock();
        let graph = Graph::new(&lock);
        let app = graph.roots()[0];
        assert!(graph.reaches_avoiding(app, "opentelemetry", |_| false));
        assert!(
            !graph.reaches_avoiding(app, "opentelemetry", |p| p.name.contains("opentelemetry")),
            "every route goes through an avoided package"
        );
    }
}
