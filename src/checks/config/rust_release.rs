//! The Rust model is of opentelemetry-otlp 0.33.1, and 0.33 changed how the environment is read
//! (docs/research/rust-sdk-env.md). A project that locks another release is diagnosed with the
//! wrong rules unless told: this reads the release from the project's `Cargo.lock` and says
//! where it departs from the model.

use crate::deps::lockfile::Lockfile;
use crate::deps::version::Version;
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};
use crate::sdk_model::Sdk;
use crate::settings::problems::CONFIG_CHECK;
use std::path::Path;

const CHANGELOG: &str = "https://github.com/open-telemetry/opentelemetry-rust/blob/opentelemetry-otlp-0.33.1/opentelemetry-otlp/CHANGELOG.md";

/// A warning when `dir/Cargo.lock` locks an opentelemetry-otlp outside the model's minor line.
pub fn departure(dir: &Path) -> Option<Finding> {
    let text = std::fs::read_to_string(dir.join("Cargo.lock")).ok()?;
    let lock = Lockfile::parse(&text).ok()?;
    let release = Sdk::Rust.model().release;
    let model = Version::parse(release)?;
    let line = |v: &Version| (v.major, v.minor);
    let others: Vec<&Version> = lock
        .named("opentelemetry-otlp")
        .into_iter()
        .map(|id| &lock.package(id).version)
        .filter(|version| line(version) != line(&model))
        .collect();
    let locked = others.first()?;
    let older = line(locked) < line(&model);
    let others: Vec<String> = others.iter().map(|v| v.to_string()).collect();
    let mut finding = Finding::new(
        Code::CfgSdkReleaseDiffers,
        Severity::Warning,
        CONFIG_CHECK,
        format!("the project locks opentelemetry-otlp {locked}; the Rust model is of {release}"),
    )
    .evidence(format!(
        "{}/Cargo.lock: opentelemetry-otlp {}",
        dir.display(),
        others.join(", ")
    ));
    if older {
        finding = finding.evidence(format!(
            "before 0.33 an invalid endpoint variable was ignored instead of failing the build, *_INSECURE was not read, retries were off by default, and enum values were case-sensitive; findings that depend on these follow 0.33 ({CHANGELOG})"
        ));
    }
    Some(finding.fix(Fix::new("config.upgrade_rust_sdk").with("release", release)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(lock: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.lock"), lock).unwrap();
        dir
    }

    const LOCK: &str = "version = 4\n\n[[package]]\nname = \"opentelemetry-otlp\"\nversion = \"VERSION\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";

    #[test]
    fn an_older_release_is_a_warning_naming_what_changed() {
        let dir = project(&LOCK.replace("VERSION", "0.31.1"));
        let finding = departure(dir.path()).expect("a finding");
        assert_eq!(finding.severity, Severity::Warning);
        assert!(finding.title.contains("0.31.1"), "{}", finding.title);
        assert!(finding.evidence.iter().any(|e| e.contains("before 0.33")));
    }

    #[test]
    fn the_modelled_line_or_no_lock_says_nothing() {
        let dir = project(&LOCK.replace("VERSION", "0.33.0"));
        assert_eq!(departure(dir.path()), None);
        assert_eq!(departure(tempfile::tempdir().unwrap().path()), None);
    }
}
