//! Connector and task statuses on the status topic (Java's `KafkaStatusBackingStore`, spec
//! §6.3): every worker writes the statuses of what it runs and reads everyone's, and the
//! topics connectors' tasks used (KIP-558).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kconnect_api::ConnectResult;
use kconnect_kafka::ClientProps;

use super::internal_json::InternalJson;
use super::kafka_log::{KafkaLog, LogRecord};
use super::status_records::{StatusKey, StatusRecord, TopicStatus};
use crate::task::TaskId;
use crate::worker::status::State;

/// Connector and task statuses by key, and topic records by connector and topic.
#[derive(Default)]
struct Cache {
    statuses: BTreeMap<StatusKey, StatusRecord>,
    topics: BTreeMap<(String, String), TopicStatus>,
}

/// The status topic, read into a cache.
pub struct KafkaStatusStore {
    log: KafkaLog,
    cache: Arc<Mutex<Cache>>,
    json: Arc<InternalJson>,
}

/// A `status-topic-<topic>:connector-<name>` record: a tombstone forgets the pair.
fn apply_topic(
    topic: String,
    connector: String,
    value: Option<&[u8]>,
    cache: &mut Cache,
    json: &InternalJson,
) {
    if topic.is_empty() || connector.is_empty() {
        tracing::warn!(
            topic,
            connector,
            "ignoring a topic status with an invalid key"
        );
        return;
    }
    let Some(bytes) = value else {
        cache.topics.remove(&(connector, topic));
        return;
    };
    match TopicStatus::decode(bytes, json) {
        Ok(status) => {
            cache.topics.insert((connector, topic), status);
        }
        Err(e) => tracing::warn!("ignoring an unreadable topic status: {e}"),
    }
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
    let Ok(mut cache) = cache.lock() else {
        return;
    };
    if let StatusKey::Topic { topic, connector } = key {
        apply_topic(topic, connector, record.value.as_deref(), &mut cache, json);
        return;
    }
    let cache = &mut cache.statuses;
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
        let cache = Arc::new(Mutex::new(Cache::default()));
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
                c.statuses.get(key).is_none_or(|cached| {
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
            .statuses
            .get(&StatusKey::Connector(name.to_string()))
            .cloned()
    }

    /// A connector's task statuses, by task number.
    pub fn tasks(&self, connector: &str) -> Vec<(u32, StatusRecord)> {
        self.cache
            .lock()
            .map(|c| {
                c.statuses
                    .iter()
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
                c.statuses
                    .keys()
                    .filter_map(|k| match k {
                        StatusKey::Connector(name) => Some(name.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Records that a connector's task used a topic (KIP-558).
    pub async fn put_topic(&self, status: &TopicStatus) -> ConnectResult<()> {
        let key = StatusKey::Topic {
            topic: status.topic.clone(),
            connector: status.connector.clone(),
        };
        let value = status.encode(&self.json)?;
        self.log.send(key.key().as_bytes(), Some(&value)).await?;
        Ok(())
    }

    /// Forgets that `connector` used `topic` (a tombstone for its topic record).
    pub async fn delete_topic(&self, connector: &str, topic: &str) -> ConnectResult<()> {
        self.delete(&StatusKey::Topic {
            topic: topic.to_string(),
            connector: connector.to_string(),
        })
        .await
    }

    /// The record of `connector`'s use of `topic`, if any.
    pub fn topic(&self, connector: &str, topic: &str) -> Option<TopicStatus> {
        self.cache
            .lock()
            .ok()?
            .topics
            .get(&(connector.to_string(), topic.to_string()))
            .cloned()
    }

    /// The topics `connector`'s tasks used, by topic name.
    pub fn topics(&self, connector: &str) -> Vec<TopicStatus> {
        self.cache
            .lock()
            .map(|c| {
                c.topics
                    .iter()
                    .filter(|((c, _), _)| c == connector)
                    .map(|(_, s)| s.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}
