//! Runs assigned work on this process's [`Worker`], and keeps it in step with the config
//! topic: a connector's target state, configuration changes, committed task configurations
//! and restart requests reach the workers that run its instance or its tasks.
//!
//! Connector instances and tasks are placed individually: the worker owning an instance
//! generates the connector's task configurations and hands them to the cluster (the
//! coordination loop commits them); the group assigns the tasks, and each worker starts
//! those it was given with the committed configurations.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::ConfigMap;
use tokio::sync::{mpsc, MutexGuard};
use tokio::task::JoinHandle;

use super::runtime::WorkRunner;
use super::state_sync::StateSync;
use super::work::WorkSet;
use crate::rest::loggers::{apply_cluster_level, LogLevels};
use crate::storage::config_state::{ConfigState, ConfigUpdate};
use crate::storage::kafka_config_store::KafkaConfigStore;
use crate::task::TaskId;
use crate::worker::status::{trace, State};
use crate::worker::{TargetState, Worker};

/// A [`WorkRunner`] over the real worker.
pub struct WorkerRunner {
    worker: Arc<Worker>,
    sync: Arc<StateSync>,
    configs: Arc<KafkaConfigStore>,
}

impl WorkerRunner {
    /// A runner starting connectors on `worker` with their configurations in `configs`,
    /// with offsets and statuses kept in step by `sync`.
    pub fn new(worker: Arc<Worker>, sync: Arc<StateSync>, configs: Arc<KafkaConfigStore>) -> Self {
        Self {
            worker,
            sync,
            configs,
        }
    }

    /// Before starting part of connector `name`: reads the offsets topic to its end, takes
    /// the operations lock, then the newest configuration; `None` if the connector is gone.
    async fn prepared(
        &self,
        name: &str,
    ) -> Option<(MutexGuard<'_, ()>, ConfigState, ConfigMap, TargetState)> {
        if let Err(e) = self.sync.load_offsets(name).await {
            tracing::error!(
                connector = name,
                "could not read the connector's offsets: {e}"
            );
        }
        let guard = self.worker.operations().lock().await;
        let config = self.configs.snapshot();
        let props = config.connector_config(name).cloned()?;
        let target = config.target_state(name).unwrap_or(TargetState::Started);
        Some((guard, config, props, target))
    }
}

#[async_trait]
impl WorkRunner for WorkerRunner {
    async fn stop(&self, work: &WorkSet) {
        if work.is_empty() {
            return;
        }
        let gone = {
            let _guard = self.worker.operations().lock().await;
            self.worker.revoke(&work.connectors, &work.tasks).await
        };
        for name in gone {
            self.sync.forget(&name);
        }
        self.sync.forget_work(&work.connectors, &work.tasks).await;
        // Work of deleted connectors: its statuses go once it stopped (the leader deleted
        // them when the connector was deleted, but this worker may have reported since).
        let config = self.configs.snapshot();
        let deleted = |c: &str| config.connector_config(c).is_none();
        let connectors: Vec<String> = work
            .connectors
            .iter()
            .filter(|c| deleted(c))
            .cloned()
            .collect();
        let tasks: Vec<TaskId> = work
            .tasks
            .iter()
            .filter(|t| deleted(&t.connector))
            .cloned()
            .collect();
        if !connectors.is_empty() || !tasks.is_empty() {
            // In the background: the revocation is confirmed without waiting for the status
            // topic.
            let sync = self.sync.clone();
            tokio::spawn(async move { sync.delete_statuses(&connectors, &tasks).await });
        }
    }

