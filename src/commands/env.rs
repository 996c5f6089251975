//! `otlp-doctor env`: the effective exporter configuration per signal, where each value came
//! from, and the `config` lint. Offline.

use super::{CommandError, CommandSettings, Outcome, target};
use crate::checks::config;
use crate::cli::EnvArgs;
use crate::printer::Printer;
use crate::report::mask::mask;
use crate::report::render::Format;
use crate::report::{CheckRecord, CheckStatus, Report, Section, Typed};
use crate::settings::DefaultTrust;
use crate::settings::{self, ExporterSettings, Resolution, Signal};
use std::time::Instant;

/// What `env` runs on: the resolved configuration of every signal unless `--signals` narrows it.
pub struct Settings {
    /// When validation began: the resolution is part of what `env` times.
    pub started: Instant,
    pub target: target::TargetSettings,
    pub format: Format,
    pub strict: bool,
}

impl CommandSettings for Settings {
    fn printer(&self) -> Printer {
        Printer::new(self.format, self.target.redactor())
    }
}

pub fn settings(args: EnvArgs) -> Result<Settings, CommandError> {
    Ok(Settings {
        started: Instant::now(),
        target: target::TargetSettings::for_sdk(&args.target, &Signal::ALL, &args.sdk)?,
        format: args.output.format,
        strict: args.output.strict,
    })
}

/// Prints the resolved configuration and its lint; offline.
pub async fn run(settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    let target = &settings.target;
    let report = env_report(
        &target.resolution,
        &target.selection,
        settings.started.elapsed().as_secs_f64() * 1000.0,
    )
    .with_sdk(target.sdk_summary());
    let report = explain_sdk_defaults(report, target);
    printer.report(&report)?;
    Ok(Outcome::report(report, settings.strict))
}

