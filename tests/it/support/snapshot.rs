//! Pinned output: one run of the binary as text (the command line, exit code, stdout and
//! stderr) and the one set of filters that replaces what differs from run to run: ports, times,
//! durations, trace / span ids, temp paths, the checkout's path and the tool's version.
//!
//! Snapshots are written to `tests/it/snapshots/NAME.snap`. With `CI=true` a missing or changed
//! snapshot fails; locally `cargo insta review` (or `INSTA_UPDATE=always`) accepts new output.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use super::cli::{CLI_TIMEOUT, otlp_doctor};

/// Where every `.snap` file of the integration tests lives.
const SNAPSHOT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/snapshots");

/// What one run of `otlp-doctor` printed, and how it ended.
#[derive(Debug, Clone)]
pub struct Run {
    /// The command line as a user would type it (environment first).
    pub command: String,
    /// The exit code; `None` when a signal ended the process.
    pub exit: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The text that is snapshotted (before filters).
    pub fn render(&self) -> String {
        let exit = self
            .exit
            .map_or_else(|| "killed by a signal".to_string(), |code| code.to_string());
        format!(
            "$ {}\nexit: {exit}\n--- stdout ---\n{}\n--- stderr ---\n{}\n",
            self.command,
            self.stdout.trim_end_matches('\n'),
            self.stderr.trim_end_matches('\n')
        )
    }
}

/// One command line to run to completion: `cli(&["check", url]).env("OTEL_X", "y").run()`.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
}

/// `otlp-doctor ARGS` with the clean environment of [`otlp_doctor`].
pub fn cli(args: &[&str]) -> Invocation {
    Invocation {
        args: args.iter().map(|a| a.to_string()).collect(),
        ..Invocation::default()
    }
}

impl Invocation {
    /// Sets an environment variable for this run (shown in the command line).
    pub fn env(mut self, key: &str, value: &str) -> Invocation {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Feeds `text` to stdin.
    pub fn stdin(mut self, text: &str) -> Invocation {
        self.stdin = Some(text.as_bytes().to_vec());
        self
    }

    /// Runs to completion (bounded by the CLI timeout).
    pub fn run(self) -> Run {
        let mut cmd = otlp_doctor();
        cmd.args(&self.args);
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        if let Some(input) = &self.stdin {
            cmd.write_stdin(input.clone());
        }
        let output = cmd.output().expect("otlp-doctor runs");
        Run {
            command: command_line(&self.env, &self.args),
            exit: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

fn command_line(env: &[(String, String)], args: &[String]) -> String {
    let mut words: Vec<String> = env
        .iter()
        .map(|(k, v)| format!("{k}={}", quoted(v)))
        .collect();
    words.push("otlp-doctor".to_string());
    words.extend(args.iter().map(|a| quoted(a)));
    words.join(" ")
}

fn quoted(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+[]".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A long-running `otlp-doctor` (serve, probe-server): stdout and stderr are collected while it
/// runs; stdout lines can be waited for.
pub struct Live {
    child: Child,
    command: String,
    lines: mpsc::Receiver<String>,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<thread::JoinHandle<()>>,
}

impl Live {
    /// Starts `otlp-doctor ARGS` with every `OTEL_*` variable removed, `NO_COLOR=1` and
    /// `OTEL_DOCTOR_SDK=spec` (see [`super::cli::otlp_doctor`]).
    pub fn spawn(args: &[&str]) -> Live {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin!("otlp-doctor"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("OTEL_") {
                command.env_remove(&key);
            }
        }
        let mut child = command
            .args(args)
            .env("NO_COLOR", "1")
            .env("OTEL_DOCTOR_SDK", "spec")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("otlp-doctor starts");
        let (sender, lines) = mpsc::channel();
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            collect(
                child.stdout.take().expect("piped stdout"),
                stdout.clone(),
                Some(sender),
            ),
            collect(
                child.stderr.take().expect("piped stderr"),
                stderr.clone(),
                None,
            ),
        ];
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        Live {
            child,
            command: command_line(&[], &args),
            lines,
            stdout,
            stderr,
            readers,
        }
    }

    /// The next stdout line for which `wanted` holds (earlier lines are skipped, but stay in
    /// the collected output); panics with everything printed so far after `timeout`.
    pub fn wait_for_line(&self, wanted: impl Fn(&str) -> bool, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if wanted(&line) => return line,
                Ok(_) => {}
                Err(_) => panic!(
                    "no such line from `{}` within {timeout:?}; stdout:\n{}\nstderr:\n{}",
                    self.command,
                    lock(&self.stdout),
                    lock(&self.stderr)
                ),
            }
        }
    }

    /// Sends SIGINT (what Ctrl-C sends).
    pub fn interrupt(&self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -INT {} failed", self.child.id());
    }

    /// Waits (bounded by `timeout`) for the process to exit by itself and returns its run;
    /// a process still running then is killed and the test fails.
    pub fn finish(mut self, timeout: Duration) -> Run {
        let deadline = Instant::now() + timeout;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "`{}` did not exit within {timeout:?}; stdout:\n{}",
                        self.command,
                        lock(&self.stdout)
                    );
                }
            }
        };
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        Run {
            command: self.command.clone(),
            exit: status.code(),
            stdout: lock(&self.stdout),
            stderr: lock(&self.stderr),
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lock(text: &Mutex<String>) -> String {
    text.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn collect(
    stream: impl Read + Send + 'static,
    all: Arc<Mutex<String>>,
    lines: Option<mpsc::Sender<String>>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            {
                let mut text = all.lock().unwrap_or_else(|e| e.into_inner());
                text.push_str(&line);
                text.push('\n');
            }
            if let Some(lines) = &lines {
                let _ = lines.send(line);
            }
        }
    })
}

