//! Turning OTLP values into what people and scripts read: attribute maps, service names, ids.

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use serde_json::{Map, Value as Json};

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
        Some(other) => json_of(other).to_string(),
        None => String::new(),
    }
}

/// Attributes as a JSON object.
pub fn attributes(attributes: &[KeyValue]) -> Json {
    let mut map = Map::new();
    for kv in attributes {
        let value = kv
            .value
            .as_ref()
            .and_then(|v| v.value.as_ref())
            .map(json_of)
            .unwrap_or(Json::Null);
        map.insert(kv.key.clone(), value);
    }
    Json::Object(map)
}

fn json_of(value: &Value) -> Json {
    match value {
        Value::StringValue(s) => Json::from(s.clone()),
        Value::BoolValue(b) => Json::from(*b),
        Value::IntValue(i) => Json::from(*i),
        Value::DoubleValue(d) => Json::from(*d),
        Value::BytesValue(b) => Json::from(const_hex::encode(b)),
        Value::ArrayValue(array) => Json::Array(
            array
                .values
                .iter()
                .filter_map(|v| v.value.as_ref())
                .map(json_of)
                .collect(),
        ),
        Value::KvlistValue(list) => attributes(&list.values),
        // An index into a profile's string table: meaningless outside profiles.
        Value::StringValueStrindex(index) => Json::from(format!("strindex:{index}")),
    }
}

/// Lowercase hex, empty for an absent id.
pub fn id(bytes: &[u8]) -> String {
    const_hex::encode(bytes)
}
