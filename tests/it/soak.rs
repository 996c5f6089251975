//! The short SDK soak: `bench/soak.sh` at a small size, with the binary under test. Two senders of
//! each real SDK (one over gRPC, one over OTLP/HTTP) → `proxy` → `serve --save`; the upstream
//! `serve` is SIGKILLed mid-run and restarted on the same ports a moment later. The far end
//! (bench/soak_count.py, over both instances' saves) must show that nothing was lost without the
//! SDK knowing, that no span arrived twice at one instance, and that every copy at the far end
//! was forwarded by the proxy once: the SDKs' retries carry the data, the proxy neither drops nor
//! doubles it. A loss an SDK reports itself (the Node.js gRPC exporter does not retry) is its own.
//! The far end is exact because `serve --save` writes each request before answering it.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::sdk_clients::SdkClient;

/// Each sender's spans are paced over this long, so every sender is running at the kill.
const PACE_SECONDS: &str = "8";
const KILL_AFTER: &str = "4";
/// Short enough for the Rust SDK's default retry budget (about 0.7 s of backoff).
const DOWN_SECONDS: &str = "0.5";
/// The script's own bound on the senders; the whole run stays well under 90 s.
const SCRIPT_TIMEOUT: &str = "60";
const RUN_BOUND: Duration = Duration::from_secs(90);

#[test]
fn sdk_retries_carry_every_span_through_the_proxy_over_an_upstream_restart() {
    for client in SdkClient::ALL {
        client.assert_built();
    }
    let work = tempfile::tempdir().expect("a temp folder");
    let json = work.path().join("soak.json");
    let started = Instant::now();
    let output = Command::new("bash")
        .arg("bench/soak.sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("BIN", env!("CARGO_BIN_EXE_otlp-doctor"))
        .env("SPANS", "40000")
        .env("SENDERS", "2")
        .env("PACE_SECONDS", PACE_SECONDS)
        .env("KILL_AFTER", KILL_AFTER)
        .env("DOWN_SECONDS", DOWN_SECONDS)
        .env("TIMEOUT", SCRIPT_TIMEOUT)
        .env("SOAK_JSON", &json)
        .output()
        .expect("bash runs bench/soak.sh");
    let table = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "bench/soak.sh failed ({})\n{table}\n{log}",
        output.status
    );
    assert!(
        started.elapsed() < RUN_BOUND,
        "the short soak took {:?}",
        started.elapsed()
    );
    let text = std::fs::read_to_string(&json).expect("the soak's JSON");
    let counts: Value = serde_json::from_str(&text).expect("JSON");
    let context = format!("{table}\n{log}");

    for client in SdkClient::ALL {
        let row = &counts["sdks"][client.name()];
        assert_eq!(row["senders"], 2, "{}: {context}", client.name());
        assert_eq!(
            row["running_at_kill"],
            2,
            "every {} sender must be exporting when the upstream dies: {context}",
            client.name()
        );
    }
    // `serve --save` writes a request before answering it, so what the upstream acknowledged is
    // at the far end even across the SIGKILL: a span lost without its SDK knowing was lost by
    // the proxy.
    let proxy = &counts["proxy"];
    assert_eq!(
        counts["silently_missing"], 0,
        "spans lost without their SDK reporting a failure: {context}"
    );
    assert!(
        proxy["accepted_minus_far_end"].as_i64().expect("accepted") <= 0,
        "the upstream accepted spans the far end does not hold: {context}"
    );
    let totals = &counts["totals"];
    assert_eq!(
        totals["duplicated_same_instance"], 0,
        "a span arrived twice at one serve instance: {context}"
    );
    assert_eq!(
        proxy["far_end_copies_beyond_forwarded"], 0,
        "the far end holds more copies than the proxy forwarded: {context}"
    );
    let unanswered = proxy["items_unanswered"].as_i64().expect("unanswered");
    assert!(
        totals["duplicated_across_kill"].as_i64().expect("across") <= unanswered,
        "more duplicates across the kill than requests the proxy saw unanswered: {context}"
    );
    assert!(
        unanswered > 0,
        "the kill left no export unanswered, so nothing was retried: {context}"
    );
    assert_eq!(
        counts["far_end"]["foreign_spans"], 0,
        "spans of no sender: {context}"
    );
}
