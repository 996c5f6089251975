//! The human live view, painted for a terminal from the view model: one compact line per span,
//! grouped by trace and indented under its parent when the parent has been seen; metrics and logs
//! one line each; lint findings as they are found; a summary per service at the end. Everything is
//! appended to a caller's buffer, so a batch of a thousand spans is one string, printed at once.

use super::metric_values;
use super::model::{Line, ViewModel};
use super::summary::Summary;
use crate::report::render::palette::Palette;
use crate::report::{Finding, Severity};
use crate::serve::Received;
use crate::serve::refusal::Refusal;
use crate::settings::Protocol;
use anstyle::{AnsiColor, Style};
use std::fmt::Write;
use std::net::SocketAddr;
use std::path::Path;

/// Paints the view model for a terminal.
pub struct HumanView {
    palette: Palette,
    /// `[grpc]`, `[http/protobuf]`, `[http/json]` painted, by [`Protocol::index`].
    transports: [String; 3],
    /// The service of the last line and its painted label: a batch's lines share a few
    /// services, so the label is padded and painted once per run of lines, not once per line.
    service: String,
    label: String,
}

impl HumanView {
    pub fn new(color: bool) -> Self {
        let palette = Palette::new(color);
        HumanView {
            transports: Protocol::ALL.map(|t| palette.dim(&format!("[{}]", t.as_str()))),
            service: String::new(),
            label: String::new(),
            palette,
        }
    }

    /// Where to point an application, as whole lines appended to `out`.
    pub fn listening(
        &self,
        grpc: SocketAddr,
        http: SocketAddr,
        tls_ca: Option<&Path>,
        out: &mut String,
    ) {
        let scheme = if tls_ca.is_some() { "https" } else { "http" };
        let _ = writeln!(
            out,
            "listening: OTLP/gRPC on {scheme}://{grpc}, OTLP/HTTP on {scheme}://{http} (/v1/traces, /v1/metrics, /v1/logs)"
        );
        let _ = writeln!(
            out,
            "point your app at it: OTEL_EXPORTER_OTLP_ENDPOINT={scheme}://{http} (http/protobuf) or OTEL_EXPORTER_OTLP_ENDPOINT={scheme}://{grpc} OTEL_EXPORTER_OTLP_PROTOCOL=grpc"
        );
        out.push_str("Ctrl-C prints a summary per service\n");
        if let Some(ca) = tls_ca {
            let _ = writeln!(
                out,
                "TLS on both ports; trust the CA in {} (OTEL_EXPORTER_OTLP_CERTIFICATE={}) and use https://",
                ca.display(),
                ca.display()
            );
        }
    }

    /// Every line the model makes of a batch, each ending in a newline, appended to `out`.
    pub fn batch(&mut self, model: &mut ViewModel, received: &Received, out: &mut String) {
        model.batch(received, |line| {
            self.line(&line, received.transport, out);
            out.push('\n');
        });
    }

    /// The text of one line, without its newline, appended to `out`. A span: service, the trace
    /// id's first 4 bytes, the name indented under its parent, the duration, ERROR when its
    /// status says so. Built in one buffer: this view prints every span.
    pub fn line(&mut self, line: &Line<'_>, transport: Protocol, out: &mut String) {
        let dim = Style::new().dimmed();
        match line {
            Line::Span(span) => {
                self.push_label(span.service, out);
                out.push(' ');
                let prefix = span.trace_id.get(..4).unwrap_or(span.trace_id);
                self.palette
                    .paint_with(out, dim, |out| push_hex(out, prefix));
                out.push(' ');
                for _ in 0..span.depth {
                    out.push_str("  ");
                }
                if span.depth > 0 {
                    out.push_str("└ ");
                }
                out.push_str(span.name);
                out.push(' ');
                self.palette
                    .paint_with(out, dim, |out| push_millis(out, span.duration_nanos));
                if span.error {
                    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
                    self.palette.paint_to(out, red, " ERROR");
                }
            }
            Line::Metric(metric) => {
                self.push_label(metric.service, out);
                out.push_str(" metric ");
                out.push_str(metric.name);
                out.push(' ');
                let values = metric_values::of(metric.data, metric_values::SHOWN_POINTS);
                out.push_str(&values.text());
            }
            Line::Log(log) => {
                self.push_label(log.service, out);
                out.push_str(" log ");
                if log.severity_text.is_empty() {
                    let _ = write!(out, "sev{}", log.severity_number);
                } else {
                    out.push_str(log.severity_text);
                }
                out.push(' ');
                out.push_str(log.body);
            }
            Line::Empty => {
                self.palette
                    .paint_to(out, dim, "(an export request with no data)");
            }
        }
        out.push(' ');
        out.push_str(&self.transports[transport.index()]);
    }

    /// The service name, padded and coloured.
    fn push_label(&mut self, service: &str, out: &mut String) {
        if self.service != service || self.label.is_empty() {
            self.service.clear();
            self.service.push_str(service);
            self.label.clear();
            let cyan = Style::new().fg_color(Some(AnsiColor::Cyan.into()));
            self.palette
                .paint_to(&mut self.label, cyan, format_args!("{service:<18}"));
        }
        out.push_str(&self.label);
    }

