//! Turns pasted text into comparable tokens, so that a whole log line matches a knowledge base
//! message although its timestamp, addresses, ports, ids, paths and quoted values differ.
//!
//! Both sides of a comparison go through [`tokens`]: text is lowercased and split into words;
//! timestamps, log-level noise words and single letters are dropped; URLs, IP addresses,
//! `host:port` pairs, file paths, UUIDs, hex ids, long numbers and quoted single values become
//! placeholders; template slots such as `{0}`, `%s` or `<backend>` vanish; words are reduced to a
//! crude stem so that `refused`, `refuses` and `refuse` compare equal. Identifiers written in
//! camelCase yield the whole word and its parts, so `UnknownIssuer` also matches "unknown issuer".

/// Any URL (`scheme://...`).
pub const URL: &str = "<url>";
/// An IPv4 or IPv6 address, with or without a port.
pub const IP: &str = "<ip>";
/// A `host:port` pair.
pub const ADDR: &str = "<addr>";
/// The word `localhost`, which users replace with their own host name.
pub const HOST: &str = "<host>";
/// A file-system path.
pub const PATH: &str = "<path>";
/// A UUID.
pub const UUID: &str = "<uuid>";
/// A hex id or pointer (trace ids, span ids, `0x7f94e127ce30`, OpenSSL error codes).
pub const HEX: &str = "<hex>";
/// A number of four or more digits (ports, counts, years); shorter numbers such as status codes
/// and errno values stay words because they tell errors apart.
pub const NUM: &str = "<num>";
/// A quoted single value such as `"logging"` or `'/v1/v1/traces'`.
pub const QUOTED: &str = "<q>";

/// Whether a token is a placeholder rather than a word.
pub fn is_placeholder(token: &str) -> bool {
    token.starts_with('<')
}

/// Words that carry no meaning for matching.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
    "it", "its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "with",
];

/// The normalized tokens of a text, in order.
pub fn tokens(text: &str) -> Vec<String> {
    let text = strip_template_slots(&join_http_version(&join_io(&unescape(text))));
    let mut out = Vec::new();
    for chunk in text.split_whitespace() {
        chunk_tokens(chunk, &mut out);
    }
    out
}

/// Go's "i/o timeout" would otherwise split into two dropped letters.
fn join_io(text: &str) -> String {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` index `text`.
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in lower.match_indices("i/o") {
        let bounded_before = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let bounded_after = text[at + 3..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        if bounded_before && bounded_after {
            out.push_str(&text[copied..at]);
            out.push_str("io");
            copied = at + 3;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// `HTTP/2` and `HTTP/1.1` would otherwise split into `http` and bare digits that any line with
/// a small number shares (an access log's `HTTP/1.1" 200 2`); they become `http2` and `http11`,
/// as gRPC spells the first.
fn join_http_version(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in lower.match_indices("http/") {
        let bounded_before = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let version = &text[at + 5..];
        let len = version
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(version.len());
        let digits = version[..len].trim_end_matches('.');
        if !bounded_before || at < copied || !digits.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        out.push_str(&text[copied..at + 4]);
        out.extend(digits.chars().filter(char::is_ascii_digit));
        copied = at + 5 + digits.len();
    }
    out.push_str(&text[copied..]);
    out
}

/// JSON-escaped log lines carry `\n`, `\t` and `\"`; undo that so the words separate cleanly.
fn unescape(text: &str) -> String {
    text.replace("\\n", " ")
        .replace("\\t", " ")
        .replace("\\r", " ")
        .replace("\\\"", "\"")
}

const OPENING: &[char] = &['"', '\'', '`', '(', '[', '{', '<', ','];
const CLOSING: &[char] = &[
    '"', '\'', '`', ')', ']', '}', '>', ',', ';', '.', ':', '!', '?',
];
const QUOTES: &[char] = &['"', '\'', '`'];

fn chunk_tokens(chunk: &str, out: &mut Vec<String>) {
    if let Some(placeholder) = quoted_value(chunk) {
        out.push(placeholder.to_string());
        return;
    }
    if let Some((before, after)) = split_url(chunk) {
        chunk_tokens(before, out);
        out.push(URL.to_string());
        chunk_tokens(after, out);
        return;
    }
    let trimmed = chunk.trim_start_matches(OPENING).trim_end_matches(CLOSING);
    if trimmed.is_empty() {
        return;
    }
    if let Some(placeholder) = classify_bracketed(chunk).or_else(|| classify(trimmed)) {
        out.push(placeholder.to_string());
        return;
    }
    if is_timestamp(trimmed) {
        return;
    }
    if is_path(trimmed) {
        out.push(PATH.to_string());
        return;
    }
    for piece in trimmed.split(['/', '\\']) {
        piece_tokens(piece, out);
    }
}

/// `"logging"`, `'/v1/v1/traces'`, `"127.0.0.1:4317",`: a quoted value without spaces. JSON
/// pairs such as `"level":"error"` are not one value and fall through to plain splitting.
fn quoted_value(chunk: &str) -> Option<&'static str> {
    let core = chunk
        .trim_start_matches(['(', '[', '{'])
        .trim_end_matches([',', ';', ':', '.', ')', ']', '}']);
    let first = core.chars().next()?;
    if core.len() < 3 || !QUOTES.contains(&first) || !core.ends_with(first) {
        return None;
    }
    let inner = &core[1..core.len() - 1];
    if inner.is_empty() || inner.contains(QUOTES) {
        return None;
    }
    if split_url(inner).is_some() {
        return Some(URL);
    }
    Some(classify(inner).unwrap_or(QUOTED))
}

