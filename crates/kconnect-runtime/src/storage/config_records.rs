//! Records of the config topic (`config.storage.topic`, kafka-connect-spec.md §6.2): string keys and
//! schemaless JSON values with the field names, field order and types Java's
//! `KafkaConfigBackingStore` writes, so kconnect and Java workers read each other's records.

use base64::Engine;
use kconnect_api::{ConfigMap, ConnectError, ConnectResult, Value};

use super::internal_json::InternalJson;
use crate::task::TaskId;
use crate::worker::TargetState;

/// The inter-worker request-signing key (kafka-connect-spec.md §1.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKey {
    /// Raw key bytes.
    pub key: Vec<u8>,
    /// MAC algorithm, e.g. `HmacSHA256`.
    pub algorithm: String,
    /// When the leader generated it (epoch ms).
    pub creation_timestamp: i64,
}

/// One record of the config topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigRecord {
    /// `connector-<name>`: the connector's raw configuration; `None` = deleted (tombstone).
    Connector(String, Option<ConfigMap>),
    /// `target-state-<name>`; `None` = tombstone.
    TargetState(String, Option<TargetState>),
    /// `task-<name>-<n>`: one task's configuration, buffered until the next commit.
    Task(TaskId, Option<ConfigMap>),
    /// `commit-<name>`: applies the buffered task configurations; the task count.
    Commit(String, u32),
    /// `tasks-fencing-<name>`: task count record of exactly-once source support.
    TaskCount(String, u32),
    /// `session-key`.
    SessionKey(SessionKey),
    /// `restart-connector-<name>` (KIP-745).
    Restart {
        /// Connector.
        connector: String,
        /// Restart its tasks too.
        include_tasks: bool,
        /// Only failed instances.
        only_failed: bool,
    },
    /// `logger-cluster-<namespace>` (KIP-976).
    LoggerLevel(String, String),
}

/// A JSON object in field order.
pub(crate) fn object(fields: Vec<(&str, Value)>) -> Value {
    Value::Map(
        fields
            .into_iter()
            .map(|(k, v)| (Value::String(k.to_string()), v))
            .collect(),
    )
}

/// A field of a decoded JSON object.
pub(crate) fn field<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    match value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| matches!(k, Value::String(s) if s == name))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// An integer field, accepting any JSON integer width (Java reads int or long).
pub(crate) fn int_field(value: &Value, name: &str) -> Option<i64> {
    match field(value, name)? {
        Value::Int8(n) => Some(i64::from(*n)),
        Value::Int16(n) => Some(i64::from(*n)),
        Value::Int32(n) => Some(i64::from(*n)),
        Value::Int64(n) => Some(*n),
        _ => None,
    }
}

/// A string field.
pub(crate) fn str_field<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    match field(value, name)? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn bool_field(value: &Value, name: &str) -> bool {
    matches!(field(value, name), Some(Value::Boolean(true)))
}

fn properties(config: &ConfigMap) -> Value {
    object(vec![(
        "properties",
        Value::Map(
            config
                .iter()
                .map(|(k, v)| (Value::String(k.clone()), Value::String(v.clone())))
                .collect(),
        ),
    )])
}

/// The `properties` map of a connector or task record; JSON null values are dropped.
fn parse_properties(value: &Value, key: &str) -> ConnectResult<ConfigMap> {
    let Some(Value::Map(entries)) = field(value, "properties") else {
        return Err(ConnectError::data(format!("{key}: no properties map")));
    };
    Ok(entries
        .iter()
        .filter_map(|(k, v)| match (k, v) {
            (Value::String(k), Value::String(v)) => Some((k.clone(), v.clone())),
            _ => None,
        })
        .collect())
}

fn state_name(state: TargetState) -> &'static str {
    match state {
        TargetState::Started => "STARTED",
        TargetState::Paused => "PAUSED",
        TargetState::Stopped => "STOPPED",
    }
}

fn parse_state(name: &str) -> Option<TargetState> {
    match name {
        "STARTED" => Some(TargetState::Started),
        "PAUSED" => Some(TargetState::Paused),
        "STOPPED" => Some(TargetState::Stopped),
        _ => None,
    }
}

/// `task-<connector>-<n>`: the last dash-separated part is the number.
fn parse_task_key(rest: &str) -> Option<TaskId> {
    let (connector, n) = rest.rsplit_once('-')?;
    Some(TaskId {
        connector: connector.to_string(),
        task: n.parse().ok()?,
    })
}

fn count(value: &Value, name: &str, key: &str) -> ConnectResult<u32> {
    int_field(value, name)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| ConnectError::data(format!("{key}: invalid or missing {name}")))
}

impl ConfigRecord {
    /// The record key.
    pub fn key(&self) -> String {
        match self {
            Self::Connector(c, _) => format!("connector-{c}"),
            Self::TargetState(c, _) => format!("target-state-{c}"),
            Self::Task(id, _) => format!("task-{}-{}", id.connector, id.task),
            Self::Commit(c, _) => format!("commit-{c}"),
            Self::TaskCount(c, _) => format!("tasks-fencing-{c}"),
            Self::SessionKey(_) => "session-key".to_string(),
            Self::Restart { connector, .. } => format!("restart-connector-{connector}"),
            Self::LoggerLevel(ns, _) => format!("logger-cluster-{ns}"),
        }
    }

