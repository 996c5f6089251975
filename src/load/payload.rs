//! The pre-encoded requests of a load run. For each selected signal, a few export requests (each
//! its own trace id) are built from the official generated types and encoded once, for the
//! run's protocol and (for OTLP/HTTP) compression; every request of the run then sends one of
//! these byte buffers as is. A cheap [`Bytes`] clone is all a request costs the generator.
//!
//! Timestamps are those of the moment the pool was built; a receiver sees the same spans again
//! and again (the same ids within each pooled request), which is what pre-encoding means.

use super::pace::Ticket;
use super::plan::LoadPlan;
use crate::otlp::OtlpError;
use crate::otlp::encode::encode;
use crate::otlp::payload::{ExportRequest, ProbeData};
use crate::settings::Signal;
use bytes::Bytes;

/// Distinct requests per signal: consecutive requests carry different trace ids, and building
/// them stays instant even with large batches.
pub const POOL_SIZE: usize = 4;
/// `service.name` of the load.
pub const LOAD_SERVICE: &str = "otlp-doctor-load";
/// Every span has one of two names (root, child): a load test must not look like a
/// high-cardinality span-name bug to the receiver.
const ROOT_SPAN: &str = "otlp-doctor load";
const CHILD_SPAN: &str = "otlp-doctor load child";

/// The encoded requests of every selected signal.
#[derive(Debug, Clone)]
pub struct RequestPool {
    signals: Vec<SignalBodies>,
    /// OTLP/HTTP `Content-Type` (gRPC ignores it).
    pub content_type: &'static str,
    /// OTLP/HTTP `Content-Encoding`, when the bodies are gzipped.
    pub content_encoding: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct SignalBodies {
    signal: Signal,
    /// [`POOL_SIZE`] requests of a full batch.
    full: Vec<Bytes>,
    /// The shorter last request of an item budget, if there is one.
    tail: Option<(u32, Bytes)>,
}

impl RequestPool {
    /// Builds and encodes the requests the plan needs; `tail_items` is the size of the last
    /// request when it is shorter than a batch.
    pub fn build(plan: &LoadPlan, tail_items: Option<u32>) -> Result<RequestPool, OtlpError> {
        let protocol = plan.target.protocol;
        let compression = plan.target.compression;
        let attributes = attributes(plan.attributes, plan.attribute_size);
        let mut content = ("", None);
        let mut signals = Vec::new();
        for signal in &plan.target.signals {
            let mut full = Vec::with_capacity(POOL_SIZE);
            for _ in 0..POOL_SIZE {
                let request = request(*signal, plan.batch_size, &attributes);
                let body = encode(&request, protocol, compression)?;
                content = (body.content_type, body.content_encoding);
                full.push(Bytes::from(body.bytes));
            }
            let tail = match tail_items {
                Some(items) if items != plan.batch_size => {
                    let request = request(*signal, items, &attributes);
                    let body = encode(&request, protocol, compression)?;
                    Some((items, Bytes::from(body.bytes)))
                }
                _ => None,
            };
            signals.push(SignalBodies {
                signal: *signal,
                full,
                tail,
            });
        }
        Ok(RequestPool {
            signals,
            content_type: content.0,
            content_encoding: content.1,
        })
    }

    /// The signal and bytes of a ticket's request; signals take turns.
    pub fn body(&self, ticket: &Ticket) -> (Signal, &Bytes) {
        let count = self.signals.len().max(1) as u64;
        let bodies = &self.signals[usize::try_from(ticket.index % count).unwrap_or(0)];
        if let Some((items, bytes)) = &bodies.tail
            && *items == ticket.items
        {
            return (bodies.signal, bytes);
        }
        let slot = (ticket.index / count) % bodies.full.len() as u64;
        (
            bodies.signal,
            &bodies.full[usize::try_from(slot).unwrap_or(0)],
        )
    }

