//! Probe modules: named sets of exporter settings (protocol, signals, headers, TLS files,
//! timeout) read from a TOML file, like the blackbox exporter's modules. `/probe?module=NAME`
//! picks one; without `module=` the `default` module is used, which is built in unless the file
//! defines its own.
//!
//! Header values are secrets: they are kept out of `Debug` and out of every error message.

use crate::settings::options::DEFAULT_STEP_TIMEOUT;
use crate::settings::values::Header;
use crate::settings::{Compression, Protocol, Signal, TargetOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The module used when a probe names none.
pub const DEFAULT_MODULE: &str = "default";

/// Bound on each network step of a probe when its module sets none; like `check --timeout`.
pub const DEFAULT_TIMEOUT: Duration = DEFAULT_STEP_TIMEOUT;

/// The keys a module table may have.
const MODULE_KEYS: &[&str] = &[
    "protocol",
    "signals",
    "timeout",
    "headers",
    "ca_cert",
    "client_cert",
    "client_key",
    "insecure",
    "compression",
];

/// How one kind of probe is run: the [`TargetOptions`] `check` would take as flags, without
/// the endpoint (each probe names its target). A module always has a protocol and at least one
/// signal.
pub type Module = TargetOptions;

/// The built-in `default` module, and what a module table starts from: OTLP/HTTP with
/// protobuf, traces only, 5 s per step.
fn default_module() -> Module {
    TargetOptions {
        protocol: Some(Protocol::HttpProtobuf),
        signals: vec![Signal::Traces],
        timeout: DEFAULT_TIMEOUT,
        ..TargetOptions::default()
    }
}

/// A module file could not be used. Messages name files, modules and keys, never header values.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    #[error("cannot read module file '{path}': {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("module file '{path}' is not TOML (line {line}): {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("module file '{path}': {problem}")]
    Invalid { path: PathBuf, problem: String },
}

/// The modules a server knows, by name; always has [`DEFAULT_MODULE`].
#[derive(Debug, Clone, PartialEq)]
pub struct Modules {
    by_name: BTreeMap<String, Module>,
}

impl Default for Modules {
    fn default() -> Self {
        Modules::builtin()
    }
}

impl Modules {
    /// Only the built-in `default` module.
    pub fn builtin() -> Self {
        Modules {
            by_name: BTreeMap::from([(DEFAULT_MODULE.to_string(), default_module())]),
        }
    }

    /// Reads a TOML module file (see `docs/probe-server.md`).
    pub fn load(path: &Path) -> Result<Self, ModuleError> {
        let text = std::fs::read_to_string(path).map_err(|source| ModuleError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses the text of a module file; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ModuleError> {
        let invalid = |problem: String| ModuleError::Invalid {
            path: path.to_path_buf(),
            problem,
        };
        if is_yaml(path) {
            return Err(invalid(
                "module files are TOML, not YAML (see docs/probe-server.md)".into(),
            ));
        }
        // Parsed as a generic table and converted by hand: serde's messages quote the offending
        // value ("invalid type: string \"Bearer ...\""), which may be a header secret.
        let table: toml::Table = toml::from_str(text).map_err(|error| ModuleError::Syntax {
            path: path.to_path_buf(),
            line: error.span().map_or(1, |span| line_of(text, span.start)),
            message: error.message().trim().to_string(),
        })?;
        let mut modules = Modules::builtin();
        for (key, value) in &table {
            if key != "modules" {
                return Err(invalid(format!(
                    "unknown top-level key '{key}'; modules go in [modules.NAME] tables"
                )));
            }
            let toml::Value::Table(entries) = value else {
                return Err(invalid(
                    "'modules' must be a table of [modules.NAME] tables".into(),
                ));
            };
            for (name, module) in entries {
                check_name(name).map_err(&invalid)?;
                let toml::Value::Table(module) = module else {
                    return Err(invalid(format!(
                        "module '{name}' must be a table: [modules.{name}]"
                    )));
                };
                let module = parse_module(module)
                    .map_err(|problem| invalid(format!("module '{name}': {problem}")))?;
                modules.by_name.insert(name.clone(), module);
            }
        }
        Ok(modules)
    }

    /// The module called `name`, or [`DEFAULT_MODULE`] when `None`.
    pub fn get(&self, name: Option<&str>) -> Option<&Module> {
        self.by_name.get(name.unwrap_or(DEFAULT_MODULE))
    }

    /// The module names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// How many modules there are, `default` included.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Never true: `default` is always there.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Every header value of every module, for redaction.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.by_name
            .values()
            .flat_map(|m| m.headers.iter().map(|h| h.value.as_str()))
    }
}

fn is_yaml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Module names travel in URLs and labels: keep them to a safe alphabet.
fn check_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "module name '{}' may only use letters, digits, '_', '-' and '.'",
            name.escape_default()
        ))
    }
}

