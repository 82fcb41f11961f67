//! Connector configurations, target states, task configurations and session keys on the
//! config topic (Java's `KafkaConfigBackingStore`, kafka-connect-spec.md §6.2), with the write sequences Java
//! uses so Java and kconnect workers can share the topic.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kconnect_api::{ConfigMap, ConnectError, ConnectResult};
use kconnect_kafka::ClientProps;
use tokio::sync::mpsc;

use super::config_records::{ConfigRecord, SessionKey};
use super::config_state::{ConfigState, ConfigUpdate};
use super::internal_json::InternalJson;
use super::kafka_log::{KafkaLog, LogRecord};
use crate::task::TaskId;
use crate::worker::TargetState;

/// The config topic, read into a [`ConfigState`].
pub struct KafkaConfigStore {
    log: KafkaLog,
    state: Arc<Mutex<ConfigState>>,
    json: Arc<InternalJson>,
}

fn apply(
    record: LogRecord,
    state: &Mutex<ConfigState>,
    json: &InternalJson,
    updates: &mpsc::UnboundedSender<ConfigUpdate>,
) {
    let Some(key) = record
        .key
        .as_deref()
        .and_then(|k| std::str::from_utf8(k).ok())
    else {
        tracing::warn!(
            offset = record.offset,
            "ignoring a config record without a string key"
        );
        return;
    };
    match ConfigRecord::parse(key, record.value.as_deref(), json) {
        Ok(Some(parsed)) => {
            let update = state
                .lock()
                .ok()
                .and_then(|mut s| s.apply(record.offset, parsed));
            if let Some(update) = update {
                let _ = updates.send(update);
            }
        }
        Ok(None) => {
            if let Ok(mut s) = state.lock() {
                s.skip(record.offset);
            }
        }
        Err(e) => {
            tracing::error!(key, "ignoring an unreadable config record: {e}");
            if let Ok(mut s) = state.lock() {
                s.skip(record.offset);
            }
        }
    }
}

impl KafkaConfigStore {
    /// Starts reading the topic; every change is also sent to `updates`.
    pub fn start(
        topic: &str,
        producer: &ClientProps,
        consumer: &ClientProps,
        timeout: Duration,
        updates: mpsc::UnboundedSender<ConfigUpdate>,
    ) -> ConnectResult<Self> {
        let state = Arc::new(Mutex::new(ConfigState::new()));
        let json = Arc::new(InternalJson::new());
        let log = {
            let state = state.clone();
            let json = json.clone();
            KafkaLog::start(topic, producer, consumer, timeout, move |r| {
                apply(r, &state, &json, &updates)
            })?
        };
        Ok(Self { log, state, json })
    }

    /// A copy of everything read so far.
    pub fn snapshot(&self) -> ConfigState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Reads the topic to its end.
    pub async fn read_to_end(&self) -> ConnectResult<()> {
        self.log.read_to_end().await
    }

    async fn write(&self, record: &ConfigRecord) -> ConnectResult<()> {
        let value = record.value(&self.json)?;
        self.log
            .send(record.key().as_bytes(), value.as_deref())
            .await
            .map(|_| ())
    }

    /// Creates or replaces a connector (with its target state when given), then reads back.
    pub async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        target: Option<TargetState>,
    ) -> ConnectResult<()> {
        if let Some(t) = target {
            self.write(&ConfigRecord::TargetState(name.into(), Some(t)))
                .await?;
        }
        self.write(&ConfigRecord::Connector(name.into(), Some(config)))
            .await?;
        self.read_to_end().await
    }

    /// Deletes a connector: tombstones for its configuration and target state.
    pub async fn remove_connector(&self, name: &str) -> ConnectResult<()> {
        self.write(&ConfigRecord::Connector(name.into(), None))
            .await?;
        self.write(&ConfigRecord::TargetState(name.into(), None))
            .await?;
        self.read_to_end().await
    }

    /// Sets a connector's target state.
    pub async fn put_target_state(&self, name: &str, state: TargetState) -> ConnectResult<()> {
        self.write(&ConfigRecord::TargetState(name.into(), Some(state)))
            .await?;
        self.read_to_end().await
    }

    /// Publishes a new set of task configurations: every task record, then the commit.
    pub async fn put_task_configs(&self, name: &str, tasks: Vec<ConfigMap>) -> ConnectResult<()> {
        self.read_to_end().await?;
        let count = u32::try_from(tasks.len())
            .map_err(|_| ConnectError::other("too many task configurations"))?;
        for (n, config) in tasks.into_iter().enumerate() {
            let id = TaskId {
                connector: name.to_string(),
                task: n as u32,
            };
            self.write(&ConfigRecord::Task(id, Some(config))).await?;
        }
        if count > 0 {
            self.read_to_end().await?;
        }
        self.write(&ConfigRecord::Commit(name.into(), count))
            .await?;
        self.read_to_end().await
    }

    /// Writes a new session key.
    pub async fn put_session_key(&self, key: SessionKey) -> ConnectResult<()> {
        self.write(&ConfigRecord::SessionKey(key)).await?;
        self.read_to_end().await
    }

    /// Writes a restart request (KIP-745).
    pub async fn put_restart_request(
        &self,
        connector: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> ConnectResult<()> {
        self.write(&ConfigRecord::Restart {
            connector: connector.into(),
            include_tasks,
            only_failed,
        })
        .await?;
        self.read_to_end().await
    }

    /// Writes a cluster-wide log level (KIP-976); every worker applies it when it reads it,
    /// this one included. Like Java, it does not wait to read it back.
    pub async fn put_logger_level(&self, namespace: &str, level: &str) -> ConnectResult<()> {
        self.write(&ConfigRecord::LoggerLevel(namespace.into(), level.into()))
            .await
    }
}
