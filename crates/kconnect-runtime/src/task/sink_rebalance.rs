//! The sink task's consumer and its rebalances (kafka-connect-spec.md §8.5). librdkafka runs the rebalance
//! callback inside the loop's own `recv()`, where the task cannot be called; so the callback
//! only hands the change to the loop and leaves it pending (librdkafka waits for it). The loop
//! then does what Java's rebalance listener does — on revocation `pre_commit`, `close` and a
//! synchronous commit while the partitions are still assigned; on assignment `open`, with
//! the offsets the task asked for — and completes the change. Commit results come back the
//! same way, so a commit counts only once Kafka confirmed it.

use std::collections::VecDeque;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use kconnect_api::TopicPartition;
use kconnect_kafka::rdkafka::consumer::{
    BaseConsumer, Consumer, ConsumerContext, RebalanceProtocol, StreamConsumer,
};
use kconnect_kafka::rdkafka::error::KafkaResult;
use kconnect_kafka::rdkafka::types::RDKafkaRespErr;
use kconnect_kafka::rdkafka::{ClientContext, Offset, TopicPartitionList};
use tokio::sync::mpsc;

use super::sink_offsets::Offsets;

/// What the consumer tells the loop.
#[derive(Debug, Clone, PartialEq)]
pub enum RebalanceEvent {
    /// Partitions assigned; the loop opens them, then completes the assignment.
    Assigned(Vec<TopicPartition>),
    /// Partitions revoked; the loop commits (unless `lost`: another member may own them
    /// already) and closes them, then completes the revocation.
    Revoked {
        /// The partitions.
        partitions: Vec<TopicPartition>,
        /// Whether the assignment was lost (session timeout, fencing).
        lost: bool,
    },
    /// An offset commit finished: the offsets Kafka stored, or why it failed.
    Committed(Result<Offsets, String>),
}

/// A rebalance handed to the loop, not completed yet.
#[derive(Debug)]
enum Pending {
    Assign(Vec<TopicPartition>),
    Revoke(Vec<TopicPartition>),
}

/// The consumer context of a sink task.
pub struct SinkConsumerContext {
    events: mpsc::UnboundedSender<RebalanceEvent>,
    pending: Mutex<VecDeque<Pending>>,
    /// The consumer is closing: rebalances complete at once.
    closing: AtomicBool,
}

/// The partitions of a list.
pub fn partitions(tpl: &TopicPartitionList) -> Vec<TopicPartition> {
    tpl.elements()
        .iter()
        .map(|e| TopicPartition::new(e.topic(), e.partition()))
        .collect()
}

impl SinkConsumerContext {
    /// A context that sends what happens to `events`.
    pub fn new(events: mpsc::UnboundedSender<RebalanceEvent>) -> Self {
        Self {
            events,
            pending: Mutex::new(VecDeque::new()),
            closing: AtomicBool::new(false),
        }
    }

    /// Completes the oldest rebalance handed to the loop: assigns its partitions (those in
    /// `start_at` from the given offsets, the others from their committed offsets) or
    /// unassigns them.
    pub fn complete<C: Consumer<Self>>(&self, consumer: &C, start_at: &Offsets) {
        let next = self.pending.lock().ok().and_then(|mut p| p.pop_front());
        if let Some(op) = next {
            apply(consumer, op, start_at);
        }
    }

    /// Completes every pending rebalance (the loop is gone).
    fn complete_all<C: Consumer<Self>>(&self, consumer: &C) {
        let ops: Vec<Pending> = self
            .pending
            .lock()
            .map(|mut p| p.drain(..).collect())
            .unwrap_or_default();
        for op in ops {
            apply(consumer, op, &Offsets::new());
        }
    }

