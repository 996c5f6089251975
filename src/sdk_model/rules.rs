//! A [`Model`] as the [`ReadingRules`] `settings` resolves by. Without an SDK the rules are the
//! specification's, and the evidence says where SDKs depart from it.

use super::model::{BadValue, CompressionValues, Fact, ThrottleRetry, Throttled};
use super::{Model, Sdk, SdkChoice, model_of};
use crate::settings::proxy::{ProxyReading, ProxyRule};
use crate::settings::rules::{CertificateOverride, CompressionRefusal, Throttling};
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