    /// A lint finding as whole lines appended to `out`: the code and title, up to three pieces
    /// of evidence and the first fix.
    pub fn finding(&self, finding: &Finding, out: &mut String) {
        let color = match finding.severity {
            Severity::Error => AnsiColor::Red,
            Severity::Warning => AnsiColor::Yellow,
            Severity::Info => AnsiColor::Blue,
        };
        let heading = Style::new().fg_color(Some(color.into())).bold();
        self.palette.paint_to(
            out,
            heading,
            format_args!("{} {}", mark(finding.severity), finding.code),
        );
        let _ = writeln!(out, " {} ", finding.title);
        for evidence in finding.evidence.iter().take(3) {
            out.push_str("    ");
            self.palette
                .paint_to(out, Style::new().dimmed(), "evidence:");
            let _ = writeln!(out, " {evidence}");
        }
        for fix in finding.fix.iter().take(1) {
            let _ = writeln!(out, "    fix: {fix}");
        }
    }

    /// A refused request as one line: what was refused, why, and what the client was answered.
    pub fn refusal(&self, refusal: &Refusal, out: &mut String) {
        let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
        self.palette.paint_to(out, red, "✗ refused");
        let _ = write!(out, " {}", refusal.reason.as_str());
        if let Some(transport) = refusal.transport {
            let _ = write!(out, " {transport}");
        }
        if !refusal.path.is_empty() {
            let _ = write!(out, " {}", refusal.path);
        }
        let _ = write!(out, " → {}: {}", refusal.answer, refusal.message);
        if let Some(peer) = refusal.peer {
            self.palette
                .paint_to(out, Style::new().dimmed(), format_args!(" (from {peer})"));
        }
        out.push('\n');
    }

    /// The closing summary per service as whole lines appended to `out`.
    pub fn summary(&self, summary: &Summary, out: &mut String) {
        out.push('\n');
        self.palette.paint_to(out, Style::new().bold(), "summary");
        out.push('\n');
        let refused: u64 = summary.refused.values().sum();
        if summary.services.is_empty() && refused == 0 {
            out.push_str("  nothing arrived: is the app's exporter pointed here, and does it flush before exiting?\n");
        } else if summary.services.is_empty() {
            out.push_str("  nothing was accepted: every request that came was refused (below)\n");
        }
        for (service, totals) in &summary.services {
            let _ = writeln!(
                out,
                "  {service:<18} {} spans ({} errors), {} metric points, {} log records via {}",
                totals.spans,
                totals.error_spans,
                totals.data_points,
                totals.log_records,
                totals.transports.join(", ")
            );
        }
        if !summary.findings.is_empty() {
            out.push_str("  lint findings: ");
            for (i, (code, n)) in summary.findings.iter().enumerate() {
                let separator = if i == 0 { "" } else { ", " };
                let _ = write!(out, "{separator}{code} ×{n}");
            }
            out.push('\n');
        }
        let _ = writeln!(out, "  {} export requests", summary.requests);
        if refused > 0 {
            let _ = write!(out, "  {refused} requests refused: ");
            for (i, (reason, n)) in summary.refused.iter().enumerate() {
                let separator = if i == 0 { "" } else { ", " };
                let _ = write!(out, "{separator}{reason} ×{n}");
            }
            out.push('\n');
        }
        if summary.dropped > 0 {
            let _ = writeln!(
                out,
                "  {} batches were acknowledged but not shown or linted: the view could not keep up (use --format json > file for high rates)",
                summary.dropped
            );
        }
    }
}

/// Nanoseconds shown as milliseconds with one decimal, rounded half up. Integer arithmetic:
/// float formatting with a precision was a visible cost of this view under load.
/// A duration in milliseconds with one decimal, rounded: `1.5 ms`.
fn push_millis(out: &mut String, nanos: u64) {
    let tenths = nanos.saturating_add(50_000) / 100_000;
    out.push_str(itoa::Buffer::new().format(tenths / 10));
    out.push('.');
    out.push(char::from(b'0' + (tenths % 10) as u8));
    out.push_str(" ms");
}

/// Lower-case hex of a few bytes (a trace id's prefix), without allocating.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
}

fn mark(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "✗",
        Severity::Warning => "!",
        Severity::Info => "i",
    }
}

#[cfg(test)]
mod tests {
    use super::{push_hex, push_millis};

    fn tenths_of_ms(nanos: u64) -> String {
        let mut out = String::new();
        push_millis(&mut out, nanos);
        out.trim_end_matches(" ms").to_string()
    }

    #[test]
    fn trace_id_prefixes_are_lower_case_hex() {
        let mut out = String::new();
        push_hex(&mut out, &[0x00, 0x9f, 0xa0, 0xff]);
        assert_eq!(out, "009fa0ff");
    }

    #[test]
    fn durations_show_tenths_of_a_millisecond_rounded() {
        assert_eq!(tenths_of_ms(0), "0.0");
        assert_eq!(tenths_of_ms(1_000_000), "1.0");
        assert_eq!(tenths_of_ms(1_049_999), "1.0");
        assert_eq!(tenths_of_ms(1_050_000), "1.1");
        assert_eq!(tenths_of_ms(12_345_678_901), "12345.7");
        assert_eq!(tenths_of_ms(u64::MAX), "18446744073709.5");
    }
}
