//! Every listening socket the tool opens (serve, proxy, probe-server, the web view): bound like
//! tokio's `TcpListener::bind`, but with a deep accept queue. tokio (through mio 1.2) listens
//! with a backlog of 128, as std does; when a fleet of 500 Prometheus probes or an SDK's burst of
//! connections arrives at once, the kernel drops the SYNs beyond it and each client waits for
//! its one-second SYN retransmit (seen as `TcpExtListenOverflows` and probes and `/metrics`
//! scrapes taking 1 s longer in steps, docs/performance.md).

use std::io;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpSocket};

/// Connections the kernel may hold before they are accepted; Linux caps it at
/// `net.core.somaxconn` (4096 by default since 5.4).
pub const ACCEPT_BACKLOG: u32 = 4096;

/// Binds `addr` (port 0 picks a free port) with [`ACCEPT_BACKLOG`].
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // As tokio's bind does: a restarted server can take its port back while old connections
    // are in TIME_WAIT.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(ACCEPT_BACKLOG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_listener_accepts_on_the_port_it_was_given() {
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (client, accepted) =
            tokio::join!(tokio::net::TcpStream::connect(addr), listener.accept());
        assert!(client.is_ok() && accepted.is_ok());
    }

    #[tokio::test]
    async fn a_port_in_use_is_an_error_not_a_second_listener() {
        let first = bind(SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind");
        let taken = first.local_addr().expect("local addr");
        assert_eq!(
            bind(taken).expect_err("the port is taken").kind(),
            io::ErrorKind::AddrInUse
        );
    }

    #[tokio::test]
    async fn a_burst_beyond_the_old_backlog_is_queued_not_dropped() {
        // 600 connections before a single accept: with a backlog of 128, the kernel would drop
        // the SYNs beyond it and those connects would wait a second for the retransmit.
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let started = std::time::Instant::now();
        let connects: Vec<_> = (0..600)
            .map(|_| tokio::spawn(tokio::net::TcpStream::connect(addr)))
            .collect();
        let mut streams = Vec::new();
        for connect in connects {
            streams.push(connect.await.expect("task").expect("connect"));
        }
        assert!(
            started.elapsed() < std::time::Duration::from_millis(900),
            "600 connects took {:?}: SYNs were dropped",
            started.elapsed()
        );
        drop(listener);
    }
}
