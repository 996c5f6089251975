use super::*;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn code_of(sdk: Sdk, pairs: &[(&str, &str)], protocol: Option<&str>) -> SdkCode {
    code(sdk, &env(pairs), protocol).unwrap_or_else(|| panic!("{sdk:?} has code for {pairs:?}"))
}

/// Every setting a fix may set, one at a time and all together.
const EVERY_SETTING: [(&str, &str); 8] = [
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"),
    ("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20abc"),
    ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem"),
    ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/etc/client.pem"),
    ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/etc/client-key.pem"),
    ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
    ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
    ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
];

#[test]
fn the_data_file_parses_and_every_sdk_has_grpc_and_http_protobuf() {
    for sdk in Sdk::ALL {
        let transports = tables()
            .get(sdk.name())
            .unwrap_or_else(|| panic!("{} has no tables", sdk.name()));
        for transport in ["grpc", "http/protobuf"] {
            assert!(transports.contains_key(transport), "{sdk:?} {transport}");
        }
    }
}

#[test]
fn every_setting_has_a_line_for_every_sdk_and_transport_with_no_parameter_left() {
    for sdk in Sdk::ALL {
        for transport in tables()[sdk.name()].keys() {
            for setting in EVERY_SETTING {
                let code = code_of(sdk, &[setting], Some(transport));
                let lines = code.code.lines().count();
                assert!(
                    lines >= 3,
                    "{sdk:?} {transport} {setting:?}:\n{}",
                    code.code
                );
                for name in ["{value}", "{url}", "{pairs}", "{exporter}", "{module}"] {
                    assert!(
                        !code.code.contains(name),
                        "{sdk:?} {transport}: {}",
                        code.code
                    );
                }
            }
            let all = code_of(sdk, &EVERY_SETTING, Some(transport));
            assert_eq!(all.transport, *transport);
        }
    }
}

#[test]
fn rust_over_tonic_sets_the_endpoint_timeout_and_metadata_on_the_builder() {
    let code = code_of(
        Sdk::Rust,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4317"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "10000"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20abc"),
        ],
        Some("grpc"),
    );
    assert_eq!(
        code.code,
        "use opentelemetry_otlp::tonic_types::metadata::MetadataMap;
let mut metadata = MetadataMap::new();
metadata.insert(\"authorization\", \"Bearer abc\".parse()?);
let exporter = opentelemetry_otlp::SpanExporter::builder()
    .with_tonic()
    .with_endpoint(\"https://collector:4317\")
    .with_metadata(metadata)
    .with_timeout(std::time::Duration::from_millis(10000))
    .build()?;"
    );
    assert_eq!(code.lang, "rust");
}

#[test]
fn a_protocol_the_fix_sets_chooses_the_exporter_and_http_gets_the_signal_path() {
    let pairs = [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
    ];
    let python = code_of(Sdk::Python, &pairs, Some("grpc"));
    assert_eq!(
        python.code,
        "from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

exporter = OTLPSpanExporter(
    endpoint=\"http://collector:4318/v1/traces\",
)"
    );
    let go = code_of(Sdk::Go, &pairs, Some("grpc"));
    assert_eq!(
        go.code,
        "exporter, err := otlptracehttp.New(ctx,
    otlptracehttp.WithEndpointURL(\"http://collector:4318/v1/traces\"),
)"
    );
    let grpc = code_of(
        Sdk::Java,
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")],
        Some("grpc"),
    );
    assert!(
        grpc.code
            .contains(".setEndpoint(\"http://collector:4317\")")
    );
    assert!(grpc.code.starts_with("OtlpGrpcSpanExporter exporter"));
}

#[test]
fn a_per_signal_variable_names_that_signals_exporter_and_keeps_its_url() {
    let code = code_of(
        Sdk::Node,
        &[(
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "http://collector:4318/v1/metrics",
        )],
        Some("http/protobuf"),
    );
    assert_eq!(
        code.code,
        "const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-proto');

const exporter = new OTLPMetricExporter({
  url: 'http://collector:4318/v1/metrics',
});"
    );
}

#[test]
fn dotnet_sets_options_in_the_lambda_and_says_where_code_has_no_option() {
    let code = code_of(
        Sdk::Dotnet,
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP"),
        ],
        None,
    );
    assert_eq!(
        code.code,
        "builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddOtlpExporter(o =>
{
    o.Protocol = OtlpExportProtocol.HttpProtobuf;
    // no option in code: the exporter reads OTEL_EXPORTER_OTLP_CERTIFICATE (on .NET 8 and later)
    o.Compression = OtlpExportCompression.GZip;
}));"
    );
}

#[test]
fn variables_without_an_exporter_option_have_no_code() {
    assert_eq!(
        code(Sdk::Python, &env(&[("OTEL_SDK_DISABLED", "false")]), None),
        None
    );
    assert_eq!(
        code(
            Sdk::Dotnet,
            &env(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]),
            None
        ),
        None,
        ".NET has no OTLP/JSON exporter"
    );
}

#[test]
fn a_fix_from_the_knowledge_base_renders_env_lines_and_no_code_without_an_sdk() {
    let fix = Fix::new("config.timeout_times_thousand")
        .with("variable", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")
        .with("milliseconds", "10000");
    let forms = forms(&fix, None, Some("grpc"));
    assert_eq!(forms.text, "set OTEL_EXPORTER_OTLP_TRACES_TIMEOUT=10000");
    assert_eq!(
        forms.shell(),
        ["export OTEL_EXPORTER_OTLP_TRACES_TIMEOUT=10000"]
    );
    assert_eq!(
        forms.kubernetes(),
        [
            "env:",
            "  - name: OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
            "    value: \"10000\""
        ]
    );
    assert_eq!(forms.dialect, None);
    let python = super::forms(&fix, Some(Sdk::Python), Some("grpc"));
    let code = python.dialect.expect("python code");
    assert!(code.code.contains("    timeout=10,"), "{}", code.code);
}

#[test]
fn a_name_that_is_a_flag_rather_than_a_variable_is_left_out() {
    let fix = Fix::new("config.timeout_times_thousand")
        .with("variable", "--timeout")
        .with("milliseconds", "10000");
    assert!(fix.env().is_empty());
}

#[test]
fn shell_values_are_quoted_when_a_shell_would_change_them() {
    assert_eq!(shell_quote("http://c:4317"), "http://c:4317");
    assert_eq!(shell_quote("<your service>"), "'<your service>'");
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
    assert_eq!(yaml_quote(r#"a"b\"#), r#""a\"b\\""#);
}

#[test]
fn every_env_table_in_the_knowledge_base_names_otel_variables() {
    for (key, entry) in super::super::fix::all() {
        for name in entry.env.keys() {
            assert!(
                name.starts_with("OTEL_") || name.starts_with('{'),
                "{key}: {name}"
            );
        }
    }
}
