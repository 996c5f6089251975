//! A small parser of the Prometheus text exposition format, enough for the Collector's own
//! `/metrics` page: `name{label="value",...} value [timestamp]` lines, comments skipped,
//! escapes in label values, the special values `NaN`/`+Inf`/`-Inf`, and the quoted
//! UTF-8 form `{"name", label="value"}` of newer exporters.

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A parsed page: the samples, and how many non-comment lines could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub samples: Vec<Sample>,
    pub skipped: usize,
}

pub fn parse(text: &str) -> Page {
    let mut page = Page::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Some(sample) => page.samples.push(sample),
            None => page.skipped += 1,
        }
    }
    page
}

struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn skip_spaces(&mut self) {
        self.rest = self.rest.trim_start_matches([' ', '\t']);
    }

    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    /// A run of characters valid in a metric or label name.
    fn name(&mut self) -> Option<&'a str> {
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let (name, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(name)
    }

    /// A double-quoted string with `\\`, `\"` and `\n` escapes.
    fn quoted(&mut self) -> Option<String> {
        if !self.eat('"') {
            return None;
        }
        let mut out = String::new();
        let mut chars = self.rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.rest = &self.rest[i + 1..];
                    return Some(out);
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, other)) => out.push(other),
                    None => return None,
                },
                c => out.push(c),
            }
        }
        None
    }

    fn token(&mut self) -> Option<&'a str> {
        self.skip_spaces();
        let end = self.rest.find([' ', '\t']).unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let (token, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(token)
    }
}

fn parse_line(line: &str) -> Option<Sample> {
    let mut cursor = Cursor { rest: line };
    let mut name = cursor.name().map(str::to_string);
    let mut labels = Vec::new();
    cursor.skip_spaces();
    if cursor.eat('{') {
        loop {
            cursor.skip_spaces();
            if cursor.eat('}') {
                break;
            }
            let key = match cursor.peek()? {
                '"' => cursor.quoted()?,
                _ => cursor.name()?.to_string(),
            };
            cursor.skip_spaces();
            if cursor.eat('=') {
                cursor.skip_spaces();
                let value = cursor.quoted()?;
                labels.push((key, value));
            } else if name.is_none() {
                // `{"metric.name", ...}`: a quoted name inside the braces.
                name = Some(key);
            } else {
                return None;
            }
            cursor.skip_spaces();
            if !cursor.eat(',') {
                cursor.skip_spaces();
                if cursor.eat('}') {
                    break;
                }
                return None;
            }
        }
    }
    let value = parse_value(cursor.token()?)?;
    // An optional timestamp may follow; anything after it is malformed.
    if cursor.token().is_some() && cursor.token().is_some() {
        return None;
    }
    Some(Sample {
        name: name?,
        labels,
        value,
    })
}

fn parse_value(token: &str) -> Option<f64> {
    match token {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => token.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_collector_page() {
        let page = parse(
            r#"# HELP otelcol_exporter_queue_size Current size of the retry queue (in batches). [alpha]
# TYPE otelcol_exporter_queue_size gauge
otelcol_exporter_queue_size{data_type="logs",exporter="otlphttp",otel_scope_name="go.opentelemetry.io/collector/exporter/exporterhelper",otel_scope_version=""} 0
otelcol_process_memory_rss_bytes 3.2448512e+07
otelcol_receiver_accepted_spans{receiver="otlp",transport="grpc",} 12 1700000000000
http_server_request_duration_seconds_bucket{le="+Inf"} 6
weird{a="x\"y\\z\nw"} NaN
"#,
        );
        assert_eq!(page.skipped, 0);
        assert_eq!(page.samples.len(), 5);
        assert_eq!(page.samples[0].label("exporter"), Some("otlphttp"));
        assert_eq!(page.samples[0].label("otel_scope_version"), Some(""));
        assert_eq!(page.samples[1].value, 32_448_512.0);
        assert!(page.samples[1].labels.is_empty());
        assert_eq!(page.samples[2].value, 12.0);
        assert_eq!(page.samples[2].label("transport"), Some("grpc"));
        assert_eq!(page.samples[3].label("le"), Some("+Inf"));
        assert_eq!(page.samples[4].label("a"), Some("x\"y\\z\nw"));
        assert!(page.samples[4].value.is_nan());
    }

    #[test]
    fn quoted_utf8_names() {
        let page = parse(r#"{"otelcol.receiver.accepted.spans", "otel.signal"="traces"} 3"#);
        assert_eq!(page.samples[0].name, "otelcol.receiver.accepted.spans");
        assert_eq!(page.samples[0].label("otel.signal"), Some("traces"));
    }

    #[test]
    fn counts_garbage_lines() {
        let page = parse("<html>\nnot a metric line at all\nok 1\n");
        assert_eq!(page.samples.len(), 1);
        assert_eq!(page.skipped, 2);
    }
}
