//! The timing waterfall of a diagnosis, after blackbox_exporter's `probe_http_duration_seconds`
//! phases: how long resolving, connecting, the TLS handshake, the first answer and the export of
//! test telemetry took, in seconds. Each phase is the time of the layer that does that step, for
//! the first endpoint checked: `dns`, `tcp` (connect), `tls`, `protocol` (the empty OTLP export
//! until its answer: the first byte back) and `export` (the test telemetry until the server's
//! answer). A layer that was skipped has no phase.

use super::model::{CheckRecord, CheckStatus};
use serde::Serialize;

/// Seconds per phase; absent phases did not run.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Phases {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_byte: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<f64>,
}

/// Each phase's name (as in JSON and the `phase` label) and the check that measures it.
pub const PHASES: [(&str, &str); 5] = [
    ("dns", "dns"),
    ("connect", "tcp"),
    ("tls", "tls"),
    ("first_byte", "protocol"),
    ("export", "export"),
];

impl Phases {
    /// The phases of the first endpoint's layers; `None` for a report without network layers.
    pub fn from_checks(checks: &[CheckRecord]) -> Option<Phases> {
        let seconds = |id: &str| {
            checks
                .iter()
                .find(|c| c.id == id)
                .filter(|c| c.status != CheckStatus::Skip)
                .map(|c| c.duration_ms / 1000.0)
        };
        let phases = Phases {
            dns: seconds("dns"),
            connect: seconds("tcp"),
            tls: seconds("tls"),
            first_byte: seconds("protocol"),
            export: seconds("export"),
        };
        (phases != Phases::default()).then_some(phases)
    }

    /// `(name, seconds)` of the phases that ran, in order.
    pub fn ran(&self) -> Vec<(&'static str, f64)> {
        let values = [
            self.dns,
            self.connect,
            self.tls,
            self.first_byte,
            self.export,
        ];
        PHASES
            .iter()
            .zip(values)
            .filter_map(|((name, _), value)| Some((*name, value?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, status: CheckStatus, ms: f64) -> CheckRecord {
        CheckRecord {
            id: id.into(),
            status,
            duration_ms: ms,
            summary: String::new(),
        }
    }

    #[test]
    fn phases_come_from_the_layers_that_ran() {
        let checks = [
            record("config", CheckStatus::Pass, 3.0),
            record("dns", CheckStatus::Pass, 1.0),
            record("tcp", CheckStatus::Pass, 2.0),
            record("tls", CheckStatus::Skip, 0.0),
            record("protocol", CheckStatus::Pass, 4.0),
            record("export", CheckStatus::Fail, 8.0),
        ];
        let phases = Phases::from_checks(&checks).expect("phases");
        assert_eq!(
            phases.ran(),
            [
                ("dns", 0.001),
                ("connect", 0.002),
                ("first_byte", 0.004),
                ("export", 0.008)
            ]
        );
        assert_eq!(Phases::from_checks(&checks[..1]), None);
    }
}
