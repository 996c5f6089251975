//! nginx as a front on 127.0.0.1: TLS, mTLS, HTTP/2, auth and error fronts
//! before rotel (grpc_pass / proxy_pass) or answering on its own.
//!
//! [`Nginx::start`] writes a complete nginx.conf into a temp dir (pid, logs,
//! temp paths all inside it; `daemon off; master_process off;`, so a single
//! process that dies with its guard) and waits for every `listen` port.
//! Server blocks come from [`Front`] or the shorthand functions below.
//!
//! HTTP/2 syntax depends on the installed version: before 1.25.1 it is a
//! `listen ... http2` parameter, from 1.25.1 on the `http2 on;` directive.
//! On plaintext ports before 1.25.1, `http2` means h2c prior knowledge only
//! (HTTP/1.1 is then refused), which is what plaintext gRPC needs.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::ports::loopback;
use super::process::{PeerProcess, STARTUP_TIMEOUT};
use super::tools;

/// What kind of backend a front passes requests to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upstream {
    /// `grpc_pass grpc://127.0.0.1:P` (h2c to e.g. rotel's gRPC port).
    Grpc,
    /// `proxy_pass http://127.0.0.1:P` (HTTP/1.1 to e.g. rotel's HTTP port).
    Http,
}

/// True when this nginx has the `http2 on;` directive (>= 1.25.1).
pub fn has_http2_directive() -> bool {
    tools::nginx_version() >= (1, 25, 1)
}

/// One nginx `server { ... }` block, built up step by step.
///
/// ```ignore
/// Front::new(port).tls(&c.good.cert, &c.good.key).http2(true).pass(rotel.grpc_addr(), Upstream::Grpc)
/// Front::new(port).bearer_token("s3cret").pass(rotel.http_addr(), Upstream::Http)
/// Front::new(port).status(429).header("Retry-After", "7")
/// Front::new(port).max_body_size("1k").pass(rotel.http_addr(), Upstream::Http)
/// ```
#[derive(Clone, Debug)]
pub struct Front {
    port: u16,
    tls: Option<(PathBuf, PathBuf)>,
    client_ca: Option<PathBuf>,
    http2: bool,
    pass: Option<(SocketAddr, Upstream)>,
    status: Option<(u16, Option<String>)>,
    bearer: Option<String>,
    headers: Vec<(String, String)>,
    server_directives: Vec<String>,
    location_directives: Vec<String>,
}

impl Front {
    /// A plaintext HTTP/1.1 front on 127.0.0.1:`port` that answers 404 until told otherwise.
    pub fn new(port: u16) -> Front {
        Front {
            port,
            tls: None,
            client_ca: None,
            http2: false,
            pass: None,
            status: None,
            bearer: None,
            headers: Vec::new(),
            server_directives: Vec::new(),
            location_directives: Vec::new(),
        }
    }

    /// Serve TLS with this certificate chain and key (PEM paths).
    pub fn tls(mut self, cert: &Path, key: &Path) -> Front {
        self.tls = Some((cert.to_path_buf(), key.to_path_buf()));
        self
    }

    /// Require a client certificate signed by `ca` (mTLS). Needs [`Front::tls`].
    pub fn client_ca(mut self, ca: &Path) -> Front {
        self.client_ca = Some(ca.to_path_buf());
        self
    }

    /// Offer HTTP/2 (ALPN h2 with TLS; h2c prior knowledge without, see module doc).
    pub fn http2(mut self, on: bool) -> Front {
        self.http2 = on;
        self
    }

    /// Pass every request to a backend on 127.0.0.1.
    pub fn pass(mut self, upstream: SocketAddr, kind: Upstream) -> Front {
        self.pass = Some((upstream, kind));
        self
    }

    /// Answer every request with `code` (`return code;`), e.g. 503, 429, 403.
    pub fn status(mut self, code: u16) -> Front {
        self.status = Some((code, None));
        self
    }

