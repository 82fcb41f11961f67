//! The standalone herder: connectors from the command line and the REST API, run by this
//! process's worker. Connector configurations and target states are the herder's (and, unless
//! disabled, persisted beside the offsets file); the worker runs what they describe.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use kconnect_api::ConfigMap;
use kconnect_kafka::admin::Admin;
use kconnect_kafka::client_config;
use tokio::sync::Mutex;

use super::config_store::{ConnectorStore, StoredConnector};
use super::{plugin_info, validation};
use super::{
    ConfigInfos, ConfigKeyInfo, ConnectorInfo, ConnectorKind, ConnectorOffsets, ConnectorState,
    ConnectorStateInfo, Created, Herder, HerderError, HerderResult, Message, PluginInfo,
    RestartRequest, TaskIdInfo, TaskInfo, TaskState,
};
use crate::config::files::{ConnectorFile, InitialState};
use crate::config::keys::{CONNECTOR_CLASS, NAME};
use crate::plugins::ConnectorFactory;
use crate::rest::loggers::LogLevels;
use crate::task::TaskId;
use crate::worker::status::{trace, Status};
use crate::worker::{TargetState, Worker};

/// Standalone control plane.
pub struct StandaloneHerder {
    worker: Arc<Worker>,
    store: ConnectorStore,
    configs: RwLock<BTreeMap<String, StoredConnector>>,
    ops: Mutex<()>,
    ready: AtomicBool,
    cluster_id: RwLock<Option<String>>,
    log_levels: Option<Arc<dyn LogLevels>>,
}

/// How long `GET /` (and startup) waits for the brokers to report the cluster id.
const CLUSTER_ID_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

fn unknown(name: &str) -> HerderError {
    HerderError::NotFound(format!("Connector {name} not found"))
}

fn status_of(s: &Status) -> (String, String, Option<String>) {
    (
        s.state.name().to_string(),
        s.worker_id.clone(),
        s.trace.clone().filter(|t| !t.is_empty()),
    )
}

impl StandaloneHerder {
    /// A herder driving `worker`, persisting connectors in `store`.
    pub fn new(
        worker: Arc<Worker>,
        store: ConnectorStore,
        log_levels: Option<Arc<dyn LogLevels>>,
    ) -> Self {
        Self {
            worker,
            store,
            configs: RwLock::new(BTreeMap::new()),
            ops: Mutex::new(()),
            ready: AtomicBool::new(false),
            cluster_id: RwLock::new(None),
            log_levels,
        }
    }

    /// The worker.
    pub fn worker(&self) -> &Arc<Worker> {
        &self.worker
    }

