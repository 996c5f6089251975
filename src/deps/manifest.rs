//! A Cargo.toml, reduced to what the diagnosis needs: the package name, the `[workspace]` table
//! (members, excludes, shared dependencies) and how each dependency is declared (version,
//! `default-features`, `features`), so findings can quote the line to change.
//!
//! Dependencies come from `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]` and
//! their `[target.'cfg(..)'.*]` forms, keyed by the real crate name (`package = "..."` renames
//! are undone). `workspace = true` entries are merged with `[workspace.dependencies]` of the
//! workspace root by [`Manifest::resolve_workspace_deps`].

use super::error::{DepsError, FileRole};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One parsed Cargo.toml.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub path: PathBuf,
    /// `[package] name`, absent for a virtual workspace manifest.
    pub package: Option<String>,
    /// `[package] workspace`: an explicit path to the workspace root.
    pub workspace_path: Option<PathBuf>,
    /// The `[workspace]` table, if this manifest is a workspace root.
    pub workspace: Option<Workspace>,
    /// Declared dependencies by crate name (the first declaration wins when a crate is listed in
    /// several tables).
    pub dependencies: BTreeMap<String, DepSpec>,
}

/// The `[workspace]` table of a root manifest.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub members: Vec<String>,
    pub exclude: Vec<String>,
    /// `[workspace.dependencies]`, by crate name.
    pub dependencies: BTreeMap<String, DepSpec>,
}

/// How one dependency is declared.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DepSpec {
    /// The version requirement, if any (`None` for path or git dependencies without one).
    pub version: Option<String>,
    pub default_features: bool,
    pub features: Vec<String>,
    /// `workspace = true`: inherits from `[workspace.dependencies]`.
    pub inherited: bool,
    /// `path = "..."`: a path dependency (an implicit workspace member).
    pub path: Option<String>,
}

impl DepSpec {
    /// The declaration as it would be written in Cargo.toml, for evidence.
    pub fn describe(&self, name: &str) -> String {
        let mut parts = Vec::new();
        if let Some(version) = &self.version {
            parts.push(format!("version = \"{version}\""));
        }
        if self.inherited {
            parts.push("workspace = true".into());
        }
        if !self.default_features {
            parts.push("default-features = false".into());
        }
        if !self.features.is_empty() {
            let features: Vec<String> = self.features.iter().map(|f| format!("\"{f}\"")).collect();
            parts.push(format!("features = [{}]", features.join(", ")));
        }
        format!("{name} = {{ {} }}", parts.join(", "))
    }
}

#[derive(Deserialize)]
struct RawManifest {
    package: Option<RawPackage>,
    workspace: Option<RawWorkspace>,
    #[serde(flatten)]
    tables: RawDependencyTables,
    #[serde(default)]
    target: BTreeMap<String, RawDependencyTables>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: Option<String>,
    workspace: Option<PathBuf>,
}

#[derive(Deserialize)]
struct RawWorkspace {
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize, Default)]
struct RawDependencyTables {
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, toml::Value>,
    #[serde(default, rename = "build-dependencies")]
    build_dependencies: BTreeMap<String, toml::Value>,
}

impl RawDependencyTables {
    fn all(&self) -> impl Iterator<Item = (&String, &toml::Value)> {
        self.dependencies
            .iter()
            .chain(&self.dev_dependencies)
            .chain(&self.build_dependencies)
    }
}

