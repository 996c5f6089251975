//! Finding out what one open port speaks, the way a person with curl and openssl would, but all
//! at once and bounded: a TLS ClientHello and a plaintext `GET /` race; a TLS port is then
//! spoken to over TLS (any certificate accepted); a port that answers HTTP/2 frames gets the
//! three OTLP gRPC `Export` calls; an HTTP port gets the three OTLP/HTTP POSTs (empty, valid
//! requests: nothing is stored) and GETs of the paths the Collector's extensions, Prometheus,
//! Jaeger and Zipkin serve. Every request is bounded by the scan's timeout.

use super::service::{PortScan, PortState, Speaks, configure_line, url_host};
use super::tls::{self, TlsFacts};
use crate::checks::protocol::answer::Answer;
use crate::checks::protocol::probe::Probe;
use crate::checks::tls::speaks_tls;
use crate::checks::wire::{Reply, classify, escape};
use crate::otlp::rpc::grpc_code_name;
use crate::settings::{Protocol, Signal};
use crate::transport::dialer::{ALPN_H2, ALPN_HTTP1, Dialer};
use crate::transport::fetch::{self, Url};
use crate::transport::tls::server_name;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// gRPC UNIMPLEMENTED: the server has no such service (or method).
const GRPC_UNIMPLEMENTED: i32 = 12;

/// What to look at.
#[derive(Debug, Clone)]
pub struct PortTarget<'a> {
    /// The host as the user named it: SNI, Host header and the configure line use it.
    pub host: &'a str,
    /// Its addresses, tried in order.
    pub addresses: &'a [std::net::IpAddr],
    pub port: u16,
    pub timeout: Duration,
}

/// Scans one port: connect, then identify.
pub async fn scan_port(target: &PortTarget<'_>) -> PortScan {
    let started = Instant::now();
    let address = match connect(target).await {
        Ok(address) => address,
        Err((state, detail)) => {
            return PortScan::not_open(target.port, state, detail, elapsed_ms(started));
        }
    };
    let (is_tls, first) = tokio::join!(
        speaks_tls(address, target.host, target.timeout),
        first_reply(address, target, target.timeout)
    );
    let found = if is_tls {
        over_tls(address, target).await
    } else {
        over_plaintext(address, target, first).await
    };
    PortScan {
        port: target.port,
        usually: super::ports::usually(target.port),
        state: PortState::Open,
        address: Some(address.to_string()),
        speaks: Some(found.speaks),
        tls: Some(is_tls),
        configure: configure_line(found.speaks, target.host, target.port, is_tls),
        handshake: found.handshake,
        signals: found.signals,
        version: found.version,
        detail: found.detail,
        duration_ms: elapsed_ms(started),
    }
}

fn elapsed_ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

/// The first address that accepts, or why none did (refused wins over a timeout: one address
/// refusing is an answer). Every address is tried at once, so a name with fifty silent
/// addresses costs one timeout, not fifty.
async fn connect(target: &PortTarget<'_>) -> Result<SocketAddr, (PortState, String)> {
    let mut attempts: FuturesUnordered<_> = target
        .addresses
        .iter()
        .map(|ip| {
            let address = SocketAddr::new(*ip, target.port);
            async move {
                let outcome = tokio::time::timeout(target.timeout, TcpStream::connect(address));
                (address, outcome.await)
            }
        })
        .collect();
    let mut failure = (PortState::Closed, "no address".to_string());
    while let Some((address, outcome)) = attempts.next().await {
        match outcome {
            Ok(Ok(_)) => return Ok(address),
            Ok(Err(error)) => failure = (PortState::Closed, format!("{address}: {error}")),
            Err(_) if failure.1 == "no address" || failure.0 == PortState::Filtered => {
                failure = (
                    PortState::Filtered,
                    format!(
                        "{address}: no answer to the connection within {}",
                        humantime::format_duration(target.timeout)
                    ),
                )
            }
            Err(_) => {}
        }
    }
    Err(failure)
}