/// The report of `env`: one section per selected signal, one for the SDK, and the lint.
pub fn env_report(
    resolution: &Resolution,
    selection: &settings::Selection,
    duration_ms: f64,
) -> Report {
    let findings = config::lint(resolution, selection);
    let status = CheckStatus::of(&findings);
    let check = CheckRecord {
        id: "config".into(),
        status,
        duration_ms,
        summary: format!(
            "resolved the exporter config of {} and linted it",
            selection
                .signals
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut sections: Vec<Section> = resolution
        .exporters
        .iter()
        .filter(|e| selection.contains(e.signal))
        .map(exporter_section)
        .collect();
    sections.push(sdk_section(resolution));
    Report::new(None, vec![check], findings, duration_ms).with_sections(sections)
}

/// Says, on each protocol row the SDK's default filled, that it is that SDK's default, which
/// differs from the specification's.
fn explain_sdk_defaults(mut report: Report, target: &target::TargetSettings) -> Report {
    let Some(sdk) = target.sdk.sdk else {
        return report;
    };
    let model = sdk.model();
    let spec = crate::sdk_model::model_of(None);
    if model.default_protocol.value == spec.default_protocol.value {
        return report;
    }
    let why = format!(
        "default of the {sdk} SDK {} when OTEL_EXPORTER_OTLP_PROTOCOL is unset; the specification's is {}",
        model.release, spec.default_protocol.value
    );
    for section in &mut report.sections {
        for row in &mut section.rows {
            if row.key == "protocol" && row.source.as_deref() == Some("default") {
                row.source = Some(why.clone());
            }
        }
    }
    report
}

fn exporter_section(exporter: &ExporterSettings) -> Section {
    let origin = |o: &settings::Origin| Some(o.to_string());
    let mut section = Section::new(format!("{} exporter", exporter.signal))
        .row(
            "protocol",
            exporter.protocol.value.as_str(),
            origin(&exporter.protocol.origin),
        )
        .row(
            "endpoint",
            &exporter.endpoint.value.configured,
            origin(&exporter.endpoint.origin),
        )
        .row("sends to", &exporter.endpoint.value.url, None)
        .row(
            "timeout",
            format!("{} ms", exporter.timeout.value.as_millis()),
            origin(&exporter.timeout.origin),
        )
        .millis(exporter.timeout.value)
        .row(
            "compression",
            exporter.compression.value.as_str(),
            origin(&exporter.compression.origin),
        )
        .row(
            "insecure",
            exporter.insecure.value.to_string(),
            origin(&exporter.insecure.origin),
        )
        .typed(Typed::Bool(exporter.insecure.value));
    if exporter.headers.is_empty() {
        section = section.row("headers", "(none)", None);
    }
    for header in &exporter.headers {
        section = section.row(
            format!("header {}", header.value.name),
            mask(&header.value.value),
            origin(&header.origin),
        );
    }
    let files = [
        ("certificate", &exporter.certificate),
        ("client certificate", &exporter.client_certificate),
        ("client key", &exporter.client_key),
    ];
    for (name, file) in files {
        if let Some(file) = file {
            section = section.row(name, file.value.display().to_string(), origin(&file.origin));
        }
    }
    if exporter.certificate.is_none() {
        let roots = match exporter.default_trust.roots {
            DefaultTrust::SystemStore => "the system store (SSL_CERT_FILE, SSL_CERT_DIR count)",
            DefaultTrust::Bundled(bundle) => bundle,
            DefaultTrust::Nothing(_) => "none: no server certificate can verify",
        };
        section = section.row("trusted CAs", roots, exporter.default_trust.reason.clone());
    }
    if let Some(route) = &exporter.proxy {
        let how = if route.tunnel {
            "CONNECT tunnel"
        } else {
            "absolute-form requests"
        };
        section = section.row(
            "proxy",
            route.authority(),
            Some(format!("{}, {how}; {}", route.variable, route.reader)),
        );
    }
    section
}

fn sdk_section(resolution: &Resolution) -> Section {
    let sdk = &resolution.sdk;
    let origin = |o: &settings::Origin| Some(o.to_string());
    let mut section = Section::new("sdk")
        .row(
            "sdk disabled",
            sdk.disabled.value.to_string(),
            origin(&sdk.disabled.origin),
        )
        .typed(Typed::Bool(sdk.disabled.value));
    section = match &sdk.service_name {
        Some(name) => section.row("service.name", &name.value, origin(&name.origin)),
        None => section.row(
            "service.name",
            "(not set: unknown_service)",
            Some("default".into()),
        ),
    };
    if !sdk.resource_attributes.is_empty() {
        let attributes: Vec<String> = sdk
            .resource_attributes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        section = section.row(
            "resource",
            attributes.join(", "),
            Some("OTEL_RESOURCE_ATTRIBUTES".into()),
        );
    }
    for (signal, exporters) in &sdk.exporters {
        section = section.row(
            format!("{signal} exporter"),
            exporters.value.join(","),
            origin(&exporters.origin),
        );
    }
    section = section.row(
        "sampler",
        &sdk.sampler.name.value,
        origin(&sdk.sampler.name.origin),
    );
    if let Some(ratio) = &sdk.sampler.ratio {
        section = section
            .row(
                "sampler ratio",
                ratio.value.to_string(),
                origin(&ratio.origin),
            )
            .typed(Typed::Number(ratio.value));
    }
    section = section.row(
        "propagators",
        sdk.propagators.value.join(","),
        origin(&sdk.propagators.origin),
    );
    for batch in [&sdk.span_batch, &sdk.log_batch] {
        let p = batch.prefix;
        section = section
            .row(
                format!("{p} schedule delay"),
                format!("{} ms", batch.schedule_delay.value.as_millis()),
                origin(&batch.schedule_delay.origin),
            )
            .millis(batch.schedule_delay.value)
            .row(
                format!("{p} export timeout"),
                format!("{} ms", batch.export_timeout.value.as_millis()),
                origin(&batch.export_timeout.origin),
            )
            .millis(batch.export_timeout.value)
            .row(
                format!("{p} max queue size"),
                batch.max_queue_size.value.to_string(),
                origin(&batch.max_queue_size.origin),
            )
            .typed(Typed::Integer(batch.max_queue_size.value))
            .row(
                format!("{p} max export batch size"),
                batch.max_export_batch_size.value.to_string(),
                origin(&batch.max_export_batch_size.origin),
            )
            .typed(Typed::Integer(batch.max_export_batch_size.value));
    }
    section
        .row(
            "metric export interval",
            format!("{} ms", sdk.metric_export_interval.value.as_millis()),
            origin(&sdk.metric_export_interval.origin),
        )
        .millis(sdk.metric_export_interval.value)
        .row(
            "metric export timeout",
            format!("{} ms", sdk.metric_export_timeout.value.as_millis()),
            origin(&sdk.metric_export_timeout.origin),
        )
        .millis(sdk.metric_export_timeout.value)
}
