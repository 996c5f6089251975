//! A fix in the user's dialect: the `OTEL_*` variables a fix sets (its `env` table in the
//! knowledge base), written as shell `export` lines, as a Kubernetes `env:` list and, for a
//! chosen SDK, as that SDK's own builder or constructor call. The calls are data
//! (`dialect.toml`, one table per SDK and transport); this module only picks and fills them.

use super::fix::{Fix, fill};
use crate::sdk_model::Sdk;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One fix in every form a renderer may print.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixForms {
    /// The fix line, as in the report's `fix` array.
    pub text: String,
    /// The variables the fix sets, with their values (empty when it sets none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// The same settings in the chosen SDK's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialect: Option<SdkCode>,
}

/// Code that makes one SDK do what the fix says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SdkCode {
    /// `rust`, `python`, `go`, `java`, `node` or `dotnet`.
    pub sdk: &'static str,
    /// The exporter package and release the call is written for.
    pub package: String,
    /// The transport the call builds: `grpc`, `http/protobuf` or `http/json`.
    pub transport: String,
    /// The markdown code-fence language (`rust`, `python`, `go`, `java`, `javascript`, `csharp`).
    pub lang: String,
    pub code: String,
}

impl FixForms {
    /// A fix line that sets nothing the data knows of.
    pub fn text_only(text: &str) -> Self {
        FixForms {
            text: text.to_string(),
            env: BTreeMap::new(),
            dialect: None,
        }
    }

    /// `export K=V` lines, values quoted for a POSIX shell where needed.
    pub fn shell(&self) -> Vec<String> {
        self.env
            .iter()
            .map(|(name, value)| format!("export {name}={}", shell_quote(value)))
            .collect()
    }

    /// A Kubernetes container `env:` list.
    pub fn kubernetes(&self) -> Vec<String> {
        let mut lines = vec!["env:".to_string()];
        for (name, value) in &self.env {
            lines.push(format!("  - name: {name}"));
            lines.push(format!("    value: {}", yaml_quote(value)));
        }
        lines
    }
}

/// The forms of `fix` for `sdk` (`None`: environment lines only) when the exporter speaks
/// `protocol` (`grpc`, `http/protobuf`, `http/json`; a protocol the fix sets wins).
pub fn forms(fix: &Fix, sdk: Option<Sdk>, protocol: Option<&str>) -> FixForms {
    let env = fix.env();
    let dialect = sdk.and_then(|sdk| code(sdk, &env, protocol));
    FixForms {
        text: fix.text(),
        env,
        dialect,
    }
}

/// A signal as the variables and the exporters name it. (`settings::Signal` sits above the
/// knowledge base, which `settings` imports.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    Traces,
    Metrics,
    Logs,
}

impl Signal {
    const ALL: [Signal; 3] = [Signal::Traces, Signal::Metrics, Signal::Logs];

    fn as_str(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Metrics => "metrics",
            Signal::Logs => "logs",
        }
    }

    fn env_infix(self) -> &'static str {
        match self {
            Signal::Traces => "TRACES",
            Signal::Metrics => "METRICS",
            Signal::Logs => "LOGS",
        }
    }

    fn http_path(self) -> String {
        format!("/v1/{}", self.as_str())
    }
}

/// `%XX` escapes decoded, as SDKs decode header values; `None` on a broken escape.
fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The settings in the order the code sets them.
const SETTINGS: [&str; 8] = [
    "protocol",
    "endpoint",
    "insecure",
    "headers",
    "certificate",
    "client_tls",
    "timeout",
    "compression",
];

/// The setting an `OTEL_EXPORTER_OTLP_[SIGNAL_]<OPTION>` variable sets, and its signal.
fn setting_of(variable: &str) -> Option<(&'static str, Option<Signal>)> {
    let option = variable.strip_prefix("OTEL_EXPORTER_OTLP_")?;
    let (signal, option) = Signal::ALL
        .iter()
        .find_map(|signal| {
            option
                .strip_prefix(signal.env_infix())
                .and_then(|rest| rest.strip_prefix('_'))
                .map(|rest| (Some(*signal), rest))
        })
        .unwrap_or((None, option));
    let setting = match option {
        "ENDPOINT" => "endpoint",
        "PROTOCOL" => "protocol",
        "HEADERS" => "headers",
        "CERTIFICATE" => "certificate",
        "CLIENT_CERTIFICATE" | "CLIENT_KEY" => "client_tls",
        "INSECURE" => "insecure",
        "TIMEOUT" => "timeout",
        "COMPRESSION" => "compression",
        _ => return None,
    };
    Some((setting, signal))
}

