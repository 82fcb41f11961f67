//! Herders: the control plane that decides which connectors run. The REST layer talks only to
//! the [`Herder`] trait, so the same API serves standalone mode (everything in this process)
//! and distributed mode (state in Kafka topics, work spread over a group of workers).

pub mod cluster_id;
pub mod config_store;
pub mod distributed;
pub mod error;
pub mod passwords;
pub mod plugin_info;
pub mod standalone;
pub mod types;
pub mod validation;

use std::collections::BTreeMap;

use async_trait::async_trait;
use kconnect_api::ConfigMap;

pub use error::{HerderError, HerderResult};
pub use standalone::StandaloneHerder;
pub use types::*;

use crate::task::TaskId;
use crate::worker::TargetState;

/// Every operation the REST API needs, independent of the deployment mode.
///
/// Methods return Java's error kinds ([`HerderError`]): `NotFound` for unknown connectors and
/// tasks, `AlreadyExists` for duplicate names, `BadRequest` for invalid input, `Conflict` when
/// a distributed herder cannot serve the request right now. Messages are the ones Java's
/// herders produce, so clients that match on them keep working.
#[async_trait]
pub trait Herder: Send + Sync {
    /// This worker's id (`host:port`), as shown in statuses.
    fn worker_id(&self) -> String;

    /// The Kafka cluster id of the brokers, if it is known.
    async fn kafka_cluster_id(&self) -> Option<String>;

    /// Whether startup has finished (`GET /health` answers 503 until then).
    fn is_ready(&self) -> bool;

    /// Names of all connectors, sorted.
    async fn connectors(&self) -> HerderResult<Vec<String>>;

    /// A connector's configuration (passwords hidden), task ids and type.
    /// `NotFound("Connector <c> not found")` if unknown.
    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo>;

    /// A connector's configuration as stored (passwords hidden).
    async fn connector_config(&self, name: &str) -> HerderResult<ConfigMap>;

