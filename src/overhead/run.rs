//! Runs the measurement: starts the helpers (the built-in receiver, the Ctrl-C watch) on their
//! own runtime so their threads can be left out of the numbers, builds one tracer provider per
//! [`Scenario`], then times iterations round-robin over the scenarios (so drift on the machine hits
//! them all alike), counts allocations in one extra untimed iteration each, and finishes with the
//! leak check. Returns plain [`Measurements`]; it computes no statistics and prints nothing.

use super::alloc_counter::{self, AllocCounts};
use super::exporter::{self, CountingExporter, ExportTally};
use super::plan::{BatchSettings, Destination, Plan, Scenario};
use super::procfs::{self, CpuSource};
use super::sample::{AllocPass, LeakRound, Machine, Measurements, Sample};
use crate::serve::{Counters, Receiver, ReceiverConfig, RunningReceiver, ServeError};
use crate::settings::Protocol;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry::{Key, KeyValue};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, Sampler, SdkTracer, SdkTracerProvider,
};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// The exporter's timeout in the measured scenarios: the SDK default (`OTEL_EXPORTER_OTLP_TIMEOUT`).
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
/// The first export's timeout. Below the batch processor's hard-coded 5 s `force_flush` wait, so
/// an endpoint that does not answer shows up as a failed export with its error, not a timeout.
const PREFLIGHT_TIMEOUT: Duration = Duration::from_secs(3);
/// After a provider is shut down, the exporter's connection tasks end on the runtime a moment
/// later; the leak check reads memory after they have.
const SETTLE: Duration = Duration::from_millis(50);
/// How long stopping the helpers may take before they are abandoned.
const HELPER_SHUTDOWN: Duration = Duration::from_secs(2);
const SPAN_NAME: &str = "otlp-doctor overhead";
const TRACER_NAME: &str = "otlp-doctor-overhead";
const SERVICE_NAME: &str = "otlp-doctor-overhead";

/// Told what the run is doing, e.g. to drive a spinner.
pub trait Progress {
    fn phase(&self, message: &str);
}

/// No progress reporting.
pub struct Silent;

impl Progress for Silent {
    fn phase(&self, _message: &str) {}
}

/// The run could not be done.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start a tokio runtime")]
    Runtime(#[source] std::io::Error),
    #[error("cannot start the built-in receiver")]
    Receiver(#[source] ServeError),
    #[error("cannot build the OTLP exporter for {url}")]
    Exporter {
        url: String,
        #[source]
        source: opentelemetry_otlp::ExporterBuildError,
    },
    #[error(
        "no export to {url} succeeded ({detail}), so there is no export overhead to measure; `otlp-doctor check {url}` finds out why"
    )]
    Unreachable { url: String, detail: String },
}

