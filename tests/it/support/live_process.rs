//! A long-running `otlp-doctor` command that prints NDJSON (`serve`, `proxy`): started on free
//! ports, its lines checked against their schema as they arrive, stopped with SIGINT like a
//! user's Ctrl-C so that its summary is printed.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the command may take to print its `listening` line.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long after SIGINT the summary may take (the proxy drains in-flight requests first).
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// A running command and every line it printed after `listening`.
pub struct LiveProcess {
    child: Child,
    lines: mpsc::Receiver<Value>,
    seen: Vec<Value>,
}

impl LiveProcess {
    /// Runs `otlp-doctor ARGS --format json`; returns it with its first line (`listening`, or
    /// `opened` for `serve --open`).
    pub fn start(args: &[&str], check_line: fn(&Value)) -> (LiveProcess, Value) {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin!("otlp-doctor"))
            .args(args)
            .args(["--format", "json"])
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("otlp-doctor starts");
        let stdout = child.stdout.take().expect("stdout");
        let lines = read_lines(stdout, check_line);
        let first = lines
            .recv_timeout(START_TIMEOUT)
            .unwrap_or_else(|_| panic!("otlp-doctor {args:?} printed no listening line"));
        // `serve --open` reads a capture instead of listening, and says so first.
        assert!(
            first["kind"] == "listening" || first["kind"] == "opened",
            "{first}"
        );
        let process = LiveProcess {
            child,
            lines,
            seen: Vec::new(),
        };
        (process, first)
    }

    /// Collects lines until `done` holds for all seen so far, or `timeout` passes; says which.
    pub fn wait_until(&mut self, timeout: Duration, done: impl Fn(&[Value]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        while !done(&self.seen) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => return done(&self.seen),
            }
        }
        true
    }

    /// The lines collected by [`LiveProcess::wait_until`] so far.
    pub fn seen(&self) -> &[Value] {
        &self.seen
    }

    /// Stops with SIGINT and returns every line printed after `listening`, summary last.
    pub fn stop(mut self) -> Vec<Value> {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let mut all = std::mem::take(&mut self.seen);
        while let Ok(line) = self.lines.recv_timeout(STOP_TIMEOUT) {
            let last = line["kind"] == "summary";
            all.push(line);
            if last {
                break;
            }
        }
        all
    }
}

impl Drop for LiveProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_lines(stdout: ChildStdout, check_line: fn(&Value)) -> mpsc::Receiver<Value> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            match serde_json::from_str::<Value>(&line) {
                Ok(value) => {
                    check_line(&value);
                    if sender.send(value).is_err() {
                        return;
                    }
                }
                Err(e) => panic!("otlp-doctor printed a line that is not JSON ({e}): {line}"),
            }
        }
    });
    receiver
}
