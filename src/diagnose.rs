//! The library's self-test: the report `otlp-doctor check` makes, from the application's own
//! `OTEL_*` environment, for a startup check or a health endpoint.
//!
//! [`diagnose_from_env`] is an `async fn` for a tokio runtime the application already runs
//! (multi-thread or current-thread; it needs the IO and time drivers, i.e. `enable_all()`): it
//! never blocks a worker thread, never prints, never panics (an internal failure becomes a
//! report), and the returned [`Report`] holds no raw header value. It sends one probe span (and,
//! when asked, a metric point and a log record) under the service name `otlp-doctor` to the
//! configured endpoint, exactly as `check` does.

use crate::checks::pipeline::{self, Quiet};
use crate::otlp::payload::ProbeData;
use crate::report::mask::Redactor;
use crate::report::{CheckRecord, CheckStatus, Report, Verdict};
use crate::settings::{self, EnvSource, ProcessEnv, Selection, Signal, TargetOptions};
use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

/// Bound on each network step (DNS, TCP, TLS, protocol, export), as `check --timeout` defaults.
pub use crate::settings::options::DEFAULT_STEP_TIMEOUT;

/// What to diagnose and how long each step may take.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagnoseOptions {
    /// The signals whose exporters are checked; empty means traces (as `check` without
    /// `--signals`).
    pub signals: Vec<Signal>,
    /// Bound on each network step. A diagnosis takes at most a few of these per endpoint.
    pub step_timeout: Duration,
}

impl Default for DiagnoseOptions {
    /// Traces only, 5 s per step.
    fn default() -> Self {
        DiagnoseOptions {
            signals: vec![Signal::Traces],
            step_timeout: DEFAULT_STEP_TIMEOUT,
        }
    }
}

/// Diagnoses the export path configured by this process's `OTEL_*` variables (traces, 5 s per
/// step). Call it from inside a tokio runtime:
///
/// ```no_run
/// # async fn startup() {
/// let report = otlp_doctor::diagnose_from_env().await;
/// if let Some(cause) = report.root_cause() {
///     eprintln!("telemetry will not arrive: {} ({})", cause.title, cause.code);
/// }
/// # }
/// ```
pub async fn diagnose_from_env() -> Report {
    diagnose_from_env_with(DiagnoseOptions::default()).await
}

/// [`diagnose_from_env`] with other signals or step timeout.
pub async fn diagnose_from_env_with(options: DiagnoseOptions) -> Report {
    diagnose_with_env(&ProcessEnv, options).await
}

/// Diagnoses the configuration `env` describes (e.g. a [`settings::MapEnv`]). The environment is
/// read before this returns; the future owns everything it needs, so it can be spawned.
pub fn diagnose_with_env(
    env: &dyn EnvSource,
    options: DiagnoseOptions,
) -> impl Future<Output = Report> + Send + 'static {
    let prepared = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let resolution = settings::resolve(env, &TargetOptions::default());
        let redactor = settings::secrets::redactor(&resolution, env);
        (resolution, redactor)
    }));
    let selection = selection(&options.signals);
    async move {
        let (resolution, redactor) = match prepared {
            Ok(prepared) => prepared,
            Err(panic) => return could_not_run(&panic_message(&*panic), &Redactor::new()),
        };
        let data = ProbeData::new();
        let run = pipeline::diagnose(&resolution, &selection, options.step_timeout, &data, &Quiet);
        match AssertUnwindSafe(run).catch_unwind().await {
            Ok(report) => redact(report, &redactor),
            Err(panic) => could_not_run(&panic_message(&*panic), &redactor),
        }
    }
}

/// The caller named these signals, so a disabled exporter for one of them is an error (as in
/// `check`).
fn selection(signals: &[Signal]) -> Selection {
    let mut signals = if signals.is_empty() {
        vec![Signal::Traces]
    } else {
        signals.to_vec()
    };
    signals.sort();
    signals.dedup();
    Selection {
        signals,
        explicit: true,
    }
}

/// The CLI masks secrets when it renders; a library caller gets the data itself, so every text
/// field is masked here.
fn redact(mut report: Report, redactor: &Redactor) -> Report {
    let mask = |text: &mut String| *text = redactor.redact(text);
    if let Some(target) = &mut report.target {
        mask(&mut target.endpoint);
    }
    for check in &mut report.checks {
        mask(&mut check.summary);
    }
    for finding in &mut report.findings {
        mask(&mut finding.title);
        if let Some(endpoint) = &mut finding.endpoint {
            mask(endpoint);
        }
        finding
            .evidence
            .iter_mut()
            .chain(&mut finding.fix)
            .chain(&mut finding.docs)
            .chain(
                finding
                    .fixes
                    .iter_mut()
                    .flat_map(|fix| fix.param_values_mut()),
            )
            .for_each(mask);
    }
    for row in report.sections.iter_mut().flat_map(|s| &mut s.rows) {
        mask(&mut row.key);
        mask(&mut row.value);
    }
    report
}

