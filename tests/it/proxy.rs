//! `proxy` between real SDKs and real collectors: what each SDK sent arrives upstream exactly
//! once, over gRPC and OTLP/HTTP, in the clear and over mTLS; the upstream's answers (401, 429
//! with Retry-After, partial success, 503) reach the app byte for byte and show in the view; an
//! upstream that cannot be reached is a retryable answer to the app and a finding in the view.
//!
//! "Counted at the upstream": the Collector and rotel export everything they accept to a
//! `serve`, which prints each item once; the SDK clients print what they sent.

use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use serde_json::Value;

use crate::sdk_clients::{CLIENT_METRIC, otel_env};
use crate::serve::{Serve, python_export};
use crate::support::collector_peer::CollectorPeer;
use crate::support::http_client::{OTLP_TRACES_GRPC_PATH, grpc_unary, http1_request};
use crate::support::proxy::{Proxy, exports};
use crate::support::sdk_clients::{SDK_CLIENT_TIMEOUT, SdkClient, SdkOutcome};
use crate::support::{Rotel, TestCerts, closed_port, otlp_doctor};

/// How long what an SDK sent may take to pass the proxy, the collector's batching and its
/// exporter.
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(20);
/// After everything arrived, how long a duplicate would have to show up.
const DUPLICATE_WINDOW: Duration = Duration::from_millis(700);

/// A collector that exports everything it accepts to `sink` over OTLP/gRPC.
fn collector_into(sink: &Serve) -> CollectorPeer {
    CollectorPeer::builder()
        .exporter(
            "otlp_grpc",
            &format!("endpoint: {}\ntls:\n  insecure: true", sink.grpc),
        )
        .start()
}

/// (spans of the SDK's trace, its client metric, log records) that `sink` printed for `service`.
fn arrived(lines: &[Value], service: &str, trace_id: &str) -> (usize, usize, usize) {
    let of = |kind: &str, keep: &dyn Fn(&Value) -> bool| {
        lines
            .iter()
            .filter(|l| l["kind"] == kind && l["service"] == service && keep(l))
            .count()
    };
    (
        of("span", &|l| l["trace_id"] == trace_id),
        of("metric", &|l| l["name"] == CLIENT_METRIC),
        of("log", &|_| true),
    )
}

/// Whether every item each run's SDK sent is among `lines` (printed by the sink).
fn all_arrived(lines: &[Value], runs: &[(String, SdkOutcome)]) -> bool {
    runs.iter().all(|(service, outcome)| {
        let (spans, metrics, logs) = arrived(lines, service, &outcome.trace_id);
        let (s, m, l) = sent(outcome);
        spans >= s && metrics >= m && logs >= l
    })
}

fn sent(outcome: &SdkOutcome) -> (usize, usize, usize) {
    (outcome.sent.spans, outcome.sent.metrics, outcome.sent.logs)
}

/// The proxy's summary line, after checking that nothing failed, was refused or injected and
/// that the upstream accepted every item that arrived.
fn assert_all_accepted(lines: &[Value], context: &str) -> Value {
    let summary = lines
        .last()
        .filter(|l| l["kind"] == "summary")
        .unwrap_or_else(|| panic!("no summary line ({context}): {lines:#?}"))
        .clone();
    let signals = summary["signals"].as_object().cloned().unwrap_or_default();
    assert!(!signals.is_empty(), "{context}: {summary:#}");
    for (signal, totals) in signals {
        for key in ["refused", "failed", "injected"] {
            assert_eq!(totals[key], 0, "{context}: {signal}.{key} in {summary:#}");
        }
        assert_eq!(
            totals["items"], totals["accepted_items"],
            "{context}: {signal} in {summary:#}"
        );
    }
    for export in exports(lines) {
        assert_eq!(export["fate"], "forwarded", "{context}: {export:#}");
        assert!(export["code"].is_null(), "{context}: {export:#}");
    }
    summary
}

