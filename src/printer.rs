//! The printer owns stdout, stderr and progress. Everything the tool shows passes through it, so
//! secrets are redacted in one place, colour follows `NO_COLOR` and the terminal, and spinners
//! never mix with machine-readable output.

use crate::report::Report;
use crate::report::mask::Redactor;
use crate::report::render::{self, Format};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

pub struct Printer {
    format: Format,
    color: bool,
    interactive: bool,
    redactor: Redactor,
}

impl Printer {
    pub fn new(format: Format, redactor: Redactor) -> Self {
        let stdout_is_terminal = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Printer {
            format,
            color: format == Format::Human && stdout_is_terminal && !no_color,
            interactive: format == Format::Human && io::stderr().is_terminal(),
            redactor,
        }
    }

    /// Renders a report to stdout, secrets redacted.
    pub fn report(&self, report: &Report) -> io::Result<()> {
        let mut buffer = Vec::new();
        render::render(report, self.format, self.color, &mut buffer)?;
        let text = self.redactor.redact(&String::from_utf8_lossy(&buffer));
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()
    }

    /// Whether human output is coloured.
    pub fn color(&self) -> bool {
        self.color
    }

    /// One line of a live view on stdout, secrets redacted, flushed at once.
    pub fn line(&self, line: &str) {
        let mut stdout = io::stdout().lock();
        let _ = writeln!(stdout, "{}", self.redactor.redact(line));
        let _ = stdout.flush();
    }

    /// Several lines of a live view in one write: a batch of a thousand spans is one system
    /// call, not a thousand (`serve` must keep up with a load generator).
    pub fn lines(&self, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        let mut text = lines.join("\n");
        text.push('\n');
        self.block(&text);
    }

    /// Text made of whole lines (each ending in a newline), secrets redacted, in one write.
    pub fn block(&self, text: &str) {
        self.write_block(self.redactor.redacted(text).as_bytes());
    }

    /// [`Printer::block`] for UTF-8 bytes, copied as they are when there is no secret to redact
    /// (`serve --format json` writes every span through here).
    pub fn block_bytes(&self, text: &[u8]) {
        if self.redactor.is_empty() {
            self.write_block(text);
        } else {
            self.block(&String::from_utf8_lossy(text));
        }
    }

    fn write_block(&self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut stdout = io::stdout().lock();
        let _ = stdout.write_all(bytes);
        let _ = stdout.flush();
    }

    /// One NDJSON line on stdout.
    pub fn json_line(&self, value: &serde_json::Value) {
        self.line(&value.to_string());
    }

    /// A message on stderr (errors, notices), secrets redacted.
    pub fn error(&self, message: &str) {
        let _ = writeln!(io::stderr().lock(), "{}", self.redactor.redact(message));
    }

    /// A spinner on stderr, only in human mode on a terminal.
    pub fn spinner(&self, message: &str) -> Option<ProgressBar> {
        if !self.interactive {
            return None;
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
            bar.set_style(style);
        }
        bar.set_message(self.redactor.redact(message));
        bar.enable_steady_tick(Duration::from_millis(100));
        Some(bar)
    }
}
