//! Each real peer works on its own, before any test points otlp-doctor at it.

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use rustls::CertificateError;

use crate::support::http_client::{
    OTLP_LOGS_GRPC_PATH, OTLP_TRACES_GRPC_PATH, grpc_unary, http1_request,
};
use crate::support::nginx::grpcs_front_to;
use crate::support::ports::port_accepts;
use crate::support::tls_client;
use crate::support::{
    ClosingServer, Front, GarbageServer, Nginx, Rotel, Signal, SilentServer, TestCerts, Upstream,
    closed_port, free_port, http_front, status_front, tls_front,
};

const ALPN_BOTH: &[&[u8]] = &[b"h2", b"http/1.1"];

async fn tcp(addr: std::net::SocketAddr) -> tokio::net::TcpStream {
    tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(addr))
        .await
        .unwrap_or_else(|_| panic!("connect to {addr} timed out"))
        .unwrap_or_else(|e| panic!("connect to {addr}: {e}"))
}

async fn post_empty(
    addr: std::net::SocketAddr,
    path: &str,
) -> crate::support::http_client::Http1Response {
    http1_request(
        tcp(addr).await,
        "POST",
        &addr.to_string(),
        path,
        &[("Content-Type", "application/x-protobuf")],
        b"",
    )
    .await
    .unwrap_or_else(|e| panic!("POST {path} to {addr}: {e}"))
}

// ------------------------------------------------------------------ rotel

#[test]
fn rotel_grpc_and_http_ports_accept() {
    let rotel = Rotel::start();
    assert!(
        port_accepts(rotel.grpc_addr()),
        "gRPC port\n{}",
        rotel.log_tail(20)
    );
    assert!(
        port_accepts(rotel.http_addr()),
        "HTTP port\n{}",
        rotel.log_tail(20)
    );
    assert_eq!(rotel.grpc_addr().ip().to_string(), "127.0.0.1");
    assert_eq!(rotel.http_addr().ip().to_string(), "127.0.0.1");
}

#[tokio::test]
async fn rotel_http_accepts_empty_protobuf_post() {
    let rotel = Rotel::start();
    for signal in [Signal::Traces, Signal::Metrics, Signal::Logs] {
        let resp = post_empty(rotel.http_addr(), signal.http_path()).await;
        assert!(
            (200..300).contains(&resp.status),
            "POST {} -> {}\n{}\n{}",
            signal.http_path(),
            resp.status,
            String::from_utf8_lossy(&resp.raw),
            rotel.log_tail(20)
        );
    }
}

#[tokio::test]
async fn rotel_grpc_accepts_empty_export() {
    let rotel = Rotel::start();
    let addr = rotel.grpc_addr();
    let resp = grpc_unary(
        tcp(addr).await,
        &addr.to_string(),
        OTLP_TRACES_GRPC_PATH,
        b"",
    )
    .await
    .unwrap_or_else(|e| panic!("gRPC export to rotel: {e}\n{}", rotel.log_tail(20)));
    assert_eq!(resp.http_status, 200, "{resp:?}");
    assert_eq!(resp.grpc_status.as_deref(), Some("0"), "{resp:?}");
}

#[tokio::test]
async fn rotel_with_traces_disabled_refuses_traces_only() {
    let rotel = Rotel::builder().disable(Signal::Traces).start();
    assert_eq!(rotel.disabled(), &[Signal::Traces]);

    let traces = post_empty(rotel.http_addr(), "/v1/traces").await;
    assert_eq!(
        traces.status,
        404,
        "{}",
        String::from_utf8_lossy(&traces.raw)
    );
    let logs = post_empty(rotel.http_addr(), "/v1/logs").await;
    assert!(
        (200..300).contains(&logs.status),
        "{}",
        String::from_utf8_lossy(&logs.raw)
    );

    let addr = rotel.grpc_addr();
    let traces = grpc_unary(
        tcp(addr).await,
        &addr.to_string(),
        OTLP_TRACES_GRPC_PATH,
        b"",
    )
    .await
    .expect("gRPC traces export to rotel");
    // tonic answers an unregistered service with UNIMPLEMENTED (12).
    assert_eq!(traces.grpc_status.as_deref(), Some("12"), "{traces:?}");
    let logs = grpc_unary(tcp(addr).await, &addr.to_string(), OTLP_LOGS_GRPC_PATH, b"")
        .await
        .expect("gRPC logs export to rotel");
    assert_eq!(logs.grpc_status.as_deref(), Some("0"), "{logs:?}");
}

