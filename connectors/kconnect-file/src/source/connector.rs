//! The source connector: checks the configuration, hands it to its single task, and vets
//! offset changes requested through the REST API.

use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::plugin::{
    Connector, ConnectorContext, ExactlyOnceSupport, SourceConnector, SourceTask,
};
use kconnect_api::record::OffsetMap;
use kconnect_api::{ConfigDef, ConfigMap, ConnectError, ConnectResult, Value};
use tracing::info;

use super::config::{source_config_def, SourceConfig, FILENAME_FIELD, POSITION_FIELD};
use super::task::FileStreamSourceTask;
use crate::{file_path, FILE_CONFIG, FILE_STREAM_SOURCE_TASK_CLASS, VERSION};

/// Reads lines from a file or standard input (Java
/// `org.apache.kafka.connect.file.FileStreamSourceConnector`). Always runs exactly one task,
/// whose configuration is the connector's.
#[derive(Debug, Default)]
pub struct FileStreamSourceConnector {
    props: Option<ConfigMap>,
}

impl FileStreamSourceConnector {
    /// A connector that has not been started.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for FileStreamSourceConnector {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ConfigDef {
        source_config_def()
    }

    async fn start(
        &mut self,
        _context: Arc<dyn ConnectorContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        let config = SourceConfig::parse(props)?;
        info!(
            "Starting file source connector reading from {}",
            config.file.as_deref().unwrap_or("standard input")
        );
        self.props = Some(props.clone());
        Ok(())
    }

    /// One task whatever `max_tasks` is: a single reader per file makes sense.
    fn task_configs(&self, _max_tasks: usize) -> ConnectResult<Vec<ConfigMap>> {
        let props = self
            .props
            .clone()
            .ok_or_else(|| ConnectError::other("FileStreamSourceConnector has not been started"))?;
        Ok(vec![props])
    }

    fn task_class(&self) -> &'static str {
        FILE_STREAM_SOURCE_TASK_CLASS
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

#[async_trait]
impl SourceConnector for FileStreamSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(FileStreamSourceTask::new())
    }

    /// Supported when reading a real file (as long as it is only appended to); unsupported
    /// for standard input, whose position is not tracked.
    fn exactly_once_support(&self, props: &ConfigMap) -> Option<ExactlyOnceSupport> {
        Some(match file_path(props.get(FILE_CONFIG).map(|f| f.trim())) {
            Some(_) => ExactlyOnceSupport::Supported,
            None => ExactlyOnceSupport::Unsupported,
        })
    }

    /// Accepts offsets the task can resume from: `file` must be set; every non-null offset
    /// needs a non-negative integer `position`, and its partition a `filename`. Like Java,
    /// tombstones (null offsets) are accepted for any partition, so that stray offsets can be
    /// cleaned up. Whether the position fits the file is left to the task.
    fn alter_offsets(
        &self,
        props: &ConfigMap,
        offsets: &[(OffsetMap, Option<OffsetMap>)],
    ) -> ConnectResult<bool> {
        let config = SourceConfig::parse(props)?;
        if config.file.is_none() {
            return Err(ConnectError::other(format!(
                "Offsets cannot be modified when '{FILE_CONFIG}' is unset: the connector then \
                 reads standard input and keeps no offsets"
            )));
        }
        for (partition, offset) in offsets {
            let Some(offset) = offset else { continue };
            check_position(offset.get(POSITION_FIELD))?;
            if !partition.contains_key(FILENAME_FIELD) {
                return Err(ConnectError::other(format!(
                    "Every source partition must contain the key '{FILENAME_FIELD}'"
                )));
            }
        }
        Ok(true)
    }
}

