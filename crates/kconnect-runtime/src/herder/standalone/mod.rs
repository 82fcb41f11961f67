//! The standalone herder: connectors from the command line and the REST API, run by this
//! process's worker. Connector configurations and target states are the herder's (and, unless
//! disabled, persisted beside the offsets file); the worker runs what they describe.

use std::collections::{BTreeMap, HashSet};

mod api;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use kconnect_api::ConfigMap;
use tokio::sync::Mutex;

use super::config_store::{ConnectorStore, StoredConnector};
use super::{passwords, validation};
use super::{
    ConfigInfos, ConnectorInfo, ConnectorKind, ConnectorState, Created, HerderError, HerderResult,
    TaskIdInfo, TaskState,
};
use crate::config::files::{ConnectorFile, InitialState};
use crate::config::keys::CONNECTOR_CLASS;
use crate::herder::cluster_id::ClusterId;
use crate::herder::connector_kind;
use crate::rest::loggers::LogLevels;
use crate::worker::invalid_config_message;
use crate::worker::status::{trace, Status};
use crate::worker::{plugin_call, TargetState, Worker};

/// Standalone control plane.
pub struct StandaloneHerder {
    worker: Arc<Worker>,
    store: ConnectorStore,
    configs: RwLock<BTreeMap<String, StoredConnector>>,
    /// The worker's operations lock (shared with its supervisor).
    ops: Arc<Mutex<()>>,
    ready: AtomicBool,
    cluster_id: ClusterId,
    log_levels: Option<Arc<dyn LogLevels>>,
}

fn unknown(name: &str) -> HerderError {
    HerderError::NotFound(format!("Connector {name} not found"))
}

/// The REST view of a connector's status.
fn connector_state(s: &Status) -> ConnectorState {
    ConnectorState {
        state: s.state.name().to_string(),
        worker_id: s.worker_id.clone(),
        version: s.version.clone(),
        trace: s.trace.clone().filter(|t| !t.is_empty()),
    }
}

/// The REST view of task `id`'s status.
fn task_state(id: u32, s: &Status) -> TaskState {
    let c = connector_state(s);
    TaskState {
        id,
        state: c.state,
        worker_id: c.worker_id,
        version: c.version,
        trace: c.trace,
    }
}

impl StandaloneHerder {
    /// A herder driving `worker`, persisting connectors in `store`.
    pub fn new(
        worker: Arc<Worker>,
        store: ConnectorStore,
        log_levels: Option<Arc<dyn LogLevels>>,
    ) -> Self {
        Self {
            ops: worker.operations().clone(),
            worker,
            store,
            configs: RwLock::new(BTreeMap::new()),
            ready: AtomicBool::new(false),
            cluster_id: ClusterId::default(),
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

    /// Starts a stored connector on the worker, or replaces the configuration of the one it
    /// runs; a configuration the worker rejects leaves the connector registered with status
    /// FAILED.
    async fn launch(&self, name: &str, stored: &StoredConnector) {
        if let Err(e) = self
            .worker
            .reconfigure_connector(name, stored.config.clone(), stored.target)
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

    /// Validates a configuration as the validate endpoint reports it, with the connector's
    /// own validation off the runtime's threads and under the plugin call deadline.
    async fn validate(&self, config: ConfigMap) -> HerderResult<ConfigInfos> {
        let worker = self.worker.clone();
        let class = config.get(CONNECTOR_CLASS).cloned().unwrap_or_default();
        let what = format!("Connector plugin {class}: validate()");
        plugin_call::blocking(&what, self.worker.plugin_timeout(), move || {
            validation::validate_written(worker.registry(), &config, worker.config())
        })
        .await?
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
        self.cluster_id.get(&self.worker.config().props).await
    }

    fn secrets(&self, config: &ConfigMap) -> HashSet<String> {
        passwords::password_keys(self.worker.registry(), config)
    }

    fn kind_of(&self, config: &ConfigMap) -> ConnectorKind {
        connector_kind(self.worker.registry(), config)
    }

    fn info(&self, name: &str, stored: &StoredConnector) -> ConnectorInfo {
        let tasks = self
            .worker
            .snapshot(name)
            .map(|s| s.task_configs.len())
            .unwrap_or(0);
        ConnectorInfo {
            name: name.to_string(),
            config: passwords::hide(&stored.config, &self.secrets(&stored.config)),
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
            passwords::restore_hidden(&mut config, &old.config, &secrets);
        }
        let infos = self.validate(config.clone()).await?;
        if infos.error_count > 0 {
            return Err(HerderError::BadRequest(invalid_config_message(
                &infos.error_messages(),
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
        // Reconfiguring keeps the connector's statuses and active topics (as Java).
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