/// Measures every scenario of `plan`. `interrupt` completing (Ctrl-C) ends the run early with
/// what was measured so far.
pub fn run(
    plan: &Plan,
    progress: &dyn Progress,
    interrupt: impl Future<Output = ()> + Send + 'static,
) -> Result<Measurements, RunError> {
    let started = Instant::now();
    let session = Session::start(plan)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    session.helpers.spawn(async move {
        interrupt.await;
        flag.store(true, Ordering::SeqCst);
    });
    let stopped = || stop.load(Ordering::SeqCst);

    progress.phase("checking that the endpoint takes spans");
    session.preflight()?;
    let alloc_counting = alloc_counter::installed();
    let attributes = attributes(plan.attributes);
    let rigs = Scenario::ALL
        .into_iter()
        .map(|scenario| session.rig(scenario, plan))
        .collect::<Result<Vec<_>, _>>()?;

    let mut samples = Vec::new();
    let total = plan.warmup + plan.iterations;
    'timed: for iteration in 0..total {
        let warmup = iteration < plan.warmup;
        for rig in &rigs {
            if stopped() {
                break 'timed;
            }
            progress.phase(&format!(
                "{}: {} {} of {}",
                rig.scenario.id(),
                if warmup { "warm-up" } else { "iteration" },
                if warmup {
                    iteration + 1
                } else {
                    iteration - plan.warmup + 1
                },
                if warmup { plan.warmup } else { plan.iterations },
            ));
            samples.push(session.measure(rig, plan, &attributes, iteration, warmup, started));
        }
    }

    let mut allocs = Vec::new();
    if alloc_counting {
        for rig in &rigs {
            if stopped() {
                break;
            }
            progress.phase(&format!("{}: counting allocations", rig.scenario.id()));
            allocs.push(session.count_allocations(rig, plan, &attributes));
        }
    }
    let mut last_export_error = None;
    for rig in rigs {
        let _ = rig.provider.shutdown();
        if let Some(error) = rig.tally.and_then(|t| t.last_error()) {
            last_export_error = Some(error);
        }
    }

    let mut leak = Vec::new();
    if plan.leak_rounds > 0 && !stopped() {
        let (rounds, error) =
            session.leak_check(plan, &attributes, alloc_counting, progress, &stopped)?;
        leak = rounds;
        last_export_error = error.or(last_export_error);
    }

    let endpoint = session.url.clone();
    let cpu_source = session.cpu;
    session.finish();
    Ok(Measurements {
        machine: Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model: procfs::cpu_model(),
        },
        endpoint,
        cpu_source,
        alloc_counting,
        samples,
        allocs,
        leak,
        last_export_error,
        interrupted: stopped(),
        elapsed: started.elapsed(),
    })
}

/// The same attributes on every span: `n` keys, integer and string values alternating. Keys are
/// reference-counted, so setting one costs what a `&'static str` key costs in an application.
fn attributes(n: u32) -> Vec<KeyValue> {
    (0..n)
        .map(|i| {
            let key = Key::from(Arc::<str>::from(format!("overhead.attribute.{i}")));
            if i % 2 == 0 {
                KeyValue::new(key, i64::from(i))
            } else {
                KeyValue::new(key, "a short string value")
            }
        })
        .collect()
}

/// What instrumented code does: start a root span, set its attributes, end it.
fn create_spans(tracer: &SdkTracer, count: u32, attributes: &[KeyValue]) {
    for _ in 0..count {
        let mut span = tracer.start(SPAN_NAME);
        for attribute in attributes {
            span.set_attribute(attribute.clone());
        }
        span.end();
    }
}

/// One scenario's provider, alive for all its iterations (as in an application).
struct Rig {
    scenario: Scenario,
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    tally: Option<Arc<ExportTally>>,
}

/// What lives for the whole run: runtimes, the receiver, where to export.
struct Session {
    /// The built-in receiver and the Ctrl-C watch; its threads are left out of CPU and
    /// allocation counts.
    helpers: Runtime,
    helper_tids: Arc<Mutex<Vec<u32>>>,
    /// The runtime tonic's connection tasks run on (gRPC only), as an application's would.
    export_runtime: Option<Runtime>,
    receiver: Option<RunningReceiver>,
    counters: Option<Arc<Counters>>,
    url: String,
    /// The endpoint as the user gave it, for messages.
    target: String,
    protocol: Protocol,
    cpu: CpuSource,
}

