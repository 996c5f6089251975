//! A quick test of whether a port answers a ClientHello with TLS at all, for the protocol layer:
//! it tells a TLS port from a server that just hangs up on a plaintext request.

use super::handshake::{Mode, Setup};
use crate::checks::wire::{self, Reply};
use crate::transport::dialer::{ALPN_H2, ALPN_HTTP1};
use crate::transport::tls::{provider, server_name};
use rustls_pki_types::UnixTime;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Whether the server at `address` answers a ClientHello with TLS (a handshake record or an
/// alert), within `timeout`. No certificate is verified; nothing is kept.
pub async fn speaks_tls(address: SocketAddr, host: &str, timeout: Duration) -> bool {
    let setup = Setup {
        addr: address,
        server_name: server_name(host),
        provider: Arc::new(provider()),
        verifier: None,
        identity: None,
        alpn: vec![ALPN_H2.to_vec(), ALPN_HTTP1.to_vec()],
        now: UnixTime::now(),
        timeout,
    };
    let attempt = setup.attempt(Mode::Diagnostic).await;
    attempt.result.is_ok() || wire::classify(&attempt.observed.first_bytes) == Reply::Tls
}
