//! What `serve` spends per span after the HTTP layer, stage by stage: the OTLP/HTTP listener's
//! wire check, the protobuf decode (on the gRPC listener; on the consumer for OTLP/HTTP), then on
//! the consumer the NDJSON view, the human view, the data lint, the summary,
//! and dropping the batch. Run by hand: `cargo bench --bench serve_view`. Prints nanoseconds per
//! span (median of many rounds, p10–p90) for two shapes of span: the minimal ones `load` sends
//! (one integer attribute) and spans shaped like an instrumented HTTP server's (eight
//! attributes, an event). Used to decide what to optimise next in `serve`; the end-to-end
//! comparison with rotel is `bench/run.sh`.
//!
//! `bench/instructions.sh` runs it under callgrind with `--stage NAME --shape minimal|rich`:
//! only that stage's work (the body of [`counted`]) is counted, and the number of spans it
//! handled is printed, so instructions per span come out exact and repeatable.

use bytes::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use otlp_doctor::otlp::wire_check;
use otlp_doctor::serve::lint::{LintConfig, Linter};
use otlp_doctor::serve::view::human::HumanView;
use otlp_doctor::serve::view::model::ViewModel;
use otlp_doctor::serve::view::ndjson;
use otlp_doctor::serve::view::summary::Summary;
use otlp_doctor::serve::{BodyEncoding, Received, RequestMeta, decode_body};
use otlp_doctor::settings::{Compression, Protocol, Signal};
use prost::Message;
use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

/// The binary's allocator, so that allocation costs are the ones `serve` pays.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SPANS_PER_BATCH: usize = 512;

/// Times one stage on one encoded request.
type Stage = fn(&Bytes) -> Duration;
const ROUNDS: usize = 200;
const WARM_UP_ROUNDS: usize = 20;
static ROUNDS_TO_RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(ROUNDS);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this once as a smoke test.
    let rounds = if args.iter().any(|arg| arg == "--bench") {
        ROUNDS
    } else {
        1
    };
    ROUNDS_TO_RUN.store(rounds, std::sync::atomic::Ordering::Relaxed);
    let option = |name: &str| {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|at| args.get(at + 1))
            .map(String::as_str)
    };
    if let Some(stage) = option("--stage") {
        count_one(stage, option("--shape").unwrap_or("minimal"));
        return;
    }
    println!(
        "serve, per span (ns), median of {rounds} batches of {SPANS_PER_BATCH} spans [p10–p90]"
    );
    println!(
        "{:<28} {:>22} {:>22}",
        "stage", "load's spans", "HTTP server spans"
    );
    let minimal = encoded_request(false);
    let rich = encoded_request(true);
    for (name, _, stage) in STAGES {
        let a = per_span(|| stage(&minimal));
        let b = per_span(|| stage(&rich));
        println!("{name:<28} {a:>22} {b:>22}");
    }
}

/// Each stage: its printed name, its `--stage` name, and how it is timed.
const STAGES: [(&str, &str, Stage); 7] = [
    ("wire check (OTLP/HTTP listener)", "check", |body| {
        let started = Instant::now();
        let items = counted(|| wire_check::check(Signal::Traces, body));
        black_box(items.expect("the bench's body passes the check"));
        started.elapsed()
    }),
    (
        "decode (gRPC listener; consumer for OTLP/HTTP)",
        "decode",
        |body| timed_decode(body),
    ),
    ("NDJSON view", "ndjson", |body| {
        let mut lines = Vec::new();
        timed_with(body, move |r| {
            lines.clear();
            ndjson::items(r, &mut lines);
            black_box(&lines);
        })
    }),
    ("human view", "human", |body| {
        let (mut model, mut view) = (ViewModel::new(), HumanView::new(false));
        let mut text = String::new();
        timed_with(body, move |r| {
            text.clear();
            view.batch(&mut model, r, &mut text);
            black_box(&text);
        })
    }),
    ("lint", "lint", |body| {
        let mut linter = Linter::new(LintConfig::default());
        timed_with(body, move |r| {
            drop(black_box(linter.inspect(r, SystemTime::now())))
        })
    }),
    ("summary", "summary", |body| {
        let mut summary = Summary::default();
        timed_with(body, move |r| summary.add(r))
    }),
    ("drop the batch", "drop", |body| {
        let received = received(body);
        let started = Instant::now();
        counted(|| drop(black_box(received)));
        started.elapsed()
    }),
];

