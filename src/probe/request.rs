//! What one `/probe` request asks for: the target URL, the module (with `protocol=` and
//! `signals=` overriding it), and the time budget that keeps the probe inside Prometheus' scrape
//! timeout.

use super::module::{Module, Modules, parse_signals};
use crate::settings::Protocol;
use crate::settings::endpoint::parse_endpoint;
use std::time::Duration;

/// The header in which Prometheus sends the scrape timeout, in seconds.
pub const SCRAPE_TIMEOUT_HEADER: &str = "x-prometheus-scrape-timeout-seconds";

/// Taken off the scrape timeout for the step bound, like the blackbox exporter's default
/// `--timeout-offset`: the answer has to travel back before Prometheus gives up.
pub const SCRAPE_TIMEOUT_OFFSET: Duration = Duration::from_millis(500);

/// The hard deadline of a scrape-bounded probe is this much before the scrape timeout: later
/// than the step bound, so a step that times out still reports its own finding, and early
/// enough that the answer arrives in time.
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(250);

/// dns, tcp, tls, protocol (and its TLS sniff), export (and its follow-up request): the most
/// step-bounded waits one probe makes in a row. Without a scrape timeout the probe's deadline
/// is this many step bounds.
pub const MAX_SEQUENTIAL_STEPS: u32 = 6;

/// How long a probe may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Bound on each network step (what `check --timeout` sets).
    pub step: Duration,
    /// Bound on the whole probe.
    pub deadline: Duration,
}

impl Budget {
    /// `min(scrape timeout - 0.5 s, module timeout)` per step; the whole probe ends before the
    /// scrape does.
    pub fn new(module_timeout: Duration, scrape_timeout: Option<Duration>) -> Budget {
        let unbounded = module_timeout
            .checked_mul(MAX_SEQUENTIAL_STEPS)
            .unwrap_or(Duration::MAX);
        let Some(scrape) = scrape_timeout else {
            return Budget {
                step: module_timeout,
                deadline: unbounded,
            };
        };
        let available = scrape
            .checked_sub(SCRAPE_TIMEOUT_OFFSET)
            .filter(|d| !d.is_zero())
            .unwrap_or(scrape / 2);
        let step = available.min(module_timeout);
        let deadline = available
            .max(scrape.saturating_sub(DEADLINE_MARGIN))
            .min(unbounded);
        Budget { step, deadline }
    }
}

/// A validated probe request.
#[derive(Debug, Clone)]
pub struct ProbeRequest {
    /// The endpoint, as `OTEL_EXPORTER_OTLP_ENDPOINT` would hold it.
    pub target: String,
    pub module_name: String,
    /// The module with the request's `protocol=` and `signals=` applied.
    pub module: Module,
    pub budget: Budget,
}

/// Why a probe request was refused (answered 400); the message says how to ask instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BadRequest {
    #[error("missing target: use /probe?target=http://collector:4318 (the OTLP endpoint URL)")]
    MissingTarget,
    #[error("bad target: {0}; use a URL such as http://collector:4318 or https://otlp.example.com")]
    Target(String),
    #[error("unknown module '{name}'; known modules: {known}")]
    UnknownModule { name: String, known: String },
    #[error("bad protocol '{0}': use grpc, http/protobuf or http/json")]
    Protocol(String),
    #[error("bad signals: {0}")]
    Signals(String),
    #[error("parameter '{0}' is given more than once")]
    Repeated(&'static str),
    #[error("bad {SCRAPE_TIMEOUT_HEADER} header '{0}': expected seconds above zero")]
    ScrapeTimeout(String),
}

impl ProbeRequest {
    /// Reads the query string and the scrape timeout header against the known modules.
    pub fn parse(
        query: Option<&str>,
        scrape_timeout: Option<&str>,
        modules: &Modules,
    ) -> Result<ProbeRequest, BadRequest> {
        let params = query_pairs(query.unwrap_or_default());
        let target = single(&params, "target")?
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(BadRequest::MissingTarget)?;
        parse_endpoint(target).map_err(|e| BadRequest::Target(e.to_string()))?;

        let module_name = single(&params, "module")?
            .map(str::trim)
            .filter(|m| !m.is_empty());
        let mut module =
            modules
                .get(module_name)
                .cloned()
                .ok_or_else(|| BadRequest::UnknownModule {
                    name: module_name.unwrap_or_default().to_string(),
                    known: modules.names().collect::<Vec<_>>().join(", "),
                })?;
        if let Some(protocol) = single(&params, "protocol")?.filter(|p| !p.trim().is_empty()) {
            module.protocol = Some(
                Protocol::parse(protocol).ok_or_else(|| BadRequest::Protocol(protocol.into()))?,
            );
        }
        if let Some(signals) = single(&params, "signals")?.filter(|s| !s.trim().is_empty()) {
            module.signals = parse_signals(signals.split(',')).map_err(BadRequest::Signals)?;
        }
        let scrape_timeout = scrape_timeout.map(parse_scrape_timeout).transpose()?;
        Ok(ProbeRequest {
            target: target.to_string(),
            module_name: module_name
                .unwrap_or(super::module::DEFAULT_MODULE)
                .to_string(),
            budget: Budget::new(module.timeout, scrape_timeout),
            module,
        })
    }
}

