//! The ports `scan` looks at when none are named: where the OpenTelemetry Collector, its
//! extensions and the usual tracing backends listen by default, each with what usually listens
//! there (shown next to what was really found).

/// A port and what usually listens on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownPort {
    pub port: u16,
    pub usually: &'static str,
}

const fn known(port: u16, usually: &'static str) -> KnownPort {
    KnownPort { port, usually }
}

/// The default ports: the Collector's `otlp` receiver (and the legacy 55680/55681, and
/// 4319/4320 that a second receiver or a sidecar often takes), its extensions' defaults
/// (health_check 13133, healthcheckv2 13134 when run beside it, zpages 55679, pprof 1777), its
/// internal metrics (8888) and the Prometheus exporter (8889), Zipkin (9411) and Jaeger
/// (collector gRPC 14250 and HTTP 14268, query 16686).
pub const USUAL: &[KnownPort] = &[
    known(4317, "OTLP/gRPC"),
    known(4318, "OTLP/HTTP"),
    known(4319, "OTLP/gRPC (a second receiver)"),
    known(4320, "OTLP/HTTP (a second receiver)"),
    known(55680, "OTLP/gRPC (legacy port)"),
    known(55681, "OTLP/HTTP (legacy port)"),
    known(13133, "Collector health_check"),
    known(13134, "Collector healthcheckv2"),
    known(8888, "Collector internal metrics"),
    known(8889, "Collector Prometheus exporter"),
    known(55679, "Collector zpages"),
    known(1777, "Collector pprof"),
    known(9411, "Zipkin"),
    known(14250, "Jaeger collector (gRPC)"),
    known(14268, "Jaeger collector (HTTP)"),
    known(16686, "Jaeger query (UI and API)"),
];

/// The ports where an OTLP receiver usually listens: what `check` tries when the configured
/// port does not speak OTLP as configured.
pub const OTLP: &[u16] = &[4317, 4318, 4319, 4320, 55680, 55681];

/// What usually listens on `port`, if it is one of the known ones.
pub fn usually(port: u16) -> Option<&'static str> {
    USUAL.iter().find(|k| k.port == port).map(|k| k.usually)
}

/// The known ports followed by `extra` ones, each once, in that order.
pub fn with_extra(base: &[u16], extra: &[u16]) -> Vec<u16> {
    let mut ports: Vec<u16> = Vec::with_capacity(base.len() + extra.len());
    for &port in base.iter().chain(extra) {
        if !ports.contains(&port) {
            ports.push(port);
        }
    }
    ports
}

/// Every known port number, in list order.
pub fn usual_numbers() -> Vec<u16> {
    USUAL.iter().map(|k| k.port).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_otlp_ports_are_known_ports() {
        for port in OTLP {
            assert!(usually(*port).is_some(), "{port}");
        }
    }

    #[test]
    fn extra_ports_are_added_once() {
        assert_eq!(with_extra(&[4317, 4318], &[4318, 9000]), [4317, 4318, 9000]);
    }
}
