//! Which SDK the project in a directory uses, from its manifest files. Only a manifest that
//! names OpenTelemetry counts, so an unrelated `package.json` does not pick Node.

use super::Sdk;
use std::path::{Path, PathBuf};

/// Manifests per SDK, in the order they are tried; a name ending in `*` is a prefix, one
/// starting with `*` a suffix.
const MANIFESTS: &[(Sdk, &[&str])] = &[
    (Sdk::Rust, &["Cargo.toml"]),
    (Sdk::Python, &["pyproject.toml", "requirements*"]),
    (Sdk::Go, &["go.mod"]),
    (Sdk::Java, &["pom.xml", "build.gradle*"]),
    (Sdk::Node, &["package.json"]),
    (Sdk::Dotnet, &["*.csproj"]),
];

/// Larger files are not read: a manifest is small.
const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// The SDK of the project in `dir` and the manifest that says so.
pub fn detect(dir: &Path) -> Option<(Sdk, PathBuf)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    names.sort();
    MANIFESTS.iter().find_map(|(sdk, patterns)| {
        names
            .iter()
            .filter(|name| patterns.iter().any(|p| matches(p, name)))
            .find(|name| names_opentelemetry(&dir.join(name)))
            .map(|name| (*sdk, PathBuf::from(".").join(name)))
    })
}

fn matches(pattern: &str, name: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        name.starts_with(prefix)
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        name.ends_with(suffix)
    } else {
        name == pattern
    }
}

fn names_opentelemetry(path: &Path) -> bool {
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_MANIFEST_BYTES);
    small
        && std::fs::read_to_string(path).is_ok_and(|text| {
            let text = text.to_ascii_lowercase();
            // go.opentelemetry.io, io.opentelemetry, @opentelemetry/, opentelemetry-sdk, ...
            text.contains("opentelemetry")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn a_manifest_that_names_opentelemetry_picks_its_sdk() {
        let dir = project(&[(
            "pyproject.toml",
            "[project]\ndependencies = [\"opentelemetry-sdk>=1.45\"]\n",
        )]);
        assert_eq!(
            detect(dir.path()),
            Some((Sdk::Python, PathBuf::from("./pyproject.toml")))
        );
        let dir = project(&[(
            "app.csproj",
            "<PackageReference Include=\"OpenTelemetry\" />",
        )]);
        assert_eq!(detect(dir.path()).map(|d| d.0), Some(Sdk::Dotnet));
        let dir = project(&[("requirements-prod.txt", "opentelemetry-exporter-otlp\n")]);
        assert_eq!(detect(dir.path()).map(|d| d.0), Some(Sdk::Python));
    }

    #[test]
    fn a_manifest_without_opentelemetry_picks_nothing() {
        let dir = project(&[("package.json", "{\"dependencies\":{\"express\":\"5\"}}")]);
        assert_eq!(detect(dir.path()), None);
        assert_eq!(detect(Path::new("/nonexistent/dir")), None);
    }
}
