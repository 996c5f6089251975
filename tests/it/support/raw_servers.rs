//! Small raw TCP peers on 127.0.0.1 (std threads, no tokio) that stop on Drop:
//! a server that never answers, one that speaks something other than HTTP,
//! one that hangs up at once, and a port where nothing listens.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::ports::{LOOPBACK, free_addr};

/// What a raw server does with each accepted connection.
#[derive(Clone, Debug)]
enum Behaviour {
    /// Read and discard, never write, keep the socket open.
    Silent,
    /// Write these bytes right after accept, then read and discard.
    GreetOnAccept(Vec<u8>),
    /// Write these bytes after the first bytes arrive, then read and discard.
    ReplyAfterRead(Vec<u8>),
    /// Close the connection right away.
    Close,
    /// After the first bytes arrive, write `prefix`, then `repeat` again and again until the
    /// client stops reading or the server is dropped.
    Drip { prefix: Vec<u8>, repeat: Vec<u8> },
}

/// Pause between two writes of a dripping server: about 1 MiB/s with a 1 KiB `repeat`, enough to
/// pass any size limit within a second without spinning a core.
const DRIP_PAUSE: Duration = Duration::from_millis(1);

const POLL: Duration = Duration::from_millis(20);

struct Shared {
    stop: AtomicBool,
    connections: AtomicUsize,
    received: Mutex<Vec<u8>>,
}

/// The accept loop and per-connection threads shared by every raw server.
struct RawServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl RawServer {
    fn start(behaviour: Behaviour) -> RawServer {
        let listener =
            TcpListener::bind((LOOPBACK, 0)).expect("bind a raw test server on 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("set raw test listener non-blocking");
        let addr = listener
            .local_addr()
            .expect("local_addr of raw test listener");
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            received: Mutex::new(Vec::new()),
        });
        let s = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name(format!("raw-server-{}", addr.port()))
            .spawn(move || accept_loop(listener, behaviour, s))
            .expect("spawn raw test server thread");
        RawServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    fn received(&self) -> Vec<u8> {
        self.shared
            .received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = self.acceptor.take() {
            let _ = handle.join();
        }
    }
}

fn accept_loop(listener: TcpListener, behaviour: Behaviour, shared: Arc<Shared>) {
    let mut workers = Vec::new();
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let b = behaviour.clone();
                let s = Arc::clone(&shared);
                workers.push(thread::spawn(move || serve(stream, b, s)));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {
                thread::sleep(POLL)
            }
            Err(_) => thread::sleep(POLL),
        }
    }
    drop(listener);
    for w in workers {
        let _ = w.join();
    }
}

fn serve(mut stream: TcpStream, behaviour: Behaviour, shared: Arc<Shared>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(POLL));
    let mut reply_pending = match behaviour {
        Behaviour::Close => {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        Behaviour::GreetOnAccept(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
            None
        }
        Behaviour::ReplyAfterRead(bytes) => Some(bytes),
        Behaviour::Silent => None,
        Behaviour::Drip { prefix, repeat } => {
            drip(stream, &prefix, &repeat, &shared);
            return;
        }
    };
    let mut buf = [0u8; 4096];
    // Keep the socket open (reading) until the server is dropped.
    while !shared.stop.load(Ordering::SeqCst) {
        match stream.read(&mut buf) {
            Ok(0) => {
                // Peer closed its side; hold ours open until stop anyway.
                thread::sleep(POLL);
            }
            Ok(n) => {
                shared
                    .received
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend_from_slice(&buf[..n]);
                if let Some(bytes) = reply_pending.take() {
                    let _ = stream.write_all(&bytes);
                    let _ = stream.flush();
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(_) => thread::sleep(POLL),
        }
    }
}

fn drip(mut stream: TcpStream, prefix: &[u8], repeat: &[u8], shared: &Shared) {
    let mut buf = [0u8; 4096];
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        match stream.read(&mut buf) {
            Ok(n) if n > 0 => break,
            Ok(_) => return,
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(_) => return,
        }
    }
    if stream.write_all(prefix).is_err() {
        return;
    }
    while !shared.stop.load(Ordering::SeqCst) && stream.write_all(repeat).is_ok() {
        thread::sleep(DRIP_PAUSE);
    }
}

/// Answers the first request with `prefix` and then `repeat` forever: headers that never end, a
/// body that never ends.
pub struct DripServer(RawServer);

impl DripServer {
    pub fn start(prefix: &[u8], repeat: &[u8]) -> DripServer {
        DripServer(RawServer::start(Behaviour::Drip {
            prefix: prefix.to_vec(),
            repeat: repeat.to_vec(),
        }))
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.0.addr
    }
}

/// Accepts connections, reads what arrives, never answers, keeps sockets open.
/// A client waiting for a TLS ServerHello or an HTTP response times out here.
pub struct SilentServer(RawServer);

impl SilentServer {
    pub fn start() -> SilentServer {
        SilentServer(RawServer::start(Behaviour::Silent))
    }
    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.0.addr
    }
    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.0.shared.connections.load(Ordering::SeqCst)
    }
    /// All bytes received so far, over all connections.
    pub fn received(&self) -> Vec<u8> {
        self.0.received()
    }
}

