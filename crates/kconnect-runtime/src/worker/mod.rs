//! The worker: starts and stops connectors and their tasks in this process.

pub mod status;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use kconnect_api::plugin::{ConnectorContext, SinkConnector, SourceConnector};
use kconnect_api::{ConfigError, ConfigMap, ConnectError, ConnectResult};
use kconnect_kafka::admin::Admin;
use kconnect_kafka::client_config;
use tokio::sync::{watch, Mutex};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::keys::{CONNECTOR_CLASS, TASK_CLASS};
use crate::config::{ConnectorConfig, ConnectorType, WorkerConfig};
use crate::pipeline::{ErrorHandler, TaskConverters, TransformChain};
use crate::plugins::{ConnectorFactory, Registry};
use crate::storage::{internal_json::InternalJson, ConnectorOffsetReader, FileOffsetStore};
use crate::task::sink::SinkTaskRunner;
use crate::task::source::{SourceContext, SourceTaskRunner};
use crate::task::topic_creation::{self, TopicCreator};
use crate::task::TaskId;
use status::{State, StatusStore};

/// What a connector should be doing (spec §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    /// Running.
    Started,
    /// Paused: tasks keep their resources but move no data.
    Paused,
    /// Stopped: no tasks.
    Stopped,
}

enum Instance {
    Source(Box<dyn SourceConnector>),
    Sink(Box<dyn SinkConnector>),
}

struct RunningTask {
    cancel: CancellationToken,
    handle: JoinHandle<()>,
}

struct RunningConnector {
    config: ConnectorConfig,
    instance: Instance,
    target: watch::Sender<TargetState>,
    tasks: Vec<RunningTask>,
    task_configs: Vec<ConfigMap>,
}

struct NoopContext;

impl ConnectorContext for NoopContext {
    fn request_task_reconfiguration(&self) {
        tracing::debug!("task reconfiguration requested; configs are regenerated on restart");
    }
    fn raise_error(&self, error: ConnectError) {
        tracing::error!("connector raised an error: {error}");
    }
}

/// Deadline for calls into connector code that may block.
const PLUGIN_CALL_TIMEOUT: Duration = Duration::from_secs(30);

async fn bounded<T>(
    what: &str,
    f: impl std::future::Future<Output = ConnectResult<T>>,
) -> ConnectResult<T> {
    tokio::time::timeout(PLUGIN_CALL_TIMEOUT, f)
        .await
        .map_err(|_| {
            ConnectError::other(format!(
                "{what} did not finish within {}s",
                PLUGIN_CALL_TIMEOUT.as_secs()
            ))
        })?
}

/// Runs connectors and tasks.
pub struct Worker {
    config: WorkerConfig,
    registry: Registry,
    status: Arc<StatusStore>,
    offsets: Arc<FileOffsetStore>,
    json: Arc<InternalJson>,
    connectors: Mutex<BTreeMap<String, RunningConnector>>,
}

fn config_errors(problems: Vec<String>) -> ConnectError {
    ConnectError::Config(ConfigError::general(format!(
        "Connector configuration is invalid and contains the following {} error(s):\n{}\nYou can also find the above list of errors at the endpoint `/connector-plugins/{{connectorType}}/config/validate`",
        problems.len(),
        problems.join("\n")
    )))
}

impl Worker {
    /// A worker with its configuration, plugins and offsets store.
    pub fn new(
        config: WorkerConfig,
        registry: Registry,
        status: Arc<StatusStore>,
        offsets: Arc<FileOffsetStore>,
    ) -> Self {
        Self {
            config,
            registry,
            status,
            offsets,
            json: Arc::new(InternalJson::new()),
            connectors: Mutex::new(BTreeMap::new()),
        }
    }

    /// The plugin registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The status store.
    pub fn status(&self) -> &Arc<StatusStore> {
        &self.status
    }

    /// Names of the running connectors.
    pub async fn connector_names(&self) -> Vec<String> {
        self.connectors.lock().await.keys().cloned().collect()
    }

    /// A connector's configuration, type and task configurations.
    pub async fn connector_info(
        &self,
        name: &str,
    ) -> Option<(ConfigMap, ConnectorType, Vec<ConfigMap>)> {
        let map = self.connectors.lock().await;
        let c = map.get(name)?;
        Some((
            c.config.props.clone(),
            c.config.connector_type,
            c.task_configs.clone(),
        ))
    }