/// Splits `prefix<url>suffix` around the first URL in a chunk.
fn split_url(chunk: &str) -> Option<(&str, &str)> {
    let marker = chunk.find("://")?;
    // The scheme starts after the last character that cannot be in one, which may be wider
    // than a byte (a fuzzed `\u{fffd}ttp://` panicked on a `+ 1` inside it).
    let start = chunk[..marker]
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || "+.-".contains(*c)))
        .map_or(0, |(i, c)| i + c.len_utf8());
    if start == marker {
        return None;
    }
    let rest = &chunk[marker + 3..];
    let end = rest
        .find(|c: char| "\"'<>{}|\\`)],".contains(c))
        .map_or(chunk.len(), |i| marker + 3 + i);
    Some((&chunk[..start], &chunk[end..]))
}

/// Dates and times: `2024-05-17T09:13:44.512Z`, `2023/06/30`, `20:11:26,512`.
fn is_timestamp(text: &str) -> bool {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    digits >= 4
        && text.contains(['-', '/', ':'])
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"-/:.,+TZ".contains(&b))
}

/// `[::1]:4318,`: an IPv6 address keeps its opening bracket, which trimming would remove.
fn classify_bracketed(text: &str) -> Option<&'static str> {
    let text = text.trim_end_matches([',', ';', '.', ')', '"', '\'']);
    (text.starts_with('[') && is_ipv6(text)).then_some(IP)
}

/// Whole-chunk or whole-piece shapes that become one placeholder.
fn classify(text: &str) -> Option<&'static str> {
    if is_ipv4(text) || is_ipv6(text) {
        Some(IP)
    } else if is_host_port(text) {
        Some(ADDR)
    } else if text.eq_ignore_ascii_case("localhost") {
        Some(HOST)
    } else if is_uuid(text) {
        Some(UUID)
    } else {
        None
    }
}

fn is_ipv4(text: &str) -> bool {
    let address = match text.rsplit_once(':') {
        Some((address, port)) if all_digits(port) => address,
        _ => text,
    };
    let parts: Vec<&str> = address.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && all_digits(p))
}

