//! A probe's outcome as a Prometheus page: `probe_success`, `probe_duration_seconds`, one
//! `otlp_doctor_finding` per error or warning, and per-layer success and duration.
//!
//! Label values come from closed sets (finding codes, severities, layer ids, verdicts, protocol,
//! module names from the file), so every series set is bounded; the target is not a label
//! (Prometheus adds it as `instance`).

use super::exposition::{Exposition, Kind};
use super::run::{ProbeOutcome, ProbeResult};
use crate::report::{CheckStatus, Report, Severity, Verdict};

/// Renders the page `/probe` answers.
pub fn probe_page(outcome: &ProbeOutcome) -> String {
    let mut page = Exposition::new();
    page.single(
        "probe_success",
        Kind::Gauge,
        "Whether the OTLP export path works: 1 unless the verdict is broken or the probe timed out",
        bool_value(outcome.success()),
    );
    page.single(
        "probe_duration_seconds",
        Kind::Gauge,
        "How long the probe took, in seconds",
        outcome.duration.as_secs_f64(),
    );
    let signals = outcome
        .signals
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",");
    page.family(
        "otlp_doctor_probe_info",
        Kind::Gauge,
        "What was probed: module, protocol and signals",
    )
    .sample(
        "otlp_doctor_probe_info",
        &[
            ("module", &outcome.module_name),
            ("protocol", outcome.protocol.as_str()),
            ("signals", &signals),
        ],
        1.0,
    );
    let timed_out = matches!(outcome.result, ProbeResult::TimedOut { .. });
    page.single(
        "otlp_doctor_probe_timed_out",
        Kind::Gauge,
        "1 when the probe hit its deadline (the scrape timeout) before every check finished",
        bool_value(timed_out),
    );
    match &outcome.result {
        ProbeResult::Finished(report) => finished(&mut page, report),
        ProbeResult::TimedOut { started } => cut_short(&mut page, started),
    }
    page.into_text()
}

fn finished(page: &mut Exposition, report: &Report) {
    page.family(
        "otlp_doctor_verdict",
        Kind::Gauge,
        "The verdict of the probe: 1 for the current one of healthy, degraded, broken",
    );
    for verdict in [Verdict::Healthy, Verdict::Degraded, Verdict::Broken] {
        page.sample(
            "otlp_doctor_verdict",
            &[("verdict", verdict.as_str())],
            bool_value(report.verdict == verdict),
        );
    }

    page.family(
        "otlp_doctor_finding",
        Kind::Gauge,
        "An error or warning the probe found; `otlp-doctor explain CODE` says what to do",
    );
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for finding in report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
    {
        let key = (finding.code.as_str(), finding.severity.as_str());
        if !seen.contains(&key) {
            seen.push(key);
            page.sample(
                "otlp_doctor_finding",
                &[("code", key.0), ("severity", key.1)],
                1.0,
            );
        }
    }

    let checks = checks(report);
    page.family(
        "otlp_doctor_check_success",
        Kind::Gauge,
        "Whether a check passed (1) or failed (0); checks skipped after a failure are absent",
    );
    for check in &checks {
        page.sample(
            "otlp_doctor_check_success",
            &[("check", check.id)],
            bool_value(!check.failed),
        );
    }
    page.family(
        "otlp_doctor_check_duration_seconds",
        Kind::Gauge,
        "How long a check took, in seconds",
    );
    for check in &checks {
        page.sample(
            "otlp_doctor_check_duration_seconds",
            &[("check", check.id)],
            check.seconds,
        );
    }
    if let Some(phases) = &report.phases {
        page.family(
            "otlp_doctor_probe_phase_seconds",
            Kind::Gauge,
            "Seconds per phase, as blackbox_exporter's probe_http_duration_seconds: dns, connect, tls, first_byte (the empty OTLP export's answer), export (the test telemetry's); phases that did not run are absent",
        );
        for (phase, seconds) in phases.ran() {
            page.sample(
                "otlp_doctor_probe_phase_seconds",
                &[("phase", phase)],
                seconds,
            );
        }
    }
}

/// Without a report only the order of the layers is known: the ones before the last started
/// passed (the pipeline stops at a failure), the last one was still running.
fn cut_short(page: &mut Exposition, started: &[String]) {
    page.family(
        "otlp_doctor_check_success",
        Kind::Gauge,
        "Whether a check passed (1) or failed (0); checks skipped after a failure are absent",
    );
    for (index, id) in started.iter().enumerate() {
        page.sample(
            "otlp_doctor_check_success",
            &[("check", id)],
            bool_value(index + 1 < started.len()),
        );
    }
}

/// One line per layer id, however many endpoints the report walked.
struct CheckLine<'a> {
    id: &'a str,
    failed: bool,
    seconds: f64,
}

fn checks(report: &Report) -> Vec<CheckLine<'_>> {
    let mut lines: Vec<CheckLine<'_>> = Vec::new();
    for record in report
        .checks
        .iter()
        .filter(|c| c.status != CheckStatus::Skip)
    {
        let failed = record.status == CheckStatus::Fail;
        let seconds = record.duration_ms / 1000.0;
        match lines.iter_mut().find(|l| l.id == record.id) {
            Some(line) => {
                line.failed |= failed;
                line.seconds += seconds;
            }
            None => lines.push(CheckLine {
                id: &record.id,
                failed,
                seconds,
            }),
        }
    }
    lines
}

