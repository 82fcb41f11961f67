//! A connector's tasks: generating their configurations (under the plugin call deadline),
//! starting them, and stopping them within `task.shutdown.graceful.timeout.ms`, one budget
//! for the whole batch (kafka-connect-spec.md §8.2). A task that does not stop in time is cancelled through
//! its fence (its late status updates and offset commits are dropped), then aborted.

use std::collections::BTreeMap;

use kconnect_api::{ConfigMap, ConnectError, ConnectResult};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::fence::TaskFence;
use super::status::{trace, State};
use super::{plugin_call, ConnectorEntry, Instance, RunningTask, Worker};
use crate::config::keys::TASK_CLASS;
use crate::config::providers::restore_placeholders;
use crate::plugins::ConnectorFactory;
use crate::task::TaskId;

/// Stops `tasks`: signals all of them, waits for them until `deadline`, then cancels and
/// aborts the ones still running.
pub(super) async fn stop_within(tasks: Vec<(TaskId, RunningTask)>, deadline: Instant) {
    for (_, t) in &tasks {
        t.cancel.cancel();
    }
    for (id, t) in tasks {
        let abort = t.handle.abort_handle();
        if tokio::time::timeout_at(deadline, t.handle).await.is_err() {
            tracing::warn!(
                task = %id,
                "task did not stop within task.shutdown.graceful.timeout.ms; cancelling it (its later state changes and offset commits are ignored)"
            );
            t.fence.cancel();
            abort.abort();
        }
    }
}

/// The id of task `task` of connector `name`.
pub(super) fn task_id(name: &str, task: u32) -> TaskId {
    TaskId {
        connector: name.to_string(),
        task,
    }
}

impl Worker {
    /// Asks the started connector for task configurations; if they differ from the current
    /// ones (or tasks are missing), replaces the tasks.
    pub(super) async fn regenerate_tasks(
        &self,
        name: &str,
        entry: &mut ConnectorEntry,
    ) -> ConnectResult<()> {
        let max = entry.config.tasks_max();
        let Some(instance) = entry.instance.take() else {
            return Ok(());
        };
        let what = format!("Connector {name}: taskConfigs()");
        let (instance, task_class, configs) =
            plugin_call::blocking(&what, self.plugin_timeout, move || {
                let (class, configs) = match &instance {
                    Instance::Source(c) => (c.task_class(), c.task_configs(max)),
                    Instance::Sink(c) => (c.task_class(), c.task_configs(max)),
                };
                (instance, class, configs)
            })
            .await?;
        entry.instance = Some(instance);
        let configs: Vec<ConfigMap> = configs?
            .into_iter()
            .map(|mut t| {
                t.insert(TASK_CLASS.into(), task_class.into());
                t
            })
            .collect();
        // Secrets the connector copied from its resolved configuration go back to their
        // placeholders before the configurations are stored or shown.
        let configs = restore_placeholders(&entry.config.raw, configs);
        if let Some(cluster) = &self.cluster {
            // The cluster commits them; the workers the group assigns the tasks to run them.
            let _ = cluster.send((name.to_string(), configs));
            return Ok(());
        }
        if configs == entry.task_configs && entry.tasks.len() == configs.len() {
            tracing::debug!(connector = name, "task configurations unchanged");
            return Ok(());
        }
        self.replace_tasks(name, entry, configs).await;
        Ok(())
    }

    /// Stops every task and starts one for each of `configs`. Statuses of task numbers that
    /// remain are kept (they show the tasks restarting); the others are forgotten.
    async fn replace_tasks(&self, name: &str, entry: &mut ConnectorEntry, configs: Vec<ConfigMap>) {
        let running: Vec<u32> = entry.tasks.keys().copied().collect();
        self.stop_tasks(name, entry, &running).await;
        let known = entry
            .task_configs
            .len()
            .max(running.last().map_or(0, |n| *n as usize + 1));
        for n in configs.len()..known {
            self.status.remove_task(&task_id(name, n as u32));
        }
        entry.task_configs = configs;
        let ids: Vec<u32> = (0..entry.task_configs.len() as u32).collect();
        self.start_tasks(name, entry, &ids);
    }

    /// Stops every task, forgets their configurations and statuses.
    pub(super) async fn remove_tasks(&self, name: &str, entry: &mut ConnectorEntry) {
        self.replace_tasks(name, entry, Vec::new()).await;
    }

