//! Loopback ports: picking a free one and waiting until one accepts.
//!
//! A port picked here is remembered for the life of the test process so two
//! tests running in parallel are never handed the same number.

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// The only address the tests ever use.
pub const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;

fn handed_out() -> &'static Mutex<HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS.get_or_init(|| Mutex::new(HashSet::new()))
}

/// A port on 127.0.0.1 where nothing listens right now (bind :0, read, drop).
///
/// Never returns the same port twice within one test process.
pub fn free_port() -> u16 {
    for _ in 0..64 {
        let listener =
            TcpListener::bind((LOOPBACK, 0)).expect("bind 127.0.0.1:0 to pick a free port");
        let port = listener
            .local_addr()
            .expect("local_addr of a bound listener")
            .port();
        drop(listener);
        let mut seen = handed_out().lock().unwrap_or_else(|e| e.into_inner());
        if seen.insert(port) {
            return port;
        }
    }
    panic!("could not find a free loopback port in 64 tries");
}

/// `127.0.0.1:<free_port()>`.
pub fn free_addr() -> SocketAddr {
    SocketAddr::from((LOOPBACK, free_port()))
}

/// `127.0.0.1:<port>`.
pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((LOOPBACK, port))
}

/// True when a TCP connect to `addr` succeeds within 200 ms.
pub fn port_accepts(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// Polls `addr` with TCP connects until one succeeds or `timeout` passes.
/// Returns whether the port accepted.
pub fn wait_for_port(addr: SocketAddr, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if port_accepts(addr) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(25));
    }
}
