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

/// A port on 127.0.0.1 where nothing listens right now (bind, read, drop).
///
/// Never returns the same port twice within one test process, and never a port from the
/// kernel's ephemeral range: the peers and our own servers that bind port 0, and every
/// outgoing connection, take their ports from that range, so a port picked below it cannot be
/// taken by another process between the pick and the peer's own bind (nginx once came up on a
/// port that a plaintext server had just been given, and a TLS check saw plaintext).
pub fn free_port() -> u16 {
    let (low, high) = picking_range();
    let span = u32::from(high - low);
    for _ in 0..256 {
        let port = low + (rand::random::<u32>() % span) as u16;
        let mut seen = handed_out().lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(&port) || TcpListener::bind((LOOPBACK, port)).is_err() {
            continue;
        }
        seen.insert(port);
        return port;
    }
    panic!("could not find a free loopback port in {low}..{high} in 256 tries");
}

/// The ports below the kernel's ephemeral range (net.ipv4.ip_local_port_range), down to 10000.
fn picking_range() -> (u16, u16) {
    const LOWEST: u16 = 10_000;
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32_768);
    assert!(
        ephemeral_low > LOWEST + 1_000,
        "net.ipv4.ip_local_port_range starts at {ephemeral_low}: the tests pick ports in \
         {LOWEST}..that start and need at least 1000 of them (sysctl -w \
         net.ipv4.ip_local_port_range='32768 60999')"
    );
    (LOWEST, ephemeral_low)
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