/// Each SDK over gRPC and OTLP/HTTP through one proxy to the Collector and through another to
/// rotel: the SDK reports success and every item arrives once.
fn through_the_proxy_exactly_once(client: SdkClient) {
    let mut sink = Serve::start(&[]);
    let collector = collector_into(&sink);
    let rotel = Rotel::builder().export_to(&sink.grpc).start();
    let proxies = [
        (
            "collector",
            Proxy::start_in_front_of(&collector.grpc_url(), &collector.http_url(), &[]),
        ),
        (
            "rotel",
            Proxy::start_in_front_of(&rotel.grpc_url(), &rotel.http_url(), &[]),
        ),
    ];
    let mut runs: Vec<(String, SdkOutcome)> = Vec::new();
    for (upstream, proxy) in &proxies {
        for (protocol, endpoint) in [("grpc", &proxy.grpc), ("http/protobuf", &proxy.http)] {
            let short = protocol.split('/').next().unwrap_or(protocol);
            let service = format!("proxy-{}-{upstream}-{short}", client.name());
            let outcome = client.run(&otel_env(protocol, endpoint, &service), SDK_CLIENT_TIMEOUT);
            assert!(
                outcome.ok,
                "{} over {protocol} through the proxy to {upstream} failed: {outcome:?}",
                client.name()
            );
            assert!(outcome.sent.spans > 0, "{outcome:?}");
            runs.push((service, outcome));
        }
    }
    let all_there = |lines: &[Value]| all_arrived(lines, &runs);
    sink.wait_until(ARRIVAL_TIMEOUT, all_there);
    sink.wait_until(DUPLICATE_WINDOW, |_| false);
    for (upstream, proxy) in proxies {
        let lines = proxy.stop();
        assert_all_accepted(&lines, &format!("{} → proxy → {upstream}", client.name()));
    }
    let lines = sink.stop();
    for (service, outcome) in &runs {
        assert_eq!(
            arrived(&lines, service, &outcome.trace_id),
            sent(outcome),
            "(spans, metrics, logs) of {service} counted behind the upstream differ from what the SDK sent: {outcome:?}\ncollector: {}\nrotel: {}",
            collector.log_tail(20),
            rotel.log_tail(20)
        );
    }
}

#[test]
fn go_sdk_through_the_proxy_arrives_exactly_once() {
    through_the_proxy_exactly_once(SdkClient::Go);
}

#[test]
fn java_sdk_through_the_proxy_arrives_exactly_once() {
    through_the_proxy_exactly_once(SdkClient::Java);
}

#[test]
fn node_sdk_through_the_proxy_arrives_exactly_once() {
    through_the_proxy_exactly_once(SdkClient::Node);
}

#[test]
fn python_sdk_through_the_proxy_arrives_exactly_once() {
    through_the_proxy_exactly_once(SdkClient::Python);
}

#[test]
fn rust_sdk_through_the_proxy_arrives_exactly_once() {
    through_the_proxy_exactly_once(SdkClient::Rust);
}

