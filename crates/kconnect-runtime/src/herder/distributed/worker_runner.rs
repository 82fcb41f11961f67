//! Runs assigned work on this process's [`Worker`], and keeps it in step with the config
//! topic: a connector's target state, configuration changes and restart requests reach the
//! worker that owns the connector.
//!
//! Granularity today: the owner of a connector instance runs all of that connector's tasks
//! (the worker starts a connector together with its tasks); task assignments are accepted
//! but not run separately. Every connector and task therefore runs exactly once across the
//! cluster, and the connectors (not yet the tasks) are balanced over the workers.

use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::ConfigMap;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::runtime::WorkRunner;
use super::state_sync::StateSync;
use super::work::WorkSet;
use crate::storage::config_state::{ConfigState, ConfigUpdate};
use crate::storage::kafka_config_store::KafkaConfigStore;
use crate::worker::status::{trace, State};
use crate::worker::{TargetState, Worker};

/// A [`WorkRunner`] over the real worker.
pub struct WorkerRunner {
    worker: Arc<Worker>,
    sync: Arc<StateSync>,
}

impl WorkerRunner {
    /// A runner starting connectors on `worker`, with offsets and statuses kept in step by
    /// `sync`.
    pub fn new(worker: Arc<Worker>, sync: Arc<StateSync>) -> Self {
        Self { worker, sync }
    }

    async fn launch(&self, name: &str, config: ConfigMap, target: TargetState) {
        if let Err(e) = self.sync.load_offsets(name).await {
            tracing::error!(
                connector = name,
                "could not read the connector's offsets: {e}"
            );
        }
        let _guard = self.worker.operations().lock().await;
        if let Err(e) = self
            .worker
            .reconfigure_connector(name, config, target)
            .await
        {
            tracing::error!(connector = name, "cannot start connector: {e}");
            self.worker
                .status()
                .put_connector(name, State::Failed, Some(trace(&e)));
        }
    }
}

#[async_trait]
impl WorkRunner for WorkerRunner {
    async fn stop(&self, work: &WorkSet) {
        for name in &work.connectors {
            {
                let _guard = self.worker.operations().lock().await;
                if self.worker.snapshot(name).is_some() {
                    let _ = self.worker.remove_connector(name).await;
                }
            }
            self.sync.forget(name);
            tracing::info!(connector = %name, "stopped connector (revoked)");
        }
        if !work.connectors.is_empty() {
            self.sync.flush_offsets().await;
        }
    }

    async fn start(&self, work: &WorkSet, config: &ConfigState) -> Vec<(String, Vec<ConfigMap>)> {
        let mut generated = Vec::new();
        for name in &work.connectors {
            let Some(props) = config.connector_config(name).cloned() else {
                continue;
            };
            let target = config.target_state(name).unwrap_or(TargetState::Started);
            self.launch(name, props, target).await;
            tracing::info!(connector = %name, target = target.name(), "started connector (assigned)");
            if target != TargetState::Stopped {
                if let Some(s) = self.worker.snapshot(name) {
                    generated.push((name.clone(), s.task_configs));
                }
            }
        }
        generated
    }
}

/// Passes every config-topic update on to the coordination loop (`to_runtime`) and applies
/// the ones that concern connectors this worker runs: target states, new configurations
/// and restart requests.
pub fn route_updates(
    mut updates: mpsc::UnboundedReceiver<ConfigUpdate>,
    to_runtime: mpsc::UnboundedSender<ConfigUpdate>,
    worker: Arc<Worker>,
    configs: Arc<KafkaConfigStore>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(update) = updates.recv().await {
            let _ = to_runtime.send(update.clone());
            apply_locally(&update, &worker, &configs).await;
        }
    })
}

async fn apply_locally(update: &ConfigUpdate, worker: &Worker, configs: &KafkaConfigStore) {
    let name = match update {
        ConfigUpdate::TargetState(n)
        | ConfigUpdate::ConnectorConfig(n)
        | ConfigUpdate::Restart { connector: n, .. } => n,
        _ => return,
    };
    let Some(running) = worker.snapshot(name) else {
        return;
    };
    let snapshot = configs.snapshot();
    let _guard = worker.operations().lock().await;
    let result = match update {
        ConfigUpdate::TargetState(_) => match snapshot.target_state(name) {
            Some(t) if t != running.target => worker.set_target(name, t).await,
            _ => Ok(()),
        },
        ConfigUpdate::ConnectorConfig(_) => match snapshot.connector_config(name) {
            Some(c) if *c != running.config => {
                let target = snapshot.target_state(name).unwrap_or(running.target);
                worker.reconfigure_connector(name, c.clone(), target).await
            }
            _ => Ok(()),
        },
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
