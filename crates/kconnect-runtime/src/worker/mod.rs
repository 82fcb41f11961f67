//! The worker: starts and stops connectors and their tasks in this process. Every change of
//! a connector (create, target state, restart, reconfigure, delete) goes through one lock, so
//! lifecycle operations never interleave; readers use a snapshot that is never locked for
//! long, so the REST API stays responsive while a connector is starting or stopping. Calls
//! into connector code run off the runtime's worker threads, under a deadline
//! ([`plugin_call`]).

mod assigned;
pub mod connector_context;
pub mod fence;
mod lifecycle;
pub mod offsets;
pub mod plugin_call;
mod restart_backoff;
mod runners;
pub mod status;
pub mod supervisor;
mod tasks;

pub use assigned::GeneratedTasks;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use kconnect_api::plugin::{SinkConnector, SourceConnector};
use kconnect_api::{ConfigError, ConfigMap, ConnectError, ConnectResult};
use tokio::sync::{mpsc, watch, Mutex};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::keys::CONNECTOR_CLASS;
use crate::config::{ConnectorConfig, ConnectorType, WorkerConfig};
use crate::pipeline::{TaskConverters, TransformChain};
use crate::plugins::{ConnectorFactory, Registry};
use crate::storage::{internal_json::InternalJson, OffsetStore};
use crate::task::topic_creation;
use connector_context::WorkerConnectorContext;
use fence::TaskFence;
use status::{State, StatusStore};

/// What a connector should be doing (kafka-connect-spec.md §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    /// Running.
    Started,
    /// Paused: tasks keep their resources but move no data.
    Paused,
    /// Stopped: the connector is shut down and has no tasks.
    Stopped,
}

impl TargetState {
    /// The status a connector shows once it reached this target.
    pub fn connector_state(self) -> State {
        match self {
            Self::Started => State::Running,
            Self::Paused => State::Paused,
            Self::Stopped => State::Stopped,
        }
    }

    /// Java's name of the target state (`STARTED`, `PAUSED`, `STOPPED`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Started => "STARTED",
            Self::Paused => "PAUSED",
            Self::Stopped => "STOPPED",
        }
    }

    /// Parses Java's name of a target state.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "STARTED" => Some(Self::Started),
            "PAUSED" => Some(Self::Paused),
            "STOPPED" => Some(Self::Stopped),
            _ => None,
        }
    }
}

enum Instance {
    Source(Box<dyn SourceConnector>),
    Sink(Box<dyn SinkConnector>),
}

struct RunningTask {
    /// Asks the task to stop.
    cancel: CancellationToken,
    /// Silences the task once it is given up on.
    fence: TaskFence,
    handle: JoinHandle<()>,
    /// The task configuration it started with.
    config: ConfigMap,
}

/// A connector this worker knows: its configuration, the started instance (if any) and its
/// tasks.
struct ConnectorEntry {
    config: ConnectorConfig,
    factory: ConnectorFactory,
    target: watch::Sender<TargetState>,
    instance: Option<Instance>,
    /// The context of the started instance.
    context: Option<Arc<WorkerConnectorContext>>,
    task_configs: Vec<ConfigMap>,
    tasks: BTreeMap<u32, RunningTask>,
    /// Whether the connector instance belongs to this worker (always, standalone; in a
    /// cluster, when the group assigned it here).
    owned: bool,
    /// In a cluster, the task numbers the group assigned to this worker (standalone: unused,
    /// every task runs here).
    assigned: BTreeSet<u32>,
}

/// What readers see of a connector.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorSnapshot {
    /// Its configuration as given.
    pub config: ConfigMap,
    /// Source or sink.
    pub connector_type: ConnectorType,
    /// Current task configurations (empty when stopped).
    pub task_configs: Vec<ConfigMap>,
    /// Target state.
    pub target: TargetState,
}

