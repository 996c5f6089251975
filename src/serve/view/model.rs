//! The live view's model: what each line of a batch shows, as plain data borrowed from the batch
//! (no text is built here), with the memory of span depths that indents a child under a parent
//! seen in an earlier batch. The terminal view paints it; a view that stores lines (the web view)
//! copies what it keeps.

use super::summary::{STATUS_ERROR, points};
use super::values::{service_name, text};
use crate::otlp::payload::ExportRequest;
use crate::serve::Received;
use crate::serve::hashing::{HashMap, HashMapExt, digest};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::trace::v1::Span;
use std::collections::VecDeque;

/// Spans remembered for indenting children that arrive in later batches.
const REMEMBERED_SPANS: usize = 50_000;

/// One line of the live view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Line<'a> {
    Span(SpanLine<'a>),
    Metric(MetricLine<'a>),
    Log(LogLine<'a>),
    /// An export request that carried no span, metric or log record.
    Empty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanLine<'a> {
    pub service: &'a str,
    pub trace_id: &'a [u8],
    pub name: &'a str,
    /// Ancestors above the span: 0 for a root, one more than its parent when the parent was
    /// seen, 1 under a parent not seen (yet).
    pub depth: usize,
    pub duration_nanos: u64,
    /// The span's status is ERROR.
    pub error: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricLine<'a> {
    pub service: &'a str,
    pub name: &'a str,
    pub points: usize,
    /// The points themselves, for their values.
    pub data: Option<&'a Data>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLine<'a> {
    pub service: &'a str,
    /// As sent; empty when the record has only a severity number.
    pub severity_text: &'a str,
    pub severity_number: i32,
    /// The body as plain text (strings unquoted), empty without a body.
    pub body: &'a str,
}

/// Turns batches into [`Line`]s, remembering the depth of the spans it has shown.
#[derive(Debug, Default)]
pub struct ViewModel {
    /// Depth by span id digest (a collision only misindents a line).
    depth: HashMap<u64, usize>,
    order: VecDeque<u64>,
}

impl ViewModel {
    pub fn new() -> Self {
        ViewModel {
            depth: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Hands every line of a batch to `each`, in the order shown: per resource, spans with a
    /// parent after it; [`Line::Empty`] alone for a batch without data. Lines borrow from the
    /// batch and from a service name that lives for one resource, so nothing is copied per line.
    pub fn batch(&mut self, received: &Received, mut each: impl FnMut(Line<'_>)) {
        let mut shown = false;
        match &received.payload {
            ExportRequest::Traces(request) => {
                for rs in &request.resource_spans {
                    let service = service_name(rs.resource.as_ref());
                    let spans: Vec<&Span> = rs.scope_spans.iter().flat_map(|s| &s.spans).collect();
                    for span in parents_first(&spans) {
                        let depth = self.depth_of(span);
                        each(Line::Span(SpanLine {
                            service: &service,
                            trace_id: &span.trace_id,
                            name: &span.name,
                            depth,
                            duration_nanos: span
                                .end_time_unix_nano
                                .saturating_sub(span.start_time_unix_nano),
                            error: span.status.as_ref().is_some_and(|s| s.code == STATUS_ERROR),
                        }));
                        shown = true;
                    }
                }
            }
            ExportRequest::Metrics(request) => {
                for rm in &request.resource_metrics {
                    let service = service_name(rm.resource.as_ref());
                    for metric in rm.scope_metrics.iter().flat_map(|s| &s.metrics) {
                        each(Line::Metric(MetricLine {
                            service: &service,
                            name: &metric.name,
                            points: points(metric.data.as_ref()),
                            data: metric.data.as_ref(),
                        }));
                        shown = true;
                    }
                }
            }
            ExportRequest::Logs(request) => {
                for rl in &request.resource_logs {
                    let service = service_name(rl.resource.as_ref());
                    for record in rl.scope_logs.iter().flat_map(|s| &s.log_records) {
                        let body = record.body.as_ref().map(text).unwrap_or_default();
                        each(Line::Log(LogLine {
                            service: &service,
                            severity_text: &record.severity_text,
                            severity_number: record.severity_number,
                            body: &body,
                        }));
                        shown = true;
                    }
                }
            }
        }
        if !shown {
            each(Line::Empty);
        }
    }

    fn depth_of(&mut self, span: &Span) -> usize {
        let depth = if span.parent_span_id.is_empty() {
            0
        } else {
            self.depth
                .get(&digest(&span.parent_span_id))
                .map_or(1, |d| d + 1)
        };
        let key = digest(&span.span_id);
        self.depth.insert(key, depth);
        self.order.push_back(key);
        if self.order.len() > REMEMBERED_SPANS
            && let Some(oldest) = self.order.pop_front()
        {
            self.depth.remove(&oldest);
        }
        depth
    }
}

/// Spans of a batch ordered so a parent comes before its children (SDKs often export children
/// first, since they end first): pass after pass, in batch order, every span whose parent is
/// not in the batch or already placed; a cycle ends in batch order. A batch already in that
/// order (every in-batch parent earlier) comes back as it is, without a second pass.
fn parents_first<'a>(spans: &[&'a Span]) -> Vec<&'a Span> {
    let mut position: HashMap<&[u8], usize> = HashMap::with_capacity(spans.len());
    for (at, span) in spans.iter().enumerate() {
        position.entry(span.span_id.as_slice()).or_insert(at);
    }
    // The batch position of each span's parent, when the parent is in the batch.
    let parents: Vec<Option<usize>> = spans
        .iter()
        .map(|span| match span.parent_span_id.as_slice() {
            [] => None,
            parent => position.get(parent).copied(),
        })
        .collect();
    if parents
        .iter()
        .enumerate()
        .all(|(at, parent)| parent.is_none_or(|p| p < at))
    {
        return spans.to_vec();
    }
    let mut placed = vec![false; spans.len()];
    let mut ordered: Vec<&Span> = Vec::with_capacity(spans.len());
    let mut remaining: Vec<usize> = (0..spans.len()).collect();
    while !remaining.is_empty() {
        let before = remaining.len();
        remaining.retain(|&at| {
            let parent_ready = parents[at].is_none_or(|p| placed[p]);
            if parent_ready {
                ordered.push(spans[at]);
                placed[at] = true;
            }
            !parent_ready
        });
        if remaining.len() == before {
            ordered.extend(remaining.drain(..).map(|at| spans[at]));
        }
    }
    ordered
}
