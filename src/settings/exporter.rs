//! Resolution of the OTLP exporter settings of one signal, exactly as the spec orders sources:
//! command-line flag, then `OTEL_EXPORTER_OTLP_<SIGNAL>_<OPTION>`, then
//! `OTEL_EXPORTER_OTLP_<OPTION>`, then the default. An invalid value counts as unset (spec:
//! warn and ignore) and is reported.

use super::endpoint::{EndpointError, EndpointKind, EndpointUrl, effective_url, parse_endpoint};
use super::env_source::EnvSource;
use super::options::TargetOptions;
use super::origin::{Origin, Sourced};
use super::problems::{CONFIG_CHECK, Problems};
use super::proxy::{self, ProxyRoute};
use super::rules::{ReadingRules, TrustRule};
use super::signal::{Compression, Protocol, Signal};
use super::suggest;
use super::values::{BOOLEANS, Header, parse_bool, parse_headers};
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};
use std::path::PathBuf;
use std::time::Duration;

/// Spec default of `OTEL_EXPORTER_OTLP_TIMEOUT`.
pub const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_PROTOCOL: Protocol = Protocol::HttpProtobuf;

/// The configured endpoint of a signal and the URL the SDK derives from it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedEndpoint {
    /// The value as configured.
    pub configured: String,
    pub kind: EndpointKind,
    /// Where the SDK sends this signal (generic HTTP endpoints get `/v1/<signal>`), as text.
    pub url: String,
    /// `configured`, parsed once, here: the config lint reports why it is not a URL, the
    /// network checks connect to it.
    pub parsed: Result<EndpointUrl, EndpointError>,
}

impl ResolvedEndpoint {
    /// What the network checks connect to: the parsed URL, or, when only the scheme is
    /// missing, the URL with the scheme the SDK assumes, so that they can still run (the config
    /// lint reports the missing scheme on its own): `https://` when `tls_without_scheme` (a gRPC
    /// exporter without `OTEL_EXPORTER_OTLP_INSECURE=true`, as the spec says), else `http://`.
    /// `None` when it is not a URL at all.
    pub fn reachable(&self, tls_without_scheme: bool) -> Option<EndpointUrl> {
        match &self.parsed {
            Ok(url) => Some(url.clone()),
            Err(EndpointError::NoScheme(_)) => {
                let scheme = if tls_without_scheme { "https" } else { "http" };
                parse_endpoint(&format!("{scheme}://{}", self.configured.trim())).ok()
            }
            Err(_) => None,
        }
    }

    /// Whether a gRPC exporter with this endpoint uses TLS although the endpoint names no
    /// scheme: the spec's reading of `OTEL_EXPORTER_OTLP_INSECURE`, which applies only then.
    pub fn schemeless_tls(&self, protocol: Protocol, insecure: bool) -> bool {
        matches!(self.parsed, Err(EndpointError::NoScheme(_)))
            && protocol == Protocol::Grpc
            && !insecure
    }
}

/// Everything the OTLP exporter of one signal is configured with.
#[derive(Debug, Clone, PartialEq)]
pub struct ExporterSettings {
    pub signal: Signal,
    pub protocol: Sourced<Protocol>,
    pub endpoint: Sourced<ResolvedEndpoint>,
    pub headers: Vec<Sourced<Header>>,
    pub timeout: Sourced<Duration>,
    pub compression: Sourced<Compression>,
    pub certificate: Option<Sourced<PathBuf>>,
    pub client_certificate: Option<Sourced<PathBuf>>,
    pub client_key: Option<Sourced<PathBuf>>,
    pub insecure: Sourced<bool>,
    /// The roots trusted when no certificate is configured, as the SDK chooses them.
    pub default_trust: TrustRule,
    /// The proxy the SDK's transport sends this signal through, from the environment.
    pub proxy: Option<ProxyRoute>,
    /// Without a chosen SDK: the SDKs whose transport would send through a proxy, and which.
    pub proxy_by_sdk: Vec<(&'static str, ProxyRoute)>,
    /// The SDK's TLS library accepts a CA certificate from its CA file as the server's.
    pub accept_ca_as_leaf: bool,
}

/// Reads the per-signal and generic variables of one option, in precedence order.
struct OptionLookup<'a> {
    env: &'a dyn EnvSource,
    signal: Signal,
}