    pub(super) fn start_tasks(&self, name: &str, entry: &mut ConnectorEntry, ids: &[u32]) {
        self.note_plugin_version(name, &entry.config);
        for &n in ids {
            if !entry.runs_task(n, self) {
                continue;
            }
            let Some(task_config) = entry.task_configs.get(n as usize).cloned() else {
                continue;
            };
            let id = task_id(name, n);
            self.status.put_task(&id, State::Unassigned, None);
            let config = task_config.clone();
            let task_config = match self.config.providers.resolve(&task_config) {
                Ok(resolved) => resolved,
                Err(e) => {
                    let e = ConnectError::Config(e);
                    self.status.put_task(&id, State::Failed, Some(trace(&e)));
                    continue;
                }
            };
            let cancel = CancellationToken::new();
            let fence = TaskFence::new();
            let target = entry.target.subscribe();
            let spawned = match &entry.factory {
                ConnectorFactory::Source(f) => self
                    .source_runner(
                        &entry.config,
                        id.clone(),
                        f().create_task(),
                        task_config,
                        &fence,
                    )
                    .map(|r| tokio::spawn(r.run(cancel.clone(), target))),
                ConnectorFactory::Sink(f) => self
                    .sink_runner(
                        &entry.config,
                        id.clone(),
                        f().create_task(),
                        task_config,
                        &fence,
                    )
                    .map(|r| tokio::spawn(r.run(cancel.clone(), target))),
            };
            match spawned {
                Ok(handle) => {
                    entry.tasks.insert(
                        n,
                        RunningTask {
                            cancel,
                            fence,
                            handle,
                            config,
                        },
                    );
                }
                Err(e) => {
                    // The runner was built from resolved configurations: no resolved
                    // value may reach the status.
                    let mut redactions = self.config.providers.redactions(&config);
                    redactions.extend(self.config.providers.redactions(&entry.config.raw));
                    let e = e.redacted(&redactions);
                    self.status.put_task(&id, State::Failed, Some(trace(&e)))
                }
            }
        }
    }

    /// Stops the given tasks, waiting up to `task.shutdown.graceful.timeout.ms` in total.
    pub(super) async fn stop_tasks(&self, name: &str, entry: &mut ConnectorEntry, ids: &[u32]) {
        let stopping = ids
            .iter()
            .filter_map(|n| Some((task_id(name, *n), entry.tasks.remove(n)?)))
            .collect();
        let deadline = Instant::now() + self.config.task_shutdown_timeout();
        stop_within(stopping, deadline).await;
    }

    /// Stops the tasks of every connector, within one `task.shutdown.graceful.timeout.ms`.
    pub(super) async fn stop_all_tasks(&self, entries: &mut BTreeMap<String, ConnectorEntry>) {
        let deadline = Instant::now() + self.config.task_shutdown_timeout();
        let mut stopping = Vec::new();
        for (name, entry) in entries.iter_mut() {
            for (n, t) in std::mem::take(&mut entry.tasks) {
                stopping.push((task_id(name, n), t));
            }
        }
        stop_within(stopping, deadline).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn running(handle: tokio::task::JoinHandle<()>) -> RunningTask {
        RunningTask {
            cancel: CancellationToken::new(),
            fence: TaskFence::new(),
            handle,
            config: ConfigMap::new(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn one_budget_for_the_batch_then_stragglers_are_cancelled() {
        let budget = Duration::from_secs(5);
        let mut tasks = Vec::new();
        let mut fences = Vec::new();
        for (c, n) in [("a", 0), ("a", 1), ("b", 0), ("c", 0)] {
            let t = running(tokio::spawn(std::future::pending()));
            fences.push(t.fence.clone());
            tasks.push((task_id(c, n), t));
        }
        // One well-behaved task stops when asked; it is not cancelled.
        let cancel = CancellationToken::new();
        let token = cancel.clone();
        let polite = RunningTask {
            cancel,
            config: ConfigMap::new(),
            fence: TaskFence::new(),
            handle: tokio::spawn(async move { token.cancelled().await }),
        };
        let polite_fence = polite.fence.clone();
        tasks.push((task_id("d", 0), polite));
        let aborts: Vec<_> = tasks.iter().map(|(_, t)| t.handle.abort_handle()).collect();
        let started = Instant::now();
        stop_within(tasks, started + budget).await;
        let elapsed = started.elapsed();
        assert!(
            elapsed >= budget && elapsed < budget * 2,
            "four stuck tasks share one budget: {elapsed:?}"
        );
        assert!(fences.iter().all(TaskFence::is_cancelled));
        assert!(!polite_fence.is_cancelled());
        tokio::task::yield_now().await;
        assert!(aborts.iter().all(|a| a.is_finished()));
    }
}