impl Session {
    fn start(plan: &Plan) -> Result<Session, RunError> {
        let helper_tids = Arc::new(Mutex::new(Vec::new()));
        let tids = helper_tids.clone();
        let helpers = crate::runtime::builder()
            .worker_threads(1)
            .thread_name("overhead-helper")
            .on_thread_start(move || {
                alloc_counter::exclude_current_thread();
                if let Some(tid) = procfs::current_tid() {
                    tids.lock().unwrap_or_else(|e| e.into_inner()).push(tid);
                }
            })
            .build()
            .map_err(RunError::Runtime)?;
        let export_runtime = match plan.protocol {
            Protocol::Grpc => Some(
                crate::runtime::builder()
                    .worker_threads(1)
                    .thread_name("otel-export")
                    .build()
                    .map_err(RunError::Runtime)?,
            ),
            Protocol::HttpProtobuf | Protocol::HttpJson => None,
        };
        let (receiver, url, target) = match &plan.destination {
            Destination::Endpoint { configured, url } => (None, url.clone(), configured.clone()),
            Destination::BuiltIn => {
                let running = helpers
                    .block_on(async {
                        // Batches are not looked at: with the consumer gone the receiver still
                        // answers and counts, and frees each batch at once.
                        let (sender, _) = crate::serve::batch_channel();
                        Receiver::bind(ReceiverConfig::ephemeral(), sender)
                            .await
                            .map(|bound| bound.start())
                    })
                    .map_err(RunError::Receiver)?;
                let url = match plan.protocol {
                    Protocol::Grpc => format!("http://{}", running.grpc_addr()),
                    Protocol::HttpProtobuf | Protocol::HttpJson => {
                        format!("http://{}/v1/traces", running.http_addr())
                    }
                };
                (Some(running), url.clone(), url)
            }
        };
        Ok(Session {
            counters: receiver.as_ref().map(RunningReceiver::counters),
            helpers,
            helper_tids,
            export_runtime,
            receiver,
            url,
            target,
            protocol: plan.protocol,
            cpu: CpuSource::detect(),
        })
    }

    fn exporter(
        &self,
        timeout: Duration,
        tally: Arc<ExportTally>,
    ) -> Result<CountingExporter<opentelemetry_otlp::SpanExporter>, RunError> {
        let _inside = self.export_runtime.as_ref().map(Runtime::enter);
        let inner = exporter::otlp(&self.url, self.protocol, timeout).map_err(|source| {
            RunError::Exporter {
                url: self.url.clone(),
                source,
            }
        })?;
        Ok(CountingExporter::new(inner, tally))
    }

    fn provider(
        &self,
        sampler: Sampler,
        batch: Option<(
            BatchSettings,
            CountingExporter<opentelemetry_otlp::SpanExporter>,
        )>,
    ) -> SdkTracerProvider {
        let builder = SdkTracerProvider::builder()
            // No resource detectors and an explicit sampler: the user's OTEL_* cannot change the run.
            .with_resource(
                Resource::builder_empty()
                    .with_service_name(SERVICE_NAME)
                    .build(),
            )
            .with_sampler(sampler);
        match batch {
            None => builder.build(),
            Some((settings, exporter)) => {
                let config = BatchConfigBuilder::default()
                    .with_max_queue_size(settings.max_queue_size)
                    .with_max_export_batch_size(settings.max_export_batch_size)
                    .with_scheduled_delay(settings.scheduled_delay)
                    .build();
                let processor = BatchSpanProcessor::builder(exporter)
                    .with_batch_config(config)
                    .build();
                builder.with_span_processor(processor).build()
            }
        }
    }

    /// One span through a fresh exporter, so an endpoint that takes nothing fails fast.
    fn preflight(&self) -> Result<(), RunError> {
        let tally = Arc::new(ExportTally::default());
        let exporter = self.exporter(PREFLIGHT_TIMEOUT, tally.clone())?;
        let settings = Scenario::BatchDefault.batch(1).expect("an export scenario");
        let provider = self.provider(Sampler::AlwaysOn, Some((settings, exporter)));
        provider.tracer(TRACER_NAME).start(SPAN_NAME).end();
        let flushed = provider.force_flush();
        let _ = provider.shutdown();
        if tally.snapshot().ok > 0 {
            return Ok(());
        }
        let detail = tally.last_error().unwrap_or_else(|| match flushed {
            Err(error) => error.to_string(),
            Ok(()) => "the exporter was never called".into(),
        });
        Err(RunError::Unreachable {
            url: self.target.clone(),
            detail,
        })
    }

