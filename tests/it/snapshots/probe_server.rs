//! `probe-server`: what it prints on start, the `/probe` bodies of a healthy and a refused
//! target, a bad request, and the `/metrics` body after them.

use crate::serve::Serve;
use crate::support::closed_port;
use crate::support::http_client::http1_request;
use crate::support::snapshot::{Live, assert_text_with};
use std::net::SocketAddr;
use std::time::Duration;

/// Seconds, start times and histogram buckets are measurements.
const MEASUREMENTS: &[(&str, &str)] = &[
    (
        r"(?m)^(\w+_seconds(?:_sum)?(?:\{[^}]*\})?) [-0-9.eE+]+$",
        "${1} [SECONDS]",
    ),
    (r#"(?m)^(\w+_bucket\{le="[^"]+"\}) \d+$"#, "${1} [COUNT]"),
];

/// The status line, content type and body of one GET, as one text.
fn get(addr: SocketAddr, path: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let response = runtime.block_on(async {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .expect("connect to probe-server");
        http1_request(stream, "GET", &addr.to_string(), path, &[], b"")
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    });
    format!(
        "GET {path}\nstatus: {}\ncontent-type: {}\n\n{}",
        response.status,
        response.header("content-type").unwrap_or("(none)"),
        String::from_utf8_lossy(&response.body)
    )
}

fn encode(url: &str) -> String {
    url.replace(':', "%3A").replace('/', "%2F")
}

#[test]
fn probes_and_metrics() {
    let serve = Serve::start(&[]);
    let server = Live::spawn(&["probe-server", "--listen", "127.0.0.1:0"]);
    let listening = server.wait_for_line(
        |l| l.starts_with("listening on http://"),
        Duration::from_secs(20),
    );
    let addr: SocketAddr = listening
        .trim_start_matches("listening on http://")
        .trim()
        .parse()
        .expect("a socket address");
    let healthy = get(
        addr,
        &format!(
            "/probe?target={}&protocol=http/protobuf",
            encode(&serve.http)
        ),
    );
    assert_text_with("probe_server_probe_healthy", &healthy, MEASUREMENTS);
    let refused = get(
        addr,
        &format!(
            "/probe?target={}&protocol=grpc",
            encode(&format!("http://{}", closed_port()))
        ),
    );
    assert_text_with("probe_server_probe_refused", &refused, MEASUREMENTS);
    assert_text_with(
        "probe_server_probe_missing_target",
        &get(addr, "/probe"),
        MEASUREMENTS,
    );
    assert_text_with("probe_server_metrics", &get(addr, "/metrics"), MEASUREMENTS);
    server.interrupt();
    let run = server.finish(Duration::from_secs(20));
    assert_text_with("probe_server_output", &run.render(), MEASUREMENTS);
}
