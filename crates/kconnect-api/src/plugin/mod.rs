//! The traits plugins implement. Connectors and tasks are async (they talk to external
//! systems); converters, transformations and predicates are synchronous and run per record.

mod connector;
mod converter;
mod task;
mod transform;

pub use connector::{
    Connector, ConnectorContext, ExactlyOnceSupport, SinkConnector, SourceConnector,
};
pub use converter::{Converter, HeaderConverter};
pub use task::{
    ErrantRecordReporter, OffsetStorageReader, RecordMetadata, SinkTask, SinkTaskContext,
    SourceTask, SourceTaskContext,
};
pub use transform::{Predicate, Transformation};

/// What kind of plugin something is (the `type` field of `/connector-plugins`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PluginType {
    /// A source connector.
    Source,
    /// A sink connector.
    Sink,
    /// A key/value converter.
    Converter,
    /// A header converter.
    HeaderConverter,
    /// A single message transformation.
    Transformation,
    /// A predicate for conditional transformations.
    Predicate,
}

impl PluginType {
    /// The name the REST API reports (`source`, `sink`, `converter`, `header_converter`,
    /// `transformation`, `predicate`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Sink => "sink",
            Self::Converter => "converter",
            Self::HeaderConverter => "header_converter",
            Self::Transformation => "transformation",
            Self::Predicate => "predicate",
        }
    }
}