fn parse_module(table: &toml::Table) -> Result<Module, String> {
    let mut module = default_module();
    for (key, value) in table {
        match key.as_str() {
            "protocol" => {
                let text = string(key, value)?;
                module.protocol = Some(Protocol::parse(text).ok_or_else(|| {
                    format!("protocol: '{text}' is not grpc, http/protobuf or http/json")
                })?);
            }
            "signals" => {
                let toml::Value::Array(items) = value else {
                    return Err("signals: expected a list such as [\"traces\", \"logs\"]".into());
                };
                let names = items
                    .iter()
                    .map(|item| string(key, item))
                    .collect::<Result<Vec<_>, _>>()?;
                module.signals = parse_signals(names.into_iter())?;
            }
            "timeout" => {
                let text = string(key, value)?;
                module.timeout = parse_timeout(text)?;
            }
            "headers" => {
                let toml::Value::Table(headers) = value else {
                    return Err(
                        "headers: expected a table such as { authorization = \"Bearer ...\" }"
                            .into(),
                    );
                };
                module.headers = headers
                    .iter()
                    .map(|(name, value)| header(name, value))
                    .collect::<Result<_, _>>()?;
            }
            "ca_cert" => module.ca_cert = Some(path(key, value)?),
            "client_cert" => module.client_cert = Some(path(key, value)?),
            "client_key" => module.client_key = Some(path(key, value)?),
            "insecure" => {
                let toml::Value::Boolean(flag) = value else {
                    return Err("insecure: expected true or false".into());
                };
                module.insecure = *flag;
            }
            "compression" => {
                let text = string(key, value)?;
                module.compression = Some(
                    Compression::parse(text)
                        .ok_or_else(|| format!("compression: '{text}' is not gzip or none"))?,
                );
            }
            other => {
                return Err(format!(
                    "unknown key '{other}'; known keys: {}",
                    MODULE_KEYS.join(", ")
                ));
            }
        }
    }
    if module.client_cert.is_some() != module.client_key.is_some() {
        return Err("client_cert and client_key go together: set both or neither".into());
    }
    Ok(module)
}

fn string<'a>(key: &str, value: &'a toml::Value) -> Result<&'a str, String> {
    value
        .as_str()
        .ok_or_else(|| format!("{key}: expected a string, found a {}", value.type_str()))
}

fn path(key: &str, value: &toml::Value) -> Result<PathBuf, String> {
    let text = string(key, value)?;
    if text.trim().is_empty() {
        return Err(format!("{key}: the path is empty"));
    }
    Ok(PathBuf::from(text))
}

/// A header of a module; the value is a secret and never quoted in a message.
fn header(name: &str, value: &toml::Value) -> Result<Header, String> {
    let token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Err(format!(
            "headers: '{}' is not a valid header name",
            name.escape_default()
        ));
    }
    let Some(value) = value.as_str() else {
        return Err(format!(
            "headers: the value of '{name}' must be a string, found a {}",
            value.type_str()
        ));
    };
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(format!(
            "headers: the value of '{name}' contains a line break or NUL, which HTTP forbids"
        ));
    }
    Ok(Header {
        name: name.to_ascii_lowercase(),
        value: value.to_string(),
    })
}