/// A diagnosis that stopped on a defect of this library: verdict `broken` with no root cause,
/// and the reason in the `diagnose` check's summary.
fn could_not_run(reason: &str, redactor: &Redactor) -> Report {
    let record = CheckRecord {
        id: "diagnose".to_string(),
        status: CheckStatus::Fail,
        duration_ms: 0.0,
        summary: redactor.redact(&format!(
            "the diagnosis stopped on an internal error: {reason}"
        )),
    };
    let mut report = Report::new(None, vec![record], Vec::new(), 0.0);
    report.verdict = Verdict::Broken;
    report
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Code, Severity};
    use crate::serve::{Receiver, ReceiverConfig, RunningReceiver, batch_channel};
    use crate::settings::MapEnv;

    const TOKEN: &str = "s3cr3t-library-token-0123456789abcdef";

    async fn receiver() -> RunningReceiver {
        let (batches, received) = batch_channel();
        drop(received);
        Receiver::bind(ReceiverConfig::ephemeral(), batches)
            .await
            .expect("receiver binds")
            .start()
    }

    fn quick() -> DiagnoseOptions {
        DiagnoseOptions {
            step_timeout: Duration::from_secs(3),
            ..DiagnoseOptions::default()
        }
    }

    fn codes(report: &Report) -> Vec<(Code, Severity)> {
        report
            .findings
            .iter()
            .map(|f| (f.code, f.severity))
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn healthy_over_grpc_and_http_inside_a_multi_thread_runtime() {
        let receiver = receiver().await;
        for (endpoint, protocol) in [
            (format!("http://{}", receiver.grpc_addr()), "grpc"),
            (format!("http://{}", receiver.http_addr()), "http/protobuf"),
        ] {
            let env = MapEnv::new([
                ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
                ("OTEL_SERVICE_NAME", "library-test"),
            ]);
            let options = DiagnoseOptions {
                signals: Signal::ALL.to_vec(),
                ..quick()
            };
            // Spawnable: the future is Send + 'static.
            let report = tokio::spawn(diagnose_with_env(&env, options))
                .await
                .expect("the diagnosis task ends");
            assert_eq!(
                report.verdict,
                Verdict::Healthy,
                "{protocol}: {:#?}",
                codes(&report)
            );
            assert_eq!(
                report
                    .findings
                    .iter()
                    .filter(|f| f.code == Code::ExportOk)
                    .count(),
                3,
                "{protocol}: {:#?}",
                codes(&report)
            );
        }
        let _ = receiver.stop().await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn refused_inside_a_current_thread_runtime() {
        let address = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let endpoint = format!("http://{address}");
        let env = MapEnv::new([("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str())]);
        let report = diagnose_with_env(&env, quick()).await;
        assert_eq!(report.verdict, Verdict::Broken);
        assert_eq!(
            report.root_cause().map(|f| f.code),
            Some(Code::NetConnRefused),
            "{:#?}",
            codes(&report)
        );
    }

    /// An OTLP/HTTP endpoint that refuses every request with 401 and echoes the request's
    /// `authorization` / `x-api-key` header in the body, as some gateways do.
    async fn echoing_server() -> std::net::SocketAddr {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let request = String::from_utf8_lossy(&request).into_owned();
                    let echoed: Vec<String> = request
                        .lines()
                        .filter_map(|line| line.split_once(':'))
                        .filter(|(name, _)| {
                            ["authorization", "x-api-key"].contains(&name.to_lowercase().as_str())
                        })
                        .map(|(_, value)| {
                            // The whole value, and the bare token as some gateways quote it.
                            let token = value.split_whitespace().last().unwrap_or_default();
                            format!("{value} (token {})", token.trim_matches('"'))
                        })
                        .collect();
                    let body = format!("invalid credentials: {}", echoed.join("; "));
                    let answer = format!(
                        "HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        address
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_raw_header_value_in_the_report() {
        let endpoint = format!("http://{}", echoing_server().await);
        // Well-formed, quoted, padded and malformed items.
        let headers = [
            format!("authorization=Bearer%20{TOKEN}"),
            format!("authorization=\"Bearer {TOKEN}\""),
            format!("x-api-key= {TOKEN} ,broken-{TOKEN}"),
            format!("authorization={TOKEN}"),
        ];
        for value in &headers {
            let env = MapEnv::new([
                ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
                ("OTEL_EXPORTER_OTLP_HEADERS", value.as_str()),
                ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", value.as_str()),
            ]);
            // The export check quotes the server's answer, and this server echoes the secret:
            // only the masking keeps it out of the library's report.
            let resolution = settings::resolve(&env, &TargetOptions::default());
            let raw = pipeline::diagnose(
                &resolution,
                &selection(&[]),
                Duration::from_secs(3),
                &ProbeData::new(),
                &Quiet,
            )
            .await;
            let raw = serde_json::to_string(&raw).expect("serializes");
            assert!(
                raw.contains(&TOKEN[4..]),
                "{value}: the server did not echo: {raw}"
            );

            let report = diagnose_with_env(&env, quick()).await;
            assert_eq!(report.verdict, Verdict::Broken, "{value}");
            let json = serde_json::to_string(&report).expect("serializes");
            assert!(!json.contains(&TOKEN[4..]), "{value}: {json}");
        }
    }

    #[test]
    fn selection_defaults_to_traces_and_is_explicit() {
        let chosen = selection(&[]);
        assert_eq!(chosen.signals, [Signal::Traces]);
        assert!(chosen.explicit);
        let chosen = selection(&[Signal::Logs, Signal::Traces, Signal::Logs]);
        assert_eq!(chosen.signals, [Signal::Traces, Signal::Logs]);
    }

    #[test]
    fn an_internal_failure_is_a_broken_report_without_the_secret() {
        let mut redactor = Redactor::new();
        redactor.add(TOKEN);
        let report = could_not_run(&format!("bad state near {TOKEN}"), &redactor);
        assert_eq!(report.verdict, Verdict::Broken);
        assert!(report.root_cause().is_none());
        assert!(
            !serde_json::to_string(&report)
                .expect("json")
                .contains(TOKEN)
        );
    }
}