/// Speaks something that is not HTTP or TLS: sends its bytes on accept (by
/// default an SSH banner) or after the client's first bytes, then reads.
pub struct GarbageServer {
    inner: RawServer,
    bytes: Vec<u8>,
}

impl GarbageServer {
    /// The banner [`GarbageServer::start`] sends.
    pub const SSH_BANNER: &'static [u8] = b"SSH-2.0-OpenSSH_9.6\r\n";

    /// Sends [`GarbageServer::SSH_BANNER`] on accept.
    pub fn start() -> GarbageServer {
        GarbageServer::greeting(Self::SSH_BANNER)
    }
    /// Sends `bytes` as soon as a connection is accepted.
    pub fn greeting(bytes: &[u8]) -> GarbageServer {
        GarbageServer {
            inner: RawServer::start(Behaviour::GreetOnAccept(bytes.to_vec())),
            bytes: bytes.to_vec(),
        }
    }
    /// Sends `bytes` once the client has sent something (e.g. after a TLS
    /// ClientHello or an HTTP request line).
    pub fn reply_after_read(bytes: &[u8]) -> GarbageServer {
        GarbageServer {
            inner: RawServer::start(Behaviour::ReplyAfterRead(bytes.to_vec())),
            bytes: bytes.to_vec(),
        }
    }
    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }
    /// The bytes this server sends.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.inner.shared.connections.load(Ordering::SeqCst)
    }
    /// All bytes received so far.
    pub fn received(&self) -> Vec<u8> {
        self.inner.received()
    }
}

/// Accepts and immediately closes every connection (the client sees EOF or a reset).
pub struct ClosingServer(RawServer);

impl ClosingServer {
    pub fn start() -> ClosingServer {
        ClosingServer(RawServer::start(Behaviour::Close))
    }
    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.0.addr
    }
    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.0.shared.connections.load(Ordering::SeqCst)
    }
}

/// `127.0.0.1:<port>` where nothing listens: a connect is refused.
pub fn closed_port() -> SocketAddr {
    free_addr()
}

/// Addresses where a connection attempt gets no answer at all, like a pod that is gone or a
/// firewall that drops: each is a listener with an accept queue of one, filled by a connection
/// of our own and never accepted, so Linux drops every further SYN (the client retransmits
/// until its timeout).
pub struct BlackHoles {
    _listeners: Vec<socket2::Socket>,
    _fillers: Vec<std::net::TcpStream>,
}

impl BlackHoles {
    /// `port` on each address of `ips` (loopback addresses only).
    pub fn at(ips: &[std::net::IpAddr], port: u16) -> BlackHoles {
        use socket2::{Domain, Socket, Type};
        let mut listeners = Vec::new();
        let mut fillers = Vec::new();
        for ip in ips {
            assert!(ip.is_loopback(), "black holes on loopback only, not {ip}");
            let address = SocketAddr::new(*ip, port);
            let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)
                .expect("a socket for a black hole");
            socket
                .bind(&address.into())
                .unwrap_or_else(|e| panic!("bind a black hole at {address}: {e}"));
            socket
                .listen(0)
                .expect("listen with an accept queue of one");
            fillers.push(
                std::net::TcpStream::connect_timeout(&address, Duration::from_secs(2))
                    .unwrap_or_else(|e| panic!("fill the accept queue of {address}: {e}")),
            );
            listeners.push(socket);
        }
        BlackHoles {
            _listeners: listeners,
            _fillers: fillers,
        }
    }
}
