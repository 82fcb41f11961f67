//! Automatic restart of failed tasks and connectors (a kconnect extension; Java leaves them
//! FAILED until someone restarts them through the REST API).
//!
//! The supervisor watches the statuses of the connectors this worker runs. When a task or
//! connector of a started connector becomes FAILED, it waits `kconnect.restart.backoff.
//! initial.ms`, doubled for each failure in a row up to `kconnect.restart.backoff.max.ms`,
//! then restarts it (status RESTARTING, then RUNNING once it started), logging each step.
//! It gives up after `kconnect.restart.max.attempts` failures in a row (-1: never). A task
//! or connector that stayed RUNNING for `kconnect.restart.backoff.max.ms` starts over from
//! the initial delay. Nothing is restarted when `kconnect.restart.enable=false`, nor when a
//! task failed on a record with `errors.tolerance=none` (its error handling marks the status
//! as a data failure): the same record would fail again, so that needs a fix and a manual
//! restart. Restarts take the worker's operations lock, as REST operations do, and are
//! dropped if the connector was stopped, deleted or restarted while waiting for it.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::restart_backoff::{Subject, Track};
use super::status::{State, Status};
use super::{TargetState, Worker};
use crate::config::ConnectorConfig;
use crate::task::TaskId;

pub use super::restart_backoff::RestartPolicy;

/// How often statuses are checked.
const POLL: Duration = Duration::from_millis(100);

/// Starts supervising `worker`'s connectors; stops when the worker is dropped.
pub fn spawn(worker: &Arc<Worker>) -> JoinHandle<()> {
    tokio::spawn(supervise(Arc::downgrade(worker)))
}

async fn supervise(worker: Weak<Worker>) {
    let mut tracks: HashMap<Subject, Track> = HashMap::new();
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(worker) = worker.upgrade() else {
            return;
        };
        sweep(&worker, &mut tracks).await;
    }
}

async fn sweep(worker: &Worker, tracks: &mut HashMap<Subject, Track>) {
    let now = Instant::now();
    let status = worker.status().clone();
    let mut seen = Vec::new();
    for name in worker.connector_names() {
        let Some(snapshot) = worker.snapshot(&name) else {
            continue;
        };
        if snapshot.target != TargetState::Started {
            continue;
        }
        let Ok(config) = ConnectorConfig::parse(snapshot.config, snapshot.connector_type) else {
            continue;
        };
        let policy = RestartPolicy::from_config(&config);
        let mut subjects: Vec<(Subject, Status)> = Vec::new();
        if let Some(s) = status.connector(&name) {
            subjects.push((Subject::Connector(name.clone()), s));
        }
        for (n, s) in status.tasks(&name) {
            let id = TaskId {
                connector: name.clone(),
                task: n,
            };
            subjects.push((Subject::Task(id), s));
        }
        let mut restart_connector = None;
        let mut restart_tasks = Vec::new();
        for (who, s) in subjects {
            let due = tracks
                .entry(who.clone())
                .or_default()
                .observe(&who, &s, &policy, now);
            match (&who, due) {
                (Subject::Connector(_), true) => restart_connector = Some(s.transition),
                (Subject::Task(t), true) => restart_tasks.push((t.task, s.transition)),
                _ => {}
            }
            seen.push(who);
        }
        if restart_connector.is_some() || !restart_tasks.is_empty() {
            restart(worker, &name, restart_connector, restart_tasks).await;
        }
    }
    tracks.retain(|k, _| seen.contains(k));
}

/// Restarts the connector (`connector`: the transition of the failure seen) or the tasks
/// (number, transition) under the operations lock, unless they changed meanwhile.
async fn restart(worker: &Worker, name: &str, connector: Option<u64>, tasks: Vec<(u32, u64)>) {
    let _ops = worker.operations().lock().await;
    if worker
        .snapshot(name)
        .is_none_or(|s| s.target != TargetState::Started)
    {
        tracing::info!(connector = %name, "not restarting: the connector was stopped, paused or deleted meanwhile");
        return;
    }
    let status = worker.status();
    let unchanged = |s: Option<Status>, transition: u64| {
        s.is_some_and(|s| s.state == State::Failed && s.transition == transition)
    };
    let result = if connector.is_some_and(|t| unchanged(status.connector(name), t)) {
        worker.restart_connector(name).await
    } else {
        let current = status.tasks(name);
        let tasks: Vec<u32> = tasks
            .into_iter()
            .filter(|(n, t)| {
                let s = current.iter().find(|(m, _)| m == n).map(|(_, s)| s.clone());
                unchanged(s, *t)
            })
            .map(|(n, _)| n)
            .collect();
        if tasks.is_empty() {
            return;
        }
        worker.restart_instances(name, false, &tasks).await
    };
    if let Err(e) = result {
        tracing::warn!(connector = %name, "automatic restart failed: {e}");
    }
}
