//! The questions the page asks of the [`Store`]: the trace list with its filters, one trace laid
//! out as a waterfall, the logs, metrics, findings and requests, each as JSON-ready data.

use super::store::{FindingGroup, RequestRow, Store, TraceEntry};
use super::stored::{MetricShape, StoredLog, StoredPoint, StoredSpan, millis};
use crate::report::Code;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Rows a list answers with unless the page asks for fewer.
pub const DEFAULT_ROWS: usize = 200;

/// The trace list's filters, from the page's query string.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TraceFilter {
    /// The service of any span, exactly.
    pub service: Option<String>,
    /// Part of any span's name, ignoring case.
    pub name: Option<String>,
    /// `error`: a span has status ERROR; `ok`: none has.
    pub status: Option<String>,
    pub min_duration_ms: Option<f64>,
    pub max_duration_ms: Option<f64>,
    /// `key` or `key=value`, on any span or its resource.
    pub attribute: Option<String>,
    pub limit: usize,
}

impl TraceFilter {
    /// Reads `service=&name=&status=&min_ms=&max_ms=&attr=&limit=`; unknown keys are ignored and
    /// an unreadable number leaves its filter off.
    pub fn from_query(query: &str) -> TraceFilter {
        let mut filter = TraceFilter {
            limit: DEFAULT_ROWS,
            ..TraceFilter::default()
        };
        for (key, value) in pairs(query) {
            let value = Some(value).filter(|v| !v.is_empty());
            match key.as_str() {
                "service" => filter.service = value,
                "name" => filter.name = value.map(|v| v.to_lowercase()),
                "status" => filter.status = value,
                "min_ms" => filter.min_duration_ms = value.and_then(|v| v.parse().ok()),
                "max_ms" => filter.max_duration_ms = value.and_then(|v| v.parse().ok()),
                "attr" => filter.attribute = value,
                "limit" => filter.limit = limit(value.as_deref()),
                _ => {}
            }
        }
        filter
    }

    fn admits(&self, summary: &TraceSummary, entry: &TraceEntry) -> bool {
        let spans = &entry.spans;
        let duration_ms = summary.duration_ns as f64 / 1e6;
        self.service
            .as_ref()
            .is_none_or(|s| spans.iter().any(|span| &span.resource.service == s))
            && self.name.as_ref().is_none_or(|n| {
                spans
                    .iter()
                    .any(|span| span.name.to_lowercase().contains(n))
            })
            && match self.status.as_deref() {
                Some("error") => summary.errors > 0,
                Some("ok") => summary.errors == 0,
                _ => true,
            }
            && self.min_duration_ms.is_none_or(|min| duration_ms >= min)
            && self.max_duration_ms.is_none_or(|max| duration_ms <= max)
            && self.attribute.as_ref().is_none_or(|attribute| {
                let (key, value) = match attribute.split_once('=') {
                    Some((k, v)) => (k, Some(v)),
                    None => (attribute.as_str(), None),
                };
                spans.iter().any(|span| span.has_attribute(key, value))
            })
    }
}

/// `a=1&b=x%20y` as decoded pairs (`+` is a space, as forms send it).
pub fn pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(key), decode(value))
    })
}

fn decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// A `limit=` value: at least 1, at most 5000, [`DEFAULT_ROWS`] when unreadable.
pub fn limit(value: Option<&str>) -> usize {
    value
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(DEFAULT_ROWS, |n| n.clamp(1, 5000))
}

/// One row of the trace list.
#[derive(Debug, Serialize, PartialEq)]
pub struct TraceSummary {
    pub trace_id: String,
    /// The root span's name, or the earliest span's when the root has not arrived.
    pub name: String,
    pub services: Vec<String>,
    pub start_ms: f64,
    pub duration_ns: u64,
    pub spans: usize,
    pub errors: usize,
    /// Spans whose parent is not in the trace.
    pub orphans: usize,
    /// Findings on its spans.
    pub findings: usize,
}