    /// Answer every request with `code` and a body (`return code "body";`).
    pub fn status_with_body(mut self, code: u16, body: &str) -> Front {
        self.status = Some((code, Some(body.to_string())));
        self
    }

    /// Answer 401 unless `Authorization: Bearer <token>` is sent.
    pub fn bearer_token(mut self, token: &str) -> Front {
        self.bearer = Some(token.to_string());
        self
    }

    /// Add a response header to every answer, errors included (`add_header ... always`).
    pub fn header(mut self, name: &str, value: &str) -> Front {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Reject bodies larger than `size` with 413 (`client_max_body_size`, e.g. "1k").
    pub fn max_body_size(self, size: &str) -> Front {
        self.server_directive(&format!("client_max_body_size {size};"))
    }

    /// Any directive at `server` level (include the trailing `;`).
    pub fn server_directive(mut self, directive: &str) -> Front {
        self.server_directives.push(directive.to_string());
        self
    }

    /// Any directive inside `location /` (include the trailing `;`).
    pub fn location_directive(mut self, directive: &str) -> Front {
        self.location_directives.push(directive.to_string());
        self
    }

    /// The port this front listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `server { ... }` text.
    pub fn render(&self) -> String {
        let directive_h2 = has_http2_directive();
        let mut listen = format!("listen {}", loopback(self.port));
        if self.tls.is_some() {
            listen.push_str(" ssl");
        }
        if self.http2 && !directive_h2 {
            listen.push_str(" http2");
        }
        listen.push(';');

        let mut s = String::new();
        let _ = writeln!(s, "    server {{");
        let _ = writeln!(s, "        {listen}");
        let _ = writeln!(s, "        server_name localhost;");
        if self.http2 && directive_h2 {
            let _ = writeln!(s, "        http2 on;");
        }
        if let Some((cert, key)) = &self.tls {
            let _ = writeln!(s, "        ssl_certificate {};", quote(cert));
            let _ = writeln!(s, "        ssl_certificate_key {};", quote(key));
            let _ = writeln!(s, "        ssl_protocols TLSv1.2 TLSv1.3;");
        }
        if let Some(ca) = &self.client_ca {
            let _ = writeln!(s, "        ssl_verify_client on;");
            let _ = writeln!(s, "        ssl_client_certificate {};", quote(ca));
        }
        for d in &self.server_directives {
            let _ = writeln!(s, "        {d}");
        }
        let _ = writeln!(s, "        location / {{");
        for (name, value) in &self.headers {
            let _ = writeln!(s, "            add_header {name} \"{value}\" always;");
        }
        if let Some(token) = &self.bearer {
            let _ = writeln!(
                s,
                "            if ($http_authorization != \"Bearer {token}\") {{"
            );
            let _ = writeln!(
                s,
                "                add_header WWW-Authenticate \"Bearer\" always;"
            );
            let _ = writeln!(s, "                return 401;");
            let _ = writeln!(s, "            }}");
        }
        for d in &self.location_directives {
            let _ = writeln!(s, "            {d}");
        }
        match (&self.status, &self.pass) {
            (Some((code, None)), _) => {
                let _ = writeln!(s, "            return {code};");
            }
            (Some((code, Some(body))), _) => {
                let _ = writeln!(
                    s,
                    "            return {code} \"{}\";",
                    body.replace('"', "\\\"")
                );
            }
            (None, Some((addr, Upstream::Grpc))) => {
                let _ = writeln!(s, "            grpc_pass grpc://{addr};");
            }
            (None, Some((addr, Upstream::Http))) => {
                let _ = writeln!(s, "            proxy_http_version 1.1;");
                let _ = writeln!(s, "            proxy_pass http://{addr};");
            }
            (None, None) => {
                let _ = writeln!(s, "            return 404;");
            }
        }
        let _ = writeln!(s, "        }}");
        let _ = writeln!(s, "    }}");
        s
    }
}

impl std::fmt::Display for Front {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

/// TLS front on `port` passing to `upstream`; mTLS when `client_ca` is given.
pub fn tls_front(
    port: u16,
    cert: &Path,
    key: &Path,
    upstream: SocketAddr,
    kind: Upstream,
    http2: bool,
    client_ca: Option<&Path>,
) -> String {
    let mut front = Front::new(port)
        .tls(cert, key)
        .http2(http2)
        .pass(upstream, kind);
    if let Some(ca) = client_ca {
        front = front.client_ca(ca);
    }
    front.render()
}

/// Plaintext front on `port` passing to `upstream` (h2c for [`Upstream::Grpc`]).
pub fn http_front(port: u16, upstream: SocketAddr, kind: Upstream) -> String {
    Front::new(port)
        .http2(kind == Upstream::Grpc)
        .pass(upstream, kind)
        .render()
}

/// Plaintext HTTP/1.1 front on `port` that answers every request with `status`.
pub fn status_front(port: u16, status: u16) -> String {
    Front::new(port).status(status).render()
}

fn quote(path: &Path) -> String {
    format!("\"{}\"", path.display())
}

/// A running nginx; killed on Drop (its temp dir is removed).
pub struct Nginx {
    process: PeerProcess,
    dir: TempDir,
    ports: Vec<u16>,
}

impl Nginx {
    /// Runs nginx with these `server { ... }` blocks inside `http { }` and
    /// waits (bounded) until every `listen` port accepts. Panics with the
    /// config and nginx's error log if it does not come up.
    pub fn start(server_blocks: &str) -> Nginx {
        let bin = tools::nginx();
        let dir = tempfile::Builder::new()
            .prefix("otlp-doctor-nginx-")
            .tempdir()
            .expect("create a temp dir for nginx");
        let d = dir.path();
        let conf_path = d.join("nginx.conf");
        let error_log = d.join("error.log");
        std::fs::write(&conf_path, full_config(d, server_blocks))
            .unwrap_or_else(|e| panic!("write {}: {e}", conf_path.display()));

        let ports = listen_ports(server_blocks);
        assert!(
            !ports.is_empty(),
            "no `listen` directive found in server blocks:\n{server_blocks}"
        );

        let mut cmd = Command::new(&bin);
        cmd.arg("-p")
            .arg(format!("{}/", d.display()))
            .arg("-c")
            .arg(&conf_path);
        if tools::nginx_version() >= (1, 19, 5) {
            // Early (pre-config) errors to our dir too, not /var/log/nginx.
            cmd.arg("-e").arg(&error_log);
        }
        let mut process = PeerProcess::spawn("nginx", cmd, &d.join("output.log"));
        process.add_log(&error_log);
        let addrs: Vec<SocketAddr> = ports.iter().map(|p| loopback(*p)).collect();
        let ready = process
            .wait_ready(&addrs, STARTUP_TIMEOUT)
            .and_then(|()| wait_for_own_pid_file(&mut process, &d.join("nginx.pid")));
        if let Err(e) = ready {
            panic!(
                "nginx failed to start: {e}\n--- nginx.conf ---\n{}",
                read_lossy(&conf_path)
            );
        }
        Nginx {
            process,
            dir,
            ports,
        }
    }