/// The app talks plain OTLP to the proxy; the proxy talks mTLS to the Collector with `check`'s
/// options.
#[test]
fn the_proxy_reaches_an_mtls_collector_with_the_given_certificates() {
    let certs = TestCerts::generate();
    let mut sink = Serve::start(&[]);
    let collector = CollectorPeer::builder()
        .mtls(&certs.good, &certs.client_ca)
        .exporter(
            "otlp_grpc",
            &format!("endpoint: {}\ntls:\n  insecure: true", sink.grpc),
        )
        .start();
    let ca = certs.ca.display().to_string();
    let cert = certs.client.cert.display().to_string();
    let key = certs.client.key.display().to_string();
    let proxy = Proxy::start_in_front_of(
        &collector.grpc_url(),
        &collector.http_url(),
        &[
            "--ca-cert",
            &ca,
            "--client-cert",
            &cert,
            "--client-key",
            &key,
        ],
    );
    let client = SdkClient::Go;
    let mut runs = Vec::new();
    for (protocol, endpoint) in [("grpc", &proxy.grpc), ("http/protobuf", &proxy.http)] {
        let service = format!("proxy-mtls-{}", protocol.replace('/', "-"));
        let outcome = client.run(&otel_env(protocol, endpoint, &service), SDK_CLIENT_TIMEOUT);
        assert!(outcome.ok, "over {protocol}: {outcome:?}");
        runs.push((service, outcome));
    }
    sink.wait_until(ARRIVAL_TIMEOUT, |lines| {
        runs.iter()
            .all(|(service, o)| arrived(lines, service, &o.trace_id).0 >= o.sent.spans)
    });
    sink.wait_until(DUPLICATE_WINDOW, |_| false);
    assert_all_accepted(&proxy.stop(), "proxy → mTLS collector");
    let lines = sink.stop();
    for (service, outcome) in &runs {
        assert_eq!(
            arrived(&lines, service, &outcome.trace_id),
            sent(outcome),
            "{service}\ncollector: {}",
            collector.log_tail(20)
        );
    }
}

/// Without the CA, the upstream's certificate is unknown: the app is told to retry (it never
/// sees a success for data that did not arrive) and the view names the TLS cause.
#[test]
fn an_upstream_with_an_unknown_ca_is_a_retryable_answer_and_a_tls_finding() {
    let certs = TestCerts::generate();
    let collector = CollectorPeer::builder().tls(&certs.good).start();
    let proxy = Proxy::start_in_front_of(&collector.grpc_url(), &collector.http_url(), &[]);
    let grpc = python_export("grpc", &proxy.grpc, "proxy-tls", 1, "", None);
    let http = python_export("http", &proxy.http, "proxy-tls", 1, "", None);
    assert_eq!(grpc["result"], "FAILURE", "{grpc}");
    assert_eq!(http["result"], "FAILURE", "{http}");
    assert!(
        grpc["logs"]
            .to_string()
            .to_uppercase()
            .contains("UNAVAILABLE"),
        "{grpc}"
    );
    assert!(logs_say(&http, "503", "Service Unavailable"), "{http}");
    let lines = proxy.stop();
    let failed: Vec<&Value> = exports(&lines)
        .into_iter()
        .filter(|e| e["fate"] == "failed")
        .collect();
    assert!(!failed.is_empty(), "{lines:#?}");
    assert!(
        failed.iter().all(|e| e["code"] == "TLS_UNKNOWN_CA"),
        "{failed:#?}"
    );
    let summary = lines.last().expect("summary");
    assert!(
        summary["signals"]["traces"]["failed"].as_u64() >= Some(2),
        "{summary:#}"
    );
    assert_eq!(
        summary["signals"]["traces"]["accepted_items"], 0,
        "{summary:#}"
    );
}

/// Nothing listens upstream: connection refused is a retryable answer to the app, counted as
/// failed, named NET_CONN_REFUSED.
#[test]
fn a_closed_upstream_is_unavailable_to_the_app_and_refused_in_the_view() {
    let proxy = Proxy::start(&format!("http://{}", closed_port()), &[]);
    let report = python_export("http", &proxy.http, "proxy-closed", 2, "", None);
    assert_eq!(report["result"], "FAILURE", "{report}");
    assert!(logs_say(&report, "503", "Service Unavailable"), "{report}");
    let lines = proxy.stop();
    let shown = exports(&lines);
    assert!(!shown.is_empty(), "{lines:#?}");
    for export in shown {
        assert_eq!(export["fate"], "failed", "{export:#}");
        assert_eq!(export["code"], "NET_CONN_REFUSED", "{export:#}");
    }
    let summary = lines.last().expect("summary");
    assert_eq!(
        summary["signals"]["traces"]["accepted_items"], 0,
        "{summary:#}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["kind"] == "finding" && l["code"] == "NET_CONN_REFUSED"),
        "the finding is shown with its fix: {lines:#?}"
    );
}

