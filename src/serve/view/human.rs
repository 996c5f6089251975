//! The human live view: one compact line per span, grouped by trace and indented under its
//! parent when the parent has been seen; metrics and logs one line each; lint findings as they
//! are found; a summary per service at the end.

use super::summary::{Summary, points};
use super::values::{service_name, text};
use crate::otlp::payload::ExportRequest;
use crate::report::render::palette::Palette;
use crate::report::{Finding, Severity};
use crate::serve::Received;
use crate::serve::hashing::{HashMap, HashMapExt, HashSet, HashSetExt, digest};
use anstyle::{AnsiColor, Style};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span;
use std::collections::VecDeque;

/// Spans remembered for indenting children that arrive in later batches.
const REMEMBERED_SPANS: usize = 50_000;

pub struct HumanView {
    palette: Palette,
    /// Depth by span id digest (a collision only misindents a line).
    depth: HashMap<u64, usize>,
    order: VecDeque<u64>,
}

impl HumanView {
    pub fn new(color: bool) -> Self {
        HumanView {
            palette: Palette::new(color),
            depth: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn paint(&self, style: Style, text: &str) -> String {
        self.palette.paint(style, text)
    }

    fn dim(&self, text: &str) -> String {
        self.palette.dim(text)
    }

    pub fn listening(&self, grpc: std::net::SocketAddr, http: std::net::SocketAddr) -> Vec<String> {
        vec![
            format!(
                "listening: OTLP/gRPC on {grpc}, OTLP/HTTP on http://{http} (/v1/traces, /v1/metrics, /v1/logs)"
            ),
            format!(
                "point your app at it: OTEL_EXPORTER_OTLP_ENDPOINT=http://{http} (http/protobuf) or OTEL_EXPORTER_OTLP_ENDPOINT=http://{grpc} OTEL_EXPORTER_OTLP_PROTOCOL=grpc"
            ),
            "Ctrl-C prints a summary per service".to_string(),
        ]
    }

    /// One span: service, the trace id's first 4 bytes, the name indented under its parent, the
    /// duration, ERROR when its status says so. Built in one buffer: this view prints every span.
    fn span_line(&self, span: &Span, depth: usize, label: &str, transport: &str) -> String {
        let mut line = String::with_capacity(label.len() + span.name.len() + 2 * depth + 64);
        line.push_str(label);
        line.push(' ');
        let prefix = span.trace_id.get(..4).unwrap_or(&span.trace_id);
        self.palette
            .paint_to(&mut line, Style::new().dimmed(), const_hex::encode(prefix));
        line.push(' ');
        for _ in 0..depth {
            line.push_str("  ");
        }
        if depth > 0 {
            line.push_str("└ ");
        }
        line.push_str(&span.name);
        line.push(' ');
        let duration = span
            .end_time_unix_nano
            .saturating_sub(span.start_time_unix_nano);
        self.palette
            .paint_to(&mut line, Style::new().dimmed(), Millis(duration));
        if span.status.as_ref().is_some_and(|s| s.code == 2) {
            let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
            self.palette.paint_to(&mut line, red, " ERROR");
        }
        line.push(' ');
        line.push_str(transport);
        line
    }

    /// The service name, padded and coloured, once per resource.
    fn service_label(&self, resource: Option<&Resource>) -> String {
        let service = service_name(resource);
        self.paint(
            Style::new().fg_color(Some(AnsiColor::Cyan.into())),
            &format!("{service:<18}"),
        )
    }

    /// The lines of one batch.
    pub fn batch(&mut self, received: &Received) -> Vec<String> {
        let transport = self.dim(&format!("[{}]", received.transport.as_str()));
        let mut lines = Vec::new();
        match &received.payload {
            ExportRequest::Traces(request) => {
                for rs in &request.resource_spans {
                    let label = self.service_label(rs.resource.as_ref());
                    let spans: Vec<&Span> = rs.scope_spans.iter().flat_map(|s| &s.spans).collect();
                    for span in parents_first(&spans) {
                        let depth = self.depth_of(span);
                        lines.push(self.span_line(span, depth, &label, &transport));
                    }
                }
            }
            ExportRequest::Metrics(request) => {
                for rm in &request.resource_metrics {
                    let label = self.service_label(rm.resource.as_ref());
                    for metric in rm.scope_metrics.iter().flat_map(|s| &s.metrics) {
                        lines.push(format!(
                            "{label} metric {} {} {transport}",
                            metric.name,
                            self.dim(&format!("({} points)", points(metric.data.as_ref()))),
                        ));
                    }
                }
            }
            ExportRequest::Logs(request) => {
                for rl in &request.resource_logs {
                    let label = self.service_label(rl.resource.as_ref());
                    for record in rl.scope_logs.iter().flat_map(|s| &s.log_records) {
                        let severity = if record.severity_text.is_empty() {
                            format!("sev{}", record.severity_number)
                        } else {
                            record.severity_text.clone()
                        };
                        lines.push(format!(
                            "{label} log {} {} {transport}",
                            severity,
                            record.body.as_ref().map(text).unwrap_or_default(),
                        ));
                    }
                }
            }
        }
        if lines.is_empty() {
            lines.push(format!(
                "{} {transport}",
                self.dim("(an export request with no data)")
            ));
        }
        lines
    }

    pub fn finding(&self, finding: &Finding) -> Vec<String> {
        let color = match finding.severity {
            Severity::Error => AnsiColor::Red,
            Severity::Warning => AnsiColor::Yellow,
            Severity::Info => AnsiColor::Blue,
        };
        let mut lines = vec![format!(
            "{} {} {}",
            self.paint(
                Style::new().fg_color(Some(color.into())).bold(),
                &format!("{} {}", mark(finding.severity), finding.code)
            ),
            finding.title,
            ""
        )];
        lines.extend(
            finding
                .evidence
                .iter()
                .take(3)
                .map(|e| format!("    {} {e}", self.dim("evidence:"))),
        );
        lines.extend(finding.fix.iter().take(1).map(|f| format!("    fix: {f}")));
        lines
    }

    pub fn summary(&self, summary: &Summary) -> Vec<String> {
        let mut lines = vec![String::new(), self.paint(Style::new().bold(), "summary")];
        if summary.services.is_empty() {
            lines.push("  nothing arrived: is the app's exporter pointed here, and does it flush before exiting?".into());
        }
        for (service, totals) in &summary.services {
            lines.push(format!(
                "  {service:<18} {} spans ({} errors), {} metric points, {} log records via {}",
                totals.spans,
                totals.error_spans,
                totals.data_points,
                totals.log_records,
                totals.transports.join(", ")
            ));
        }
        if !summary.findings.is_empty() {
            let list: Vec<String> = summary
                .findings
                .iter()
                .map(|(code, n)| format!("{code} ×{n}"))
                .collect();
            lines.push(format!("  lint findings: {}", list.join(", ")));
        }
        lines.push(format!("  {} export requests", summary.requests));
        if summary.dropped > 0 {
            lines.push(format!(
                "  {} batches were acknowledged but not shown or linted: the view could not keep up (use --format json > file for high rates)",
                summary.dropped
            ));
        }
        lines
    }

    fn depth_of(&mut self, span: &Span) -> usize {
        let depth = if span.parent_span_id.is_empty() {
            0
        } else {
            self.depth
                .get(&digest(&span.parent_span_id))
                .map_or(1, |d| d + 1)
        };
        let key = digest(&span.span_id);
        self.depth.insert(key, depth);
        self.order.push_back(key);
        if self.order.len() > REMEMBERED_SPANS
            && let Some(oldest) = self.order.pop_front()
        {
            self.depth.remove(&oldest);
        }
        depth
    }
}

/// Nanoseconds shown as milliseconds with one decimal, rounded half up. Integer arithmetic:
/// float formatting with a precision was a visible cost of this view under load.
struct Millis(u64);

impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = self.0.saturating_add(50_000) / 100_000;
        write!(f, "{}.{} ms", tenths / 10, tenths % 10)
    }
}

fn mark(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "✗",
        Severity::Warning => "!",
        Severity::Info => "i",
    }
}

/// Spans of a batch ordered so a parent comes before its children (SDKs often export children
/// first, since they end first).
fn parents_first<'a>(spans: &[&'a Span]) -> Vec<&'a Span> {
    let ids: HashSet<&[u8]> = spans.iter().map(|s| s.span_id.as_slice()).collect();
    let mut ordered: Vec<&Span> = Vec::with_capacity(spans.len());
    let mut placed: HashSet<&[u8]> = HashSet::new();
    let mut remaining: Vec<&Span> = spans.to_vec();
    while !remaining.is_empty() {
        let before = remaining.len();
        remaining.retain(|span| {
            let parent_ready = span.parent_span_id.is_empty()
                || !ids.contains(span.parent_span_id.as_slice())
                || placed.contains(span.parent_span_id.as_slice());
            if parent_ready {
                ordered.push(span);
                placed.insert(span.span_id.as_slice());
            }
            !parent_ready
        });
        if remaining.len() == before {
            ordered.append(&mut remaining);
        }
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::Millis;

    fn tenths_of_ms(nanos: u64) -> String {
        Millis(nanos)
            .to_string()
            .trim_end_matches(" ms")
            .to_string()
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