impl Manifest {
    /// Reads and parses a Cargo.toml; `role` says which one it is, for the error message.
    pub fn read(path: &Path, role: FileRole) -> Result<Manifest, DepsError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| DepsError::unreadable(role, path, &e))?;
        Manifest::parse(&text, path).map_err(|reason| DepsError::malformed(role, path, reason))
    }

    /// Parses the text of a Cargo.toml found at `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, String> {
        let raw: RawManifest = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut dependencies = BTreeMap::new();
        let targets = raw.target.values();
        for (key, value) in raw.tables.all().chain(targets.flat_map(|t| t.all())) {
            let (name, spec) = dep_spec(key, value);
            dependencies.entry(name).or_insert(spec);
        }
        let workspace = raw.workspace.map(|w| Workspace {
            members: w.members,
            exclude: w.exclude,
            dependencies: w
                .dependencies
                .iter()
                .map(|(key, value)| dep_spec(key, value))
                .collect(),
        });
        let (package, workspace_path) = match raw.package {
            Some(package) => (package.name, package.workspace),
            None => (None, None),
        };
        Ok(Manifest {
            path: path.to_path_buf(),
            package,
            workspace_path,
            workspace,
            dependencies,
        })
    }

    /// The directory the manifest is in.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Completes `workspace = true` entries from the root's `[workspace.dependencies]`: the
    /// version and default features come from the root, features are added together.
    pub fn resolve_workspace_deps(&mut self, root: &Workspace) {
        for (name, spec) in &mut self.dependencies {
            if !spec.inherited {
                continue;
            }
            if let Some(shared) = root.dependencies.get(name) {
                spec.version = shared.version.clone();
                spec.default_features = shared.default_features;
                let mut features = shared.features.clone();
                features.extend(spec.features.iter().cloned());
                features.dedup();
                spec.features = features;
            }
        }
    }
}

/// A dependency entry: `name = "1.0"` or `name = { version, package, features, ... }`.
fn dep_spec(key: &str, value: &toml::Value) -> (String, DepSpec) {
    match value {
        toml::Value::String(version) => (
            key.to_string(),
            DepSpec {
                version: Some(version.clone()),
                default_features: true,
                ..DepSpec::default()
            },
        ),
        toml::Value::Table(table) => {
            let text = |k: &str| table.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let name = text("package").unwrap_or_else(|| key.to_string());
            let default_features = table
                .get("default-features")
                .or_else(|| table.get("default_features"))
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
            let features = table
                .get("features")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let inherited = table
                .get("workspace")
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            (
                name,
                DepSpec {
                    version: text("version"),
                    default_features,
                    features,
                    inherited,
                    path: text("path"),
                },
            )
        }
        _ => (
            key.to_string(),
            DepSpec {
                default_features: true,
                ..DepSpec::default()
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Manifest {
        Manifest::parse(text, Path::new("/p/Cargo.toml")).expect("parses")
    }

    #[test]
    fn reads_package_and_dependency_declarations() {
        let manifest = parse(
            r#"
            [package]
            name = "billing-worker"
            version = "0.1.0"

            [dependencies]
            opentelemetry = "0.33"
            otlp = { package = "opentelemetry-otlp", version = "0.33", default-features = false, features = ["trace"] }

            [target.'cfg(unix)'.dependencies]
            tokio = { version = "1", features = ["rt"] }
            "#,
        );
        assert_eq!(manifest.package.as_deref(), Some("billing-worker"));
        let otlp = &manifest.dependencies["opentelemetry-otlp"];
        assert!(!otlp.default_features);
        assert_eq!(otlp.features, ["trace"]);
        assert_eq!(
            otlp.describe("opentelemetry-otlp"),
            r#"opentelemetry-otlp = { version = "0.33", default-features = false, features = ["trace"] }"#
        );
        assert!(manifest.dependencies["opentelemetry"].default_features);
        assert!(manifest.dependencies.contains_key("tokio"));
        assert!(manifest.workspace.is_none());
    }

    #[test]
    fn workspace_dependencies_are_inherited() {
        let root = parse(
            r#"
            [workspace]
            members = ["crates/*"]
            [workspace.dependencies]
            opentelemetry-otlp = { version = "0.33", default-features = false, features = ["trace"] }
            "#,
        );
        let workspace = root.workspace.expect("a workspace");
        assert_eq!(workspace.members, ["crates/*"]);
        let mut member = parse(
            r#"
            [package]
            name = "server"
            [dependencies]
            opentelemetry-otlp = { workspace = true, features = ["grpc-tonic"] }
            "#,
        );
        member.resolve_workspace_deps(&workspace);
        let otlp = &member.dependencies["opentelemetry-otlp"];
        assert_eq!(otlp.version.as_deref(), Some("0.33"));
        assert!(!otlp.default_features);
        assert_eq!(otlp.features, ["trace", "grpc-tonic"]);
    }

    #[test]
    fn malformed_toml_is_an_error_with_the_position() {
        let error = Manifest::parse("[package\nname = 1", Path::new("Cargo.toml")).unwrap_err();
        assert!(error.contains("line 1"), "{error}");
    }
}