/// Whether the Python exporter's logs name an HTTP status by its code or, as it does for the
/// statuses it retries, by its reason phrase.
fn logs_say(report: &Value, code: &str, reason: &str) -> bool {
    let logs = report["logs"].to_string();
    logs.contains(code) || logs.contains(reason)
}

/// One span for a hand-made request (the same bytes go direct and through the proxy).
fn one_span_request() -> Vec<u8> {
    let service = KeyValue {
        key: "service.name".into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue("proxy-answers".into())),
        }),
        ..Default::default()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![service],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![7; 16],
                    span_id: vec![9; 8],
                    name: "answered".into(),
                    start_time_unix_nano: 1_700_000_000_000_000_000,
                    end_time_unix_nano: 1_700_000_000_100_000_000,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// `base` is `http://127.0.0.1:P`.
fn addr_of(base: &str) -> std::net::SocketAddr {
    base.trim_start_matches("http://")
        .parse()
        .unwrap_or_else(|e| panic!("{base}: {e}"))
}

/// What an OTLP/HTTP client sees: status, Retry-After, content type and body.
fn http_answer(base: &str, body: &[u8]) -> (u16, Option<String>, Option<String>, Vec<u8>) {
    let addr = addr_of(base);
    runtime().block_on(async {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let answer = http1_request(
            stream,
            "POST",
            &addr.to_string(),
            "/v1/traces",
            &[("Content-Type", "application/x-protobuf")],
            body,
        )
        .await
        .unwrap_or_else(|e| panic!("POST {base}/v1/traces: {e}"));
        (
            answer.status,
            answer.header("retry-after").map(str::to_string),
            answer.header("content-type").map(str::to_string),
            answer.body,
        )
    })
}

/// What a gRPC client sees: grpc-status, grpc-message and the answer message.
fn grpc_answer(base: &str, message: &[u8]) -> (Option<String>, Option<String>, Vec<u8>) {
    let addr = addr_of(base);
    runtime().block_on(async {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let answer = grpc_unary(stream, &addr.to_string(), OTLP_TRACES_GRPC_PATH, message)
            .await
            .unwrap_or_else(|e| panic!("gRPC export to {base}: {e}"));
        (answer.grpc_status, answer.grpc_message, answer.body)
    })
}

/// One upstream behaviour and how the app and the view must see it.
struct AnswerCase {
    /// `serve`'s flags for the upstream.
    upstream_args: &'static [&'static str],
    /// The Python HTTP exporter logs the status code or, for retryable ones, its reason phrase.
    http_words: (&'static str, &'static str),
    /// The gRPC status name the Python gRPC exporter logs; empty for a success.
    grpc_words: &'static str,
    /// The finding code of every export line.
    code: Option<&'static str>,
}