    /// Every port from the config's `listen` directives, in order.
    pub fn ports(&self) -> &[u16] {
        &self.ports
    }

    /// `127.0.0.1:<first listen port>`.
    pub fn addr(&self) -> SocketAddr {
        loopback(self.ports[0])
    }

    /// The generated nginx.conf.
    pub fn config(&self) -> String {
        read_lossy(&self.dir.path().join("nginx.conf"))
    }

    /// Path of nginx's access log (one line per request, with status).
    pub fn access_log(&self) -> PathBuf {
        self.dir.path().join("access.log")
    }

    /// Last `lines` lines of nginx's output and error log.
    pub fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }
}

/// Waits until nginx has written its pid file. nginx writes it only after binding every
/// `listen` socket, so a port that accepts before then may belong to another process (nginx
/// is then still retrying its bind, and exits after five tries).
fn wait_for_own_pid_file(process: &mut PeerProcess, pid_file: &Path) -> Result<(), String> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        let written = std::fs::read_to_string(pid_file).unwrap_or_default();
        if written.trim() == process.pid().to_string() {
            return Ok(());
        }
        if let Some(status) = process.exit_status() {
            return Err(format!(
                "nginx exited ({status}) before writing its pid file (another process holds \
                 its port?)\n{}",
                process.log_tail(40)
            ));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "nginx wrote no pid file within {STARTUP_TIMEOUT:?}: its ports accept, but \
                 maybe for another process\n{}",
                process.log_tail(40)
            ));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_else(|e| format!("(cannot read {}: {e})", path.display()))
}

