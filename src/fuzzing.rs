//! Entry points shared by the fuzz targets (`fuzz/`) and the stable tests that replay malformed,
//! truncated and oversized inputs: one function per parser a user's input goes through (the
//! decode paths of `serve` and the lint that consumes them, captures, Collector configs,
//! `Cargo.lock`/`Cargo.toml`, `OTEL_*` variables, `explain` queries and probe-server requests).
//! Each calls the production parser and whatever consumes its result; nothing is reimplemented.

use crate::collector;
use crate::deps::Project;
use crate::knowledge::answer::Answer;
use crate::knowledge::matcher::Matcher;
use crate::knowledge::{self};
use crate::otlp::payload::ExportRequest;
use crate::otlp::{capture, retime, wire_check};
use crate::probe::module::Modules;
use crate::probe::request::ProbeRequest;
use crate::probe::{self};
use crate::report::Code;
use crate::report::render::Format;
use crate::sdk_model::{Sdk, SdkChoice, model_of, reading_rules};
use crate::serve::lint::{LintConfig, Linter};
use crate::serve::{BodyEncoding, Received, RequestMeta, decode_body};
use crate::settings::secrets::redactor;
use crate::settings::target::targets;
use crate::settings::{
    Compression, MapEnv, Protocol, Selection, Signal, TargetOptions, resolve, resolve_as,
};
use bytes::Bytes;
use std::time::{Duration, SystemTime};

/// Decompressed bodies beyond this are refused, as the receiver does (kept small for speed).
const FUZZ_MAX_DECOMPRESSED: usize = 1024 * 1024;

/// The first byte picks signal, encoding and compression; the rest is the body.
pub fn http_body(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let signal = Signal::ALL[usize::from(selector % 3)];
    let encoding = if selector & 0x10 == 0 {
        BodyEncoding::Protobuf
    } else {
        BodyEncoding::Json
    };
    let compression = if selector & 0x20 == 0 {
        Compression::None
    } else {
        Compression::Gzip
    };
    let transport = encoding.transport();
    if let Ok(payload) = decode_body(
        signal,
        encoding,
        compression,
        Bytes::copy_from_slice(body),
        FUZZ_MAX_DECOMPRESSED,
    ) {
        lint(transport, payload);
    }
}

/// The first byte picks the signal; the rest is one protobuf export request, decoded as gRPC
/// does, and checked on the wire as `serve`'s OTLP/HTTP listener does: the two must agree on
/// whether it decodes and on its item count, or the listener would answer wrongly.
pub fn grpc_message(data: &[u8]) {
    let Some((&selector, message)) = data.split_first() else {
        return;
    };
    let signal = Signal::ALL[usize::from(selector % 3)];
    let payload = ExportRequest::decode_protobuf(signal, message);
    let checked = wire_check::check(signal, message).ok();
    let decoded = payload.as_ref().ok().map(ExportRequest::item_count);
    assert_eq!(
        checked, decoded,
        "the wire check and prost disagree on {signal}"
    );
    if let Ok(payload) = payload {
        lint(Protocol::Grpc, payload);
    }
}

/// A capture file (`serve --open`, `send --replay`): every line read as an OTLP/JSON export
/// request, moved to now as `--replay-now` does, and linted.
pub fn capture_file(data: &[u8]) {
    let Ok(mut requests) = capture::parse(data) else {
        return;
    };
    retime::to_now(&mut requests, 1_700_000_000_000_000_000);
    for request in requests {
        lint(Protocol::HttpJson, request);
    }
}

/// A Collector config file (`collector --config`, `check --collector-config`): parsed, linted
/// and summarised as the `config` check.
pub fn collector_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(loaded) = collector::config::parse(text, "fuzz.yaml") {
        let _ = collector::config::check(&loaded);
    }
}

/// A lock file, read with a manifest that depends on the OpenTelemetry crates, then diagnosed
/// by every `deps` rule.
pub fn cargo_lock(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        deps(FUZZ_MANIFEST, text);
    }
}

/// A package manifest, read with a fixed lock file, then diagnosed by every `deps` rule.
pub fn cargo_toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        deps(text, FUZZ_LOCK);
    }
}