    fn rig(&self, scenario: Scenario, plan: &Plan) -> Result<Rig, RunError> {
        let (provider, tally) = match scenario.batch(plan.spans) {
            None => {
                let sampler = match scenario {
                    Scenario::AlwaysOff => Sampler::AlwaysOff,
                    _ => Sampler::AlwaysOn,
                };
                (self.provider(sampler, None), None)
            }
            Some(settings) => {
                let tally = Arc::new(ExportTally::default());
                let exporter = self.exporter(EXPORT_TIMEOUT, tally.clone())?;
                let provider = self.provider(Sampler::AlwaysOn, Some((settings, exporter)));
                (provider, Some(tally))
            }
        };
        Ok(Rig {
            scenario,
            tracer: provider.tracer(TRACER_NAME),
            provider,
            tally,
        })
    }

    fn received(&self) -> Option<u64> {
        self.counters.as_ref().map(|c| c.total().spans)
    }

    fn process_cpu(&self) -> Option<Duration> {
        let excluded = self
            .helper_tids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        self.cpu.process_cpu(&excluded)
    }

    fn measure(
        &self,
        rig: &Rig,
        plan: &Plan,
        attributes: &[KeyValue],
        iteration: u32,
        warmup: bool,
        started: Instant,
    ) -> Sample {
        let at = started.elapsed();
        let exported_before = rig.tally.as_ref().map(|t| t.snapshot());
        let received_before = self.received();
        let process_before = self.process_cpu();
        let thread_before = self.cpu.thread_cpu();
        let create_start = Instant::now();
        create_spans(&rig.tracer, plan.spans, attributes);
        let create = create_start.elapsed();
        let thread_after = self.cpu.thread_cpu();
        let flush_start = Instant::now();
        let _ = rig.provider.force_flush();
        let flush = flush_start.elapsed();
        let process_after = self.process_cpu();
        let exported = rig
            .tally
            .as_ref()
            .zip(exported_before)
            .map(|(tally, before)| tally.snapshot().since(before));
        let received = match (self.received(), received_before) {
            (Some(after), Some(before)) => Some(after.saturating_sub(before)),
            _ => None,
        };
        Sample {
            scenario: rig.scenario,
            iteration,
            warmup,
            at,
            spans: u64::from(plan.spans),
            create,
            flush,
            thread_cpu: difference(thread_before, thread_after),
            process_cpu: difference(process_before, process_after),
            exported,
            received,
        }
    }

    fn count_allocations(&self, rig: &Rig, plan: &Plan, attributes: &[KeyValue]) -> AllocPass {
        alloc_counter::set_counting(true);
        let process_before = alloc_counter::process_counts();
        let thread_before = alloc_counter::thread_counts();
        create_spans(&rig.tracer, plan.spans, attributes);
        let thread: AllocCounts = alloc_counter::thread_counts().since(thread_before);
        let _ = rig.provider.force_flush();
        let process = alloc_counter::process_counts().since(process_before);
        alloc_counter::set_counting(false);
        AllocPass {
            scenario: rig.scenario,
            spans: u64::from(plan.spans),
            thread,
            process,
        }
    }