fn code(sdk: Sdk, env: &BTreeMap<String, String>, protocol: Option<&str>) -> Option<SdkCode> {
    let mut values: BTreeMap<&str, String> = BTreeMap::new();
    let mut params: Vec<(&'static str, String)> = Vec::new();
    let mut signal = None;
    let mut generic_endpoint = false;
    for (variable, value) in env {
        let Some((setting, of)) = setting_of(variable) else {
            continue;
        };
        signal = signal.or(of);
        match (setting, variable.ends_with("CLIENT_KEY")) {
            ("client_tls", true) => params.push(("client_key", value.clone())),
            ("client_tls", false) => params.push(("client_certificate", value.clone())),
            ("endpoint", _) => generic_endpoint = of.is_none(),
            _ => {}
        }
        values.insert(setting, normalized(setting, value));
    }
    if values.is_empty() {
        return None;
    }
    let signal = signal.unwrap_or(Signal::Traces);
    let transport = values
        .get("protocol")
        .map(String::as_str)
        .or(protocol)
        .unwrap_or("http/protobuf")
        .to_ascii_lowercase();
    let table = tables().get(sdk.name())?.get(transport.as_str())?;
    let signal_key = signal.as_str();
    for (name, map) in [("exporter", &table.exporter), ("module", &table.module)] {
        params.push((name, map.get(signal_key).cloned().unwrap_or_default()));
    }
    for missing in ["client_certificate", "client_key"] {
        if !params.iter().any(|(name, _)| *name == missing) {
            params.push((missing, format!("<{}>", missing.replace('_', " "))));
        }
    }

    let mut before: Vec<String> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for setting in SETTINGS {
        let Some(value) = values.get(setting) else {
            continue;
        };
        let mut bound = params.clone();
        bound.push(("value", value.clone()));
        match setting {
            "endpoint" => bound.push((
                "url",
                endpoint_url(value, &transport, generic_endpoint, signal),
            )),
            "timeout" => bound.push(("seconds", seconds(value))),
            "headers" => bound.push(("pairs", header_pairs(value, table.header.as_ref()))),
            _ => {}
        }
        for (templates, out) in [(&table.before, &mut before), (&table.set, &mut lines)] {
            if let Some(template) = pick(templates, setting, value) {
                let filled = fill(template, &bound);
                if !filled.is_empty() && !out.contains(&filled) {
                    out.push(filled);
                }
            }
        }
    }

    let mut code: Vec<String> = before;
    code.push(fill(&table.open, &params));
    for line in lines {
        let is_comment = line.trim_start().starts_with(table.comment.as_str());
        let end = if is_comment { "" } else { table.end.as_str() };
        code.push(format!("{line}{end}"));
    }
    code.push(table.close.clone());
    Some(SdkCode {
        sdk: sdk.name(),
        package: fill(&table.package, &params),
        transport,
        lang: table.lang.clone(),
        code: code.join("\n"),
    })
}

/// The value trimmed, and lowercased where case carries no meaning (`TRUE`, `GZIP`).
fn normalized(setting: &str, value: &str) -> String {
    match setting {
        "insecure" | "compression" | "protocol" => value.trim().to_ascii_lowercase(),
        _ => value.trim().to_string(),
    }
}

fn pick<'t>(
    templates: &'t BTreeMap<String, String>,
    setting: &str,
    value: &str,
) -> Option<&'t str> {
    templates
        .get(&format!("{setting}.{value}"))
        .or_else(|| templates.get(setting))
        .map(String::as_str)
}

/// The URL an exporter built in code is given: OTLP/HTTP exporters use it as is, so the base URL
/// of `OTEL_EXPORTER_OTLP_ENDPOINT` gets the signal's path, as the variable would.
fn endpoint_url(value: &str, transport: &str, generic: bool, signal: Signal) -> String {
    if generic && transport != "grpc" {
        format!("{}{}", value.trim_end_matches('/'), signal.http_path())
    } else {
        value.to_string()
    }
}

