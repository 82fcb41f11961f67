//! Connector and task lifecycle (spec §8.1-8.2, §8.8): create, target-state changes (pause,
//! resume, stop with zero tasks, resume from stopped regenerating tasks), restarts of the
//! connector and of single tasks, reconfiguration and removal.

use std::collections::BTreeMap;
use std::sync::Arc;

use kconnect_api::plugin::ConnectorContext;
use kconnect_api::{ConfigMap, ConnectError, ConnectResult};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::status::{trace, State};
use super::{
    bounded, ConnectorEntry, Instance, RunningTask, TargetState, Worker, WorkerConnectorContext,
};
use crate::config::keys::TASK_CLASS;
use crate::plugins::ConnectorFactory;
use crate::task::TaskId;

fn not_found(name: &str) -> ConnectError {
    ConnectError::NotFound(format!("Connector {name} not found"))
}

impl Worker {
    /// Validates and registers a connector, then starts it (and its tasks) unless `target` is
    /// stopped. A connector that fails to start stays registered with status FAILED.
    pub async fn start_connector(
        &self,
        props: ConfigMap,
        target: TargetState,
    ) -> ConnectResult<()> {
        let (config, factory) = self.validate(&props)?;
        let name = config.name().to_string();
        let mut map = self.connectors.lock().await;
        if map.contains_key(&name) {
            return Err(ConnectError::IllegalArgument(format!(
                "Connector {name} already exists"
            )));
        }
        let (target_tx, _) = watch::channel(target);
        let mut entry = ConnectorEntry {
            config,
            factory,
            target: target_tx,
            instance: None,
            task_configs: Vec::new(),
            tasks: BTreeMap::new(),
        };
        self.bring_up(&name, &mut entry, true).await;
        self.publish(&name, Some(&entry));
        map.insert(name, entry);
        Ok(())
    }

    /// Starts the connector instance as its target requires and, if `with_tasks`, generates
    /// and starts its tasks. Failures mark the connector FAILED.
    async fn bring_up(&self, name: &str, entry: &mut ConnectorEntry, with_tasks: bool) {
        let target = *entry.target.borrow();
        if target == TargetState::Stopped {
            self.status.put_connector(name, State::Stopped, None);
            return;
        }
        if let Err(e) = self.start_instance(name, entry).await {
            self.status
                .put_connector(name, State::Failed, Some(trace(&e)));
            return;
        }
        self.status
            .put_connector(name, target.connector_state(), None);
        if with_tasks {
            if let Err(e) = self.regenerate_tasks(name, entry).await {
                self.status
                    .put_connector(name, State::Failed, Some(trace(&e)));
            }
        }
    }

    async fn start_instance(&self, name: &str, entry: &mut ConnectorEntry) -> ConnectResult<()> {
        let ctx: Arc<dyn ConnectorContext> = Arc::new(WorkerConnectorContext {
            name: name.to_string(),
            status: self.status.clone(),
        });
        let props = &entry.config.props;
        entry.instance = Some(match &entry.factory {
            ConnectorFactory::Source(f) => {
                let mut c = f();
                bounded("connector start", c.start(ctx, props)).await?;
                Instance::Source(c)
            }
            ConnectorFactory::Sink(f) => {
                let mut c = f();
                bounded("connector start", c.start(ctx, props)).await?;
                Instance::Sink(c)
            }
        });
        Ok(())
    }

    async fn stop_instance(&self, name: &str, entry: &mut ConnectorEntry) {
        let stopped = match entry.instance.take() {
            Some(Instance::Source(mut c)) => bounded("connector stop", c.stop()).await,
            Some(Instance::Sink(mut c)) => bounded("connector stop", c.stop()).await,
            None => Ok(()),
        };
        if let Err(e) = stopped {
            tracing::warn!(connector = name, "connector did not stop cleanly: {e}");
        }
    }

