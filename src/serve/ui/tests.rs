//! The store and its queries on batches built in memory.

use super::query::{self, TraceFilter};
use super::store::{Limits, Store};
use crate::otlp::payload::ExportRequest;
use crate::report::{Code, Finding, Severity};
use crate::serve::{Received, RequestMeta};
use crate::settings::{Compression, Protocol};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use std::time::{Duration, Instant, SystemTime};

fn span(trace: u8, id: u8, parent: Option<u8>, start: u64, end: u64) -> Span {
    Span {
        trace_id: vec![trace; 16],
        span_id: vec![id; 8],
        parent_span_id: parent.map(|p| vec![p; 8]).unwrap_or_default(),
        name: format!("span-{id}"),
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        ..Span::default()
    }
}

fn batch(spans: Vec<Span>) -> Received {
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    };
    let meta = RequestMeta {
        peer: None,
        user_agent: Some("test".into()),
        compression: Compression::None,
        received_at: SystemTime::now(),
    };
    Received::new(Protocol::Grpc, ExportRequest::Traces(request), meta)
}

fn store(max_items: usize) -> Store {
    Store::new(
        Limits {
            max_items,
            max_age: Duration::from_secs(60),
        },
        0,
    )
}

#[test]
fn a_trace_is_laid_out_parents_first_with_depths_offsets_and_orphans() {
    let mut store = store(100);
    let mut child = span(1, 2, Some(1), 1_500, 2_000);
    child.status = Some(Status {
        code: 2,
        message: "boom".into(),
    });
    let spans = vec![
        child,
        span(1, 1, None, 1_000, 3_000),
        span(1, 3, Some(9), 2_500, 2_600),
    ];
    store.add_batch(&batch(spans), Instant::now());
    let detail = query::trace(&store, &"01".repeat(16)).expect("kept");
    let rows: Vec<(&str, usize, u64, u64, bool)> = detail
        .rows
        .iter()
        .map(|r| {
            (
                r.span.name.as_str(),
                r.depth,
                r.offset_ns,
                r.duration_ns,
                r.orphan,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("span-1", 0, 0, 2_000, false),
            ("span-2", 1, 500, 500, false),
            ("span-3", 0, 1_500, 100, true),
        ]
    );
    assert_eq!(detail.summary.name, "span-1");
    assert_eq!((detail.summary.errors, detail.summary.orphans), (1, 1));
    assert_eq!(detail.summary.duration_ns, 2_000);
}

#[test]
fn the_oldest_traces_are_evicted_whole_and_counted() {
    let mut store = store(3);
    for trace in 1..=4 {
        let spans = vec![span(trace, 1, None, 0, 10), span(trace, 2, Some(1), 1, 5)];
        store.add_batch(&batch(spans), Instant::now());
    }
    let tallies = store.tallies();
    assert_eq!(tallies.spans.received, 8);
    assert!(tallies.spans.kept <= 3, "{tallies:?}");
    assert_eq!(tallies.spans.kept + tallies.spans.evicted, 8);
    let listed = query::traces(&store, &TraceFilter::from_query(""));
    assert_eq!(listed[0].trace_id, "04".repeat(16), "newest first");
    assert!(query::trace(&store, &"01".repeat(16)).is_none());
}

#[test]
fn what_is_older_than_the_age_limit_is_evicted() {
    let mut store = store(100);
    let then = Instant::now();
    store.add_batch(&batch(vec![span(1, 1, None, 0, 1)]), then);
    store.expire(then + Duration::from_secs(61));
    assert_eq!(store.tallies().traces.kept, 0);
    assert_eq!(store.tallies().requests.kept, 0);
}

#[test]
fn filters_pick_traces_by_status_name_and_duration() {
    let mut store = store(100);
    let mut failing = span(2, 1, None, 0, 5_000_000);
    failing.status = Some(Status {
        code: 2,
        message: String::new(),
    });
    store.add_batch(
        &batch(vec![span(1, 1, None, 0, 1_000), failing]),
        Instant::now(),
    );
    let ids = |q: &str| -> Vec<String> {
        query::traces(&store, &TraceFilter::from_query(q))
            .into_iter()
            .map(|t| t.trace_id[..2].to_owned())
            .collect()
    };
    assert_eq!(ids("status=error"), ["02"]);
    assert_eq!(ids("status=ok"), ["01"]);
    assert_eq!(ids("min_ms=1"), ["02"]);
    assert_eq!(ids("name=SPAN-1&max_ms=0.5"), ["01"]);
    assert!(ids("service=checkout").is_empty());
}

#[test]
fn a_finding_links_to_the_span_its_evidence_names() {
    let mut store = store(100);
    store.add_batch(&batch(vec![span(1, 1, None, 0, 1)]), Instant::now());
    let label = format!(
        "span `span-1` (trace {}, span {})",
        "01".repeat(16),
        "01".repeat(8)
    );
    let mut finding = Finding::new(
        Code::LintAttributeValueTooLong,
        Severity::Warning,
        "lint",
        "long",
    );
    finding
        .evidence
        .push(format!("svc, {label}: `x` is 9000 bytes"));
    store.add_finding(&finding);
    let detail = query::trace(&store, &"01".repeat(16)).expect("kept");
    assert_eq!(detail.rows[0].findings, [Code::LintAttributeValueTooLong]);
    let groups = query::findings(&store);
    assert_eq!(groups[0].links, [("01".repeat(16), "01".repeat(8))]);
}
