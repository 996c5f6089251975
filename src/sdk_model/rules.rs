//! A [`Model`] as the [`ReadingRules`] `settings` resolves by. Without an SDK the rules are the
//! specification's, and the evidence says where SDKs depart from it.

use super::model::{
    BadValue, CompressionValues, Fact, Outage, OutageRetry, ThrottleRetry, Throttled,
};
use super::{Model, Sdk, SdkChoice, model_of};
use crate::settings::proxy::{ProxyReading, ProxyRule};
use crate::settings::rules::Outage as OutageSaid;
use crate::settings::rules::{CertificateOverride, CompressionRefusal, Outages, Throttling};
use crate::settings::{DefaultTrust, PerTransport, ReadingRules, TrustRule};

/// The rules of the chosen SDK (or of the specification).
pub fn reading_rules(choice: &SdkChoice) -> ReadingRules {
    let Some(sdk) = choice.sdk else {
        return spec_rules();
    };
    let model = sdk.model();
    let spec = model_of(None);
    let default_protocol = model.default_protocol.value;
    ReadingRules {
        default_protocol,
        default_protocol_reason: (default_protocol != spec.default_protocol.value).then(|| {
            format!(
                "the {sdk} SDK {} uses {default_protocol} when OTEL_EXPORTER_OTLP_PROTOCOL is unset ({})",
                model.release, model.default_protocol.source
            )
        }),
        timeout_unit: model.timeout_unit.value,
        bad_protocol_outcome: vec![bad_protocol_outcome(sdk, model)],
        certificate_overrides: model
            .ca_sources
            .iter()
            .filter(|ca| ca.overrides_certificate)
            .map(|ca| CertificateOverride {
                variable: ca.variable,
                protocols: ca.protocols,
                reader: format!(
                    "the {sdk} SDK {} trusts only {} when it is set ({})",
                    model.release, ca.variable, ca.source
                ),
            })
            .collect(),
        throttling: throttling(&format!("the {sdk} SDK {}", model.release), model),
        outages: outages(&format!("the {sdk} SDK {}", model.release), model),
        bad_timeout_refusal: PerTransport {
            grpc: refusal(sdk, model, &model.bad_timeout_grpc),
            http: refusal(sdk, model, &model.bad_timeout_http),
        },
        default_trust: PerTransport {
            grpc: trust(sdk, model, &model.default_trust_grpc),
            http: trust(sdk, model, &model.default_trust_http),
        },
        accept_ca_as_leaf: model.accepts_ca_as_server_certificate.value,
        compression_refusal: PerTransport {
            grpc: compression_refusal(sdk, model, "gRPC", &model.compression_grpc),
            http: compression_refusal(sdk, model, "OTLP/HTTP", &model.compression_http),
        },
        proxy: proxy_readings(sdk),
        proxy_by_sdk: Vec::new(),
        ignores_tls_variables: (!model.reads_tls_variables.value).then(|| {
            format!(
                "the {sdk} SDK {} reads none of them; TLS files are set in code ({})",
                model.release, model.reads_tls_variables.source
            )
        }),
    }
}

fn proxy_readings(sdk: Sdk) -> PerTransport<Option<ProxyReading>> {
    let model = sdk.model();
    PerTransport {
        grpc: proxy_reading(sdk, model, "gRPC", &model.proxy_grpc),
        http: proxy_reading(sdk, model, "OTLP/HTTP", &model.proxy_http),
    }
}

fn proxy_reading(
    sdk: Sdk,
    model: &Model,
    transport: &str,
    fact: &Fact<Option<ProxyRule>>,
) -> Option<ProxyReading> {
    fact.value.map(|rule| ProxyReading {
        rule,
        reader: format!(
            "the {sdk} SDK {}'s {transport} transport reads {} ({})",
            model.release,
            rule.for_https
                .iter()
                .chain(rule.for_http)
                .fold(Vec::<&str>::new(), |mut seen, name| {
                    if !seen.contains(name) {
                        seen.push(name);
                    }
                    seen
                })
                .join(", "),
            fact.source
        ),
    })
}