    /// Asks the started connector for task configurations; if they differ from the current
    /// ones, replaces the tasks.
    async fn regenerate_tasks(&self, name: &str, entry: &mut ConnectorEntry) -> ConnectResult<()> {
        let max = entry.config.tasks_max();
        let (task_class, configs) = match &entry.instance {
            Some(Instance::Source(c)) => (c.task_class(), c.task_configs(max)?),
            Some(Instance::Sink(c)) => (c.task_class(), c.task_configs(max)?),
            None => return Ok(()),
        };
        let configs: Vec<ConfigMap> = configs
            .into_iter()
            .map(|mut t| {
                t.insert(TASK_CLASS.into(), task_class.into());
                t
            })
            .collect();
        if configs == entry.task_configs && entry.tasks.len() == configs.len() {
            return Ok(());
        }
        self.remove_tasks(name, entry).await;
        entry.task_configs = configs;
        let ids: Vec<u32> = (0..entry.task_configs.len() as u32).collect();
        self.start_tasks(name, entry, &ids)
    }

    fn start_tasks(
        &self,
        name: &str,
        entry: &mut ConnectorEntry,
        ids: &[u32],
    ) -> ConnectResult<()> {
        for &n in ids {
            let Some(task_config) = entry.task_configs.get(n as usize).cloned() else {
                continue;
            };
            let id = TaskId {
                connector: name.to_string(),
                task: n,
            };
            self.status.put_task(&id, State::Unassigned, None);
            let cancel = CancellationToken::new();
            let target = entry.target.subscribe();
            let spawned = match &entry.factory {
                ConnectorFactory::Source(f) => self
                    .source_runner(&entry.config, id.clone(), f().create_task(), task_config)
                    .map(|r| tokio::spawn(r.run(cancel.clone(), target))),
                ConnectorFactory::Sink(f) => self
                    .sink_runner(&entry.config, id.clone(), f().create_task(), task_config)
                    .map(|r| tokio::spawn(r.run(cancel.clone(), target))),
            };
            match spawned {
                Ok(handle) => {
                    entry.tasks.insert(n, RunningTask { cancel, handle });
                }
                Err(e) => self.status.put_task(&id, State::Failed, Some(trace(&e))),
            }
        }
        Ok(())
    }

    /// Stops the given tasks, waiting up to `task.shutdown.graceful.timeout.ms` in total.
    async fn stop_tasks(&self, name: &str, entry: &mut ConnectorEntry, ids: &[u32]) {
        let stopping: Vec<RunningTask> = ids.iter().filter_map(|n| entry.tasks.remove(n)).collect();
        for t in &stopping {
            t.cancel.cancel();
        }
        let deadline = tokio::time::Instant::now() + self.config.task_shutdown_timeout();
        for t in stopping {
            let abort = t.handle.abort_handle();
            if tokio::time::timeout_at(deadline, t.handle).await.is_err() {
                tracing::warn!(
                    connector = name,
                    "task did not stop within task.shutdown.graceful.timeout.ms; cancelling it"
                );
                abort.abort();
            }
        }
    }

    /// Stops every task, forgets their configurations and statuses.
    async fn remove_tasks(&self, name: &str, entry: &mut ConnectorEntry) {
        let ids: Vec<u32> = entry.tasks.keys().copied().collect();
        self.stop_tasks(name, entry, &ids).await;
        for n in 0..entry.task_configs.len().max(ids.len()) as u32 {
            self.status.remove_task(&TaskId {
                connector: name.to_string(),
                task: n,
            });
        }
        for n in ids {
            self.status.remove_task(&TaskId {
                connector: name.to_string(),
                task: n,
            });
        }
        entry.task_configs.clear();
    }

