//! Runs one probe: the target and the module become a fixed environment (never the server
//! process's own `OTEL_*` variables), and `check`'s pipeline (config lint, dns, tcp, tls,
//! protocol, export) runs against it within the request's budget.

use super::request::ProbeRequest;
use crate::checks::pipeline::{self, Progress};
use crate::otlp::payload::ProbeData;
use crate::report::{Report, Verdict};
use crate::settings::{self, MapEnv, Protocol, Selection, Signal, TargetOptions};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What `OTEL_EXPORTER_OTLP_HEADERS` needs encoded inside a value so that it parses back to the
/// same bytes: the item and escape separators, and spaces (which a parser would trim).
const HEADER_VALUE: &AsciiSet = &CONTROLS.add(b' ').add(b'%').add(b',');

/// How a probe ended.
#[derive(Debug)]
pub enum ProbeResult {
    /// Every layer ran (or was skipped after a failure): the full report.
    Finished(Box<Report>),
    /// The deadline cut the probe; the layers that had started, in order.
    TimedOut { started: Vec<String> },
}

/// One probe's result with what it was asked.
#[derive(Debug)]
pub struct ProbeOutcome {
    pub module_name: String,
    pub protocol: Protocol,
    pub signals: Vec<Signal>,
    pub duration: Duration,
    pub result: ProbeResult,
}

impl ProbeOutcome {
    /// The verdict is not `broken` and the probe finished.
    pub fn success(&self) -> bool {
        match &self.result {
            ProbeResult::Finished(report) => report.verdict != Verdict::Broken,
            ProbeResult::TimedOut { .. } => false,
        }
    }
}

/// Runs the probe to its end or its deadline.
pub async fn run(request: &ProbeRequest) -> ProbeOutcome {
    let started = Instant::now();
    let env = environment(request);
    let resolution = settings::resolve(&env, &TargetOptions::default());
    let selection = Selection {
        signals: request.module.signals.clone(),
        // The signals a probe asks about matter to it: a disabled one is an error.
        explicit: true,
    };
    let data = ProbeData::new();
    let layers = StartedLayers::default();
    let diagnosis =
        pipeline::diagnose(&resolution, &selection, request.budget.step, &data, &layers);
    let result = match tokio::time::timeout(request.budget.deadline, diagnosis).await {
        Ok(report) => ProbeResult::Finished(Box::new(report)),
        Err(_) => ProbeResult::TimedOut {
            started: layers.take(),
        },
    };
    ProbeOutcome {
        module_name: request.module_name.clone(),
        protocol: request
            .module
            .protocol
            .unwrap_or(settings::exporter::DEFAULT_PROTOCOL),
        signals: request.module.signals.clone(),
        duration: started.elapsed(),
        result,
    }
}

/// The environment an application configured like this module would have.
pub fn environment(request: &ProbeRequest) -> MapEnv {
    let module = &request.module;
    let mut env = MapEnv::default();
    let mut set = |name: &str, value: String| {
        env.0.insert(name.to_string(), value);
    };
    set("OTEL_EXPORTER_OTLP_ENDPOINT", request.target.clone());
    if let Some(protocol) = module.protocol {
        set("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.as_str().to_string());
    }
    if !module.headers.is_empty() {
        let headers = module
            .headers
            .iter()
            .map(|h| format!("{}={}", h.name, utf8_percent_encode(&h.value, HEADER_VALUE)))
            .collect::<Vec<_>>()
            .join(",");
        set("OTEL_EXPORTER_OTLP_HEADERS", headers);
    }
    let files = [
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", &module.ca_cert),
        ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", &module.client_cert),
        ("OTEL_EXPORTER_OTLP_CLIENT_KEY", &module.client_key),
    ];
    for (name, path) in files {
        if let Some(path) = path {
            set(name, path.display().to_string());
        }
    }
    if module.insecure {
        set("OTEL_EXPORTER_OTLP_INSECURE", "true".to_string());
    }
    if let Some(compression) = module.compression {
        set(
            "OTEL_EXPORTER_OTLP_COMPRESSION",
            compression.as_str().to_string(),
        );
    }
    env
}

/// Records which layers started, so a probe cut by its deadline can say where it was.
#[derive(Default)]
struct StartedLayers(Mutex<Vec<String>>);

impl StartedLayers {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Progress for StartedLayers {
    fn layer_started(&self, id: &str, _target: &str) {
        let mut started = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if started.last().map(String::as_str) != Some(id) {
            started.push(id.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::module::Modules;
    use crate::settings::EnvSource;
    use std::path::Path;

    #[test]
    fn the_environment_comes_from_the_module_only() {
        let modules = Modules::parse(
            r#"
            [modules.m]
            protocol = "grpc"
            headers = { authorization = "Bearer a,b%c", x-tenant = " padded " }
            ca_cert = "/etc/ca.pem"
            insecure = true
            compression = "gzip"
            "#,
            Path::new("m.toml"),
        )
        .expect("valid");
        let request = ProbeRequest::parse(
            Some("target=https://collector:4317&module=m"),
            None,
            &modules,
        )
        .expect("valid");
        let env = environment(&request);
        assert_eq!(
            env.get("OTEL_EXPORTER_OTLP_ENDPOINT").as_deref(),
            Some("https://collector:4317")
        );
        assert_eq!(
            env.get("OTEL_EXPORTER_OTLP_PROTOCOL").as_deref(),
            Some("grpc")
        );
        assert_eq!(
            env.get("OTEL_EXPORTER_OTLP_CERTIFICATE").as_deref(),
            Some("/etc/ca.pem")
        );
        assert_eq!(
            env.get("OTEL_EXPORTER_OTLP_INSECURE").as_deref(),
            Some("true")
        );
        assert_eq!(
            env.get("OTEL_EXPORTER_OTLP_COMPRESSION").as_deref(),
            Some("gzip")
        );
        assert_eq!(env.0.len(), 6, "{:?}", env.0.keys());

        // The headers resolve back to exactly the module's values.
        let resolution = settings::resolve(&env, &TargetOptions::default());
        let headers: Vec<(String, String)> = resolution
            .exporter(Signal::Traces)
            .headers
            .iter()
            .map(|h| (h.value.name.clone(), h.value.value.clone()))
            .collect();
        assert_eq!(
            headers,
            vec![
                ("authorization".into(), "Bearer a,b%c".into()),
                ("x-tenant".into(), " padded ".into()),
            ]
        );
        assert!(resolution.problems.is_empty(), "{:?}", resolution.problems);
    }
}