// ------------------------------------------------------------------ nginx + TLS

#[tokio::test]
async fn nginx_tls_front_with_http2_negotiates_h2_and_passes_grpc() {
    let certs = TestCerts::generate();
    let rotel = Rotel::start();
    let (nginx, port) = grpcs_front_to(rotel.grpc_addr(), &certs.good);
    let config = tls_client::client_config(&certs.ca, ALPN_BOTH, None);
    let tls = tls_client::connect(nginx.addr(), "localhost", config)
        .await
        .unwrap_or_else(|e| panic!("TLS handshake with good cert: {e}\n{}", nginx.log_tail(20)));
    assert_eq!(tls_client::alpn(&tls).as_deref(), Some(&b"h2"[..]));

    let resp = grpc_unary(
        tls,
        &format!("localhost:{port}"),
        OTLP_TRACES_GRPC_PATH,
        b"",
    )
    .await
    .unwrap_or_else(|e| panic!("gRPC through nginx: {e}\n{}", nginx.log_tail(20)));
    assert_eq!(resp.http_status, 200, "{resp:?}\n{}", nginx.log_tail(20));
    assert_eq!(
        resp.grpc_status.as_deref(),
        Some("0"),
        "{resp:?}\n{}",
        nginx.log_tail(20)
    );
}

#[tokio::test]
async fn nginx_tls_front_without_http2_negotiates_http11_and_proxies_http() {
    let certs = TestCerts::generate();
    let rotel = Rotel::start();
    let port = free_port();
    let nginx = Nginx::start(&tls_front(
        port,
        &certs.good.cert,
        &certs.good.key,
        rotel.http_addr(),
        Upstream::Http,
        false,
        None,
    ));
    let config = tls_client::client_config(&certs.ca, ALPN_BOTH, None);
    let tls = tls_client::connect(nginx.addr(), "localhost", config)
        .await
        .unwrap_or_else(|e| panic!("TLS handshake with good cert: {e}\n{}", nginx.log_tail(20)));
    assert_eq!(tls_client::alpn(&tls).as_deref(), Some(&b"http/1.1"[..]));

    let resp = http1_request(
        tls,
        "POST",
        "localhost",
        "/v1/traces",
        &[("Content-Type", "application/x-protobuf")],
        b"",
    )
    .await
    .unwrap_or_else(|e| panic!("POST through nginx: {e}\n{}", nginx.log_tail(20)));
    assert_eq!(
        resp.status,
        200,
        "{}\n{}",
        String::from_utf8_lossy(&resp.raw),
        nginx.log_tail(20)
    );
}

/// Starts one nginx serving `pair` for the default server on a free port.
fn nginx_serving(certs: &TestCerts, pick: fn(&TestCerts) -> &crate::support::CertPair) -> Nginx {
    let pair = pick(certs);
    Nginx::start(
        &Front::new(free_port())
            .tls(&pair.cert, &pair.key)
            .status(204)
            .render(),
    )
}

async fn handshake_error(nginx: &Nginx, ca: &std::path::Path, name: &str) -> rustls::Error {
    let config = tls_client::client_config(ca, ALPN_BOTH, None);
    match tls_client::connect(nginx.addr(), name, config).await {
        Ok(_) => panic!("TLS handshake unexpectedly succeeded\n{}", nginx.config()),
        Err(e) => tls_client::rustls_error(&e)
            .unwrap_or_else(|| panic!("not a rustls error: {e}"))
            .clone(),
    }
}

