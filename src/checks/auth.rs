//! The `auth` lint: mistakes in the credential itself that make a backend answer 401 even though
//! the token is right (quotes kept from an env file, stray whitespace, a missing `Bearer`).
//! Offline; values are only ever shown masked.

use crate::knowledge::fix::Fix;
use crate::report::mask::mask;
use crate::report::{Code, Finding, Severity};
use crate::settings::ExporterSettings;

pub fn lint(exporter: &ExporterSettings) -> Vec<Finding> {
    let mut findings = Vec::new();
    for header in &exporter.headers {
        let name = header.value.name.as_str();
        let value = header.value.value.as_str();
        let origin = &header.origin;
        if is_quoted(value) {
            findings.push(
                Finding::new(Code::AuthTokenQuoted, Severity::Error, "auth", format!("the value of header '{name}' is wrapped in quotes, which are sent as part of it"))
                    .evidence(format!("{origin}: {name}={}", mask(value)))
                    .evidence("env files (docker --env-file, Kubernetes env from files, systemd EnvironmentFile) keep quotes literally")
                    .fix(Fix::new("auth.remove_quotes").with("name", name).with("origin", origin)),
            );
        } else if has_stray_whitespace(value) {
            findings.push(
                Finding::new(
                    Code::AuthTokenWhitespace,
                    Severity::Error,
                    "auth",
                    format!("the value of header '{name}' has stray whitespace"),
                )
                .evidence(format!(
                    "{origin}: {name}={} ({})",
                    mask(value),
                    describe_whitespace(value)
                ))
                .fix(Fix::new("auth.remove_stray_whitespace")),
            );
        }
        if name == "authorization" && !value.trim().contains(' ') && !is_quoted(value) {
            findings.push(
                Finding::new(
                    Code::AuthBearerPrefixMissing,
                    Severity::Warning,
                    "auth",
                    "the authorization header has no scheme such as 'Bearer'",
                )
                .evidence(format!("{origin}: authorization={}", mask(value)))
                .fix(Fix::new("auth.bearer_prefix"))
                .fix(Fix::new("auth.use_backend_header")),
            );
        }
    }
    findings
}

fn is_quoted(value: &str) -> bool {
    let value = value.trim();
    value.len() >= 2
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')))
}

fn has_stray_whitespace(value: &str) -> bool {
    value != value.trim()
        || value.contains("  ")
        || value.chars().any(|c| c == '\n' || c == '\r' || c == '\t')
}

fn describe_whitespace(value: &str) -> &'static str {
    if value.contains('\n') || value.contains('\r') {
        "contains a line break"
    } else if value.starts_with(char::is_whitespace) {
        "starts with whitespace"
    } else if value.ends_with(char::is_whitespace) {
        "ends with whitespace"
    } else {
        "contains doubled spaces or tabs"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::values::Header;
    use crate::settings::{MapEnv, Signal, TargetOptions, resolve};

    fn codes(headers: &str, flag: Option<(&str, &str)>) -> Vec<Code> {
        let overrides = TargetOptions {
            headers: flag
                .map(|(n, v)| {
                    vec![Header {
                        name: n.into(),
                        value: v.into(),
                    }]
                })
                .unwrap_or_default(),
            ..TargetOptions::default()
        };
        let resolution = resolve(
            &MapEnv::new([("OTEL_EXPORTER_OTLP_HEADERS", headers)]),
            &overrides,
        );
        lint(resolution.exporter(Signal::Traces))
            .iter()
            .map(|f| f.code)
            .collect()
    }

    #[test]
    fn quoted_tokens() {
        assert_eq!(
            codes("authorization=\"Bearer abc123\"", None),
            vec![Code::AuthTokenQuoted]
        );
        assert_eq!(
            codes("x-api-key='abc123'", None),
            vec![Code::AuthTokenQuoted]
        );
    }

    #[test]
    fn whitespace_in_tokens() {
        assert_eq!(
            codes("authorization=Bearer%20abc%20", None),
            vec![Code::AuthTokenWhitespace]
        );
        assert_eq!(
            codes("", Some(("authorization", " Bearer abc"))),
            vec![Code::AuthTokenWhitespace]
        );
        assert_eq!(
            codes("authorization=Bearer%20%20abc", None),
            vec![Code::AuthTokenWhitespace]
        );
    }

    #[test]
    fn bearer_prefix() {
        assert_eq!(
            codes("authorization=abc123", None),
            vec![Code::AuthBearerPrefixMissing]
        );
        assert!(codes("authorization=Bearer%20abc123", None).is_empty());
        assert!(codes("authorization=Basic dXNlcjpwYXNz", None).is_empty());
        assert!(codes("x-api-key=abc123", None).is_empty());
    }
}