fn summarize(entry: &TraceEntry, store: &Store) -> TraceSummary {
    let spans = &entry.spans;
    let ids: HashSet<&str> = spans.iter().map(|s| s.span_id.as_str()).collect();
    let start = spans.iter().map(|s| s.start_unix_nano).min().unwrap_or(0);
    let end = spans.iter().map(|s| s.end_unix_nano).max().unwrap_or(0);
    let root = spans
        .iter()
        .find(|s| s.parent_span_id.is_empty())
        .or_else(|| spans.iter().min_by_key(|s| s.start_unix_nano));
    let services: BTreeSet<&str> = spans.iter().map(|s| s.resource.service.as_str()).collect();
    TraceSummary {
        trace_id: entry.trace_id.clone(),
        name: root.map(|s| s.name.clone()).unwrap_or_default(),
        services: services.into_iter().map(str::to_owned).collect(),
        start_ms: millis(start),
        duration_ns: end.saturating_sub(start),
        spans: spans.len(),
        errors: spans.iter().filter(|s| s.is_error()).count(),
        orphans: spans.iter().filter(|s| is_orphan(s, &ids)).count(),
        findings: spans
            .iter()
            .map(|s| store.span_findings(&s.span_id).len())
            .sum(),
    }
}

fn is_orphan(span: &StoredSpan, ids: &HashSet<&str>) -> bool {
    !span.parent_span_id.is_empty() && !ids.contains(span.parent_span_id.as_str())
}

/// The newest traces that pass `filter`.
pub fn traces(store: &Store, filter: &TraceFilter) -> Vec<TraceSummary> {
    store
        .traces_newest_first()
        .filter_map(|entry| {
            let summary = summarize(entry, store);
            filter.admits(&summary, entry).then_some(summary)
        })
        .take(filter.limit)
        .collect()
}

/// The services of every span kept, for the filter's choices.
pub fn services(store: &Store) -> Vec<String> {
    let mut services = BTreeSet::new();
    for entry in store.traces_newest_first() {
        for span in &entry.spans {
            if !services.contains(span.resource.service.as_str()) {
                services.insert(span.resource.service.clone());
            }
        }
    }
    for log in store.logs_newest_first() {
        if !services.contains(log.service.as_str()) {
            services.insert(log.service.clone());
        }
    }
    services.into_iter().collect()
}

/// A span placed in its trace's waterfall.
#[derive(Debug, Serialize)]
pub struct WaterfallRow<'s> {
    #[serde(flatten)]
    pub span: &'s StoredSpan,
    pub service: &'s str,
    pub depth: usize,
    /// From the trace's first start, in nanoseconds.
    pub offset_ns: u64,
    pub duration_ns: u64,
    /// The span names a parent that is not in the trace.
    pub orphan: bool,
    /// Offsets of the span's events from the trace's start.
    pub event_offsets_ns: Vec<u64>,
    pub findings: &'s [Code],
}

#[derive(Debug, Serialize)]
pub struct TraceDetail<'s> {
    #[serde(flatten)]
    pub summary: TraceSummary,
    /// Parents before children, siblings by start time.
    pub rows: Vec<WaterfallRow<'s>>,
}

