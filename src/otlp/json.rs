//! OTLP/JSON encoding of export requests (spec: <https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding>).
//!
//! `opentelemetry-proto`'s serde derive already gets the OTLP-specific parts right: hex trace and
//! span ids, lowerCamelCase keys, enums as integers, 64-bit integers as decimal strings, `bytesValue`
//! in base64. What it gets wrong is the proto3 JSON rule that absent fields are left out: unset
//! message fields come out as `null` (`"resource": null`, `"status": null`, `"min": null`) and
//! every default value is written (`"parentSpanId": ""`, `"startTimeUnixNano": "0"`,
//! `"events": []`). [`to_value`] serializes with serde and then drops those members, keeping the
//! ones whose presence carries meaning (the `oneof` members of `AnyValue` and of data points, and the
//! `optional` histogram `sum`/`min`/`max`).
//!
//! Not fixed, because the probes never contain it: a non-finite double outside the few fields
//! the crate special-cases (e.g. `asDouble` or a histogram `max` of NaN or ±Infinity) is written
//! by serde_json as `null` instead of `"NaN"`/`"Infinity"`, and so ends up left out.

use super::error::OtlpError;
use super::payload::ExportRequest;
use serde_json::{Map, Value};

/// Members never dropped, whatever their value: `oneof` members (an attribute whose value is `""`,
/// `false` or `0` is still that value) and proto3 `optional` fields, which have presence.
const PRESENCE_KEYS: &[&str] = &[
    // common.v1.AnyValue
    "stringValue",
    "boolValue",
    "intValue",
    "doubleValue",
    "arrayValue",
    "kvlistValue",
    "bytesValue",
    // metrics.v1.NumberDataPoint / Exemplar
    "asDouble",
    "asInt",
    // metrics.v1.HistogramDataPoint / ExponentialHistogramDataPoint `optional double`
    "sum",
    "min",
    "max",
];

/// The 64-bit integer fields of the OTLP messages serde writes as strings, so their default is `"0"`.
const STRING_U64_KEYS: &[&str] = &[
    "timeUnixNano",
    "startTimeUnixNano",
    "endTimeUnixNano",
    "observedTimeUnixNano",
    "count",
    "zeroCount",
];

/// The request as an OTLP/JSON value.
pub fn to_value(request: &ExportRequest) -> Result<Value, OtlpError> {
    let value = match request {
        ExportRequest::Traces(request) => serde_json::to_value(request),
        ExportRequest::Metrics(request) => serde_json::to_value(request),
        ExportRequest::Logs(request) => serde_json::to_value(request),
    }
    .map_err(|source| OtlpError::Json {
        signal: request.signal(),
        source,
    })?;
    Ok(drop_absent(value))
}

/// The request as an OTLP/JSON body.
pub fn to_vec(request: &ExportRequest) -> Result<Vec<u8>, OtlpError> {
    let value = to_value(request)?;
    serde_json::to_vec(&value).map_err(|source| OtlpError::Json {
        signal: request.signal(),
        source,
    })
}

/// Removes `null`s and default values from every object, recursively.
fn drop_absent(value: Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(key, value)| !is_absent(key, value))
                .map(|(key, value)| (key, drop_absent(value)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(drop_absent).collect()),
        other => other,
    }
}

