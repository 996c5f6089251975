//! Cargo.lock parsing: every `[[package]]` with its name, version, source and resolved
//! dependency list, the references in those lists turned into indices.
//!
//! A dependency is written as `"name"`, `"name version"` or `"name version (source)"`: the
//! shortest form that is unique in the file (lock format versions 1 to 4 all use it; version 1
//! also has a `[root]` table, read as one more package). What the lock shows and what it does
//! not, which the rules rely on:
//! - A package's list is the union over every feature enabled anywhere in the graph, with the
//!   workspace members resolved as if `--all-features` were given, and over every target
//!   platform. An optional dependency is listed only if some feature turned it on.
//! - Features themselves are not recorded, only the dependencies they pulled in.
//! - Dev-dependencies are listed for workspace members only.
//! - Packages without a `source` are the project's own: workspace members and path
//!   dependencies.

use super::version::Version;
use serde::Deserialize;

/// Index of a package in [`Lockfile::packages`].
pub type PackageId = usize;

/// A parsed Cargo.lock.
#[derive(Debug, Clone)]
pub struct Lockfile {
    /// The `version = N` line (absent before format 3).
    pub format: Option<u32>,
    pub packages: Vec<Package>,
}

/// One `[[package]]`.
#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    pub version: Version,
    /// `registry+https://...`, `git+https://...`; `None` for the project's own packages.
    pub source: Option<String>,
    /// Its dependencies, resolved, in the order the lock lists them.
    pub dependencies: Vec<PackageId>,
}

impl Package {
    /// A workspace member or path dependency: the user's own code.
    pub fn is_local(&self) -> bool {
        self.source.is_none()
    }

    /// `name version`, as evidence shows a package.
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }
}

#[derive(Deserialize)]
struct RawLock {
    version: Option<u32>,
    #[serde(default)]
    package: Vec<RawPackage>,
    root: Option<RawPackage>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    version: String,
    source: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// A reference in a `dependencies` list, split into its parts.
#[derive(Debug, PartialEq)]
struct DepRef<'a> {
    name: &'a str,
    version: Option<&'a str>,
    source: Option<&'a str>,
}

fn split_ref(text: &str) -> DepRef<'_> {
    let mut parts = text.trim().splitn(3, ' ');
    let name = parts.next().unwrap_or_default();
    let version = parts.next();
    let source = parts
        .next()
        .map(|s| s.trim().trim_start_matches('(').trim_end_matches(')'));
    DepRef {
        name,
        version,
        source,
    }
}

impl Lockfile {
    /// Parses the text of a Cargo.lock. The error says what is wrong (TOML syntax, a version
    /// that is not semver, a dependency that names no package).
    pub fn parse(text: &str) -> Result<Lockfile, String> {
        let raw: RawLock = toml::from_str(text).map_err(|e| e.to_string())?;
        let raw_packages: Vec<RawPackage> = raw.root.into_iter().chain(raw.package).collect();
        let mut packages = Vec::with_capacity(raw_packages.len());
        for raw in &raw_packages {
            let version = Version::parse(&raw.version).ok_or_else(|| {
                format!(
                    "package {} has version '{}', which is not a semver version",
                    raw.name, raw.version
                )
            })?;
            packages.push(Package {
                name: raw.name.clone(),
                version,
                source: raw.source.clone(),
                dependencies: Vec::new(),
            });
        }
        for (id, raw) in raw_packages.iter().enumerate() {
            let mut dependencies = Vec::with_capacity(raw.dependencies.len());
            for text in &raw.dependencies {
                let reference = split_ref(text);
                let target = resolve(&packages, &reference).ok_or_else(|| {
                    format!(
                        "package {} {} depends on '{text}', which is not a package in the file",
                        raw.name, raw.version
                    )
                })?;
                dependencies.push(target);
            }
            packages[id].dependencies = dependencies;
        }
        Ok(Lockfile {
            format: raw.version,
            packages,
        })
    }

    /// Every package with this name, lowest version first.
    pub fn named(&self, name: &str) -> Vec<PackageId> {
        let mut ids: Vec<PackageId> = (0..self.packages.len())
            .filter(|&id| self.packages[id].name == name)
            .collect();
        ids.sort_by(|&a, &b| self.packages[a].version.cmp(&self.packages[b].version));
        ids
    }