/// Checks the `position` of a requested offset.
fn check_position(position: Option<&Value>) -> ConnectResult<()> {
    let Some(position) = position else {
        return Err(ConnectError::other(format!(
            "A source offset must be null or contain the key '{POSITION_FIELD}'"
        )));
    };
    match position.as_i64() {
        Some(p) if p >= 0 => Ok(()),
        Some(_) => Err(ConnectError::other(format!(
            "The '{POSITION_FIELD}' of a source offset must not be negative"
        ))),
        None => Err(ConnectError::other(format!(
            "The '{POSITION_FIELD}' of a source offset must be an integer, not {}",
            position.java_class_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::config::{source_offset, source_partition};
    use kconnect_api::config_map;

    struct NoContext;

    impl ConnectorContext for NoContext {
        fn request_task_reconfiguration(&self) {}
        fn raise_error(&self, _error: ConnectError) {}
    }

    #[tokio::test]
    async fn one_task_with_the_connector_config() {
        let mut connector = FileStreamSourceConnector::new();
        assert!(connector.task_configs(1).is_err());
        let config = config_map(&[("topic", "t"), ("file", "/tmp/in"), ("name", "src")]);
        connector.start(Arc::new(NoContext), &config).await.unwrap();
        assert_eq!(connector.task_configs(5).unwrap(), vec![config.clone()]);
        assert_eq!(connector.task_configs(1).unwrap(), vec![config]);
        assert_eq!(
            connector.task_class(),
            "org.apache.kafka.connect.file.FileStreamSourceTask"
        );
        assert_eq!(connector.version(), env!("CARGO_PKG_VERSION"));
        connector.stop().await.unwrap();
    }

    #[tokio::test]
    async fn start_rejects_bad_config() {
        let mut connector = FileStreamSourceConnector::new();
        let err = connector
            .start(Arc::new(NoContext), &config_map(&[("file", "/tmp/in")]))
            .await
            .unwrap_err();
        match err {
            ConnectError::Config(e) => assert_eq!(e.key.as_deref(), Some("topic")),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn validate_reports_each_key() {
        let reports = FileStreamSourceConnector::new()
            .validate(&config_map(&[("topic", ""), ("batch.size", "0")]));
        let names: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["file", "topic", "batch.size"]);
        assert!(reports[0].errors.is_empty());
        assert_eq!(reports[1].errors.len(), 1);
        assert_eq!(
            reports[2].errors,
            ["Invalid value 0 for configuration batch.size: Value must be at least 1"]
        );
        let def = FileStreamSourceConnector::new().config_def();
        assert!(def.keys().all(|k| !k.documentation.is_empty()));
    }

    #[test]
    fn exactly_once_needs_a_file() {
        let connector = FileStreamSourceConnector::new();
        let with_file = config_map(&[("topic", "t"), ("file", "/tmp/in")]);
        let stdin = config_map(&[("topic", "t"), ("file", "  ")]);
        assert_eq!(
            connector.exactly_once_support(&with_file),
            Some(ExactlyOnceSupport::Supported)
        );
        assert_eq!(
            connector.exactly_once_support(&stdin),
            Some(ExactlyOnceSupport::Unsupported)
        );
    }

    #[test]
    fn alter_offsets_checks_partitions_and_positions() {
        let connector = FileStreamSourceConnector::new();
        let config = config_map(&[("topic", "t"), ("file", "/tmp/in")]);
        let good = vec![
            (source_partition("/tmp/in"), Some(source_offset(10))),
            (source_partition("/tmp/old"), None),
            (OffsetMap::new(), None),
        ];
        assert!(connector.alter_offsets(&config, &good).unwrap());

        let stdin = config_map(&[("topic", "t")]);
        assert!(connector.alter_offsets(&stdin, &good).is_err());

        let mut no_position = OffsetMap::new();
        no_position.insert("pos".into(), Value::Int64(1));
        let mut string_position = OffsetMap::new();
        string_position.insert(POSITION_FIELD.into(), Value::from("1"));
        let bad = [
            (source_partition("/tmp/in"), Some(source_offset(-1))),
            (source_partition("/tmp/in"), Some(no_position)),
            (source_partition("/tmp/in"), Some(string_position)),
            (OffsetMap::new(), Some(source_offset(0))),
        ];
        for case in bad {
            let err = connector.alter_offsets(&config, std::slice::from_ref(&case));
            assert!(err.is_err(), "{case:?} accepted");
        }

        let mut int_position = OffsetMap::new();
        int_position.insert(POSITION_FIELD.into(), Value::Int32(3));
        let ok = [(source_partition("/tmp/in"), Some(int_position))];
        assert!(connector.alter_offsets(&config, &ok).unwrap());
    }
}