#[tokio::test]
async fn rustls_rejects_bad_server_certificates() {
    let certs = TestCerts::generate();

    let expired = nginx_serving(&certs, |c| &c.expired);
    let err = handshake_error(&expired, &certs.ca, "localhost").await;
    assert!(
        matches!(
            err,
            rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. }
            )
        ),
        "expired: {err:?}"
    );

    let not_yet = nginx_serving(&certs, |c| &c.not_yet_valid);
    let err = handshake_error(&not_yet, &certs.ca, "localhost").await;
    assert!(
        matches!(
            err,
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. }
            )
        ),
        "not yet valid: {err:?}"
    );

    let wrong_host = nginx_serving(&certs, |c| &c.wrong_host);
    let err = handshake_error(&wrong_host, &certs.ca, "localhost").await;
    assert!(
        matches!(
            err,
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            )
        ),
        "wrong host: {err:?}"
    );

    let unknown = nginx_serving(&certs, |c| &c.unknown_ca);
    let err = handshake_error(&unknown, &certs.ca, "localhost").await;
    assert!(
        matches!(
            err,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
        ),
        "unknown CA: {err:?}"
    );

    // The same names verify fine by IP and with the right trust anchors.
    let soon = nginx_serving(&certs, |c| &c.expiring_soon);
    let config = tls_client::client_config(&certs.ca, ALPN_BOTH, None);
    tls_client::connect(soon.addr(), "127.0.0.1", config)
        .await
        .expect("expiring-soon cert is still valid (by IP SAN)");
    let config = tls_client::client_config(&certs.unknown_ca_root, ALPN_BOTH, None);
    tls_client::connect(unknown.addr(), "localhost", config)
        .await
        .expect("unknown-CA cert verifies against its own root");
}

#[tokio::test]
async fn nginx_mtls_front_requires_the_client_certificate() {
    let certs = TestCerts::generate();
    let rotel = Rotel::start();
    let nginx = Nginx::start(&tls_front(
        free_port(),
        &certs.good.cert,
        &certs.good.key,
        rotel.http_addr(),
        Upstream::Http,
        false,
        Some(&certs.client_ca),
    ));
    let post = |tls| {
        http1_request(
            tls,
            "POST",
            "localhost",
            "/v1/traces",
            &[("Content-Type", "application/x-protobuf")],
            b"",
        )
    };

    // No client certificate: nginx completes the handshake, then answers 400.
    let config = tls_client::client_config(&certs.ca, &[b"http/1.1"], None);
    let tls = tls_client::connect(nginx.addr(), "localhost", config)
        .await
        .expect("handshake without client cert");
    let resp = post(tls).await.expect("request without client cert");
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.raw));

    // A client certificate from the wrong CA: nginx also completes the
    // handshake and answers 400 ("The SSL certificate error").
    let config =
        tls_client::client_config(&certs.ca, &[b"http/1.1"], Some(&certs.client_untrusted));
    let tls = tls_client::connect(nginx.addr(), "localhost", config)
        .await
        .expect("handshake with untrusted client cert");
    let resp = post(tls).await.expect("request with untrusted client cert");
    assert_eq!(resp.status, 400, "{}", String::from_utf8_lossy(&resp.raw));

    // The right client certificate reaches rotel.
    let config = tls_client::client_config(&certs.ca, &[b"http/1.1"], Some(&certs.client));
    let tls = tls_client::connect(nginx.addr(), "localhost", config)
        .await
        .expect("handshake with client cert");
    let resp = post(tls).await.expect("request with client cert");
    assert_eq!(
        resp.status,
        200,
        "{}\n{}",
        String::from_utf8_lossy(&resp.raw),
        nginx.log_tail(20)
    );
}

