//! Captures: export requests kept in a file as OTLP JSON lines, the format the Collector's file
//! exporter writes (`format: json`): one export request per line, `{"resourceSpans": …}`,
//! `{"resourceMetrics": …}` or `{"resourceLogs": …}`, in OTLP/JSON (hex ids, lowerCamelCase,
//! 64-bit integers as strings). `serve --save` writes one, `serve --open` shows one, and
//! `send --replay` sends one again.

use super::json;
use super::payload::ExportRequest;
use crate::settings::Signal;
use std::path::{Path, PathBuf};

/// The top-level key of each signal's export request in OTLP/JSON.
const SIGNAL_KEYS: [(&str, Signal); 3] = [
    ("resourceSpans", Signal::Traces),
    ("resourceMetrics", Signal::Metrics),
    ("resourceLogs", Signal::Logs),
];

/// A capture that cannot be read, with the line at fault.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}:{line}: {problem}; each line must be one OTLP/JSON export request ({{\"resourceSpans\": …}}, {{\"resourceMetrics\": …}} or {{\"resourceLogs\": …}}), as `serve --save` and the Collector's file exporter (format: json, no compression) write",
        path.display()
    )]
    Line {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error(
        "{} holds no export request; save one with `otlp-doctor serve --save FILE` or the Collector's file exporter",
        path.display()
    )]
    Empty { path: PathBuf },
}

/// The line `serve --save` appends for one request, newline included. An empty request keeps its
/// signal's key (`{"resourceSpans":[]}`): OTLP/JSON leaves empty lists out, and without the key the
/// line would say nothing about what it was.
pub fn line(request: &ExportRequest) -> Result<Vec<u8>, super::OtlpError> {
    let mut value = json::to_value(request)?;
    let signal = request.signal();
    if let serde_json::Value::Object(members) = &mut value {
        let (key, _) = SIGNAL_KEYS
            .iter()
            .find(|(_, s)| *s == signal)
            .expect("every signal has a key");
        members
            .entry(*key)
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
    }
    let mut line =
        serde_json::to_vec(&value).map_err(|source| super::OtlpError::Json { signal, source })?;
    line.push(b'\n');
    Ok(line)
}

/// Every export request of the capture at `path`, in file order; blank lines are skipped.
pub fn read(path: &Path) -> Result<Vec<ExportRequest>, CaptureError> {
    let bytes = std::fs::read(path).map_err(|source| CaptureError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let requests = parse(&bytes).map_err(|(line, problem)| CaptureError::Line {
        path: path.to_path_buf(),
        line,
        problem,
    })?;
    if requests.is_empty() {
        return Err(CaptureError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(requests)
}

/// The requests of a capture's bytes, or the 1-based line that is not one, and why.
pub fn parse(bytes: &[u8]) -> Result<Vec<ExportRequest>, (usize, String)> {
    if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Err((1, "the file is zstd-compressed".into()));
    }
    let mut requests = Vec::new();
    for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let text = raw.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let request = parse_line(text).map_err(|problem| (index + 1, problem))?;
        requests.push(request);
    }
    Ok(requests)
}

fn parse_line(text: &[u8]) -> Result<ExportRequest, String> {
    let value: serde_json::Value =
        serde_json::from_slice(text).map_err(|e| format!("not JSON ({e})"))?;
    let object = value
        .as_object()
        .ok_or_else(|| "not a JSON object".to_string())?;
    let (key, signal) = SIGNAL_KEYS
        .iter()
        .find(|(key, _)| object.contains_key(*key))
        .ok_or_else(|| {
            let keys: Vec<&str> = object.keys().map(String::as_str).take(5).collect();
            format!("no resourceSpans, resourceMetrics or resourceLogs (keys: {keys:?})")
        })?;
    let wrong = |e: serde_json::Error| format!("{key} is not a valid {signal} request ({e})");
    Ok(match signal {
        Signal::Traces => ExportRequest::Traces(serde_json::from_value(value).map_err(wrong)?),
        Signal::Metrics => ExportRequest::Metrics(serde_json::from_value(value).map_err(wrong)?),
        Signal::Logs => ExportRequest::Logs(serde_json::from_value(value).map_err(wrong)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::payload::ProbeData;

    #[test]
    fn saved_lines_read_back_as_the_same_requests() {
        let probe = ProbeData::new();
        let requests: Vec<ExportRequest> = Signal::ALL
            .into_iter()
            .map(|signal| ExportRequest::probe(signal, &probe))
            .collect();
        let bytes: Vec<u8> = requests
            .iter()
            .flat_map(|r| line(r).expect("encodes"))
            .collect();
        assert_eq!(bytes.iter().filter(|b| **b == b'\n').count(), 3);
        assert_eq!(parse(&bytes).expect("parses"), requests);
    }

    #[test]
    fn an_empty_request_keeps_its_signal() {
        let empty = ExportRequest::Metrics(Default::default());
        let saved = line(&empty).expect("encodes");
        assert_eq!(saved, b"{\"resourceMetrics\":[]}\n");
        assert_eq!(parse(&saved).expect("parses"), vec![empty]);
    }

    #[test]
    fn blank_lines_are_skipped_and_a_bad_line_is_named() {
        let good = line(&ExportRequest::probe(Signal::Logs, &ProbeData::new())).expect("encodes");
        let mut bytes = b"\n".to_vec();
        bytes.extend_from_slice(&good);
        bytes.extend_from_slice(b"\r\n{\"spans\": []}\n");
        let (line, problem) = parse(&bytes).expect_err("line 4 is not OTLP");
        assert_eq!(line, 4, "a CR-only line is blank too");
        assert!(problem.contains("no resourceSpans"), "{problem}");
        assert!(problem.contains("spans"), "{problem}");
        assert_eq!(parse(b"nope").expect_err("not JSON").0, 1);
        assert!(
            parse(&[0x28, 0xb5, 0x2f, 0xfd, 0])
                .expect_err("zstd")
                .1
                .contains("zstd")
        );
    }
}
