//! What an `overhead` run measures, validated before anything starts: where spans are exported,
//! how, how many per iteration and how often, and the scenarios compared.

use crate::settings::Protocol;
use std::time::Duration;

/// The batch span processor's defaults (2048, 512, 5 s in 0.33), taken from the SDK and set
/// explicitly so the user's `OTEL_BSP_*` variables cannot change the scenario.
pub const SDK_MAX_QUEUE_SIZE: usize = opentelemetry_sdk::trace::OTEL_BSP_MAX_QUEUE_SIZE_DEFAULT;
pub const SDK_MAX_EXPORT_BATCH_SIZE: usize =
    opentelemetry_sdk::trace::OTEL_BSP_MAX_EXPORT_BATCH_SIZE_DEFAULT;
pub const SDK_SCHEDULED_DELAY: Duration = opentelemetry_sdk::trace::OTEL_BSP_SCHEDULE_DELAY_DEFAULT;
/// The queue of the scenario that shows drops: a burst of spans overflows it at once.
pub const SMALL_QUEUE_SIZE: usize = 64;

/// Where the export scenarios send their spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// The built-in receiver, started in-process on free loopback ports.
    BuiltIn,
    /// An endpoint the user gave: `configured` as typed, `url` as the exporter gets it.
    Endpoint { configured: String, url: String },
}

/// One way of creating spans, measured and compared with the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scenario {
    /// A provider with no span processor: spans are recorded, then go nowhere.
    NoProcessor,
    /// Sampler `always_off`: spans are not recorded at all.
    AlwaysOff,
    /// The batch processor with the SDK's defaults, exporting over OTLP.
    BatchDefault,
    /// The batch processor with a queue that holds a whole iteration: nothing is dropped.
    BatchRoomy,
    /// The batch processor with a tiny queue: shows what a full queue does.
    BatchSmallQueue,
}

/// Batch processor settings of a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSettings {
    pub max_queue_size: usize,
    pub max_export_batch_size: usize,
    pub scheduled_delay: Duration,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [
        Scenario::NoProcessor,
        Scenario::AlwaysOff,
        Scenario::BatchDefault,
        Scenario::BatchRoomy,
        Scenario::BatchSmallQueue,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Scenario::NoProcessor => "no-processor",
            Scenario::AlwaysOff => "always-off",
            Scenario::BatchDefault => "batch-default",
            Scenario::BatchRoomy => "batch-roomy",
            Scenario::BatchSmallQueue => "batch-small-queue",
        }
    }

    pub fn is_baseline(self) -> bool {
        matches!(self, Scenario::NoProcessor | Scenario::AlwaysOff)
    }

    /// The batch processor settings, or `None` for the baselines (which export nothing).
    pub fn batch(self, spans_per_iteration: u32) -> Option<BatchSettings> {
        let sdk = |max_queue_size: usize, max_export_batch_size: usize| BatchSettings {
            max_queue_size,
            max_export_batch_size,
            scheduled_delay: SDK_SCHEDULED_DELAY,
        };
        match self {
            Scenario::NoProcessor | Scenario::AlwaysOff => None,
            Scenario::BatchDefault => Some(sdk(SDK_MAX_QUEUE_SIZE, SDK_MAX_EXPORT_BATCH_SIZE)),
            Scenario::BatchRoomy => Some(sdk(
                (spans_per_iteration as usize).max(SDK_MAX_QUEUE_SIZE),
                SDK_MAX_EXPORT_BATCH_SIZE,
            )),
            Scenario::BatchSmallQueue => Some(sdk(SMALL_QUEUE_SIZE, SMALL_QUEUE_SIZE)),
        }
    }

    /// A one-line description for the report.
    pub fn describe(self, spans_per_iteration: u32) -> String {
        match self.batch(spans_per_iteration) {
            None if self == Scenario::NoProcessor => {
                "provider with no span processor, sampler always_on: spans are recorded, then dropped"
                    .into()
            }
            None => "sampler always_off: spans are created but not recorded".into(),
            Some(batch) => format!(
                "batch span processor (queue {}, batch {}, delay {} s) exporting over OTLP",
                batch.max_queue_size,
                batch.max_export_batch_size,
                batch.scheduled_delay.as_secs()
            ),
        }
    }
}

/// A validated `overhead` run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub destination: Destination,
    pub protocol: Protocol,
    /// Spans created per iteration.
    pub spans: u32,
    /// Measured iterations per scenario.
    pub iterations: u32,
    /// Iterations run first and thrown away (caches, connections, lazy initialisation).
    pub warmup: u32,
    /// Attributes set on every span.
    pub attributes: u32,
    /// Rounds of the leak check (build, create, shut down); 0 skips it.
    pub leak_rounds: u32,
}

