//! Connector and task statuses on the status topic (Java's `KafkaStatusBackingStore`, spec
//! §6.3): every worker writes the statuses of what it runs and reads everyone's.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kconnect_api::ConnectResult;
use kconnect_kafka::ClientProps;

use super::internal_json::InternalJson;
use super::kafka_log::{KafkaLog, LogRecord};
use super::status_records::{StatusKey, StatusRecord};
use crate::task::TaskId;
use crate::worker::status::State;

type Cache = BTreeMap<StatusKey, StatusRecord>;

/// The status topic, read into a cache.
pub struct KafkaStatusStore {
    log: KafkaLog,
    cache: Arc<Mutex<Cache>>,
    json: Arc<InternalJson>,
}

fn apply(record: LogRecord, cache: &Mutex<Cache>, json: &InternalJson) {
    let Some(key) = record
        .key
        .as_deref()
        .and_then(|k| std::str::from_utf8(k).ok())
        .and_then(StatusKey::parse)
    else {
        return;
    };
    if matches!(key, StatusKey::Topic { .. }) {
        return;
    }
    let Ok(mut cache) = cache.lock() else {
        return;
    };
    let Some(bytes) = record.value else {
        cache.remove(&key);
        return;
    };
    match StatusRecord::decode(&bytes, json) {
        Ok(Some(status)) => {
            // A late UNASSIGNED from an older generation must not hide a running task.
            if let (StatusKey::Task(_), Some(cached)) = (&key, cache.get(&key)) {
                if status.state == State::Unassigned
                    && cached.state == State::Running
                    && cached.generation >= status.generation
                {
                    return;
                }
            }
            cache.insert(key, status);
        }
        Ok(None) => {
            cache.remove(&key);
        }
        Err(e) => tracing::warn!("ignoring an unreadable status record: {e}"),
    }
}

impl KafkaStatusStore {
    /// Starts reading the topic.
    pub fn start(
        topic: &str,
        producer: &ClientProps,
        consumer: &ClientProps,
        timeout: Duration,
    ) -> ConnectResult<Self> {
        let cache = Arc::new(Mutex::new(Cache::new()));
        let json = Arc::new(InternalJson::new());
        let log = {
            let cache = cache.clone();
            let json = json.clone();
            KafkaLog::start(topic, producer, consumer, timeout, move |r| {
                apply(r, &cache, &json)
            })?
        };
        Ok(Self { log, cache, json })
    }

    /// Reads the topic to its end.
    pub async fn read_to_end(&self) -> ConnectResult<()> {
        self.log.read_to_end().await
    }

    /// Writes a status.
    pub async fn put(&self, key: &StatusKey, status: &StatusRecord) -> ConnectResult<()> {
        let value = status.encode(&self.json)?;
        self.log.send(key.key().as_bytes(), Some(&value)).await?;
        Ok(())
    }

    /// Writes a status unless another worker wrote a newer one (Java's `putSafe`, used for
    /// UNASSIGNED and FAILED): written when nothing is cached, or the cached status is this
    /// worker's, or it is from the same or an older generation.
    pub async fn put_safe(&self, key: &StatusKey, status: &StatusRecord) -> ConnectResult<bool> {
        let allowed = self
            .cache
            .lock()
            .map(|c| {
                c.get(key).is_none_or(|cached| {
                    cached.worker_id == status.worker_id || cached.generation <= status.generation
                })
            })
            .unwrap_or(true);
        if allowed {
            self.put(key, status).await?;
        }
        Ok(allowed)
    }

    /// Removes a status (a tombstone, as Java writes for DESTROYED).
    pub async fn delete(&self, key: &StatusKey) -> ConnectResult<()> {
        self.log.send(key.key().as_bytes(), None).await?;
        Ok(())
    }

    /// A connector's last known status.
    pub fn connector(&self, name: &str) -> Option<StatusRecord> {
        self.cache
            .lock()
            .ok()?
            .get(&StatusKey::Connector(name.to_string()))
            .cloned()
    }

    /// A connector's task statuses, by task number.
    pub fn tasks(&self, connector: &str) -> Vec<(u32, StatusRecord)> {
        self.cache
            .lock()
            .map(|c| {
                c.iter()
                    .filter_map(|(k, v)| match k {
                        StatusKey::Task(TaskId { connector: c, task }) if c == connector => {
                            Some((*task, v.clone()))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every connector with a status.
    pub fn connectors(&self) -> Vec<String> {
        self.cache
            .lock()
            .map(|c| {
                c.keys()
                    .filter_map(|k| match k {
                        StatusKey::Connector(name) => Some(name.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
