//! The materialized view of the config topic: Java's `KafkaConfigBackingStore` reader rules
//! (kafka-connect-spec.md §6.2). Task configurations are buffered until a commit record names their count;
//! an incomplete set marks the connector inconsistent until a complete one is committed.

use std::collections::{BTreeMap, BTreeSet};

use kconnect_api::ConfigMap;

use super::config_records::{ConfigRecord, SessionKey};
use crate::task::TaskId;
use crate::worker::TargetState;

/// What applying a record changed, for the herder to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigUpdate {
    /// A connector's configuration was created or changed.
    ConnectorConfig(String),
    /// A connector was deleted.
    ConnectorRemoved(String),
    /// A connector's target state changed.
    TargetState(String),
    /// A new set of task configurations was committed for a connector.
    TasksCommitted(String),
    /// A commit named task configurations that are missing: the connector is inconsistent.
    Inconsistent(String),
    /// A new session key.
    SessionKey,
    /// A restart request (KIP-745).
    Restart {
        /// Connector.
        connector: String,
        /// Restart its tasks too.
        include_tasks: bool,
        /// Only failed instances.
        only_failed: bool,
    },
    /// A cluster-wide log level.
    LoggerLevel(String, String),
}

/// Everything read from the config topic so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigState {
    offset: i64,
    connectors: BTreeMap<String, ConfigMap>,
    target_states: BTreeMap<String, TargetState>,
    /// Committed task configurations by connector, task 0..n-1.
    tasks: BTreeMap<String, Vec<ConfigMap>>,
    deferred: BTreeMap<String, BTreeMap<u32, ConfigMap>>,
    inconsistent: BTreeSet<String>,
    generations: BTreeMap<String, u32>,
    task_count_records: BTreeMap<String, u32>,
    pending_fencing: BTreeSet<String>,
    session_key: Option<SessionKey>,
}

impl ConfigState {
    /// Nothing read yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The position exposed to the group protocol: offset of the last record read + 1.
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// Names of all connectors with a configuration.
    pub fn connectors(&self) -> impl Iterator<Item = &String> {
        self.connectors.keys()
    }

    /// A connector's raw configuration.
    pub fn connector_config(&self, name: &str) -> Option<&ConfigMap> {
        self.connectors.get(name)
    }

    /// A connector's target state (STARTED when none was written).
    pub fn target_state(&self, name: &str) -> Option<TargetState> {
        self.connectors.contains_key(name).then(|| {
            self.target_states
                .get(name)
                .copied()
                .unwrap_or(TargetState::Started)
        })
    }

    /// The committed task configurations of a consistent connector (empty otherwise).
    pub fn task_configs(&self, name: &str) -> &[ConfigMap] {
        if self.inconsistent.contains(name) {
            return &[];
        }
        self.tasks.get(name).map_or(&[], Vec::as_slice)
    }

    /// One task's committed configuration.
    pub fn task_config(&self, id: &TaskId) -> Option<&ConfigMap> {
        self.task_configs(&id.connector).get(id.task as usize)
    }

    /// Whether the connector's last commit named task configurations that are missing.
    pub fn is_inconsistent(&self, name: &str) -> bool {
        self.inconsistent.contains(name)
    }

    /// How many task-config commits were applied for the connector (first = 0).
    pub fn task_config_generation(&self, name: &str) -> Option<u32> {
        self.generations.get(name).copied()
    }

    /// Connectors whose tasks were committed after their last task count record.
    pub fn pending_fencing(&self) -> &BTreeSet<String> {
        &self.pending_fencing
    }

    /// The latest task count record of a connector.
    pub fn task_count_record(&self, name: &str) -> Option<u32> {
        self.task_count_records.get(name).copied()
    }

    /// The current session key.
    pub fn session_key(&self) -> Option<&SessionKey> {
        self.session_key.as_ref()
    }

    /// Every connector and task the cluster should run: connectors with a configuration,
    /// and the tasks of consistent ones.
    pub fn all_tasks(&self) -> Vec<TaskId> {
        self.connectors
            .keys()
            .flat_map(|c| {
                (0..self.task_configs(c).len()).map(move |n| TaskId {
                    connector: c.clone(),
                    task: n as u32,
                })
            })
            .collect()
    }

    /// Notes that the record at `offset` was read without being applied (unknown key or
    /// unreadable value), so the exposed position still moves past it.
    pub fn skip(&mut self, offset: i64) {
        self.offset = self.offset.max(offset + 1);
    }

    /// Applies the record read at `offset`.
    pub fn apply(&mut self, offset: i64, record: ConfigRecord) -> Option<ConfigUpdate> {
        self.offset = self.offset.max(offset + 1);
        match record {
            ConfigRecord::Connector(name, None) => {
                self.connectors.remove(&name);
                self.target_states.remove(&name);
                self.tasks.remove(&name);
                self.deferred.remove(&name);
                self.inconsistent.remove(&name);
                Some(ConfigUpdate::ConnectorRemoved(name))
            }
            ConfigRecord::Connector(name, Some(config)) => {
                self.connectors.insert(name.clone(), config);
                Some(ConfigUpdate::ConnectorConfig(name))
            }
            ConfigRecord::TargetState(name, state) => {
                match state {
                    Some(s) => self.target_states.insert(name.clone(), s),
                    None => self.target_states.remove(&name),
                };
                Some(ConfigUpdate::TargetState(name))
            }
            ConfigRecord::Task(id, Some(config)) => {
                self.deferred
                    .entry(id.connector)
                    .or_default()
                    .insert(id.task, config);
                None
            }
            ConfigRecord::Task(id, None) => {
                tracing::warn!(task = %id, "ignoring a null task configuration");
                None
            }
            ConfigRecord::Commit(name, count) => self.commit(name, count),
            ConfigRecord::TaskCount(name, count) => {
                self.task_count_records.insert(name.clone(), count);
                self.pending_fencing.remove(&name);
                None
            }
            ConfigRecord::SessionKey(key) => {
                self.session_key = Some(key);
                Some(ConfigUpdate::SessionKey)
            }
            ConfigRecord::Restart {
                connector,
                include_tasks,
                only_failed,
            } => Some(ConfigUpdate::Restart {
                connector,
                include_tasks,
                only_failed,
            }),
            ConfigRecord::LoggerLevel(ns, level) => Some(ConfigUpdate::LoggerLevel(ns, level)),
        }
    }

    fn commit(&mut self, name: String, count: u32) -> Option<ConfigUpdate> {
        // Buffers are always cleared at a commit, applied or not.
        let mut deferred = self.deferred.remove(&name).unwrap_or_default();
        if !self.connectors.contains_key(&name) {
            tracing::debug!(
                connector = name,
                "ignoring a task commit for a deleted connector"
            );
            return None;
        }
        let complete = (0..count).all(|n| deferred.contains_key(&n));
        if !complete {
            tracing::error!(
                connector = name,
                count,
                "task configuration commit names missing task configurations"
            );
            self.inconsistent.insert(name.clone());
            return Some(ConfigUpdate::Inconsistent(name));
        }
        let configs: Vec<ConfigMap> = (0..count).filter_map(|n| deferred.remove(&n)).collect();
        self.tasks.insert(name.clone(), configs);
        self.inconsistent.remove(&name);
        self.generations
            .entry(name.clone())
            .and_modify(|g| *g += 1)
            .or_insert(0);
        self.pending_fencing.insert(name.clone());
        Some(ConfigUpdate::TasksCommitted(name))
    }
}
