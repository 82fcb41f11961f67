//! Connector and task states as the REST API and status topic report them.

use std::collections::BTreeMap;
use std::sync::RwLock;

use crate::task::TaskId;

/// A connector's or task's state (spec §8.1).
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
}

/// Statuses of every connector and task known to this worker.
#[derive(Debug, Default)]
pub struct StatusStore {
    worker_id: String,
    connectors: RwLock<BTreeMap<String, Status>>,
    tasks: RwLock<BTreeMap<TaskId, Status>>,
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

    fn status(&self, state: State, trace: Option<String>) -> Status {
        Status {
            state,
            trace,
            worker_id: self.worker_id.clone(),
        }
    }

    /// Sets a connector's state.
    pub fn put_connector(&self, name: &str, state: State, trace: Option<String>) {
        if let Ok(mut m) = self.connectors.write() {
            m.insert(name.to_string(), self.status(state, trace));
        }
        match state {
            State::Failed => tracing::error!(connector = name, "connector failed"),
            _ => tracing::info!(connector = name, state = state.name(), "connector state"),
        }
    }

    /// Sets a task's state.
    pub fn put_task(&self, id: &TaskId, state: State, trace: Option<String>) {
        if let Some(t) = &trace {
            tracing::error!(task = %id, "task failed: {t}");
        } else {
            tracing::info!(task = %id, state = state.name(), "task state");
        }
        if let Ok(mut m) = self.tasks.write() {
            m.insert(id.clone(), self.status(state, trace));
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
    }

    /// Forgets one task.
    pub fn remove_task(&self, id: &TaskId) {
        if let Ok(mut m) = self.tasks.write() {
            m.remove(id);
        }
    }
}