/// What a plaintext `GET /` got back first.
enum FirstReply {
    Bytes(Vec<u8>),
    /// The server closed the connection without a byte.
    Closed,
    /// Nothing within the timeout.
    Silent,
}

async fn first_reply(
    address: SocketAddr,
    target: &PortTarget<'_>,
    timeout: Duration,
) -> FirstReply {
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: otlp-doctor/{}\r\nConnection: close\r\n\r\n",
        url_host(target.host),
        target.port,
        env!("CARGO_PKG_VERSION")
    );
    let work = async {
        let mut stream = TcpStream::connect(address).await.ok()?;
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut buffer = vec![0u8; 1024];
        let read = stream.read(&mut buffer).await.unwrap_or(0);
        buffer.truncate(read);
        Some(buffer)
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(Some(bytes)) if !bytes.is_empty() => FirstReply::Bytes(bytes),
        Ok(_) => FirstReply::Closed,
        Err(_) => FirstReply::Silent,
    }
}

/// What identification found.
struct Found {
    speaks: Speaks,
    detail: String,
    signals: Vec<&'static str>,
    version: Option<String>,
    handshake: Option<TlsFacts>,
}

impl Found {
    fn new(speaks: Speaks, detail: String) -> Found {
        Found {
            speaks,
            detail,
            signals: Vec::new(),
            version: None,
            handshake: None,
        }
    }
}

async fn over_tls(address: SocketAddr, target: &PortTarget<'_>) -> Found {
    let handshake = tls::handshake(address, target.host, target.timeout).await;
    let config = match tls::any_certificate(&[ALPN_H2, ALPN_HTTP1]) {
        Ok(config) => config,
        Err(error) => {
            return Found::new(
                Speaks::Unknown,
                format!("TLS; cannot set up a client: {error}"),
            );
        }
    };
    let dialer = Dialer::Tls {
        address,
        config,
        server_name: server_name(target.host),
    };
    let mut found = match grpc(&dialer, target).await {
        Some(found) => found,
        None => http(&dialer, target).await,
    };
    if handshake.is_none() && found.speaks == Speaks::Unknown {
        found.detail =
            "TLS; the handshake did not complete (a client certificate may be required)".into();
    }
    found.handshake = handshake;
    found
}

async fn over_plaintext(address: SocketAddr, target: &PortTarget<'_>, first: FirstReply) -> Found {
    let dialer = Dialer::Plain { address };
    match first {
        FirstReply::Silent => Found::new(
            Speaks::Silent,
            format!(
                "accepts connections, answered nothing within {}",
                humantime::format_duration(target.timeout)
            ),
        ),
        FirstReply::Bytes(bytes) => match classify(&bytes) {
            Reply::Http1 => http(&dialer, target).await,
            Reply::Http2 => grpc(&dialer, target).await.unwrap_or_else(|| {
                Found::new(Speaks::Unknown, "HTTP/2 (h2c) that is not gRPC".into())
            }),
            _ => Found::new(
                Speaks::Unknown,
                format!(
                    "answers bytes that are not HTTP: {}",
                    escape(&bytes[..bytes.len().min(32)])
                ),
            ),
        },
        // An HTTP/2 server may wait for its preface before it says a word.
        FirstReply::Closed => grpc(&dialer, target).await.unwrap_or_else(|| {
            Found::new(
                Speaks::Unknown,
                "closes the connection without answering".into(),
            )
        }),
    }
}

fn probe<'a>(dialer: &'a Dialer, authority: &'a str, timeout: Duration) -> Probe<'a> {
    Probe {
        dialer,
        authority,
        headers: &[],
        timeout,
    }
}