fn compression_refusal(
    sdk: Sdk,
    model: &Model,
    transport: &str,
    fact: &Fact<CompressionValues>,
) -> Option<CompressionRefusal> {
    (fact.value.otherwise == BadValue::RefuseToStart).then(|| CompressionRefusal {
        accepts: fact.value.accepts,
        reason: format!(
            "the {sdk} SDK {}'s {transport} exporter takes only {} and raises on any other value, so it does not start exporting ({})",
            model.release,
            fact.value.accepts.join(" or "),
            fact.source
        ),
    })
}

fn refusal(sdk: Sdk, model: &Model, fact: &Fact<BadValue>) -> Option<String> {
    (fact.value == BadValue::RefuseToStart).then(|| {
        format!(
            "the {sdk} SDK {} raises on it and does not start exporting ({})",
            model.release, fact.source
        )
    })
}

fn trust(sdk: Sdk, model: &Model, fact: &Fact<DefaultTrust>) -> TrustRule {
    let said = match fact.value {
        DefaultTrust::SystemStore => "the system store (SSL_CERT_FILE and SSL_CERT_DIR count)",
        DefaultTrust::Bundled(bundle) => bundle,
        DefaultTrust::Nothing(_) => "no CA at all",
    };
    TrustRule {
        roots: fact.value,
        reason: Some(format!(
            "without a CA file the {sdk} SDK {} trusts {said} ({})",
            model.release, fact.source
        )),
    }
}

/// The model's throttling facts as sentences naming who does it, with their sources.
fn throttling(who: &str, model: &Model) -> Throttling {
    let said = |fact: &Fact<Throttled>| format!("{who} {} ({})", fact.value.said, fact.source);
    Throttling {
        grpc: said(&model.throttled_grpc),
        http: said(&model.throttled_http),
    }
}

/// The model's outage facts as sentences naming who does it, with their sources: the same
/// sentence for a failed connection and an UNAVAILABLE answer, as it says both.
fn outages(who: &str, model: &Model) -> Outages {
    let said = |fact: &Fact<Outage>| {
        let sentence = format!("{who} {} ({})", fact.value.said, fact.source);
        OutageSaid {
            connection: sentence.clone(),
            answer: sentence,
        }
    };
    Outages {
        grpc: said(&model.outage_grpc),
        http: said(&model.outage_http),
    }
}