impl OptionLookup<'_> {
    fn signal_var(&self, option: &str) -> String {
        format!("OTEL_EXPORTER_OTLP_{}_{option}", self.signal.env_infix())
    }

    fn generic_var(option: &str) -> String {
        format!("OTEL_EXPORTER_OTLP_{option}")
    }

    /// The set variables for an option, most specific first.
    fn candidates(&self, option: &str) -> Vec<(String, String)> {
        [self.signal_var(option), Self::generic_var(option)]
            .into_iter()
            .filter_map(|name| self.env.get(&name).map(|value| (name, value)))
            .collect()
    }

    /// The first candidate that parses; the ones that don't are reported and skipped.
    fn first_valid<T>(
        &self,
        option: &str,
        problems: &mut Problems,
        parse: impl Fn(&str) -> Result<T, String>,
        on_invalid: impl Fn(&mut Problems, &str, &str, &str),
    ) -> Option<Sourced<T>> {
        for (name, raw) in self.candidates(option) {
            match parse(&raw) {
                Ok(value) => return Some(Sourced::new(value, Origin::Env(name))),
                Err(problem) => on_invalid(problems, &name, &raw, &problem),
            }
        }
        None
    }
}

/// Resolves the exporter settings of `signal`.
pub fn resolve_exporter(
    env: &dyn EnvSource,
    overrides: &TargetOptions,
    rules: &ReadingRules,
    signal: Signal,
    problems: &mut Problems,
) -> ExporterSettings {
    let lookup = OptionLookup { env, signal };

    let protocol = match overrides.protocol {
        Some(protocol) => Sourced::new(protocol, Origin::Flag("--protocol".into())),
        None => lookup
            .first_valid(
                "PROTOCOL",
                problems,
                |raw| {
                    Protocol::parse(raw).ok_or_else(|| {
                        format!(
                            "'{raw}' is not a protocol{}",
                            suggest::hint(raw, &Protocol::NAMES)
                        )
                    })
                },
                |problems, name, raw, problem| {
                    let suggestion = suggest::closest(raw, &Protocol::NAMES);
                    let title = match suggestion {
                        Some(meant) => {
                            format!("{name} is not a known protocol: did you mean '{meant}'?")
                        }
                        None => format!("{name} is not a known protocol"),
                    };
                    let mut finding = Finding::new(
                        Code::CfgProtocolInvalid,
                        Severity::Error,
                        CONFIG_CHECK,
                        title,
                    )
                    .evidence(format!(
                        "{name}: {problem}; valid values are grpc, http/protobuf, http/json"
                    ));
                    for outcome in &rules.bad_protocol_outcome {
                        finding = finding.evidence(outcome.clone());
                    }
                    if let Some(meant) = suggestion {
                        finding = finding.fix(
                            Fix::new("config.did_you_mean")
                                .with("variable", name)
                                .with("value", meant),
                        );
                    }
                    problems.push(finding.fix(Fix::new("config.valid_protocol").with("name", name)))
                },
            )
            .unwrap_or_else(|| Sourced::default_value(rules.default_protocol)),
    };

    let endpoint = resolve_endpoint(env, overrides, signal, protocol.value);
    let headers = resolve_headers(&lookup, overrides, problems);

    let timeout = lookup
        .first_valid(
            "TIMEOUT",
            problems,
            |raw| rules.timeout_unit.parse(raw),
            |problems, name, _raw, problem| match rules.bad_timeout_refusal.over(protocol.value) {
                Some(refusal) => {
                    problems.refused_value(Code::CfgTimeoutInvalid, name, problem, refusal)
                }
                None => problems.invalid_value(
                    Code::CfgTimeoutInvalid,
                    name,
                    problem,
                    "the default of 10000 ms",
                ),
            },
        )
        .unwrap_or_else(|| Sourced::default_value(DEFAULT_EXPORT_TIMEOUT));

    let refused_compression = rules.compression_refusal.over(protocol.value).as_ref();
    let compression = match overrides.compression {
        Some(compression) => Sourced::new(compression, Origin::Flag("--compression".into())),
        None => lookup
            .first_valid(
                "COMPRESSION",
                problems,
                |raw| {
                    Compression::parse(raw).ok_or_else(|| {
                        format!(
                            "'{raw}' is not gzip or none{}",
                            suggest::hint(raw, &Compression::NAMES)
                        )
                    })
                },
                |problems, name, raw, problem| match refused_compression {
                    Some(refusal) => problems.refused_value(
                        Code::CfgCompressionInvalid,
                        name,
                        problem,
                        &refusal.reason,
                    ),
                    None => problems.invalid_value_suggesting(
                        Code::CfgCompressionInvalid,
                        name,
                        problem,
                        "no compression",
                        suggest::closest(raw, &Compression::NAMES),
                    ),
                },
            )
            .unwrap_or_else(|| Sourced::default_value(Compression::None)),
    };
    if let (Some(refusal), Origin::Env(name)) = (refused_compression, &compression.origin) {
        let raw = env.get(name).unwrap_or_default();
        if !refusal
            .accepts
            .contains(&raw.trim().to_ascii_lowercase().as_str())
        {
            problems.refused_value(
                Code::CfgCompressionInvalid,
                name,
                &format!("'{raw}' is a value of the specification, but not one this SDK takes"),
                &refusal.reason,
            );
        }
    }

    let path_option = |flag: &Option<PathBuf>, flag_name: &str, option: &str| match flag {
        Some(path) => Some(Sourced::new(path.clone(), Origin::Flag(flag_name.into()))),
        None => lookup
            .candidates(option)
            .into_iter()
            .next()
            .map(|(name, value)| Sourced::new(PathBuf::from(value), Origin::Env(name))),
    };
    let certificate = override_certificate(
        env,
        rules,
        protocol.value,
        path_option(&overrides.ca_cert, "--ca-cert", "CERTIFICATE"),
        problems,
    );
    let client_certificate = path_option(
        &overrides.client_cert,
        "--client-cert",
        "CLIENT_CERTIFICATE",
    );
    let client_key = path_option(&overrides.client_key, "--client-key", "CLIENT_KEY");
    let (certificate, client_certificate, client_key) = match &rules.ignores_tls_variables {
        Some(reason) => ignore_tls_variables(
            reason,
            [certificate, client_certificate, client_key],
            problems,
        ),
        None => (certificate, client_certificate, client_key),
    };

    let insecure = if overrides.insecure {
        Sourced::new(true, Origin::Flag("--insecure".into()))
    } else {
        lookup
            .first_valid(
                "INSECURE",
                problems,
                parse_bool,
                |problems, name, raw, problem| {
                    problems.invalid_value_suggesting(
                        Code::CfgValueInvalid,
                        name,
                        problem,
                        "false",
                        suggest::closest(raw, &BOOLEANS),
                    )
                },
            )
            .unwrap_or_else(|| Sourced::default_value(false))
    };

    let default_trust = rules.default_trust.over(protocol.value).clone();
    let proxy = match (rules.proxy.over(protocol.value), &endpoint.value.parsed) {
        (Some(reading), Ok(url)) => proxy::route(env, reading, url).ok(),
        _ => None,
    };
    let proxy_by_sdk = match &endpoint.value.parsed {
        Ok(url) => rules
            .proxy_by_sdk
            .iter()
            .filter_map(|(sdk, readings)| {
                let reading = readings.over(protocol.value).as_ref()?;
                Some((*sdk, proxy::route(env, reading, url).ok()?))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    ExporterSettings {
        signal,
        protocol,
        endpoint,
        headers,
        timeout,
        compression,
        certificate,
        client_certificate,
        client_key,
        insecure,
        default_trust,
        proxy,
        proxy_by_sdk,
        accept_ca_as_leaf: rules.accept_ca_as_leaf,
    }
}

type TlsFile = Option<Sourced<PathBuf>>;
/// The CA certificate, client certificate and client key, in that order.
type TlsFiles = [TlsFile; 3];

/// An SDK that reads no TLS variable (opentelemetry-rust) connects as if they were unset: the
/// ones set in the environment are reported and dropped; the doctor's own flags stay.
fn ignore_tls_variables(
    reason: &str,
    [certificate, client_certificate, client_key]: TlsFiles,
    problems: &mut Problems,
) -> (TlsFile, TlsFile, TlsFile) {
    let from_env = |file: &TlsFile| {
        file.as_ref()
            .filter(|f| matches!(f.origin, Origin::Env(_)))
            .map(|f| (f.origin.to_string(), f.value.display().to_string()))
    };
    let ignored = |problems: &mut Problems, set: Vec<(String, String)>, fix: Fix| {
        let names: Vec<&str> = set.iter().map(|(name, _)| name.as_str()).collect();
        let mut finding = Finding::new(
            Code::CfgSdkIgnoresVariable,
            Severity::Warning,
            CONFIG_CHECK,
            format!("{} has no effect on this SDK", names.join(" and ")),
        );
        for (name, value) in &set {
            finding = finding.evidence(format!("{name}={value}"));
        }
        problems.push(finding.evidence(reason.to_string()).fix(fix));
    };
    if let Some((name, value)) = from_env(&certificate) {
        ignored(
            problems,
            vec![(name, value.clone())],
            Fix::new("config.certificate_in_code").with("value", value),
        );
    }
    let client: Vec<(String, String)> = [&client_certificate, &client_key]
        .into_iter()
        .filter_map(from_env)
        .collect();
    if !client.is_empty() {
        let path_of = |file: &TlsFile| {
            file.as_ref()
                .map_or_else(String::new, |f| f.value.display().to_string())
        };
        let fix = Fix::new("config.client_tls_in_code")
            .with("client_certificate", path_of(&client_certificate))
            .with("client_key", path_of(&client_key));
        ignored(problems, client, fix);
    }
    let keep =
        |file: Option<Sourced<PathBuf>>| file.filter(|f| !matches!(f.origin, Origin::Env(_)));
    (
        keep(certificate),
        keep(client_certificate),
        keep(client_key),
    )
}

/// The certificate the SDK really trusts: a variable of `rules` (e.g. `REQUESTS_CA_BUNDLE`)
/// replaces the configured one for the protocols it reaches; when it replaces a configured
/// one, that is reported, since the configured file then counts for nothing.
fn override_certificate(
    env: &dyn EnvSource,
    rules: &ReadingRules,
    protocol: Protocol,
    configured: Option<Sourced<PathBuf>>,
    problems: &mut Problems,
) -> Option<Sourced<PathBuf>> {
    let Some((over, value)) = rules
        .certificate_overrides
        .iter()
        .filter(|over| over.protocols.contains(&protocol))
        .find_map(|over| {
            env.get(over.variable)
                .filter(|value| !value.trim().is_empty())
                .map(|value| (over, value))
        })
    else {
        return configured;
    };
    if let Some(configured) = &configured {
        problems.push(
            Finding::new(
                Code::CfgSdkCaOverride,
                Severity::Warning,
                CONFIG_CHECK,
                format!(
                    "{} replaces {} for the {protocol} exporter",
                    over.variable, configured.origin
                ),
            )
            .evidence(format!(
                "{}={value}; {}={}",
                over.variable,
                configured.origin,
                configured.value.display()
            ))
            .evidence(over.reader.clone())
            .fix(Fix::new("config.sdk_ca_override").with("variable", over.variable)),
        );
    }
    Some(Sourced::new(
        PathBuf::from(value),
        Origin::Env(over.variable.to_string()),
    ))
}

fn resolve_endpoint(
    env: &dyn EnvSource,
    overrides: &TargetOptions,
    signal: Signal,
    protocol: Protocol,
) -> Sourced<ResolvedEndpoint> {
    let signal_var = format!("OTEL_EXPORTER_OTLP_{}_ENDPOINT", signal.env_infix());
    let (configured, kind, origin) = if let Some(endpoint) = &overrides.endpoint {
        (
            endpoint.clone(),
            EndpointKind::Generic,
            Origin::Flag("ENDPOINT argument".into()),
        )
    } else if let Some(value) = env.get(&signal_var) {
        (value, EndpointKind::SignalSpecific, Origin::Env(signal_var))
    } else if let Some(value) = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") {
        (
            value,
            EndpointKind::Generic,
            Origin::Env("OTEL_EXPORTER_OTLP_ENDPOINT".into()),
        )
    } else {
        let default = format!("http://localhost:{}", protocol.default_port());
        (default, EndpointKind::Generic, Origin::Default)
    };
    let url = effective_url(&configured, kind, protocol, signal);
    let parsed = parse_endpoint(&configured);
    Sourced::new(
        ResolvedEndpoint {
            configured,
            kind,
            url,
            parsed,
        },
        origin,
    )
}

/// Headers: the per-signal variable replaces the generic one (they are not merged, as in the
/// SDKs); `--header` flags are merged over them, the flag winning on the same name.
fn resolve_headers(
    lookup: &OptionLookup<'_>,
    overrides: &TargetOptions,
    problems: &mut Problems,
) -> Vec<Sourced<Header>> {
    let mut headers: Vec<Sourced<Header>> = Vec::new();
    if let Some((name, raw)) = lookup.candidates("HEADERS").into_iter().next() {
        let (parsed, item_problems) = parse_headers(&raw);
        if !item_problems.is_empty() {
            let mut finding = Finding::new(
                Code::CfgHeadersMalformed,
                Severity::Error,
                CONFIG_CHECK,
                format!("{name} has items that SDKs silently drop"),
            );
            for problem in item_problems {
                finding = finding.evidence(format!("{name}: {problem}"));
            }
            problems.push(
                finding
                    .fix(Fix::new("config.headers_format"))
                    .fix(Fix::new("config.headers_percent_encode")),
            );
        }
        headers.extend(
            parsed
                .into_iter()
                .map(|h| Sourced::new(h, Origin::Env(name.clone()))),
        );
    }
    for header in &overrides.headers {
        headers.retain(|existing| !existing.value.name.eq_ignore_ascii_case(&header.name));
        headers.push(Sourced::new(
            header.clone(),
            Origin::Flag("--header".into()),
        ));
    }
    headers
}
