//! The FileStreamSink connector: appends the string form of each record value, one per line,
//! to a file or to standard output.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::config::{ConfigKey, ConfigType, Importance};
use kconnect_api::plugin::{Connector, ConnectorContext, SinkConnector, SinkTask, SinkTaskContext};
use kconnect_api::{
    ConfigDef, ConfigError, ConfigMap, ConnectError, ConnectResult, SinkRecord, TopicPartition,
};
use tokio::fs::OpenOptions;
use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};
use tracing::info;

use crate::{file_path, FILE_CONFIG, FILE_STREAM_SINK_TASK_CLASS, VERSION};

/// The sink connector's own configuration keys. The standard sink keys (`topics`,
/// `topics.regex`, dead letter queue settings) are defined and checked by the runtime; keys
/// not listed here are ignored.
pub fn sink_config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(FILE_CONFIG, ConfigType::String)
            .default_null()
            .importance(Importance::High)
            .doc("File to append record values to, one per line; created if missing. When unset or empty, values are written to standard output."),
    )
}

/// A parsed sink configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkConfig {
    /// The file to append to; `None` for standard output.
    pub file: Option<String>,
}

impl SinkConfig {
    /// Parses a connector or task configuration.
    pub fn parse(props: &ConfigMap) -> Result<Self, ConfigError> {
        let parsed = sink_config_def().parse(props)?;
        Ok(Self {
            file: file_path(parsed.string(FILE_CONFIG)),
        })
    }
}

/// Writes record values to a file or standard output (Java
/// `org.apache.kafka.connect.file.FileStreamSinkConnector`). Runs `tasks.max` tasks with
/// identical configurations; they all append to the same file.
#[derive(Debug, Default)]
pub struct FileStreamSinkConnector {
    props: Option<ConfigMap>,
}

impl FileStreamSinkConnector {
    /// A connector that has not been started.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for FileStreamSinkConnector {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ConfigDef {
        sink_config_def()
    }

    async fn start(
        &mut self,
        _context: Arc<dyn ConnectorContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        let config = SinkConfig::parse(props)?;
        info!(
            "Starting file sink connector writing to {}",
            config.file.as_deref().unwrap_or("standard output")
        );
        self.props = Some(props.clone());
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> ConnectResult<Vec<ConfigMap>> {
        let props = self
            .props
            .as_ref()
            .ok_or_else(|| ConnectError::other("FileStreamSinkConnector has not been started"))?;
        Ok(vec![props.clone(); max_tasks])
    }

    fn task_class(&self) -> &'static str {
        FILE_STREAM_SINK_TASK_CLASS
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

#[async_trait]
impl SinkConnector for FileStreamSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(FileStreamSinkTask::new())
    }

    /// The connector keeps no offsets of its own, so any change is fine.
    fn alter_offsets(
        &self,
        _props: &ConfigMap,
        _offsets: &[(TopicPartition, Option<i64>)],
    ) -> ConnectResult<bool> {
        Ok(true)
    }
}

/// Capacity of the write buffer in front of the file.
const WRITE_BUFFER: usize = 64 * 1024;

/// Largest text buffer kept between batches; a larger one (an unusually big batch) is
/// released so that one burst does not pin its memory.
const KEPT_TEXT: usize = 4 * 1024 * 1024;

type Output = BufWriter<Box<dyn AsyncWrite + Unpin + Send>>;

/// Appends record values to a file or standard output (Java
/// `org.apache.kafka.connect.file.FileStreamSinkTask`).
///
/// The file is opened (created if needed) in append mode when the task starts. Each record
/// becomes its value's Java `String.valueOf` rendering followed by `\n`; null values are
/// written as `null`. Each batch given to `put` is rendered into one buffer and written to
/// the file before `put` returns, so readers see every record put so far, as with Java's
/// task (which prints each record straight to the file). Nothing is `fsync`ed.
pub struct FileStreamSinkTask {
    output: Option<Output>,
    /// Where the output goes, for error messages.
    target: String,
    /// The rendered batch, kept to be reused by the next one.
    text: String,
}

