//! The SDK-wide settings from the environment that decide whether anything is exported at all:
//! disabled SDK, exporter selection, service name and resource, sampler, propagators, and the
//! batch processor and metric reader parameters.

use super::env_source::EnvSource;
use super::origin::{Origin, Sourced};
use super::problems::{CONFIG_CHECK, Problems};
use super::signal::Signal;
use super::suggest;
use super::values::{BOOLEANS, parse_bool, parse_integer, parse_millis, parse_resource_attributes};
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};
use std::collections::BTreeMap;
use std::time::Duration;

/// Values of `OTEL_TRACES_SAMPLER` (spec `configuration/sdk-environment-variables.md`).
pub const KNOWN_SAMPLERS: &[&str] = &[
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
    "parentbased_jaeger_remote",
    "jaeger_remote",
    "xray",
];
pub const DEFAULT_SAMPLER: &str = "parentbased_always_on";
pub const KNOWN_PROPAGATORS: &[&str] = &[
    "tracecontext",
    "baggage",
    "b3",
    "b3multi",
    "jaeger",
    "xray",
    "ottrace",
    "none",
];
pub const KNOWN_EXPORTERS: &[&str] = &[
    "otlp",
    "zipkin",
    "console",
    "logging",
    "prometheus",
    "none",
    "otlp/stdout",
];

/// The sampler and, for the ratio samplers, its probability.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplerSettings {
    pub name: Sourced<String>,
    /// Only for `traceidratio` and `parentbased_traceidratio`: spec default 1.0.
    pub ratio: Option<Sourced<f64>>,
}

/// One batch processor's parameters (`OTEL_BSP_*` for spans, `OTEL_BLRP_*` for logs).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSettings {
    pub prefix: &'static str,
    pub schedule_delay: Sourced<Duration>,
    pub export_timeout: Sourced<Duration>,
    pub max_queue_size: Sourced<u64>,
    pub max_export_batch_size: Sourced<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SdkSettings {
    pub disabled: Sourced<bool>,
    /// `service.name` as the spec resolves it: `OTEL_SERVICE_NAME` over the resource attribute.
    pub service_name: Option<Sourced<String>>,
    /// The `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, kept to show conflicts.
    pub resource_service_name: Option<String>,
    pub resource_attributes: Vec<(String, String)>,
    pub exporters: BTreeMap<Signal, Sourced<Vec<String>>>,
    pub sampler: SamplerSettings,
    pub propagators: Sourced<Vec<String>>,
    pub span_batch: BatchSettings,
    pub log_batch: BatchSettings,
    pub metric_export_interval: Sourced<Duration>,
    pub metric_export_timeout: Sourced<Duration>,
}

pub fn resolve_sdk(env: &dyn EnvSource, problems: &mut Problems) -> SdkSettings {
    let disabled = match env.get("OTEL_SDK_DISABLED") {
        Some(raw) => match parse_bool(&raw) {
            Ok(value) => Sourced::new(value, Origin::Env("OTEL_SDK_DISABLED".into())),
            Err(problem) => {
                problems.invalid_value_suggesting(
                    Code::CfgValueInvalid,
                    "OTEL_SDK_DISABLED",
                    &problem,
                    "false (SDK enabled)",
                    suggest::closest(&raw, &BOOLEANS),
                );
                Sourced::default_value(false)
            }
        },
        None => Sourced::default_value(false),
    };

    let resource_attributes = match env.get("OTEL_RESOURCE_ATTRIBUTES") {
        Some(raw) => parse_resource_attributes(&raw).unwrap_or_else(|item_problems| {
            let mut finding = Finding::new(
                Code::CfgResourceAttributesMalformed,
                Severity::Warning,
                CONFIG_CHECK,
                "OTEL_RESOURCE_ATTRIBUTES is malformed, so SDKs discard all of it",
            );
            for problem in item_problems {
                finding = finding.evidence(format!("OTEL_RESOURCE_ATTRIBUTES: {problem}"));
            }
            problems.push(
                finding
                    .evidence("spec (resource/sdk.md): if decoding fails, the whole variable is discarded")
                    .fix(Fix::new("config.resource_attributes_format"))
                    .fix(Fix::new("config.rust_no_percent_decoding")),
            );
            Vec::new()
        }),
        None => Vec::new(),
    };
    let resource_service_name = resource_attributes
        .iter()
        .find(|(key, _)| key == "service.name")
        .map(|(_, value)| value.clone());
    let service_name = env
        .get("OTEL_SERVICE_NAME")
        .map(|name| Sourced::new(name, Origin::Env("OTEL_SERVICE_NAME".into())))
        .or_else(|| {
            resource_service_name
                .clone()
                .map(|name| Sourced::new(name, Origin::Env("OTEL_RESOURCE_ATTRIBUTES".into())))
        });

    let exporters = Signal::ALL
        .into_iter()
        .map(|signal| {
            let variable = format!("OTEL_{}_EXPORTER", signal.env_infix());
            let value = match env.get(&variable) {
                Some(raw) => Sourced::new(split_list(&raw), Origin::Env(variable)),
                None => Sourced::default_value(vec!["otlp".to_string()]),
            };
            (signal, value)
        })
        .collect();

    SdkSettings {
        disabled,
        service_name,
        resource_service_name,
        resource_attributes,
        exporters,
        sampler: resolve_sampler(env, problems),
        propagators: resolve_propagators(env, problems),
        span_batch: resolve_batch(env, "OTEL_BSP", Duration::from_millis(5000), problems),
        log_batch: resolve_batch(env, "OTEL_BLRP", Duration::from_millis(1000), problems),
        metric_export_interval: duration_var(
            env,
            "OTEL_METRIC_EXPORT_INTERVAL",
            Duration::from_secs(60),
            problems,
        ),
        metric_export_timeout: duration_var(
            env,
            "OTEL_METRIC_EXPORT_TIMEOUT",
            Duration::from_secs(30),
            problems,
        ),
    }
}

