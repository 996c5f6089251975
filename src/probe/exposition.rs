//! A writer of the Prometheus text exposition format (version 0.0.4): metric families with their
//! `# HELP` and `# TYPE` lines, samples with escaped label values, and the special float values.

use std::fmt::Write;

/// The `Content-Type` of a page written here.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The type of a metric family (`# TYPE` line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Counter,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
            Kind::Histogram => "histogram",
        }
    }
}

/// A page of metric families, written in order.
#[derive(Debug, Default)]
pub struct Exposition {
    text: String,
}

impl Exposition {
    /// An empty page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a family: its `# HELP` and `# TYPE` lines. Samples of it follow.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) -> &mut Self {
        let _ = writeln!(self.text, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.text, "# TYPE {name} {}", kind.as_str());
        self
    }

    /// One sample line: `name{label="value",...} value`.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (index, (label, value)) in labels.iter().enumerate() {
                if index > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", escape_label_value(value));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", format_value(value));
        self
    }

    /// A family with a single unlabelled sample.
    pub fn single(&mut self, name: &str, kind: Kind, help: &str, value: f64) -> &mut Self {
        self.family(name, kind, help).sample(name, &[], value)
    }

    /// The page as written.
    pub fn into_text(self) -> String {
        self.text
    }
}

/// Label values escape backslash, double quote and line feed (exposition format spec).
pub fn escape_label_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// HELP text escapes backslash and line feed only.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Go's `strconv.ParseFloat` spellings for the special values; Rust's `Display` otherwise
/// (never an exponent, which Prometheus would accept but people read badly).
pub fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value == f64::INFINITY {
        "+Inf".to_string()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collector::metrics::exposition::parse;

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        assert_eq!(escape_label_value(r"a\b"), r"a\\b");
        assert_eq!(escape_label_value(r#"say "hi""#), r#"say \"hi\""#);
        assert_eq!(escape_label_value("two\nlines"), r"two\nlines");
        assert_eq!(escape_label_value("plain é"), "plain é");
    }

    #[test]
    fn a_page_round_trips_through_a_parser() {
        let mut page = Exposition::new();
        page.family("x_total", Kind::Counter, "help with \\ and\nnewline")
            .sample("x_total", &[("path", "C:\\dir \"q\"\nnext")], 3.0)
            .sample("x_total", &[], 0.25);
        let text = page.into_text();
        assert!(text.contains("# HELP x_total help with \\\\ and\\nnewline\n"));
        assert!(text.contains("# TYPE x_total counter\n"));
        assert!(
            text.contains(r#"x_total{path="C:\\dir \"q\"\nnext"} 3"#),
            "{text}"
        );
        let parsed = parse(&text);
        assert_eq!(parsed.skipped, 0, "{text}");
        assert_eq!(parsed.samples[0].label("path"), Some("C:\\dir \"q\"\nnext"));
        assert_eq!(parsed.samples[0].value, 3.0);
        assert_eq!(parsed.samples[1].value, 0.25);
    }

    #[test]
    fn special_values_use_prometheus_spelling() {
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(1.0), "1");
        assert_eq!(format_value(0.5), "0.5");
        assert_eq!(format_value(1e21), "1000000000000000000000");
    }
}
