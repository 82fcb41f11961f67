//! Connector and task states as the REST API and status topic report them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{SystemTime, UNIX_EPOCH};

use kconnect_api::ConnectError;

use crate::task::TaskId;

/// The trace shown for a failure: Java-style exception class and message.
pub fn trace(e: &ConnectError) -> String {
    format!("{}: {}", e.java_class(), e)
}

/// A connector's or task's state (kafka-connect-spec.md §8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Not running anywhere yet.
    Unassigned,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Stopped (connectors only).
    Stopped,
    /// Failed; see the trace.
    Failed,
    /// Being restarted.
    Restarting,
}

impl State {
    /// The name the REST API shows.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unassigned => "UNASSIGNED",
            Self::Running => "RUNNING",
            Self::Paused => "PAUSED",
            Self::Stopped => "STOPPED",
            Self::Failed => "FAILED",
            Self::Restarting => "RESTARTING",
        }
    }
}

/// A status entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// State.
    pub state: State,
    /// What failed, for FAILED.
    pub trace: Option<String>,
    /// Worker that reported it.
    pub worker_id: String,
    /// The version of the connector plugin (KIP-891), once the worker has resolved it.
    pub version: Option<String>,
    /// For FAILED tasks: the failure came from a record under `errors.tolerance=none` (the
    /// task's error handling says so; the trace is not parsed). A restart would meet the
    /// same record again.
    pub data_failure: bool,
    /// Which state change produced this status: increases with every change of state in
    /// the store, so a watcher can tell a new failure from one it already saw.
    pub transition: u64,
}

/// The first use of a topic by a connector's task on this worker (topic tracking, KIP-558).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicUse {
    /// The task that used it first.
    pub task: u32,
    /// When (epoch milliseconds).
    pub discovered: i64,
}

/// Statuses of every connector and task known to this worker.
#[derive(Debug, Default)]
pub struct StatusStore {
    worker_id: String,
    connectors: RwLock<BTreeMap<String, Status>>,
    tasks: RwLock<BTreeMap<TaskId, Status>>,
    topics: RwLock<BTreeMap<String, BTreeMap<String, TopicUse>>>,
    /// Plugin version of each connector this worker runs or runs tasks of.
    versions: RwLock<BTreeMap<String, String>>,
    transitions: AtomicU64,
}

impl StatusStore {
    /// An empty store for a worker.
    pub fn new(worker_id: impl Into<String>) -> Self {
        Self {
            worker_id: worker_id.into(),
            ..Self::default()
        }
    }

    /// This worker's id.
    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    /// Records the plugin version of connector `name`; its statuses and its tasks' carry it
    /// from then on.
    pub fn set_version(&self, name: &str, version: &str) {
        if let Ok(mut m) = self.versions.write() {
            if m.get(name).map(String::as_str) != Some(version) {
                m.insert(name.to_string(), version.to_string());
            }
        }
    }

    /// The plugin version recorded for connector `name`.
    fn version(&self, name: &str) -> Option<String> {
        self.versions.read().ok()?.get(name).cloned()
    }

    /// The status replacing `previous`: a new transition number unless the state stays.
    fn status(
        &self,
        connector: &str,
        previous: Option<&Status>,
        state: State,
        trace: Option<String>,
        data_failure: bool,
    ) -> Status {
        let transition = match previous {
            Some(p) if p.state == state => p.transition,
            _ => self.transitions.fetch_add(1, Ordering::Relaxed) + 1,
        };
        Status {
            state,
            trace,
            worker_id: self.worker_id.clone(),
            version: self.version(connector),
            data_failure,
            transition,
        }
    }

    /// Sets a connector's state.
    pub fn put_connector(&self, name: &str, state: State, trace: Option<String>) {
        if let Ok(mut m) = self.connectors.write() {
            let status = self.status(name, m.get(name), state, trace, false);
            m.insert(name.to_string(), status);
        }
        match state {
            State::Failed => tracing::error!(connector = name, "connector failed"),
            _ => tracing::info!(connector = name, state = state.name(), "connector state"),
        }
    }

    /// Sets a task's state.
    pub fn put_task(&self, id: &TaskId, state: State, trace: Option<String>) {
        self.put_task_marked(id, state, trace, false);
    }

