//! Turning OTLP values into what people and scripts read: attribute maps, service names, text.
//! The JSON forms serialize straight from the borrowed OTLP values: `serve --format json` writes
//! one per span, and building a `serde_json::Value` (cloned keys and strings) for each dominated
//! its profile under load.

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// The `service.name` of a resource, or `unknown_service` as SDKs default it.
pub fn service_name(resource: Option<&Resource>) -> String {
    resource
        .and_then(|r| r.attributes.iter().find(|kv| kv.key == "service.name"))
        .and_then(|kv| kv.value.as_ref())
        .map(text)
        .unwrap_or_else(|| "unknown_service".to_string())
}

/// A value as plain text (strings unquoted).
pub fn text(value: &AnyValue) -> String {
    match &value.value {
        Some(Value::StringValue(s)) => s.clone(),
        Some(other) => serde_json::to_string(&Json(other)).unwrap_or_default(),
        None => String::new(),
    }
}

/// Attributes as a JSON object (a key without a value is `null`; a repeated key is written
/// twice, as it arrived).
pub struct Attributes<'a>(pub &'a [KeyValue]);

impl Serialize for Attributes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for kv in self.0 {
            let value = kv.value.as_ref().and_then(|v| v.value.as_ref()).map(Json);
            map.serialize_entry(&kv.key, &value)?;
        }
        map.end()
    }
}

/// One attribute value as JSON: bytes as hex, arrays and key-value lists nested.
struct Json<'a>(&'a Value);

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::StringValue(s) => serializer.serialize_str(s),
            Value::BoolValue(b) => serializer.serialize_bool(*b),
            Value::IntValue(i) => serializer.serialize_i64(*i),
            // JSON has no NaN or infinity; serde_json writes them as null.
            Value::DoubleValue(d) => serializer.serialize_f64(*d),
            Value::BytesValue(b) => serializer.serialize_str(&const_hex::encode(b)),
            Value::ArrayValue(array) => {
                let values = array.values.iter().filter_map(|v| v.value.as_ref());
                let mut seq = serializer.serialize_seq(None)?;
                for value in values {
                    seq.serialize_element(&Json(value))?;
                }
                seq.end()
            }
            Value::KvlistValue(list) => Attributes(&list.values).serialize(serializer),
            // An index into a profile's string table: meaningless outside profiles.
            Value::StringValueStrindex(index) => {
                serializer.collect_str(&format_args!("strindex:{index}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};
    use serde_json::json;

    fn kv(key: &str, value: Option<Value>) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: value.map(|value| AnyValue { value: Some(value) }),
            ..Default::default()
        }
    }

    #[test]
    fn attributes_serialize_every_value_kind() {
        let list = vec![
            kv("s", Some(Value::StringValue("a \"quoted\"\nline".into()))),
            kv("b", Some(Value::BoolValue(true))),
            kv("i", Some(Value::IntValue(-7))),
            kv("d", Some(Value::DoubleValue(1.5))),
            kv("nan", Some(Value::DoubleValue(f64::NAN))),
            kv("bytes", Some(Value::BytesValue(vec![0xde, 0xad]))),
            kv(
                "array",
                Some(Value::ArrayValue(ArrayValue {
                    values: vec![
                        AnyValue {
                            value: Some(Value::IntValue(1)),
                        },
                        AnyValue { value: None },
                        AnyValue {
                            value: Some(Value::StringValue("x".into())),
                        },
                    ],
                })),
            ),
            kv(
                "map",
                Some(Value::KvlistValue(KeyValueList {
                    values: vec![kv("inner", Some(Value::BoolValue(false)))],
                })),
            ),
            kv("absent", None),
            kv("strindex", Some(Value::StringValueStrindex(3))),
        ];
        let written = serde_json::to_value(Attributes(&list)).expect("serializes");
        assert_eq!(
            written,
            json!({
                "s": "a \"quoted\"\nline", "b": true, "i": -7, "d": 1.5, "nan": null,
                "bytes": "dead", "array": [1, "x"], "map": {"inner": false},
                "absent": null, "strindex": "strindex:3",
            })
        );
    }

    #[test]
    fn text_quotes_nothing_but_non_strings() {
        let string = AnyValue {
            value: Some(Value::StringValue("plain".into())),
        };
        let number = AnyValue {
            value: Some(Value::IntValue(42)),
        };
        assert_eq!(text(&string), "plain");
        assert_eq!(text(&number), "42");
    }
}
