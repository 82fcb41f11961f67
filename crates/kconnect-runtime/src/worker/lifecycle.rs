//! Connector lifecycle (kafka-connect-spec.md §8.1-8.2, §8.8): create, reconfigure, target-state changes
//! (pause, resume, stop with zero tasks, resume from stopped regenerating tasks), task
//! reconfiguration requested by the connector, restarts of the connector and of single
//! tasks, and removal. Connector code runs under the plugin call deadline.

use std::collections::BTreeMap;
use std::sync::Arc;

use kconnect_api::plugin::ConnectorContext;
use kconnect_api::{ConfigMap, ConnectError, ConnectResult};

use super::plugin_call::{self, CONNECTOR_STOP_TIMEOUT};
use super::status::{trace, State};
use super::{ConnectorEntry, Instance, TargetState, Worker, WorkerConnectorContext};
use crate::config::ConnectorConfig;
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
        let (config, factory) = self.validate(&props).await?;
        let name = config.name().to_string();
        let mut map = self.connectors.lock().await;
        if map.contains_key(&name) {
            return Err(ConnectError::IllegalArgument(format!(
                "Connector {name} already exists"
            )));
        }
        self.create(&mut map, config, factory, target).await;
        Ok(())
    }

    async fn create(
        &self,
        map: &mut BTreeMap<String, ConnectorEntry>,
        config: ConnectorConfig,
        factory: ConnectorFactory,
        target: TargetState,
    ) {
        let name = config.name().to_string();
        let mut entry = ConnectorEntry::new(config, factory, target, true);
        self.bring_up(&name, &mut entry, true).await;
        self.publish(&name, Some(&entry));
        map.insert(name, entry);
    }

    /// Replaces the configuration of connector `name` (creating it if this worker does not
    /// run it): its tasks and instance are stopped and started again with `props`. Its
    /// statuses stay visible throughout and its active topics are kept (as Java). A
    /// configuration the worker rejects stops the connector and is returned as the error.
    pub async fn reconfigure_connector(
        &self,
        name: &str,
        props: ConfigMap,
        target: TargetState,
    ) -> ConnectResult<()> {
        let validated = self.validate(&props).await;
        let mut map = self.connectors.lock().await;
        let Some(entry) = map.get_mut(name) else {
            let (config, factory) = validated?;
            self.create(&mut map, config, factory, target).await;
            return Ok(());
        };
        let running: Vec<u32> = entry.tasks.keys().copied().collect();
        self.stop_tasks(name, entry, &running).await;
        self.stop_instance(name, entry).await;
        let (config, factory) = match validated {
            Ok(v) => v,
            Err(e) => {
                if let Some(mut entry) = map.remove(name) {
                    self.remove_tasks(name, &mut entry).await;
                }
                self.publish(name, None);
                return Err(e);
            }
        };
        entry.config = config;
        entry.factory = factory;
        entry.target.send_replace(target);
        self.bring_up(name, entry, true).await;
        if entry.instance.is_none() {
            self.remove_tasks(name, entry).await;
        }
        self.publish(name, Some(entry));
        Ok(())
    }

    /// Starts the connector instance as its target requires and, if `with_tasks`, generates
    /// and starts its tasks. Failures mark the connector FAILED; so does an error the
    /// connector raised while starting, which no RUNNING then overwrites.
    pub(super) async fn bring_up(&self, name: &str, entry: &mut ConnectorEntry, with_tasks: bool) {
        if !entry.owned {
            return;
        }
        self.note_plugin_version(name, &entry.config);
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
        if entry.context.as_ref().is_some_and(|c| c.has_failed()) {
            tracing::warn!(
                connector = name,
                "connector raised an error while starting; its tasks are not started"
            );
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
        // The placeholders' values are looked up again only when there is an error to clean.
        self.start_instance_resolved(name, entry)
            .await
            .map_err(|e| e.redacted(&self.config.providers.redactions(&entry.config.raw)))
    }

    /// Starts the instance with its configuration resolved again (a secret changed behind a
    /// placeholder takes effect at the next start, as in Java).
    async fn start_instance_resolved(
        &self,
        name: &str,
        entry: &mut ConnectorEntry,
    ) -> ConnectResult<()> {
        if !self.config.providers.is_empty() {
            let (config, _) = self.resolve(&entry.config.raw)?;
            entry.config = config;
        }
        let context = Arc::new(WorkerConnectorContext::new(
            name,
            self.status.clone(),
            self.reconfiguration.clone(),
        ));
        entry.context = Some(context.clone());
        let ctx: Arc<dyn ConnectorContext> = context;
        let props = entry.config.props.clone();
        let what = format!("Connector {name}: start()");
        let timeout = self.plugin_timeout;
        entry.instance = Some(match &entry.factory {
            ConnectorFactory::Source(f) => {
                let mut c = f();
                let call = async move { (c.start(ctx, &props).await, c) };
                let (started, c) = plugin_call::isolated(&what, timeout, call).await?;
                started?;
                Instance::Source(c)
            }
            ConnectorFactory::Sink(f) => {
                let mut c = f();
                let call = async move { (c.start(ctx, &props).await, c) };
                let (started, c) = plugin_call::isolated(&what, timeout, call).await?;
                started?;
                Instance::Sink(c)
            }
        });
        Ok(())
    }

    pub(super) async fn stop_instance(&self, name: &str, entry: &mut ConnectorEntry) {
        if let Some(context) = entry.context.take() {
            context.retire();
        }
        let what = format!("Connector {name}: stop()");
        let timeout = self.plugin_timeout.min(CONNECTOR_STOP_TIMEOUT);
        let stopped = match entry.instance.take() {
            Some(Instance::Source(mut c)) => {
                plugin_call::isolated(&what, timeout, async move { c.stop().await }).await
            }
            Some(Instance::Sink(mut c)) => {
                plugin_call::isolated(&what, timeout, async move { c.stop().await }).await
            }
            None => Ok(Ok(())),
        };
        if let Err(e) = stopped.and_then(|s| s) {
            tracing::warn!(connector = name, "connector did not stop cleanly: {e}");
        }
    }

    /// Serves a connector's task reconfiguration request: if it runs, its task
    /// configurations are generated again and the tasks replaced when they changed.
    pub(super) async fn reconfigure_tasks(&self, name: &str) {
        let mut map = self.connectors.lock().await;
        let Some(entry) = map.get_mut(name) else {
            return;
        };
        let failed = entry.context.as_ref().is_none_or(|c| c.has_failed());
        if entry.instance.is_none() || failed {
            tracing::info!(
                connector = name,
                "not reconfiguring the tasks of a connector that is not running"
            );
            return;
        }
        if let Err(e) = self.regenerate_tasks(name, entry).await {
            self.status
                .put_connector(name, State::Failed, Some(trace(&e)));
        }
        self.publish(name, Some(entry));
    }

    /// Moves a connector to a target state: pause and resume keep the tasks (resuming also
    /// requests a task reconfiguration, as Java); stop shuts the connector and its tasks down
    /// (zero tasks); resuming a stopped connector starts it again and regenerates its tasks.
    pub async fn set_target(&self, name: &str, target: TargetState) -> ConnectResult<()> {
        let mut map = self.connectors.lock().await;
        let entry = map.get_mut(name).ok_or_else(|| not_found(name))?;
        let previous = *entry.target.borrow();
        entry.target.send_replace(target);
        match (previous, target) {
            (_, TargetState::Stopped) => {
                self.remove_tasks(name, entry).await;
                if entry.owned {
                    self.stop_instance(name, entry).await;
                    self.status.put_connector(name, State::Stopped, None);
                }
            }
            (TargetState::Stopped, _) => self.bring_up(name, entry, true).await,
            _ if !entry.owned => {}
            _ => {
                let failed = self
                    .status
                    .connector(name)
                    .is_some_and(|s| s.state == State::Failed);
                if !failed {
                    self.status
                        .put_connector(name, target.connector_state(), None);
                }
                if (previous, target) == (TargetState::Paused, TargetState::Started) {
                    let _ = self.reconfiguration.send(name.to_string());
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
        if !entry.owned {
            return Ok(());
        }
        self.stop_instance(name, entry).await;
        let with_tasks = *entry.target.borrow() == TargetState::Started;
        self.bring_up(name, entry, with_tasks).await;
        self.publish(name, Some(entry));
        Ok(())
    }

    /// Restarts the connector instance (if `connector`) and the listed tasks with their
    /// current configurations, marking them RESTARTING in between (KIP-745). Task numbers
    /// the connector no longer has (it was stopped or reconfigured meanwhile) are skipped.
    pub async fn restart_instances(
        &self,
        name: &str,
        connector: bool,
        tasks: &[u32],
    ) -> ConnectResult<()> {
        let mut map = self.connectors.lock().await;
        let entry = map.get_mut(name).ok_or_else(|| not_found(name))?;
        let tasks: Vec<u32> = tasks
            .iter()
            .copied()
            .filter(|n| (*n as usize) < entry.task_configs.len() && entry.runs_task(*n, self))
            .collect();
        let connector = connector && entry.owned;
        if connector {
            self.stop_instance(name, entry).await;
            self.status.put_connector(name, State::Restarting, None);
        }
        self.stop_tasks(name, entry, &tasks).await;
        for &n in &tasks {
            let id = TaskId {
                connector: name.to_string(),
                task: n,
            };
            self.status.put_task(&id, State::Restarting, None);
        }
        if connector {
            // In a cluster the restarted instance generates its task configurations again
            // (as Java's restart does); they are committed only if they changed.
            self.bring_up(name, entry, self.cluster.is_some()).await;
        }
        self.start_tasks(name, entry, &tasks);
        self.publish(name, Some(entry));
        Ok(())
    }

    /// Restarts one task with its current configuration.
    pub async fn restart_task(&self, id: &TaskId) -> ConnectResult<()> {
        let mut map = self.connectors.lock().await;
        let entry = map
            .get_mut(&id.connector)
            .ok_or_else(|| not_found(&id.connector))?;
        if id.task as usize >= entry.task_configs.len() || !entry.runs_task(id.task, self) {
            return Err(ConnectError::NotFound(format!("Task {id} not found")));
        }
        self.stop_tasks(&id.connector, entry, &[id.task]).await;
        self.start_tasks(&id.connector, entry, &[id.task]);
        Ok(())
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

    /// Stops everything on shutdown, tasks within one `task.shutdown.graceful.timeout.ms`
    /// in total; statuses become UNASSIGNED.
    pub async fn stop_all(&self) {
        let mut map = self.connectors.lock().await;
        self.stop_all_tasks(&mut map).await;
        for (name, entry) in map.iter_mut().filter(|(_, e)| e.owned) {
            self.stop_instance(name, entry).await;
            self.status.put_connector(name, State::Unassigned, None);
        }
    }
}
