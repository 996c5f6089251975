//! `env`: the resolved exporter config and its lint, for a few `OTEL_*` setups.

use crate::support::snapshot::{assert_run, cli};

#[test]
fn defaults() {
    for (name, format) in [
        ("env_defaults_human", "human"),
        ("env_defaults_json", "json"),
        ("env_defaults_markdown", "markdown"),
    ] {
        assert_run(name, &cli(&["env", "--format", format]).run());
    }
}

#[test]
fn a_doubled_signal_path_and_a_masked_token() {
    for (name, format) in [
        ("env_doubled_signal_path_human", "human"),
        ("env_doubled_signal_path_json", "json"),
    ] {
        let run = cli(&["env", "--format", format])
            .env(
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://collector:4318/v1/traces",
            )
            .env(
                "OTEL_EXPORTER_OTLP_HEADERS",
                "authorization=Bearer abcdefghijklmnopqrstuvwxyz0123456789",
            )
            .env("OTEL_SERVICE_NAME", "checkout")
            .run();
        assert_run(name, &run);
    }
}

#[test]
fn grpc_per_signal_settings_with_invalid_values() {
    let run = cli(&["env", "--strict"])
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
        .env(
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "https://metrics.example.com:4317/v1/metrics",
        )
        .env("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "thrift")
        .env("OTEL_EXPORTER_OTLP_TIMEOUT", "5s")
        .env("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd")
        .env("OTEL_TRACES_SAMPLER", "traceidratio")
        .env("OTEL_TRACES_SAMPLER_ARG", "0")
        .env("OTEL_RESOURCE_ATTRIBUTES", "service.name=shop,broken")
        .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4096")
        .run();
    assert_run("env_grpc_invalid_values_human", &run);
}

#[test]
fn flags_over_the_environment() {
    let run = cli(&[
        "env",
        "http://127.0.0.1:4317",
        "--protocol",
        "grpc",
        "--header",
        "x-api-key=key-0123456789abcdef",
        "--signals",
        "traces,logs",
        "--insecure",
        "--timeout",
        "2s",
    ])
    .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318")
    .env("OTEL_SDK_DISABLED", "true")
    .run();
    assert_run("env_flags_over_environment_human", &run);
}