/// What the specification asks for while the endpoint is down, and, per case, the SDKs that
/// give up sooner or never retry.
fn spec_outages() -> Outages {
    let spec = outages("an SDK following the OTLP specification", model_of(None));
    let differ = |retry: fn(&Outage) -> OutageRetry, fact: fn(&Model) -> Outage| -> String {
        let parts: Vec<String> = [OutageRetry::Briefly, OutageRetry::Never]
            .into_iter()
            .filter_map(|kind| {
                let sdks: Vec<&str> = Sdk::ALL
                    .into_iter()
                    .filter(|sdk| retry(&fact(sdk.model())) == kind)
                    .map(Sdk::name)
                    .collect();
                (!sdks.is_empty())
                    .then(|| format!("{} {}", and_list(&sdks), kind.differs(sdks.len() > 1)))
            })
            .collect();
        if parts.is_empty() {
            return String::new();
        }
        format!(
            "; SDKs differ, and {} (choose one with --sdk)",
            parts.join("; ")
        )
    };
    let connection = |o: &Outage| o.connection;
    let answer = |o: &Outage| o.answer;
    let grpc = |m: &Model| m.outage_grpc.value;
    let http = |m: &Model| m.outage_http.value;
    Outages {
        grpc: OutageSaid {
            connection: spec.grpc.connection + &differ(connection, grpc),
            answer: spec.grpc.answer + &differ(answer, grpc),
        },
        http: OutageSaid {
            connection: spec.http.connection + &differ(connection, http),
            answer: spec.http.answer + &differ(answer, http),
        },
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn bad_protocol_outcome(sdk: Sdk, model: &Model) -> String {
    match model.bad_protocol.value {
        BadValue::RefuseToStart => format!(
            "the {sdk} SDK {} raises on it and does not start exporting ({})",
            model.release, model.bad_protocol.source
        ),
        BadValue::UseDefault => format!(
            "the {sdk} SDK {} ignores it and uses {} ({})",
            model.release, model.default_protocol.value, model.bad_protocol.source
        ),
    }
}

/// What the specification asks for, and the SDKs that do otherwise on each transport.
fn spec_throttling() -> Throttling {
    let spec = throttling("an SDK following the OTLP specification", model_of(None));
    let droppers = |fact: fn(&Model) -> Throttled| -> String {
        Sdk::ALL
            .into_iter()
            .filter(|sdk| fact(sdk.model()).retry != ThrottleRetry::Retries)
            .map(Sdk::name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let differ = |droppers: String| {
        format!("; SDKs differ, and {droppers} drop such a batch (choose one with --sdk)")
    };
    Throttling {
        grpc: spec.grpc + &differ(droppers(|m| m.throttled_grpc.value)),
        http: spec.http + &differ(droppers(|m| m.throttled_http.value)),
    }
}

/// The specification's rules, with the SDKs that depart from them named in the evidence.
fn spec_rules() -> ReadingRules {
    let by_outcome = |outcome: BadValue| -> String {
        Sdk::ALL
            .into_iter()
            .filter(|sdk| sdk.model().bad_protocol.value == outcome)
            .map(Sdk::name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    ReadingRules {
        bad_protocol_outcome: vec![format!(
            "SDKs differ: {} warn and use their default protocol; {} refuse to start (choose one with --sdk)",
            by_outcome(BadValue::UseDefault),
            by_outcome(BadValue::RefuseToStart)
        )],
        throttling: spec_throttling(),
        outages: spec_outages(),
        proxy_by_sdk: Sdk::ALL
            .into_iter()
            .map(|sdk| (sdk.name(), proxy_readings(sdk)))
            .collect(),
        ..ReadingRules::spec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Protocol, TimeoutUnit};

    #[test]
    fn without_an_sdk_the_throttling_fix_names_the_sdks_that_drop() {
        let throttling = spec_throttling();
        assert!(
            throttling.grpc.ends_with(
                "SDKs differ, and rust, go, node, dotnet drop such a batch (choose one with --sdk)"
            ),
            "{}",
            throttling.grpc
        );
        assert!(
            throttling
                .http
                .ends_with("SDKs differ, and dotnet drop such a batch (choose one with --sdk)"),
            "{}",
            throttling.http
        );
    }

    #[test]
    fn without_an_sdk_the_outage_fix_names_the_sdks_that_give_up() {
        let outages = spec_outages();
        assert!(
            outages.grpc.connection.starts_with(
                "an SDK following the OTLP specification should retry UNAVAILABLE with exponential backoff"
            ),
            "{}",
            outages.grpc.connection
        );
        assert!(
            outages.grpc.connection.ends_with(
                "SDKs differ, and rust gives up within about a second; node and dotnet do not retry (choose one with --sdk)"
            ),
            "{}",
            outages.grpc.connection
        );
        assert_eq!(outages.grpc.answer, outages.grpc.connection);
        // Go's OTLP/HTTP exporter retries 503 but not a refused connection.
        assert!(
            outages.http.connection.ends_with(
                "SDKs differ, and rust gives up within about a second; go and dotnet do not retry (choose one with --sdk)"
            ),
            "{}",
            outages.http.connection
        );
        assert!(
            outages.http.answer.ends_with(
                "SDKs differ, and rust gives up within about a second; dotnet does not retry (choose one with --sdk)"
            ),
            "{}",
            outages.http.answer
        );
    }

    #[test]
    fn with_an_sdk_the_outage_fix_says_what_that_sdk_does_with_its_source() {
        let node = reading_rules(&chosen(Sdk::Node)).outages;
        assert!(
            node.grpc.connection.starts_with(
                "the node SDK 0.223.0 does not retry a gRPC export: spans, metrics and logs exported while the endpoint is down"
            ),
            "{}",
            node.grpc.connection
        );
        assert!(
            node.grpc
                .connection
                .contains("(@opentelemetry/otlp-grpc-exporter-base 0.223.0 (npm)"),
            "{}",
            node.grpc.connection
        );
        assert!(
            node.http
                .answer
                .contains("retries a refused, reset or timed-out connection")
        );
        let rust = reading_rules(&chosen(Sdk::Rust)).outages;
        assert!(
            rust.grpc.answer.contains("gives up within about a second")
                && rust
                    .grpc
                    .answer
                    .ends_with("opentelemetry-otlp/src/retry_policy.rs)"),
            "{}",
            rust.grpc.answer
        );
        assert!(
            reading_rules(&chosen(Sdk::Go))
                .outages
                .http
                .connection
                .contains("a refused, reset or unreachable connection is not retried")
        );
    }

    #[test]
    fn every_outage_fact_agrees_with_what_the_soak_saw() {
        // docs/performance.md, "SDK soak": a 3 s outage behind a proxy (answers UNAVAILABLE/503).
        use super::super::model::OutageRetry::{Briefly, Never, Retries};
        let answer = |sdk: Sdk| {
            let model = sdk.model();
            (
                model.outage_grpc.value.answer,
                model.outage_http.value.answer,
            )
        };
        assert_eq!(answer(Sdk::Node), (Never, Retries));
        assert_eq!(answer(Sdk::Rust), (Briefly, Briefly));
        for carried in [Sdk::Go, Sdk::Python, Sdk::Java] {
            assert_eq!(answer(carried), (Retries, Retries), "{carried}");
        }
        for sdk in Sdk::ALL {
            for fact in [sdk.model().outage_grpc, sdk.model().outage_http] {
                assert!(!fact.source.is_empty() && !fact.value.said.ends_with('.'));
                assert!(
                    fact.value.said.contains("lost")
                        || fact.value.said.contains("dropped")
                        || fact.value.said.contains("drops"),
                    "{sdk}: {}",
                    fact.value.said
                );
            }
        }
    }

    fn chosen(sdk: Sdk) -> SdkChoice {
        super::super::choose(Some(super::super::SdkArg::Sdk(sdk)), None, None).unwrap()
    }

    #[test]
    fn python_reads_grpc_seconds_and_requests_bundles() {
        let rules = reading_rules(&chosen(Sdk::Python));
        assert_eq!(rules.default_protocol, Protocol::Grpc);
        assert!(
            rules
                .default_protocol_reason
                .unwrap()
                .contains("_configuration")
        );
        assert_eq!(rules.timeout_unit, TimeoutUnit::Seconds);
        assert!(rules.bad_protocol_outcome[0].contains("does not start"));
        let variables: Vec<_> = rules
            .certificate_overrides
            .iter()
            .map(|o| o.variable)
            .collect();
        assert_eq!(variables, ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"]);
    }

    #[test]
    fn go_has_no_certificate_override_and_the_spec_names_who_differs() {
        assert!(
            reading_rules(&chosen(Sdk::Go))
                .certificate_overrides
                .is_empty()
        );
        let spec = reading_rules(&SdkChoice::spec());
        assert_eq!(spec.default_protocol, Protocol::HttpProtobuf);
        assert_eq!(
            spec.bad_protocol_outcome,
            [
                "SDKs differ: rust, go, node, dotnet warn and use their default protocol; python, java refuse to start (choose one with --sdk)"
            ]
        );
    }
}