impl Default for FileStreamSinkTask {
    fn default() -> Self {
        Self::new()
    }
}

impl FileStreamSinkTask {
    /// A task that has not been started.
    pub fn new() -> Self {
        Self {
            output: None,
            target: String::new(),
            text: String::new(),
        }
    }

    fn output(&mut self) -> ConnectResult<&mut Output> {
        self.output
            .as_mut()
            .ok_or_else(|| ConnectError::other("FileStreamSinkTask is not running"))
    }

    fn write_error(&self, err: std::io::Error) -> ConnectError {
        ConnectError::other(format!("Error writing to {}: {err}", self.target))
    }
}

#[async_trait]
impl SinkTask for FileStreamSinkTask {
    async fn start(
        &mut self,
        _context: Arc<dyn SinkTaskContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        let config = SinkConfig::parse(props)?;
        let writer: Box<dyn AsyncWrite + Unpin + Send> = match &config.file {
            None => Box::new(tokio::io::stdout()),
            Some(path) => Box::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .await
                    .map_err(|e| {
                        ConnectError::other(format!(
                            "Couldn't find or create file '{path}' for FileStreamSinkTask: {e}"
                        ))
                    })?,
            ),
        };
        self.target = config.file.unwrap_or_else(|| "standard output".into());
        self.output = Some(BufWriter::with_capacity(WRITE_BUFFER, writer));
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> ConnectResult<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        for record in &records {
            writeln!(text, "{}", record.record.value)
                .map_err(|e| ConnectError::data(format!("Cannot render a record value: {e}")))?;
        }
        let output = self.output()?;
        let mut result = output.write_all(text.as_bytes()).await;
        if result.is_ok() {
            result = output.flush().await;
        }
        if text.capacity() <= KEPT_TEXT {
            self.text = text;
        }
        result.map_err(|e| self.write_error(e))
    }

    async fn flush(&mut self, _offsets: &HashMap<TopicPartition, i64>) -> ConnectResult<()> {
        let result = self.output()?.flush().await;
        result.map_err(|e| self.write_error(e))
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        let Some(mut output) = self.output.take() else {
            return Ok(());
        };
        // Dropping the writer afterwards closes the file (standard output stays open).
        output.flush().await.map_err(|e| self.write_error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn file_is_optional_and_other_keys_are_ignored() {
        let props = config_map(&[("topics", "a,b"), ("name", "sink"), ("file", " /tmp/o ")]);
        assert_eq!(
            SinkConfig::parse(&props).unwrap().file.as_deref(),
            Some("/tmp/o")
        );
        assert_eq!(SinkConfig::parse(&ConfigMap::new()).unwrap().file, None);
    }

    struct NoContext;

    impl ConnectorContext for NoContext {
        fn request_task_reconfiguration(&self) {}
        fn raise_error(&self, _error: ConnectError) {}
    }

    #[tokio::test]
    async fn identical_task_configs() {
        let mut connector = FileStreamSinkConnector::new();
        assert!(connector.task_configs(2).is_err());
        let props = config_map(&[("topics", "t"), ("file", "/tmp/out"), ("name", "sink")]);
        connector.start(Arc::new(NoContext), &props).await.unwrap();
        assert_eq!(connector.task_configs(3).unwrap(), vec![props.clone(); 3]);
        assert_eq!(
            connector.task_class(),
            "org.apache.kafka.connect.file.FileStreamSinkTask"
        );
        assert_eq!(connector.version(), env!("CARGO_PKG_VERSION"));
        let offsets = [
            (TopicPartition::new("t", 0), Some(5)),
            (TopicPartition::new("t", 1), None),
        ];
        assert!(connector.alter_offsets(&props, &offsets).unwrap());
        let def = connector.config_def();
        assert!(def.keys().all(|k| !k.documentation.is_empty()));
        assert!(connector
            .validate(&props)
            .iter()
            .all(|r| r.errors.is_empty()));
        connector.stop().await.unwrap();
    }
}