/// The three OTLP gRPC `Export` calls; `None` when the port does not answer gRPC.
async fn grpc(dialer: &Dialer, target: &PortTarget<'_>) -> Option<Found> {
    let authority = format!("{}:{}", url_host(target.host), target.port);
    let probe = probe(dialer, &authority, target.timeout);
    let (traces, metrics, logs) = tokio::join!(
        probe.grpc(Signal::Traces),
        probe.grpc(Signal::Metrics),
        probe.grpc(Signal::Logs)
    );
    let answers = [
        (Signal::Traces, traces),
        (Signal::Metrics, metrics),
        (Signal::Logs, logs),
    ];
    if !answers
        .iter()
        .any(|(_, a)| matches!(a, Answer::Grpc { .. }))
    {
        return None;
    }
    let mut signals = Vec::new();
    let mut notes = Vec::new();
    for (signal, answer) in &answers {
        match answer {
            Answer::Grpc { grpc_status: 0, .. } => signals.push(signal.as_str()),
            Answer::Grpc {
                grpc_status: GRPC_UNIMPLEMENTED,
                ..
            } => notes.push(format!("{}: UNIMPLEMENTED", signal.as_str())),
            Answer::Grpc { grpc_status, .. } => {
                signals.push(signal.as_str());
                notes.push(format!(
                    "{}: {}",
                    signal.as_str(),
                    grpc_code_name(*grpc_status)
                ));
            }
            other => notes.push(format!("{}: {}", signal.as_str(), other.describe())),
        }
    }
    if signals.is_empty() {
        return Some(Found::new(
            Speaks::Grpc,
            "gRPC; every OTLP Export answered UNIMPLEMENTED".into(),
        ));
    }
    let mut found = Found::new(Speaks::OtlpGrpc, with_notes(&signals, &notes));
    found.signals = signals;
    Some(found)
}

fn with_notes(signals: &[&str], notes: &[String]) -> String {
    if notes.is_empty() {
        signals.join(", ")
    } else {
        format!("{} ({})", signals.join(", "), notes.join("; "))
    }
}

/// An HTTP port: OTLP/HTTP first, then the other servers by the paths they answer.
async fn http(dialer: &Dialer, target: &PortTarget<'_>) -> Found {
    let authority = format!("{}:{}", url_host(target.host), target.port);
    let probe = probe(dialer, &authority, target.timeout);
    let get = |path: &'static str| {
        let url = Url {
            https: dialer.is_tls(),
            host: url_host(target.host),
            port: target.port,
            path: path.to_string(),
        };
        async move {
            fetch::get_via(dialer, &url, "*/*", target.timeout)
                .await
                .ok()
        }
    };
    let post = |signal: Signal, path: &'static str| {
        let probe = &probe;
        async move { probe.http(path, Protocol::HttpProtobuf, signal).await }
    };
    let (traces, metrics, logs, root, status, prometheus, servicez, pprof, jaeger, zipkin) = tokio::join!(
        post(Signal::Traces, "/v1/traces"),
        post(Signal::Metrics, "/v1/metrics"),
        post(Signal::Logs, "/v1/logs"),
        get("/"),
        get("/status"),
        get("/metrics"),
        get("/debug/servicez"),
        get("/debug/pprof/"),
        get("/api/services"),
        get("/api/v2/services"),
    );
    let otlp = [
        (Signal::Traces, traces),
        (Signal::Metrics, metrics),
        (Signal::Logs, logs),
    ];
    if let Some(found) = otlp_http(&otlp) {
        return found;
    }
    if let Some(found) = root.as_ref().and_then(health_v1) {
        return found;
    }
    if let Some(found) = status.as_ref().and_then(health_v2) {
        return found;
    }
    if let Some(found) = prometheus.as_ref().and_then(metrics_page) {
        return found;
    }
    if jaeger.as_ref().is_some_and(jaeger_api) {
        return Found::new(
            Speaks::JaegerQuery,
            "GET /api/services answers Jaeger's service list".into(),
        );
    }
    if zipkin.as_ref().is_some_and(zipkin_api) {
        return Found::new(
            Speaks::Zipkin,
            "GET /api/v2/services answers Zipkin's service list".into(),
        );
    }
    if servicez
        .as_ref()
        .is_some_and(|a| html_with(a, &["tracez", "pipelinez", "Service "]))
    {
        return Found::new(
            Speaks::Zpages,
            "GET /debug/servicez answers the zPages service page".into(),
        );
    }
    if pprof
        .as_ref()
        .is_some_and(|a| html_with(a, &["Types of profiles available", "/debug/pprof/"]))
    {
        return Found::new(Speaks::Pprof, "GET /debug/pprof/ lists Go profiles".into());
    }
    let detail = match &root {
        Some(answer) => format!(
            "HTTP {} at /{}{}",
            answer.status,
            answer
                .content_type
                .as_deref()
                .map(|t| format!(", content-type '{t}'"))
                .unwrap_or_default(),
            excerpt(&answer.body)
        ),
        None => return Found::new(Speaks::Unknown, "no HTTP answer to GET /".into()),
    };
    Found::new(Speaks::Http, detail)
}