    /// Sets a task's state; `data_failure` marks a failure caused by a record under
    /// `errors.tolerance=none`.
    pub fn put_task_marked(
        &self,
        id: &TaskId,
        state: State,
        trace: Option<String>,
        data_failure: bool,
    ) {
        if let Some(t) = &trace {
            tracing::error!(task = %id, "task failed: {t}");
        } else {
            tracing::info!(task = %id, state = state.name(), "task state");
        }
        if let Ok(mut m) = self.tasks.write() {
            let status = self.status(&id.connector, m.get(id), state, trace, data_failure);
            m.insert(id.clone(), status);
        }
    }

    /// A connector's status.
    pub fn connector(&self, name: &str) -> Option<Status> {
        self.connectors.read().ok()?.get(name).cloned()
    }

    /// A connector's task statuses, by task number.
    pub fn tasks(&self, connector: &str) -> Vec<(u32, Status)> {
        self.tasks
            .read()
            .map(|m| {
                m.iter()
                    .filter(|(id, _)| id.connector == connector)
                    .map(|(id, s)| (id.task, s.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Forgets a connector and its tasks.
    pub fn remove_connector(&self, name: &str) {
        if let Ok(mut m) = self.connectors.write() {
            m.remove(name);
        }
        if let Ok(mut m) = self.tasks.write() {
            m.retain(|id, _| id.connector != name);
        }
        if let Ok(mut m) = self.versions.write() {
            m.remove(name);
        }
        self.reset_topics(name);
    }

    /// Names of the connectors with a status of their own or of a task, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: std::collections::BTreeSet<String> = self
            .connectors
            .read()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        if let Ok(m) = self.tasks.read() {
            names.extend(m.keys().map(|id| id.connector.clone()));
        }
        names.into_iter().collect()
    }

    /// Forgets a connector's own state, keeping its tasks' (its instance left this worker;
    /// some of its tasks may still run here).
    pub fn remove_connector_state(&self, name: &str) {
        if let Ok(mut m) = self.connectors.write() {
            m.remove(name);
        }
    }

    /// Records that a connector's task produced to or consumed from `topic` (topic tracking,
    /// `GET /connectors/{c}/topics`). Cheap when the topic is already known.
    pub fn topic_used(&self, connector: &str, topic: &str) {
        self.task_used_topic(connector, 0, topic);
    }

    /// Records that task `task` of `connector` used `topic`; the first use is kept (task and
    /// time). Cheap when the topic is already known.
    pub fn task_used_topic(&self, connector: &str, task: u32, topic: &str) {
        let known = self
            .topics
            .read()
            .map(|t| t.get(connector).is_some_and(|s| s.contains_key(topic)))
            .unwrap_or(true);
        if !known {
            let discovered = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            if let Ok(mut t) = self.topics.write() {
                t.entry(connector.to_string())
                    .or_default()
                    .entry(topic.to_string())
                    .or_insert(TopicUse { task, discovered });
            }
        }
    }

    /// Topics a connector used since it was created or its topics were reset, sorted.
    pub fn topics(&self, connector: &str) -> Vec<String> {
        self.topics
            .read()
            .ok()
            .and_then(|t| t.get(connector).map(|s| s.keys().cloned().collect()))
            .unwrap_or_default()
    }

    /// Every recorded use: connector, topic and first use.
    pub fn topic_uses(&self) -> Vec<(String, String, TopicUse)> {
        self.topics
            .read()
            .map(|t| {
                t.iter()
                    .flat_map(|(c, topics)| topics.iter().map(|(t, u)| (c.clone(), t.clone(), *u)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Forgets a connector's active topics.
    pub fn reset_topics(&self, connector: &str) {
        if let Ok(mut t) = self.topics.write() {
            t.remove(connector);
        }
    }

    /// Forgets one of a connector's active topics: the next use records it again.
    pub fn forget_topic(&self, connector: &str, topic: &str) {
        if let Ok(mut t) = self.topics.write() {
            if let Some(topics) = t.get_mut(connector) {
                topics.remove(topic);
                if topics.is_empty() {
                    t.remove(connector);
                }
            }
        }
    }

    /// Forgets one task.
    pub fn remove_task(&self, id: &TaskId) {
        if let Ok(mut m) = self.tasks.write() {
            m.remove(id);
        }
    }
}
