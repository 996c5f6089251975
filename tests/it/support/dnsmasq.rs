//! A name with many addresses, served by a real DNS server: dnsmasq (Debian package
//! `dnsmasq-base`) on a loopback address of its own (127.53.x.y, port 53), answering from a
//! hosts file. [`Resolver::command`] runs a program whose system resolver asks that server:
//! `unshare --mount` gives the program a private mount namespace in which /etc/resolv.conf and
//! /etc/nsswitch.conf (`hosts: files dns`) are bind-mounted over, so getaddrinfo goes to the
//! test's server as it would to a cluster's DNS. Nothing outside the namespace changes.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use tempfile::TempDir;

use super::INSTALL_HINT;
use super::process::{PeerProcess, STARTUP_TIMEOUT};

const DNS_PORT: u16 = 53;

/// `count` loopback addresses `127.<block>.0.1` and up: each test takes its own block, so tests
/// running at once never share an address.
pub fn loopback_block(block: u8, count: u8) -> Vec<IpAddr> {
    (1..=count)
        .map(|last| IpAddr::V4(Ipv4Addr::new(127, block, 0, last)))
        .collect()
}

/// A loopback address for one DNS server, unlikely to be taken by an earlier run's leftover.
fn server_address() -> Ipv4Addr {
    Ipv4Addr::new(127, 53, rand::random::<u8>(), rand::random::<u8>().max(1))
}

/// A running dnsmasq that answers `name` with every address given, and nothing else.
pub struct Dnsmasq {
    _process: PeerProcess,
    server: Ipv4Addr,
    _dir: TempDir,
}

impl Dnsmasq {
    pub fn answering(name: &str, addresses: &[IpAddr]) -> Dnsmasq {
        let bin = program();
        let dir = tempfile::Builder::new()
            .prefix("otlp-doctor-dnsmasq-")
            .tempdir()
            .expect("create a temp dir for dnsmasq");
        let hosts = dir.path().join("hosts");
        let lines: String = addresses
            .iter()
            .map(|ip| format!("{ip} {name}\n"))
            .collect();
        std::fs::write(&hosts, lines).expect("write dnsmasq's hosts file");
        let server = server_address();
        let mut command = Command::new(&bin);
        command
            .arg("--keep-in-foreground")
            .arg("--conf-file=/dev/null")
            .arg("--no-resolv")
            .arg("--no-hosts")
            .arg(format!("--addn-hosts={}", hosts.display()))
            .arg(format!("--listen-address={server}"))
            .arg("--bind-interfaces")
            .arg(format!("--port={DNS_PORT}"))
            .arg("--user=root")
            .arg(format!(
                "--pid-file={}",
                dir.path().join("dnsmasq.pid").display()
            ))
            .arg("--log-queries")
            .arg(format!(
                "--log-facility={}",
                dir.path().join("dnsmasq.log").display()
            ));
        let mut process = PeerProcess::spawn("dnsmasq", command, &dir.path().join("output.log"));
        process.add_log(&dir.path().join("dnsmasq.log"));
        // dnsmasq answers over TCP too (a 50-address answer does not fit 512 bytes of UDP).
        let ready = process.wait_ready(&[SocketAddr::from((server, DNS_PORT))], STARTUP_TIMEOUT);
        if let Err(e) = ready {
            panic!("dnsmasq failed to start: {e}");
        }
        Dnsmasq {
            _process: process,
            server,
            _dir: dir,
        }
    }

    pub fn resolver(&self) -> Resolver {
        Resolver::pointing_at(self.server)
    }
}

/// A "DNS server" that reads every query and never answers.
pub struct SilentDns {
    server: Ipv4Addr,
    stop: Arc<AtomicBool>,
}

impl SilentDns {
    pub fn start() -> SilentDns {
        let server = server_address();
        let socket = UdpSocket::bind((server, DNS_PORT)).unwrap_or_else(|e| {
            panic!("bind {server}:{DNS_PORT}/udp for a silent DNS server: {e}")
        });
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("read timeout");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        thread::spawn(move || {
            let mut buffer = [0u8; 1500];
            while !stopping.load(Ordering::Relaxed) {
                let _ = socket.recv_from(&mut buffer);
            }
        });
        SilentDns { server, stop }
    }

    pub fn resolver(&self) -> Resolver {
        Resolver::pointing_at(self.server)
    }
}

impl Drop for SilentDns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The resolver configuration a program is run with.
pub struct Resolver {
    dir: TempDir,
}

impl Resolver {
    fn pointing_at(server: Ipv4Addr) -> Resolver {
        let dir = tempfile::Builder::new()
            .prefix("otlp-doctor-resolver-")
            .tempdir()
            .expect("create a temp dir for resolv.conf");
        std::fs::write(
            dir.path().join("resolv.conf"),
            format!("nameserver {server}\n"),
        )
        .expect("write resolv.conf");
        std::fs::write(dir.path().join("nsswitch.conf"), "hosts: files dns\n")
            .expect("write nsswitch.conf");
        Resolver { dir }
    }

    /// `program` (arguments to be added) run in a mount namespace where this is the resolver.
    pub fn command(&self, program: &Path) -> Command {
        let unshare = unshare();
        let mut command = Command::new(unshare);
        command
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(
                "mount --bind \"$1\" /etc/resolv.conf && mount --bind \"$2\" /etc/nsswitch.conf \
                 && shift 2 && exec \"$@\"",
            )
            .arg("sh")
            .arg(self.dir.path().join("resolv.conf"))
            .arg(self.dir.path().join("nsswitch.conf"))
            .arg(program);
        command
    }
}

fn program() -> PathBuf {
    find(&["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"], "dnsmasq").unwrap_or_else(|| {
        panic!("dnsmasq not found: {INSTALL_HINT} (Debian package dnsmasq-base)")
    })
}

fn unshare() -> PathBuf {
    find(&["/usr/bin/unshare", "/bin/unshare"], "unshare")
        .unwrap_or_else(|| panic!("unshare not found: {INSTALL_HINT} (Debian package util-linux)"))
}

fn find(candidates: &[&str], name: &str) -> Option<PathBuf> {
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(name))
                    .find(|path| path.is_file())
            })
        })
}
