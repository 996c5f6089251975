//! The `proxy` layer, first when the SDK's transport takes a proxy from the environment
//! (`settings::proxy`): the export's first hop is then the proxy, and a proxy that is down or
//! refuses loses the data while the collector itself is healthy. Tunnels (gRPC, and `https://`
//! over HTTP libraries) are asked for with CONNECT; a plaintext OTLP/HTTP export goes to the
//! proxy in absolute form, and its answer is compared with the collector's own answer to the
//! same request, so a proxy that blocks or rewrites is told from a collector that refuses.
//! The layers after this one probe the collector directly. Which proxy applies is the config
//! layer's finding (`CFG_PROXY_FROM_ENV`).

use crate::checks::protocol::answer::{self, Answer};
use crate::knowledge::fix::Fix;
use crate::report::layer::{Layer, millis};
use crate::report::{Code, Finding, Severity};
use crate::settings::Protocol;
use crate::settings::proxy::ProxyRoute;
use crate::settings::target::Target;
use std::io;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CHECK: &str = "proxy";

/// Enough for any proxy's status line and headers; a longer head is not an HTTP proxy.
const MAX_HEAD: usize = 16 * 1024;

pub async fn probe(target: &Target, route: &ProxyRoute) -> Layer {
    let started = Instant::now();
    let timeout = target.step_timeout;
    let via = format!("{}={}", route.variable, route.value);
    let mut proxy = match connect(&route.authority(), timeout).await {
        Ok(stream) => stream,
        Err(error) => {
            let finding = Finding::new(
                Code::NetProxyUnreachable,
                Severity::Error,
                CHECK,
                format!(
                    "the proxy {} from {} does not accept connections",
                    route.authority(),
                    route.variable
                ),
            )
            .evidence(via)
            .evidence(route.reader.clone())
            .evidence(format!("connect {}: {error}", route.authority()))
            .fix(proxy_fix(target, route));
            return Layer::from_findings(
                CHECK,
                finding.title.clone(),
                vec![finding],
                started.elapsed(),
            );
        }
    };
    let endpoint = target.url.authority();
    let credentials = proxy_authorization(route);
    let verdict = if route.tunnel {
        tunnel(&mut proxy, &endpoint, &credentials, timeout).await
    } else {
        let request = plain_export(target, &credentials, true);
        let proxied = exchange(&mut proxy, &request, timeout).await;
        let direct = match connect(&endpoint, timeout).await {
            Ok(mut stream) => exchange(&mut stream, &plain_export(target, "", false), timeout)
                .await
                .ok(),
            Err(_) => None,
        };
        compare(proxied, direct)
    };
    let elapsed = started.elapsed();
    match verdict {
        Ok(how) => Layer::from_findings(
            CHECK,
            format!(
                "{how} (proxy {} from {})",
                route.authority(),
                route.variable
            ),
            Vec::new(),
            elapsed,
        ),
        Err(refusal) => {
            let finding = Finding::new(
                Code::NetProxyRefused,
                Severity::Error,
                CHECK,
                format!(
                    "the proxy {} (from {}) does not pass exports on to {endpoint}",
                    route.authority(),
                    route.variable
                ),
            )
            .evidence(via)
            .evidence(route.reader.clone())
            .evidence(refusal)
            .fix(proxy_fix(target, route));
            Layer::from_findings(CHECK, finding.title.clone(), vec![finding], elapsed)
        }
    }
}

fn proxy_fix(target: &Target, route: &ProxyRoute) -> Fix {
    Fix::new("network.fix_or_bypass_proxy")
        .with("variable", &route.variable)
        .with("host", &target.url.host)
}

async fn connect(authority: &str, timeout: Duration) -> io::Result<TcpStream> {
    match tokio::time::timeout(timeout, TcpStream::connect(authority)).await {
        Ok(result) => result,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("no connection within {}", millis(timeout)),
        )),
    }
}