    /// The record value as Java writes it; `None` for a tombstone.
    pub fn value(&self, json: &InternalJson) -> ConnectResult<Option<Vec<u8>>> {
        let value = match self {
            Self::Connector(_, None) | Self::TargetState(_, None) | Self::Task(_, None) => {
                return Ok(None)
            }
            Self::Connector(_, Some(config)) | Self::Task(_, Some(config)) => properties(config),
            Self::TargetState(_, Some(state)) => {
                // Old workers know no STOPPED; they read `state` and see PAUSED.
                let legacy = match state {
                    TargetState::Stopped => TargetState::Paused,
                    s => *s,
                };
                object(vec![
                    ("state", Value::String(state_name(legacy).into())),
                    ("state.v2", Value::String(state_name(*state).into())),
                ])
            }
            Self::Commit(_, n) => object(vec![("tasks", Value::Int32(*n as i32))]),
            Self::TaskCount(_, n) => object(vec![("task-count", Value::Int32(*n as i32))]),
            Self::SessionKey(k) => object(vec![
                (
                    "key",
                    Value::String(base64::engine::general_purpose::STANDARD.encode(&k.key)),
                ),
                ("algorithm", Value::String(k.algorithm.clone())),
                ("creation-timestamp", Value::Int64(k.creation_timestamp)),
            ]),
            Self::Restart {
                include_tasks,
                only_failed,
                ..
            } => object(vec![
                ("include-tasks", Value::Boolean(*include_tasks)),
                ("only-failed", Value::Boolean(*only_failed)),
            ]),
            Self::LoggerLevel(_, level) => object(vec![("level", Value::String(level.clone()))]),
        };
        json.to_bytes(&value).map(Some)
    }

    /// Parses a record; `Ok(None)` for keys kconnect does not know (Java logs and skips
    /// them too) and for tombstones of records that have none.
    pub fn parse(
        key: &str,
        value: Option<&[u8]>,
        json: &InternalJson,
    ) -> ConnectResult<Option<Self>> {
        let tombstone_allowed = ["connector-", "target-state-", "task-"]
            .iter()
            .any(|p| key.starts_with(p));
        if value.is_none() && !tombstone_allowed {
            tracing::warn!(key, "ignoring unexpected tombstone in the config topic");
            return Ok(None);
        }
        let parsed = match value {
            Some(bytes) => Some(json.from_bytes(bytes)?),
            None => None,
        };
        let v = parsed.as_ref();
        let need = || v.ok_or_else(|| ConnectError::data(format!("{key}: unexpected tombstone")));
        let record = if let Some(c) = key.strip_prefix("connector-") {
            let config = v.map(|v| parse_properties(v, key)).transpose()?;
            Self::Connector(c.to_string(), config)
        } else if let Some(c) = key.strip_prefix("target-state-") {
            let state = match v {
                None => None,
                Some(v) => {
                    let name = str_field(v, "state.v2").or_else(|| str_field(v, "state"));
                    let state = name.and_then(parse_state).ok_or_else(|| {
                        ConnectError::data(format!("{key}: invalid target state {name:?}"))
                    })?;
                    Some(state)
                }
            };
            Self::TargetState(c.to_string(), state)
        } else if let Some(rest) = key.strip_prefix("task-") {
            let id = parse_task_key(rest)
                .ok_or_else(|| ConnectError::data(format!("invalid task config key {key}")))?;
            let config = v.map(|v| parse_properties(v, key)).transpose()?;
            Self::Task(id, config)
        } else if let Some(c) = key.strip_prefix("commit-") {
            Self::Commit(c.to_string(), count(need()?, "tasks", key)?)
        } else if let Some(c) = key.strip_prefix("tasks-fencing-") {
            Self::TaskCount(c.to_string(), count(need()?, "task-count", key)?)
        } else if key == "session-key" {
            let v = need()?;
            let key_b64 = str_field(v, "key").unwrap_or_default();
            Self::SessionKey(SessionKey {
                key: base64::engine::general_purpose::STANDARD
                    .decode(key_b64)
                    .map_err(|e| ConnectError::data(format!("session-key: bad key: {e}")))?,
                algorithm: str_field(v, "algorithm").unwrap_or_default().to_string(),
                creation_timestamp: int_field(v, "creation-timestamp").unwrap_or_default(),
            })
        } else if let Some(c) = key.strip_prefix("restart-connector-") {
            let v = need()?;
            Self::Restart {
                connector: c.to_string(),
                include_tasks: bool_field(v, "include-tasks"),
                only_failed: bool_field(v, "only-failed"),
            }
        } else if let Some(ns) = key.strip_prefix("logger-cluster-") {
            let Some(level) = v.and_then(|v| str_field(v, "level")) else {
                return Ok(None);
            };
            Self::LoggerLevel(ns.to_string(), level.to_string())
        } else {
            tracing::warn!(key, "ignoring config topic record with an unknown key");
            return Ok(None);
        };
        Ok(Some(record))
    }
}