    /// Moves a connector to a target state: pause and resume keep the tasks; stop shuts the
    /// connector and its tasks down (zero tasks); resuming a stopped connector starts it again
    /// and regenerates its tasks.
    pub async fn set_target(&self, name: &str, target: TargetState) -> ConnectResult<()> {
        let mut map = self.connectors.lock().await;
        let entry = map.get_mut(name).ok_or_else(|| not_found(name))?;
        let previous = *entry.target.borrow();
        entry.target.send_replace(target);
        match (previous, target) {
            (_, TargetState::Stopped) => {
                self.remove_tasks(name, entry).await;
                self.stop_instance(name, entry).await;
                self.status.put_connector(name, State::Stopped, None);
            }
            (TargetState::Stopped, _) => self.bring_up(name, entry, true).await,
            _ => {
                let failed = self
                    .status
                    .connector(name)
                    .is_some_and(|s| s.state == State::Failed);
                if !failed {
                    self.status
                        .put_connector(name, target.connector_state(), None);
                }
            }
        }
        self.publish(name, Some(entry));
        Ok(())
    }

    /// Restarts the connector instance; if it runs, its task configurations are regenerated
    /// and the tasks replaced when they changed (Java's legacy restart).
    pub async fn restart_connector(&self, name: &str) -> ConnectResult<()> {
        let mut map = self.connectors.lock().await;
        let entry = map.get_mut(name).ok_or_else(|| not_found(name))?;
        self.stop_instance(name, entry).await;
        let with_tasks = *entry.target.borrow() == TargetState::Started;
        self.bring_up(name, entry, with_tasks).await;
        self.publish(name, Some(entry));
        Ok(())
    }

    /// Restarts the connector instance (if `connector`) and the listed tasks with their
    /// current configurations, marking them RESTARTING in between (KIP-745).
    pub async fn restart_instances(
        &self,
        name: &str,
        connector: bool,
        tasks: &[u32],
    ) -> ConnectResult<()> {
        let mut map = self.connectors.lock().await;
        let entry = map.get_mut(name).ok_or_else(|| not_found(name))?;
        if connector {
            self.stop_instance(name, entry).await;
            self.status.put_connector(name, State::Restarting, None);
        }
        self.stop_tasks(name, entry, tasks).await;
        for &n in tasks {
            let id = TaskId {
                connector: name.to_string(),
                task: n,
            };
            self.status.put_task(&id, State::Restarting, None);
        }
        if connector {
            self.bring_up(name, entry, false).await;
        }
        self.start_tasks(name, entry, tasks)?;
        self.publish(name, Some(entry));
        Ok(())
    }

    /// Restarts one task with its current configuration.
    pub async fn restart_task(&self, id: &TaskId) -> ConnectResult<()> {
        let mut map = self.connectors.lock().await;
        let entry = map
            .get_mut(&id.connector)
            .ok_or_else(|| not_found(&id.connector))?;
        if id.task as usize >= entry.task_configs.len() {
            return Err(ConnectError::NotFound(format!("Task {id} not found")));
        }
        self.stop_tasks(&id.connector, entry, &[id.task]).await;
        self.start_tasks(&id.connector, entry, &[id.task])
    }

    /// Stops and forgets a connector, its tasks and their statuses.
    pub async fn remove_connector(&self, name: &str) -> ConnectResult<()> {
        let mut map = self.connectors.lock().await;
        let mut entry = map.remove(name).ok_or_else(|| not_found(name))?;
        self.remove_tasks(name, &mut entry).await;
        self.stop_instance(name, &mut entry).await;
        self.status.remove_connector(name);
        self.publish(name, None);
        Ok(())
    }

    /// Stops everything on shutdown; statuses become UNASSIGNED.
    pub async fn stop_all(&self) {
        let mut map = self.connectors.lock().await;
        for (name, entry) in map.iter_mut() {
            let ids: Vec<u32> = entry.tasks.keys().copied().collect();
            self.stop_tasks(name, entry, &ids).await;
            self.stop_instance(name, entry).await;
            self.status.put_connector(name, State::Unassigned, None);
        }
    }
}
