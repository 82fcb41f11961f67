//! Records of the status topic (`status.storage.topic`, kafka-connect-spec.md §6.3): connector and task
//! statuses and active-topic tracking, keyed and encoded as Java's `KafkaStatusBackingStore`
//! does.

use kconnect_api::{ConnectError, ConnectResult, Value};

use super::config_records::{int_field, object, str_field};
use super::internal_json::InternalJson;
use crate::task::TaskId;
use crate::worker::status::State;

/// Which status a record is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusKey {
    /// `status-connector-<name>`.
    Connector(String),
    /// `status-task-<name>-<n>`.
    Task(TaskId),
    /// `status-topic-<topic>:connector-<name>`.
    Topic {
        /// The topic.
        topic: String,
        /// The connector that used it.
        connector: String,
    },
}

impl StatusKey {
    /// The record key.
    pub fn key(&self) -> String {
        match self {
            Self::Connector(c) => format!("status-connector-{c}"),
            Self::Task(id) => format!("status-task-{}-{}", id.connector, id.task),
            Self::Topic { topic, connector } => {
                format!("status-topic-{topic}:connector-{connector}")
            }
        }
    }

    /// Parses a key; `None` for keys that are not status keys.
    pub fn parse(key: &str) -> Option<Self> {
        if let Some(c) = key.strip_prefix("status-connector-") {
            return Some(Self::Connector(c.to_string()));
        }
        if let Some(rest) = key.strip_prefix("status-task-") {
            let (connector, n) = rest.rsplit_once('-')?;
            return Some(Self::Task(TaskId {
                connector: connector.to_string(),
                task: n.parse().ok()?,
            }));
        }
        let rest = key.strip_prefix("status-topic-")?;
        let (topic, connector) = rest.split_once(":connector-")?;
        Some(Self::Topic {
            topic: topic.to_string(),
            connector: connector.to_string(),
        })
    }
}

/// A connector's or task's status as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord {
    /// State.
    pub state: State,
    /// Java stack trace of a failure.
    pub trace: Option<String>,
    /// Worker that wrote it.
    pub worker_id: String,
    /// Group generation of the writer.
    pub generation: i32,
    /// The connector plugin's version (KIP-891; `null` when unknown or written before 4.1).
    pub version: Option<String>,
}

fn parse_state(name: &str) -> Option<State> {
    Some(match name {
        "UNASSIGNED" => State::Unassigned,
        "RUNNING" => State::Running,
        "PAUSED" => State::Paused,
        "STOPPED" => State::Stopped,
        "FAILED" => State::Failed,
        "RESTARTING" => State::Restarting,
        _ => return None,
    })
}

impl StatusRecord {
    /// `{"state":..,"trace":..,"worker_id":..,"generation":..}`.
    pub fn encode(&self, json: &InternalJson) -> ConnectResult<Vec<u8>> {
        json.to_bytes(&object(vec![
            ("state", Value::String(self.state.name().into())),
            (
                "trace",
                self.trace.clone().map_or(Value::Null, Value::String),
            ),
            ("worker_id", Value::String(self.worker_id.clone())),
            ("generation", Value::Int32(self.generation)),
            (
                "version",
                self.version.clone().map_or(Value::Null, Value::String),
            ),
        ]))
    }

    /// Parses a status value. `Ok(None)` for `DESTROYED` (Java writes a tombstone for it).
    pub fn decode(bytes: &[u8], json: &InternalJson) -> ConnectResult<Option<Self>> {
        let v = json.from_bytes(bytes)?;
        let name = str_field(&v, "state").unwrap_or_default();
        if name == "DESTROYED" {
            return Ok(None);
        }
        let state = parse_state(name)
            .ok_or_else(|| ConnectError::data(format!("invalid status state {name:?}")))?;
        Ok(Some(Self {
            state,
            trace: str_field(&v, "trace").map(str::to_string),
            worker_id: str_field(&v, "worker_id").unwrap_or_default().to_string(),
            generation: int_field(&v, "generation")
                .and_then(|g| i32::try_from(g).ok())
                .unwrap_or_default(),
            version: str_field(&v, "version").map(str::to_string),
        }))
    }
}

/// A connector's use of a topic (KIP-558).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicStatus {
    /// Topic.
    pub topic: String,
    /// Connector.
    pub connector: String,
    /// Task that first used it.
    pub task: u32,
    /// When (epoch ms).
    pub discover_timestamp: i64,
}

impl TopicStatus {
    /// `{"topic":{"name":..,"connector":..,"task":..,"discoverTimestamp":..}}`.
    pub fn encode(&self, json: &InternalJson) -> ConnectResult<Vec<u8>> {
        json.to_bytes(&object(vec![(
            "topic",
            object(vec![
                ("name", Value::String(self.topic.clone())),
                ("connector", Value::String(self.connector.clone())),
                ("task", Value::Int32(self.task as i32)),
                ("discoverTimestamp", Value::Int64(self.discover_timestamp)),
            ]),
        )]))
    }

    /// Parses a topic status value.
    pub fn decode(bytes: &[u8], json: &InternalJson) -> ConnectResult<Self> {
        let v = json.from_bytes(bytes)?;
        let t = super::config_records::field(&v, "topic")
            .ok_or_else(|| ConnectError::data("topic status without a topic object"))?;
        Ok(Self {
            topic: str_field(t, "name").unwrap_or_default().to_string(),
            connector: str_field(t, "connector").unwrap_or_default().to_string(),
            task: int_field(t, "task")
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or_default(),
            discover_timestamp: int_field(t, "discoverTimestamp").unwrap_or_default(),
        })
    }
}
