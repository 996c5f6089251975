//! Shared support for the `it` integration-test binary.
//!
//! Every peer here is real and listens on 127.0.0.1 only: `rotel-agent` (an
//! OTLP collector), `nginx` (TLS / mTLS / auth / error fronts), Jaeger and
//! Zipkin (built by `scripts/peers/*.sh`, see docs/peers.md) and small raw
//! TCP servers. A peer whose program is missing makes the test FAIL with a
//! message naming the install step (`bash scripts/test-deps.sh`); nothing is
//! ever skipped. Every wait has a deadline of a few seconds.
#![allow(dead_code, unused_imports)]

pub mod browser;
pub mod built_peers;
pub mod certs;
pub mod cli;
pub mod collector_peer;
pub mod collector_process;
pub mod dnsmasq;
pub mod http_client;
pub mod jaeger;
pub mod live_process;
pub mod nginx;
pub mod otlp_servers;
pub mod ports;
pub mod process;
pub mod proxy;
pub mod raw_servers;
pub mod rotel;
pub mod schema;
pub mod sdk_clients;
pub mod snapshot;
pub mod tinyproxy;
pub mod tls_client;
pub mod tools;
pub mod zipkin;

pub use certs::{CertPair, TestCerts};
pub use cli::otlp_doctor;
pub use jaeger::Jaeger;
pub use nginx::{Front, Nginx, Upstream, http_front, status_front, tls_front};
pub use otlp_servers::{
    EndlessGrpc, GrpcStatusServer, HtmlApp, PartialSuccessGrpc, PartialSuccessHttp, ProtobufOnly,
};
pub use ports::{free_addr, free_port, wait_for_port};
pub use raw_servers::{ClosingServer, DripServer, GarbageServer, SilentServer, closed_port};
pub use rotel::{Rotel, RotelBuilder, Signal};
pub use zipkin::{Zipkin, ZipkinRelay};

/// The install step named in every "peer missing" failure.
pub const INSTALL_HINT: &str = "run `bash scripts/test-deps.sh`";