fn is_absent(key: &str, value: &Value) -> bool {
    if value.is_null() {
        return true;
    }
    if PRESENCE_KEYS.contains(&key) {
        return false;
    }
    match value {
        Value::String(text) => text.is_empty() || (text == "0" && STRING_U64_KEYS.contains(&key)),
        Value::Bool(flag) => !flag,
        Value::Number(number) => number.as_f64() == Some(0.0),
        Value::Array(items) => items.is_empty(),
        // An empty message is still a present message (`"status": {}`).
        Value::Object(_) | Value::Null => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::payload::ProbeData;
    use crate::settings::Signal;
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
    use opentelemetry_proto::tonic::metrics::v1::{
        HistogramDataPoint, NumberDataPoint, number_data_point,
    };

    /// `opentelemetry-proto/examples/trace.json` (open-telemetry/opentelemetry-proto, commit
    /// ca6170ef02a5c2561ab0f5c9da274f6b713dd3ea), the example the OTLP spec points to.
    const SPEC_TRACE_EXAMPLE: &str = r#"{
  "resourceSpans": [
    {
      "resource": {
        "attributes": [
          {
            "key": "service.name",
            "value": {
              "stringValue": "my.service"
            }
          }
        ]
      },
      "scopeSpans": [
        {
          "scope": {
            "name": "my.library",
            "version": "1.0.0",
            "attributes": [
              {
                "key": "my.scope.attribute",
                "value": {
                  "stringValue": "some scope attribute"
                }
              }
            ]
          },
          "spans": [
            {
              "traceId": "5B8EFFF798038103D269B633813FC60C",
              "spanId": "EEE19B7EC3C1B174",
              "parentSpanId": "EEE19B7EC3C1B173",
              "name": "I'm a server span",
              "startTimeUnixNano": 1544712660000000000,
              "endTimeUnixNano": 1544712661000000000,
              "kind": 2,
              "attributes": [
                {
                  "key": "my.span.attr",
                  "value": {
                    "stringValue": "some value"
                  }
                }
              ]
            }
          ]
        }
      ]
    }
  ]
}"#;

    /// `opentelemetry-proto/examples/logs.json` (open-telemetry/opentelemetry-proto, commit
    /// 36ea555013eacfbe68fc479014d3532e4650af8e), shortened to the attribute kinds that matter.
    const SPEC_LOGS_EXAMPLE: &str = r#"{
  "resourceLogs": [
    {
      "resource": {
        "attributes": [
          { "key": "service.name", "value": { "stringValue": "my.service" } }
        ]
      },
      "scopeLogs": [
        {
          "scope": { "name": "my.library", "version": "1.0.0" },
          "logRecords": [
            {
              "timeUnixNano": 1544712660300000000,
              "observedTimeUnixNano": 1544712660300000000,
              "severityText": "Information",
              "traceId": "5B8EFFF798038103D269B633813FC60C",
              "spanId": "EEE19B7EC3C1B174",
              "body": { "stringValue": "Example log record" },
              "attributes": [
                { "key": "boolean.attribute", "value": { "boolValue": true } },
                { "key": "int.attribute", "value": { "intValue": 10 } },
                { "key": "double.attribute", "value": { "doubleValue": 637.704 } },
                {
                  "key": "array.attribute",
                  "value": {
                    "arrayValue": {
                      "values": [ { "stringValue": "many" }, { "stringValue": "values" } ]
                    }
                  }
                },
                {
                  "key": "map.attribute",
                  "value": {
                    "kvlistValue": {
                      "values": [
                        { "key": "some.map.key", "value": { "stringValue": "some value" } }
                      ]
                    }
                  }
                }
              ]
            }
          ]
        }
      ]
    }
  ]
}"#;

    /// `opentelemetry-proto/examples/metrics.json` (open-telemetry/opentelemetry-proto, commit
    /// 2487cf36c9a3a377840dde91043bdb90df06df01), its sum and histogram.
    const SPEC_METRICS_EXAMPLE: &str = r#"{
  "resourceMetrics": [
    {
      "resource": {
        "attributes": [
          { "key": "service.name", "value": { "stringValue": "my.service" } }
        ]
      },
      "scopeMetrics": [
        {
          "scope": { "name": "my.library", "version": "1.0.0" },
          "metrics": [
            {
              "name": "my.counter",
              "unit": "1",
              "description": "I`m a Counter",
              "sum": {
                "aggregationTemporality": 1,
                "isMonotonic": true,
                "dataPoints": [
                  {
                    "asDouble": 5,
                    "startTimeUnixNano": 1544712660300000000,
                    "timeUnixNano": 1544712660300000000,
                    "attributes": [
                      { "key": "my.counter.attr", "value": { "stringValue": "some value" } }
                    ]
                  }
                ]
              }
            },
            {
              "name": "my.histogram",
              "unit": "1",
              "description": "I`m a Histogram",
              "histogram": {
                "aggregationTemporality": 1,
                "dataPoints": [
                  {
                    "startTimeUnixNano": 1544712660300000000,
                    "timeUnixNano": 1544712660300000000,
                    "count": 3,
                    "sum": 3,
                    "bucketCounts": [1,1,1],
                    "explicitBounds": [1],
                    "min": 1,
                    "max": 1
                  }
                ]
              }
            }
          ]
        }
      ]
    }
  ]
}"#;

    fn probe_json(signal: Signal) -> (ProbeData, Value) {
        let probe = ProbeData {
            count: 2,
            ..ProbeData::new()
        };
        let value = to_value(&ExportRequest::probe(signal, &probe)).expect("encodes");
        (probe, value)
    }

    fn first_span(value: &Value) -> &Value {
        &value["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    }

    fn walk_keys<'a>(value: &'a Value, keys: &mut Vec<&'a str>) {
        match value {
            Value::Object(members) => {
                for (key, member) in members {
                    keys.push(key);
                    walk_keys(member, keys);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk_keys(item, keys)),
            _ => {}
        }
    }

    fn has_null(value: &Value) -> bool {
        match value {
            Value::Null => true,
            Value::Object(members) => members.values().any(has_null),
            Value::Array(items) => items.iter().any(has_null),
            _ => false,
        }
    }

    #[test]
    fn ids_are_hex_strings() {
        let (probe, value) = probe_json(Signal::Traces);
        let spans = value["resourceSpans"][0]["scopeSpans"][0]["spans"]
            .as_array()
            .expect("spans");
        assert_eq!(spans[0]["traceId"], probe.trace_id_hex());
        for span in spans {
            let span_id = span["spanId"].as_str().expect("span id is a string");
            assert_eq!(span_id.len(), 16);
            assert!(span_id.chars().all(|c| c.is_ascii_hexdigit()));
        }
        assert_eq!(spans[1]["parentSpanId"], spans[0]["spanId"]);
        // The root has no parent: no `"parentSpanId": ""`.
        assert!(spans[0].get("parentSpanId").is_none());

        let (probe, logs) = probe_json(Signal::Logs);
        let record = &logs["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
        assert_eq!(record["traceId"], probe.trace_id_hex());
        assert_eq!(record["spanId"].as_str().map(str::len), Some(16));
    }

    #[test]
    fn keys_are_lower_camel_case() {
        for signal in Signal::ALL {
            let (_, value) = probe_json(signal);
            let mut keys = Vec::new();
            walk_keys(&value, &mut keys);
            assert!(keys.contains(&"timeUnixNano") || keys.contains(&"startTimeUnixNano"));
            for key in keys {
                assert!(!key.contains('_'), "{signal}: {key}");
                assert!(
                    key.starts_with(|c: char| c.is_ascii_lowercase()),
                    "{signal}: {key}"
                );
            }
        }
    }

    #[test]
    fn enums_are_integers_and_timestamps_strings() {
        let (_, traces) = probe_json(Signal::Traces);
        let span = first_span(&traces);
        assert_eq!(span["kind"], 2);
        assert_eq!(span["status"]["code"], 1);
        assert!(
            span["startTimeUnixNano"]
                .as_str()
                .is_some_and(|t| t.parse::<u64>().is_ok())
        );
        assert!(span["endTimeUnixNano"].is_string());
        assert_eq!(span["attributes"][0]["value"]["intValue"], "0");

        let (_, logs) = probe_json(Signal::Logs);
        let record = &logs["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
        assert_eq!(record["severityNumber"], 9);
        assert!(record["timeUnixNano"].is_string());
        assert!(record["observedTimeUnixNano"].is_string());

        let (_, metrics) = probe_json(Signal::Metrics);
        let point = &metrics["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["gauge"]["dataPoints"]
            [0];
        assert!(point["timeUnixNano"].is_string());
        assert_eq!(point["asInt"], "1");
    }

    #[test]
    fn absent_fields_are_left_out() {
        for signal in Signal::ALL {
            let (_, value) = probe_json(signal);
            assert!(!has_null(&value), "{signal}: {value}");
            let text = value.to_string();
            assert!(
                !text.contains(r#":"""#),
                "{signal}: an empty string is written"
            );
            assert!(!text.contains(":[]"), "{signal}: an empty list is written");
        }
    }

    #[test]
    fn values_whose_presence_matters_are_kept() {
        let kept = drop_absent(serde_json::json!({
            "key": "k",
            "value": {"stringValue": ""},
            "other": {"intValue": "0", "boolValue": false},
            "point": {"asDouble": 0.0, "sum": 0.0, "min": null, "startTimeUnixNano": "0"},
            "status": {}
        }));
        assert_eq!(
            kept,
            serde_json::json!({
                "key": "k",
                "value": {"stringValue": ""},
                "other": {"intValue": "0", "boolValue": false},
                "point": {"asDouble": 0.0, "sum": 0.0},
                "status": {}
            })
        );
    }

    #[test]
    fn every_probe_round_trips_through_serde() {
        let probe = ProbeData {
            count: 3,
            attributes: vec![("empty".to_string(), String::new())],
            ..ProbeData::new()
        };
        for signal in Signal::ALL {
            let request = ExportRequest::probe(signal, &probe);
            let bytes = to_vec(&request).expect("encodes");
            let back = match signal {
                Signal::Traces => serde_json::from_slice::<ExportTraceServiceRequest>(&bytes)
                    .map(ExportRequest::Traces),
                Signal::Metrics => serde_json::from_slice::<ExportMetricsServiceRequest>(&bytes)
                    .map(ExportRequest::Metrics),
                Signal::Logs => serde_json::from_slice::<ExportLogsServiceRequest>(&bytes)
                    .map(ExportRequest::Logs),
            };
            assert_eq!(back.expect("decodes"), request, "{signal}");
        }
    }

    #[test]
    fn data_point_oneofs_and_optionals_survive() {
        let point = NumberDataPoint {
            value: Some(number_data_point::Value::AsInt(0)),
            ..Default::default()
        };
        let value = drop_absent(serde_json::to_value(&point).expect("encodes"));
        assert_eq!(value, serde_json::json!({"asInt": "0"}));
        let histogram = HistogramDataPoint {
            sum: Some(0.0),
            count: 0,
            ..Default::default()
        };
        let value = drop_absent(serde_json::to_value(&histogram).expect("encodes"));
        assert_eq!(value, serde_json::json!({"sum": 0.0}));
        let attribute = KeyValue {
            key: "flag".to_string(),
            value: Some(AnyValue {
                value: Some(any_value::Value::BoolValue(false)),
            }),
            ..Default::default()
        };
        let value = drop_absent(serde_json::to_value(&attribute).expect("encodes"));
        assert_eq!(
            value,
            serde_json::json!({"key": "flag", "value": {"boolValue": false}})
        );
    }

    #[test]
    fn the_spec_examples_decode() {
        let traces: ExportTraceServiceRequest =
            serde_json::from_str(SPEC_TRACE_EXAMPLE).expect("the spec's trace.json decodes");
        let span = &traces.resource_spans[0].scope_spans[0].spans[0];
        assert_eq!(
            hex::encode_upper(&span.trace_id),
            "5B8EFFF798038103D269B633813FC60C"
        );
        assert_eq!(hex::encode_upper(&span.parent_span_id), "EEE19B7EC3C1B173");
        assert_eq!(span.kind, 2);
        assert_eq!(span.start_time_unix_nano, 1_544_712_660_000_000_000);

        let logs: ExportLogsServiceRequest =
            serde_json::from_str(SPEC_LOGS_EXAMPLE).expect("the spec's logs.json decodes");
        let record = &logs.resource_logs[0].scope_logs[0].log_records[0];
        assert_eq!(record.span_id.len(), 8);
        assert_eq!(record.attributes.len(), 5);

        let metrics: ExportMetricsServiceRequest =
            serde_json::from_str(SPEC_METRICS_EXAMPLE).expect("the spec's metrics.json decodes");
        assert_eq!(
            ExportRequest::Metrics(metrics).item_count(),
            2,
            "one sum point and one histogram point"
        );
    }

    #[test]
    fn our_trace_json_has_the_spec_example_shape() {
        // Same members, same types as the spec example, apart from the string timestamps the
        // proto3 JSON mapping prefers (the example uses numbers; receivers take both).
        let example: Value = serde_json::from_str(SPEC_TRACE_EXAMPLE).expect("example parses");
        let (_, ours) = probe_json(Signal::Traces);
        let (example_span, our_span) = (first_span(&example), first_span(&ours));
        for key in ["traceId", "spanId", "name", "kind", "attributes"] {
            assert_eq!(
                std::mem::discriminant(&example_span[key]),
                std::mem::discriminant(&our_span[key]),
                "{key}"
            );
        }
        assert!(ours["resourceSpans"][0]["resource"]["attributes"].is_array());
        assert!(ours["resourceSpans"][0]["scopeSpans"][0]["scope"]["name"].is_string());
    }
}
