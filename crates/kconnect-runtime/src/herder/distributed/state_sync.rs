//! Keeps the cluster's view of this worker current: the statuses of what this worker runs
//! are copied to the status topic with its worker id and the current generation, and so are
//! the topics its tasks use (KIP-558: one record per connector and topic, written by the
//! first worker whose task uses it; a tombstone read back makes the worker forget its own
//! record of the use, so a task still using the topic records it again). Source
//! offsets need no copying: source tasks commit straight to the offsets topic (the worker's
//! offsets store is the [`KafkaOffsetStore`]); before a connector starts here, the topic is
//! read to its end so its tasks see every offset committed elsewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::storage::kafka_offset_store::KafkaOffsetStore;
use crate::storage::kafka_status_store::KafkaStatusStore;
use crate::storage::status_records::{StatusKey, StatusRecord, TopicStatus};
use crate::task::TaskId;
use crate::worker::status::Status;
use crate::worker::Worker;

/// What was last written for a status key: state name and trace.
type Reported = (String, Option<String>);

/// Whether a connector exists (its configuration is on the config topic).
pub type ConnectorExists = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// How often changed statuses are copied to the status topic.
pub const SYNC_INTERVAL: Duration = Duration::from_millis(500);

/// Copies statuses from this worker to the status topic; catches up on the offsets topic.
pub struct StateSync {
    worker: Arc<Worker>,
    offsets: Arc<KafkaOffsetStore>,
    statuses: Arc<KafkaStatusStore>,
    generation: Arc<dyn Fn() -> i32 + Send + Sync>,
    reported: Mutex<BTreeMap<StatusKey, Reported>>,
    /// Held while statuses are written or deleted, so a deletion is never followed by a
    /// write of a status read before it.
    reporting: tokio::sync::Mutex<()>,
    /// Set when topic tracking is enabled: only uses by existing connectors are recorded.
    tracking: Option<ConnectorExists>,
    /// Connector and topic pairs this worker used and saw recorded on the status topic.
    topics_seen: Mutex<BTreeSet<(String, String)>>,
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
            reporting: tokio::sync::Mutex::new(()),
            tracking: None,
            topics_seen: Mutex::new(BTreeSet::new()),
        }
    }

    /// Also records the topics this worker's tasks use (`topic.tracking.enable`), for the
    /// connectors `exists` knows.
    pub fn track_topics(mut self, exists: ConnectorExists) -> Self {
        self.tracking = Some(exists);
        self
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

    /// Forgets what was reported for work that left this worker, so that it is reported
    /// again if it comes back (another worker may have written its status meanwhile).
    pub async fn forget_work(&self, connectors: &BTreeSet<String>, tasks: &BTreeSet<TaskId>) {
        // Not while a report is being written: it could record the work as reported again.
        let _reporting = self.reporting.lock().await;
        if let Ok(mut r) = self.reported.lock() {
            r.retain(|k, _| match k {
                StatusKey::Connector(c) => !connectors.contains(c),
                StatusKey::Task(t) => !tasks.contains(t),
                StatusKey::Topic { .. } => true,
            });
        }
    }

    /// Deletes the statuses of `connectors` and `tasks` from the status topic (work of a
    /// deleted connector, once stopped here) and stops reporting them.
    pub async fn delete_statuses(&self, connectors: &[String], tasks: &[TaskId]) {
        let _reporting = self.reporting.lock().await;
        let keys = connectors
            .iter()
            .map(|c| StatusKey::Connector(c.clone()))
            .chain(tasks.iter().map(|t| StatusKey::Task(t.clone())));
        for key in keys {
            if let Ok(mut r) = self.reported.lock() {
                r.remove(&key);
            }
            if let Err(e) = self.statuses.delete(&key).await {
                tracing::warn!("could not delete a status: {e}");
            }
        }
    }

    /// Writes the statuses of what runs here that changed since the last report (with the
    /// current generation; a rebalance alone rewrites nothing).
    pub async fn report_statuses(&self) {
        let _reporting = self.reporting.lock().await;
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
            let seen = (s.state.name().to_string(), s.trace.clone());
            let unchanged = self
                .reported
                .lock()
                .map(|r| r.get(&key) == Some(&seen))
                .unwrap_or(false);
            // Written before and still what the topic says: nothing to do. A record of
            // another writer read since (a late write of a previous owner) is overwritten.
            if unchanged && self.topic_agrees(&key, &s) {
                continue;
            }
            let record = StatusRecord {
                state: s.state,
                trace: s.trace.clone(),
                worker_id: s.worker_id.clone(),
                generation,
                version: s.version.clone(),
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

    /// Whether the status topic (as read so far) holds this worker's `status` for `key`.
    fn topic_agrees(&self, key: &StatusKey, status: &Status) -> bool {
        let stored = match key {
            StatusKey::Connector(c) => self.statuses.connector(c),
            StatusKey::Task(t) => self
                .statuses
                .tasks(&t.connector)
                .into_iter()
                .find(|(n, _)| *n == t.task)
                .map(|(_, r)| r),
            StatusKey::Topic { .. } => return true,
        };
        stored.is_some_and(|r| r.worker_id == status.worker_id && r.state == status.state)
    }

    /// Writes a record for each topic this worker's tasks used that the status topic does not
    /// know yet; forgets the local use of those whose record was removed (reset, deletion).
    pub async fn report_topics(&self) {
        let Some(exists) = &self.tracking else {
            return;
        };
        let status = self.worker.status();
        let mut written = Vec::new();
        for (connector, topic, used) in status.topic_uses() {
            let pair = (connector.clone(), topic.clone());
            if self.statuses.topic(&connector, &topic).is_some() {
                if let Ok(mut seen) = self.topics_seen.lock() {
                    seen.insert(pair);
                }
                continue;
            }
            let removed = self
                .topics_seen
                .lock()
                .map(|mut seen| seen.remove(&pair))
                .unwrap_or(false);
            if removed {
                status.forget_topic(&connector, &topic);
                continue;
            }
            if !exists(&connector) {
                continue;
            }
            let record = TopicStatus {
                topic,
                connector,
                task: used.task,
                discover_timestamp: used.discovered,
            };
            match self.statuses.put_topic(&record).await {
                Ok(()) => written.push(pair),
                Err(e) => tracing::warn!("could not record an active topic: {e}"),
            }
        }
        if written.is_empty() {
            return;
        }
        // Once read back, a record written here that is missing from the cache was removed.
        match self.statuses.read_to_end().await {
            Ok(()) => {
                if let Ok(mut seen) = self.topics_seen.lock() {
                    seen.extend(written);
                }
            }
            Err(e) => tracing::warn!("could not read the status topic back: {e}"),
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
                sync.report_topics().await;
            }
        })
    }
}