/// A regex that matches `text` literally.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The shared filters, in the order they are applied: (regex, replacement).
pub fn filters() -> Vec<(String, String)> {
    let root = literal(env!("CARGO_MANIFEST_DIR"));
    let temp = literal(std::env::temp_dir().to_string_lossy().trim_end_matches('/'));
    let version = literal(env!("CARGO_PKG_VERSION"));
    vec![
        // Paths first: they may hold digits that look like ports or ids.
        (root, "[ROOT]".into()),
        (format!(r"{temp}/[^/\s'`]+"), "[TMP]".into()),
        // The tool's version where it is printed as such.
        (
            r#"("tool_version":\s*")[^"]*""#.into(),
            r#"${1}[VERSION]""#.into(),
        ),
        (
            format!(r"\botlp-doctor([ /]){version}\b"),
            "otlp-doctor${1}[VERSION]".into(),
        ),
        (
            format!(r#"version="{version}""#),
            r#"version="[VERSION]""#.into(),
        ),
        // Wall-clock times: RFC 3339 and `2026-12-04 21:00:00 UTC` styles, HTTP dates.
        (
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z| ?UTC|[+-]\d{2}:?\d{2})?".into(),
            "[TIMESTAMP]".into(),
        ),
        (
            r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT".into(),
            "[TIMESTAMP]".into(),
        ),
        (
            r#"("\w*unix_nano":\s*)"?\d+"?"#.into(),
            "${1}[UNIX_NANO]".into(),
        ),
        // JSON durations before the ids: a float's digits could pass for one.
        (
            r#"("\w*duration_(?:ms|s)":\s*)[-0-9.eE+]+"#.into(),
            "${1}[DURATION]".into(),
        ),
        // The phases of the timing waterfall (seconds).
        (
            r#"("(?:dns|connect|tls|first_byte|export)":\s*)[-0-9.eE+]+"#.into(),
            "${1}[DURATION]".into(),
        ),
        // Ids: trace (32 hex), span (16 hex), and serve's short trace prefix at a line's start.
        // Not after a `.`: the fraction digits of a number are no id.
        (
            r"(^|[^0-9A-Za-z_.])[0-9a-f]{32}\b".into(),
            "${1}[TRACE_ID]".into(),
        ),
        (
            r"(^|[^0-9A-Za-z_.])[0-9a-f]{16}\b".into(),
            "${1}[SPAN_ID]".into(),
        ),
        (
            r"(?m)^(\S+ +)[0-9a-f]{8}( )".into(),
            "${1}[SHORT_ID]${2}".into(),
        ),
        // Ports picked at run time (ephemeral ports have five digits), also URL-encoded in a
        // query. `localhost:PORT` is left alone: fixes name default ports such as 13133.
        (
            r"(127\.0\.0\.1|\[::1\]):\d{5}\b".into(),
            "${1}:[PORT]".into(),
        ),
        (r"(127\.0\.0\.1)%3A\d{5}\b".into(), "${1}%3A[PORT]".into()),
        (r"\bport \d{5}\b".into(), "port [PORT]".into()),
        // Durations in text: `12.3 ms`, `1.23 s`.
        (
            r"\b\d+\.\d+ ?(?:ns|µs|us|ms|s)\b".into(),
            "[DURATION]".into(),
        ),
    ]
}

/// Asserts the snapshot `tests/it/snapshots/NAME.snap` of `run` under the shared filters.
pub fn assert_run(name: &str, run: &Run) {
    assert_run_with(name, run, &[]);
}

/// Like [`assert_run`], with `extra` filters applied after the shared ones (for output whose
/// numbers are measurements, such as `load`).
pub fn assert_run_with(name: &str, run: &Run, extra: &[(&str, &str)]) {
    assert_text_with(name, &run.render(), extra);
}

/// Asserts the snapshot NAME of any text under the shared filters and `extra`.
pub fn assert_text_with(name: &str, text: &str, extra: &[(&str, &str)]) {
    let mut all = filters();
    all.extend(extra.iter().map(|(r, s)| (r.to_string(), s.to_string())));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(SNAPSHOT_DIR);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for (regex, replacement) in &all {
        settings.add_filter(regex, replacement.as_str());
    }
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// Runs `otlp-doctor ARGS` and asserts its snapshot NAME: the usual one-liner.
pub fn snapshot(name: &str, args: &[&str]) -> Run {
    let run = cli(args).run();
    assert_run(name, &run);
    run
}

/// A run of the CLI is bounded; long-running commands get this long to wind down.
pub const WIND_DOWN: Duration = CLI_TIMEOUT;

/// Snapshots `otlp-doctor ARGS` once per format as `PREFIX_FORMAT`: `human` runs without a
/// `--format` flag (the default), every other format with `--format FORMAT`.
pub fn snapshot_formats(prefix: &str, args: &[&str], formats: &[&str]) {
    for format in formats {
        let mut all = args.to_vec();
        if *format != "human" {
            all.extend(["--format", format]);
        }
        snapshot(&format!("{prefix}_{format}"), &all);
    }
}
