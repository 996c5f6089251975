//! The `health` check of `otlp-doctor collector`: GETs the health_check extension and reads
//! both answer shapes, the classic extension's `{"status":"Server available",...}` (200/503)
//! and healthcheckv2's `{"healthy":true,"status":"StatusOK",...}` (200/503/500), including
//! the per-component statuses of a `?verbose` answer.

use super::CHECK_HEALTH;
use crate::knowledge::fix::Fix;
use crate::report::layer::Layer;
use crate::report::{Code, Finding, Section, Severity};
use crate::transport::fetch::{self, Answer, FetchError};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The extension's default address and path.
pub const DEFAULT_HEALTH_URL: &str = "http://localhost:13133/";

/// What the body said, in whichever shape it came.
#[derive(Debug, Clone, PartialEq)]
pub enum HealthBody {
    /// health_check: `status` is `Server available` or `Server not available`.
    Classic {
        status: String,
        up_since: Option<String>,
        uptime: Option<String>,
    },
    /// healthcheckv2: overall `healthy` and `status` (`StatusOK`, `StatusRecoverableError`, ...),
    /// the overall `error`, and `component: status: error` of every unwell component.
    V2 {
        healthy: bool,
        status: String,
        error: Option<String>,
        problems: Vec<String>,
    },
    /// Not JSON of a known shape: a custom `response_body`, or another server's page; kept as
    /// an excerpt, with what it looks like when that is recognisable.
    Other {
        excerpt: String,
        foreign: Option<&'static str>,
    },
}

impl HealthBody {
    pub fn parse(body: &str) -> HealthBody {
        let other = || HealthBody::Other {
            excerpt: excerpt(body),
            foreign: foreign_page(body),
        };
        let Ok(json) = serde_json::from_str::<Value>(body) else {
            return other();
        };
        let text = |key: &str| json.get(key).and_then(Value::as_str).map(str::to_string);
        if let Some(healthy) = json.get("healthy").and_then(Value::as_bool) {
            let mut problems = Vec::new();
            if let Some(components) = json.get("components") {
                collect_problems(components, "", &mut problems);
            }
            return HealthBody::V2 {
                healthy,
                status: text("status").unwrap_or_default(),
                error: text("error"),
                problems,
            };
        }
        match text("status") {
            Some(status) => HealthBody::Classic {
                status,
                up_since: text("upSince"),
                uptime: text("uptime").filter(|u| !u.is_empty()),
            },
            None => other(),
        }
    }

    /// The status words to quote in evidence.
    pub fn status(&self) -> String {
        match self {
            HealthBody::Classic { status, .. } => status.clone(),
            HealthBody::V2 { status, error, .. } => match error {
                Some(error) => format!("{status}: {error}"),
                None => status.clone(),
            },
            HealthBody::Other { excerpt, .. } if excerpt.is_empty() => "(empty body)".into(),
            HealthBody::Other { excerpt, .. } => excerpt.clone(),
        }
    }
}

/// Walks a verbose v2 answer and keeps the leaves whose status is neither OK nor starting.
fn collect_problems(components: &Value, path: &str, out: &mut Vec<String>) {
    let Some(map) = components.as_object() else {
        return;
    };
    for (name, component) in map {
        let here = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} > {name}")
        };
        match component.get("components") {
            Some(children) => collect_problems(children, &here, out),
            None => {
                let status = component
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if matches!(status, "StatusOK" | "StatusStarting" | "") {
                    continue;
                }
                let error = component.get("error").and_then(Value::as_str);
                out.push(match error {
                    Some(error) => format!("{here}: {status}: {error}"),
                    None => format!("{here}: {status}"),
                });
            }
        }
    }
}

/// What a 200 body that is not health_check's JSON is, when it is plainly another kind of page;
/// `None` for a short text, which is what a custom `response_body` looks like.
fn foreign_page(body: &str) -> Option<&'static str> {
    let start = body.trim_start();
    let lower = start
        .get(..start.len().min(64))
        .unwrap_or(start)
        .to_ascii_lowercase();
    if start.is_empty() {
        Some("an empty body")
    } else if start.starts_with("# HELP") || start.starts_with("# TYPE") {
        Some("a Prometheus metrics page (the Collector's internal telemetry is usually on :8888)")
    } else if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        Some("an HTML page")
    } else if start.starts_with('{') || start.starts_with('[') {
        Some("JSON without the health_check extension's status field")
    } else {
        None
    }
}

/// At most one line of at most 200 characters.
fn excerpt(body: &str) -> String {
    let line = body.trim().lines().next().unwrap_or_default();
    if line.chars().count() > 200 {
        format!("{}…", line.chars().take(200).collect::<String>())
    } else {
        line.to_string()
    }
}

