//! Parsers for the value types of the OpenTelemetry configuration spec (`configuration/common.md`):
//! booleans, integers, millisecond durations, `k=v` lists with percent-decoding. Each returns
//! the value or a description of what is wrong with it; none panics.

use std::time::Duration;

/// Spec: integers must be accepted in 0 ..= 2^31-1.
const MAX_SPEC_INTEGER: u64 = i32::MAX as u64;

/// A header to send with every export request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// The two boolean values, for "did you mean".
pub const BOOLEANS: [&str; 2] = ["true", "false"];

/// Spec: only `true` (any case) is true; `false` and empty are false; anything else is warned
/// about and means false.
pub fn parse_bool(raw: &str) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" | "" => Ok(false),
        _ => Err(format!(
            "'{raw}' is not a boolean (only 'true' or 'false'){}; it counts as false",
            super::suggest::hint(raw, &BOOLEANS)
        )),
    }
}

/// A non-negative integer in the spec's range.
pub fn parse_integer(raw: &str) -> Result<u64, String> {
    let trimmed = raw.trim();
    match trimmed.parse::<u64>() {
        Ok(n) if n <= MAX_SPEC_INTEGER => Ok(n),
        Ok(_) => Err(format!("'{raw}' is larger than {MAX_SPEC_INTEGER}")),
        Err(_) if trimmed.parse::<i64>().is_ok() => Err(format!("'{raw}' is negative")),
        Err(_) => Err(format!("'{raw}' is not a whole number")),
    }
}

/// Durations and timeouts are whole milliseconds in the spec; `10s` or `1.5` are not valid.
pub fn parse_millis(raw: &str) -> Result<Duration, String> {
    let trimmed = raw.trim();
    if humantime::parse_duration(trimmed).is_ok() && trimmed.parse::<u64>().is_err() {
        return Err(format!(
            "'{raw}' has a unit; OTEL_* durations are whole milliseconds without a unit"
        ));
    }
    parse_integer(raw).map(Duration::from_millis)
}

/// Percent-decodes a string (RFC 3986), failing on a `%` not followed by two hex digits.
pub fn percent_decode(raw: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    for (index, byte) in bytes.iter().enumerate() {
        if *byte == b'%' {
            let hex = bytes.get(index + 1..index + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return Err(format!(
                    "'{raw}' has an invalid percent-escape at position {index}"
                ));
            }
        }
    }
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| format!("'{raw}' does not decode to UTF-8"))
}

/// A `key=value` item that failed to parse, described for the user (values are never shown,
/// since header values are secrets).
pub type ItemProblem = String;

/// Parses `OTEL_EXPORTER_OTLP_HEADERS`: comma-separated `key=value`, split on the first `=`,
/// trimmed, values percent-decoded. Items that SDKs would drop are reported.
pub fn parse_headers(raw: &str) -> (Vec<Header>, Vec<ItemProblem>) {
    let mut headers = Vec::new();
    let mut problems = Vec::new();
    for (position, item) in raw.split(',').enumerate() {
        let position = position + 1;
        if item.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = item.split_once('=') else {
            problems.push(format!(
                "item {position} ('{}') has no '='; SDKs drop it",
                name_hint(item)
            ));
            continue;
        };
        let name = key.trim();
        if name.is_empty() {
            problems.push(format!(
                "item {position} has an empty header name; SDKs drop it"
            ));
            continue;
        }
        if !name.bytes().all(is_header_name_byte) {
            problems.push(format!(
                "item {position}: '{name}' is not a valid HTTP header name; SDKs drop it"
            ));
            continue;
        }
        let value = match percent_decode(value.trim()) {
            Ok(value) => value,
            Err(_) => {
                problems.push(format!(
                    "item {position} ('{name}'): the value has an invalid percent-escape"
                ));
                value.trim().to_string()
            }
        };
        if value.is_empty() {
            problems.push(format!(
                "item {position} ('{name}') has an empty value; SDKs drop it"
            ));
            continue;
        }
        if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            problems.push(format!(
                "item {position} ('{name}'): the value has control characters; SDKs drop it"
            ));
            continue;
        }
        headers.push(Header {
            name: name.to_ascii_lowercase(),
            value,
        });
    }
    (headers, problems)
}