fn excerpt(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        String::new()
    } else {
        let short: String = flat.chars().take(60).collect();
        let more = if flat.chars().count() > 60 { "…" } else { "" };
        format!(": \"{short}{more}\"")
    }
}

/// An OTLP/HTTP receiver answers an accepted protobuf export with a protobuf body (the spec:
/// the response's Content-Type is the request's); an HTTP server that answers 200 to every path
/// (the health_check extension does) is not one.
fn otlp_http(answers: &[(Signal, Answer)]) -> Option<Found> {
    let accepted = |status: u16, content_type: &str, body: &str| {
        (200..300).contains(&status)
            && (content_type.contains("protobuf") || (content_type.is_empty() && body.is_empty()))
    };
    let mut signals = Vec::new();
    let mut notes = Vec::new();
    for (signal, answer) in answers {
        match answer {
            Answer::Http1 {
                status,
                content_type,
                body,
                ..
            } if accepted(*status, content_type, body) => signals.push(signal.as_str()),
            Answer::Http1 { status, .. } => {
                notes.push(format!("{}: HTTP {status}", signal.as_str()))
            }
            other => notes.push(format!("{}: {}", signal.as_str(), other.describe())),
        }
    }
    if signals.is_empty() {
        return None;
    }
    let mut found = Found::new(Speaks::OtlpHttp, with_notes(&signals, &notes));
    found.signals = signals;
    Some(found)
}

fn json(answer: &fetch::Answer) -> Option<serde_json::Value> {
    serde_json::from_str(answer.body.trim()).ok()
}

/// health_check (v1) answers `/` with `{"status":"Server available","upSince":…,"uptime":…}`
/// (503 with "Server not available" while the Collector is not ready).
fn health_v1(answer: &fetch::Answer) -> Option<Found> {
    let body = json(answer)?;
    body.get("upSince")?;
    let status = body.get("status").and_then(|s| s.as_str()).unwrap_or("?");
    let uptime = body
        .get("uptime")
        .and_then(|s| s.as_str())
        .map(|u| format!(", up {u}"))
        .unwrap_or_default();
    Some(Found::new(
        Speaks::HealthCheckV1,
        format!("HTTP {}: {status}{uptime}", answer.status),
    ))
}

/// healthcheckv2 answers its status path with
/// `{"start_time":…,"healthy":true,"status":"StatusOK",…}`.
fn health_v2(answer: &fetch::Answer) -> Option<Found> {
    let body = json(answer)?;
    body.get("start_time")?;
    let healthy = body.get("healthy").and_then(|h| h.as_bool());
    let status = body.get("status").and_then(|s| s.as_str()).unwrap_or("?");
    let healthy = match healthy {
        Some(true) => "healthy",
        Some(false) => "unhealthy",
        None => "health unknown",
    };
    Some(Found::new(
        Speaks::HealthCheckV2,
        format!("GET /status: {healthy}, {status}"),
    ))
}