/// Probes `url` and judges the answer.
pub async fn check(url: &str, timeout: Duration) -> (Layer, Section) {
    let started = Instant::now();
    let fetched = fetch::get(url, "application/json", timeout).await;
    judge(url, fetched, started.elapsed())
}

/// Turns what the GET returned into the check's outcome (separate from I/O for tests).
pub fn judge(url: &str, fetched: Result<Answer, FetchError>, took: Duration) -> (Layer, Section) {
    let mut section = Section::new("collector health").row("url", url, Some("--health-url".into()));
    let answer = match fetched {
        Ok(answer) => answer,
        Err(error) => {
            let finding = unreachable(url, format!("GET {url}: {error}"));
            let layer = Layer::from_findings(
                CHECK_HEALTH,
                format!("no answer from {url}"),
                vec![finding],
                took,
            );
            return (layer, section.row("answer", error.to_string(), None));
        }
    };
    let body = HealthBody::parse(&answer.body);
    section = section
        .row("http status", answer.status.to_string(), None)
        .row("status", body.status(), None);
    if let HealthBody::Classic {
        up_since, uptime, ..
    } = &body
    {
        if let Some(up_since) = up_since {
            section = section.row("up since", up_since, None);
        }
        if let Some(uptime) = uptime {
            section = section.row("uptime", uptime, None);
        }
    }
    let evidence = format!(
        "GET {url} answered {} with status '{}'",
        answer.status,
        body.status()
    );
    let (summary, findings) = match answer.status {
        200..=299 => healthy_answer(&body, evidence),
        500..=599 => (
            format!("not ready: {} {}", answer.status, body.status()),
            vec![not_ready(&body, evidence)],
        ),
        404 => (
            format!("{url} answered 404"),
            vec![unreachable(url, evidence).evidence(
                "nothing is served at this path: health_check answers on / by default (its path setting), healthcheckv2 on /status",
            )],
        ),
        status => (
            format!("{url} answered {status}"),
            vec![unreachable(url, evidence).evidence(format!(
                "{status} is not an answer of the health_check extension (200, 503, or 500 for healthcheckv2)"
            ))],
        ),
    };
    (
        Layer::from_findings(CHECK_HEALTH, summary, findings, took),
        section,
    )
}

fn healthy_answer(body: &HealthBody, evidence: String) -> (String, Vec<Finding>) {
    match body {
        HealthBody::V2 {
            status, problems, ..
        } if status != "StatusOK" || !problems.is_empty() => {
            let mut finding = Finding::new(
                Code::ColUnhealthy,
                Severity::Warning,
                CHECK_HEALTH,
                format!("the Collector is up but reports {status}"),
            )
            .evidence(evidence);
            for problem in problems {
                finding = finding.evidence(problem.clone());
            }
            finding = finding
                .fix(Fix::new("collector.read_component_log"))
                .fix(Fix::new("collector.append_verbose"));
            (format!("up, but {status}"), vec![finding])
        }
        HealthBody::Other {
            foreign: Some(looks_like),
            ..
        } => {
            let finding = Finding::new(
                Code::ColHealthNotHealthCheck,
                Severity::Warning,
                CHECK_HEALTH,
                format!(
                    "the health URL answered 200, but with {looks_like}, not a health_check answer"
                ),
            )
            .evidence(evidence)
            .fix(Fix::new("collector.point_at_health_check"));
            (
                "200, but not a health_check answer".to_string(),
                vec![finding],
            )
        }
        HealthBody::Other { foreign: None, .. } => {
            ("healthy (200, custom body)".to_string(), Vec::new())
        }
        HealthBody::Classic { uptime, .. } => (
            match uptime {
                Some(uptime) => format!("healthy: {}, up {uptime}", body.status()),
                None => format!("healthy: {}", body.status()),
            },
            Vec::new(),
        ),
        HealthBody::V2 { status, .. } => (format!("healthy: {status}"), Vec::new()),
    }
}

fn not_ready(body: &HealthBody, evidence: String) -> Finding {
    let mut finding = Finding::new(
        Code::ColUnhealthy,
        Severity::Error,
        CHECK_HEALTH,
        "the Collector reports that it is not ready",
    )
    .evidence(evidence);
    if let HealthBody::V2 { problems, .. } = body {
        for problem in problems {
            finding = finding.evidence(problem.clone());
        }
    }
    finding
        .fix(Fix::new("collector.read_startup_log"))
        .fix(Fix::new("collector.restart_after_fixing"))
}