/// The ports of every `listen` directive (`listen 127.0.0.1:P ...;` or `listen P;`).
fn listen_ports(server_blocks: &str) -> Vec<u16> {
    let mut ports = Vec::new();
    for line in server_blocks.lines() {
        let line = line.trim_start();
        let Some(rest) = line.strip_prefix("listen") else {
            continue;
        };
        let Some(addr) = rest.split_whitespace().next() else {
            continue;
        };
        let addr = addr.trim_end_matches(';');
        let port = addr.rsplit(':').next().unwrap_or(addr);
        if let Ok(p) = port.parse::<u16>()
            && !ports.contains(&p)
        {
            ports.push(p);
        }
    }
    ports
}

fn full_config(d: &Path, server_blocks: &str) -> String {
    let p = |name: &str| quote(&d.join(name));
    format!(
        "# generated by tests/it/support/nginx.rs
daemon off;
master_process off;
worker_processes 1;
pid {pid};
lock_file {lock};
error_log {error_log} info;

events {{
    worker_connections 256;
}}

http {{
    access_log {access_log};
    client_body_temp_path {body};
    proxy_temp_path {proxy};
    fastcgi_temp_path {fastcgi};
    uwsgi_temp_path {uwsgi};
    scgi_temp_path {scgi};
    default_type application/octet-stream;
    server_tokens off;
    keepalive_timeout 5s;

{server_blocks}
}}
",
        pid = p("nginx.pid"),
        lock = p("nginx.lock"),
        error_log = p("error.log"),
        access_log = p("access.log"),
        body = p("client_body_temp"),
        proxy = p("proxy_temp"),
        fastcgi = p("fastcgi_temp"),
        uwsgi = p("uwsgi_temp"),
        scgi = p("scgi_temp"),
    )
}

/// A TLS front (HTTP/1.1, `cert`) on a free port passing OTLP/HTTP to `upstream`; the front and
/// its port.
pub fn https_front_to(upstream: SocketAddr, cert: &super::CertPair) -> (Nginx, u16) {
    tls_front_to(upstream, Upstream::Http, cert)
}

/// A TLS front (HTTP/2, `cert`) on a free port passing gRPC to `upstream` (`grpc_pass`); the
/// front and its port.
pub fn grpcs_front_to(upstream: SocketAddr, cert: &super::CertPair) -> (Nginx, u16) {
    tls_front_to(upstream, Upstream::Grpc, cert)
}

/// gRPC needs HTTP/2 on the front; OTLP/HTTP is passed over HTTP/1.1.
fn tls_front_to(upstream: SocketAddr, kind: Upstream, cert: &super::CertPair) -> (Nginx, u16) {
    let port = super::free_port();
    let http2 = matches!(kind, Upstream::Grpc);
    let nginx = Nginx::start(&tls_front(
        port, &cert.cert, &cert.key, upstream, kind, http2, None,
    ));
    (nginx, port)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_listen_ports() {
        let blocks =
            "server {\n listen 127.0.0.1:4443 ssl http2;\n}\nserver {\n  listen 8080;\n}\n";
        assert_eq!(super::listen_ports(blocks), vec![4443, 8080]);
    }
}