    /// The largest encoded request, for sizing buffers.
    pub fn max_len(&self) -> usize {
        self.signals
            .iter()
            .flat_map(|s| s.full.iter())
            .map(Bytes::len)
            .max()
            .unwrap_or(0)
    }
}

/// One export request of `items` items with a fresh trace id.
fn request(signal: Signal, items: u32, attributes: &[(String, String)]) -> ExportRequest {
    let probe = ProbeData {
        service_name: LOAD_SERVICE.to_string(),
        span_name: ROOT_SPAN.to_string(),
        count: usize::try_from(items).unwrap_or(1),
        attributes: attributes.to_vec(),
        ..ProbeData::new()
    };
    let mut request = ExportRequest::probe(signal, &probe);
    if let ExportRequest::Traces(traces) = &mut request {
        let spans = traces
            .resource_spans
            .iter_mut()
            .flat_map(|r| r.scope_spans.iter_mut())
            .flat_map(|s| s.spans.iter_mut());
        for span in spans.filter(|span| !span.parent_span_id.is_empty()) {
            span.name = CHILD_SPAN.to_string();
        }
    }
    request
}

/// `load.attribute.<i>` = a value of `size` printable characters (varied, so gzip does not
/// shrink it to nothing).
fn attributes(count: u32, size: u32) -> Vec<(String, String)> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..count)
        .map(|index| {
            let value = (0..size)
                .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
                .collect();
            (format!("load.attribute.{index}"), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::plan::{Budget, tests::target};
    use crate::settings::Protocol;
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message;

    fn plan(signals: Vec<Signal>) -> LoadPlan {
        let mut target = target("http://127.0.0.1:4317", Protocol::Grpc);
        target.signals = signals;
        LoadPlan::new(target, Budget::Items(1000), 0, 1, 300, 3, 20)
    }

    #[test]
    fn pooled_requests_decode_with_the_batch_and_attributes() {
        let plan = plan(vec![Signal::Traces]);
        let pool = RequestPool::build(&plan, Some(100)).expect("encodes");
        let mut trace_ids = std::collections::HashSet::new();
        for index in 0..POOL_SIZE as u64 {
            let (signal, bytes) = pool.body(&Ticket { index, items: 300 });
            assert_eq!(signal, Signal::Traces);
            let request = ExportTraceServiceRequest::decode(bytes.as_ref()).expect("protobuf");
            let spans = &request.resource_spans[0].scope_spans[0].spans;
            assert_eq!(spans.len(), 300);
            trace_ids.insert(spans[0].trace_id.clone());
            let names: std::collections::HashSet<_> = spans.iter().map(|s| &s.name).collect();
            assert_eq!(names.len(), 2);
            let attribute = spans[5]
                .attributes
                .iter()
                .find(|a| a.key == "load.attribute.2")
                .expect("extra attribute");
            let value = format!("{:?}", attribute.value);
            assert!(value.len() > 20, "{value}");
        }
        assert_eq!(trace_ids.len(), POOL_SIZE);
        let (_, tail) = pool.body(&Ticket {
            index: 3,
            items: 100,
        });
        let request = ExportTraceServiceRequest::decode(tail.as_ref()).expect("protobuf");
        assert_eq!(request.resource_spans[0].scope_spans[0].spans.len(), 100);
    }

    #[test]
    fn signals_take_turns() {
        let plan = plan(vec![Signal::Traces, Signal::Logs]);
        let pool = RequestPool::build(&plan, None).expect("encodes");
        let signals: Vec<Signal> = (0..4)
            .map(|index| pool.body(&Ticket { index, items: 300 }).0)
            .collect();
        assert_eq!(
            signals,
            [Signal::Traces, Signal::Logs, Signal::Traces, Signal::Logs]
        );
        let (_, logs) = pool.body(&Ticket {
            index: 1,
            items: 300,
        });
        let request = ExportLogsServiceRequest::decode(logs.as_ref()).expect("protobuf");
        assert_eq!(
            request.resource_logs[0].scope_logs[0].log_records.len(),
            300
        );
    }
}
