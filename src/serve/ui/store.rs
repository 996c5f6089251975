//! The web view's memory: what `serve` received, bounded by count and by age so the page stays
//! quick while the receiver takes thousands of spans a second. The oldest goes first (a whole
//! trace at a time); every eviction is counted, so the page can say what it no longer shows.

use super::stored::{
    MetricShape, StoredLog, StoredPoint, StoredResource, StoredScope, StoredSpan, points,
};
use crate::otlp::payload::ExportRequest;
use crate::report::{Code, Finding};
use crate::serve::Received;
use crate::serve::refusal::Refusal;
use crate::settings::Protocol;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Spans, log records, metric points and requests kept of each kind, by default.
pub const DEFAULT_MAX_ITEMS: usize = 50_000;
/// How long an item is kept, by default.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(30 * 60);
/// Points kept per metric series line: enough for a chart, few enough to draw often.
const POINTS_PER_METRIC: usize = 240;
/// Metrics kept; a new one beyond this evicts the one updated longest ago.
const MAX_METRICS: usize = 500;
/// Examples kept per finding code.
const EXAMPLES_PER_CODE: usize = 5;
/// Items a finding code links to.
const LINKS_PER_CODE: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Spans, log records, metric points and requests kept, each.
    pub max_items: usize,
    pub max_age: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_items: DEFAULT_MAX_ITEMS,
            max_age: DEFAULT_MAX_AGE,
        }
    }
}

/// The spans of one trace kept so far.
#[derive(Debug)]
pub struct TraceEntry {
    pub trace_id: String,
    stored_at: Instant,
    pub spans: Vec<StoredSpan>,
}

/// One export request, accepted or refused.
#[derive(Debug, Serialize)]
pub struct RequestRow {
    #[serde(skip)]
    stored_at: Instant,
    pub time_ms: f64,
    /// `grpc`, `http/protobuf`, `http/json`; empty when the request never said.
    pub protocol: String,
    /// `traces`, `metrics`, `logs`; empty for a refusal that never named one.
    pub signal: String,
    /// The request's size as protobuf (what it decoded to), for accepted requests.
    pub bytes: Option<usize>,
    pub items: Option<u64>,
    pub accepted: bool,
    /// What the client was answered: `OK`/`200`, or the refusal's status.
    pub answer: String,
    /// Why it was refused (`auth`, `too_large`, ...), empty when accepted.
    pub reason: String,
    pub message: String,
    pub peer: String,
    pub user_agent: String,
    pub compression: String,
}

/// Every finding of one code.
#[derive(Debug, Serialize)]
pub struct FindingGroup {
    pub code: Code,
    pub severity: &'static str,
    pub title: String,
    pub count: u64,
    /// The evidence of the first few findings.
    pub examples: Vec<Vec<String>>,
    pub fix: Vec<String>,
    pub docs: Vec<String>,
    /// `(trace id, span id)` of the spans and log records the findings name.
    pub links: Vec<(String, String)>,
}