fn parse_scrape_timeout(raw: &str) -> Result<Duration, BadRequest> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| BadRequest::ScrapeTimeout(raw.to_string()))
}

/// The one value of a parameter; a repeated one is refused rather than guessed at.
fn single<'a>(
    params: &'a [(String, String)],
    name: &'static str,
) -> Result<Option<&'a str>, BadRequest> {
    let mut values = params.iter().filter(|(k, _)| k == name);
    let first = values.next().map(|(_, v)| v.as_str());
    if values.next().is_some() {
        return Err(BadRequest::Repeated(name));
    }
    Ok(first)
}

/// `application/x-www-form-urlencoded` pairs: `+` is a space, then percent-decoding.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(&text.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (decode(key), decode(value)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Signal;
    use std::path::Path;

    fn modules() -> Modules {
        Modules::parse(
            "[modules.grpc]\nprotocol = \"grpc\"\ntimeout = \"3s\"\n",
            Path::new("m.toml"),
        )
        .expect("valid")
    }

    fn parse(query: &str) -> Result<ProbeRequest, BadRequest> {
        ProbeRequest::parse(Some(query), None, &modules())
    }

    #[test]
    fn target_and_defaults() {
        let request = parse("target=http%3A%2F%2Fcollector%3A4318").expect("valid");
        assert_eq!(request.target, "http://collector:4318");
        assert_eq!(request.module_name, "default");
        assert_eq!(request.module.protocol, Some(Protocol::HttpProtobuf));
        assert_eq!(request.module.signals, vec![Signal::Traces]);
        assert_eq!(request.budget.step, Duration::from_secs(5));
    }

    #[test]
    fn protocol_and_signals_override_the_module() {
        let request =
            parse("target=https://x:4317&module=grpc&protocol=http/json&signals=logs,traces")
                .expect("valid");
        assert_eq!(request.module_name, "grpc");
        assert_eq!(request.module.protocol, Some(Protocol::HttpJson));
        assert_eq!(request.module.signals, vec![Signal::Traces, Signal::Logs]);
        assert_eq!(request.module.timeout, Duration::from_secs(3));
    }

    #[test]
    fn bad_requests_say_what_to_do() {
        assert_eq!(parse("").unwrap_err(), BadRequest::MissingTarget);
        assert_eq!(parse("target=").unwrap_err(), BadRequest::MissingTarget);
        for query in [
            "target=collector:4318",
            "target=ftp://x",
            "target=not%20a%20url",
        ] {
            assert!(
                matches!(parse(query), Err(BadRequest::Target(_))),
                "{query}"
            );
        }
        let unknown = parse("target=http://x&module=nope").unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "unknown module 'nope'; known modules: default, grpc"
        );
        assert!(matches!(
            parse("target=http://x&protocol=thrift"),
            Err(BadRequest::Protocol(_))
        ));
        assert!(matches!(
            parse("target=http://x&signals=spans"),
            Err(BadRequest::Signals(_))
        ));
        assert_eq!(
            parse("target=http://x&target=http://y").unwrap_err(),
            BadRequest::Repeated("target")
        );
        assert!(matches!(
            ProbeRequest::parse(Some("target=http://x"), Some("soon"), &modules()),
            Err(BadRequest::ScrapeTimeout(_))
        ));
    }

    #[test]
    fn the_scrape_timeout_bounds_steps_and_the_whole_probe() {
        let five = Duration::from_secs(5);
        assert_eq!(
            Budget::new(five, Some(Duration::from_secs(2))),
            Budget {
                step: Duration::from_millis(1500),
                deadline: Duration::from_millis(1750)
            }
        );
        assert_eq!(
            Budget::new(five, Some(Duration::from_secs(10))),
            Budget {
                step: five,
                deadline: Duration::from_millis(9750)
            }
        );
        let tiny = Budget::new(five, Some(Duration::from_millis(300)));
        assert_eq!(tiny.step, Duration::from_millis(150));
        assert!(tiny.deadline < Duration::from_millis(300));
        assert_eq!(
            Budget::new(five, None),
            Budget {
                step: five,
                deadline: five * MAX_SEQUENTIAL_STEPS
            }
        );
    }

    #[test]
    fn query_pairs_decode_plus_and_percent() {
        assert_eq!(
            query_pairs("a=b+c&d=%2F&flag&&e=1=2"),
            vec![
                ("a".into(), "b c".into()),
                ("d".into(), "/".into()),
                ("flag".into(), String::new()),
                ("e".into(), "1=2".into()),
            ]
        );
    }
}