    /// Validates a connector configuration completely (framework keys, the connector's own
    /// keys, converters, transformations, topic creation) without starting anything.
    pub fn validate(
        &self,
        props: &ConfigMap,
    ) -> ConnectResult<(ConnectorConfig, ConnectorFactory)> {
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
            .map_err(|e| config_errors(vec![e.to_string()]))?;
        let reports = match factory {
            ConnectorFactory::Source(f) => f().validate(props),
            ConnectorFactory::Sink(f) => f().validate(props),
        };
        let mut problems: Vec<String> = reports.into_iter().flat_map(|r| r.errors).collect();
        if let Err(e) = TransformChain::build(&self.registry, props) {
            problems.push(e.to_string());
        }
        if let Err(e) = TaskConverters::build(&self.registry, &self.config.props, props) {
            problems.push(e.to_string());
        }
        if kind == ConnectorType::Source && topic_creation::requested(props) {
            if let Err(e) = topic_creation::validate(props) {
                problems.push(e.to_string());
            }
        }
        if problems.is_empty() {
            Ok((config, factory.clone()))
        } else {
            Err(config_errors(problems))
        }
    }

    /// Validates, starts a connector and (unless stopped) its tasks.
    pub async fn start_connector(
        &self,
        props: ConfigMap,
        target: TargetState,
    ) -> ConnectResult<()> {
        let (config, factory) = self.validate(&props)?;
        let name = config.name().to_string();
        if self.connectors.lock().await.contains_key(&name) {
            return Err(ConnectError::IllegalArgument(format!(
                "Connector {name} already exists"
            )));
        }
        let ctx: Arc<dyn ConnectorContext> = Arc::new(NoopContext);
        let instance = match &factory {
            ConnectorFactory::Source(f) => {
                let mut c = f();
                bounded("connector start", c.start(ctx, &props)).await?;
                Instance::Source(c)
            }
            ConnectorFactory::Sink(f) => {
                let mut c = f();
                bounded("connector start", c.start(ctx, &props)).await?;
                Instance::Sink(c)
            }
        };
        let (task_class, task_configs) = match &instance {
            Instance::Source(c) => (c.task_class(), c.task_configs(config.tasks_max())?),
            Instance::Sink(c) => (c.task_class(), c.task_configs(config.tasks_max())?),
        };
        let task_configs: Vec<ConfigMap> = task_configs
            .into_iter()
            .map(|mut t| {
                t.insert(TASK_CLASS.into(), task_class.into());
                t
            })
            .collect();
        let (target_tx, _) = watch::channel(target);
        let mut running = RunningConnector {
            config,
            instance,
            target: target_tx,
            tasks: Vec::new(),
            task_configs,
        };
        let state = match target {
            TargetState::Started => State::Running,
            TargetState::Paused => State::Paused,
            TargetState::Stopped => State::Stopped,
        };
        self.status.put_connector(&name, state, None);
        if target != TargetState::Stopped {
            self.start_tasks(&mut running)?;
        }
        self.connectors.lock().await.insert(name, running);
        Ok(())
    }

    fn start_tasks(&self, running: &mut RunningConnector) -> ConnectResult<()> {
        let name = running.config.name().to_string();
        for (n, task_config) in running.task_configs.iter().enumerate() {
            let id = TaskId {
                connector: name.clone(),
                task: n as u32,
            };
            let cancel = CancellationToken::new();
            let target = running.target.subscribe();
            self.status.put_task(&id, State::Unassigned, None);
            let handle = match &running.instance {
                Instance::Source(c) => {
                    let runner = self.source_runner(
                        &running.config,
                        id.clone(),
                        c.create_task(),
                        task_config.clone(),
                    )?;
                    tokio::spawn(runner.run(cancel.clone(), target))
                }
                Instance::Sink(c) => {
                    let runner = self.sink_runner(
                        &running.config,
                        id.clone(),
                        c.create_task(),
                        task_config.clone(),
                    )?;
                    tokio::spawn(runner.run(cancel.clone(), target))
                }
            };
            running.tasks.push(RunningTask { cancel, handle });
        }
        Ok(())
    }

