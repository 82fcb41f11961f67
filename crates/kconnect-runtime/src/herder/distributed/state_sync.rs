//! Keeps the worker's local state in step with the cluster's topics while the worker's
//! source tasks still commit to a [`FileOffsetStore`]: offsets of a connector are loaded
//! from the offsets topic before it starts here, and what its tasks commit locally is
//! copied to the offsets topic (every second, when a connector is stopped, at shutdown);
//! the statuses of what this worker runs are copied to the status topic with its worker id
//! and the current generation. A worker that dies loses at most the last second of
//! commits, which the next owner re-delivers (at-least-once).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::storage::java_serialization::Entry;
use crate::storage::kafka_offset_store::KafkaOffsetStore;
use crate::storage::kafka_status_store::KafkaStatusStore;
use crate::storage::status_records::{StatusKey, StatusRecord};
use crate::storage::FileOffsetStore;
use crate::task::TaskId;
use crate::worker::Worker;

/// What was last written for a status key: state name, trace, generation.
type Reported = (String, Option<String>, i32);

/// How often local offsets and statuses are copied to the topics.
pub const SYNC_INTERVAL: Duration = Duration::from_millis(500);

/// The connector an offsets key belongs to (keys are `["<connector>", {partition}]`).
fn connector_of(key: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(key).ok()?;
    Some(value.as_array()?.first()?.as_str()?.to_string())
}

/// Copies offsets and statuses between this worker and the internal topics.
pub struct StateSync {
    worker: Arc<Worker>,
    local: Arc<FileOffsetStore>,
    offsets: Arc<KafkaOffsetStore>,
    statuses: Arc<KafkaStatusStore>,
    generation: Arc<dyn Fn() -> i32 + Send + Sync>,
    pushed: Mutex<HashMap<Vec<u8>, Option<Vec<u8>>>>,
    reported: Mutex<BTreeMap<StatusKey, Reported>>,
    flushing: tokio::sync::Mutex<()>,
}

impl StateSync {
    /// A copier between `worker` (whose tasks commit to `local`) and the topics;
    /// `generation` gives the group generation written with statuses.
    pub fn new(
        worker: Arc<Worker>,
        local: Arc<FileOffsetStore>,
        offsets: Arc<KafkaOffsetStore>,
        statuses: Arc<KafkaStatusStore>,
        generation: Arc<dyn Fn() -> i32 + Send + Sync>,
    ) -> Self {
        Self {
            worker,
            local,
            offsets,
            statuses,
            generation,
            pushed: Mutex::new(HashMap::new()),
            reported: Mutex::new(BTreeMap::new()),
            flushing: tokio::sync::Mutex::new(()),
        }
    }

    /// Copies the offsets topic's entries of `connector` into the local store (before the
    /// connector starts on this worker).
    pub async fn load_offsets(&self, connector: &str) -> kconnect_api::ConnectResult<()> {
        let _flush = self.flushing.lock().await;
        self.offsets.read_to_end().await?;
        let entries: Vec<Entry> = self
            .offsets
            .entries()
            .into_iter()
            .filter(|(k, _)| connector_of(k).as_deref() == Some(connector))
            .collect();
        if let Ok(mut pushed) = self.pushed.lock() {
            for (k, v) in &entries {
                pushed.insert(k.clone(), v.clone());
            }
        }
        self.local.put_all(entries)
    }

    /// Copies local offsets that changed since the last copy to the offsets topic.
    pub async fn flush_offsets(&self) {
        let _flush = self.flushing.lock().await;
        let changed: Vec<Entry> = {
            let Ok(pushed) = self.pushed.lock() else {
                return;
            };
            self.local
                .entries()
                .into_iter()
                .filter(|(k, v)| pushed.get(k) != Some(v))
                .collect()
        };
        if changed.is_empty() {
            return;
        }
        match self.offsets.put_all(changed.clone()).await {
            Ok(()) => {
                if let Ok(mut pushed) = self.pushed.lock() {
                    pushed.extend(changed);
                }
            }
            Err(e) => tracing::warn!("could not copy offsets to the offsets topic: {e}"),
        }
    }

    /// Stops reporting statuses of `connector` (it no longer runs here).
    pub fn forget(&self, connector: &str) {
        if let Ok(mut r) = self.reported.lock() {
            r.retain(|k, _| match k {
                StatusKey::Connector(c) => c != connector,
                StatusKey::Task(t) => t.connector != connector,
                StatusKey::Topic { .. } => true,
            });
        }
    }

    /// Writes the statuses of what runs here that changed since the last report.
    pub async fn report_statuses(&self) {
        let generation = (self.generation)();
        let status = self.worker.status();
        let mut current = Vec::new();
        for name in self.worker.connector_names() {
            if let Some(s) = status.connector(&name) {
                current.push((StatusKey::Connector(name.clone()), s));
            }
            for (task, s) in status.tasks(&name) {
                let id = TaskId {
                    connector: name.clone(),
                    task,
                };
                current.push((StatusKey::Task(id), s));
            }
        }
        for (key, s) in current {
            let seen = (s.state.name().to_string(), s.trace.clone(), generation);
            let unchanged = self
                .reported
                .lock()
                .map(|r| r.get(&key) == Some(&seen))
                .unwrap_or(false);
            if unchanged {
                continue;
            }
            let record = StatusRecord {
                state: s.state,
                trace: s.trace.clone(),
                worker_id: s.worker_id.clone(),
                generation,
            };
            match self.statuses.put(&key, &record).await {
                Ok(()) => {
                    if let Ok(mut r) = self.reported.lock() {
                        r.insert(key, seen);
                    }
                }
                Err(e) => tracing::warn!("could not write a status: {e}"),
            }
        }
    }

    /// Copies offsets and statuses every [`SYNC_INTERVAL`] until aborted.
    pub fn spawn(self: &Arc<Self>) -> JoinHandle<()> {
        let sync = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SYNC_INTERVAL);
            loop {
                tick.tick().await;
                sync.report_statuses().await;
                sync.flush_offsets().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::connector_of;

    #[test]
    fn offsets_keys_name_their_connector() {
        assert_eq!(
            connector_of(br#"["file-src",{"filename":"/tmp/x"}]"#).as_deref(),
            Some("file-src")
        );
        assert_eq!(connector_of(b"not json"), None);
        assert_eq!(connector_of(br#"{"a":1}"#), None);
    }
}