/// A lower-cased, de-duplicated comma list (spec: enum values ignore case; duplicates removed).
fn split_list(raw: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for item in raw
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
    {
        if !items.contains(&item) {
            items.push(item);
        }
    }
    items
}

fn resolve_sampler(env: &dyn EnvSource, problems: &mut Problems) -> SamplerSettings {
    let arg = env.get("OTEL_TRACES_SAMPLER_ARG");
    let name = match env.get("OTEL_TRACES_SAMPLER") {
        Some(raw) if KNOWN_SAMPLERS.contains(&raw.trim().to_ascii_lowercase().as_str()) => {
            Sourced::new(
                raw.trim().to_ascii_lowercase(),
                Origin::Env("OTEL_TRACES_SAMPLER".into()),
            )
        }
        Some(raw) => {
            problems.push(unknown_sampler(&raw, arg.as_deref()));
            Sourced::default_value(DEFAULT_SAMPLER.to_string())
        }
        None => Sourced::default_value(DEFAULT_SAMPLER.to_string()),
    };
    let takes_ratio = matches!(
        name.value.as_str(),
        "traceidratio" | "parentbased_traceidratio"
    );
    let ratio = if takes_ratio {
        Some(
            match arg.as_deref().map(|raw| (raw, raw.trim().parse::<f64>())) {
                Some((_, Ok(ratio))) if (0.0..=1.0).contains(&ratio) => {
                    Sourced::new(ratio, Origin::Env("OTEL_TRACES_SAMPLER_ARG".into()))
                }
                Some((raw, _)) => {
                    problems.push(
                        Finding::new(
                            Code::CfgSamplerInvalid,
                            Severity::Warning,
                            CONFIG_CHECK,
                            "OTEL_TRACES_SAMPLER_ARG is not a probability",
                        )
                        .evidence(format!(
                            "OTEL_TRACES_SAMPLER_ARG: '{raw}' is not a number between 0 and 1"
                        ))
                        .evidence("SDKs warn and sample with ratio 1.0 (everything)")
                        .fix(Fix::new("config.sampler_arg_ratio")),
                    );
                    Sourced::default_value(1.0)
                }
                None => Sourced::default_value(1.0),
            },
        )
    } else {
        // A sampler name that is set but unknown was reported above, with the argument beside
        // it: the argument is not missing its sampler, the sampler is misspelt.
        if arg.is_some() && env.get("OTEL_TRACES_SAMPLER").is_none() {
            problems.push(
                Finding::new(Code::CfgSamplerInvalid, Severity::Warning, CONFIG_CHECK, "OTEL_TRACES_SAMPLER_ARG is set but OTEL_TRACES_SAMPLER is not, so it is ignored")
                    .evidence("spec: the argument is used only if OTEL_TRACES_SAMPLER is set")
                    .fix(Fix::new("config.sampler_arg_needs_sampler")),
            );
        }
        None
    };
    SamplerSettings { name, ratio }
}

