//! The binary under test, run with a clean environment.

use std::time::Duration;

/// Upper bound for one otlp-doctor run in a test; override with `.timeout(..)`.
pub const CLI_TIMEOUT: Duration = Duration::from_secs(60);

/// `otlp-doctor` as an [`assert_cmd::Command`]: every variable of the test's environment that
/// steers an exporter (`OTEL_*`, proxies, trust stores) removed, `NO_COLOR=1` set, a 60 s kill timeout, and
/// `OTEL_DOCTOR_SDK=spec`: tests run in this repository, whose Cargo.toml would otherwise make
/// every command model the Rust SDK (a test that wants an SDK sets the variable or `--sdk`).
/// `OTLP_DOCTOR_NEIGHBOUR_PORTS` is empty: a failing `check` then looks at no neighbouring port,
/// so whatever else listens on this machine's 4317/4318 never changes a test's report (the
/// neighbour tests set the ports of their peers).
pub fn otlp_doctor() -> assert_cmd::Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("otlp-doctor");
    for (key, _) in std::env::vars_os() {
        if super::sdk_clients::steers_an_exporter(&key.to_string_lossy()) {
            cmd.env_remove(&key);
        }
    }
    cmd.env("NO_COLOR", "1")
        .env("OTEL_DOCTOR_SDK", "spec")
        .env("OTLP_DOCTOR_NEIGHBOUR_PORTS", "")
        .timeout(CLI_TIMEOUT);
    cmd
}