/// The run cannot start.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("'{0}' is not an http:// or https:// URL with a host")]
    NotAnEndpoint(String),
    /// The opentelemetry-otlp build here has the gRPC and HTTP/protobuf encoders only (the CLI
    /// offers just those two).
    #[error("overhead exports over grpc or http/protobuf, not {0}")]
    UnsupportedProtocol(Protocol),
}

impl Plan {
    /// Checks the endpoint (if any) and turns it into the URL the exporter needs: as is for
    /// gRPC, with `/v1/traces` appended for HTTP (the `OTEL_EXPORTER_OTLP_ENDPOINT` rule).
    pub fn new(
        endpoint: Option<&str>,
        protocol: Protocol,
        spans: u32,
        iterations: u32,
        warmup: u32,
        attributes: u32,
        leak_rounds: u32,
    ) -> Result<Plan, PlanError> {
        if protocol == Protocol::HttpJson {
            return Err(PlanError::UnsupportedProtocol(protocol));
        }
        let destination = match endpoint {
            None => Destination::BuiltIn,
            Some(raw) => Destination::Endpoint {
                configured: raw.to_string(),
                url: exporter_url(raw, protocol)?,
            },
        };
        Ok(Plan {
            destination,
            protocol,
            spans,
            iterations,
            warmup,
            attributes,
            leak_rounds,
        })
    }
}

fn exporter_url(raw: &str, protocol: Protocol) -> Result<String, PlanError> {
    let trimmed = raw.trim();
    let uri: http::Uri = trimmed
        .parse()
        .map_err(|_| PlanError::NotAnEndpoint(raw.to_string()))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => {}
        _ => return Err(PlanError::NotAnEndpoint(raw.to_string())),
    }
    Ok(if protocol.is_http() {
        format!("{}/v1/traces", trimmed.trim_end_matches('/'))
    } else {
        trimmed.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(endpoint: Option<&str>, protocol: Protocol) -> Result<Plan, PlanError> {
        Plan::new(endpoint, protocol, 100, 3, 1, 4, 0)
    }

    #[test]
    fn no_endpoint_means_the_built_in_receiver() {
        let plan = plan(None, Protocol::Grpc).expect("valid");
        assert_eq!(plan.destination, Destination::BuiltIn);
    }

    #[test]
    fn http_endpoints_get_the_traces_path_like_the_generic_variable() {
        let plan = plan(Some("http://collector:4318/"), Protocol::HttpProtobuf).expect("valid");
        assert_eq!(
            plan.destination,
            Destination::Endpoint {
                configured: "http://collector:4318/".into(),
                url: "http://collector:4318/v1/traces".into()
            }
        );
    }

    #[test]
    fn grpc_endpoints_are_used_as_given() {
        let plan = plan(Some("http://127.0.0.1:4317"), Protocol::Grpc).expect("valid");
        assert!(matches!(
            plan.destination,
            Destination::Endpoint { url, .. } if url == "http://127.0.0.1:4317"
        ));
    }

    #[test]
    fn schemeless_or_garbage_endpoints_are_refused() {
        for bad in ["collector:4317", "not a url", "ftp://x"] {
            assert_eq!(
                plan(Some(bad), Protocol::Grpc),
                Err(PlanError::NotAnEndpoint(bad.into()))
            );
        }
    }

    #[test]
    fn http_json_is_refused_as_this_build_cannot_export_it() {
        assert_eq!(
            plan(None, Protocol::HttpJson),
            Err(PlanError::UnsupportedProtocol(Protocol::HttpJson))
        );
    }

    #[test]
    fn only_the_batch_scenarios_export_and_the_small_queue_is_small() {
        for scenario in Scenario::ALL {
            assert_eq!(scenario.batch(20_000).is_none(), scenario.is_baseline());
        }
        let roomy = Scenario::BatchRoomy.batch(20_000).expect("batch");
        assert_eq!(roomy.max_queue_size, 20_000);
        let small = Scenario::BatchSmallQueue.batch(20_000).expect("batch");
        assert!(small.max_export_batch_size <= small.max_queue_size);
        assert_eq!(
            Scenario::BatchRoomy
                .batch(10)
                .expect("batch")
                .max_queue_size,
            SDK_MAX_QUEUE_SIZE
        );
    }
}
