//! What surrounds a sink task's loop: the consumer context that forwards rebalances (and
//! commits what is safe on revocation), and the [`SinkTaskContext`] handed to the task, with
//! its errant record reporter (KIP-610) and redelivery timeout.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use kconnect_api::plugin::{ErrantRecordReporter, SinkTaskContext};
use kconnect_api::{ConfigMap, TopicPartition};
use kconnect_kafka::rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance,
};
use kconnect_kafka::rdkafka::{ClientContext, Offset, TopicPartitionList};
use tokio::sync::mpsc;

/// Offsets by partition.
pub type Offsets = HashMap<TopicPartition, i64>;

/// A change of the task's assignment.
pub enum RebalanceEvent {
    /// Partitions assigned.
    Assigned(Vec<TopicPartition>),
    /// Partitions revoked.
    Revoked(Vec<TopicPartition>),
}

/// Consumer context: forwards rebalances to the loop and commits what is known safe on
/// revocation, before the partitions move to another task.
pub struct SinkConsumerContext {
    /// Where rebalances go.
    pub events: mpsc::UnboundedSender<RebalanceEvent>,
    /// Offsets safe to commit.
    pub safe: Arc<Mutex<Offsets>>,
}

impl ClientContext for SinkConsumerContext {}

/// The partitions of a list.
pub fn partitions(tpl: &TopicPartitionList) -> Vec<TopicPartition> {
    tpl.elements()
        .iter()
        .map(|e| TopicPartition::new(e.topic(), e.partition()))
        .collect()
}

impl ConsumerContext for SinkConsumerContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = rebalance {
            let revoked = partitions(tpl);
            let mut commit = TopicPartitionList::new();
            if let Ok(safe) = self.safe.lock() {
                for tp in &revoked {
                    if let Some(offset) = safe.get(tp) {
                        let _ = commit.add_partition_offset(
                            &tp.topic,
                            tp.partition,
                            Offset::Offset(*offset),
                        );
                    }
                }
            }
            if commit.count() > 0 {
                if let Err(e) = consumer.commit(&commit, CommitMode::Sync) {
                    tracing::warn!("commit on partition revocation failed: {e}");
                }
            }
            let _ = self.events.send(RebalanceEvent::Revoked(revoked));
        }
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = rebalance {
            let _ = self.events.send(RebalanceEvent::Assigned(partitions(tpl)));
        }
    }
}

/// The runtime's context for a sink task.
pub struct SinkContext {
    configs: ConfigMap,
    /// Partitions assigned to the task.
    pub(super) assignment: Mutex<Vec<TopicPartition>>,
    commit_requested: AtomicBool,
    /// Delay before redelivering a batch after a retriable `put` failure; 0: not set.
    timeout_ms: AtomicU64,
    reporter: Option<Arc<dyn ErrantRecordReporter>>,
}

impl SinkContext {
    /// A context with the task's configuration.
    pub fn new(configs: ConfigMap) -> Self {
        Self {
            configs,
            assignment: Mutex::new(Vec::new()),
            commit_requested: false.into(),
            timeout_ms: AtomicU64::new(0),
            reporter: None,
        }
    }

    /// The same context offering an errant record reporter to the task.
    pub fn with_reporter(mut self, reporter: Option<Arc<dyn ErrantRecordReporter>>) -> Self {
        self.reporter = reporter;
        self
    }

    /// The timeout the task asked for with `timeout(ms)`, once (Java resets it after use).
    pub fn take_timeout(&self) -> Option<u64> {
        match self.timeout_ms.swap(0, Ordering::Relaxed) {
            0 => None,
            ms => Some(ms),
        }
    }

    /// Whether the task asked for a commit (resets the request).
    pub fn take_commit_request(&self) -> bool {
        self.commit_requested.swap(false, Ordering::Relaxed)
    }
}

impl SinkTaskContext for SinkContext {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }
    fn offset(&self, _offsets: HashMap<TopicPartition, i64>) {
        tracing::warn!("sink task offset rewinds are not supported yet; ignoring");
    }
    fn timeout(&self, millis: u64) {
        self.timeout_ms.store(millis.max(1), Ordering::Relaxed);
    }
    fn assignment(&self) -> Vec<TopicPartition> {
        self.assignment
            .lock()
            .map(|a| a.clone())
            .unwrap_or_default()
    }
    fn pause(&self, _partitions: &[TopicPartition]) {}
    fn resume(&self, _partitions: &[TopicPartition]) {}
    fn request_commit(&self) {
        self.commit_requested.store(true, Ordering::Relaxed);
    }
    fn errant_record_reporter(&self) -> Option<Arc<dyn ErrantRecordReporter>> {
        self.reporter.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_and_commit_requests_are_one_shot() {
        let ctx = SinkContext::new(ConfigMap::new());
        assert!(ctx.errant_record_reporter().is_none());
        assert_eq!(ctx.take_timeout(), None);
        ctx.timeout(250);
        assert_eq!(ctx.take_timeout(), Some(250));
        assert_eq!(ctx.take_timeout(), None);
        assert!(!ctx.take_commit_request());
        ctx.request_commit();
        assert!(ctx.take_commit_request());
        assert!(!ctx.take_commit_request());
    }
}
