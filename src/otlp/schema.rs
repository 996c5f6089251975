//! The shape of every OTLP message, read once from the descriptor set that `opentelemetry-proto`'s
//! generated types were built from (its `DESCRIPTORS`). [`super::wire_check`] walks a body against
//! it, so the field numbers, wire types and nesting it checks are the generated types' own, never
//! a copy kept by hand.

use crate::settings::Signal;
use prost::Message;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FileDescriptorSet};
use std::collections::HashMap;
use std::sync::OnceLock;

/// How a field travels on the wire and what prost checks when it decodes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Varint,
    Fixed32,
    Fixed64,
    /// Length-delimited bytes, taken as they are.
    Bytes,
    /// Length-delimited bytes that must be UTF-8.
    String,
    /// A nested message: the index of its [`MessageShape`].
    Message(usize),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldShape {
    pub kind: FieldKind,
    /// Repeated numeric fields arrive packed or one by one; prost takes both.
    pub repeated: bool,
    /// Each occurrence is one item of the signal (a span, a data point, a log record).
    pub item: bool,
    /// The slot of the oneof this field belongs to, when its members carry items: the last member
    /// set wins, so only its items count (as they do after a decode).
    pub counted_oneof: Option<usize>,
}

/// The oneofs with items a message may have; OTLP has one (`Metric.data`).
pub(crate) const MAX_COUNTED_ONEOFS: usize = 2;

#[derive(Debug, Clone, Default)]
pub(crate) struct MessageShape {
    /// Indexed by field number; field numbers in OTLP are small.
    fields: Vec<Option<FieldShape>>,
}

impl MessageShape {
    pub(crate) fn field(&self, number: u32) -> Option<&FieldShape> {
        self.fields
            .get(usize::try_from(number).ok()?)
            .and_then(Option::as_ref)
    }
}

/// Every OTLP message, with the export request of each signal as a root.
#[derive(Debug)]
pub(crate) struct Schema {
    messages: Vec<MessageShape>,
    roots: [usize; 3],
}

/// The export requests, and the fields whose every occurrence is one item.
const ROOTS: [(Signal, &str); 3] = [
    (
        Signal::Traces,
        "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest",
    ),
    (
        Signal::Metrics,
        "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest",
    ),
    (
        Signal::Logs,
        "opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest",
    ),
];
const ITEM_FIELDS: [(&str, &str); 7] = [
    ("opentelemetry.proto.trace.v1.ScopeSpans", "spans"),
    ("opentelemetry.proto.logs.v1.ScopeLogs", "log_records"),
    ("opentelemetry.proto.metrics.v1.Gauge", "data_points"),
    ("opentelemetry.proto.metrics.v1.Sum", "data_points"),
    ("opentelemetry.proto.metrics.v1.Histogram", "data_points"),
    (
        "opentelemetry.proto.metrics.v1.ExponentialHistogram",
        "data_points",
    ),
    ("opentelemetry.proto.metrics.v1.Summary", "data_points"),
];

