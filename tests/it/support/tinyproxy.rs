//! tinyproxy (Debian package `tinyproxy`): a real HTTP proxy on 127.0.0.1 for the proxy
//! setups, in the foreground, killed on Drop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

use tempfile::TempDir;

use super::INSTALL_HINT;
use super::ports::free_addr;
use super::process::{PeerProcess, STARTUP_TIMEOUT};

/// A running tinyproxy.
pub struct Tinyproxy {
    process: PeerProcess,
    addr: SocketAddr,
    _dir: TempDir,
}

impl Tinyproxy {
    /// Tunnels (CONNECT) to any port and forwards plain requests.
    pub fn open() -> Tinyproxy {
        Tinyproxy::start(&[], None)
    }

    /// CONNECT only to these ports (tinyproxy's packaged configuration allows 443 and 563):
    /// a tunnel to any other port is answered `403 Access violation`.
    pub fn connect_only_to(ports: &[u16]) -> Tinyproxy {
        Tinyproxy::start(ports, None)
    }

    /// Answers `407 Proxy Authentication Required` unless the request carries these Basic
    /// credentials (`BasicAuth`).
    pub fn with_credentials(user: &str, password: &str) -> Tinyproxy {
        Tinyproxy::start(&[], Some((user, password)))
    }

    fn start(connect_ports: &[u16], credentials: Option<(&str, &str)>) -> Tinyproxy {
        let bin = program();
        let dir = tempfile::Builder::new()
            .prefix("otlp-doctor-tinyproxy-")
            .tempdir()
            .expect("create a temp dir for tinyproxy");
        let addr = free_addr();
        let mut config = format!(
            "Port {}\nListen 127.0.0.1\nTimeout 10\nMaxClients 64\nLogLevel Info\nPidFile \"{}\"\nAllow 127.0.0.1\nDisableViaHeader Yes\n",
            addr.port(),
            dir.path().join("tinyproxy.pid").display()
        );
        for port in connect_ports {
            config.push_str(&format!("ConnectPort {port}\n"));
        }
        if let Some((user, password)) = credentials {
            config.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        let conf = dir.path().join("tinyproxy.conf");
        std::fs::write(&conf, &config).expect("write tinyproxy.conf");
        let mut command = Command::new(&bin);
        command.arg("-d").arg("-c").arg(&conf);
        let mut process =
            PeerProcess::spawn("tinyproxy", command, &dir.path().join("tinyproxy.log"));
        if let Err(e) = process.wait_ready(&[addr], STARTUP_TIMEOUT) {
            panic!("tinyproxy did not start: {e}\nconfig:\n{config}");
        }
        Tinyproxy {
            process,
            addr,
            _dir: dir,
        }
    }

    /// `http://127.0.0.1:<port>`, as a proxy variable is written.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://user:password@127.0.0.1:<port>`.
    pub fn url_with(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@{}", self.addr)
    }

    pub fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }
}

fn program() -> PathBuf {
    if let Some(path) = std::env::var_os("OTLP_DOCTOR_TINYPROXY").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    for dir in ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"] {
        let candidate = PathBuf::from(dir).join("tinyproxy");
        if candidate.exists() {
            return candidate;
        }
    }
    panic!("tinyproxy not found: {INSTALL_HINT} (apt package tinyproxy)")
}
