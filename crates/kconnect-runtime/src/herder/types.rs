//! The entities herders exchange with the REST layer, serialized exactly as Java's REST
//! entities (kafka-connect-spec.md §1.5): field names, casing and omitted-when-empty fields.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use kconnect_api::ConfigMap;

use crate::task::TaskId;

/// `source`, `sink` or `unknown` (a connector whose class cannot be loaded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectorKind {
    /// A source connector.
    Source,
    /// A sink connector.
    Sink,
    /// The class is unknown to this worker.
    Unknown,
}

impl From<crate::config::ConnectorType> for ConnectorKind {
    fn from(t: crate::config::ConnectorType) -> Self {
        match t {
            crate::config::ConnectorType::Source => Self::Source,
            crate::config::ConnectorType::Sink => Self::Sink,
        }
    }
}

/// A task id as JSON: `{"connector": "c", "task": 0}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskIdInfo {
    /// Connector name.
    pub connector: String,
    /// Task number.
    pub task: u32,
}

impl From<&TaskId> for TaskIdInfo {
    fn from(id: &TaskId) -> Self {
        Self {
            connector: id.connector.clone(),
            task: id.task,
        }
    }
}

/// `ConnectorInfo`: name, configuration, task ids and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorInfo {
    /// Connector name.
    pub name: String,
    /// Its configuration (password values hidden).
    pub config: ConfigMap,
    /// Its tasks.
    pub tasks: Vec<TaskIdInfo>,
    /// Source, sink or unknown.
    #[serde(rename = "type")]
    pub kind: ConnectorKind,
}

/// `TaskInfo`: one element of `GET /connectors/{c}/tasks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskIdInfo,
    /// Its configuration (password values hidden).
    pub config: ConfigMap,
}

/// The state of a connector instance in `ConnectorStateInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorState {
    /// `UNASSIGNED`, `RUNNING`, `PAUSED`, `STOPPED`, `FAILED` or `RESTARTING`.
    pub state: String,
    /// The worker running it.
    pub worker_id: String,
    /// The connector plugin's version (KIP-891); omitted when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What failed; omitted when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// `TaskState`: a task's state (also `GET /connectors/{c}/tasks/{t}/status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskState {
    /// Task number.
    pub id: u32,
    /// `UNASSIGNED`, `RUNNING`, `PAUSED`, `FAILED` or `RESTARTING`.
    pub state: String,
    /// The worker running it.
    pub worker_id: String,
    /// The connector plugin's version (KIP-891); omitted when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What failed; omitted when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// `ConnectorStateInfo`: the status of a connector and its tasks (tasks sorted by id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorStateInfo {
    /// Connector name.
    pub name: String,
    /// The connector's own state.
    pub connector: ConnectorState,
    /// Its tasks' states.
    pub tasks: Vec<TaskState>,
    /// Source, sink or unknown.
    #[serde(rename = "type")]
    pub kind: ConnectorKind,
}

/// One partition and its offset (`ConnectorOffset`); `offset: null` removes the offset in an
/// alter request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorOffset {
    /// Source partition, or `{"kafka_topic", "kafka_partition"}` for sinks.
    pub partition: Map<String, Value>,
    /// Source offset, or `{"kafka_offset"}` for sinks.
    pub offset: Option<Map<String, Value>>,
}

/// `ConnectorOffsets`: `{"offsets": [...]}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ConnectorOffsets {
    /// Every partition with its offset.
    pub offsets: Vec<ConnectorOffset>,
}

/// `Message`: `{"message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The text.
    pub message: String,
}

/// `PluginInfo`: one element of `GET /connector-plugins`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    /// Java class name.
    pub class: String,
    /// `source`, `sink`, `converter`, `header_converter`, `transformation` or `predicate`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Version; omitted when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `ConfigKeyInfo`: the definition of one configuration key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigKeyInfo {
    /// Key name.
    pub name: String,
    /// `BOOLEAN`, `STRING`, `INT`, `SHORT`, `LONG`, `DOUBLE`, `LIST`, `CLASS` or `PASSWORD`.
    #[serde(rename = "type")]
    pub config_type: String,
    /// Whether the key has no default.
    pub required: bool,
    /// The default as a string (`null` when none; `[hidden]` for passwords).
    pub default_value: Option<String>,
    /// `HIGH`, `MEDIUM` or `LOW`.
    pub importance: String,
    /// Documentation.
    pub documentation: String,
    /// Group, if any.
    pub group: Option<String>,
    /// Position in the group. Java 4 serializes it as `order_in_group` (3.x wrote `order`;
    /// found by the compat tests against Java 4.3.1's answers).
    #[serde(rename = "order_in_group", alias = "order")]
    pub order: i32,
    /// `NONE`, `SHORT`, `MEDIUM` or `LONG`.
    pub width: String,
    /// Human-readable name.
    pub display_name: String,
    /// Keys whose validity depends on this one.
    pub dependents: Vec<String>,
}

