//! Source offsets on the offsets topic (Java's `KafkaOffsetBackingStore`, spec §6.4): raw
//! key and value bytes, exactly as the JSON converter writes them, so lookups are byte-exact
//! across Java and kconnect workers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::try_join_all;
use kconnect_api::ConnectResult;
use kconnect_kafka::ClientProps;

use super::java_serialization::Entry;
use super::kafka_log::KafkaLog;

type Data = HashMap<Vec<u8>, Option<Vec<u8>>>;

/// The offsets topic, read into memory.
pub struct KafkaOffsetStore {
    log: KafkaLog,
    data: Arc<Mutex<Data>>,
}

impl KafkaOffsetStore {
    /// Starts reading the topic.
    pub fn start(
        topic: &str,
        producer: &ClientProps,
        consumer: &ClientProps,
        timeout: Duration,
    ) -> ConnectResult<Self> {
        let data = Arc::new(Mutex::new(Data::new()));
        let log = {
            let data = data.clone();
            KafkaLog::start(topic, producer, consumer, timeout, move |r| {
                if let (Some(key), Ok(mut d)) = (r.key, data.lock()) {
                    d.insert(key, r.value);
                }
            })?
        };
        Ok(Self { log, data })
    }

    /// Reads the topic to its end.
    pub async fn read_to_end(&self) -> ConnectResult<()> {
        self.log.read_to_end().await
    }

    /// The stored value of a key (`None` if absent or deleted).
    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.data.lock().ok()?.get(key).cloned().flatten()
    }

    /// Every entry read so far (tombstones included).
    pub fn entries(&self) -> Vec<Entry> {
        self.data
            .lock()
            .map(|d| d.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// Writes entries and waits until all are acknowledged; they are visible to
    /// [`get`](Self::get) right away.
    pub async fn put_all(&self, entries: Vec<Entry>) -> ConnectResult<()> {
        try_join_all(entries.iter().map(|(k, v)| self.log.send(k, v.as_deref()))).await?;
        if let Ok(mut d) = self.data.lock() {
            for (k, v) in entries {
                d.insert(k, v);
            }
        }
        Ok(())
    }
}
