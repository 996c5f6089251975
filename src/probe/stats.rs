//! The probe server's own metrics, answered on `/metrics`: probes by result, a histogram of
//! probe durations, probes in flight, and module file reloads.

use super::exposition::{Exposition, Kind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Upper bounds of the probe duration histogram, in seconds: from a loopback probe (a few ms)
/// to a probe that waits out a long scrape timeout.
const DURATION_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How a `/probe` request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeEnd {
    /// `probe_success 1`.
    Success,
    /// `probe_success 0`: the target is broken.
    Failure,
    /// Cut by its deadline (`probe_success 0`).
    Timeout,
    /// Answered 503: too many probes at once.
    Rejected,
    /// Answered 400: no target, a bad one, or an unknown module.
    BadRequest,
}

impl ProbeEnd {
    const ALL: [ProbeEnd; 5] = [
        ProbeEnd::Success,
        ProbeEnd::Failure,
        ProbeEnd::Timeout,
        ProbeEnd::Rejected,
        ProbeEnd::BadRequest,
    ];

    fn as_str(self) -> &'static str {
        match self {
            ProbeEnd::Success => "success",
            ProbeEnd::Failure => "failure",
            ProbeEnd::Timeout => "timeout",
            ProbeEnd::Rejected => "rejected",
            ProbeEnd::BadRequest => "bad_request",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Default)]
struct Histogram {
    /// Per bucket (not cumulative); the last slot is above every bound.
    counts: [u64; DURATION_BUCKETS.len() + 1],
    sum: f64,
}

/// Counters shared by every request handler.
#[derive(Debug)]
pub struct ServerStats {
    probes: [AtomicU64; ProbeEnd::ALL.len()],
    in_flight: AtomicU64,
    durations: Mutex<Histogram>,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    last_reload_ok: AtomicBool,
    started: SystemTime,
    max_concurrent: usize,
}

impl ServerStats {
    /// Zeroed counters for a server allowing `max_concurrent` probes at once.
    pub fn new(max_concurrent: usize) -> Self {
        ServerStats {
            probes: Default::default(),
            in_flight: AtomicU64::new(0),
            durations: Mutex::new(Histogram::default()),
            reloads_ok: AtomicU64::new(0),
            reloads_failed: AtomicU64::new(0),
            last_reload_ok: AtomicBool::new(true),
            started: SystemTime::now(),
            max_concurrent,
        }
    }

    /// Counts a finished request; probes that ran also go into the duration histogram.
    pub fn record(&self, end: ProbeEnd, duration: Option<Duration>) {
        self.probes[end.index()].fetch_add(1, Ordering::Relaxed);
        if let Some(duration) = duration {
            let seconds = duration.as_secs_f64();
            let bucket = DURATION_BUCKETS
                .iter()
                .position(|bound| seconds <= *bound)
                .unwrap_or(DURATION_BUCKETS.len());
            let mut histogram = self.durations.lock().unwrap_or_else(|e| e.into_inner());
            histogram.counts[bucket] += 1;
            histogram.sum += seconds;
        }
    }

    /// Requests that ended like `end` so far.
    pub fn probes(&self, end: ProbeEnd) -> u64 {
        self.probes[end.index()].load(Ordering::Relaxed)
    }

    /// Marks a probe as running until the guard is dropped.
    pub fn in_flight(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Counts a module file reload.
    pub fn record_reload(&self, ok: bool) {
        let counter = if ok {
            &self.reloads_ok
        } else {
            &self.reloads_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.last_reload_ok.store(ok, Ordering::Relaxed);
    }

    /// The `/metrics` page; `modules` is how many modules are loaded.
    pub fn render(&self, modules: usize) -> String {
        let mut page = Exposition::new();
        page.family(
            "otlp_doctor_build_info",
            Kind::Gauge,
            "The otlp-doctor version serving probes",
        )
        .sample(
            "otlp_doctor_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))],
            1.0,
        );
        page.single(
            "process_start_time_seconds",
            Kind::Gauge,
            "Start time of the probe server since the Unix epoch, in seconds",
            self.started
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
        );
        page.family(
            "otlp_doctor_probes_total",
            Kind::Counter,
            "Probe requests by result: success, failure, timeout, rejected (503, too many at once), bad_request (400)",
        );
        for end in ProbeEnd::ALL {
            page.sample(
                "otlp_doctor_probes_total",
                &[("result", end.as_str())],
                self.probes(end) as f64,
            );
        }
        self.render_durations(&mut page);
        page.single(
            "otlp_doctor_probes_in_flight",
            Kind::Gauge,
            "Probes running now",
            self.in_flight.load(Ordering::Relaxed) as f64,
        );
        page.single(
            "otlp_doctor_probes_max_concurrent",
            Kind::Gauge,
            "Probes allowed at once (--max-concurrent); more are answered 503",
            self.max_concurrent as f64,
        );
        page.single(
            "otlp_doctor_modules",
            Kind::Gauge,
            "Probe modules loaded, the built-in default included",
            modules as f64,
        );
        page.family(
            "otlp_doctor_config_reloads_total",
            Kind::Counter,
            "Module file reloads (SIGHUP or POST /-/reload) by result",
        )
        .sample(
            "otlp_doctor_config_reloads_total",
            &[("result", "success")],
            self.reloads_ok.load(Ordering::Relaxed) as f64,
        )
        .sample(
            "otlp_doctor_config_reloads_total",
            &[("result", "failure")],
            self.reloads_failed.load(Ordering::Relaxed) as f64,
        );
        page.single(
            "otlp_doctor_config_last_reload_successful",
            Kind::Gauge,
            "0 when the last module file reload failed (the previous modules stay in use)",
            if self.last_reload_ok.load(Ordering::Relaxed) {
                1.0
            } else {
                0.0
            },
        );
        page.into_text()
    }

    fn render_durations(&self, page: &mut Exposition) {
        let histogram = self.durations.lock().unwrap_or_else(|e| e.into_inner());
        let name = "otlp_doctor_probe_duration_seconds";
        page.family(
            name,
            Kind::Histogram,
            "How long probes took (success, failure and timeout), in seconds",
        );
        let bucket = format!("{name}_bucket");
        let mut cumulative = 0;
        for (bound, count) in DURATION_BUCKETS.iter().zip(histogram.counts.iter()) {
            cumulative += count;
            page.sample(
                &bucket,
                &[("le", &super::exposition::format_value(*bound))],
                cumulative as f64,
            );
        }
        cumulative += histogram.counts[DURATION_BUCKETS.len()];
        page.sample(&bucket, &[("le", "+Inf")], cumulative as f64);
        page.sample(&format!("{name}_sum"), &[], histogram.sum);
        page.sample(&format!("{name}_count"), &[], cumulative as f64);
    }
}

/// A running probe; dropping it (also when the client goes away) ends it.
#[derive(Debug)]
pub struct InFlight<'a>(&'a ServerStats);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collector::metrics::exposition::parse;

    #[test]
    fn counts_and_histogram_are_consistent() {
        let stats = ServerStats::new(4);
        stats.record(ProbeEnd::Success, Some(Duration::from_millis(3)));
        stats.record(ProbeEnd::Failure, Some(Duration::from_millis(700)));
        stats.record(ProbeEnd::Timeout, Some(Duration::from_secs(45)));
        stats.record(ProbeEnd::BadRequest, None);
        let guard = stats.in_flight();
        stats.record_reload(false);
        let text = stats.render(2);
        drop(guard);
        let page = parse(&text);
        assert_eq!(page.skipped, 0, "{text}");
        let value = |name: &str, label: Option<(&str, &str)>| {
            page.samples
                .iter()
                .find(|s| s.name == name && label.is_none_or(|(k, v)| s.label(k) == Some(v)))
                .map(|s| s.value)
        };
        assert_eq!(
            value("otlp_doctor_probes_total", Some(("result", "success"))),
            Some(1.0)
        );
        assert_eq!(
            value("otlp_doctor_probes_total", Some(("result", "bad_request"))),
            Some(1.0)
        );
        assert_eq!(
            value("otlp_doctor_probes_total", Some(("result", "rejected"))),
            Some(0.0)
        );
        assert_eq!(
            value(
                "otlp_doctor_probe_duration_seconds_bucket",
                Some(("le", "0.005"))
            ),
            Some(1.0)
        );
        assert_eq!(
            value(
                "otlp_doctor_probe_duration_seconds_bucket",
                Some(("le", "1"))
            ),
            Some(2.0)
        );
        assert_eq!(
            value(
                "otlp_doctor_probe_duration_seconds_bucket",
                Some(("le", "30"))
            ),
            Some(2.0)
        );
        assert_eq!(
            value(
                "otlp_doctor_probe_duration_seconds_bucket",
                Some(("le", "+Inf"))
            ),
            Some(3.0)
        );
        assert_eq!(
            value("otlp_doctor_probe_duration_seconds_count", None),
            Some(3.0)
        );
        assert_eq!(value("otlp_doctor_probes_in_flight", None), Some(1.0));
        assert_eq!(
            value("otlp_doctor_config_last_reload_successful", None),
            Some(0.0)
        );
        assert_eq!(value("otlp_doctor_modules", None), Some(2.0));
        assert!(text.contains("# TYPE otlp_doctor_probe_duration_seconds histogram\n"));
        assert_eq!(stats.in_flight.load(Ordering::Relaxed), 0);
    }
}