    /// Marks startup as finished (`/health` turns healthy).
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
    }

    fn stored(&self, name: &str) -> Option<StoredConnector> {
        self.configs.read().ok()?.get(name).cloned()
    }

    fn snapshot_all(&self) -> BTreeMap<String, StoredConnector> {
        self.configs.read().map(|c| c.clone()).unwrap_or_default()
    }

    /// Persists `next` and makes it the current state.
    fn commit(&self, next: BTreeMap<String, StoredConnector>) -> HerderResult<()> {
        self.store
            .save(&next)
            .map_err(|e| HerderError::Internal(e.to_string()))?;
        if let Ok(mut c) = self.configs.write() {
            *c = next;
        }
        Ok(())
    }

    /// Starts a stored connector on the worker; a configuration the worker rejects leaves the
    /// connector registered with status FAILED.
    async fn launch(&self, name: &str, stored: &StoredConnector) {
        if let Err(e) = self
            .worker
            .start_connector(stored.config.clone(), stored.target)
            .await
        {
            tracing::error!(connector = name, "cannot start connector: {e}");
            self.worker.status().put_connector(
                name,
                crate::worker::status::State::Failed,
                Some(trace(&e)),
            );
        }
    }

    /// Restores the persisted connectors (at startup, before the CLI files are applied).
    pub async fn restore(&self) -> HerderResult<usize> {
        let stored = self
            .store
            .load()
            .map_err(|e| HerderError::Internal(e.to_string()))?;
        let _guard = self.ops.lock().await;
        for (name, c) in &stored {
            self.launch(name, c).await;
            tracing::info!(connector = %name, target = c.target.name(), "restored connector");
        }
        let n = stored.len();
        if let Ok(mut c) = self.configs.write() {
            *c = stored;
        }
        Ok(n)
    }

    /// Applies a connector file from the command line: creates the connector, or replaces
    /// the configuration of a restored one (keeping its target state).
    pub async fn apply_file(&self, file: ConnectorFile) -> HerderResult<()> {
        let initial = match file.initial_state {
            InitialState::Running => TargetState::Started,
            InitialState::Paused => TargetState::Paused,
            InitialState::Stopped => TargetState::Stopped,
        };
        let _guard = self.ops.lock().await;
        if self
            .stored(&file.name)
            .is_some_and(|s| s.config == file.config)
        {
            // Restored with this very configuration: already running, nothing to restart.
            return Ok(());
        }
        self.put_locked(&file.name, file.config, Some(initial), true)
            .await
            .map(|_| ())
    }

    /// Looks the Kafka cluster id up (at startup; `GET /` retries while unknown).
    pub async fn lookup_cluster_id(&self) -> Option<String> {
        if let Some(id) = self.cluster_id.read().ok().and_then(|c| c.clone()) {
            return Some(id);
        }
        let mut props = client_config::worker_client_base(&self.worker.config().props);
        props.set("client.id", "kconnect-cluster-id");
        let lookup = tokio::task::spawn_blocking(move || Admin::new(&props).ok()?.cluster_id());
        let id = tokio::time::timeout(CLUSTER_ID_TIMEOUT, lookup)
            .await
            .ok()
            .and_then(Result::ok)
            .flatten();
        if let (Some(id), Ok(mut c)) = (&id, self.cluster_id.write()) {
            *c = Some(id.clone());
        }
        id
    }

    fn secrets(&self, config: &ConfigMap) -> HashSet<String> {
        validation::password_keys(self.worker.registry(), config)
    }

    fn kind_of(&self, config: &ConfigMap) -> ConnectorKind {
        match config
            .get(CONNECTOR_CLASS)
            .and_then(|c| self.worker.registry().connector(c))
        {
            Some((_, ConnectorFactory::Source(_))) => ConnectorKind::Source,
            Some((_, ConnectorFactory::Sink(_))) => ConnectorKind::Sink,
            None => ConnectorKind::Unknown,
        }
    }

    fn info(&self, name: &str, stored: &StoredConnector) -> ConnectorInfo {
        let tasks = self
            .worker
            .snapshot(name)
            .map(|s| s.task_configs.len())
            .unwrap_or(0);
        ConnectorInfo {
            name: name.to_string(),
            config: validation::hide(&stored.config, &self.secrets(&stored.config)),
            tasks: (0..tasks as u32)
                .map(|task| TaskIdInfo {
                    connector: name.to_string(),
                    task,
                })
                .collect(),
            kind: self.kind_of(&stored.config),
        }
    }

    /// Create or replace, with the operations lock held.
    async fn put_locked(
        &self,
        name: &str,
        mut config: ConfigMap,
        initial: Option<TargetState>,
        allow_replace: bool,
    ) -> HerderResult<Created<ConnectorInfo>> {
        let existing = self.stored(name);
        if let Some(old) = &existing {
            let secrets = self.secrets(&config);
            validation::restore_hidden(&mut config, &old.config, &secrets);
        }
        let infos = validation::validate(self.worker.registry(), &config)?;
        if infos.error_count > 0 {
            let errors = infos.error_messages();
            return Err(HerderError::BadRequest(format!(
                "Connector configuration is invalid and contains the following {} error(s):\n{}\nYou can also find the above list of errors at the endpoint `/connector-plugins/{{connectorType}}/config/validate`",
                errors.len(),
                errors.join("\n")
            )));
        }
        if existing.is_some() && !allow_replace {
            return Err(HerderError::AlreadyExists(format!(
                "Connector {name} already exists"
            )));
        }
        let target = existing
            .as_ref()
            .map(|e| e.target)
            .or(initial)
            .unwrap_or(TargetState::Started);
        let stored = StoredConnector { config, target };
        let mut next = self.snapshot_all();
        next.insert(name.to_string(), stored.clone());
        self.commit(next)?;
        if existing.is_some() {
            let _ = self.worker.remove_connector(name).await;
        }
        self.launch(name, &stored).await;
        Ok(Created {
            created: existing.is_none(),
            value: self.info(name, &stored),
        })
    }

    async fn set_target(&self, name: &str, target: TargetState) -> HerderResult<()> {
        let _guard = self.ops.lock().await;
        let mut next = self.snapshot_all();
        let entry = next
            .get_mut(name)
            .ok_or_else(|| HerderError::NotFound(format!("Unknown connector {name}")))?;
        entry.target = target;
        self.commit(next)?;
        match self.worker.set_target(name, target).await {
            Err(kconnect_api::ConnectError::NotFound(_)) | Ok(()) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Stops everything.
    pub async fn shutdown(&self) {
        let _guard = self.ops.lock().await;
        self.worker.stop_all().await;
    }
}

#[async_trait]
impl Herder for StandaloneHerder {
    fn worker_id(&self) -> String {
        self.worker.status().worker_id().to_string()
    }

    async fn kafka_cluster_id(&self) -> Option<String> {
        self.lookup_cluster_id().await
    }

    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    async fn connectors(&self) -> HerderResult<Vec<String>> {
        Ok(self.snapshot_all().into_keys().collect())
    }

    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo> {
        let stored = self.stored(name).ok_or_else(|| unknown(name))?;
        Ok(self.info(name, &stored))
    }

    async fn connector_config(&self, name: &str) -> HerderResult<ConfigMap> {
        Ok(self.connector_info(name).await?.config)
    }

    async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        initial_state: Option<TargetState>,
        allow_replace: bool,
    ) -> HerderResult<Created<ConnectorInfo>> {
        let _guard = self.ops.lock().await;
        self.put_locked(name, config, initial_state, allow_replace)
            .await
    }

    async fn patch_connector_config(
        &self,
        name: &str,
        patch: BTreeMap<String, Option<String>>,
    ) -> HerderResult<ConnectorInfo> {
        let _guard = self.ops.lock().await;
        let mut config = self.stored(name).ok_or_else(|| unknown(name))?.config;
        for (k, v) in patch {
            match v {
                Some(v) => config.insert(k, v),
                None => config.remove(&k),
            };
        }
        config
            .entry(NAME.into())
            .or_insert_with(|| name.to_string());
        Ok(self.put_locked(name, config, None, true).await?.value)
    }

    async fn delete_connector(&self, name: &str) -> HerderResult<()> {
        let _guard = self.ops.lock().await;
        let mut next = self.snapshot_all();
        next.remove(name).ok_or_else(|| unknown(name))?;
        self.commit(next)?;
        let _ = self.worker.remove_connector(name).await;
        self.worker.status().remove_connector(name);
        Ok(())
    }

    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStateInfo> {
        let status = self.worker.status();
        let connector = status.connector(name).ok_or_else(|| {
            HerderError::NotFound(format!("No status found for connector {name}"))
        })?;
        let (state, worker_id, trace) = status_of(&connector);
        let tasks = status
            .tasks(name)
            .iter()
            .map(|(id, s)| {
                let (state, worker_id, trace) = status_of(s);
                TaskState {
                    id: *id,
                    state,
                    worker_id,
                    trace,
                }
            })
            .collect();
        let kind = self
            .stored(name)
            .map(|s| self.kind_of(&s.config))
            .unwrap_or(ConnectorKind::Unknown);
        Ok(ConnectorStateInfo {
            name: name.to_string(),
            connector: ConnectorState {
                state,
                worker_id,
                trace,
            },
            tasks,
            kind,
        })
    }

    async fn task_status(&self, id: &TaskId) -> HerderResult<TaskState> {
        self.worker
            .status()
            .tasks(&id.connector)
            .into_iter()
            .find(|(n, _)| *n == id.task)
            .map(|(n, s)| {
                let (state, worker_id, trace) = status_of(&s);
                TaskState {
                    id: n,
                    state,
                    worker_id,
                    trace,
                }
            })
            .ok_or_else(|| HerderError::NotFound(format!("No status found for task {id}")))
    }

    async fn task_configs(&self, name: &str) -> HerderResult<Vec<TaskInfo>> {
        let stored = self.stored(name).ok_or_else(|| unknown(name))?;
        let secrets = self.secrets(&stored.config);
        let tasks = self
            .worker
            .snapshot(name)
            .map(|s| s.task_configs)
            .unwrap_or_default();
        Ok(tasks
            .iter()
            .enumerate()
            .map(|(n, config)| TaskInfo {
                id: TaskIdInfo {
                    connector: name.to_string(),
                    task: n as u32,
                },
                config: validation::hide(config, &secrets),
            })
            .collect())
    }

    async fn pause_connector(&self, name: &str) -> HerderResult<()> {
        self.set_target(name, TargetState::Paused).await
    }

    async fn resume_connector(&self, name: &str) -> HerderResult<()> {
        self.set_target(name, TargetState::Started).await
    }

    async fn stop_connector(&self, name: &str) -> HerderResult<()> {
        self.set_target(name, TargetState::Stopped).await
    }

    async fn restart_connector(&self, name: &str) -> HerderResult<()> {
        let _guard = self.ops.lock().await;
        let stored = self.stored(name).ok_or_else(|| unknown(name))?;
        if self.worker.snapshot(name).is_none() {
            self.launch(name, &stored).await;
            return Ok(());
        }
        Ok(self.worker.restart_connector(name).await?)
    }

    async fn restart_connector_and_tasks(
        &self,
        request: &RestartRequest,
    ) -> HerderResult<ConnectorStateInfo> {
        let name = &request.connector;
        let _guard = self.ops.lock().await;
        if self.stored(name).is_none() {
            return Err(HerderError::NotFound(format!("Unknown connector: {name}")));
        }
        let mut plan = self
            .connector_status(name)
            .await
            .map_err(|_| HerderError::NotFound(format!("Status for connector {name} not found")))?;
        let restart_connector = request.restarts_connector(&plan.connector.state);
        if restart_connector {
            plan.connector.state = "RESTARTING".into();
        }
        let mut tasks = Vec::new();
        for t in &mut plan.tasks {
            if request.restarts_task(&t.state) {
                t.state = "RESTARTING".into();
                tasks.push(t.id);
            }
        }
        if self.worker.snapshot(name).is_some() {
            self.worker
                .restart_instances(name, restart_connector, &tasks)
                .await?;
        } else if restart_connector {
            if let Some(stored) = self.stored(name) {
                self.launch(name, &stored).await;
            }
        }
        Ok(plan)
    }

    async fn restart_task(&self, id: &TaskId) -> HerderResult<()> {
        let _guard = self.ops.lock().await;
        if self.stored(&id.connector).is_none() {
            return Err(unknown(&id.connector));
        }
        Ok(self.worker.restart_task(id).await?)
    }

    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets> {
        self.stored(name).ok_or_else(|| unknown(name))?;
        Ok(self.worker.connector_offsets(name).await?)
    }

    async fn alter_connector_offsets(
        &self,
        name: &str,
        offsets: ConnectorOffsets,
    ) -> HerderResult<Message> {
        let _guard = self.ops.lock().await;
        self.check_stopped(name)?;
        Ok(self
            .worker
            .modify_offsets(name, Some(offsets.offsets))
            .await?)
    }

    async fn reset_connector_offsets(&self, name: &str) -> HerderResult<Message> {
        let _guard = self.ops.lock().await;
        self.check_stopped(name)?;
        Ok(self.worker.modify_offsets(name, None).await?)
    }

    async fn validate_connector_config(&self, config: ConfigMap) -> HerderResult<ConfigInfos> {
        validation::validate(self.worker.registry(), &config)
    }

    fn connector_plugins(&self, connectors_only: bool) -> Vec<PluginInfo> {
        plugin_info::plugins(self.worker.registry(), connectors_only)
    }

    fn plugin_config(&self, plugin: &str) -> HerderResult<Vec<ConfigKeyInfo>> {
        plugin_info::plugin_config(self.worker.registry(), plugin)
    }

    async fn connector_active_topics(&self, name: &str) -> HerderResult<Vec<String>> {
        Ok(self.worker.status().topics(name))
    }

    async fn reset_connector_active_topics(&self, name: &str) -> HerderResult<()> {
        self.worker.status().reset_topics(name);
        Ok(())
    }

    async fn set_cluster_logger_level(&self, namespace: &str, level: &str) -> HerderResult<()> {
        match &self.log_levels {
            Some(l) => l
                .set_level(namespace, level)
                .map(|_| ())
                .map_err(HerderError::Internal),
            None => Ok(()),
        }
    }
}

impl StandaloneHerder {
    fn check_stopped(&self, name: &str) -> HerderResult<()> {
        let stored = self.stored(name).ok_or_else(|| unknown(name))?;
        let tasks = self
            .worker
            .snapshot(name)
            .map(|s| s.task_configs.len())
            .unwrap_or(0);
        if stored.target != TargetState::Stopped || tasks != 0 {
            return Err(HerderError::BadRequest(format!("Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint")));
        }
        Ok(())
    }
}
