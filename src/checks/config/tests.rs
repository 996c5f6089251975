//! Every resolution rule and every `CFG_*` code, from variables as a user would set them.

use super::lint;
use crate::report::{Code, Finding, Severity};
use crate::settings::values::Header;
use crate::settings::{MapEnv, Origin, Protocol, Selection, Signal, TargetOptions, resolve};
use std::time::Duration;

fn findings_for<const N: usize>(vars: [(&str, &str); N]) -> Vec<Finding> {
    let resolution = resolve(&MapEnv::new(vars), &TargetOptions::default());
    lint(&resolution, &Selection::all_implicit())
}

fn codes<const N: usize>(vars: [(&str, &str); N]) -> Vec<(Code, Severity)> {
    findings_for(vars)
        .iter()
        .map(|f| (f.code, f.severity))
        .collect()
}

fn has<const N: usize>(vars: [(&str, &str); N], code: Code, severity: Severity) {
    let found = codes(vars);
    assert!(
        found.contains(&(code, severity)),
        "expected {code} {severity:?} in {found:?}"
    );
}

#[test]
fn a_correct_config_gives_no_warning() {
    let found = findings_for([
        ("OTEL_SERVICE_NAME", "checkout"),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "https://collector.example.com:4318",
        ),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "authorization=Bearer%20abc123,x-tenant=a",
        ),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "10000"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ("OTEL_PROPAGATORS", "tracecontext,baggage"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "4096"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1024"),
    ]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_empty_environment_only_notes_the_missing_service_name() {
    assert_eq!(
        codes([]),
        vec![(Code::CfgServiceNameMissing, Severity::Info)]
    );
}

#[test]
fn defaults_follow_the_spec() {
    let resolution = resolve(&MapEnv::default(), &TargetOptions::default());
    let traces = resolution.exporter(Signal::Traces);
    assert_eq!(traces.protocol.value, Protocol::HttpProtobuf);
    assert_eq!(traces.endpoint.value.url, "http://localhost:4318/v1/traces");
    assert_eq!(traces.timeout.value, Duration::from_secs(10));
    assert!(traces.endpoint.is_default());
    let grpc = resolve(
        &MapEnv::new([("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]),
        &TargetOptions::default(),
    );
    assert_eq!(
        grpc.exporter(Signal::Logs).endpoint.value.url,
        "http://localhost:4317"
    );
}

#[test]
fn per_signal_variables_win_over_generic_ones() {
    let env = MapEnv::new([
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"),
        (
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "http://metrics:9999/custom",
        ),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "GRPC"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "3000"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "7000"),
    ]);
    let resolution = resolve(&env, &TargetOptions::default());
    let traces = resolution.exporter(Signal::Traces);
    assert_eq!(traces.endpoint.value.url, "http://generic:4318/v1/traces");
    assert_eq!(traces.protocol.value, Protocol::HttpJson);
    assert_eq!(traces.timeout.value, Duration::from_millis(7000));
    assert_eq!(
        traces.timeout.origin,
        Origin::Env("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT".into())
    );
    let metrics = resolution.exporter(Signal::Metrics);
    assert_eq!(metrics.endpoint.value.url, "http://metrics:9999/custom");
    assert_eq!(metrics.timeout.value, Duration::from_millis(3000));
    let logs = resolution.exporter(Signal::Logs);
    assert_eq!(
        logs.protocol.value,
        Protocol::Grpc,
        "enum values ignore case"
    );
    assert_eq!(
        logs.endpoint.value.url, "http://generic:4318",
        "gRPC endpoints get no path"
    );
}

#[test]
fn flags_win_over_variables() {
    let env = MapEnv::new([
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://env:4318/v1/traces",
        ),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "authorization=from-env,x-team=a",
        ),
    ]);
    let overrides = TargetOptions {
        endpoint: Some("http://flag:4317".into()),
        protocol: Some(Protocol::Grpc),
        headers: vec![Header {
            name: "authorization".into(),
            value: "from-flag".into(),
        }],
        ..TargetOptions::default()
    };
    let resolution = resolve(&env, &overrides);
    let traces = resolution.exporter(Signal::Traces);
    assert_eq!(traces.endpoint.value.url, "http://flag:4317");
    assert_eq!(traces.protocol.origin, Origin::Flag("--protocol".into()));
    let headers: Vec<(&str, &str)> = traces
        .headers
        .iter()
        .map(|h| (h.value.name.as_str(), h.value.value.as_str()))
        .collect();
    assert_eq!(
        headers,
        vec![("x-team", "a"), ("authorization", "from-flag")]
    );
}

#[test]
fn signal_headers_replace_generic_headers() {
    let env = MapEnv::new([
        ("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=2"),
        ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "c=3"),
    ]);
    let resolution = resolve(&env, &TargetOptions::default());
    let names = |s| {
        resolution
            .exporter(s)
            .headers
            .iter()
            .map(|h| h.value.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(Signal::Traces), vec!["a", "b"]);
    assert_eq!(names(Signal::Logs), vec!["c"]);
}

#[test]
fn empty_values_count_as_unset() {
    let resolution = resolve(
        &MapEnv::new([
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        ]),
        &TargetOptions::default(),
    );
    assert_eq!(
        resolution.exporter(Signal::Traces).endpoint.value.url,
        "http://c:4318/v1/traces"
    );
}

#[test]
fn invalid_values_fall_back_and_are_reported() {
    let env = MapEnv::new([
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "10s"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2000"),
    ]);
    let resolution = resolve(&env, &TargetOptions::default());
    assert_eq!(
        resolution.exporter(Signal::Traces).timeout.value,
        Duration::from_millis(2000)
    );
    assert!(
        resolution
            .problems
            .iter()
            .any(|f| f.code == Code::CfgTimeoutInvalid)
    );
}

#[test]
fn endpoint_codes() {
    has(
        [("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")],
        Code::CfgEndpointNoScheme,
        Severity::Error,
    );
    has(
        [("OTEL_EXPORTER_OTLP_ENDPOINT", "grpc://collector:4317")],
        Code::CfgEndpointInvalid,
        Severity::Error,
    );
    has(
        [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://")],
        Code::CfgEndpointInvalid,
        Severity::Error,
    );
    has(
        [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317/v1/traces"),
        ],
        Code::CfgGrpcEndpointHasPath,
        Severity::Warning,
    );
}

#[test]
fn signal_path_codes() {
    has(
        [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/v1/traces")],
        Code::CfgHttpSignalPath,
        Severity::Error,
    );
    has(
        [("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318")],
        Code::CfgHttpSignalPath,
        Severity::Error,
    );
    has(
        [(
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
            "http://c:4318/v1/traces",
        )],
        Code::CfgHttpSignalPath,
        Severity::Error,
    );
    let custom = codes([
        ("OTEL_SERVICE_NAME", "a"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "https://vendor.example/api/otlp/traces",
        ),
    ]);
    assert!(
        custom.is_empty(),
        "a vendor's custom full path is fine: {custom:?}"
    );
}

#[test]
fn port_protocol_mismatch() {
    has(
        [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317")],
        Code::CfgPortProtocolMismatch,
        Severity::Warning,
    );
    has(
        [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        ],
        Code::CfgPortProtocolMismatch,
        Severity::Warning,
    );
}

#[test]
fn value_codes() {
    has(
        [("OTEL_EXPORTER_OTLP_PROTOCOL", "gprc")],
        Code::CfgProtocolInvalid,
        Severity::Error,
    );
    has(
        [("OTEL_EXPORTER_OTLP_HEADERS", "authorization")],
        Code::CfgHeadersMalformed,
        Severity::Error,
    );
    has(
        [("OTEL_EXPORTER_OTLP_TIMEOUT", "abc")],
        Code::CfgTimeoutInvalid,
        Severity::Warning,
    );
    has(
        [("OTEL_EXPORTER_OTLP_TIMEOUT", "10")],
        Code::CfgTimeoutInvalid,
        Severity::Warning,
    );
    has(
        [("OTEL_EXPORTER_OTLP_TIMEOUT", "0")],
        Code::CfgTimeoutInvalid,
        Severity::Warning,
    );
    has(
        [("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli")],
        Code::CfgCompressionInvalid,
        Severity::Warning,
    );
    has(
        [("OTEL_BSP_MAX_QUEUE_SIZE", "lots")],
        Code::CfgValueInvalid,
        Severity::Warning,
    );
    has(
        [("OTEL_EXPORTER_OTLP_INSECURE", "yes")],
        Code::CfgValueInvalid,
        Severity::Warning,
    );
    has(
        [("OTEL_PROPAGATORS", "tracecontext,w3c")],
        Code::CfgValueInvalid,
        Severity::Warning,
    );
}

#[test]
fn sampler_codes() {
    has(
        [("OTEL_TRACES_SAMPLER", "sometimes")],
        Code::CfgSamplerInvalid,
        Severity::Warning,
    );
    has(
        [
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "half"),
        ],
        Code::CfgSamplerInvalid,
        Severity::Warning,
    );
    has(
        [("OTEL_TRACES_SAMPLER_ARG", "0.1")],
        Code::CfgSamplerInvalid,
        Severity::Warning,
    );
    has(
        [("OTEL_TRACES_SAMPLER", "always_off")],
        Code::CfgSamplerDropsAll,
        Severity::Error,
    );
    has(
        [("OTEL_TRACES_SAMPLER", "parentbased_always_off")],
        Code::CfgSamplerDropsAll,
        Severity::Error,
    );
    has(
        [
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0"),
        ],
        Code::CfgSamplerDropsAll,
        Severity::Error,
    );
}

#[test]
fn sdk_and_exporter_codes() {
    has(
        [("OTEL_SDK_DISABLED", "TRUE")],
        Code::CfgSdkDisabled,
        Severity::Error,
    );
    assert!(
        !codes([("OTEL_SDK_DISABLED", "false")])
            .iter()
            .any(|(c, _)| *c == Code::CfgSdkDisabled)
    );
    has(
        [("OTEL_LOGS_EXPORTER", "none")],
        Code::CfgExporterNone,
        Severity::Warning,
    );
    let resolution = resolve(
        &MapEnv::new([("OTEL_TRACES_EXPORTER", "none")]),
        &TargetOptions::default(),
    );
    let chosen = Selection {
        signals: vec![Signal::Traces],
        explicit: true,
    };
    assert!(
        lint(&resolution, &chosen)
            .iter()
            .any(|f| f.code == Code::CfgExporterNone && f.severity == Severity::Error)
    );
    has(
        [("OTEL_TRACES_EXPORTER", "console")],
        Code::CfgExporterNone,
        Severity::Warning,
    );
}

#[test]
fn resource_codes() {
    has(
        [("OTEL_RESOURCE_ATTRIBUTES", "service.name=a,broken")],
        Code::CfgResourceAttributesMalformed,
        Severity::Warning,
    );
    assert!(codes([("OTEL_RESOURCE_ATTRIBUTES", "service.name=a")]).is_empty());
    has(
        [
            ("OTEL_SERVICE_NAME", "a"),
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=b"),
        ],
        Code::CfgServiceNameMissing,
        Severity::Info,
    );
}

#[test]
fn tls_codes() {
    has(
        [
            ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c:4318"),
        ],
        Code::CfgInsecureWithHttps,
        Severity::Warning,
    );
    has(
        [("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem")],
        Code::CfgCertFileUnreadable,
        Severity::Error,
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "hello").expect("write");
    let path = not_pem.to_string_lossy().into_owned();
    has(
        [("OTEL_EXPORTER_OTLP_CERTIFICATE", path.as_str())],
        Code::CfgCertFileUnreadable,
        Severity::Error,
    );
    has(
        [("OTEL_EXPORTER_OTLP_CLIENT_KEY", path.as_str())],
        Code::CfgCertFileUnreadable,
        Severity::Error,
    );
}

#[test]
fn batch_codes() {
    has(
        [
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "512"),
        ],
        Code::CfgBatchSizeExceedsQueue,
        Severity::Warning,
    );
    has(
        [("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "4096")],
        Code::CfgBatchSizeExceedsQueue,
        Severity::Warning,
    );
}

#[test]
fn the_most_blocking_error_is_the_root_cause() {
    let found = findings_for([
        ("OTEL_EXPORTER_OTLP_HEADERS", "broken"),
        ("OTEL_SDK_DISABLED", "true"),
    ]);
    assert_eq!(found[0].code, Code::CfgSdkDisabled);
}

#[test]
fn every_cfg_code_is_produced_by_a_test_above() {
    let source = include_str!("tests.rs");
    for code in Code::ALL.iter().filter(|c| c.as_str().starts_with("CFG_")) {
        let variant = format!("Code::{code:?}");
        assert!(source.contains(&variant), "{code} has no test");
    }
}

#[test]
fn a_python_requests_bundle_replaces_the_certificate_for_http_only() {
    use crate::sdk_model::{SdkArg, choose, reading_rules};
    let python = choose(Some(SdkArg::Sdk(crate::sdk_model::Sdk::Python)), None, None).unwrap();
    let resolve_for = |protocol: &str| {
        crate::settings::resolve_as(
            &MapEnv::new([
                ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
                ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/otel/ca.pem"),
                ("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"),
            ]),
            &TargetOptions::default(),
            &reading_rules(&python),
        )
    };
    let http = resolve_for("http/protobuf");
    let certificate = http.exporter(Signal::Traces).certificate.clone().unwrap();
    assert_eq!(certificate.origin, Origin::Env("REQUESTS_CA_BUNDLE".into()));
    let found: Vec<Code> = lint(&http, &Selection::all_implicit())
        .iter()
        .map(|f| f.code)
        .collect();
    assert!(found.contains(&Code::CfgSdkCaOverride), "{found:?}");
    let grpc = resolve_for("grpc");
    let certificate = grpc.exporter(Signal::Traces).certificate.clone().unwrap();
    assert_eq!(
        certificate.origin,
        Origin::Env("OTEL_EXPORTER_OTLP_CERTIFICATE".into())
    );
}

fn resolved_as(sdk: crate::sdk_model::Sdk, vars: &[(&str, &str)]) -> crate::settings::Resolution {
    use crate::sdk_model::{SdkArg, choose, reading_rules};
    let choice = choose(Some(SdkArg::Sdk(sdk)), None, None).unwrap();
    crate::settings::resolve_as(
        &MapEnv(
            vars.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
        &TargetOptions::default(),
        &reading_rules(&choice),
    )
}

#[test]
fn the_rust_sdk_reads_no_tls_variable_and_the_flags_still_count() {
    let vars = [
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/otel/ca.pem"),
        (
            "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
            "/etc/otel/client.pem",
        ),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/etc/otel/client.key"),
    ];
    let rust = resolved_as(crate::sdk_model::Sdk::Rust, &vars);
    let traces = rust.exporter(Signal::Traces);
    assert_eq!(
        (
            &traces.certificate,
            &traces.client_certificate,
            &traces.client_key
        ),
        (&None, &None, &None)
    );
    let found = lint(&rust, &Selection::all_implicit());
    let ignored: Vec<&Finding> = found
        .iter()
        .filter(|f| f.code == Code::CfgSdkIgnoresVariable)
        .collect();
    assert_eq!(ignored.len(), 2, "{ignored:#?}");
    assert!(ignored.iter().all(|f| f.severity == Severity::Warning));
    let go = resolved_as(crate::sdk_model::Sdk::Go, &vars);
    assert!(go.exporter(Signal::Traces).certificate.is_some());
}

#[test]
fn an_unparsable_timeout_is_an_error_where_the_sdk_refuses_to_start() {
    let vars = [("OTEL_EXPORTER_OTLP_TIMEOUT", "soon")];
    let severity = |sdk, protocol| {
        let mut vars = vars.to_vec();
        vars.push(("OTEL_EXPORTER_OTLP_PROTOCOL", protocol));
        lint(&resolved_as(sdk, &vars), &Selection::all_implicit())
            .into_iter()
            .find(|f| f.code == Code::CfgTimeoutInvalid)
            .map(|f| f.severity)
    };
    use crate::sdk_model::Sdk;
    assert_eq!(severity(Sdk::Java, "grpc"), Some(Severity::Error));
    assert_eq!(severity(Sdk::Python, "grpc"), Some(Severity::Error));
    assert_eq!(
        severity(Sdk::Python, "http/protobuf"),
        Some(Severity::Warning)
    );
    assert_eq!(severity(Sdk::Go, "grpc"), Some(Severity::Warning));
}

#[test]
fn a_proxy_variable_is_reported_for_the_transports_that_read_it() {
    use crate::sdk_model::Sdk;
    let vars = [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"),
        ("https_proxy", "http://127.0.0.1:3128"),
    ];
    let proxied = |sdk| {
        lint(&resolved_as(sdk, &vars), &Selection::all_implicit())
            .into_iter()
            .any(|f| f.code == Code::CfgProxyFromEnv && f.severity == Severity::Info)
    };
    // gRPC core reads https_proxy for plaintext gRPC too; Go exempts loopback; Java and the
    // Rust tonic transport read no proxy variable.
    assert!(proxied(Sdk::Python));
    assert!(proxied(Sdk::Node));
    assert!(!proxied(Sdk::Go));
    assert!(!proxied(Sdk::Java));
    assert!(!proxied(Sdk::Rust));
}

#[test]
fn a_compression_value_the_sdk_raises_on_is_an_error() {
    use crate::sdk_model::Sdk;
    let severity = |sdk, protocol, value| {
        let vars = [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", value),
        ];
        lint(&resolved_as(sdk, &vars), &Selection::all_implicit())
            .into_iter()
            .find(|f| f.code == Code::CfgCompressionInvalid)
            .map(|f| f.severity)
    };
    // Python's gRPC exporter knows only gzip; `none`, valid by the specification, raises.
    assert_eq!(severity(Sdk::Python, "grpc", "none"), Some(Severity::Error));
    assert_eq!(severity(Sdk::Python, "http/protobuf", "none"), None);
    assert_eq!(severity(Sdk::Java, "grpc", "zip"), Some(Severity::Error));
    assert_eq!(severity(Sdk::Go, "grpc", "zip"), Some(Severity::Warning));
}

#[test]
fn without_an_sdk_a_proxy_variable_names_the_sdks_that_would_follow_it() {
    let vars = [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"),
        ("https_proxy", "http://127.0.0.1:3128"),
    ];
    let spec = crate::settings::resolve_as(
        &MapEnv::new(vars),
        &TargetOptions::default(),
        &crate::sdk_model::reading_rules(&crate::sdk_model::SdkChoice::spec()),
    );
    let found = lint(&spec, &Selection::all_implicit());
    let note = found
        .iter()
        .find(|f| f.code == Code::CfgProxyFromEnv)
        .expect("a note on the proxy");
    assert_eq!(note.severity, Severity::Info);
    // gRPC core (Python) and grpc-js (Node) read https_proxy for plaintext gRPC too; .NET reads
    // http_proxy for an http:// endpoint; Go exempts loopback; Java and tonic read nothing.
    assert!(
        note.title
            .starts_with("SDKs differ: python, node send exports"),
        "{}",
        note.title
    );
}

#[test]
fn a_rust_project_on_another_sdk_release_is_warned() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lock = "version = 4\n\n[[package]]\nname = \"opentelemetry-otlp\"\nversion = \"0.30.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    std::fs::write(dir.path().join("Cargo.lock"), lock).expect("write");
    let finding = super::rust_release::departure(dir.path()).expect("a finding");
    assert_eq!(
        (finding.code, finding.severity),
        (Code::CfgSdkReleaseDiffers, Severity::Warning)
    );
}