/// `::1`, `[::1]:4318`, `::1:4317`, `[0:0:0:0:0:0:0:1]:4317`, `fe80::1%eth0`.
fn is_ipv6(text: &str) -> bool {
    let (address, bracketed) = match text.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((inner, port))
                if port.is_empty() || port.strip_prefix(':').is_some_and(all_digits) =>
            {
                (inner, true)
            }
            _ => return false,
        },
        None => (text, false),
    };
    let address = address.split_once('%').map_or(address, |(a, _zone)| a);
    let groups: Vec<&str> = address.split(':').collect();
    groups.len() >= 3
        && (bracketed || address.contains("::"))
        && address.chars().any(|c| c.is_ascii_digit())
        && groups
            .iter()
            .all(|g| g.len() <= 5 && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `otelcol:4317`, `collector.monitoring.svc:4318`: a host name and a port of 4 or 5 digits
/// (shorter numbers after a colon are usually codes, as in `code:401`).
fn is_host_port(text: &str) -> bool {
    let Some((host, port)) = text.rsplit_once(':') else {
        return false;
    };
    (4..=5).contains(&port.len())
        && all_digits(port)
        && host.chars().any(|c| c.is_ascii_alphabetic())
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `/home/app/node_modules/x/y.js`, `./build/src`, `C:\Users\x`, `src/platform/node/util.ts:131:27`.
fn is_path(text: &str) -> bool {
    let segments = text.split(['/', '\\']).filter(|s| !s.is_empty()).count();
    let rooted = text.starts_with(['/', '~', '.'])
        || (text.len() > 2 && text.as_bytes()[1] == b':' && text.contains('\\'));
    (rooted && segments >= 3) || segments >= 5
}

fn piece_tokens(piece: &str, out: &mut Vec<String>) {
    let bracketed = classify_bracketed(piece);
    let piece = piece.trim_start_matches(OPENING).trim_end_matches(CLOSING);
    if piece.is_empty() {
        return;
    }
    if let Some(placeholder) = bracketed.or_else(|| classify(piece)) {
        out.push(placeholder.to_string());
        return;
    }
    if is_timestamp(piece) {
        return;
    }
    for word in piece.split(|c: char| !c.is_alphanumeric()) {
        word_tokens(word, out);
    }
}

/// Drops `{0}`, `{ip}`, `{Endpoint}` and `<backend>`, `<redacted>` slots: they stand for values
/// that any real log line fills in differently.
fn strip_template_slots(text: &str) -> String {
    const MAX_SLOT_CHARS: usize = 40;
    let is_slot_char = |c: char| c.is_ascii_alphanumeric() || "_-.".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find(['{', '<']) {
        let close = if rest[open..].starts_with('{') {
            '}'
        } else {
            '>'
        };
        let after = &rest[open + 1..];
        // Look only a slot's length ahead, so a lone `<` costs nothing.
        let name_len = after
            .char_indices()
            .take(MAX_SLOT_CHARS + 1)
            .find(|(_, c)| !is_slot_char(*c))
            .map_or(after.len(), |(i, _)| i);
        if name_len <= MAX_SLOT_CHARS && after[name_len..].starts_with(close) {
            out.push_str(&rest[..open]);
            out.push(' ');
            rest = &after[name_len + 1..];
        } else {
            out.push_str(&rest[..open + 1]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn word_tokens(word: &str, out: &mut Vec<String>) {
    if word.is_empty() {
        return;
    }
    if all_digits(word) {
        if word.len() >= 4 {
            out.push(NUM.to_string());
        } else {
            out.push(word.to_string());
        }
        return;
    }
    if is_hex_id(word) {
        out.push(HEX.to_string());
        return;
    }
    let lower = word.to_lowercase();
    if lower.chars().count() < 2
        || STOPWORDS.contains(&lower.as_str())
        || (lower.len() >= 3 && lower.chars().all(|c| c == 'x'))
    {
        return;
    }
    out.push(stem(&lower));
    let parts = camel_parts(word);
    if parts.len() > 1 {
        for part in parts {
            let part = part.to_lowercase();
            if part.chars().count() >= 2 && !STOPWORDS.contains(&part.as_str()) {
                out.push(stem(&part));
            }
        }
    }
}

/// Ids and pointers: `0x7f94e127ce30`, `4bf92f3577b34da6a3ce929d0e0e4736`, `0A000086`.
fn is_hex_id(word: &str) -> bool {
    let body = word
        .strip_prefix("0x")
        .or_else(|| word.strip_prefix("0X"))
        .unwrap_or(word);
    body.len() >= 6
        && body.chars().all(|c| c.is_ascii_hexdigit())
        && body.chars().any(|c| c.is_ascii_digit())
}

/// `UnknownIssuer` → `Unknown`, `Issuer`; `OTLPExporterError` → `OTLP`, `Exporter`, `Error`.
fn camel_parts(word: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let prev = chars[i - 1].1;
        let next_lower = chars.get(i + 1).is_some_and(|(_, n)| n.is_lowercase());
        let boundary = (prev.is_lowercase() && c.is_uppercase())
            || (prev.is_uppercase() && c.is_uppercase() && next_lower);
        if boundary {
            parts.push(&word[start..at]);
            start = at;
        }
    }
    parts.push(&word[start..]);
    parts
}

/// A crude English stemmer: enough to equate `refused`/`refuse`, `expired`/`expires`,
/// `dropping`/`dropped`, `certificates`/`certificate`. Applied to both sides, so its oddities
/// cancel out.
fn stem(word: &str) -> String {
    if word.len() <= 4 || !word.is_ascii() || word.bytes().any(|b| b.is_ascii_digit()) {
        return word.to_string();
    }
    for suffix in ["ing", "ed", "es", "s", "e"] {
        let Some(base) = word.strip_suffix(suffix) else {
            continue;
        };
        if base.len() < 3 {
            break;
        }
        let bytes = base.as_bytes();
        let last = bytes[bytes.len() - 1];
        let doubled = matches!(suffix, "ing" | "ed")
            && bytes[bytes.len() - 2] == last
            && !b"aeioulsz".contains(&last);
        return if doubled {
            base[..base.len() - 1].to_string()
        } else {
            base.to_string()
        };
    }
    word.to_string()
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(text: &str) -> String {
        tokens(text).join(" ")
    }

    #[test]
    fn a_scheme_after_a_wide_character_is_split_on_its_boundary() {
        assert_eq!(
            joined("OkHttp ht\u{fffd}p://localhost:4318/v1"),
            joined("OkHttp ht\u{fffd}p://x")
        );
        assert_eq!(joined("é://x"), joined("é://y"));
    }

    #[test]
    fn timestamps_and_levels_fade_out() {
        assert_eq!(
            joined("2024-05-17T09:13:44.512Z ERROR tcp connect error: Connection refused"),
            "error tcp connect error connection refus"
        );
        assert_eq!(joined("2023/06/30 20:11:26 no such host"), "no such host");
    }

    #[test]
    fn addresses_become_placeholders() {
        assert_eq!(
            joined("dial tcp 10.0.0.5:4317: connect"),
            "dial tcp <ip> connect"
        );
        assert_eq!(
            joined("connect ECONNREFUSED ::1:4318"),
            "connect econnrefus <ip>"
        );
        assert_eq!(
            joined("Failed to connect to localhost/[0:0:0:0:0:0:0:1]:4317"),
            "fail connect <host> <ip>"
        );
        assert_eq!(
            joined("DNS resolution failed for otel-collector.monitoring:4317"),
            "dns resolution fail <addr>"
        );
        assert_eq!(
            joined("error sending request for url (http://localhost:4318/v1/traces): eof"),
            "error send request url <url> eof"
        );
        assert_eq!(
            joined("dial tcp 10.1.2.3:4317: i/o timeout"),
            "dial tcp <ip> io timeout"
        );
    }

    #[test]
    fn http_versions_are_one_word() {
        assert_eq!(joined("Failed parsing HTTP/2"), "fail pars http2");
        assert_eq!(
            joined("\"GET /healthz HTTP/1.1\" 200 2"),
            "get healthz http11 200 2"
        );
        assert_eq!(joined("HTTP/1.x transport"), "http1 transport");
        assert_eq!(joined("http://x/http/2 or http/"), "<url> http");
    }

    #[test]
    fn ids_numbers_and_paths_become_placeholders() {
        assert_eq!(
            joined("trace_id=4bf92f3577b34da6a3ce929d0e0e4736 object at 0x7f94e127ce30"),
            "trac id <hex> object <hex>"
        );
        assert_eq!(
            joined("request 123e4567-e89b-12d3-a456-426614174000 code 401 port 14317"),
            "request <uuid> code 401 port <num>"
        );
        assert_eq!(
            joined("at /home/app/node_modules/@opentelemetry/otlp/util.js:131:27 done"),
            "<path> done"
        );
    }

    #[test]
    fn quoted_values_and_template_slots_are_generic() {
        assert_eq!(joined(r#"unknown type: "jaeger""#), "unknown type <q>");
        assert_eq!(joined(r#"unknown type: "logging","#), "unknown type <q>");
        assert_eq!(
            joined("Exporter failed send data to collector to {0} endpoint."),
            "exporter fail send data collector endpoint"
        );
        assert_eq!(
            joined(r#"{"level":"error","msg":"Exporting failed. Dropping data."}"#),
            "level error msg export fail drop data"
        );
    }

    #[test]
    fn camel_case_yields_whole_word_and_parts() {
        assert_eq!(
            joined("invalid peer certificate: UnknownIssuer"),
            "invalid peer certificat unknownissuer unknown issuer"
        );
        assert_eq!(
            joined("OTLPExporterError: Unauthorized"),
            "otlpexportererror otlp exporter error unauthoriz"
        );
    }

    #[test]
    fn stems_equate_inflections() {
        for (a, b) in [
            ("refused", "refuse"),
            ("expired", "expires"),
            ("dropping", "dropped"),
            ("certificates", "certificate"),
            ("connection", "connections"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} vs {b}");
        }
        assert_eq!(stem("drop"), "drop");
        assert_eq!(stem("dropped"), "drop");
    }

    #[test]
    fn escaped_json_log_lines_split_cleanly() {
        assert_eq!(
            joined(r#"{\"stack\":\"OTLPExporterError: Request Timeout\n    at ClientRequest\"}"#),
            "stack otlpexportererror otlp exporter error request timeout clientrequest client request"
        );
    }
}
