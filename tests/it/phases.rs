//! The timing waterfall of `check`: through an nginx TLS front to rotel every phase runs and is
//! in the JSON report and the human output.

use crate::support::nginx::https_front_to;
use crate::support::{Rotel, TestCerts, otlp_doctor};

#[test]
fn a_check_through_a_tls_front_reports_every_phase() {
    let rotel = Rotel::start();
    let certs = TestCerts::generate();
    let (_nginx, port) = https_front_to(rotel.http_addr(), &certs.good);
    let url = format!("https://localhost:{port}");
    let ca = certs.ca.to_string_lossy().to_string();
    let output = otlp_doctor()
        .args(["check", &url, "--ca-cert", &ca, "--format", "json"])
        .output()
        .expect("otlp-doctor runs");
    let report = crate::support::schema::parse_document(
        &String::from_utf8_lossy(&output.stdout),
        &String::from_utf8_lossy(&output.stderr),
    );
    assert_eq!(report["verdict"], "healthy", "{report:#}");
    let phases = &report["phases"];
    let mut total = 0.0;
    for phase in ["dns", "connect", "tls", "first_byte", "export"] {
        let seconds = phases[phase]
            .as_f64()
            .unwrap_or_else(|| panic!("no {phase} phase: {report:#}"));
        assert!(seconds > 0.0 && seconds < 10.0, "{phase}: {seconds}");
        total += seconds;
    }
    let duration = report["duration_ms"].as_f64().unwrap_or(0.0) / 1000.0;
    assert!(total <= duration + 0.001, "{total} > {duration}");

    let human = otlp_doctor()
        .args(["check", &url, "--ca-cert", &ca])
        .output()
        .expect("otlp-doctor runs");
    let stdout = String::from_utf8_lossy(&human.stdout);
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("phases: "))
        .unwrap_or_else(|| panic!("no phases line:\n{stdout}"));
    for phase in ["dns", "connect", "tls", "first_byte", "export"] {
        assert!(line.contains(phase), "{line}");
    }
}