/// Runs connectors and tasks.
pub struct Worker {
    config: WorkerConfig,
    registry: Registry,
    status: Arc<StatusStore>,
    offsets: Arc<dyn OffsetStore>,
    json: Arc<InternalJson>,
    connectors: Mutex<BTreeMap<String, ConnectorEntry>>,
    snapshots: RwLock<BTreeMap<String, ConnectorSnapshot>>,
    operations: Arc<Mutex<()>>,
    plugin_timeout: Duration,
    reconfiguration: mpsc::UnboundedSender<String>,
    reconfiguration_requests: std::sync::Mutex<Option<mpsc::UnboundedReceiver<String>>>,
    /// In a cluster, where generated task configurations go (to be committed to the config
    /// topic); `None` standalone, where the worker starts them itself.
    cluster: Option<mpsc::UnboundedSender<assigned::GeneratedTasks>>,
}

/// Java's message for a connector configuration with `problems`.
pub fn invalid_config_message(problems: &[impl AsRef<str>]) -> String {
    let problems: Vec<&str> = problems.iter().map(AsRef::as_ref).collect();
    format!(
        "Connector configuration is invalid and contains the following {} error(s):\n{}\nYou can also find the above list of errors at the endpoint `/connector-plugins/{{connectorType}}/config/validate`",
        problems.len(),
        problems.join("\n")
    )
}

fn config_errors(problems: Vec<String>) -> ConnectError {
    ConnectError::Config(ConfigError::general(invalid_config_message(&problems)))
}

impl Worker {
    /// A worker with its configuration, plugins and offsets store.
    pub fn new(
        config: WorkerConfig,
        registry: Registry,
        status: Arc<StatusStore>,
        offsets: Arc<dyn OffsetStore>,
    ) -> Self {
        let (reconfiguration, requests) = mpsc::unbounded_channel();
        Self {
            config,
            registry,
            status,
            offsets,
            json: Arc::new(InternalJson::new()),
            connectors: Mutex::new(BTreeMap::new()),
            snapshots: RwLock::new(BTreeMap::new()),
            operations: Arc::new(Mutex::new(())),
            plugin_timeout: plugin_call::PLUGIN_CALL_TIMEOUT,
            reconfiguration,
            reconfiguration_requests: std::sync::Mutex::new(Some(requests)),
            cluster: None,
        }
    }

    /// Sets how long a call into connector code may take (default
    /// [`plugin_call::PLUGIN_CALL_TIMEOUT`]).
    pub fn with_plugin_timeout(mut self, timeout: Duration) -> Self {
        self.plugin_timeout = timeout;
        self
    }

    /// How long a call into connector code may take.
    pub fn plugin_timeout(&self) -> Duration {
        self.plugin_timeout
    }

    /// The lock every operation on connectors holds from start to end: the herder's (REST
    /// API, startup) and the supervisor's automatic restarts. Take it before any lifecycle
    /// method; never inside one.
    pub fn operations(&self) -> &Arc<Mutex<()>> {
        &self.operations
    }

    /// The worker configuration.
    pub fn config(&self) -> &WorkerConfig {
        &self.config
    }

    /// The plugin registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The status store.
    pub fn status(&self) -> &Arc<StatusStore> {
        &self.status
    }

