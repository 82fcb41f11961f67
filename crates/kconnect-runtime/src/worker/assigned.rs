//! Work a Connect cluster places on this worker (distributed mode). The group assigns
//! connector instances and tasks separately, so a worker may run a connector's instance
//! without its tasks, or some of its tasks without the instance. In a cluster:
//!
//! * task configurations a connector generates are not started here but handed to the
//!   cluster ([`GeneratedTasks`]), which commits them to the config topic; the group then
//!   assigns the tasks and each worker starts those it was given, with the committed
//!   configurations;
//! * configuration changes read from the config topic restart exactly the local tasks they
//!   concern (their task configuration or their connector's configuration changed);
//! * revoked work is stopped and its local statuses are forgotten, so this worker never
//!   reports on work another worker runs.

use std::collections::BTreeSet;

use kconnect_api::{ConfigMap, ConnectResult};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::status::{trace, State};
use super::tasks::{stop_within, task_id};
use super::{ConnectorEntry, TargetState, Worker};
use crate::config::ConnectorConfig;
use crate::plugins::ConnectorFactory;
use crate::task::TaskId;

/// Task configurations a connector generated: its name and the configurations.
pub type GeneratedTasks = (String, Vec<ConfigMap>);

impl ConnectorEntry {
    /// An entry for a connector whose instance is not started yet.
    pub(super) fn new(
        config: ConnectorConfig,
        factory: ConnectorFactory,
        target: TargetState,
        owned: bool,
    ) -> Self {
        let (target, _) = watch::channel(target);
        Self {
            config,
            factory,
            target,
            instance: None,
            context: None,
            task_configs: Vec::new(),
            tasks: Default::default(),
            owned,
            assigned: BTreeSet::new(),
        }
    }

    /// Whether task `n` belongs on this worker: always standalone, in a cluster when the
    /// group assigned it here.
    pub(super) fn runs_task(&self, n: u32, worker: &Worker) -> bool {
        worker.cluster.is_none() || self.assigned.contains(&n)
    }

    /// Whether nothing of the connector is left on this worker.
    fn is_idle(&self) -> bool {
        !self.owned && self.assigned.is_empty() && self.tasks.is_empty()
    }
}

impl Worker {
    /// Makes this worker a member of a cluster: the task configurations its connectors
    /// generate are sent to `generated` instead of being started here, and tasks run only
    /// where the group assigns them ([`assign_tasks`](Self::assign_tasks)).
    pub fn with_cluster_tasks(mut self, generated: mpsc::UnboundedSender<GeneratedTasks>) -> Self {
        self.cluster = Some(generated);
        self
    }

    /// Asks connector `name`'s instance, if it runs here, to generate its task
    /// configurations again (served by [`super::connector_context::spawn`]).
    pub fn request_task_reconfiguration(&self, name: &str) {
        let _ = self.reconfiguration.send(name.to_string());
    }

    /// Starts the instance of connector `name`, assigned to this worker, with `props` and
    /// `target`; once it runs, its task configurations are generated and sent to the cluster.
    /// A configuration the worker rejects is returned as the error (nothing is started).
    pub async fn assign_connector(
        &self,
        name: &str,
        props: ConfigMap,
        target: TargetState,
    ) -> ConnectResult<()> {
        let (config, factory) = self.resolve(&props)?;
        let mut map = self.connectors.lock().await;
        let entry = map
            .entry(name.to_string())
            .or_insert_with(|| ConnectorEntry::new(config.clone(), factory.clone(), target, true));
        let changed = entry.config.raw != config.raw;
        entry.config = config;
        entry.factory = factory;
        entry.target.send_replace(target);
        entry.owned = true;
        if changed {
            self.restart_local_tasks(name, entry).await;
        }
        self.bring_up(name, entry, true).await;
        self.publish(name, Some(entry));
        Ok(())
    }

    /// Starts tasks `tasks` of connector `name`, assigned to this worker, with the connector
    /// configuration `props`, target `target` and the committed task configurations
    /// `committed`. A connector configuration the worker rejects fails the tasks.
    pub async fn assign_tasks(
        &self,
        name: &str,
        props: ConfigMap,
        target: TargetState,
        committed: &[ConfigMap],
        tasks: &[u32],
    ) -> ConnectResult<()> {
        let validated = self.resolve(&props);
        let mut map = self.connectors.lock().await;
        if !map.contains_key(name) {
            match &validated {
                Ok((config, factory)) => {
                    let entry = ConnectorEntry::new(config.clone(), factory.clone(), target, false);
                    map.insert(name.to_string(), entry);
                }
                Err(e) => {
                    for &n in tasks {
                        let id = task_id(name, n);
                        self.status.put_task(&id, State::Failed, Some(trace(e)));
                    }
                    return validated.map(|_| ());
                }
            }
        }
        let Some(entry) = map.get_mut(name) else {
            return Ok(());
        };
        entry.assigned.extend(tasks.iter().copied());
        entry.task_configs = committed.to_vec();
        if entry.config.raw != props {
            match validated {
                Ok((config, factory)) => {
                    entry.config = config;
                    entry.factory = factory;
                    self.restart_local_tasks(name, entry).await;
                }
                Err(e) => {
                    self.publish(name, Some(entry));
                    return Err(e);
                }
            }
        }
        entry.target.send_replace(target);
        // Tasks already running here with an older committed configuration restart too.
        let stale: Vec<u32> = entry
            .tasks
            .iter()
            .filter(|(n, t)| committed.get(**n as usize) != Some(&t.config))
            .map(|(n, _)| *n)
            .collect();
        self.stop_tasks(name, entry, &stale).await;
        if target != TargetState::Stopped {
            let idle: Vec<u32> = entry
                .assigned
                .iter()
                .copied()
                .filter(|n| !entry.tasks.contains_key(n))
                .collect();
            self.start_tasks(name, entry, &idle);
        }
        self.publish(name, Some(entry));
        Ok(())
    }

