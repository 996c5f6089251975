//! `send --replay-now`: moves every timestamp of a capture by one offset, so that its latest
//! becomes now. Backends that drop data older than their retention (or than a few hours) then
//! take an old capture, and the spacing inside it (durations, the order of events) is kept.
//! Timestamps that are 0 mean "unset" in OTLP and stay 0.

use super::payload::ExportRequest;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;

/// Shifts every set timestamp of `requests` so the latest equals `now_unix_nano`; returns the
/// shift in nanoseconds (negative when the capture is in the future).
pub fn to_now(requests: &mut [ExportRequest], now_unix_nano: u64) -> i128 {
    let latest = requests
        .iter_mut()
        .flat_map(timestamps)
        .map(|t| *t)
        .max()
        .unwrap_or(0);
    if latest == 0 {
        return 0;
    }
    let shift = i128::from(now_unix_nano) - i128::from(latest);
    for timestamp in requests.iter_mut().flat_map(timestamps) {
        if *timestamp != 0 {
            *timestamp = (i128::from(*timestamp) + shift).clamp(1, i128::from(u64::MAX)) as u64;
        }
    }
    shift
}

/// The start and time of every data point: each metric kind has its own point type.
macro_rules! point_times {
    ($points:expr, $out:expr) => {
        for point in $points.iter_mut() {
            $out.push(&mut point.start_time_unix_nano);
            $out.push(&mut point.time_unix_nano);
        }
    };
}

/// Every timestamp field of one request.
fn timestamps(request: &mut ExportRequest) -> Vec<&mut u64> {
    let mut out = Vec::new();
    match request {
        ExportRequest::Traces(request) => {
            for span in request
                .resource_spans
                .iter_mut()
                .flat_map(|r| &mut r.scope_spans)
                .flat_map(|s| &mut s.spans)
            {
                out.push(&mut span.start_time_unix_nano);
                out.push(&mut span.end_time_unix_nano);
                out.extend(span.events.iter_mut().map(|e| &mut e.time_unix_nano));
            }
        }
        ExportRequest::Logs(request) => {
            for record in request
                .resource_logs
                .iter_mut()
                .flat_map(|r| &mut r.scope_logs)
                .flat_map(|s| &mut s.log_records)
            {
                out.push(&mut record.time_unix_nano);
                out.push(&mut record.observed_time_unix_nano);
            }
        }
        ExportRequest::Metrics(request) => {
            for metric in request
                .resource_metrics
                .iter_mut()
                .flat_map(|r| &mut r.scope_metrics)
                .flat_map(|s| &mut s.metrics)
            {
                match &mut metric.data {
                    Some(Data::Gauge(g)) => point_times!(g.data_points, out),
                    Some(Data::Sum(s)) => point_times!(s.data_points, out),
                    Some(Data::Histogram(h)) => point_times!(h.data_points, out),
                    Some(Data::ExponentialHistogram(h)) => point_times!(h.data_points, out),
                    Some(Data::Summary(s)) => point_times!(s.data_points, out),
                    None => {}
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::payload::ProbeData;
    use crate::settings::Signal;

    fn span_times(request: &ExportRequest) -> Vec<(u64, u64)> {
        let ExportRequest::Traces(request) = request else {
            unreachable!("a traces request")
        };
        request.resource_spans[0].scope_spans[0]
            .spans
            .iter()
            .map(|s| (s.start_time_unix_nano, s.end_time_unix_nano))
            .collect()
    }

    #[test]
    fn the_latest_timestamp_becomes_now_and_spacing_is_kept() {
        let probe = ProbeData {
            count: 3,
            ..ProbeData::new()
        };
        let mut requests: Vec<ExportRequest> = Signal::ALL
            .into_iter()
            .map(|s| ExportRequest::probe(s, &probe))
            .collect();
        let before = span_times(&requests[0]);
        let now = before.iter().map(|(_, end)| *end).max().expect("spans") + 86_400_000_000_000;
        let mut all: Vec<u64> = requests
            .iter_mut()
            .flat_map(timestamps)
            .map(|t| *t)
            .collect();
        let latest = *all.iter().max().expect("timestamps");
        let shift = to_now(&mut requests, now);
        assert_eq!(shift, i128::from(now) - i128::from(latest));
        let after = span_times(&requests[0]);
        for ((s0, e0), (s1, e1)) in before.iter().zip(&after) {
            assert_eq!(e0 - s0, e1 - s1, "durations are kept");
        }
        all = requests
            .iter_mut()
            .flat_map(timestamps)
            .map(|t| *t)
            .collect();
        assert_eq!(all.iter().max(), Some(&now));
    }

    #[test]
    fn unset_timestamps_stay_unset() {
        let mut requests = vec![ExportRequest::Traces(Default::default())];
        assert_eq!(to_now(&mut requests, 5), 0);
    }
}
