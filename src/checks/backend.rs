//! The `backend` check (`check --verify-backend KIND=URL`): after the export, polls the backend's
//! trace-by-id API until the probe trace appears or a deadline passes, because "exported fine but
//! not in the backend" is the commonest complaint. Jaeger and Tempo serve `GET /api/traces/{id}`,
//! Zipkin `GET /api/v2/trace/{id}`; each answers 404 while the trace is unknown (Jaeger v2
//! 1.75: `{"data":null,...,"errors":[{"code":404,"msg":"trace not found"}]}` as text/plain;
//! Zipkin 3.5: the text `<id> not found`), and 200 with the trace once indexed (Jaeger:
//! `{"data":[{"traceID":...,"spans":[...]}],...}`; Zipkin: a JSON array of spans).

use crate::knowledge::fix::Fix;
use crate::report::layer::{Layer, millis};
use crate::report::{Code, Finding, Severity};
use crate::transport::fetch::{self, FetchError};
use std::time::{Duration, Instant};

/// Gap between two queries: backends index in batches of about a second.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Jaeger,
    Tempo,
    Zipkin,
}

/// `--verify-backend KIND=URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendQuery {
    pub kind: BackendKind,
    pub base_url: String,
}

impl BackendQuery {
    /// Parses `jaeger=http://jaeger:16686` (the query UI/API port), `tempo=http://tempo:3200`,
    /// `zipkin=http://zipkin:9411`.
    pub fn parse(text: &str) -> Result<BackendQuery, String> {
        let (kind, url) = text
            .split_once('=')
            .ok_or("expected KIND=URL, e.g. jaeger=http://localhost:16686")?;
        let kind = match kind.trim().to_ascii_lowercase().as_str() {
            "jaeger" => BackendKind::Jaeger,
            "tempo" => BackendKind::Tempo,
            "zipkin" => BackendKind::Zipkin,
            other => {
                return Err(format!(
                    "'{other}' is not a backend: use jaeger, tempo or zipkin"
                ));
            }
        };
        let url = url.trim().trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("'{url}' is not an http:// or https:// URL"));
        }
        Ok(BackendQuery {
            kind,
            base_url: url.to_string(),
        })
    }

    pub fn trace_url(&self, trace_id: &str) -> String {
        match self.kind {
            BackendKind::Jaeger | BackendKind::Tempo => {
                format!("{}/api/traces/{trace_id}", self.base_url)
            }
            BackendKind::Zipkin => format!("{}/api/v2/trace/{trace_id}", self.base_url),
        }
    }

    fn name(&self) -> &'static str {
        match self.kind {
            BackendKind::Jaeger => "Jaeger",
            BackendKind::Tempo => "Tempo",
            BackendKind::Zipkin => "Zipkin",
        }
    }
}