/// A manifest that names the crates the `deps` rules look at, for [`cargo_lock`].
const FUZZ_MANIFEST: &str = r#"[package]
name = "app"
version = "0.1.0"

[dependencies]
opentelemetry = "0.33"
opentelemetry_sdk = { version = "0.33", features = ["rt-tokio"] }
opentelemetry-otlp = { version = "0.33", default-features = false, features = ["grpc-tonic"] }
tonic = "0.14"
"#;

/// A lock file with a local package and the OpenTelemetry crates, for [`cargo_toml`].
const FUZZ_LOCK: &str = r#"version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["opentelemetry", "opentelemetry-otlp", "opentelemetry_sdk", "tonic"]

[[package]]
name = "opentelemetry"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "opentelemetry-otlp"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["opentelemetry", "opentelemetry_sdk", "tonic"]

[[package]]
name = "opentelemetry_sdk"
version = "0.33.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["opentelemetry"]

[[package]]
name = "tonic"
version = "0.14.9"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

fn deps(manifest: &str, lock: &str) {
    if let Ok(project) = Project::from_texts(manifest, lock) {
        let _ = project.diagnose();
    }
}

/// The `OTEL_*` environment as `env` and `check` read it: the first byte picks the SDK whose
/// reading rules apply (or the specification), the rest is `NAME=VALUE` lines. The resolution,
/// the targets `check` probes and the redactor of its secrets are built from it.
pub fn otel_env(data: &[u8]) {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let sdk = Sdk::ALL.get(usize::from(selector % 7)).copied();
    let choice = SdkChoice {
        sdk,
        release: model_of(sdk).release,
        from: "fuzz".into(),
    };
    let text = String::from_utf8_lossy(text);
    let env = MapEnv(
        text.lines()
            .filter_map(|line| line.split_once('='))
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect(),
    );
    let resolution = resolve_as(&env, &TargetOptions::default(), &reading_rules(&choice));
    let _ = targets(
        &resolution,
        &Selection::all_implicit(),
        Duration::from_secs(1),
    );
    let _ = redactor(&resolution, &env).redact(&text);
}

/// An `explain` query: a finding code's entry, or the matches of the text, rendered in every
/// format `explain` prints.
pub fn explain_query(data: &[u8]) {
    let query = String::from_utf8_lossy(data).into_owned();
    let answer = match Code::parse(&query).and_then(knowledge::entry) {
        Some(entry) => Answer::for_entry(query.clone(), entry),
        None => Answer::from_matches(query.clone(), Matcher::global().search(&query, 5)),
    };
    for format in [Format::Human, Format::Json, Format::Markdown] {
        let _ = answer.render(format, false, &mut std::io::sink());
    }
}

/// A `/probe` request of `probe-server`: the first line is the query string, a second line the
/// value of the scrape timeout header. A valid request becomes the environment the probe
/// resolves, and the targets it would probe.
pub fn probe_query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (query, scrape_timeout) = match text.split_once('\n') {
        Some((query, header)) => (query, Some(header)),
        None => (text.as_ref(), None),
    };
    let Ok(request) = ProbeRequest::parse(Some(query), scrape_timeout, &Modules::builtin()) else {
        return;
    };
    let env = probe::run::environment(&request);
    let resolution = resolve(&env, &TargetOptions::default());
    let _ = targets(&resolution, &Selection::all_implicit(), request.budget.step);
}