    fn source_runner(
        &self,
        config: &ConnectorConfig,
        id: TaskId,
        task: Box<dyn kconnect_api::plugin::SourceTask>,
        task_config: ConfigMap,
    ) -> ConnectResult<SourceTaskRunner> {
        let reader = Arc::new(ConnectorOffsetReader::new(
            &id.connector,
            self.offsets.clone(),
            self.json.clone(),
        ));
        let client_id = format!("connector-producer-{id}");
        let topic_creator = if self.config.topic_creation_enable()
            && topic_creation::requested(&config.props)
        {
            let admin_props = client_config::admin(
                &self.config.props,
                &config.props,
                &format!("connector-adminclient-{id}"),
            );
            let admin = Admin::new(&admin_props).map_err(|e| ConnectError::other(e.to_string()))?;
            Some(TopicCreator::new(admin, &config.props)?)
        } else {
            None
        };
        Ok(SourceTaskRunner {
            context: Arc::new(SourceContext::new(task_config.clone(), reader)),
            task,
            config: task_config,
            chain: TransformChain::build(&self.registry, &config.props)?,
            converters: TaskConverters::build(&self.registry, &self.config.props, &config.props)?,
            errors: ErrorHandler::new(id.to_string(), config),
            producer_props: client_config::source_producer(
                &self.config.props,
                &config.props,
                &client_id,
            ),
            topic_creator,
            offsets: self.offsets.clone(),
            json: self.json.clone(),
            status: self.status.clone(),
            flush_interval: self.config.offset_flush_interval(),
            flush_timeout: self.config.offset_flush_timeout(),
            tolerate_all: config.tolerate_all(),
            id,
        })
    }

    fn sink_runner(
        &self,
        config: &ConnectorConfig,
        id: TaskId,
        task: Box<dyn kconnect_api::plugin::SinkTask>,
        task_config: ConfigMap,
    ) -> ConnectResult<SinkTaskRunner> {
        let group = format!("connect-{}", id.connector);
        let client_id = format!("connector-consumer-{id}");
        Ok(SinkTaskRunner {
            task,
            config: task_config,
            topics: config.topics(),
            topics_regex: config.topics_regex().map(str::to_string),
            chain: TransformChain::build(&self.registry, &config.props)?,
            converters: TaskConverters::build(&self.registry, &self.config.props, &config.props)?,
            errors: ErrorHandler::new(id.to_string(), config),
            consumer_props: client_config::sink_consumer(
                &self.config.props,
                &config.props,
                &group,
                &client_id,
            ),
            status: self.status.clone(),
            flush_interval: self.config.offset_flush_interval(),
            id,
        })
    }

    /// Sets a connector's target state (pause/resume).
    pub async fn set_target(&self, name: &str, target: TargetState) -> ConnectResult<()> {
        let map = self.connectors.lock().await;
        let c = map
            .get(name)
            .ok_or_else(|| ConnectError::NotFound(format!("Connector {name} not found")))?;
        c.target.send_replace(target);
        let state = if target == TargetState::Paused {
            State::Paused
        } else {
            State::Running
        };
        self.status.put_connector(name, state, None);
        Ok(())
    }

    /// Stops a connector's tasks and the connector, and forgets it.
    pub async fn stop_connector(&self, name: &str) -> ConnectResult<()> {
        let running = self.connectors.lock().await.remove(name);
        let Some(mut running) = running else {
            return Err(ConnectError::NotFound(format!(
                "Connector {name} not found"
            )));
        };
        self.stop_tasks(&mut running).await;
        let stopped = match &mut running.instance {
            Instance::Source(c) => bounded("connector stop", c.stop()).await,
            Instance::Sink(c) => bounded("connector stop", c.stop()).await,
        };
        if let Err(e) = stopped {
            tracing::warn!(connector = name, "connector did not stop cleanly: {e}");
        }
        self.status.put_connector(name, State::Unassigned, None);
        Ok(())
    }

    async fn stop_tasks(&self, running: &mut RunningConnector) {
        for t in &running.tasks {
            t.cancel.cancel();
        }
        let deadline = tokio::time::Instant::now() + self.config.task_shutdown_timeout();
        for t in running.tasks.drain(..) {
            let abort = t.handle.abort_handle();
            if tokio::time::timeout_at(deadline, t.handle).await.is_err() {
                tracing::warn!(
                    connector = running.config.name(),
                    "task did not stop within task.shutdown.graceful.timeout.ms; cancelling it"
                );
                abort.abort();
            }
        }
    }

    /// Stops everything (on shutdown).
    pub async fn stop_all(&self) {
        for name in self.connector_names().await {
            let _ = self.stop_connector(&name).await;
        }
    }
}
