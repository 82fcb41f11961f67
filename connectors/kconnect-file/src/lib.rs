//! FileStreamSource and FileStreamSink connectors, with the configs and offsets of the Java ones.
//!
//! * [`FileStreamSourceConnector`] reads lines from a file (or standard input) and produces one
//!   record per line to a topic. Its source partition is `{"filename": <file>}` and its source
//!   offset `{"position": <bytes consumed>}`, so offsets written by this implementation and by
//!   the Java one for ASCII files are interchangeable (see [`source`] for non-ASCII input).
//! * [`FileStreamSinkConnector`] appends the string form of every record value, one per line,
//!   to a file (or standard output).
//!
//! Both are registered under the Java class names and aliases exported here, so existing
//! connector configurations work unchanged.

pub mod sink;
pub mod source;

pub use sink::{FileStreamSinkConnector, FileStreamSinkTask};
pub use source::{FileStreamSourceConnector, FileStreamSourceTask};

/// The `file` key shared by both connectors: the file to read or write; unset or empty means
/// standard input (source) or standard output (sink).
pub const FILE_CONFIG: &str = "file";

/// Java class name of the source connector.
pub const FILE_STREAM_SOURCE_CONNECTOR_CLASS: &str =
    "org.apache.kafka.connect.file.FileStreamSourceConnector";

/// Java class name of the source task (the `task.class` of its task configurations).
pub const FILE_STREAM_SOURCE_TASK_CLASS: &str =
    "org.apache.kafka.connect.file.FileStreamSourceTask";

/// Short names accepted for the source connector in `connector.class`.
pub const FILE_STREAM_SOURCE_ALIASES: [&str; 2] = ["FileStreamSource", "FileStreamSourceConnector"];

/// Java class name of the sink connector.
pub const FILE_STREAM_SINK_CONNECTOR_CLASS: &str =
    "org.apache.kafka.connect.file.FileStreamSinkConnector";

/// Java class name of the sink task (the `task.class` of its task configurations).
pub const FILE_STREAM_SINK_TASK_CLASS: &str = "org.apache.kafka.connect.file.FileStreamSinkTask";

/// Short names accepted for the sink connector in `connector.class`.
pub const FILE_STREAM_SINK_ALIASES: [&str; 2] = ["FileStreamSink", "FileStreamSinkConnector"];

/// The version both connectors report: this crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Turns an optional `file` value into a path: `None` when unset or empty (standard streams).
fn file_path(value: Option<&str>) -> Option<String> {
    value.filter(|f| !f.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_the_simple_class_names() {
        let simple = |class: &str| class.rsplit('.').next().map(str::to_string);
        assert_eq!(
            simple(FILE_STREAM_SOURCE_CONNECTOR_CLASS).as_deref(),
            Some(FILE_STREAM_SOURCE_ALIASES[1])
        );
        assert_eq!(
            simple(FILE_STREAM_SINK_CONNECTOR_CLASS).as_deref(),
            Some(FILE_STREAM_SINK_ALIASES[1])
        );
    }

    #[test]
    fn empty_file_means_standard_stream() {
        assert_eq!(file_path(None), None);
        assert_eq!(file_path(Some("")), None);
        assert_eq!(file_path(Some("/tmp/x")).as_deref(), Some("/tmp/x"));
    }
}