/// Polls until the trace is found, the backend is unreachable, or `deadline` passes.
pub async fn verify(
    query: &BackendQuery,
    trace_id: &str,
    deadline: Duration,
    step_timeout: Duration,
) -> Layer {
    let started = Instant::now();
    let url = query.trace_url(trace_id);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let answer = fetch::get(&url, "application/json", step_timeout).await;
        match answer {
            Ok(answer) if answer.status == 200 && contains_trace(&answer.body) => {
                let finding = Finding::new(
                    Code::BackendTraceFound,
                    Severity::Info,
                    "backend",
                    format!(
                        "the probe trace is in {} after {}",
                        query.name(),
                        millis(started.elapsed())
                    ),
                )
                .evidence(format!("GET {url} → 200 after {attempts} queries"));
                return Layer::from_findings(
                    "backend",
                    format!("trace {trace_id} found in {}", query.name()),
                    vec![finding],
                    started.elapsed(),
                );
            }
            Ok(answer) if answer.status == 200 || answer.status == 404 => {}
            Ok(answer) => {
                return unreachable(
                    query,
                    &url,
                    format!(
                        "GET {url} → HTTP {}: {}",
                        answer.status,
                        excerpt(&answer.body)
                    ),
                    started,
                );
            }
            Err(
                error @ (FetchError::InvalidUrl(_)
                | FetchError::Resolve { .. }
                | FetchError::Connect { .. }),
            ) => {
                return unreachable(query, &url, format!("GET {url}: {error}"), started);
            }
            Err(_) => {}
        }
        if started.elapsed() + POLL_INTERVAL > deadline {
            break;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    let finding = Finding::new(
        Code::BackendTraceNotFound,
        Severity::Error,
        "backend",
        format!(
            "the export succeeded, but the trace is not in {} after {}",
            query.name(),
            millis(deadline)
        ),
    )
    .evidence(format!("GET {url} polled {attempts} times: not found"))
    .fix(Fix::new("backend.follow_collector_pipeline"))
    .fix(Fix::new("backend.sampler_may_drop_probe"))
    .fix(Fix::new("backend.tenant_header"))
    .fix(Fix::new("backend.raise_backend_deadline"));
    Layer::from_findings(
        "backend",
        format!("trace {trace_id} not found in {}", query.name()),
        vec![finding],
        started.elapsed(),
    )
}

fn unreachable(query: &BackendQuery, url: &str, evidence: String, started: Instant) -> Layer {
    let finding = Finding::new(
        Code::BackendUnreachable,
        Severity::Error,
        "backend",
        format!(
            "the {} query API at {} cannot be used",
            query.name(),
            query.base_url
        ),
    )
    .evidence(evidence)
    .fix(match query.kind {
        BackendKind::Jaeger => Fix::new("backend.jaeger_query_port"),
        BackendKind::Tempo => Fix::new("backend.tempo_api_port"),
        BackendKind::Zipkin => Fix::new("backend.zipkin_port"),
    });
    Layer::from_findings(
        "backend",
        format!("no usable answer from {url}"),
        vec![finding],
        started.elapsed(),
    )
}

/// Older Jaeger and Zipkin releases answered 200 with `{"data": []}` or `[]` for an unknown
/// trace instead of 404; only a non-empty answer counts.
fn contains_trace(body: &str) -> bool {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::Array(items)) => !items.is_empty(),
        Ok(serde_json::Value::Object(map)) => match map.get("data") {
            Some(serde_json::Value::Array(items)) => !items.is_empty(),
            Some(serde_json::Value::Null) => false,
            _ => !map.is_empty(),
        },
        Ok(_) => false,
        Err(_) => !body.trim().is_empty(),
    }
}

fn excerpt(body: &str) -> String {
    body.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_backend_flags() {
        let query = BackendQuery::parse("jaeger=http://localhost:16686/").expect("valid");
        assert_eq!(
            query.trace_url("abc"),
            "http://localhost:16686/api/traces/abc"
        );
        assert_eq!(
            BackendQuery::parse("zipkin=http://z:9411")
                .expect("valid")
                .trace_url("abc"),
            "http://z:9411/api/v2/trace/abc"
        );
        assert!(BackendQuery::parse("honeycomb=http://x").is_err());
        assert!(BackendQuery::parse("tempo").is_err());
    }

    #[test]
    fn only_non_empty_answers_count() {
        assert!(!contains_trace(r#"{"data":[]}"#));
        assert!(!contains_trace("[]"));
        assert!(contains_trace(r#"{"data":[{"traceID":"abc"}]}"#));
        assert!(contains_trace(r#"[[{"traceId":"abc"}]]"#));
        assert!(contains_trace(r#"{"batches":[{}]}"#));
    }

    #[test]
    fn reads_jaeger_v2_answers() {
        // Bodies as Jaeger 1.75.0 (v2, memory storage) serves them on /api/traces/{id}.
        let not_found = r#"{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]}"#;
        assert!(!contains_trace(not_found));
        let found = r#"{"data":[{"traceID":"0af7651916cd43dd8448eb211c80319c","spans":[{"spanID":"b7ad6b7169203331","operationName":"probe"}],"processes":{"p1":{"serviceName":"probe","tags":[]}},"warnings":null}],"total":0,"limit":0,"offset":0,"errors":null}"#;
        assert!(contains_trace(found));
    }
}
