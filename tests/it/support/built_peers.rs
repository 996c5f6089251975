//! Locating the peers that `scripts/peers/*.sh` build or fetch into a cache outside git:
//! `${OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}/<name>-<version>/<file>`.
//!
//! A missing file is a test failure naming the script that makes it, never a skip.

use std::env;
use std::path::PathBuf;

/// The cache directory the peer scripts write to.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = env::var_os("OTLP_DOCTOR_PEERS") {
        return PathBuf::from(dir);
    }
    let home = env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
    home.join(".cache/otlp-doctor/peers")
}

/// `<cache>/<name>-<version>/<file>`, or a panic naming `bash scripts/peers/<script>` when the
/// file is not there.
pub fn built_peer(name: &str, version: &str, file: &str, script: &str) -> PathBuf {
    let path = cache_dir().join(format!("{name}-{version}")).join(file);
    if !path.is_file() {
        panic!(
            "{name} {version} not found at {}: run `bash scripts/peers/{script}` (builds it into \
             ${{OTLP_DOCTOR_PEERS:-$HOME/.cache/otlp-doctor/peers}})",
            path.display()
        );
    }
    path
}