fn unreachable(url: &str, evidence: String) -> Finding {
    Finding::new(
        Code::ColHealthUnreachable,
        Severity::Error,
        CHECK_HEALTH,
        format!("the Collector's health_check endpoint {url} cannot be reached"),
    )
    .evidence(evidence)
    .fix(Fix::new("collector.enable_health_check"))
    .fix(Fix::new("collector.health_check_binds_localhost"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CheckStatus;

    fn answer(status: u16, body: &str) -> Result<Answer, FetchError> {
        Ok(Answer {
            status,
            content_type: Some("application/json".into()),
            body: body.into(),
        })
    }

    const URL: &str = "http://127.0.0.1:13133/";

    #[test]
    fn classic_available_is_healthy() {
        let (layer, section) = judge(
            URL,
            answer(
                200,
                r#"{"status":"Server available","upSince":"2024-06-01T10:00:00Z","uptime":"1m2.3s"}"#,
            ),
            Duration::ZERO,
        );
        assert_eq!(layer.status, CheckStatus::Pass);
        assert!(layer.findings.is_empty());
        assert_eq!(layer.summary, "healthy: Server available, up 1m2.3s");
        assert!(section.rows.iter().any(|r| r.value == "1m2.3s"));
    }

    #[test]
    fn classic_not_available_is_unhealthy() {
        let (layer, _) = judge(
            URL,
            answer(
                503,
                r#"{"status":"Server not available","upSince":"0001-01-01T00:00:00Z","uptime":""}"#,
            ),
            Duration::ZERO,
        );
        assert_eq!(layer.status, CheckStatus::Fail);
        assert_eq!(layer.findings[0].code, Code::ColUnhealthy);
        assert!(layer.findings[0].evidence[0].contains("'Server not available'"));
    }

    #[test]
    fn v2_shapes() {
        let (layer, _) = judge(
            URL,
            answer(
                200,
                r#"{"start_time":"2024-01-18T17:27:12Z","healthy":true,"status":"StatusOK"}"#,
            ),
            Duration::ZERO,
        );
        assert_eq!(layer.status, CheckStatus::Pass, "{:?}", layer.findings);

        let verbose = r#"{"healthy":true,"status":"StatusRecoverableError","error":"rpc error: code = ResourceExhausted",
          "components":{"pipeline:metrics/grpc":{"healthy":true,"status":"StatusRecoverableError","components":{
             "exporter:otlp/staging":{"healthy":true,"status":"StatusRecoverableError","error":"rpc error: code = ResourceExhausted"},
             "receiver:otlp":{"healthy":true,"status":"StatusOK"}}}}}"#;
        let (layer, _) = judge(URL, answer(200, verbose), Duration::ZERO);
        assert_eq!(layer.status, CheckStatus::Warn);
        let evidence = &layer.findings[0].evidence;
        assert!(
            evidence.iter().any(|e| e
                == "pipeline:metrics/grpc > exporter:otlp/staging: StatusRecoverableError: rpc error: code = ResourceExhausted"),
            "{evidence:?}"
        );

        let (layer, _) = judge(
            URL,
            answer(
                500,
                r#"{"healthy":false,"status":"StatusFatalError","error":"boom"}"#,
            ),
            Duration::ZERO,
        );
        assert_eq!(layer.status, CheckStatus::Fail);
        assert!(layer.findings[0].evidence[0].contains("StatusFatalError: boom"));
    }

    #[test]
    fn wrong_path_and_connection_errors_are_unreachable() {
        let (layer, _) = judge(URL, answer(404, "404 page not found"), Duration::ZERO);
        assert_eq!(layer.findings[0].code, Code::ColHealthUnreachable);
        let error = FetchError::TimedOut(Duration::from_secs(5));
        let (layer, _) = judge(URL, Err(error), Duration::ZERO);
        assert_eq!(layer.findings[0].code, Code::ColHealthUnreachable);
        assert!(layer.findings[0].evidence[0].contains("no answer within 5s"));
        assert!(
            layer.findings[0]
                .fix
                .iter()
                .any(|f| f.contains("localhost:13133"))
        );
        assert!(
            layer.findings[0]
                .fix
                .iter()
                .any(|f| f.contains("service::extensions"))
        );
    }

    #[test]
    fn another_servers_page_is_not_a_health_answer() {
        for body in [
            "# HELP otelcol_process_uptime Uptime\n# TYPE otelcol_process_uptime counter\n",
            "<!DOCTYPE html><html><body>Welcome to nginx!</body></html>",
            "",
            r#"{"version":"1.0"}"#,
        ] {
            let (layer, _) = judge(URL, answer(200, body), Duration::ZERO);
            assert_eq!(layer.status, CheckStatus::Warn, "{body}");
            assert_eq!(
                layer.findings[0].code,
                Code::ColHealthNotHealthCheck,
                "{body}"
            );
        }
    }

    #[test]
    fn custom_body_is_healthy() {
        let (layer, _) = judge(URL, answer(200, "I'm alive"), Duration::ZERO);
        assert_eq!(layer.status, CheckStatus::Pass);
    }
}
