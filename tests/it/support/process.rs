//! A peer program (rotel-agent, nginx) running as a child process.
//!
//! stdout and stderr go to one log file; the tail of that log is put into
//! every failure message. The child is killed (SIGKILL) and reaped on Drop.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::ports::port_accepts;

/// How long a peer gets to open its ports.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// A running child process that dies with this value.
pub struct PeerProcess {
    name: String,
    child: Child,
    log: PathBuf,
    extra_logs: Vec<PathBuf>,
}

impl PeerProcess {
    /// Spawns `cmd` with stdin closed and stdout+stderr appended to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> PeerProcess {
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap_or_else(|e| panic!("{name}: cannot create log file {}: {e}", log.display()));
        let err = out
            .try_clone()
            .unwrap_or_else(|e| panic!("{name}: cannot clone log file handle: {e}"));
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: cannot spawn {cmd:?}: {e}"));
        PeerProcess {
            name: name.to_string(),
            child,
            log: log.to_path_buf(),
            extra_logs: Vec::new(),
        }
    }

    /// Also show the tail of `path` (e.g. nginx's error.log) in failure messages.
    pub fn add_log(&mut self, path: &Path) {
        self.extra_logs.push(path.to_path_buf());
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Path of the captured stdout+stderr.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// `Some(status)` once the child has exited.
    pub fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The last `lines` lines of every captured log, labelled.
    pub fn log_tail(&self, lines: usize) -> String {
        let mut out = String::new();
        for path in std::iter::once(&self.log).chain(self.extra_logs.iter()) {
            out.push_str(&format!(
                "--- {} (last {lines} lines) ---\n",
                path.display()
            ));
            out.push_str(&tail_of_file(path, lines));
            if !out.ends_with('\n') {
                out.push('\n');
            }
        }
        out
    }

    /// Waits until every address accepts TCP connections. Fails early, with
    /// the log tail, if the child exits; fails after `timeout` otherwise.
    pub fn wait_ready(&mut self, addrs: &[SocketAddr], timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        let mut pending: Vec<SocketAddr> = addrs.to_vec();
        loop {
            if let Some(status) = self.exit_status() {
                return Err(format!(
                    "{} exited ({status}) before listening on {pending:?}\n{}",
                    self.name,
                    self.log_tail(40)
                ));
            }
            pending.retain(|a| !port_accepts(*a));
            if pending.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{} did not listen on {pending:?} within {timeout:?}\n{}",
                    self.name,
                    self.log_tail(40)
                ));
            }
            thread::sleep(Duration::from_millis(25));
        }
    }

    /// Kills and reaps the child now (Drop does the same).
    pub fn kill(&mut self) {
        if self.exit_status().is_none() {
            let _ = self.child.kill();
        }
        // Bounded: after SIGKILL the child is gone in milliseconds.
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.exit_status().is_none() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for PeerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The last `lines` lines of a file (lossy UTF-8), or a note if unreadable.
pub fn tail_of_file(path: &Path, lines: usize) -> String {
    let mut buf = Vec::new();
    match File::open(path).and_then(|mut f| f.read_to_end(&mut buf)) {
        Ok(_) => {
            let text = String::from_utf8_lossy(&buf);
            let all: Vec<&str> = text.lines().collect();
            let start = all.len().saturating_sub(lines);
            all[start..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", path.display()),
    }
}

/// A `kB` field of `/proc/PID/status` (`VmRSS`, `VmHWM`, ...) in KiB; 0 once the process is gone.
pub fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
