//! `check`: healthy over every protocol against `serve`, and the broken cases a user meets
//! first (refused port, wrong protocol on a port, a TLS certificate from an unknown CA and a 401,
//! both from nginx fronts).

use crate::serve::Serve;
use crate::support::snapshot::snapshot_formats;
use crate::support::{Front, Nginx, TestCerts, Upstream, closed_port, free_port, tls_front};

#[test]
fn healthy_over_grpc() {
    let serve = Serve::start(&[]);
    let grpc = [
        "check",
        &serve.grpc,
        "--protocol",
        "grpc",
        "--signals",
        "traces,metrics,logs",
    ];
    snapshot_formats("check_healthy_grpc", &grpc, &["human", "json"]);
}

#[test]
fn healthy_over_http_protobuf() {
    let serve = Serve::start(&[]);
    let http = ["check", &serve.http, "--protocol", "http/protobuf"];
    snapshot_formats(
        "check_healthy_http_protobuf",
        &http,
        &["human", "json", "markdown"],
    );
}

#[test]
fn healthy_over_http_json() {
    let serve = Serve::start(&[]);
    let json = ["check", &serve.http, "--protocol", "http/json"];
    snapshot_formats("check_healthy_http_json", &json, &["human", "json"]);
}

#[test]
fn refused_port() {
    let url = format!("http://{}", closed_port());
    snapshot_formats(
        "check_refused",
        &["check", &url],
        &["human", "json", "markdown"],
    );
}

#[test]
fn grpc_to_the_http_port() {
    let serve = Serve::start(&[]);
    let wrong = ["check", &serve.http, "--protocol", "grpc"];
    snapshot_formats("check_grpc_to_http_port", &wrong, &["human", "json"]);
}

#[test]
fn tls_certificate_from_an_unknown_ca() {
    let serve = Serve::start(&[]);
    let certs = TestCerts::generate();
    let port = free_port();
    let upstream = serve
        .http
        .trim_start_matches("http://")
        .parse()
        .expect("serve's HTTP address");
    let _nginx = Nginx::start(&tls_front(
        port,
        &certs.unknown_ca.cert,
        &certs.unknown_ca.key,
        upstream,
        Upstream::Http,
        false,
        None,
    ));
    let url = format!("https://127.0.0.1:{port}");
    let ca = certs.ca.to_string_lossy().into_owned();
    let unknown = ["check", &url, "--ca-cert", &ca];
    snapshot_formats("check_tls_unknown_ca", &unknown, &["human", "json"]);
}

#[test]
fn unauthenticated_behind_nginx() {
    let serve = Serve::start(&[]);
    let port = free_port();
    let upstream = serve
        .http
        .trim_start_matches("http://")
        .parse()
        .expect("serve's HTTP address");
    let _nginx = Nginx::start(
        &Front::new(port)
            .bearer_token("s3cret-token-0123456789")
            .pass(upstream, Upstream::Http)
            .render(),
    );
    let url = format!("http://127.0.0.1:{port}");
    let denied = [
        "check",
        &url,
        "--header",
        "authorization=Bearer wrong-token-abcdefghij",
    ];
    snapshot_formats("check_unauthenticated", &denied, &["human", "json"]);
}
