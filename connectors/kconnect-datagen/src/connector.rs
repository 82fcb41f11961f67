//! The source connector: checks the configuration and splits the sequence between tasks.

use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::plugin::{
    Connector, ConnectorContext, ExactlyOnceSupport, SourceConnector, SourceTask,
};
use kconnect_api::record::OffsetMap;
use kconnect_api::{ConfigDef, ConfigMap, ConnectError, ConnectResult};
use tracing::info;

use crate::config::{config_def, DatagenConfig, TASK_COUNT_CONFIG, TASK_ID_CONFIG};
use crate::task::{DatagenTask, ITERATION_FIELD, TASK_ID_FIELD};
use crate::{DATAGEN_TASK_CLASS, VERSION};

/// Generates records of a configurable shape (`io.kconnect.datagen.DatagenConnector`).
///
/// With `tasks.max = n`, task `t` generates the sequence numbers `t, t + n, t + 2n, ...`, so
/// tasks never overlap and together generate every number below `max.records`. Fewer tasks
/// than `tasks.max` run when `max.records` is smaller.
#[derive(Debug, Default)]
pub struct DatagenConnector {
    props: Option<ConfigMap>,
    max_records: Option<u64>,
}

impl DatagenConnector {
    /// A connector that has not been started.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Connector for DatagenConnector {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }

    async fn start(
        &mut self,
        _context: Arc<dyn ConnectorContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()> {
        let config = DatagenConfig::parse(props)?;
        info!(
            "Starting datagen connector: {:?} records to {}, {}",
            config.shape,
            config.topic,
            config
                .max_records
                .map_or("no limit".to_string(), |m| format!("{m} in all"))
        );
        self.max_records = config.max_records;
        self.props = Some(props.clone());
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> ConnectResult<Vec<ConfigMap>> {
        let props = self
            .props
            .as_ref()
            .ok_or_else(|| ConnectError::other("DatagenConnector has not been started"))?;
        let mut tasks = max_tasks.max(1) as u64;
        if let Some(max) = self.max_records {
            tasks = tasks.min(max.max(1));
        }
        Ok((0..tasks)
            .map(|t| {
                let mut config = props.clone();
                config.insert(TASK_ID_CONFIG.into(), t.to_string());
                config.insert(TASK_COUNT_CONFIG.into(), tasks.to_string());
                config
            })
            .collect())
    }

    fn task_class(&self) -> &'static str {
        DATAGEN_TASK_CLASS
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

#[async_trait]
impl SourceConnector for DatagenConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(DatagenTask::new())
    }

    /// Records are a function of their sequence number and resumption is exact, so
    /// exactly-once delivery is possible.
    fn exactly_once_support(&self, _props: &ConfigMap) -> Option<ExactlyOnceSupport> {
        Some(ExactlyOnceSupport::Supported)
    }

    /// Accepts offsets a task can resume from: partitions with a `task.id`, offsets with a
    /// non-negative integer `current.iteration` (or null, to start over).
    fn alter_offsets(
        &self,
        props: &ConfigMap,
        offsets: &[(OffsetMap, Option<OffsetMap>)],
    ) -> ConnectResult<bool> {
        DatagenConfig::parse(props)?;
        for (partition, offset) in offsets {
            if partition
                .get(TASK_ID_FIELD)
                .and_then(|v| v.as_i64())
                .is_none()
            {
                return Err(ConnectError::other(format!(
                    "Every source partition must contain an integer '{TASK_ID_FIELD}'"
                )));
            }
            let Some(offset) = offset else { continue };
            match offset.get(ITERATION_FIELD).and_then(|v| v.as_i64()) {
                Some(i) if i >= 0 => {}
                _ => {
                    return Err(ConnectError::other(format!(
                        "A source offset must be null or contain a non-negative integer \
                         '{ITERATION_FIELD}'"
                    )))
                }
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::{source_offset, source_partition};
    use kconnect_api::{config_map, Value};

    struct NoContext;

    impl ConnectorContext for NoContext {
        fn request_task_reconfiguration(&self) {}
        fn raise_error(&self, _error: ConnectError) {}
    }

    #[tokio::test]
    async fn splits_into_numbered_tasks() {
        let mut connector = DatagenConnector::new();
        assert!(connector.task_configs(1).is_err());
        let config = config_map(&[("kafka.topic", "t"), ("name", "gen")]);
        connector.start(Arc::new(NoContext), &config).await.unwrap();
        let tasks = connector.task_configs(3).unwrap();
        assert_eq!(tasks.len(), 3);
        for (t, task) in tasks.iter().enumerate() {
            assert_eq!(task[TASK_ID_CONFIG], t.to_string());
            assert_eq!(task[TASK_COUNT_CONFIG], "3");
            assert_eq!(task["name"], "gen");
            let parsed = DatagenConfig::parse(task).unwrap();
            assert_eq!((parsed.task_id, parsed.task_count), (t as u64, 3));
        }
        assert_eq!(connector.task_class(), "io.kconnect.datagen.DatagenTask");
    }

    #[tokio::test]
    async fn no_more_tasks_than_records() {
        let mut connector = DatagenConnector::new();
        let config = config_map(&[("kafka.topic", "t"), ("max.records", "2")]);
        connector.start(Arc::new(NoContext), &config).await.unwrap();
        assert_eq!(connector.task_configs(8).unwrap().len(), 2);
        assert_eq!(connector.task_configs(0).unwrap().len(), 1);
    }

    #[tokio::test]
    async fn start_rejects_bad_config() {
        let err = DatagenConnector::new()
            .start(
                Arc::new(NoContext),
                &config_map(&[("kafka.topic", "t"), ("seed", "x")]),
            )
            .await
            .unwrap_err();
        match err {
            ConnectError::Config(e) => assert_eq!(e.key.as_deref(), Some("seed")),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn offsets_are_checked() {
        let c = DatagenConnector::new();
        let config = config_map(&[("kafka.topic", "t")]);
        let good = [(source_partition(1), Some(source_offset(10)))];
        assert!(c.alter_offsets(&config, &good).unwrap());
        assert!(c
            .alter_offsets(&config, &[(source_partition(0), None)])
            .unwrap());
        let mut negative = OffsetMap::new();
        negative.insert(ITERATION_FIELD.into(), Value::Int64(-3));
        assert!(c
            .alter_offsets(&config, &[(source_partition(0), Some(negative))])
            .is_err());
        assert!(c
            .alter_offsets(&config, &[(OffsetMap::new(), Some(source_offset(1)))])
            .is_err());
    }

    #[test]
    fn every_key_is_documented() {
        let def = DatagenConnector::new().config_def();
        assert!(def.keys().all(|k| !k.documentation.is_empty()));
    }
}
