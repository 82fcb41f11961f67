//! Connectors: configure a job and split it into task configurations.

use async_trait::async_trait;

use super::task::{SinkTask, SourceTask};
use crate::config::{ConfigDef, ConfigMap, ConfigValueReport};
use crate::error::ConnectResult;
use crate::record::{OffsetMap, TopicPartition};

/// What a connector can ask of the runtime.
pub trait ConnectorContext: Send + Sync {
    /// Asks the runtime to call `task_configs` again and restart tasks if they changed.
    fn request_task_reconfiguration(&self);
    /// Reports an unrecoverable error; the connector is marked FAILED.
    fn raise_error(&self, error: crate::ConnectError);
}

/// Behaviour shared by source and sink connectors.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The plugin version reported by the REST API.
    fn version(&self) -> String;

    /// The connector's own configuration keys.
    fn config_def(&self) -> ConfigDef;

    /// Validates a configuration; by default against [`config_def`](Self::config_def).
    fn validate(&self, props: &ConfigMap) -> Vec<ConfigValueReport> {
        self.config_def().validate(props)
    }

    /// Starts the connector with its configuration.
    async fn start(
        &mut self,
        context: std::sync::Arc<dyn ConnectorContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()>;

    /// The configurations of up to `max_tasks` tasks.
    fn task_configs(&self, max_tasks: usize) -> ConnectResult<Vec<ConfigMap>>;

    /// The Java class name of the task (the `task.class` entry of task configs).
    fn task_class(&self) -> &'static str;

    /// Stops the connector.
    async fn stop(&mut self) -> ConnectResult<()>;
}

/// Whether a source connector can give exactly-once guarantees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExactlyOnceSupport {
    /// Supported.
    Supported,
    /// Not supported.
    Unsupported,
}

/// A connector that reads from an external system into Kafka.
#[async_trait]
pub trait SourceConnector: Connector {
    /// A new, unstarted task.
    fn create_task(&self) -> Box<dyn SourceTask>;

    /// Exactly-once support for this configuration; `None` if unknown.
    fn exactly_once_support(&self, _props: &ConfigMap) -> Option<ExactlyOnceSupport> {
        None
    }

    /// Checks (and applies to external storage, if any) an offsets change requested through
    /// the REST API. `Ok(true)` means the connector handled everything; `Ok(false)` that only
    /// framework-managed offsets changed.
    fn alter_offsets(
        &self,
        _props: &ConfigMap,
        _offsets: &[(OffsetMap, Option<OffsetMap>)],
    ) -> ConnectResult<bool> {
        Ok(false)
    }
}

/// A connector that writes from Kafka into an external system.
#[async_trait]
pub trait SinkConnector: Connector {
    /// A new, unstarted task.
    fn create_task(&self) -> Box<dyn SinkTask>;

    /// Checks an offsets change requested through the REST API (see
    /// [`SourceConnector::alter_offsets`]).
    fn alter_offsets(
        &self,
        _props: &ConfigMap,
        _offsets: &[(TopicPartition, Option<i64>)],
    ) -> ConnectResult<bool> {
        Ok(false)
    }
}