impl From<&kconnect_api::config::ConfigKey> for ConfigKeyInfo {
    fn from(k: &kconnect_api::config::ConfigKey) -> Self {
        Self {
            name: k.name.clone(),
            config_type: k.config_type.name().into(),
            required: k.is_required(),
            default_value: k.default_display(),
            importance: k.importance.name().into(),
            documentation: k.documentation.clone(),
            group: k.group.clone(),
            order: k.order_in_group,
            width: k.width.name().into(),
            display_name: k.display_name.clone(),
            dependents: k.dependents.clone(),
        }
    }
}

/// `ConfigValueInfo`: the validation result of one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigValueInfo {
    /// Key name.
    pub name: String,
    /// The value (or default) as a string; `[hidden]` for passwords.
    pub value: Option<String>,
    /// Recommended values.
    pub recommended_values: Vec<String>,
    /// Every problem with the value.
    pub errors: Vec<String>,
    /// Whether the key is relevant.
    pub visible: bool,
}

/// `ConfigInfo`: a definition (null for keys nothing defines) and a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigInfo {
    /// The key's definition.
    pub definition: Option<ConfigKeyInfo>,
    /// Its validation result.
    pub value: Option<ConfigValueInfo>,
}

/// `ConfigInfos`: the response of the validate endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigInfos {
    /// `connector.class` as given.
    pub name: String,
    /// Total number of error messages.
    pub error_count: usize,
    /// Group names, in order.
    pub groups: Vec<String>,
    /// Every key.
    pub configs: Vec<ConfigInfo>,
}

impl ConfigInfos {
    /// Every error message, in order (for the create/update 400 message).
    pub fn error_messages(&self) -> Vec<&str> {
        self.configs
            .iter()
            .filter_map(|c| c.value.as_ref())
            .flat_map(|v| v.errors.iter().map(String::as_str))
            .collect()
    }
}

/// A connector restart request (KIP-745).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartRequest {
    /// Connector name.
    pub connector: String,
    /// Restart only instances that are FAILED.
    pub only_failed: bool,
    /// Restart the tasks too.
    pub include_tasks: bool,
}

impl RestartRequest {
    /// Whether this is the legacy connector-only restart (both flags false: 204, no body).
    pub fn connector_only(&self) -> bool {
        !self.only_failed && !self.include_tasks
    }

    /// Whether the connector instance in `state` is to be restarted.
    pub fn restarts_connector(&self, state: &str) -> bool {
        !self.only_failed || state == "FAILED"
    }

    /// Whether a task in `state` is to be restarted.
    pub fn restarts_task(&self, state: &str) -> bool {
        self.include_tasks && (!self.only_failed || state == "FAILED")
    }
}

/// A result that tells whether the operation created the thing (`201`) or updated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created<T> {
    /// True if newly created.
    pub created: bool,
    /// The result.
    pub value: T,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_match_java() {
        let status = ConnectorStateInfo {
            name: "c".into(),
            connector: ConnectorState {
                state: "RUNNING".into(),
                worker_id: "w:1".into(),
                version: Some("4.3.1".into()),
                trace: None,
            },
            tasks: vec![TaskState {
                id: 0,
                state: "FAILED".into(),
                worker_id: "w:1".into(),
                version: None,
                trace: Some("boom".into()),
            }],
            kind: ConnectorKind::Source,
        };
        assert_eq!(
            serde_json::to_value(&status).unwrap(),
            json!({"name": "c", "connector": {"state": "RUNNING", "worker_id": "w:1", "version": "4.3.1"},
                   "tasks": [{"id": 0, "state": "FAILED", "worker_id": "w:1", "trace": "boom"}],
                   "type": "source"})
        );
        let plugin = PluginInfo {
            class: "X".into(),
            kind: "sink".into(),
            version: None,
        };
        assert_eq!(
            serde_json::to_value(&plugin).unwrap(),
            json!({"class": "X", "type": "sink"})
        );
    }

    #[test]
    fn restart_plan_rules() {
        let r = RestartRequest {
            connector: "c".into(),
            only_failed: true,
            include_tasks: true,
        };
        assert!(!r.connector_only());
        assert!(r.restarts_connector("FAILED") && !r.restarts_connector("RUNNING"));
        assert!(r.restarts_task("FAILED") && !r.restarts_task("RUNNING"));
        let all = RestartRequest {
            only_failed: false,
            include_tasks: false,
            ..r
        };
        assert!(all.connector_only() && !all.restarts_task("FAILED"));
    }
}
