//! The window of recent traces that orphan and duplicate detection share: per trace, the span ids
//! received (with a fingerprint to tell a resent span from an id collision) and the spans still
//! waiting for their parent. Bounded three ways: traces, span ids overall and span ids per trace;
//! the least recently active trace is forgotten first, without judging its waiting spans (a trace
//! pushed out by load is no evidence of an orphan).

use super::ids::{SPAN_ID_LEN, TRACE_ID_LEN};
use super::walk::{Service, clip, spans};
use crate::serve::hashing::{HashMap, HashMapExt, digest};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

pub(super) type TraceId = [u8; TRACE_ID_LEN];
pub(super) type SpanId = [u8; SPAN_ID_LEN];

/// Bounds of the window.
#[derive(Debug, Clone, Copy)]
pub(super) struct WindowLimits {
    pub max_traces: usize,
    pub max_spans: usize,
    pub max_spans_per_trace: usize,
    pub grace: Duration,
}

/// Enough of a span to tell whether a second span with its id is the same span sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fingerprint {
    name: u64,
    start: u64,
    end: u64,
}

impl Fingerprint {
    fn of(span: &Span) -> Self {
        Fingerprint {
            name: digest(&span.name),
            start: span.start_time_unix_nano,
            end: span.end_time_unix_nano,
        }
    }
}

/// A span as evidence names it, kept while it waits for its parent or once it repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SpanNote {
    pub service: String,
    pub name: String,
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub parent_span_id: SpanId,
}

/// A span id that arrived a second time in the same trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Repeat {
    pub span: SpanNote,
    /// The copies agree on name and times: the same span was exported twice.
    pub identical: bool,
}

#[derive(Debug)]
struct TraceEntry {
    spans: HashMap<SpanId, Fingerprint>,
    /// Children keyed by the parent they wait for.
    waiting: HashMap<SpanId, Vec<SpanNote>>,
    waiting_count: usize,
    last_seen: SystemTime,
    /// The stamp of this trace's newest entry in `TraceWindow::order`.
    stamp: u64,
    /// Reached the per-trace limit: no longer tracked or judged.
    overflowed: bool,
}

impl TraceEntry {
    fn weight(&self) -> usize {
        self.spans.len() + self.waiting_count
    }
}

/// Recent traces, least recently active first.
#[derive(Debug)]
pub(super) struct TraceWindow {
    limits: WindowLimits,
    traces: HashMap<TraceId, TraceEntry>,
    /// (trace, stamp) in order of activity; an entry whose stamp is not the trace's is stale.
    order: VecDeque<(TraceId, u64)>,
    next_stamp: u64,
    weight: usize,
}

impl TraceWindow {
    pub(super) fn new(limits: WindowLimits) -> Self {
        TraceWindow {
            limits,
            traces: HashMap::new(),
            order: VecDeque::new(),
            next_stamp: 0,
            weight: 0,
        }
    }

    /// Records every span with a valid trace and span id; returns the span ids seen before.
    pub(super) fn observe(
        &mut self,
        request: &ExportTraceServiceRequest,
        now: SystemTime,
    ) -> Vec<Repeat> {
        let mut repeats = Vec::new();
        for (service, span) in spans(request) {
            let (Ok(trace_id), Ok(span_id)) = (
                TraceId::try_from(span.trace_id.as_slice()),
                SpanId::try_from(span.span_id.as_slice()),
            ) else {
                continue;
            };
            if trace_id == [0; TRACE_ID_LEN] || span_id == [0; SPAN_ID_LEN] {
                continue;
            }
            if let Some(repeat) = self.observe_span(service, span, trace_id, span_id, now) {
                repeats.push(repeat);
            }
        }
        self.enforce_budget();
        repeats
    }