/// The upstream's refusals and partial successes, direct and through the proxy, are the same
/// answer; the Python SDK through the proxy sees what it sees direct; the view shows each.
#[test]
fn upstream_answers_reach_the_app_unchanged() {
    let request = one_span_request();
    let cases = [
        AnswerCase {
            upstream_args: &["--require-header", "x-token=s3cret-value"],
            http_words: ("401", "Unauthorized"),
            grpc_words: "UNAUTHENTICATED",
            code: Some("AUTH_UNAUTHENTICATED"),
        },
        AnswerCase {
            upstream_args: &["--fail-rate", "1", "--fail-with", "throttled"],
            http_words: ("429", "Too Many Requests"),
            grpc_words: "RESOURCE_EXHAUSTED",
            code: Some("EXPORT_THROTTLED"),
        },
        AnswerCase {
            upstream_args: &["--fail-rate", "1", "--fail-with", "unavailable"],
            http_words: ("503", "Service Unavailable"),
            grpc_words: "UNAVAILABLE",
            code: Some("EXPORT_UNAVAILABLE"),
        },
        AnswerCase {
            upstream_args: &["--reject-partial", "1"],
            http_words: ("", ""),
            grpc_words: "",
            code: Some("EXPORT_PARTIAL_SUCCESS"),
        },
    ];
    for AnswerCase {
        upstream_args,
        http_words,
        grpc_words,
        code,
    } in cases
    {
        let upstream = Serve::start(upstream_args);
        let proxy = Proxy::start_in_front_of(&upstream.grpc, &upstream.http, &[]);
        let direct = http_answer(&upstream.http, &request);
        let proxied = http_answer(&proxy.http, &request);
        assert_eq!(
            proxied, direct,
            "OTLP/HTTP answer with upstream {upstream_args:?}"
        );
        let direct = grpc_answer(&upstream.grpc, &request);
        let proxied = grpc_answer(&proxy.grpc, &request);
        assert_eq!(
            proxied, direct,
            "gRPC answer with upstream {upstream_args:?}"
        );

        let sdk_http = python_export("http", &proxy.http, "proxy-answers", 1, "", None);
        let sdk_grpc = python_export("grpc", &proxy.grpc, "proxy-answers", 1, "", None);
        if grpc_words.is_empty() {
            assert_eq!(sdk_http["result"], "SUCCESS", "{sdk_http}");
            assert_eq!(sdk_grpc["result"], "SUCCESS", "{sdk_grpc}");
        } else {
            assert_eq!(sdk_http["result"], "FAILURE", "{sdk_http}");
            assert!(
                logs_say(&sdk_http, http_words.0, http_words.1),
                "{sdk_http}"
            );
            assert_eq!(sdk_grpc["result"], "FAILURE", "{sdk_grpc}");
            assert!(
                sdk_grpc["logs"]
                    .to_string()
                    .to_uppercase()
                    .contains(grpc_words),
                "{sdk_grpc}"
            );
        }
        let lines = proxy.stop();
        let shown = exports(&lines);
        assert!(shown.len() >= 4, "{upstream_args:?}: {lines:#?}");
        assert!(
            shown
                .iter()
                .all(|e| e["fate"] == "forwarded" && e["code"].as_str() == code),
            "{upstream_args:?}: {shown:#?}"
        );
        assert!(
            !lines.iter().any(|l| l.to_string().contains("s3cret-value")),
            "a header value in the view"
        );
        if code == Some("EXPORT_THROTTLED") {
            let http = shown
                .iter()
                .find(|e| e["transport"] != "grpc")
                .expect("http");
            assert_eq!(http["upstream"]["retry_after"], "1", "{http:#}");
            let grpc = shown
                .iter()
                .find(|e| e["transport"] == "grpc")
                .expect("grpc");
            assert_eq!(grpc["upstream"]["retry_delay_ms"], 1000, "{grpc:#}");
        }
        if code == Some("EXPORT_PARTIAL_SUCCESS") {
            assert!(
                shown
                    .iter()
                    .all(|e| e["upstream"]["partial_success"]["rejected"] == 1),
                "{shown:#?}"
            );
        }
    }
}

/// The app's own auth header passes through to the upstream, and is masked in the view.
#[test]
fn the_apps_auth_header_reaches_the_upstream_and_is_masked() {
    let upstream = Serve::start(&["--require-header", "x-token=app-secret-1"]);
    let proxy = Proxy::start_in_front_of(&upstream.grpc, &upstream.http, &[]);
    let http = python_export(
        "http",
        &proxy.http,
        "proxy-auth",
        2,
        "x-token=app-secret-1",
        None,
    );
    let grpc = python_export(
        "grpc",
        &proxy.grpc,
        "proxy-auth",
        2,
        "x-token=app-secret-1",
        None,
    );
    assert_eq!(http["result"], "SUCCESS", "{http}");
    assert_eq!(grpc["result"], "SUCCESS", "{grpc}");
    let lines = proxy.stop();
    assert!(
        !lines.iter().any(|l| l.to_string().contains("app-secret-1")),
        "{lines:#?}"
    );
    let upstream_lines = upstream.stop();
    let spans = upstream_lines
        .iter()
        .filter(|l| l["kind"] == "span" && l["service"] == "proxy-auth")
        .count();
    assert_eq!(spans, 4, "{upstream_lines:#?}");
}