    /// Creates a connector, or replaces its configuration when `allow_replace` (PUT
    /// `/connectors/{c}/config`). `config` must already contain `name`. The configuration is
    /// validated first; errors give `BadRequest` with every problem listed, as Java does.
    /// `initial_state` applies only when the connector is created (default: running).
    async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        initial_state: Option<TargetState>,
        allow_replace: bool,
    ) -> HerderResult<Created<ConnectorInfo>>;

    /// Merges `patch` into an existing configuration (a `None` value removes the key), then
    /// applies it like [`put_connector_config`](Self::put_connector_config).
    async fn patch_connector_config(
        &self,
        name: &str,
        patch: BTreeMap<String, Option<String>>,
    ) -> HerderResult<ConnectorInfo>;

    /// Stops and removes a connector, its tasks and their statuses.
    async fn delete_connector(&self, name: &str) -> HerderResult<()>;

    /// The status of a connector and its tasks.
    /// `NotFound("No status found for connector <c>")` if unknown.
    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStateInfo>;

    /// The status of one task. `NotFound("No status found for task <c>-<n>")` if unknown.
    async fn task_status(&self, id: &TaskId) -> HerderResult<TaskState>;

    /// The configurations of a connector's tasks (passwords hidden).
    async fn task_configs(&self, name: &str) -> HerderResult<Vec<TaskInfo>>;

    /// Pauses a connector and its tasks (idempotent).
    async fn pause_connector(&self, name: &str) -> HerderResult<()>;

    /// Resumes a paused or stopped connector (idempotent); a stopped one regenerates its tasks.
    async fn resume_connector(&self, name: &str) -> HerderResult<()>;

    /// Stops a connector: shuts its tasks down and removes their configurations (idempotent).
    async fn stop_connector(&self, name: &str) -> HerderResult<()>;

    /// Restarts only the connector instance (legacy restart, `204`); task configurations are
    /// regenerated and tasks restarted if they changed.
    async fn restart_connector(&self, name: &str) -> HerderResult<()>;

    /// KIP-745 restart: restarts the connector and/or tasks selected by the request and
    /// returns the planned state (selected instances shown as `RESTARTING`).
    async fn restart_connector_and_tasks(
        &self,
        request: &RestartRequest,
    ) -> HerderResult<ConnectorStateInfo>;

    /// Restarts one task with its current configuration.
    async fn restart_task(&self, id: &TaskId) -> HerderResult<()>;

    /// The connector's committed offsets (source partitions, or its consumer group's).
    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets>;

    /// Alters offsets of a STOPPED connector (KIP-875); `BadRequest` otherwise.
    async fn alter_connector_offsets(
        &self,
        name: &str,
        offsets: ConnectorOffsets,
    ) -> HerderResult<Message>;

    /// Removes every offset of a STOPPED connector (KIP-875).
    async fn reset_connector_offsets(&self, name: &str) -> HerderResult<Message>;

    /// Validates a connector configuration key by key (`ConfigInfos`), without creating
    /// anything. `BadRequest` if `connector.class` is missing or unknown.
    async fn validate_connector_config(&self, config: ConfigMap) -> HerderResult<ConfigInfos>;

    /// Installed plugins; only connectors when `connectors_only`.
    fn connector_plugins(&self, connectors_only: bool) -> Vec<PluginInfo>;

    /// The configuration keys of a plugin (class name or alias).
    /// `NotFound("Unknown plugin <p>.")` if unknown.
    fn plugin_config(&self, plugin: &str) -> HerderResult<Vec<ConfigKeyInfo>>;

    /// Topics the connector has used since creation or the last reset (sorted).
    async fn connector_active_topics(&self, name: &str) -> HerderResult<Vec<String>>;

    /// Forgets the connector's active topics.
    async fn reset_connector_active_topics(&self, name: &str) -> HerderResult<()>;

    /// The internal endpoint `POST /connectors/{c}/tasks` (kafka-connect-spec.md §1.6): a worker delivers the
    /// task configurations its connector generated. `body` is the request body as received
    /// (signatures cover these bytes) and `signature` the `X-Connect-Authorization` and
    /// algorithm headers, when sent. Standalone workers refuse it, as Java's do.
    async fn put_task_configs(
        &self,
        name: &str,
        tasks: Vec<ConfigMap>,
        body: &[u8],
        signature: Option<(String, String)>,
    ) -> HerderResult<()> {
        let _ = (name, tasks, body, signature);
        Err(HerderError::Internal(
            "Kafka Connect in standalone mode does not support externally setting task configurations."
                .into(),
        ))
    }

    /// Applies a log level to every worker of the cluster (`scope=cluster`). Standalone: this
    /// worker only.
    async fn set_cluster_logger_level(&self, namespace: &str, level: &str) -> HerderResult<()>;
}

/// Applies a `PATCH /connectors/{c}/config` body to connector `name`'s configuration: a value
/// sets its key, `null` removes it; the name stays (Java's semantics).
pub(crate) fn apply_patch(
    config: &mut ConfigMap,
    name: &str,
    patch: BTreeMap<String, Option<String>>,
) {
    for (k, v) in patch {
        match v {
            Some(v) => config.insert(k, v),
            None => config.remove(&k),
        };
    }
    config
        .entry(crate::config::keys::NAME.into())
        .or_insert_with(|| name.to_string());
}

/// Whether a configuration's `connector.class` names a source or a sink connector of
/// `registry` (`Unknown` when it names none).
pub(crate) fn connector_kind(
    registry: &crate::plugins::Registry,
    config: &ConfigMap,
) -> ConnectorKind {
    match config
        .get(crate::config::keys::CONNECTOR_CLASS)
        .and_then(|c| registry.connector(c))
    {
        Some((_, crate::plugins::ConnectorFactory::Source(_))) => ConnectorKind::Source,
        Some((_, crate::plugins::ConnectorFactory::Sink(_))) => ConnectorKind::Sink,
        None => ConnectorKind::Unknown,
    }
}