/// CONNECT, as gRPC and HTTPS clients ask for a tunnel: any 2xx opens it.
async fn tunnel(
    proxy: &mut TcpStream,
    endpoint: &str,
    credentials: &str,
    timeout: Duration,
) -> Result<String, String> {
    let request = format!("CONNECT {endpoint} HTTP/1.1\r\nHost: {endpoint}\r\n{credentials}\r\n");
    match exchange(proxy, &request, timeout).await {
        Ok(head) if head.status / 100 == 2 => Ok(format!("CONNECT {endpoint}: {}", head.line)),
        Ok(head) => Err(format!("CONNECT {endpoint} answered: {}", head.line)),
        Err(error) => Err(format!("CONNECT {endpoint}: {error}")),
    }
}

/// `Proxy-Authorization: Basic ...` and its line end when the proxy URL carries user info, as
/// the modelled libraries send it; empty otherwise.
fn proxy_authorization(route: &ProxyRoute) -> String {
    use base64::Engine as _;
    route
        .userinfo
        .as_ref()
        .map_or_else(String::new, |userinfo| {
            let encoded = base64::engine::general_purpose::STANDARD.encode(userinfo);
            format!("Proxy-Authorization: Basic {encoded}\r\n")
        })
}

/// The empty export an OTLP/HTTP exporter would post, in absolute form for the proxy (with
/// its `credentials` header lines).
fn plain_export(target: &Target, credentials: &str, via_proxy: bool) -> String {
    let path = target
        .http_paths
        .first()
        .map_or("/v1/traces", |(_, path)| path.as_str());
    let authority = target.url.authority();
    let (content_type, body) = match target.protocol {
        Protocol::HttpJson => ("application/json", "{}"),
        _ => ("application/x-protobuf", ""),
    };
    let target_uri = if via_proxy {
        format!("http://{authority}{path}")
    } else {
        path.to_string()
    };
    format!(
        "POST {target_uri} HTTP/1.1\r\nHost: {authority}\r\n{credentials}Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The proxied answer is the collector's own when the status is the same; a proxy that blocks
/// answers with its own status instead (403, 407, 502 ...).
fn compare(proxied: Result<Head, String>, direct: Option<Head>) -> Result<String, String> {
    let proxied = proxied.map_err(|error| format!("the export sent through it: {error}"))?;
    match direct {
        Some(direct) if direct.status != proxied.status => Err(format!(
            "through the proxy the export was answered {}; the collector itself answers {}",
            proxied.line, direct.line
        )),
        Some(_) => Ok(format!(
            "the export through it got the collector's own answer ({})",
            proxied.line
        )),
        // The collector does not answer directly either: the layers after this one say why.
        None => Ok(format!("the proxy answered the export: {}", proxied.line)),
    }
}

/// An HTTP response head: its status line and code.
struct Head {
    line: String,
    status: u16,
}

async fn exchange(
    stream: &mut TcpStream,
    request: &str,
    timeout: Duration,
) -> Result<Head, String> {
    let work = async {
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut head = Vec::new();
        let mut buffer = [0u8; 2048];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            if head.len() > MAX_HEAD {
                return Err(format!("no end of headers within {MAX_HEAD} bytes"));
            }
            let read = stream.read(&mut buffer).await.map_err(|e| e.to_string())?;
            if read == 0 {
                if head.is_empty() {
                    return Err("the connection was closed without an answer".to_string());
                }
                break;
            }
            head.extend_from_slice(&buffer[..read]);
        }
        let status = match answer::parse_http1(&head) {
            Some(Answer::Http1 { status, .. }) => status,
            _ => {
                return Err(format!(
                    "not an HTTP answer: {}",
                    crate::checks::wire::escape(&head[..head.len().min(64)])
                ));
            }
        };
        let text = String::from_utf8_lossy(&head);
        let line = text.lines().next().unwrap_or_default().trim().to_string();
        Ok(Head { line, status })
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {}", millis(timeout))))
}