/// `--metrics-listen`: Prometheus text with the forwarded requests per signal and status.
#[test]
fn the_proxys_metrics_count_what_it_forwarded() {
    let upstream = Serve::start(&[]);
    let proxy = Proxy::start_in_front_of(
        &upstream.grpc,
        &upstream.http,
        &["--metrics-listen", "127.0.0.1:0"],
    );
    let metrics = proxy.metrics.clone().expect("a metrics URL");
    for protocol in ["grpc", "http"] {
        let endpoint = if protocol == "grpc" {
            &proxy.grpc
        } else {
            &proxy.http
        };
        let report = python_export(protocol, endpoint, "proxy-metrics", 3, "", None);
        assert_eq!(report["result"], "SUCCESS", "{report}");
    }
    let addr = addr_of(metrics.trim_end_matches("/metrics"));
    let (status, page) = CollectorPeer::get(addr, "/metrics").expect("scrape");
    assert_eq!(status, 200);
    let items: f64 = page
        .lines()
        .filter(|l| l.starts_with("otlp_doctor_proxy_items_total{") && l.contains("traces"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(items, 6.0, "{page}");
    assert!(
        page.contains("otlp_doctor_proxy_round_trip_seconds_bucket"),
        "{page}"
    );
    proxy.stop();
}

/// A bad upstream URL is bad input: exit 2 with what to give instead.
#[test]
fn a_bad_upstream_is_bad_input() {
    let output = otlp_doctor()
        .args(["proxy", "--upstream", "ftp://collector:4317"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--upstream"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `--upstream-protocol`: SDKs exporting over one protocol reach a collector over the other;
/// every item arrives once.
#[test]
fn sdks_reach_the_collector_and_rotel_in_the_other_protocol() {
    let mut sink = Serve::start(&[]);
    let collector = collector_into(&sink);
    let rotel = Rotel::builder().export_to(&sink.grpc).start();
    // OTLP/HTTP apps in front of the Collector's gRPC port, gRPC apps in front of rotel's HTTP port.
    let to_grpc = Proxy::start(&collector.grpc_url(), &["--upstream-protocol", "grpc"]);
    let to_http = Proxy::start(&rotel.http_url(), &["--upstream-protocol", "http/protobuf"]);
    let mut runs = Vec::new();
    for (client, protocol, endpoint) in [
        (SdkClient::Node, "http/protobuf", &to_grpc.http),
        (SdkClient::Go, "http/protobuf", &to_grpc.http),
        (SdkClient::Python, "grpc", &to_http.grpc),
        (SdkClient::Java, "grpc", &to_http.grpc),
    ] {
        let service = format!("convert-{}-{}", client.name(), protocol.replace('/', "-"));
        let outcome = client.run(&otel_env(protocol, endpoint, &service), SDK_CLIENT_TIMEOUT);
        assert!(outcome.ok, "{} over {protocol}: {outcome:?}", client.name());
        runs.push((service, outcome));
    }
    sink.wait_until(ARRIVAL_TIMEOUT, |lines| {
        runs.iter().all(|(service, o)| {
            let (s, m, l) = arrived(lines, service, &o.trace_id);
            s >= o.sent.spans && m >= o.sent.metrics && l >= o.sent.logs
        })
    });
    sink.wait_until(DUPLICATE_WINDOW, |_| false);
    let grpc_lines = to_grpc.stop();
    assert_all_accepted(&grpc_lines, "http apps → proxy → gRPC collector");
    assert!(
        exports(&grpc_lines)
            .iter()
            .all(|e| e["upstream"]["grpc_status"] == "OK"),
        "the upstream answered over gRPC: {grpc_lines:#?}"
    );
    let http_lines = to_http.stop();
    assert_all_accepted(&http_lines, "gRPC apps → proxy → HTTP rotel");
    assert!(
        exports(&http_lines)
            .iter()
            .all(|e| e["upstream"]["http_status"] == 200),
        "the upstream answered over HTTP: {http_lines:#?}"
    );
    let lines = sink.stop();
    for (service, outcome) in &runs {
        assert_eq!(
            arrived(&lines, service, &outcome.trace_id),
            sent(outcome),
            "{service}: {outcome:?}\ncollector: {}\nrotel: {}",
            collector.log_tail(20),
            rotel.log_tail(20)
        );
    }
}

/// Converted answers keep their meaning: throttling stays retryable with its delay, a refusal
/// stays a refusal, a partial success keeps its count, in the app's encoding.
#[test]
fn converted_answers_keep_their_meaning() {
    let request = one_span_request();
    let throttling = Serve::start(&["--fail-rate", "1", "--fail-with", "throttled"]);
    let to_http = Proxy::start(&throttling.http, &["--upstream-protocol", "http/protobuf"]);
    let (status, message, _) = grpc_answer(&to_http.grpc, &request);
    assert_eq!(
        status.as_deref(),
        Some("8"),
        "RESOURCE_EXHAUSTED: {message:?}"
    );
    let to_grpc = Proxy::start(&throttling.grpc, &["--upstream-protocol", "grpc"]);
    let (status, retry_after, _, _) = http_answer(&to_grpc.http, &request);
    assert_eq!((status, retry_after.as_deref()), (429, Some("1")));

    let auth = Serve::start(&["--require-header", "x-token=t0ken-value"]);
    let to_http = Proxy::start(&auth.http, &["--upstream-protocol", "http/protobuf"]);
    let (status, _, _) = grpc_answer(&to_http.grpc, &request);
    assert_eq!(status.as_deref(), Some("16"), "UNAUTHENTICATED");
    let to_grpc = Proxy::start(&auth.grpc, &["--upstream-protocol", "grpc"]);
    assert_eq!(http_answer(&to_grpc.http, &request).0, 401);

    let partial = Serve::start(&["--reject-partial", "1"]);
    let to_grpc = Proxy::start(&partial.grpc, &["--upstream-protocol", "grpc"]);
    let sdk = python_export("http", &to_grpc.http, "convert-partial", 2, "", None);
    assert_eq!(sdk["result"], "SUCCESS", "{sdk}");
    let lines = to_grpc.stop();
    let shown = exports(&lines);
    assert!(!shown.is_empty(), "{lines:#?}");
    assert!(
        shown.iter().all(|e| e["code"] == "EXPORT_PARTIAL_SUCCESS"
            && e["upstream"]["partial_success"]["rejected"] == 1),
        "{shown:#?}"
    );
}

#[test]
fn upstream_http_with_grpc_conversion_is_bad_input() {
    let output = otlp_doctor()
        .args([
            "proxy",
            "--upstream",
            "http://127.0.0.1:4317",
            "--upstream-protocol",
            "grpc",
            "--upstream-http",
            "http://127.0.0.1:4318",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--upstream-protocol"));
}

/// `--reject-partial` toward the app: the app hears a partial success, the upstream gets all.
#[test]
fn an_injected_partial_success_reaches_the_app_and_the_upstream_gets_everything() {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
    let request = one_span_request();
    let mut upstream = Serve::start(&[]);
    let proxy =
        Proxy::start_in_front_of(&upstream.grpc, &upstream.http, &["--reject-partial", "1"]);
    let (status, _, content_type, body) = http_answer(&proxy.http, &request);
    assert_eq!(
        (status, content_type.as_deref()),
        (200, Some("application/x-protobuf"))
    );
    let answer = ExportTraceServiceResponse::decode(body.as_slice()).expect("a response");
    assert_eq!(answer.partial_success.map(|p| p.rejected_spans), Some(1));
    let (grpc_status, _, framed) = grpc_answer(&proxy.grpc, &request);
    assert_eq!(grpc_status.as_deref(), Some("0"));
    let answer = ExportTraceServiceResponse::decode(&framed[5..]).expect("a response");
    assert_eq!(answer.partial_success.map(|p| p.rejected_spans), Some(1));
    upstream.wait_until(ARRIVAL_TIMEOUT, |lines| {
        lines.iter().filter(|l| l["kind"] == "span").count() >= 2
    });
    proxy.stop();
    let spans = upstream
        .stop()
        .iter()
        .filter(|l| l["kind"] == "span" && l["service"] == "proxy-answers")
        .count();
    assert_eq!(spans, 2, "the upstream got both spans");
}

/// `--view exports`: no item lines and no lint, one export line per request whose item count
/// (read off the wire, gzip included) matches what arrived behind the upstream.
#[test]
fn the_exports_view_counts_items_without_showing_them() {
    let mut sink = Serve::start(&[]);
    let rotel = Rotel::builder().export_to(&sink.grpc).start();
    let proxy =
        Proxy::start_in_front_of(&rotel.grpc_url(), &rotel.http_url(), &["--view", "exports"]);
    let mut runs = Vec::new();
    for (protocol, endpoint) in [("grpc", &proxy.grpc), ("http/protobuf", &proxy.http)] {
        for compression in ["none", "gzip"] {
            let short = protocol.split('/').next().unwrap_or(protocol);
            let service = format!("proxy-exports-view-{short}-{compression}");
            let mut env = otel_env(protocol, endpoint, &service);
            // Python's gRPC exporter 1.45.2 raises on "none" (only gzip is in its table), so
            // "none" is said by leaving the variable unset.
            if compression == "gzip" {
                env.push(("OTEL_EXPORTER_OTLP_COMPRESSION", compression));
            }
            let outcome = SdkClient::Python.run(&env, SDK_CLIENT_TIMEOUT);
            assert!(
                outcome.ok,
                "python over {protocol} ({compression}): {outcome:?}"
            );
            runs.push((service, outcome));
        }
    }
    let all_there = |lines: &[Value]| all_arrived(lines, &runs);
    assert!(
        sink.wait_until(ARRIVAL_TIMEOUT, all_there),
        "not everything arrived behind rotel"
    );
    let lines = proxy.stop();
    let behind = sink.stop();
    let summary = assert_all_accepted(&lines, "python → proxy --view exports → rotel");
    for kind in ["span", "metric", "log", "finding"] {
        assert!(
            !lines.iter().any(|l| l["kind"] == kind),
            "the exports view printed a {kind} line: {lines:#?}"
        );
    }
    let ours = |l: &&Value| {
        runs.iter()
            .any(|(service, _)| l["service"] == service.as_str())
    };
    for (signal, kind) in [("traces", "span"), ("metrics", "metric"), ("logs", "log")] {
        let arrived_behind = behind
            .iter()
            .filter(|l| l["kind"] == kind)
            .filter(ours)
            .count();
        assert_eq!(
            summary["signals"][signal]["items"].as_u64().unwrap_or(0),
            arrived_behind as u64,
            "{signal}: counted by the proxy vs arrived behind rotel: {summary:#}"
        );
    }
    assert!(
        exports(&lines)
            .iter()
            .all(|e| e["items"].as_u64() > Some(0)),
        "{lines:#?}"
    );
}