    /// Hands a rebalance to the loop, or completes it at once if the loop is gone.
    fn hand_over(&self, consumer: &BaseConsumer<Self>, event: RebalanceEvent, op: Pending) {
        if !self.closing.load(Ordering::SeqCst) {
            if let Ok(mut pending) = self.pending.lock() {
                pending.push_back(op);
                if self.events.send(event).is_ok() {
                    return;
                }
                if let Some(op) = pending.pop_back() {
                    drop(pending);
                    apply(consumer, op, &Offsets::new());
                }
                return;
            }
        }
        apply(consumer, op, &Offsets::new());
    }
}

fn cooperative<C: ConsumerContext, K: Consumer<C>>(consumer: &K) -> bool {
    matches!(
        consumer.rebalance_protocol(),
        RebalanceProtocol::Cooperative
    )
}

fn apply<C: Consumer<SinkConsumerContext>>(consumer: &C, op: Pending, start_at: &Offsets) {
    let result = match op {
        Pending::Assign(parts) => {
            let mut tpl = TopicPartitionList::with_capacity(parts.len());
            for tp in &parts {
                let offset = start_at
                    .get(tp)
                    .map_or(Offset::Invalid, |o| Offset::Offset(*o));
                let _ = tpl.add_partition_offset(&tp.topic, tp.partition, offset);
            }
            if cooperative(consumer) {
                consumer.incremental_assign(&tpl)
            } else {
                consumer.assign(&tpl)
            }
        }
        Pending::Revoke(parts) => unassign(consumer, &parts),
    };
    if let Err(e) = result {
        tracing::warn!("completing a consumer rebalance failed: {e}");
    }
}

fn unassign<C: Consumer<SinkConsumerContext>>(
    consumer: &C,
    parts: &[TopicPartition],
) -> KafkaResult<()> {
    if cooperative(consumer) {
        let mut tpl = TopicPartitionList::with_capacity(parts.len());
        for tp in parts {
            tpl.add_partition(&tp.topic, tp.partition);
        }
        consumer.incremental_unassign(&tpl)
    } else {
        consumer.unassign()
    }
}

impl ClientContext for SinkConsumerContext {}

impl ConsumerContext for SinkConsumerContext {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let parts = partitions(tpl);
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => self.hand_over(
                consumer,
                RebalanceEvent::Assigned(parts.clone()),
                Pending::Assign(parts),
            ),
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                let lost = consumer.assignment_lost();
                self.hand_over(
                    consumer,
                    RebalanceEvent::Revoked {
                        partitions: parts.clone(),
                        lost,
                    },
                    Pending::Revoke(parts),
                );
            }
            other => {
                tracing::warn!("consumer rebalance error: {other:?}");
                if let Err(e) = unassign(consumer, &parts) {
                    tracing::warn!("unassigning after a rebalance error failed: {e}");
                }
            }
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        let event = match result {
            Ok(()) => RebalanceEvent::Committed(Ok(offsets
                .elements()
                .iter()
                .filter(|e| e.error().is_ok())
                .filter_map(|e| match e.offset() {
                    Offset::Offset(o) => Some((TopicPartition::new(e.topic(), e.partition()), o)),
                    _ => None,
                })
                .collect())),
            Err(e) => RebalanceEvent::Committed(Err(e.to_string())),
        };
        let _ = self.events.send(event);
    }
}

/// A sink task's consumer. Closing it waits for pending rebalances, so it completes any the
/// loop left before closing.
pub struct SinkConsumer(StreamConsumer<SinkConsumerContext>);

impl SinkConsumer {
    /// Wraps a consumer created with a [`SinkConsumerContext`].
    pub fn new(consumer: StreamConsumer<SinkConsumerContext>) -> Self {
        Self(consumer)
    }
}

impl Deref for SinkConsumer {
    type Target = StreamConsumer<SinkConsumerContext>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Drop for SinkConsumer {
    fn drop(&mut self) {
        let context = self.0.context();
        context.closing.store(true, Ordering::SeqCst);
        context.complete_all(&self.0);
    }
}