/// A Prometheus text page; the Collector names itself in `target_info` (and on
/// `otelcol_process_uptime` with scope labels) as `service_name` / `service_version`.
fn metrics_page(answer: &fetch::Answer) -> Option<Found> {
    if answer.status != 200 || !(answer.body.contains("# TYPE ") || answer.body.contains("# HELP "))
    {
        return None;
    }
    let series = answer.body.lines().filter(|l| !l.starts_with('#')).count();
    let labelled = answer.body.lines().find(|line| {
        (line.starts_with("target_info{")
            || line.starts_with("otelcol_process_uptime")
            || line.contains("build_info{"))
            && (line.contains("service_version=\"") || line.contains("version=\""))
    });
    let label = |name: &str| {
        labelled.and_then(|line| {
            let start = line.find(&format!("{name}=\""))? + name.len() + 2;
            let end = line[start..].find('"')? + start;
            Some(line[start..end].to_string())
        })
    };
    let version = label("service_version").or_else(|| label("version"));
    let service = label("service_name");
    let collector = answer.body.contains("otelcol_");
    let who = match (&service, &version) {
        (Some(service), Some(version)) => format!(", {service} {version}"),
        (None, Some(version)) => format!(", version {version}"),
        _ => String::new(),
    };
    let kind = if collector {
        "Collector internal metrics"
    } else {
        "Prometheus text"
    };
    let mut found = Found::new(
        Speaks::PrometheusMetrics,
        format!("GET /metrics: {kind}, {series} samples{who}"),
    );
    found.version = version;
    Some(found)
}

/// Jaeger's query API: `{"data": [...], "total": N, ...}`.
fn jaeger_api(answer: &fetch::Answer) -> bool {
    answer.status == 200
        && json(answer)
            .is_some_and(|body| body.get("data").is_some() && body.get("total").is_some())
}

/// Zipkin's API: a JSON array of service names.
fn zipkin_api(answer: &fetch::Answer) -> bool {
    answer.status == 200 && json(answer).is_some_and(|body| body.is_array())
}

fn html_with(answer: &fetch::Answer, needles: &[&str]) -> bool {
    answer.status == 200 && needles.iter().any(|n| answer.body.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> fetch::Answer {
        fetch::Answer {
            status,
            content_type: None,
            body: body.to_string(),
        }
    }

    #[test]
    fn reads_the_collectors_version_from_target_info() {
        // As otelcol-doctor 0.165.0 serves it (tests/peers/otelcol).
        let page = "# HELP otelcol_process_uptime Uptime of the process [Alpha]\n# TYPE otelcol_process_uptime counter\notelcol_process_uptime 4.03\n# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{service_instance_id=\"139f\",service_name=\"otelcol-doctor\",service_version=\"0.165.0\"} 1\n";
        let found = metrics_page(&answer(200, page)).expect("a metrics page");
        assert_eq!(found.version.as_deref(), Some("0.165.0"));
        assert!(
            found.detail.contains("otelcol-doctor 0.165.0"),
            "{}",
            found.detail
        );
        assert!(metrics_page(&answer(200, "<html></html>")).is_none());
    }

    #[test]
    fn tells_health_check_v1_from_v2() {
        let v1 =
            r#"{"status":"Server available","upSince":"2026-12-05T15:47:06Z","uptime":"3.98s"}"#;
        let v2 = r#"{"start_time":"2026-12-05T15:47:06Z","healthy":true,"status":"StatusOK","status_time":"2026-12-05T15:47:06Z","attributes":{}}"#;
        assert!(health_v1(&answer(200, v1)).is_some_and(|f| f.detail.contains("Server available")));
        assert!(health_v1(&answer(200, v2)).is_none());
        assert!(
            health_v2(&answer(200, v2)).is_some_and(|f| f.detail.contains("healthy, StatusOK"))
        );
        assert!(health_v2(&answer(200, v1)).is_none());
    }

    #[test]
    fn a_200_to_every_path_is_not_otlp_http() {
        let json = Answer::Http1 {
            status: 200,
            content_type: "application/json".into(),
            body: "{\"status\":\"Server available\"}".into(),
            retry_after: None,
        };
        let protobuf = Answer::Http1 {
            status: 200,
            content_type: "application/x-protobuf".into(),
            body: String::new(),
            retry_after: None,
        };
        assert!(otlp_http(&[(Signal::Traces, json)]).is_none());
        let found = otlp_http(&[(Signal::Traces, protobuf)]).expect("OTLP/HTTP");
        assert_eq!(found.signals, ["traces"]);
    }
}
