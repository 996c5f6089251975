//! LINT_SERVICE_NAME_MISSING: a resource without `service.name`, with an empty or non-string one,
//! or with the SDK fallback `unknown_service[:process]`. Reported once per resource identity (its
//! whole attribute set), so each misconfigured process shows up once.

use super::LINT_CHECK;
use super::seen::Findings;
use super::walk::{SERVICE_NAME, as_str, clip, find, resources, show_value};
use crate::knowledge::fix::Fix;
use crate::report::listing::first_few;
use crate::report::{Code, Finding, Severity};
use crate::serve::Received;
use opentelemetry_proto::tonic::resource::v1::Resource;

/// The prefix SDKs put in front of the process name when no service name is configured.
const UNKNOWN_SERVICE: &str = "unknown_service";
/// Attributes shown to help find the process; identity-bearing ones first.
const MAX_SHOWN_ATTRIBUTES: usize = 6;
/// Keys that best identify which process sent the data, shown first.
const IDENTIFYING_KEYS: [&str; 6] = [
    "telemetry.sdk.language",
    "telemetry.sdk.name",
    "telemetry.sdk.version",
    "process.executable.name",
    "host.name",
    "k8s.pod.name",
];

pub(super) fn check(received: &Received, out: &mut Findings<'_>) {
    for resource in resources(&received.payload) {
        let Some(problem) = problem(resource) else {
            continue;
        };
        let attributes = resource.map_or(&[][..], |r| &r.attributes);
        let mut identity: Vec<(&str, String)> = attributes
            .iter()
            .map(|kv| (kv.key.as_str(), show_value(kv.value.as_ref())))
            .collect();
        identity.sort();
        out.once(Code::LintServiceNameMissing, &identity, || {
            let mut finding = Finding::new(
                Code::LintServiceNameMissing,
                Severity::Warning,
                LINT_CHECK,
                format!("{} arrive without a service name", received.signal.as_str()),
            )
            .evidence(format!("the resource {problem}"))
            .evidence(describe(resource));
            if let Some(agent) = &received.meta.user_agent {
                finding = finding.evidence(format!("sender: User-Agent {}", clip(agent)));
            }
            finding
                .fix(Fix::new("lint.set_service_name"))
                .fix(Fix::new("lint.rust_resource_service_name"))
        });
    }
}

/// What is wrong with the resource's service name, if anything.
fn problem(resource: Option<&Resource>) -> Option<String> {
    let Some(value) = resource.and_then(|r| find(&r.attributes, SERVICE_NAME)) else {
        return Some("has no service.name attribute".to_owned());
    };
    match as_str(value) {
        None => Some(format!(
            "has service.name={}, which is not a string",
            show_value(Some(value))
        )),
        Some("") => Some("has an empty service.name".to_owned()),
        Some(name) if name.starts_with(UNKNOWN_SERVICE) => Some(format!(
            "has service.name=\"{}\", the SDK fallback when no service name is configured",
            clip(name)
        )),
        Some(_) => None,
    }
}

/// A short description of the resource so the sender can be found.
fn describe(resource: Option<&Resource>) -> String {
    let attributes = resource.map_or(&[][..], |r| &r.attributes);
    if attributes.is_empty() {
        return "resource attributes: none at all (was the resource built empty?)".to_owned();
    }
    let rank = |key: &str| {
        IDENTIFYING_KEYS
            .iter()
            .position(|k| *k == key)
            .unwrap_or(IDENTIFYING_KEYS.len())
    };
    let mut shown: Vec<_> = attributes.iter().collect();
    shown.sort_by_key(|kv| rank(&kv.key));
    let list = shown
        .iter()
        .map(|kv| format!("{}={}", clip(&kv.key), show_value(kv.value.as_ref())));
    format!(
        "resource attributes: {}",
        first_few(list, MAX_SHOWN_ATTRIBUTES)
    )
}
