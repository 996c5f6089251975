//! The web view of `serve --ui` and the HTML reports, in a real headless Chromium: a real SDK's
//! trace appears while the page is open, clicking it opens its waterfall with the nesting and
//! durations `serve` printed, a linted span carries its finding, a refused export is listed, the
//! metric and log views draw what arrived, and the reports render their charts.
//!
//! `OTLP_DOCTOR_SCREENSHOTS=docs/screenshots cargo test --test it ui::` remakes the screenshots
//! of docs/ and the README.

use crate::sdk_clients::otel_env;
use crate::serve::Serve;
use crate::support::browser::Browser;
use crate::support::otlp_doctor;
use crate::support::sdk_clients::{SDK_CLIENT_TIMEOUT, SdkClient};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// Bound on the page showing something that has already arrived (SSE polls every 250 ms, the
/// page redraws at most every 400 ms; the rest is slack for a loaded 2-core machine).
const SHOWN: Duration = Duration::from_secs(15);

fn serve_with_ui(extra: &[&str]) -> (Serve, String) {
    let mut args = vec!["--ui", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let serve = Serve::start(&args);
    let ui = serve.ui.clone().expect("the listening line names ui_url");
    (serve, ui)
}

/// Runs `otlp-doctor ARGS` to completion and asserts it succeeded.
fn run_ok(args: &[&str]) {
    let output = otlp_doctor().args(args).output().expect("otlp-doctor runs");
    assert!(
        output.status.success(),
        "otlp-doctor {args:?}: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The spans of `trace_id` that `serve` printed, by span id: (name, depth, duration in ns), the
/// depth counted along the parent ids among the spans received.
fn printed_spans(lines: &[Value], trace_id: &str) -> HashMap<String, (String, u64, u64)> {
    let spans: Vec<&Value> = lines
        .iter()
        .filter(|l| l["kind"] == "span" && l["trace_id"] == trace_id)
        .collect();
    let parents: HashMap<&str, &str> = spans
        .iter()
        .map(|s| {
            let id = s["span_id"].as_str().expect("span_id");
            (id, s["parent_span_id"].as_str().unwrap_or(""))
        })
        .collect();
    let depth = |id: &str| {
        let mut depth = 0;
        let mut parent = parents.get(id).copied();
        while let Some(received) = parent.filter(|p| parents.contains_key(p)) {
            depth += 1;
            parent = parents.get(received).copied();
        }
        depth
    };
    spans
        .iter()
        .map(|s| {
            let id = s["span_id"].as_str().expect("span_id").to_string();
            let start = s["start_unix_nano"].as_u64().expect("start");
            let end = s["end_unix_nano"].as_u64().expect("end");
            let name = s["name"].as_str().expect("name").to_string();
            let entry = (name, depth(&id), end - start);
            (id, entry)
        })
        .collect()
}

#[test]
fn a_real_sdk_trace_appears_live_and_opens_as_its_waterfall() {
    let (mut serve, ui) = serve_with_ui(&[]);
    let browser = Browser::open();
    browser.goto(&format!("{ui}#/traces"));
    browser.wait_for(
        "the empty trace list",
        "return document.querySelector('[data-testid=no-traces]') !== null",
        SHOWN,
    );
    // Survives only if the page is updated in place, never reloaded.
    browser.eval("window.stillTheSamePage = true; return null;");

    let outcome = serve.python_client_sends("grpc", "ui-live-python");
    let (trace_id, sent) = (outcome.trace_id, outcome.sent.spans);
    let expected = printed_spans(serve.seen(), &trace_id);

    let row = format!("tr[data-trace-id='{trace_id}']");
    browser.wait_for(
        "the SDK's trace in the list",
        &format!("return document.querySelector(\"{row}\") !== null"),
        SHOWN,
    );
    assert_eq!(
        browser.eval("return window.stillTheSamePage === true"),
        true
    );
    let listed = browser.eval(&format!(
        "return document.querySelector(\"{row}\").innerText"
    ));
    let listed = listed.as_str().unwrap_or_default();
    assert!(listed.contains("ui-live-python"), "{listed}");
    assert!(listed.contains(&sent.to_string()), "{listed}");
    browser.screenshot("traces");

    browser.click(&row);
    let rows = browser.wait_for(
        "the waterfall of every span",
        &format!(
            "const rows = [...document.querySelectorAll('[data-testid=span-row]')];
             if (rows.length !== {sent}) return null;
             return rows.map((r) => [r.dataset.spanId, Number(r.dataset.depth),
               Number(r.dataset.durationNs), r.querySelector('.wf-name').childNodes[0].textContent.trim()]);"
        ),
        SHOWN,
    );
    let hash = browser.eval("return location.hash");
    assert_eq!(hash, format!("#/trace/{trace_id}"));
    let rows = rows.as_array().expect("rows");
    for (index, row) in rows.iter().enumerate() {
        let span_id = row[0].as_str().expect("span id");
        let (name, depth, duration) = expected
            .get(span_id)
            .unwrap_or_else(|| panic!("row {row} is not a span serve printed: {expected:?}"));
        assert_eq!(row[3].as_str(), Some(name.as_str()), "{row}");
        assert_eq!(row[1].as_u64(), Some(*depth), "depth of {name}: {row}");
        assert_eq!(
            row[2].as_u64(),
            Some(*duration),
            "duration of {name}: {row}"
        );
        if index == 0 {
            assert_eq!(*depth, 0, "the root comes first: {rows:?}");
        }
    }
    assert!(
        expected.values().any(|(_, depth, _)| *depth == 1),
        "the SDK nests its children under the parent: {expected:?}"
    );

    // A child's detail: its name, its parent and its duration as the waterfall labels it.
    let child = rows.iter().find(|r| r[1] == 1).expect("a child row");
    let child_id = child[0].as_str().expect("span id");
    browser.click(&format!(
        "[data-testid=span-row][data-span-id='{child_id}']"
    ));
    let detail = browser.wait_for(
        "the child's detail",
        "const d = document.querySelector('[data-testid=span-detail]'); return d && d.innerText",
        SHOWN,
    );
    let detail = detail.as_str().unwrap_or_default();
    let (name, _, _) = &expected[child_id];
    assert!(detail.contains(name.as_str()), "{detail}");
    assert!(detail.contains(child_id), "{detail}");
    assert!(detail.contains("ui-live-python"), "the resource: {detail}");
    browser.screenshot("waterfall");
    serve.stop();
}

#[test]
fn a_linted_span_shows_its_finding_and_a_refused_export_is_listed() {
    let (serve, ui) = serve_with_ui(&["--require-header", "authorization=Bearer ui-secret-token"]);
    // A value of 20,000 bytes is above the lint's limit; `load` sends it with the right header.
    run_ok(&[
        "load",
        &serve.http,
        "--spans",
        "4",
        "--batch-size",
        "4",
        "--attributes",
        "1",
        "--attribute-size",
        "20000",
        "-H",
        "authorization=Bearer ui-secret-token",
    ]);
    // The real SDK, without the header: refused.
    let env = otel_env("http/protobuf", &serve.http, "ui-refused-python");
    let outcome = SdkClient::Python.run(&env, SDK_CLIENT_TIMEOUT);
    assert!(
        !outcome.ok,
        "serve requires a header the SDK did not send: {outcome:?}"
    );

    let browser = Browser::open();
    browser.goto(&format!("{ui}#/findings"));
    let code = "LINT_ATTRIBUTE_VALUE_TOO_LONG";
    let finding = format!("[data-testid=finding][data-code={code}]");
    let text = browser.wait_for(
        "the attribute finding",
        &format!("const f = document.querySelector('{finding}'); return f && f.innerText"),
        SHOWN,
    );
    let text = text.as_str().unwrap_or_default();
    assert!(text.contains("Fix"), "{text}");
    assert!(
        !text.contains("ui-secret-token"),
        "the header value is masked: {text}"
    );
    browser.screenshot("findings");

    // The finding's link opens the offending span, selected, with the code on its row.
    browser.click(&format!("{finding} [data-testid=finding-link]"));
    let marked = browser.wait_for(
        "the linted span in its waterfall",
        "const selected = document.querySelector('[data-testid=span-row].selected');
             if (!selected) return null;
             const detail = document.querySelector('[data-testid=span-detail]');
             return { row: [...selected.querySelectorAll('[data-testid=span-finding]')].map((b) => b.textContent),
                      detail: detail ? detail.innerText : '' };",
        SHOWN,
    );
    assert_eq!(marked["row"], serde_json::json!([code]), "{marked}");
    assert!(
        marked["detail"].as_str().unwrap_or_default().contains(code),
        "{marked}"
    );

    browser.goto(&format!("{ui}#/requests"));
    let requests = browser.wait_for(
        "the accepted and the refused requests",
        "const rows = [...document.querySelectorAll('[data-testid=request-row]')];
         const refused = rows.filter((r) => r.dataset.accepted === 'false');
         return refused.length > 0 && rows.length > refused.length &&
           { refused: refused.map((r) => r.innerText), page: document.body.innerText };",
        SHOWN,
    );
    let refused = requests["refused"].to_string();
    assert!(refused.contains("traces"), "{refused}");
    assert!(refused.contains("401"), "the HTTP answer: {refused}");
    assert!(refused.contains("required header"), "why: {refused}");
    assert!(
        refused.contains("OTel-OTLP-Exporter-Python"),
        "the SDK's User-Agent: {refused}"
    );
    let page = requests["page"].as_str().unwrap_or_default();
    assert!(!page.contains("ui-secret-token"), "{page}");
    browser.screenshot("requests");
    serve.stop();
}

#[test]
fn the_metric_and_log_views_draw_what_arrived() {
    let (serve, ui) = serve_with_ui(&[]);
    run_ok(&[
        "load",
        &serve.grpc,
        "--protocol",
        "grpc",
        "--signals",
        "metrics,logs",
        "--spans",
        "60",
        "--batch-size",
        "10",
    ]);
    let browser = Browser::open();
    browser.goto(&format!("{ui}#/metrics"));
    let charts = browser.wait_for(
        "a chart per metric",
        "const charts = [...document.querySelectorAll('[data-testid=metric-chart]')];
         return charts.length > 0 && charts.map((c) => [c.getBoundingClientRect().width,
           c.querySelectorAll('polyline, circle').length]);",
        SHOWN,
    );
    for chart in charts.as_array().expect("charts") {
        assert!(
            chart[0].as_f64() > Some(100.0),
            "drawn at a visible size: {chart}"
        );
        assert!(chart[1].as_u64() > Some(0), "with its points: {chart}");
    }
    browser.screenshot("metrics");

    browser.goto(&format!("{ui}#/logs"));
    let logs = browser.wait_for(
        "the log records",
        "const rows = document.querySelectorAll('[data-testid=log-list] tbody tr');
         return rows.length > 0 && rows.length;",
        SHOWN,
    );
    assert!(logs.as_u64() > Some(0), "{logs}");
    browser.screenshot("logs");
    serve.stop();
}

#[test]
fn the_html_reports_render_their_charts() {
    let serve = Serve::start(&["--fail-rate", "0.2"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let load_report = dir.path().join("load.html");
    let output = otlp_doctor()
        .args(["load", &serve.http, "--spans", "20000", "--report"])
        .arg(&load_report)
        .output()
        .expect("load runs");
    assert!(load_report.exists(), "{output:?}");
    let check = otlp_doctor()
        .args(["check", &serve.http, "--format", "html"])
        .output()
        .expect("check runs");
    let check_report = dir.path().join("check.html");
    std::fs::write(&check_report, &check.stdout).expect("write the check report");

    let browser = Browser::open();
    for (name, path, figures) in [
        ("load-report", &load_report, 3),
        ("check-report", &check_report, 1),
    ] {
        browser.goto(&format!("file://{}", path.display()));
        let drawn = browser.eval(
            "return [...document.querySelectorAll('figure[data-chart]')].map((f) => {
               const svg = f.querySelector('svg'); const box = svg.getBoundingClientRect();
               return [f.dataset.chart, box.width, box.height, svg.querySelectorAll('rect, path, line, polyline, circle').length];
             });",
        );
        let drawn = drawn.as_array().expect("figures");
        assert!(drawn.len() >= figures, "{name}: {drawn:?}");
        for figure in drawn {
            assert!(figure[1].as_f64() > Some(200.0), "{name}: {figure}");
            assert!(figure[2].as_f64() > Some(100.0), "{name}: {figure}");
            assert!(
                figure[3].as_u64() > Some(2),
                "{name}: shapes drawn: {figure}"
            );
        }
        browser.screenshot(name);
    }
    serve.stop();
}

/// The acceptance run of the web view under load, a measurement rather than a default test
/// (`bash bench/ui_live.sh` runs it and docs/performance.md records it): `load` sends 10,000
/// spans/s to `serve --ui` for `UI_LIVE_SECONDS` (default 40) while the trace list is open in
/// Chromium. It prints how often the list's newest trace changed, the page's JS heap and serve's
/// resident set over time, and asserts the acceptance: an update at least every second after the
/// first five, and both memories flat (within 10%, plus a 4 MiB allowance) once the store is full.
#[test]
#[ignore = "a measurement: bash bench/ui_live.sh"]
fn ten_thousand_spans_a_second_keep_the_list_live_and_memory_bounded() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let seconds: u64 = std::env::var("UI_LIVE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let mut serve = Command::new(assert_cmd::cargo::cargo_bin!("otlp-doctor"))
        .args([
            "serve",
            "--grpc-listen",
            "127.0.0.1:0",
            "--http-listen",
            "127.0.0.1:0",
        ])
        .args(["--ui", "127.0.0.1:0", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut stdout = BufReader::new(serve.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the listening line");
    let listening: Value = serde_json::from_str(&first).expect("JSON");
    // What serve prints is read and dropped, as a terminal would.
    std::thread::spawn(move || std::io::copy(&mut stdout.take(u64::MAX), &mut std::io::sink()));
    let grpc = format!("http://{}", listening["grpc"].as_str().expect("grpc"));
    let ui = listening["ui_url"].as_str().expect("ui_url").to_string();

    let browser = Browser::open();
    browser.goto(&format!("{ui}#/traces"));
    // An update is the newest trace's row showing something new: another trace, or more spans
    // and a longer duration for the same one (`load` puts thousands of spans in each trace).
    browser.eval(
        "window.updates = []; window.lastNewest = null;
         new MutationObserver(() => {
           const row = document.querySelector('tr[data-trace-id]');
           const newest = row && row.innerText;
           if (newest && newest !== window.lastNewest) { window.lastNewest = newest; window.updates.push(performance.now()); }
         }).observe(document.getElementById('view'), { childList: true, subtree: true });
         return null;",
    );
    let started = browser
        .eval("return performance.now()")
        .as_f64()
        .expect("ms");
    let mut load = Command::new(assert_cmd::cargo::cargo_bin!("otlp-doctor"))
        .args(["load", &grpc, "--protocol", "grpc", "--rate", "10000"])
        .args(["--duration", &format!("{seconds}s"), "--batch-size", "100"])
        .args(["--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("load starts");
    let mut samples = Vec::new();
    for second in (0..seconds).step_by(5) {
        std::thread::sleep(Duration::from_secs(5));
        let heap = browser
            .eval("return performance.memory ? performance.memory.usedJSHeapSize : 0")
            .as_u64()
            .unwrap_or(0);
        samples.push((
            second + 5,
            crate::support::process::status_kib(serve.id(), "VmRSS"),
            heap / 1024,
        ));
    }
    let mut report = String::new();
    load.stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut report)
        .expect("read");
    load.wait().expect("load ends");
    let report: Value = serde_json::from_str(&report).expect("load's JSON");
    let updates: Vec<f64> = browser
        .eval("return window.updates")
        .as_array()
        .expect("updates")
        .iter()
        .filter_map(Value::as_f64)
        .map(|t| t - started)
        .collect();
    let _ = serve.kill();
    let _ = serve.wait();

    let steady: Vec<f64> = updates.iter().copied().filter(|t| *t > 5000.0).collect();
    let gaps: Vec<f64> = steady.windows(2).map(|w| w[1] - w[0]).collect();
    let max_gap = gaps.iter().copied().fold(0.0, f64::max);
    let mean_gap = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
    println!(
        "load: {} spans/s sent for {seconds} s ({} spans, {} failed requests)",
        report["spans_per_second"], report["sent"]["spans"], report["failed"]["requests"]
    );
    println!(
        "trace list: {} updates after the first 5 s, mean gap {mean_gap:.0} ms, longest gap {max_gap:.0} ms",
        steady.len()
    );
    println!("second  serve RSS (MiB)  page JS heap (MiB)");
    for (second, rss, heap) in &samples {
        println!(
            "{second:>6}  {:>15.1}  {:>18.1}",
            *rss as f64 / 1024.0,
            *heap as f64 / 1024.0
        );
    }
    assert!(steady.len() as u64 >= seconds - 6, "{updates:?}");
    assert!(
        max_gap <= 1000.0,
        "the list went {max_gap:.0} ms without an update"
    );
    // The store holds 50,000 spans: full after 5 s at 10k/s. From then on, whole traces are
    // evicted, so serve's resident set swings with the size of the trace let go; bounded means
    // the second half of the run peaks no higher than the first (with 10% slack), and the page's
    // heap stays within 10% (plus 4 MiB) of where it was once the store was full.
    let settled = &samples[1.min(samples.len() - 1)..];
    let (early, late) = settled.split_at(settled.len() / 2);
    let peak = |part: &[(u64, u64, u64)]| part.iter().map(|s| s.1).max().unwrap_or(0) as f64;
    assert!(
        peak(late) <= peak(early) * 1.1,
        "serve's memory grew after the store filled: {samples:?}"
    );
    let heap = settled[0].2 as f64;
    assert!(
        settled.iter().all(|s| s.2 as f64 <= heap * 1.1 + 4096.0),
        "the page's heap grew: {samples:?}"
    );
}