/// How many items of each kind arrived, are kept, and were evicted.
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Tally {
    pub received: u64,
    pub kept: u64,
    pub evicted: u64,
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Tallies {
    pub spans: Tally,
    pub traces: Tally,
    pub logs: Tally,
    pub points: Tally,
    pub requests: Tally,
    pub refused: u64,
    pub findings: u64,
}

#[derive(Debug)]
struct MetricEntry {
    service: String,
    name: String,
    shape: MetricShape,
    updated: u64,
    points: VecDeque<(Instant, StoredPoint)>,
}

#[derive(Debug, Default)]
pub struct Store {
    limits: Limits,
    /// Bumped by every change, so the page refetches only when something changed.
    version: u64,
    traces: HashMap<String, TraceEntry>,
    /// Trace ids by first arrival: the front is evicted first.
    trace_order: VecDeque<String>,
    logs: VecDeque<(Instant, StoredLog)>,
    metrics: BTreeMap<(String, String), MetricEntry>,
    requests: VecDeque<RequestRow>,
    findings: BTreeMap<Code, FindingGroup>,
    /// Finding codes by span id, for marking spans in the waterfall.
    span_findings: HashMap<String, Vec<Code>>,
    tallies: Tallies,
    /// The partial success every accepted request was answered with (`--reject-partial`).
    rejected_per_request: u64,
}

impl Store {
    pub fn new(limits: Limits, rejected_per_request: u64) -> Self {
        Store {
            limits: Limits {
                max_items: limits.max_items.max(1),
                ..limits
            },
            rejected_per_request,
            ..Store::default()
        }
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn tallies(&self) -> Tallies {
        let mut tallies = self.tallies;
        tallies.traces.kept = self.traces.len() as u64;
        tallies.logs.kept = self.logs.len() as u64;
        tallies.points.kept = self.metrics.values().map(|m| m.points.len() as u64).sum();
        tallies.requests.kept = self.requests.len() as u64;
        tallies
    }

    /// Traces newest first.
    pub fn traces_newest_first(&self) -> impl Iterator<Item = &TraceEntry> {
        self.trace_order
            .iter()
            .rev()
            .filter_map(|id| self.traces.get(id))
    }

    pub fn trace(&self, trace_id: &str) -> Option<&TraceEntry> {
        self.traces.get(trace_id)
    }

    pub fn logs_newest_first(&self) -> impl Iterator<Item = &StoredLog> {
        self.logs.iter().rev().map(|(_, log)| log)
    }

    /// `(service, name, shape, points)` of every metric, by service and name.
    pub fn metrics(
        &self,
    ) -> impl Iterator<Item = (&str, &str, &MetricShape, impl Iterator<Item = &StoredPoint>)> {
        self.metrics.values().map(|m| {
            (
                m.service.as_str(),
                m.name.as_str(),
                &m.shape,
                m.points.iter().map(|(_, p)| p),
            )
        })
    }

    pub fn requests_newest_first(&self) -> impl Iterator<Item = &RequestRow> {
        self.requests.iter().rev()
    }

    pub fn findings(&self) -> impl Iterator<Item = &FindingGroup> {
        self.findings.values()
    }

    pub fn span_findings(&self, span_id: &str) -> &[Code] {
        self.span_findings.get(span_id).map_or(&[], Vec::as_slice)
    }

    /// Keeps a copy of what `received` carried, and its request row.
    pub fn add_batch(&mut self, received: &Received, now: Instant) {
        self.version += 1;
        self.add_request(received, now);
        match &received.payload {
            ExportRequest::Traces(request) => {
                for resource_spans in &request.resource_spans {
                    let resource = StoredResource::of(resource_spans.resource.as_ref());
                    for scope_spans in &resource_spans.scope_spans {
                        let scope = StoredScope::of(scope_spans.scope.as_ref());
                        for span in &scope_spans.spans {
                            let trace_id = const_hex::encode(&span.trace_id);
                            self.add_span(trace_id, StoredSpan::of(span, &resource, &scope), now);
                        }
                    }
                }
            }
            ExportRequest::Logs(request) => {
                for resource_logs in &request.resource_logs {
                    let resource = StoredResource::of(resource_logs.resource.as_ref());
                    for scope_logs in &resource_logs.scope_logs {
                        let scope = StoredScope::of(scope_logs.scope.as_ref());
                        for record in &scope_logs.log_records {
                            self.tallies.logs.received += 1;
                            self.logs
                                .push_back((now, StoredLog::of(record, &resource, &scope)));
                            if self.logs.len() > self.limits.max_items {
                                self.logs.pop_front();
                                self.tallies.logs.evicted += 1;
                            }
                        }
                    }
                }
            }
            ExportRequest::Metrics(request) => {
                for resource_metrics in &request.resource_metrics {
                    let service = crate::serve::view::values::service_name(
                        resource_metrics.resource.as_ref(),
                    );
                    for scope_metrics in &resource_metrics.scope_metrics {
                        for metric in &scope_metrics.metrics {
                            self.add_metric(&service, metric, now);
                        }
                    }
                }
            }
        }
        self.expire(now);
    }

    fn add_span(&mut self, trace_id: String, span: StoredSpan, now: Instant) {
        self.tallies.spans.received += 1;
        let entry = match self.traces.get_mut(&trace_id) {
            Some(entry) => entry,
            None => {
                self.tallies.traces.received += 1;
                self.trace_order.push_back(trace_id.clone());
                self.traces.entry(trace_id.clone()).or_insert(TraceEntry {
                    trace_id,
                    stored_at: now,
                    spans: Vec::new(),
                })
            }
        };
        if entry.spans.len() >= self.limits.max_items {
            self.tallies.spans.evicted += 1;
            return;
        }
        entry.spans.push(span);
        self.tallies.spans.kept += 1;
        while self.tallies.spans.kept > self.limits.max_items as u64 && self.trace_order.len() > 1 {
            self.evict_oldest_trace();
        }
    }

    fn evict_oldest_trace(&mut self) {
        if let Some(id) = self.trace_order.pop_front()
            && let Some(entry) = self.traces.remove(&id)
        {
            let spans = entry.spans.len() as u64;
            self.tallies.spans.kept -= spans;
            self.tallies.spans.evicted += spans;
            self.tallies.traces.evicted += 1;
        }
    }

    fn add_metric(
        &mut self,
        service: &str,
        metric: &opentelemetry_proto::tonic::metrics::v1::Metric,
        now: Instant,
    ) {
        let key = (service.to_owned(), metric.name.clone());
        if !self.metrics.contains_key(&key) && self.metrics.len() >= MAX_METRICS {
            let stalest = self
                .metrics
                .iter()
                .min_by_key(|(_, m)| m.updated)
                .map(|(k, _)| k.clone());
            if let Some(stalest) = stalest
                && let Some(gone) = self.metrics.remove(&stalest)
            {
                self.tallies.points.evicted += gone.points.len() as u64;
            }
        }
        let version = self.version;
        let entry = self.metrics.entry(key).or_insert_with(|| MetricEntry {
            service: service.to_owned(),
            name: metric.name.clone(),
            shape: MetricShape::of(metric),
            updated: version,
            points: VecDeque::new(),
        });
        entry.updated = version;
        for point in points(metric.data.as_ref()) {
            self.tallies.points.received += 1;
            entry.points.push_back((now, point));
            if entry.points.len() > POINTS_PER_METRIC {
                entry.points.pop_front();
                self.tallies.points.evicted += 1;
            }
        }
    }

    fn add_request(&mut self, received: &Received, now: Instant) {
        let grpc = received.transport == Protocol::Grpc;
        let mut answer = if grpc { "OK" } else { "200" }.to_owned();
        let items = received.payload.item_count();
        if self.rejected_per_request > 0 {
            let rejected = self.rejected_per_request.min(items);
            answer.push_str(&format!(", partial success: {rejected} rejected"));
        }
        self.push_request(RequestRow {
            stored_at: now,
            time_ms: unix_millis(received.meta.received_at),
            protocol: received.transport.as_str().to_owned(),
            signal: received.signal.as_str().to_owned(),
            bytes: Some(received.payload.encoded_len()),
            items: Some(items),
            accepted: true,
            answer,
            reason: String::new(),
            message: String::new(),
            peer: received
                .meta
                .peer
                .map(|p| p.to_string())
                .unwrap_or_default(),
            user_agent: received.meta.user_agent.clone().unwrap_or_default(),
            compression: received.meta.compression.as_str().to_owned(),
        });
    }

    pub fn add_refusal(&mut self, refusal: &Refusal, now: Instant) {
        self.version += 1;
        self.tallies.refused += 1;
        self.push_request(RequestRow {
            stored_at: now,
            time_ms: unix_millis(SystemTime::now()),
            protocol: refusal
                .transport
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
            signal: signal_of_path(&refusal.path).to_owned(),
            bytes: None,
            items: None,
            accepted: false,
            answer: refusal.answer.clone(),
            reason: refusal.reason.as_str().to_owned(),
            message: format!("{} {}", refusal.path, refusal.message)
                .trim()
                .to_owned(),
            peer: refusal.peer.map(|p| p.to_string()).unwrap_or_default(),
            user_agent: refusal.user_agent.clone().unwrap_or_default(),
            compression: String::new(),
        });
    }

    fn push_request(&mut self, row: RequestRow) {
        self.tallies.requests.received += 1;
        self.requests.push_back(row);
        if self.requests.len() > self.limits.max_items {
            self.requests.pop_front();
            self.tallies.requests.evicted += 1;
        }
    }

    /// Groups a finding under its code, with the spans and records its evidence names.
    pub fn add_finding(&mut self, finding: &Finding) {
        self.version += 1;
        self.tallies.findings += 1;
        let group = self
            .findings
            .entry(finding.code)
            .or_insert_with(|| FindingGroup {
                code: finding.code,
                severity: finding.severity.as_str(),
                title: finding.title.clone(),
                count: 0,
                examples: Vec::new(),
                fix: finding.fix.clone(),
                docs: finding.docs.clone(),
                links: Vec::new(),
            });
        group.count += 1;
        if group.examples.len() < EXAMPLES_PER_CODE {
            group.examples.push(finding.evidence.clone());
        }
        for line in &finding.evidence {
            for (trace_id, span_id) in crate::serve::lint::named_items(line) {
                if group.links.len() >= LINKS_PER_CODE {
                    break;
                }
                let codes = self.span_findings.entry(span_id.clone()).or_default();
                if !codes.contains(&finding.code) {
                    codes.push(finding.code);
                }
                group.links.push((trace_id, span_id));
            }
        }
    }

    /// Evicts what is older than the age limit.
    pub fn expire(&mut self, now: Instant) {
        let Some(cutoff) = now.checked_sub(self.limits.max_age) else {
            return;
        };
        while let Some(id) = self.trace_order.front() {
            match self.traces.get(id) {
                Some(entry) if entry.stored_at < cutoff => self.evict_oldest_trace(),
                Some(_) => break,
                None => {
                    self.trace_order.pop_front();
                }
            }
        }
        while self.logs.front().is_some_and(|(at, _)| *at < cutoff) {
            self.logs.pop_front();
            self.tallies.logs.evicted += 1;
        }
        while self.requests.front().is_some_and(|r| r.stored_at < cutoff) {
            self.requests.pop_front();
            self.tallies.requests.evicted += 1;
        }
        for metric in self.metrics.values_mut() {
            while metric.points.front().is_some_and(|(at, _)| *at < cutoff) {
                metric.points.pop_front();
                self.tallies.points.evicted += 1;
            }
        }
    }
}

fn unix_millis(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// The signal an OTLP/HTTP path or gRPC method names, or empty.
fn signal_of_path(path: &str) -> &'static str {
    let path = path.to_ascii_lowercase();
    ["traces", "metrics", "logs"]
        .into_iter()
        .find(|signal| path.contains(signal))
        .unwrap_or("")
}
