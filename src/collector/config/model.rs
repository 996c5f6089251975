//! The parts of a Collector config the lint reasons about: the components defined in each
//! section, the pipelines under `service::pipelines` and the `service::extensions` list, each
//! with the YAML line it came from.

use super::yaml::Node;
use std::fmt;

/// A section of the config that defines components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Receiver,
    Processor,
    Exporter,
    Connector,
    Extension,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Receiver,
        Kind::Processor,
        Kind::Exporter,
        Kind::Connector,
        Kind::Extension,
    ];

    /// The top-level key that defines components of this kind (`receivers`, ...).
    pub fn section(self) -> &'static str {
        match self {
            Kind::Receiver => "receivers",
            Kind::Processor => "processors",
            Kind::Exporter => "exporters",
            Kind::Connector => "connectors",
            Kind::Extension => "extensions",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Receiver => "receiver",
            Kind::Processor => "processor",
            Kind::Exporter => "exporter",
            Kind::Connector => "connector",
            Kind::Extension => "extension",
        })
    }
}

/// A component defined in its section, e.g. `otlp/backend` under `exporters`.
#[derive(Debug, Clone)]
pub struct Component {
    pub kind: Kind,
    /// The full id, `type[/name]`.
    pub id: String,
    /// The line of the id.
    pub line: usize,
    /// Its settings (a null node when written as `batch:`).
    pub settings: Node,
}

impl Component {
    /// The component type: the id before the first `/`.
    pub fn component_type(&self) -> &str {
        component_type(&self.id)
    }
}

/// The type part of a component id (`otlp` of `otlp/backend`).
pub fn component_type(id: &str) -> &str {
    id.split_once('/').map_or(id, |(kind, _)| kind).trim()
}

/// One mention of a component id in a pipeline or in `service::extensions`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub id: String,
    pub line: usize,
}

/// One pipeline under `service::pipelines`.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// `traces`, `metrics/internal`, ...
    pub id: String,
    pub line: usize,
    pub receivers: Vec<Reference>,
    pub processors: Vec<Reference>,
    pub exporters: Vec<Reference>,
}

/// What the lint knows about one config file.
#[derive(Debug, Clone, Default)]
pub struct CollectorConfig {
    pub components: Vec<Component>,
    pub pipelines: Vec<Pipeline>,
    /// `service::extensions`.
    pub extensions: Vec<Reference>,
}

impl CollectorConfig {
    /// Reads the sections of a parsed document; anything not shaped like a Collector config is
    /// simply absent (a config without pipelines leaves every component unused).
    pub fn from_document(root: &Node) -> Self {
        let mut components = Vec::new();
        for kind in Kind::ALL {
            let Some(section) = root.get(kind.section()) else {
                continue;
            };
            for (key, settings) in section.entries() {
                components.push(Component {
                    kind,
                    id: key.text.trim().to_string(),
                    line: key.line,
                    settings: settings.clone(),
                });
            }
        }
        let service = root.get("service");
        let pipelines = service
            .and_then(|s| s.get("pipelines"))
            .map(|pipelines| {
                pipelines
                    .entries()
                    .iter()
                    .map(|(key, body)| Pipeline {
                        id: key.text.trim().to_string(),
                        line: key.line,
                        receivers: references(body.get("receivers")),
                        processors: references(body.get("processors")),
                        exporters: references(body.get("exporters")),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let extensions = references(service.and_then(|s| s.get("extensions")));
        CollectorConfig {
            components,
            pipelines,
            extensions,
        }
    }

    /// The component of `kind` with exactly this id.
    pub fn find(&self, kind: Kind, id: &str) -> Option<&Component> {
        self.components
            .iter()
            .find(|c| c.kind == kind && c.id == id)
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Component> {
        self.components.iter().filter(move |c| c.kind == kind)
    }

    /// Whether `id` is a defined connector (connectors stand in for receivers and exporters).
    pub fn is_connector(&self, id: &str) -> bool {
        self.find(Kind::Connector, id).is_some()
    }
}

/// The ids of a list such as `receivers: [otlp, jaeger]`; a single scalar counts as one.
fn references(node: Option<&Node>) -> Vec<Reference> {
    let Some(node) = node else {
        return Vec::new();
    };
    if let Some(id) = node.as_str() {
        return vec![Reference {
            id: id.trim().to_string(),
            line: node.line,
        }];
    }
    node.items()
        .iter()
        .filter_map(|item| {
            item.as_str().map(|id| Reference {
                id: id.trim().to_string(),
                line: item.line,
            })
        })
        .collect()
}