    /// Names of the connectors this worker runs.
    pub fn connector_names(&self) -> Vec<String> {
        self.snapshots
            .read()
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// What this worker knows of a connector, without waiting for lifecycle operations.
    pub fn snapshot(&self, name: &str) -> Option<ConnectorSnapshot> {
        self.snapshots.read().ok()?.get(name).cloned()
    }

    fn publish(&self, name: &str, entry: Option<&ConnectorEntry>) {
        if let Ok(mut s) = self.snapshots.write() {
            match entry {
                Some(e) => {
                    s.insert(
                        name.to_string(),
                        ConnectorSnapshot {
                            config: e.config.raw.clone(),
                            connector_type: e.config.connector_type,
                            task_configs: e.task_configs.clone(),
                            target: *e.target.borrow(),
                        },
                    );
                }
                None => {
                    s.remove(name);
                }
            }
        }
    }

    /// Validates a connector configuration completely (framework keys, the connector's own
    /// keys, converters, transformations, topic creation) without starting anything. The
    /// connector's own validation runs under the plugin call deadline.
    pub async fn validate(
        &self,
        props: &ConfigMap,
    ) -> ConnectResult<(ConnectorConfig, ConnectorFactory)> {
        self.validate_resolved(props)
            .await
            .map_err(|e| e.redacted(&self.config.providers.redactions(props)))
    }

    async fn validate_resolved(
        &self,
        props: &ConfigMap,
    ) -> ConnectResult<(ConnectorConfig, ConnectorFactory)> {
        let (config, factory) = self.resolve(props)?;
        let props = &config.props;
        let what = format!("Connector {}: validate()", config.name());
        let (own, factory_props) = (factory.clone(), props.clone());
        let reports = plugin_call::blocking(&what, self.plugin_timeout, move || match own {
            ConnectorFactory::Source(f) => f().validate(&factory_props),
            ConnectorFactory::Sink(f) => f().validate(&factory_props),
        })
        .await?;
        let mut problems: Vec<String> = reports.into_iter().flat_map(|r| r.errors).collect();
        problems.extend(
            self.config
                .override_policy
                .violations(props)
                .into_iter()
                .map(|(_, message)| message),
        );
        if let Err(e) = TransformChain::build(&self.registry, props) {
            problems.push(e.to_string());
        }
        if let Err(e) = TaskConverters::build(&self.registry, &self.config.props, props) {
            problems.push(e.to_string());
        }
        let kind = config.connector_type;
        if kind == ConnectorType::Source && topic_creation::requested(props) {
            if let Err(e) = topic_creation::validate(props) {
                problems.push(e.to_string());
            }
        }
        if problems.is_empty() {
            Ok((config, factory))
        } else {
            Err(config_errors(problems))
        }
    }

    /// Records the version of the plugin behind `config` for connector `name`'s statuses.
    fn note_plugin_version(&self, name: &str, config: &ConnectorConfig) {
        let class = config.props.get(CONNECTOR_CLASS).map(|c| c.trim());
        if let Some((desc, _)) = class.and_then(|c| self.registry.connector(c)) {
            self.status.set_version(name, &desc.version);
        }
    }

    /// Finds a connector's plugin and parses the framework's keys of its configuration,
    /// without calling connector code: what starting assigned work needs (the configuration
    /// was validated when it was submitted; a connector's own `validate()` may depend on
    /// external systems, and Java does not call it to start work).
    /// Config-provider placeholders are resolved here; the result remembers `props` as
    /// written.
    pub fn resolve(&self, raw: &ConfigMap) -> ConnectResult<(ConnectorConfig, ConnectorFactory)> {
        self.resolve_unredacted(raw)
            .map_err(|e| e.redacted(&self.config.providers.redactions(raw)))
    }

    fn resolve_unredacted(
        &self,
        raw: &ConfigMap,
    ) -> ConnectResult<(ConnectorConfig, ConnectorFactory)> {
        let props = &self
            .config
            .providers
            .resolve(raw)
            .map_err(|e| config_errors(vec![e.to_string()]))?;
        let class = props
            .get(CONNECTOR_CLASS)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ConnectError::Config(ConfigError::missing(CONNECTOR_CLASS)))?;
        let (_, factory) = self.registry.connector(class).ok_or_else(|| {
            ConnectError::Config(ConfigError::invalid(
                CONNECTOR_CLASS,
                class,
                format!("Failed to find any class that implements Connector and which name matches {class}; available connectors are: {}", self.registry.connector_names().join(", ")),
            ))
        })?;
        let kind = match factory {
            ConnectorFactory::Source(_) => ConnectorType::Source,
            ConnectorFactory::Sink(_) => ConnectorType::Sink,
        };
        let config = ConnectorConfig::parse(props.clone(), kind)
            .map_err(|e| config_errors(vec![e.to_string()]))?
            .with_raw(raw.clone());
        Ok((config, factory.clone()))
    }
}