    /// Rounds of build → create → shut down with the SDK's default batch settings, reading the
    /// resident set and the live heap after each.
    fn leak_check(
        &self,
        plan: &Plan,
        attributes: &[KeyValue],
        alloc_counting: bool,
        progress: &dyn Progress,
        stopped: &dyn Fn() -> bool,
    ) -> Result<(Vec<LeakRound>, Option<String>), RunError> {
        let warmup_rounds = plan.warmup.max(1);
        let settings = Scenario::BatchDefault
            .batch(plan.spans)
            .expect("an export scenario");
        if alloc_counting {
            alloc_counter::set_counting(true);
        }
        let base = alloc_counter::live_heap_balance();
        let mut rounds = Vec::new();
        let mut last_error = None;
        for round in 0..warmup_rounds + plan.leak_rounds {
            if stopped() {
                break;
            }
            progress.phase(&format!(
                "leak check: round {} of {}",
                round + 1,
                warmup_rounds + plan.leak_rounds
            ));
            let tally = Arc::new(ExportTally::default());
            let exporter = match self.exporter(EXPORT_TIMEOUT, tally.clone()) {
                Ok(exporter) => exporter,
                Err(error) => {
                    alloc_counter::set_counting(false);
                    return Err(error);
                }
            };
            let provider = self.provider(Sampler::AlwaysOn, Some((settings, exporter)));
            let tracer = provider.tracer(TRACER_NAME);
            create_spans(&tracer, plan.spans, attributes);
            let _ = provider.shutdown();
            drop(tracer);
            drop(provider);
            std::thread::sleep(SETTLE);
            last_error = tally.last_error().or(last_error);
            rounds.push(LeakRound {
                round,
                warmup: round < warmup_rounds,
                rss_bytes: procfs::resident_bytes(),
                live_heap_bytes: alloc_counting.then(|| alloc_counter::live_heap_balance() - base),
                exported: tally.snapshot(),
            });
        }
        alloc_counter::set_counting(false);
        Ok((rounds, last_error))
    }

    /// Stops the receiver and both runtimes without waiting long for anything stuck.
    fn finish(self) {
        if let Some(receiver) = self.receiver {
            let _ = self
                .helpers
                .block_on(async { tokio::time::timeout(HELPER_SHUTDOWN, receiver.stop()).await });
        }
        if let Some(runtime) = self.export_runtime {
            runtime.shutdown_timeout(HELPER_SHUTDOWN);
        }
        self.helpers.shutdown_timeout(HELPER_SHUTDOWN);
    }
}

fn difference(before: Option<Duration>, after: Option<Duration>) -> Option<Duration> {
    Some(after?.saturating_sub(before?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_alternate_integers_and_strings() {
        let attributes = attributes(3);
        assert_eq!(attributes.len(), 3);
        assert_eq!(attributes[0].key.as_str(), "overhead.attribute.0");
        assert_eq!(attributes[0].value, opentelemetry::Value::I64(0));
        assert_eq!(attributes[1].value.as_str(), "a short string value");
    }

    #[test]
    fn a_small_run_against_the_built_in_receiver_delivers_every_roomy_span() {
        let plan = Plan::new(None, Protocol::Grpc, 200, 2, 1, 2, 2).expect("plan");
        let measured = run(&plan, &Silent, std::future::pending()).expect("run");
        assert!(!measured.interrupted);
        assert_eq!(measured.samples.len(), 3 * Scenario::ALL.len());
        let roomy: Vec<&Sample> = measured.measured(Scenario::BatchRoomy).collect();
        assert_eq!(roomy.len(), 2);
        for sample in roomy {
            assert_eq!(sample.dropped(), Some(0), "{sample:?}");
            assert_eq!(sample.received, Some(200), "{sample:?}");
            assert!(sample.create > Duration::ZERO);
        }
        for sample in measured.measured(Scenario::AlwaysOff) {
            assert_eq!(sample.exported, None);
            assert_eq!(sample.received, Some(0));
        }
        assert_eq!(measured.leak.len(), 3);
        assert!(!measured.alloc_counting, "not installed in the test binary");
    }

    #[test]
    fn an_endpoint_that_refuses_connections_ends_the_run_before_measuring() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        drop(listener);
        let endpoint = format!("http://{address}");
        let plan =
            Plan::new(Some(&endpoint), Protocol::HttpProtobuf, 10, 1, 0, 0, 0).expect("plan");
        match run(&plan, &Silent, std::future::pending()) {
            Err(RunError::Unreachable { url, .. }) => assert_eq!(url, endpoint),
            other => panic!("expected Unreachable, got {other:?}"),
        }
    }
}