/// Only the part before `=` of a malformed item may be shown; without `=` show a prefix only.
fn name_hint(item: &str) -> String {
    let trimmed = item.trim();
    if trimmed.chars().count() <= 24 && trimmed.bytes().all(is_header_name_byte) {
        trimmed.to_string()
    } else {
        format!("{}…", trimmed.chars().take(4).collect::<String>())
    }
}

/// RFC 9110 token characters.
fn is_header_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parses `OTEL_RESOURCE_ATTRIBUTES`. Spec (`resource/sdk.md`): if decoding fails the whole
/// variable is discarded, so any problem means no attribute from it is used.
pub fn parse_resource_attributes(raw: &str) -> Result<Vec<(String, String)>, Vec<String>> {
    let mut attributes = Vec::new();
    let mut problems = Vec::new();
    for (position, item) in raw.split(',').enumerate() {
        let position = position + 1;
        if item.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = item.split_once('=') else {
            problems.push(format!("item {position} ('{}') has no '='", item.trim()));
            continue;
        };
        let key = key.trim();
        if key.is_empty() {
            problems.push(format!("item {position} has an empty key"));
            continue;
        }
        match (percent_decode(key), percent_decode(value.trim())) {
            (Ok(key), Ok(value)) => attributes.push((key, value)),
            (Err(problem), _) | (_, Err(problem)) => {
                problems.push(format!("item {position} ('{key}'): {problem}"))
            }
        }
    }
    if problems.is_empty() {
        Ok(attributes)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_follow_the_spec() {
        assert_eq!(parse_bool("TRUE"), Ok(true));
        assert_eq!(parse_bool("false"), Ok(false));
        assert!(parse_bool("1").is_err());
        assert!(parse_bool("yes").is_err());
        assert!(
            parse_bool("ture")
                .unwrap_err()
                .contains("did you mean 'true'?")
        );
    }

    #[test]
    fn integers_in_range_only() {
        assert_eq!(parse_integer(" 512 "), Ok(512));
        assert!(parse_integer("-1").unwrap_err().contains("negative"));
        assert!(parse_integer("2147483648").is_err());
        assert!(parse_integer("abc").is_err());
    }

    #[test]
    fn millis_without_unit() {
        assert_eq!(parse_millis("10000"), Ok(Duration::from_secs(10)));
        assert!(parse_millis("10s").unwrap_err().contains("unit"));
        assert!(parse_millis("1.5").is_err());
    }

    #[test]
    fn headers_split_on_first_equals_and_decode() {
        let (headers, problems) = parse_headers("Authorization=Basic%20AAA, k1=v1=10");
        assert!(problems.is_empty());
        assert_eq!(
            headers[0],
            Header {
                name: "authorization".into(),
                value: "Basic AAA".into()
            }
        );
        assert_eq!(headers[1].value, "v1=10");
    }

    #[test]
    fn malformed_headers_are_reported_without_values() {
        let (headers, problems) = parse_headers("novalue,=x,bad name=1,empty=,ok=1,pct=%zz");
        assert_eq!(headers.len(), 2, "{headers:?}");
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems.iter().all(|p| !p.contains("%zz")));
    }

    #[test]
    fn resource_attributes_discarded_whole_on_error() {
        assert_eq!(
            parse_resource_attributes("service.name=shop,deployment.environment=prod%2Ceu"),
            Ok(vec![
                ("service.name".into(), "shop".into()),
                ("deployment.environment".into(), "prod,eu".into())
            ])
        );
        assert!(parse_resource_attributes("service.name=shop,broken").is_err());
        assert!(parse_resource_attributes("a=%4").is_err());
    }
}