    /// Starts the work with the configurations read last from the config topic (at least
    /// as recent as `_assigned`): each piece under the operations lock, so that an update
    /// read meanwhile is either already in the snapshot taken under the lock or applied
    /// after the piece started ([`route_updates`] takes the lock too).
    async fn start(
        &self,
        work: &WorkSet,
        _assigned: &ConfigState,
    ) -> Vec<(String, Vec<ConfigMap>)> {
        for name in &work.connectors {
            let Some((_guard, _, props, target)) = self.prepared(name).await else {
                continue;
            };
            match self.worker.assign_connector(name, props, target).await {
                Ok(()) => {
                    tracing::info!(connector = %name, target = target.name(), "started connector (assigned)")
                }
                Err(e) => {
                    tracing::error!(connector = %name, "cannot start connector: {e}");
                    self.worker
                        .status()
                        .put_connector(name, State::Failed, Some(trace(&e)));
                }
            }
        }
        let mut tasks: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for id in &work.tasks {
            tasks.entry(&id.connector).or_default().push(id.task);
        }
        for (name, numbers) in tasks {
            let Some((_guard, config, props, target)) = self.prepared(name).await else {
                continue;
            };
            let committed = config.task_configs(name);
            match self
                .worker
                .assign_tasks(name, props, target, committed, &numbers)
                .await
            {
                Ok(()) => {
                    tracing::info!(connector = %name, tasks = ?numbers, "started tasks (assigned)")
                }
                Err(e) => {
                    tracing::error!(connector = %name, tasks = ?numbers, "cannot start tasks: {e}")
                }
            }
        }
        // Generated task configurations reach the coordination loop through the worker's
        // cluster channel.
        Vec::new()
    }
}

/// Passes every config-topic update on to the coordination loop (`to_runtime`) and applies
/// the ones that concern connectors this worker runs: target states, new configurations
/// and restart requests; and cluster-wide log levels (to `log_levels`), except those among
/// the first `replayed` updates (read at startup: Java ignores them).
pub fn route_updates(
    mut updates: mpsc::UnboundedReceiver<ConfigUpdate>,
    to_runtime: mpsc::UnboundedSender<ConfigUpdate>,
    worker: Arc<Worker>,
    configs: Arc<KafkaConfigStore>,
    log_levels: Option<Arc<dyn LogLevels>>,
    mut replayed: usize,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(update) = updates.recv().await {
            let startup = replayed > 0;
            replayed = replayed.saturating_sub(1);
            if let (ConfigUpdate::LoggerLevel(namespace, level), Some(l)) = (&update, &log_levels) {
                if !startup {
                    apply_cluster_level(l.as_ref(), namespace, level);
                }
            }
            let _ = to_runtime.send(update.clone());
            apply_locally(&update, &worker, &configs).await;
        }
    })
}

async fn apply_locally(update: &ConfigUpdate, worker: &Worker, configs: &KafkaConfigStore) {
    let name = match update {
        ConfigUpdate::TargetState(n)
        | ConfigUpdate::ConnectorConfig(n)
        | ConfigUpdate::TasksCommitted(n)
        | ConfigUpdate::Restart { connector: n, .. } => n,
        _ => return,
    };
    // Under the lock the assignment's starts take: work being started is either started
    // from a snapshot that has this update, or registered before it is looked up here.
    let _guard = worker.operations().lock().await;
    let Some(running) = worker.snapshot(name) else {
        return;
    };
    let snapshot = configs.snapshot();
    let result = match update {
        ConfigUpdate::TargetState(_) => match snapshot.target_state(name) {
            Some(t) if t != running.target => worker.set_target(name, t).await,
            _ => Ok(()),
        },
        ConfigUpdate::ConnectorConfig(_) | ConfigUpdate::TasksCommitted(_) => {
            match snapshot.connector_config(name) {
                Some(c) => {
                    worker
                        .apply_cluster_config(name, c, snapshot.task_configs(name))
                        .await
                }
                None => Ok(()),
            }
        }
        ConfigUpdate::Restart {
            include_tasks,
            only_failed,
            ..
        } => {
            let status = worker.status();
            let connector_failed = status
                .connector(name)
                .is_some_and(|s| s.state == State::Failed);
            let restart_connector = !only_failed || connector_failed;
            let tasks: Vec<u32> = if *include_tasks {
                status
                    .tasks(name)
                    .into_iter()
                    .filter(|(_, s)| !only_failed || s.state == State::Failed)
                    .map(|(n, _)| n)
                    .collect()
            } else {
                Vec::new()
            };
            worker
                .restart_instances(name, restart_connector, &tasks)
                .await
        }
        _ => Ok(()),
    };
    if let Err(e) = result {
        tracing::error!(connector = %name, "could not apply a config change: {e}");
    }
}