/// One trace laid out as a waterfall, or `None` when it is not (or no longer) kept.
pub fn trace<'s>(store: &'s Store, trace_id: &str) -> Option<TraceDetail<'s>> {
    let entry = store.trace(&trace_id.to_ascii_lowercase())?;
    let summary = summarize(entry, store);
    let spans = &entry.spans;
    let ids: HashSet<&str> = spans.iter().map(|s| s.span_id.as_str()).collect();
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (index, span) in spans.iter().enumerate() {
        if span.parent_span_id.is_empty() || is_orphan(span, &ids) {
            roots.push(index);
        } else {
            children
                .entry(span.parent_span_id.as_str())
                .or_default()
                .push(index);
        }
    }
    let by_start = |list: &mut Vec<usize>| list.sort_by_key(|&i| spans[i].start_unix_nano);
    by_start(&mut roots);
    children.values_mut().for_each(by_start);
    let start = spans.iter().map(|s| s.start_unix_nano).min().unwrap_or(0);
    let row = |span: &'s StoredSpan, depth: usize, orphan: bool| WaterfallRow {
        span,
        service: &span.resource.service,
        depth,
        offset_ns: span.start_unix_nano.saturating_sub(start),
        duration_ns: span.duration_nanos(),
        orphan,
        event_offsets_ns: span
            .events
            .iter()
            .map(|e| e.time_unix_nano.saturating_sub(start))
            .collect(),
        findings: store.span_findings(&span.span_id),
    };
    let mut rows = Vec::with_capacity(spans.len());
    let mut placed = vec![false; spans.len()];
    // Depth-first, with an explicit stack: a deep trace must not overflow ours.
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&i| (i, 0)).collect();
    while let Some((index, depth)) = stack.pop() {
        if std::mem::replace(&mut placed[index], true) {
            continue; // a span id sent twice: placed once
        }
        let span = &spans[index];
        rows.push(row(span, depth, is_orphan(span, &ids)));
        if let Some(kids) = children.get(span.span_id.as_str()) {
            stack.extend(kids.iter().rev().map(|&i| (i, depth + 1)));
        }
    }
    // Spans in a parent cycle are reachable from no root; they still belong on the page.
    for (_, span) in spans.iter().enumerate().filter(|(i, _)| !placed[*i]) {
        rows.push(row(span, 0, true));
    }
    Some(TraceDetail { summary, rows })
}

/// The logs' filters: a service, a lowest severity number, text in the body or attributes.
pub fn logs<'s>(store: &'s Store, query: &str) -> Vec<&'s StoredLog> {
    let (mut service, mut min_severity, mut text, mut trace_id, mut rows) =
        (None, 0, None, None, DEFAULT_ROWS);
    for (key, value) in pairs(query).filter(|(_, v)| !v.is_empty()) {
        match key.as_str() {
            "service" => service = Some(value),
            "severity" => min_severity = value.parse().unwrap_or(0),
            "q" => text = Some(value.to_lowercase()),
            "trace" => trace_id = Some(value.to_ascii_lowercase()),
            "limit" => rows = limit(Some(&value)),
            _ => {}
        }
    }
    store
        .logs_newest_first()
        .filter(|log| service.as_ref().is_none_or(|s| &log.service == s))
        .filter(|log| log.severity_number >= min_severity)
        .filter(|log| trace_id.as_ref().is_none_or(|t| &log.trace_id == t))
        .filter(|log| {
            text.as_ref().is_none_or(|t| {
                log.body.to_lowercase().contains(t)
                    || log
                        .attributes
                        .iter()
                        .any(|(k, v)| k.contains(t.as_str()) || v.to_lowercase().contains(t))
            })
        })
        .take(rows)
        .collect()
}

#[derive(Debug, Serialize)]
pub struct MetricView<'s> {
    pub service: &'s str,
    pub name: &'s str,
    #[serde(flatten)]
    pub shape: &'s MetricShape,
    pub points: Vec<&'s StoredPoint>,
}

pub fn metrics(store: &Store) -> Vec<MetricView<'_>> {
    store
        .metrics()
        .map(|(service, name, shape, points)| MetricView {
            service,
            name,
            shape,
            points: points.collect(),
        })
        .collect()
}

pub fn findings(store: &Store) -> Vec<&FindingGroup> {
    let mut groups: Vec<&FindingGroup> = store.findings().collect();
    groups.sort_by_key(|g| (g.severity != "error", g.severity != "warning", g.code));
    groups
}

pub fn requests<'s>(store: &'s Store, query: &str) -> Vec<&'s RequestRow> {
    let mut rows = DEFAULT_ROWS;
    let mut refused_only = false;
    for (key, value) in pairs(query) {
        match key.as_str() {
            "limit" => rows = limit(Some(&value)),
            "refused" => refused_only = value == "1" || value == "true",
            _ => {}
        }
    }
    store
        .requests_newest_first()
        .filter(|r| !refused_only || !r.accepted)
        .take(rows)
        .collect()
}