/// Runs one stage on the rounds `--bench` gives (or one) and prints how many spans went through
/// it, for a count of its instructions under `valgrind --tool=callgrind --toggle-collect`.
fn count_one(stage_name: &str, shape: &str) {
    let Some((_, _, stage)) = STAGES.iter().find(|(_, name, _)| *name == stage_name) else {
        eprintln!(
            "unknown stage '{stage_name}'; the stages are check, decode, ndjson, human, lint, summary, drop"
        );
        std::process::exit(2);
    };
    let body = encoded_request(shape == "rich");
    let rounds = ROUNDS_TO_RUN.load(std::sync::atomic::Ordering::Relaxed);
    for _ in 0..rounds {
        stage(&body);
    }
    println!("spans {}", rounds * SPANS_PER_BATCH);
}

/// The work a stage does on one batch. Never inlined, so that callgrind can count exactly what
/// happens inside it (`--toggle-collect='*serve_view::counted*'`).
#[inline(never)]
fn counted<R>(work: impl FnOnce() -> R) -> R {
    work()
}

/// Median and p10–p90 per span of one stage over many rounds.
fn per_span(mut round: impl FnMut() -> Duration) -> String {
    let rounds = ROUNDS_TO_RUN.load(std::sync::atomic::Ordering::Relaxed);
    for _ in 0..WARM_UP_ROUNDS.min(rounds) {
        round();
    }
    let mut nanos: Vec<f64> = (0..rounds)
        .map(|_| round().as_nanos() as f64 / SPANS_PER_BATCH as f64)
        .collect();
    nanos.sort_by(f64::total_cmp);
    let at = |q: f64| nanos[((nanos.len() - 1) as f64 * q) as usize];
    format!("{:.0} [{:.0}–{:.0}]", at(0.5), at(0.1), at(0.9))
}

fn timed_decode(body: &Bytes) -> Duration {
    let started = Instant::now();
    let received = counted(|| received(body));
    let elapsed = started.elapsed();
    drop(black_box(received));
    elapsed
}

/// Times `stage` on a freshly decoded batch (decoding and dropping it are not counted).
fn timed_with(body: &Bytes, mut stage: impl FnMut(&Received)) -> Duration {
    let received = received(body);
    let started = Instant::now();
    counted(|| stage(&received));
    started.elapsed()
}

fn received(body: &Bytes) -> Received {
    let payload = decode_body(
        Signal::Traces,
        BodyEncoding::Protobuf,
        Compression::None,
        body.clone(),
        usize::MAX,
    )
    .expect("the request decodes");
    let meta = RequestMeta {
        peer: None,
        user_agent: None,
        compression: Compression::None,
        received_at: SystemTime::now(),
    };
    Received::new(Protocol::HttpProtobuf, payload, meta)
}

/// One export request of [`SPANS_PER_BATCH`] spans in traces of eight (a root and its children),
/// like an SDK's batch; `rich` spans carry an HTTP server's attributes and an event.
fn encoded_request(rich: bool) -> Bytes {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos() as u64;
    let spans = (0..SPANS_PER_BATCH)
        .map(|i| {
            let trace = (i / 8) as u64;
            let root = i % 8 == 0;
            let mut attributes = vec![int("index", i as i64)];
            let mut events = Vec::new();
            if rich {
                attributes.extend([
                    text("http.request.method", "GET"),
                    text("url.path", "/api/orders/{id}"),
                    text("url.scheme", "https"),
                    text("server.address", "shop.example.com"),
                    int("server.port", 443),
                    int("http.response.status_code", 200),
                    text(
                        "user_agent.original",
                        "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
                    ),
                ]);
                events.push(span::Event {
                    time_unix_nano: now,
                    name: "cache miss".into(),
                    attributes: vec![text("cache.key", "orders:42")],
                    dropped_attributes_count: 0,
                });
            }
            Span {
                trace_id: [trace.to_be_bytes(), 7u64.to_be_bytes()].concat(),
                span_id: (i as u64 + 1).to_be_bytes().to_vec(),
                parent_span_id: if root {
                    Vec::new()
                } else {
                    ((i - i % 8) as u64 + 1).to_be_bytes().to_vec()
                },
                name: if root {
                    "GET /api/orders/{id}"
                } else {
                    "SELECT orders"
                }
                .into(),
                kind: if root { 2 } else { 3 },
                start_time_unix_nano: now,
                end_time_unix_nano: now + 1_500_000,
                attributes,
                events,
                status: Some(Status {
                    message: String::new(),
                    code: 1,
                }),
                ..Default::default()
            }
        })
        .collect();
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    text("service.name", "checkout"),
                    text("telemetry.sdk.language", "rust"),
                    text("telemetry.sdk.name", "opentelemetry"),
                    text("telemetry.sdk.version", "0.33.1"),
                ],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "checkout".into(),
                    ..Default::default()
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    };
    Bytes::from(request.encode_to_vec())
}

fn text(key: &str, value: &str) -> KeyValue {
    kv(key, any_value::Value::StringValue(value.into()))
}

fn int(key: &str, value: i64) -> KeyValue {
    kv(key, any_value::Value::IntValue(value))
}

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}