    fn observe_span(
        &mut self,
        service: Service<'_>,
        span: &Span,
        trace_id: TraceId,
        span_id: SpanId,
        now: SystemTime,
    ) -> Option<Repeat> {
        self.touch(trace_id, now);
        let max_spans_per_trace = self.limits.max_spans_per_trace;
        let entry = self.traces.get_mut(&trace_id)?;
        if entry.overflowed {
            return None;
        }
        let note = || SpanNote {
            service: clip(service.key()),
            name: clip(&span.name),
            trace_id,
            span_id,
            parent_span_id: SpanId::try_from(span.parent_span_id.as_slice()).unwrap_or_default(),
        };
        let fingerprint = Fingerprint::of(span);
        if let Some(first) = entry.spans.get(&span_id) {
            return Some(Repeat {
                span: note(),
                identical: *first == fingerprint,
            });
        }
        if entry.weight() >= max_spans_per_trace {
            // Too large to judge: free its memory, keep only the mark.
            entry.overflowed = true;
            self.weight -= entry.weight();
            entry.spans = HashMap::new();
            entry.waiting = HashMap::new();
            entry.waiting_count = 0;
            return None;
        }
        entry.spans.insert(span_id, fingerprint);
        self.weight += 1;
        if let Some(children) = entry.waiting.remove(&span_id) {
            entry.waiting_count -= children.len();
            self.weight -= children.len();
        }
        if let Ok(parent) = SpanId::try_from(span.parent_span_id.as_slice())
            && parent != [0; SPAN_ID_LEN]
            && !entry.spans.contains_key(&parent)
        {
            entry.waiting.entry(parent).or_default().push(note());
            entry.waiting_count += 1;
            self.weight += 1;
        }
        None
    }

    /// Marks a trace active now, creating it (and making room) if new.
    fn touch(&mut self, trace_id: TraceId, now: SystemTime) {
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        match self.traces.get_mut(&trace_id) {
            Some(entry) => {
                if entry.last_seen == now {
                    return; // already queued at this instant; keeps `order` short
                }
                entry.last_seen = now;
                entry.stamp = stamp;
            }
            None => {
                while self.traces.len() >= self.limits.max_traces.max(1) {
                    if self.evict_oldest().is_none() {
                        break;
                    }
                }
                self.traces.insert(
                    trace_id,
                    TraceEntry {
                        spans: HashMap::new(),
                        waiting: HashMap::new(),
                        waiting_count: 0,
                        last_seen: now,
                        stamp,
                        overflowed: false,
                    },
                );
            }
        }
        self.order.push_back((trace_id, stamp));
        if self.order.len() > 2 * self.traces.len() + 1024 {
            let traces = &self.traces;
            self.order
                .retain(|(id, stamp)| traces.get(id).is_some_and(|e| e.stamp == *stamp));
        }
    }

    fn enforce_budget(&mut self) {
        while self.weight > self.limits.max_spans {
            if self.evict_oldest().is_none() {
                break;
            }
        }
    }

    /// Forgets the least recently active trace without judging it.
    fn evict_oldest(&mut self) -> Option<TraceId> {
        let (trace_id, _) = self.pop_oldest()?;
        Some(trace_id)
    }

    /// Removes and returns the least recently active trace.
    fn pop_oldest(&mut self) -> Option<(TraceId, TraceEntry)> {
        while let Some((trace_id, stamp)) = self.order.pop_front() {
            if self.traces.get(&trace_id).is_some_and(|e| e.stamp == stamp)
                && let Some(entry) = self.traces.remove(&trace_id)
            {
                self.weight -= entry.weight();
                return Some((trace_id, entry));
            }
        }
        None
    }

    /// Closes every trace idle for the grace period and returns its spans still waiting for a
    /// parent: orphans.
    pub(super) fn expire(&mut self, now: SystemTime) -> Vec<SpanNote> {
        let mut orphans = Vec::new();
        while let Some(&(trace_id, stamp)) = self.order.front() {
            let Some(entry) = self.traces.get(&trace_id).filter(|e| e.stamp == stamp) else {
                self.order.pop_front();
                continue;
            };
            let idle = now
                .duration_since(entry.last_seen)
                .is_ok_and(|idle| idle >= self.limits.grace);
            if !idle {
                break;
            }
            if let Some((_, entry)) = self.pop_oldest() {
                orphans.extend(waiting(entry));
            }
        }
        orphans
    }

    /// Closes every trace: the end of the session.
    pub(super) fn drain(&mut self) -> Vec<SpanNote> {
        let mut orphans = Vec::new();
        while let Some((_, entry)) = self.pop_oldest() {
            orphans.extend(waiting(entry));
        }
        self.traces.clear();
        self.order.clear();
        self.weight = 0;
        orphans
    }

    #[cfg(test)]
    pub(super) fn tracked(&self) -> (usize, usize) {
        (self.traces.len(), self.weight)
    }
}

fn waiting(entry: TraceEntry) -> impl Iterator<Item = SpanNote> {
    entry.waiting.into_values().flatten()
}