fn lint(transport: Protocol, payload: ExportRequest) {
    let meta = RequestMeta {
        peer: None,
        user_agent: None,
        compression: Compression::None,
        received_at: SystemTime::now(),
    };
    let mut linter = Linter::new(LintConfig::default());
    let received = Received::new(transport, payload, meta);
    let _ = linter.inspect(&received, SystemTime::now());
    let _ = linter.finish();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::payload::{ExportRequest, ProbeData};

    /// Malformed, truncated and oversized inputs are refused without a crash.
    #[test]
    fn replay_hostile_inputs() {
        let valid =
            crate::otlp::encode::protobuf(&ExportRequest::probe(Signal::Traces, &ProbeData::new()));
        let mut inputs: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            vec![0xff; 64],
            b"\x10{\"resourceSpans\":[{".to_vec(),
        ];
        for cut in 0..valid.len() {
            inputs.push([&[0u8][..], &valid[..cut]].concat());
        }
        // A gzip bomb: 8 MiB of zeros compress to a few KiB and must hit the decompression cap.
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut encoder, &vec![0u8; 8 * 1024 * 1024]).expect("gzip");
        let bomb = encoder.finish().expect("gzip");
        inputs.push([&[0x20u8][..], &bomb].concat());
        // Deep nesting of AnyValue kvlists in JSON.
        let deep = format!(
            "\x10{{\"resourceSpans\":[{{\"resource\":{{\"attributes\":[{}]}}}}]}}",
            "{\"key\":\"a\",\"value\":{\"kvlistValue\":{\"values\":[".repeat(200)
        );
        inputs.push(deep.into_bytes());
        for input in &inputs {
            http_body(input);
            grpc_message(input);
        }
        let mut texts: Vec<Vec<u8>> = vec![
            b"\n\n\n".to_vec(),
            "[".repeat(10_000).into_bytes(),
            "{".repeat(10_000).into_bytes(),
            "a:\n ".repeat(2_000).into_bytes(),
            "x=".repeat(10_000).into_bytes(),
            format!("a = {}", "[".repeat(10_000)).into_bytes(),
            format!("a = {}", "{b = ".repeat(10_000)).into_bytes(),
            format!("{{\"resourceSpans\":{}", "[".repeat(10_000)).into_bytes(),
            "%".repeat(10_000).into_bytes(),
            // Found with the collector_config target: 5,000 nested block sequences overflowed
            // the stack in saphyr-parser's recursive `load` (now refused past yaml::MAX_DEPTH).
            "- ".repeat(5_000).into_bytes(),
            // Found by explain_query: a URL scheme after a character wider than a byte
            // (`ht\u{fffd}p://`) was cut inside it, a panic in knowledge::normalize.
            b"[OkHttp ht\xb9p://localhost:4318/v1/traces] WARN".to_vec(),
            "é://x".as_bytes().to_vec(),
        ];
        texts.extend(inputs);
        for input in &texts {
            for (_, entry) in TARGETS {
                entry(input);
            }
        }
    }

    /// An entry point of this module, as a fuzz target calls it.
    type EntryPoint = fn(&[u8]);

    /// Every fuzz target and the entry point it calls.
    const TARGETS: [(&str, EntryPoint); 9] = [
        ("http_decode", http_body),
        ("grpc_decode", grpc_message),
        ("capture_file", capture_file),
        ("collector_config", collector_config),
        ("cargo_lock", cargo_lock),
        ("cargo_toml", cargo_toml),
        ("otel_env", otel_env),
        ("explain_query", explain_query),
        ("probe_query", probe_query),
    ];

    /// The committed seed corpus of every target goes through its entry point, and every target
    /// in `fuzz/fuzz_targets/` has its seeds and a row in [`TARGETS`].
    #[test]
    fn replay_seed_corpus() {
        let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut names: Vec<String> = std::fs::read_dir(fuzz.join("fuzz_targets"))
            .expect("fuzz/fuzz_targets is readable")
            .map(|entry| entry.expect("entry").path())
            .filter_map(|path| Some(path.file_stem()?.to_str()?.to_string()))
            .collect();
        names.sort();
        let mut known: Vec<String> = TARGETS.iter().map(|(name, _)| name.to_string()).collect();
        known.sort();
        assert_eq!(names, known, "fuzz/fuzz_targets and TARGETS differ");
        for (name, entry) in TARGETS {
            let seeds: Vec<_> = std::fs::read_dir(fuzz.join("corpus").join(name))
                .unwrap_or_else(|e| panic!("fuzz/corpus/{name}: {e}"))
                .map(|entry| entry.expect("entry").path())
                .collect();
            assert!(
                seeds.len() >= 3,
                "fuzz/corpus/{name} has {} seeds",
                seeds.len()
            );
            for seed in seeds {
                entry(&std::fs::read(&seed).expect("seed is readable"));
            }
        }
    }
}