/// Milliseconds as seconds (Python takes seconds); a value that is not a number stays readable.
fn seconds(milliseconds: &str) -> String {
    match milliseconds.parse::<f64>() {
        Ok(ms) => format!("{}", ms / 1000.0),
        Err(_) => format!("{milliseconds} / 1000"),
    }
}

/// `k=v,k2=v2` (percent-encoded, as in `OTEL_EXPORTER_OTLP_HEADERS`) written with the SDK's
/// pair template; code takes the decoded values.
fn header_pairs(value: &str, header: Option<&HeaderForm>) -> String {
    let Some(header) = header else {
        return value.to_string();
    };
    value
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, raw)| {
            let decoded = percent_decode(raw.trim()).unwrap_or_else(|| raw.trim().to_string());
            fill(
                &header.pair,
                &[("key", key.trim().to_string()), ("value", decoded)],
            )
        })
        .collect::<Vec<_>>()
        .join(&header.join)
}

fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

fn yaml_quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', r"\\").replace('"', "\\\""))
}

/// How one header is written and how headers are joined.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderForm {
    pair: String,
    join: String,
}

/// One `[<sdk>.<transport>]` table as written, before `extends` is applied.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    extends: Option<String>,
    lang: Option<String>,
    package: Option<String>,
    open: Option<String>,
    close: Option<String>,
    end: Option<String>,
    comment: Option<String>,
    #[serde(default)]
    exporter: BTreeMap<String, String>,
    #[serde(default)]
    module: BTreeMap<String, String>,
    header: Option<HeaderForm>,
    #[serde(default)]
    before: BTreeMap<String, String>,
    #[serde(default)]
    set: BTreeMap<String, String>,
}

/// A table with everything it inherits filled in.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    lang: String,
    package: String,
    open: String,
    close: String,
    end: String,
    comment: String,
    exporter: BTreeMap<String, String>,
    module: BTreeMap<String, String>,
    header: Option<HeaderForm>,
    before: BTreeMap<String, String>,
    set: BTreeMap<String, String>,
}

type Tables = BTreeMap<String, BTreeMap<String, Table>>;

/// The tables of `dialect.toml` by SDK name and transport, parsed once. A malformed file is a
/// build defect the tests catch.
pub(crate) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let raw: BTreeMap<String, BTreeMap<String, RawTable>> =
            toml::from_str(include_str!("dialect.toml"))
                .unwrap_or_else(|error| panic!("knowledge/dialect.toml is malformed: {error}"));
        raw.iter()
            .map(|(sdk, transports)| {
                let resolved = transports
                    .iter()
                    .map(|(transport, table)| (transport.clone(), resolve(sdk, table, transports)))
                    .collect();
                (sdk.clone(), resolved)
            })
            .collect()
    })
}

fn resolve(sdk: &str, table: &RawTable, siblings: &BTreeMap<String, RawTable>) -> Table {
    let parent = table.extends.as_ref().map(|name| {
        siblings
            .get(name)
            .unwrap_or_else(|| panic!("dialect.toml: {sdk} extends unknown table {name}"))
    });
    let parent = parent.cloned().unwrap_or_default();
    let text = |own: &Option<String>, inherited: &Option<String>, field: &str| {
        own.clone()
            .or_else(|| inherited.clone())
            .unwrap_or_else(|| panic!("dialect.toml: a {sdk} table has no {field}"))
    };
    let merged = |own: &BTreeMap<String, String>, inherited: &BTreeMap<String, String>| {
        let mut map = inherited.clone();
        map.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        map
    };
    Table {
        lang: text(&table.lang, &parent.lang, "lang"),
        package: text(&table.package, &parent.package, "package"),
        open: text(&table.open, &parent.open, "open"),
        close: text(&table.close, &parent.close, "close"),
        end: text(&table.end, &parent.end, "end"),
        comment: text(&table.comment, &parent.comment, "comment"),
        exporter: merged(&table.exporter, &parent.exporter),
        module: merged(&table.module, &parent.module),
        header: table.header.clone().or(parent.header),
        before: merged(&table.before, &parent.before),
        set: merged(&table.set, &parent.set),
    }
}

#[cfg(test)]
mod tests;
