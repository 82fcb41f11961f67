//! Keeps the cluster's view of this worker current: the statuses of what this worker runs
//! are copied to the status topic with its worker id and the current generation. Source
//! offsets need no copying: source tasks commit straight to the offsets topic (the worker's
//! offsets store is the [`KafkaOffsetStore`]); before a connector starts here, the topic is
//! read to its end so its tasks see every offset committed elsewhere.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::storage::kafka_offset_store::KafkaOffsetStore;
use crate::storage::kafka_status_store::KafkaStatusStore;
use crate::storage::status_records::{StatusKey, StatusRecord};
use crate::task::TaskId;
use crate::worker::Worker;

/// What was last written for a status key: state name, trace, generation.
type Reported = (String, Option<String>, i32);

/// How often changed statuses are copied to the status topic.
pub const SYNC_INTERVAL: Duration = Duration::from_millis(500);

/// Copies statuses from this worker to the status topic; catches up on the offsets topic.
pub struct StateSync {
    worker: Arc<Worker>,
    offsets: Arc<KafkaOffsetStore>,
    statuses: Arc<KafkaStatusStore>,
    generation: Arc<dyn Fn() -> i32 + Send + Sync>,
    reported: Mutex<BTreeMap<StatusKey, Reported>>,
}

impl StateSync {
    /// A reporter of `worker`'s statuses to `statuses`; `offsets` is the store the worker's
    /// source tasks commit to, and `generation` gives the group generation written with
    /// statuses.
    pub fn new(
        worker: Arc<Worker>,
        offsets: Arc<KafkaOffsetStore>,
        statuses: Arc<KafkaStatusStore>,
        generation: Arc<dyn Fn() -> i32 + Send + Sync>,
    ) -> Self {
        Self {
            worker,
            offsets,
            statuses,
            generation,
            reported: Mutex::new(BTreeMap::new()),
        }
    }

    /// Reads the offsets topic to its end before `connector` (or some of its tasks) starts
    /// on this worker, so its tasks see every offset committed by previous owners.
    pub async fn load_offsets(&self, connector: &str) -> kconnect_api::ConnectResult<()> {
        tracing::debug!(connector, "reading the offsets topic to its end");
        self.offsets.read_to_end().await
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
        // Every status this worker holds: also those of work that failed before it could be
        // registered (a configuration the worker rejects).
        for name in status.names() {
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

    /// Reports changed statuses every [`SYNC_INTERVAL`] until aborted.
    pub fn spawn(self: &Arc<Self>) -> JoinHandle<()> {
        let sync = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SYNC_INTERVAL);
            loop {
                tick.tick().await;
                sync.report_statuses().await;
            }
        })
    }
}
