//! `deps`: every fixture under `tests/fixtures/deps`, human; JSON and markdown for a conflict.

use crate::support::snapshot::snapshot;

fn manifest(fixture: &str) -> String {
    format!(
        "{}/tests/fixtures/deps/{fixture}/Cargo.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn every_fixture() {
    for fixture in [
        "async-http-client",
        "clean",
        "conflict",
        "malformed-lock",
        "malformed-manifest",
        "missing-lock",
        "no-tls",
        "no-transport",
        "tls",
        "tonic-no-runtime",
        "workspace",
        "workspace-split",
    ] {
        snapshot(
            &format!("deps_{}_human", fixture.replace('-', "_")),
            &["deps", "--manifest-path", &manifest(fixture)],
        );
    }
}

#[test]
fn a_conflict_as_json_and_markdown() {
    let path = manifest("conflict");
    snapshot(
        "deps_conflict_json",
        &["deps", "--manifest-path", &path, "--format", "json"],
    );
    snapshot(
        "deps_conflict_markdown",
        &["deps", "--manifest-path", &path, "--format", "markdown"],
    );
}
