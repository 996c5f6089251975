//! Writing one NDJSON object straight into a byte buffer. `serve --format json` writes a line for
//! every span it receives, and through serde_json's `Serializer` each line cost about 1 ns per
//! byte (a write call per quote, colon and comma; measured with `cargo bench --bench
//! serve_view`). Here constant text is appended whole, strings without characters to escape are
//! copied as they are, and anything unusual (escapes, floats, nested values) is still written
//! by serde_json, so the output is the same JSON.

use super::values::Attributes;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use serde::Serialize;

/// An object being written: fields in call order, then [`JsonLine::end`].
pub struct JsonLine<'o> {
    out: &'o mut Vec<u8>,
    empty: bool,
}

impl<'o> JsonLine<'o> {
    pub fn begin(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        JsonLine { out, empty: true }
    }

    /// Closes the object and the line.
    pub fn end(&mut self) {
        self.out.extend_from_slice(b"}\n");
    }

    pub fn str(&mut self, key: &'static str, value: &str) -> &mut Self {
        self.key(key);
        string(self.out, value);
        self
    }

    pub fn int(&mut self, key: &'static str, value: impl itoa::Integer) -> &mut Self {
        self.key(key);
        self.out
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        self
    }

    /// Bytes as a lowercase hex string (an id; empty when absent).
    pub fn hex(&mut self, key: &'static str, bytes: &[u8]) -> &mut Self {
        self.key(key);
        self.out.push(b'"');
        let start = self.out.len();
        self.out.resize(start + 2 * bytes.len(), 0);
        // The slice is exactly twice the input's length, as encoding requires.
        let _ = const_hex::encode_to_slice(bytes, &mut self.out[start..]);
        self.out.push(b'"');
        self
    }

    /// Any serializable value (a rare or nested field), written by serde_json.
    pub fn value(&mut self, key: &'static str, value: &(impl Serialize + ?Sized)) -> &mut Self {
        self.key(key);
        serialized(self.out, value);
        self
    }

    /// Attributes as a JSON object; see [`Attributes`].
    pub fn attributes(&mut self, key: &'static str, attributes: &[KeyValue]) -> &mut Self {
        self.key(key);
        if attributes.iter().all(is_plain) {
            self.out.push(b'{');
            for (index, kv) in attributes.iter().enumerate() {
                if index > 0 {
                    self.out.push(b',');
                }
                string(self.out, &kv.key);
                self.out.push(b':');
                plain_value(self.out, kv);
            }
            self.out.push(b'}');
        } else {
            serialized(self.out, &Attributes(attributes));
        }
        self
    }

    /// `"key":` with the comma before it; keys are this module's callers' own plain names.
    fn key(&mut self, key: &'static str) {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }
}

/// Strings, integers and booleans: the values written here without serde.
fn is_plain(kv: &KeyValue) -> bool {
    matches!(
        kv.value.as_ref().and_then(|v| v.value.as_ref()),
        Some(Value::StringValue(_) | Value::IntValue(_) | Value::BoolValue(_))
    )
}

fn plain_value(out: &mut Vec<u8>, kv: &KeyValue) {
    match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => string(out, s),
        Some(Value::IntValue(i)) => {
            out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes())
        }
        Some(Value::BoolValue(true)) => out.extend_from_slice(b"true"),
        Some(Value::BoolValue(false)) => out.extend_from_slice(b"false"),
        _ => out.extend_from_slice(b"null"),
    }
}

/// A JSON string: copied as is when nothing in it needs escaping, else written by serde_json.
fn string(out: &mut Vec<u8>, value: &str) {
    if value.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        serialized(out, value);
    } else {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    }
}

fn serialized(out: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) {
    // Writing into a Vec cannot fail, and these values are all representable in JSON.
    let _ = serde_json::to_writer(&mut *out, value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue};
    use serde_json::json;

    fn kv(key: &str, value: Value) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..Default::default()
        }
    }

    fn written(build: impl FnOnce(&mut JsonLine<'_>)) -> String {
        let mut out = Vec::new();
        let mut line = JsonLine::begin(&mut out);
        build(&mut line);
        line.end();
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn a_line_is_one_json_object_ending_in_a_newline() {
        let text = written(|line| {
            line.str("kind", "span")
                .str("name", "tab\there \"quoted\" back\\slash é")
                .hex("id", &[0x00, 0xff])
                .hex("absent", &[])
                .int("big", u64::MAX)
                .int("negative", -3);
        });
        assert!(text.ends_with("}\n") && text.matches('\n').count() == 1);
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(
            parsed,
            json!({"kind": "span", "name": "tab\there \"quoted\" back\\slash é", "id": "00ff",
                   "absent": "", "big": u64::MAX, "negative": -3})
        );
    }

    #[test]
    fn attributes_write_the_same_json_as_their_serde_form() {
        let plain = vec![
            kv("s", Value::StringValue("line\nbreak".into())),
            kv("i", Value::IntValue(i64::MIN)),
            kv("b", Value::BoolValue(false)),
        ];
        let mixed = [
            plain.clone(),
            vec![
                kv("d", Value::DoubleValue(0.25)),
                kv("a", Value::ArrayValue(ArrayValue { values: vec![] })),
            ],
        ]
        .concat();
        for attributes in [plain, mixed, Vec::new()] {
            let text = written(|line| {
                line.attributes("attributes", &attributes);
            });
            let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            let expected = serde_json::to_value(Attributes(&attributes)).expect("serializes");
            assert_eq!(parsed["attributes"], expected);
        }
    }
}