    /// Stops revoked work: the instances of `connectors` and the tasks `tasks` (within one
    /// `task.shutdown.graceful.timeout.ms`), and forgets their local statuses. Returns the
    /// connectors of which nothing is left on this worker.
    pub async fn revoke(
        &self,
        connectors: &BTreeSet<String>,
        tasks: &BTreeSet<TaskId>,
    ) -> Vec<String> {
        let mut map = self.connectors.lock().await;
        let mut stopping = Vec::new();
        for id in tasks {
            if let Some(entry) = map.get_mut(&id.connector) {
                entry.assigned.remove(&id.task);
                if let Some(running) = entry.tasks.remove(&id.task) {
                    stopping.push((id.clone(), running));
                }
            }
        }
        stop_within(
            stopping,
            Instant::now() + self.config.task_shutdown_timeout(),
        )
        .await;
        for id in tasks {
            self.status.remove_task(id);
            tracing::info!(task = %id, "stopped task (revoked)");
        }
        for name in connectors {
            if let Some(entry) = map.get_mut(name) {
                self.stop_instance(name, entry).await;
                entry.owned = false;
                tracing::info!(connector = %name, "stopped connector (revoked)");
            }
            // Also the status of an instance that never started (rejected configuration).
            self.status.remove_connector_state(name);
        }
        let names: BTreeSet<&str> = connectors
            .iter()
            .map(String::as_str)
            .chain(tasks.iter().map(|t| t.connector.as_str()))
            .collect();
        let mut gone = Vec::new();
        for name in names {
            if map.get(name).is_some_and(ConnectorEntry::is_idle) {
                map.remove(name);
                self.publish(name, None);
                gone.push(name.to_string());
            }
        }
        gone
    }

    /// Applies what the config topic now says about connector `name` (its configuration
    /// `props` and committed task configurations `committed`) to what runs here: the
    /// instance, if owned, restarts with a changed configuration (generating its tasks
    /// again); local tasks restart when their connector's or their own configuration
    /// changed, stop when the connector no longer has them, and start when they are
    /// assigned but not running.
    pub async fn apply_cluster_config(
        &self,
        name: &str,
        props: &ConfigMap,
        committed: &[ConfigMap],
    ) -> ConnectResult<()> {
        let changed = self.snapshot(name).is_some_and(|s| s.config != *props);
        let validated = if changed {
            Some(self.resolve(props))
        } else {
            None
        };
        let mut map = self.connectors.lock().await;
        let Some(entry) = map.get_mut(name) else {
            return Ok(());
        };
        let mut restart: Vec<u32> = Vec::new();
        let mut stop: Vec<u32> = Vec::new();
        let props_changed = entry.config.raw != *props;
        for &n in &entry.assigned {
            match committed.get(n as usize) {
                None => stop.push(n),
                Some(c) => {
                    // Compared with what the task runs (not with the last committed
                    // configurations, which a later assignment may have recorded).
                    let same = entry.tasks.get(&n).is_some_and(|t| t.config == *c);
                    if props_changed || !same {
                        restart.push(n);
                    }
                }
            }
        }
        if props_changed {
            match validated {
                Some(Ok((config, factory))) => {
                    entry.config = config;
                    entry.factory = factory;
                }
                Some(Err(e)) => {
                    let all: Vec<u32> = entry.tasks.keys().copied().collect();
                    self.stop_tasks(name, entry, &all).await;
                    for n in all {
                        self.status
                            .put_task(&task_id(name, n), State::Failed, Some(trace(&e)));
                    }
                    if entry.owned {
                        self.stop_instance(name, entry).await;
                        self.status
                            .put_connector(name, State::Failed, Some(trace(&e)));
                    }
                    self.publish(name, Some(entry));
                    return Err(e);
                }
                // The configuration changed again meanwhile; the next update applies it.
                None => return Ok(()),
            }
            if entry.owned {
                self.stop_instance(name, entry).await;
                self.bring_up(name, entry, true).await;
            }
        }
        entry.task_configs = committed.to_vec();
        stop.extend(&restart);
        self.stop_tasks(name, entry, &stop).await;
        for n in stop.iter().filter(|n| !restart.contains(n)) {
            entry.assigned.remove(n);
            self.status.remove_task(&task_id(name, *n));
        }
        if *entry.target.borrow() != TargetState::Stopped {
            self.start_tasks(name, entry, &restart);
        }
        self.publish(name, Some(entry));
        Ok(())
    }

    /// Restarts the tasks running here with the entry's current configuration.
    async fn restart_local_tasks(&self, name: &str, entry: &mut ConnectorEntry) {
        let running: Vec<u32> = entry.tasks.keys().copied().collect();
        if running.is_empty() {
            return;
        }
        self.stop_tasks(name, entry, &running).await;
        self.start_tasks(name, entry, &running);
    }
}