    pub fn package(&self, id: PackageId) -> &Package {
        &self.packages[id]
    }

    /// The dependency of `id` with this name, if it has one (the highest version if several).
    pub fn dependency_named(&self, id: PackageId, name: &str) -> Option<PackageId> {
        self.packages[id]
            .dependencies
            .iter()
            .copied()
            .filter(|&d| self.packages[d].name == name)
            .max_by(|&a, &b| self.packages[a].version.cmp(&self.packages[b].version))
    }

    /// Whether `id` lists a dependency with this name.
    pub fn depends_on(&self, id: PackageId, name: &str) -> bool {
        self.dependency_named(id, name).is_some()
    }
}

fn resolve(packages: &[Package], reference: &DepRef<'_>) -> Option<PackageId> {
    // Cargo writes the shortest unique form, so a second match means a hand-edited file; the
    // first match is as good a guess as any and keeps the tool useful.
    packages.iter().position(|p| {
        p.name == reference.name
            && reference.version.is_none_or(|v| p.version.text == v)
            && reference
                .source
                .is_none_or(|s| p.source.as_deref() == Some(s))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
# This file is automatically @generated by Cargo.
version = 4

[[package]]
name = "my-app"
version = "0.1.0"
dependencies = [
 "opentelemetry 0.30.0",
 "opentelemetry 0.33.1",
 "tracing-opentelemetry",
]

[[package]]
name = "opentelemetry"
version = "0.30.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "opentelemetry"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "tracing-opentelemetry"
version = "0.31.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "opentelemetry 0.30.0",
]
"#;

    #[test]
    fn splits_the_three_reference_forms() {
        assert_eq!(
            split_ref("tonic"),
            DepRef {
                name: "tonic",
                version: None,
                source: None
            }
        );
        assert_eq!(
            split_ref(
                "opentelemetry 0.30.0 (registry+https://github.com/rust-lang/crates.io-index)"
            ),
            DepRef {
                name: "opentelemetry",
                version: Some("0.30.0"),
                source: Some("registry+https://github.com/rust-lang/crates.io-index"),
            }
        );
    }

    #[test]
    fn resolves_references_to_packages() {
        let lock = Lockfile::parse(LOCK).expect("parses");
        assert_eq!(lock.format, Some(4));
        assert_eq!(lock.packages.len(), 4);
        let app = &lock.packages[0];
        assert!(app.is_local());
        let names: Vec<String> = app
            .dependencies
            .iter()
            .map(|&d| lock.package(d).label())
            .collect();
        assert_eq!(
            names,
            [
                "opentelemetry 0.30.0",
                "opentelemetry 0.33.1",
                "tracing-opentelemetry 0.31.0"
            ]
        );
        let otel = lock.named("opentelemetry");
        assert_eq!(otel.len(), 2);
        assert_eq!(lock.package(otel[0]).version.text, "0.30.0");
        assert_eq!(
            lock.dependency_named(0, "opentelemetry")
                .map(|d| lock.package(d).label()),
            Some("opentelemetry 0.33.1".into())
        );
    }

    #[test]
    fn format_one_root_table_is_a_package() {
        let lock = Lockfile::parse(
            r#"
[root]
name = "old-app"
version = "0.1.0"
dependencies = ["opentelemetry 0.17.0 (registry+https://github.com/rust-lang/crates.io-index)"]

[[package]]
name = "opentelemetry"
version = "0.17.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#,
        )
        .expect("parses");
        assert_eq!(lock.format, None);
        assert_eq!(lock.packages[0].name, "old-app");
        assert_eq!(lock.packages[0].dependencies, [1]);
    }

    #[test]
    fn dangling_reference_and_bad_toml_are_errors() {
        let error = Lockfile::parse(
            "[[package]]\nname = \"a\"\nversion = \"0.1.0\"\ndependencies = [\"ghost\"]\n",
        )
        .unwrap_err();
        assert!(error.contains("ghost"), "{error}");
        let error = Lockfile::parse("[[package]\nname = ").unwrap_err();
        assert!(error.contains("line 1"), "{error}");
        let error = Lockfile::parse("[[package]]\nname = \"a\"\nversion = \"one\"\n").unwrap_err();
        assert!(error.contains("not a semver version"), "{error}");
    }
}