#[tokio::test]
async fn nginx_plain_and_error_fronts_answer_as_configured() {
    let rotel = Rotel::start();
    let (p_http, p_grpc, p_503, p_auth, p_429, p_413) = (
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
    );
    let blocks = [
        http_front(p_http, rotel.http_addr(), Upstream::Http),
        http_front(p_grpc, rotel.grpc_addr(), Upstream::Grpc),
        status_front(p_503, 503),
        Front::new(p_auth)
            .bearer_token("s3cret")
            .pass(rotel.http_addr(), Upstream::Http)
            .render(),
        Front::new(p_429)
            .status(429)
            .header("Retry-After", "7")
            .render(),
        Front::new(p_413)
            .max_body_size("1k")
            .pass(rotel.http_addr(), Upstream::Http)
            .render(),
    ]
    .concat();
    let nginx = Nginx::start(&blocks);
    assert_eq!(
        nginx.ports(),
        &[p_http, p_grpc, p_503, p_auth, p_429, p_413]
    );
    let at = crate::support::ports::loopback;
    let ctype = ("Content-Type", "application/x-protobuf");

    let r = post_empty(at(p_http), "/v1/traces").await;
    assert_eq!(
        r.status,
        200,
        "plain proxy: {}\n{}",
        String::from_utf8_lossy(&r.raw),
        nginx.log_tail(20)
    );

    let g = grpc_unary(
        tcp(at(p_grpc)).await,
        &at(p_grpc).to_string(),
        OTLP_TRACES_GRPC_PATH,
        b"",
    )
    .await
    .unwrap_or_else(|e| panic!("h2c gRPC through nginx: {e}\n{}", nginx.log_tail(20)));
    assert_eq!(g.grpc_status.as_deref(), Some("0"), "{g:?}");

    assert_eq!(post_empty(at(p_503), "/v1/traces").await.status, 503);

    assert_eq!(post_empty(at(p_auth), "/v1/traces").await.status, 401);
    let ok = http1_request(
        tcp(at(p_auth)).await,
        "POST",
        "localhost",
        "/v1/traces",
        &[ctype, ("Authorization", "Bearer s3cret")],
        b"",
    )
    .await
    .expect("POST with bearer token");
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.raw));

    let r = post_empty(at(p_429), "/v1/traces").await;
    assert_eq!(r.status, 429);
    assert_eq!(
        r.header("retry-after"),
        Some("7"),
        "{}",
        String::from_utf8_lossy(&r.raw)
    );

    let big = vec![0u8; 4096];
    let r = http1_request(
        tcp(at(p_413)).await,
        "POST",
        "localhost",
        "/v1/traces",
        &[ctype],
        &big,
    )
    .await
    .expect("POST 4 KiB to a 1 KiB limit");
    assert_eq!(r.status, 413, "{}", String::from_utf8_lossy(&r.raw));
}

// ------------------------------------------------------------------ raw servers

#[test]
fn silent_server_accepts_and_says_nothing() {
    let server = SilentServer::start();
    let mut stream = TcpStream::connect_timeout(&server.addr(), Duration::from_secs(2))
        .expect("connect to silent server");
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("set read timeout");
    std::io::Write::write_all(&mut stream, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write to silent server");
    let mut buf = [0u8; 64];
    let started = Instant::now();
    match stream.read(&mut buf) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!("silent server answered or closed: {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(server.connections(), 1);
    let deadline = Instant::now() + Duration::from_secs(2);
    while server.received().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(server.received().starts_with(b"GET / HTTP/1.1"));
}

#[test]
fn garbage_server_sends_its_banner() {
    let server = GarbageServer::start();
    let mut stream = TcpStream::connect_timeout(&server.addr(), Duration::from_secs(2))
        .expect("connect to garbage server");
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("set read timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.len() < GarbageServer::SSH_BANNER.len() {
        let n = stream
            .read(&mut buf)
            .expect("read banner from garbage server");
        assert!(n > 0, "garbage server closed early after {got:?}");
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, GarbageServer::SSH_BANNER);
}

#[test]
fn garbage_server_can_reply_after_the_client_speaks() {
    let server = GarbageServer::reply_after_read(b"\x00\x01garbage");
    let mut stream =
        TcpStream::connect_timeout(&server.addr(), Duration::from_secs(2)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("set read timeout");
    let mut buf = [0u8; 64];
    assert!(
        stream.read(&mut buf).is_err(),
        "nothing before the client speaks"
    );
    std::io::Write::write_all(&mut stream, b"hello").expect("write");
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("set read timeout");
    let n = stream.read(&mut buf).expect("read reply");
    assert_eq!(&buf[..n], b"\x00\x01garbage");
}

#[test]
fn closing_server_hangs_up() {
    let server = ClosingServer::start();
    let mut stream =
        TcpStream::connect_timeout(&server.addr(), Duration::from_secs(2)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("set read timeout");
    let mut buf = [0u8; 16];
    match stream.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("expected EOF or reset, got {other:?}"),
    }
}

#[test]
fn closed_port_refuses() {
    let addr = closed_port();
    let err = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .expect_err("nothing listens on closed_port()");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
}