impl Schema {
    /// The schema of the OTLP types this build decodes into.
    pub(crate) fn otlp() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            Schema::from_descriptors(opentelemetry_proto::DESCRIPTORS)
                .unwrap_or_else(|e| panic!("opentelemetry-proto's own descriptor set: {e}"))
        })
    }

    pub(crate) fn root(&self, signal: Signal) -> usize {
        let position = ROOTS.iter().position(|(s, _)| *s == signal);
        self.roots[position.unwrap_or_default()]
    }

    pub(crate) fn message(&self, index: usize) -> &MessageShape {
        &self.messages[index]
    }

    fn from_descriptors(bytes: &[u8]) -> Result<Schema, String> {
        let set = FileDescriptorSet::decode(bytes).map_err(|e| e.to_string())?;
        let mut named = Vec::new();
        for file in &set.file {
            for message in &file.message_type {
                collect(file.package(), message, &mut named);
            }
        }
        let index: HashMap<String, usize> = named
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.clone(), i))
            .collect();
        let find = |name: &str| {
            index
                .get(name)
                .copied()
                .ok_or_else(|| format!("no message {name}"))
        };
        let mut messages = Vec::with_capacity(named.len());
        for (name, descriptor) in &named {
            messages.push(shape(name, descriptor, &find)?);
        }
        let mut roots = [0; 3];
        for (root, (_, name)) in roots.iter_mut().zip(ROOTS) {
            *root = find(name)?;
        }
        let mut schema = Schema { messages, roots };
        schema.mark_counted_oneofs(&named)?;
        Ok(schema)
    }

    /// Gives each oneof whose members lead to items a slot, so the walk counts only its last
    /// member.
    fn mark_counted_oneofs(&mut self, named: &[(String, &DescriptorProto)]) -> Result<(), String> {
        let carries = self.carrying_items();
        for (index, (name, descriptor)) in named.iter().enumerate() {
            let mut slots: Vec<i32> = Vec::new();
            for field in &descriptor.field {
                let (Some(oneof), Ok(number)) = (field.oneof_index, u32::try_from(field.number()))
                else {
                    continue;
                };
                let Some(shape) = self.messages[index].field(number).copied() else {
                    continue;
                };
                let FieldKind::Message(target) = shape.kind else {
                    continue;
                };
                if !carries[target] {
                    continue;
                }
                let slot = match slots.iter().position(|&o| o == oneof) {
                    Some(slot) => slot,
                    None => {
                        slots.push(oneof);
                        slots.len() - 1
                    }
                };
                if slot >= MAX_COUNTED_ONEOFS {
                    return Err(format!(
                        "{name} has more than {MAX_COUNTED_ONEOFS} oneofs with items"
                    ));
                }
                if let Some(Some(field)) = self.messages[index].fields.get_mut(number as usize) {
                    field.counted_oneof = Some(slot);
                }
            }
        }
        Ok(())
    }

    /// Which messages have items somewhere inside them.
    fn carrying_items(&self) -> Vec<bool> {
        let mut carries: Vec<bool> = self
            .messages
            .iter()
            .map(|m| m.fields.iter().flatten().any(|f| f.item))
            .collect();
        // OTLP nests a few levels deep; repeat until nothing changes.
        loop {
            let mut changed = false;
            for (index, message) in self.messages.iter().enumerate() {
                if carries[index] {
                    continue;
                }
                let leads = message.fields.iter().flatten().any(|f| match f.kind {
                    FieldKind::Message(target) => carries[target],
                    _ => false,
                });
                if leads {
                    carries[index] = true;
                    changed = true;
                }
            }
            if !changed {
                return carries;
            }
        }
    }
}

/// A message and its nested messages under their full names.
fn collect<'d>(
    scope: &str,
    message: &'d DescriptorProto,
    into: &mut Vec<(String, &'d DescriptorProto)>,
) {
    let name = format!("{scope}.{}", message.name());
    for nested in &message.nested_type {
        collect(&name, nested, into);
    }
    into.push((name, message));
}

fn shape(
    name: &str,
    descriptor: &DescriptorProto,
    find: &dyn Fn(&str) -> Result<usize, String>,
) -> Result<MessageShape, String> {
    let mut fields: Vec<Option<FieldShape>> = Vec::new();
    for field in &descriptor.field {
        let number = usize::try_from(field.number())
            .map_err(|_| format!("{name}.{} has number {}", field.name(), field.number()))?;
        let kind = match field.r#type() {
            Type::Int64
            | Type::Uint64
            | Type::Int32
            | Type::Bool
            | Type::Uint32
            | Type::Enum
            | Type::Sint32
            | Type::Sint64 => FieldKind::Varint,
            Type::Fixed32 | Type::Sfixed32 | Type::Float => FieldKind::Fixed32,
            Type::Fixed64 | Type::Sfixed64 | Type::Double => FieldKind::Fixed64,
            Type::String => FieldKind::String,
            Type::Bytes => FieldKind::Bytes,
            Type::Message => FieldKind::Message(find(field.type_name().trim_start_matches('.'))?),
            Type::Group => return Err(format!("{name}.{} is a group", field.name())),
        };
        if fields.len() <= number {
            fields.resize(number + 1, None);
        }
        fields[number] = Some(FieldShape {
            kind,
            repeated: field.label() == Label::Repeated,
            item: ITEM_FIELDS.contains(&(name, field.name())),
            counted_oneof: None,
        });
    }
    Ok(MessageShape { fields })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_otlp_descriptors_give_every_signal_a_root_and_items() {
        let schema = Schema::otlp();
        for signal in Signal::ALL {
            let root = schema.message(schema.root(signal));
            let resources = root.field(1).expect("the resource list is field 1");
            assert!(matches!(resources.kind, FieldKind::Message(_)) && resources.repeated);
        }
        let items = schema
            .messages
            .iter()
            .flat_map(|m| m.fields.iter().flatten())
            .filter(|f| f.item)
            .count();
        assert_eq!(items, ITEM_FIELDS.len());
    }

    #[test]
    fn the_metric_data_oneof_counts_only_its_last_member() {
        let schema = Schema::otlp();
        let counted: Vec<usize> = schema
            .messages
            .iter()
            .filter(|m| m.fields.iter().flatten().any(|f| f.counted_oneof.is_some()))
            .map(|m| {
                m.fields
                    .iter()
                    .flatten()
                    .filter(|f| f.counted_oneof.is_some())
                    .count()
            })
            .collect();
        // Metric: gauge, sum, histogram, exponential_histogram, summary.
        assert_eq!(counted, vec![5]);
    }
}
