//! `check`: healthy over every protocol against `serve`, and the broken cases a user meets
//! first (refused port, wrong protocol on a port, a TLS certificate from an unknown CA and a 401,
//! both from nginx fronts).

use crate::serve::Serve;
use crate::support::snapshot::snapshot;
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
    snapshot("check_healthy_grpc_human", &grpc);
    snapshot(
        "check_healthy_grpc_json",
        &[&grpc[..], &["--format", "json"]].concat(),
    );
}

#[test]
fn healthy_over_http_protobuf() {
    let serve = Serve::start(&[]);
    let http = ["check", &serve.http, "--protocol", "http/protobuf"];
    snapshot("check_healthy_http_protobuf_human", &http);
    snapshot(
        "check_healthy_http_protobuf_json",
        &[&http[..], &["--format", "json"]].concat(),
    );
    snapshot(
        "check_healthy_http_protobuf_markdown",
        &[&http[..], &["--format", "markdown"]].concat(),
    );
}

#[test]
fn healthy_over_http_json() {
    let serve = Serve::start(&[]);
    let json = ["check", &serve.http, "--protocol", "http/json"];
    snapshot("check_healthy_http_json_human", &json);
    snapshot(
        "check_healthy_http_json_json",
        &[&json[..], &["--format", "json"]].concat(),
    );
}

#[test]
fn refused_port() {
    let url = format!("http://{}", closed_port());
    snapshot("check_refused_human", &["check", &url]);
    snapshot("check_refused_json", &["check", &url, "--format", "json"]);
    snapshot(
        "check_refused_markdown",
        &["check", &url, "--format", "markdown"],
    );
}

#[test]
fn grpc_to_the_http_port() {
    let serve = Serve::start(&[]);
    let wrong = ["check", &serve.http, "--protocol", "grpc"];
    snapshot("check_grpc_to_http_port_human", &wrong);
    snapshot(
        "check_grpc_to_http_port_json",
        &[&wrong[..], &["--format", "json"]].concat(),
    );
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
    snapshot("check_tls_unknown_ca_human", &unknown);
    snapshot(
        "check_tls_unknown_ca_json",
        &[&unknown[..], &["--format", "json"]].concat(),
    );
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
    snapshot("check_unauthenticated_human", &denied);
    snapshot(
        "check_unauthenticated_json",
        &[&denied[..], &["--format", "json"]].concat(),
    );
}