/// `traces`, `metrics`, `logs` in any case; sorted and deduplicated; at least one.
pub fn parse_signals<'a>(names: impl Iterator<Item = &'a str>) -> Result<Vec<Signal>, String> {
    let mut signals = Vec::new();
    for name in names {
        let lower = name.trim().to_ascii_lowercase();
        let signal = Signal::ALL
            .into_iter()
            .find(|s| s.as_str() == lower)
            .ok_or_else(|| {
                format!(
                    "signals: '{}' is not traces, metrics or logs",
                    name.escape_default()
                )
            })?;
        signals.push(signal);
    }
    signals.sort();
    signals.dedup();
    if signals.is_empty() {
        return Err("signals: name at least one of traces, metrics, logs".into());
    }
    Ok(signals)
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let timeout = humantime::parse_duration(text.trim())
        .map_err(|_| format!("timeout: '{text}' is not a duration like \"5s\" or \"500ms\""))?;
    if timeout.is_zero() {
        return Err("timeout: must be above zero".into());
    }
    Ok(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Modules, ModuleError> {
        Modules::parse(text, Path::new("modules.toml"))
    }

    #[test]
    fn a_full_module_parses() {
        let modules = parse(
            r#"
            [modules.grpc_tls]
            protocol = "grpc"
            headers = { Authorization = "Bearer s3cret", x-team = "a" }
            ca_cert = "/etc/ca.pem"
            client_cert = "/etc/client.pem"
            client_key = "/etc/client.key"
            signals = ["logs", "traces", "logs"]
            timeout = "2500ms"
            insecure = false
            compression = "gzip"
            "#,
        )
        .expect("valid");
        let module = modules.get(Some("grpc_tls")).expect("grpc_tls");
        assert_eq!(module.protocol, Some(Protocol::Grpc));
        assert_eq!(module.signals, vec![Signal::Traces, Signal::Logs]);
        assert_eq!(module.timeout, Duration::from_millis(2500));
        assert_eq!(
            module.headers[0],
            Header {
                name: "authorization".into(),
                value: "Bearer s3cret".into()
            }
        );
        assert_eq!(module.ca_cert.as_deref(), Some(Path::new("/etc/ca.pem")));
        assert_eq!(module.compression, Some(Compression::Gzip));
        assert!(!module.insecure);
        assert_eq!(modules.names().collect::<Vec<_>>(), ["default", "grpc_tls"]);
        assert_eq!(
            modules.secrets().collect::<Vec<_>>(),
            ["Bearer s3cret", "a"]
        );
    }

    #[test]
    fn the_default_module_is_built_in_and_can_be_replaced() {
        let builtin = Modules::builtin();
        let default = builtin.get(None).expect("default");
        assert_eq!(default.protocol, Some(Protocol::HttpProtobuf));
        assert_eq!(default.signals, vec![Signal::Traces]);
        assert_eq!(default.timeout, DEFAULT_TIMEOUT);

        let modules = parse("[modules.default]\nprotocol = \"grpc\"\n").expect("valid");
        assert_eq!(
            modules.get(None).and_then(|m| m.protocol),
            Some(Protocol::Grpc)
        );
        assert_eq!(modules.len(), 1);
        assert!(modules.get(Some("nope")).is_none());
    }

    #[test]
    fn an_empty_file_has_only_the_default() {
        assert_eq!(parse("").expect("valid"), Modules::builtin());
    }

    #[test]
    fn mistakes_name_the_module_and_key() {
        let cases = [
            (
                "[modules.a]\nprotocl = \"grpc\"\n",
                "module 'a': unknown key 'protocl'",
            ),
            ("[modules.a]\nprotocol = \"grpcx\"\n", "'grpcx' is not grpc"),
            (
                "[modules.a]\nsignals = [\"spans\"]\n",
                "'spans' is not traces",
            ),
            ("[modules.a]\nsignals = []\n", "at least one"),
            ("[modules.a]\ntimeout = \"5\"\n", "not a duration"),
            ("[modules.a]\ntimeout = \"0s\"\n", "above zero"),
            ("[modules.a]\ninsecure = \"yes\"\n", "true or false"),
            ("[modules.a]\nclient_cert = \"/c.pem\"\n", "go together"),
            ("[modules.\"a b\"]\n", "may only use"),
            ("[module.a]\n", "unknown top-level key 'module'"),
            ("modules = 3\n", "table of [modules.NAME]"),
            (
                "[modules.a]\nheaders = { \"bad name\" = \"x\" }\n",
                "not a valid header name",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(text).expect_err(text).to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn header_values_never_appear_in_errors_or_debug() {
        let secret = "Bearer hunter2-secret";
        for text in [
            format!("[modules.a]\nheaders = \"{secret}\"\n"),
            format!("[modules.a]\nheaders = {{ authorization = [\"{secret}\"] }}\n"),
            format!("[modules.a]\nheaders = {{ authorization = \"{secret}\\n\" }}\n"),
            format!("[modules.a]\nheaders = {{ authorization = \"{secret}\" }}\nbroken ="),
        ] {
            let error = parse(&text).expect_err(&text);
            assert!(!error.to_string().contains("hunter2"), "{error}");
            assert!(!format!("{error:?}").contains("hunter2"), "{error:?}");
        }
        let modules = parse(&format!(
            "[modules.a]\nheaders = {{ authorization = \"{secret}\" }}\n"
        ))
        .expect("valid");
        assert!(!format!("{modules:?}").contains("hunter2"));
    }

    #[test]
    fn syntax_errors_give_the_line() {
        let error = parse("[modules.a]\nprotocol = \"grpc\"\ntimeout = \n").expect_err("bad");
        assert!(
            matches!(error, ModuleError::Syntax { line: 3, .. }),
            "{error:?}"
        );
    }

    #[test]
    fn yaml_files_are_refused_with_a_reason() {
        let error = Modules::parse("", Path::new("modules.yaml")).expect_err("yaml");
        assert!(error.to_string().contains("TOML, not YAML"), "{error}");
    }
}