/// An `OTEL_TRACES_SAMPLER` that is not a sampler: with the sampler it was probably meant to be,
/// and what becomes of an argument set beside it.
fn unknown_sampler(raw: &str, arg: Option<&str>) -> Finding {
    let meant = suggest::closest(raw, KNOWN_SAMPLERS);
    let title = match meant {
        Some(meant) => {
            format!("OTEL_TRACES_SAMPLER is not a known sampler: did you mean '{meant}'?")
        }
        None => "OTEL_TRACES_SAMPLER is not a known sampler".to_string(),
    };
    let mut finding = Finding::new(
        Code::CfgSamplerInvalid,
        Severity::Warning,
        CONFIG_CHECK,
        title,
    )
    .evidence(format!(
        "OTEL_TRACES_SAMPLER: '{raw}'; known: {}",
        KNOWN_SAMPLERS.join(", ")
    ))
    .evidence(format!("SDKs warn and use the default {DEFAULT_SAMPLER}"));
    if let Some(arg) = arg {
        finding = finding.evidence(format!(
            "OTEL_TRACES_SAMPLER_ARG={arg} is ignored with it, since the default sampler takes no argument"
        ));
    }
    if let Some(meant) = meant {
        finding = finding.fix(
            Fix::new("config.did_you_mean")
                .with("variable", "OTEL_TRACES_SAMPLER")
                .with("value", meant),
        );
    }
    finding.fix(Fix::new("config.known_sampler"))
}

fn resolve_propagators(env: &dyn EnvSource, problems: &mut Problems) -> Sourced<Vec<String>> {
    let Some(raw) = env.get("OTEL_PROPAGATORS") else {
        return Sourced::default_value(vec!["tracecontext".into(), "baggage".into()]);
    };
    let items = split_list(&raw);
    let unknown: Vec<&String> = items
        .iter()
        .filter(|p| !KNOWN_PROPAGATORS.contains(&p.as_str()))
        .collect();
    if !unknown.is_empty() {
        let list = unknown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let hints: String = unknown
            .iter()
            .map(|p| suggest::hint(p, KNOWN_PROPAGATORS))
            .collect();
        problems.invalid_value_suggesting(
            Code::CfgValueInvalid,
            "OTEL_PROPAGATORS",
            &format!(
                "unknown propagator(s) {list}{hints}; known: {}",
                KNOWN_PROPAGATORS.join(", ")
            ),
            "the remaining ones",
            suggest::corrected_list(&items, KNOWN_PROPAGATORS).as_deref(),
        );
    }
    Sourced::new(items, Origin::Env("OTEL_PROPAGATORS".into()))
}

fn resolve_batch(
    env: &dyn EnvSource,
    prefix: &'static str,
    delay: Duration,
    problems: &mut Problems,
) -> BatchSettings {
    BatchSettings {
        prefix,
        schedule_delay: duration_var(env, &format!("{prefix}_SCHEDULE_DELAY"), delay, problems),
        export_timeout: duration_var(
            env,
            &format!("{prefix}_EXPORT_TIMEOUT"),
            Duration::from_secs(30),
            problems,
        ),
        max_queue_size: positive_var(env, &format!("{prefix}_MAX_QUEUE_SIZE"), 2048, problems),
        max_export_batch_size: positive_var(
            env,
            &format!("{prefix}_MAX_EXPORT_BATCH_SIZE"),
            512,
            problems,
        ),
    }
}

fn duration_var(
    env: &dyn EnvSource,
    name: &str,
    default: Duration,
    problems: &mut Problems,
) -> Sourced<Duration> {
    match env.get(name).map(|raw| parse_millis(&raw)) {
        Some(Ok(value)) => Sourced::new(value, Origin::Env(name.into())),
        Some(Err(problem)) => {
            problems.invalid_value(
                Code::CfgValueInvalid,
                name,
                &problem,
                &format!("the default of {} ms", default.as_millis()),
            );
            Sourced::default_value(default)
        }
        None => Sourced::default_value(default),
    }
}

fn positive_var(
    env: &dyn EnvSource,
    name: &str,
    default: u64,
    problems: &mut Problems,
) -> Sourced<u64> {
    match env.get(name).map(|raw| {
        parse_integer(&raw).and_then(|n| {
            if n == 0 {
                Err("0 is not positive".into())
            } else {
                Ok(n)
            }
        })
    }) {
        Some(Ok(value)) => Sourced::new(value, Origin::Env(name.into())),
        Some(Err(problem)) => {
            problems.invalid_value(
                Code::CfgValueInvalid,
                name,
                &problem,
                &format!("the default of {default}"),
            );
            Sourced::default_value(default)
        }
        None => Sourced::default_value(default),
    }
}