fn bool_value(value: bool) -> f64 {
    if value { 1.0 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collector::metrics::exposition::{Page, parse};
    use crate::report::{CheckRecord, Code, Finding};
    use crate::settings::{Protocol, Signal};
    use std::time::Duration;

    fn record(id: &str, status: CheckStatus) -> CheckRecord {
        CheckRecord {
            id: id.into(),
            status,
            duration_ms: 2.0,
            summary: String::new(),
        }
    }

    fn outcome(result: ProbeResult) -> ProbeOutcome {
        ProbeOutcome {
            module_name: "default".into(),
            protocol: Protocol::Grpc,
            signals: vec![Signal::Traces, Signal::Logs],
            duration: Duration::from_millis(1500),
            result,
        }
    }

    fn value(page: &Page, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        page.samples
            .iter()
            .find(|s| s.name == name && labels.iter().all(|(k, v)| s.label(k) == Some(v)))
            .map(|s| s.value)
    }

    #[test]
    fn a_refused_connection_is_a_failed_probe_with_its_finding() {
        let findings = vec![
            Finding::new(Code::NetConnRefused, Severity::Error, "tcp", "refused"),
            Finding::new(
                Code::CfgServiceNameMissing,
                Severity::Info,
                "config",
                "no name",
            ),
        ];
        let checks = vec![
            record("config", CheckStatus::Pass),
            record("dns", CheckStatus::Pass),
            record("tcp", CheckStatus::Fail),
            record("tls", CheckStatus::Skip),
        ];
        let report = Report::new(None, checks, findings, 3.0);
        let text = probe_page(&outcome(ProbeResult::Finished(Box::new(report))));
        let page = parse(&text);
        assert_eq!(page.skipped, 0, "{text}");
        assert_eq!(value(&page, "probe_success", &[]), Some(0.0));
        assert_eq!(value(&page, "probe_duration_seconds", &[]), Some(1.5));
        // dns and tcp ran (record() gives each 2 ms), tls was skipped.
        assert_eq!(
            value(
                &page,
                "otlp_doctor_probe_phase_seconds",
                &[("phase", "connect")]
            ),
            Some(0.002),
            "{text}"
        );
        assert_eq!(
            value(
                &page,
                "otlp_doctor_probe_phase_seconds",
                &[("phase", "tls")]
            ),
            None
        );
        assert!(
            text.contains("otlp_doctor_finding{code=\"NET_CONN_REFUSED\",severity=\"error\"} 1\n")
        );
        assert!(
            !text.contains("CFG_SERVICE_NAME_MISSING"),
            "info findings are left out"
        );
        assert_eq!(
            value(&page, "otlp_doctor_check_success", &[("check", "tcp")]),
            Some(0.0)
        );
        assert_eq!(
            value(&page, "otlp_doctor_check_success", &[("check", "dns")]),
            Some(1.0)
        );
        assert_eq!(
            value(&page, "otlp_doctor_check_success", &[("check", "tls")]),
            None
        );
        assert_eq!(
            value(
                &page,
                "otlp_doctor_check_duration_seconds",
                &[("check", "tcp")]
            ),
            Some(0.002)
        );
        assert_eq!(
            value(&page, "otlp_doctor_verdict", &[("verdict", "broken")]),
            Some(1.0)
        );
        assert_eq!(
            value(&page, "otlp_doctor_verdict", &[("verdict", "healthy")]),
            Some(0.0)
        );
        assert_eq!(
            value(
                &page,
                "otlp_doctor_probe_info",
                &[("protocol", "grpc"), ("signals", "traces,logs")]
            ),
            Some(1.0)
        );
        for family in [
            "probe_success",
            "otlp_doctor_finding",
            "otlp_doctor_check_success",
        ] {
            assert!(
                text.contains(&format!("# TYPE {family} gauge\n")),
                "{family}"
            );
            assert!(text.contains(&format!("# HELP {family} ")), "{family}");
        }
    }

    #[test]
    fn warnings_keep_the_probe_successful_and_repeated_codes_appear_once() {
        let warning = || Finding::new(Code::ExportSlow, Severity::Warning, "export", "slow");
        let report = Report::new(
            None,
            vec![record("export", CheckStatus::Warn)],
            vec![warning(), warning()],
            1.0,
        );
        let text = probe_page(&outcome(ProbeResult::Finished(Box::new(report))));
        assert!(text.contains("\nprobe_success 1\n"), "{text}");
        assert_eq!(text.matches("otlp_doctor_finding{").count(), 1, "{text}");
        assert!(text.contains("otlp_doctor_check_success{check=\"export\"} 1\n"));
        assert!(text.contains("otlp_doctor_verdict{verdict=\"degraded\"} 1\n"));
    }

    #[test]
    fn a_timed_out_probe_fails_and_names_the_layer_it_was_in() {
        let started = vec!["dns".to_string(), "tcp".to_string(), "protocol".to_string()];
        let text = probe_page(&outcome(ProbeResult::TimedOut { started }));
        let page = parse(&text);
        assert_eq!(value(&page, "probe_success", &[]), Some(0.0));
        assert_eq!(value(&page, "otlp_doctor_probe_timed_out", &[]), Some(1.0));
        assert_eq!(
            value(&page, "otlp_doctor_check_success", &[("check", "tcp")]),
            Some(1.0)
        );
        assert_eq!(
            value(&page, "otlp_doctor_check_success", &[("check", "protocol")]),
            Some(0.0)
        );
        assert!(!text.contains("otlp_doctor_verdict"));
    }
}
