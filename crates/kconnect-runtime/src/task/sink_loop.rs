//! The running sink loop: batches of consumed messages are converted and handed to `put`. A
//! retriable `put` failure pauses the partitions and redelivers the same batch after the
//! task's `timeout` or a growing backoff (the target system is down: nothing is skipped, and
//! nothing goes to the dead letter queue). Only offsets of delivered records are committed,
//! and only after the dead letter queue stored every record skipped before them; revoked
//! partitions are closed and forgotten.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use kconnect_api::{ConnectResult, SinkRecord, TopicPartition};
use kconnect_kafka::rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use kconnect_kafka::rdkafka::message::{Message, OwnedMessage};
use kconnect_kafka::rdkafka::{Offset, TopicPartitionList};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::sink::SinkTaskRunner;
use super::sink_context::{Offsets, RebalanceEvent, SinkConsumerContext, SinkContext};
use super::sink_convert::{convert_message, Outcome};
use crate::pipeline::errant::{BatchOriginals, PendingDeliveries};
use crate::pipeline::report::OriginalRecord;
use crate::pipeline::retry::{backoff_ms, random_below};
use crate::pipeline::TaskErrors;
use crate::worker::status::State;
use crate::worker::TargetState;

/// Most records handed to one `put`.
const MAX_BATCH: usize = 2000;

type Events = mpsc::UnboundedReceiver<RebalanceEvent>;
type Kafka = StreamConsumer<SinkConsumerContext>;

/// The state of a running sink task.
pub(super) struct SinkLoop<'a> {
    pub(super) r: &'a mut SinkTaskRunner,
    pub(super) errors: TaskErrors,
    pub(super) context: Arc<SinkContext>,
    /// Offsets the revocation callback may commit.
    pub(super) safe: Arc<Mutex<Offsets>>,
    /// Dead letter queue writes to wait for before committing.
    pub(super) pending: Arc<PendingDeliveries>,
    /// Original bytes of the batch in `put`, when there is a dead letter queue.
    pub(super) originals: Option<BatchOriginals>,
    /// Position after the last message converted, by partition.
    pub(super) consumed: Offsets,
    /// Position after the last message delivered (`put` succeeded), by partition.
    pub(super) current: Offsets,
    /// Last committed offsets.
    pub(super) committed: Offsets,
    /// Messages received while partitions were paused, processed first when they resume.
    pub(super) held: VecDeque<OwnedMessage>,
    /// A dead letter queue write failed: no offset may be committed any more.
    pub(super) dlq_failed: bool,
}

impl SinkLoop<'_> {
    /// Runs until cancelled (then commits) or failed (then commits what was delivered).
    pub(super) async fn run(
        &mut self,
        consumer: &Kafka,
        mut events: Events,
        cancel: &CancellationToken,
        mut target: watch::Receiver<TargetState>,
    ) -> ConnectResult<()> {
        let interval = self.r.flush_interval;
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        let outcome = self
            .iterate(consumer, &mut events, cancel, &mut target, &mut ticker)
            .await;
        let committed = self.commit(consumer, CommitMode::Sync).await;
        self.errors.close(self.errors.flush_timeout());
        outcome.and(committed)
    }

    async fn iterate(
        &mut self,
        consumer: &Kafka,
        events: &mut Events,
        cancel: &CancellationToken,
        target: &mut watch::Receiver<TargetState>,
        ticker: &mut tokio::time::Interval,
    ) -> ConnectResult<()> {
        loop {
            while let Ok(event) = events.try_recv() {
                self.on_rebalance(event).await?;
            }
            if *target.borrow() == TargetState::Paused {
                if !self
                    .wait_while_paused(consumer, events, cancel, target)
                    .await?
                {
                    return Ok(());
                }
                continue;
            }
            if self.context.take_commit_request() {
                self.commit(consumer, CommitMode::Async).await?;
            }
            if !self.held.is_empty() {
                let mut batch = Vec::new();
                let mut failed = None;
                while failed.is_none() && batch.len() < MAX_BATCH {
                    let Some(m) = self.held.pop_front() else {
                        break;
                    };
                    failed = self.accept(&m, &mut batch).await.err();
                }
                if !self.deliver(batch, consumer, events, cancel).await? {
                    return Ok(());
                }
                if let Some(e) = failed {
                    return Err(e);
                }
                continue;
            }
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Ok(()),
                _ = target.changed() => {}
                event = events.recv() => if let Some(event) = event {
                    self.on_rebalance(event).await?;
                },
                _ = ticker.tick() => self.commit(consumer, CommitMode::Async).await?,
                first = consumer.recv() => {
                    let first = match first {
                        Ok(m) => m,
                        Err(e) => { tracing::warn!(task = %self.r.id, "consumer: {e}"); continue; }
                    };
                    // A record that fails the task ends the batch; the records before it
                    // are still delivered (and their offsets committed on the way out).
                    let mut batch = Vec::new();
                    let mut failed = self.accept(&first, &mut batch).await.err();
                    drop(first);
                    while failed.is_none() && batch.len() < MAX_BATCH {
                        match consumer.recv().now_or_never() {
                            Some(Ok(m)) => failed = self.accept(&m, &mut batch).await.err(),
                            _ => break,
                        }
                    }
                    if !self.deliver(batch, consumer, events, cancel).await? {
                        return Ok(());
                    }
                    if let Some(e) = failed {
                        return Err(e);
                    }
                }
            }
        }
    }

    /// Converts one message into the batch (or skips it) and records its position.
    async fn accept<M: Message>(
        &mut self,
        m: &M,
        batch: &mut Vec<SinkRecord>,
    ) -> ConnectResult<()> {
        let tp = TopicPartition::new(m.topic(), m.partition());
        self.r.status.topic_used(&self.r.id.connector, &tp.topic);
        let outcome =
            convert_message(&mut self.r.converters, &mut self.r.chain, &self.errors, m).await?;
        self.consumed.insert(tp.clone(), m.offset() + 1);
        match outcome {
            Outcome::Record(record) => {
                if let Some(originals) = &self.originals {
                    if let Ok(mut o) = originals.lock() {
                        o.insert(
                            (tp.topic, tp.partition, m.offset()),
                            OriginalRecord::from_message(m),
                        );
                    }
                }
                batch.push(record);
            }
            Outcome::Dropped | Outcome::Skipped(None) => {}
            Outcome::Skipped(Some(delivery)) => self.pending.add(tp, delivery),
        }
        Ok(())
    }

    /// Hands a batch to `put`, redelivering it after retriable failures. `Ok(false)` when
    /// the task was stopped before the batch was delivered.
    async fn deliver(
        &mut self,
        mut batch: Vec<SinkRecord>,
        consumer: &Kafka,
        events: &mut Events,
        cancel: &CancellationToken,
    ) -> ConnectResult<bool> {
        let mut attempt = 0u32;
        while !batch.is_empty() {
            let error = match self.r.task.put(batch.clone()).await {
                Ok(()) => break,
                Err(e) if e.is_retriable() => e,
                Err(e) => return Err(e),
            };
            attempt = attempt.saturating_add(1);
            let delay = self.context.take_timeout().unwrap_or_else(|| {
                let max = self.errors.operator.policy().delay_max_ms;
                backoff_ms(attempt, max, u64::MAX, random_below)
            });
            tracing::warn!(
                task = %self.r.id,
                "put failed with a retriable error (attempt {attempt}); redelivering the same {} records in {delay} ms: {error}",
                batch.len()
            );
            let wait = Duration::from_millis(delay);
            if !self
                .wait_paused(wait, consumer, events, cancel, &mut batch)
                .await?
            {
                return Ok(false);
            }
        }
        self.current.clone_from(&self.consumed);
        if let Some(originals) = &self.originals {
            if let Ok(mut o) = originals.lock() {
                o.clear();
            }
        }
        Ok(true)
    }

    /// Pauses every assigned partition for `wait`, still serving rebalances (records of
    /// revoked partitions leave `batch`) and holding any message that arrives anyway.
    /// `Ok(false)` if cancelled meanwhile.
    async fn wait_paused(
        &mut self,
        wait: Duration,
        consumer: &Kafka,
        events: &mut Events,
        cancel: &CancellationToken,
        batch: &mut Vec<SinkRecord>,
    ) -> ConnectResult<bool> {
        let _ = consumer.pause(&consumer.assignment().unwrap_or_default());
        let deadline = tokio::time::Instant::now() + wait;
        let resumed = loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break false,
                _ = tokio::time::sleep_until(deadline) => break true,
                event = events.recv() => if let Some(event) = event {
                    if let RebalanceEvent::Revoked(parts) = &event {
                        batch.retain(|r| {
                            !parts.contains(&TopicPartition::new(&r.original_topic, r.original_kafka_partition))
                        });
                    }
                    self.on_rebalance(event).await?;
                },
                m = consumer.recv() => match m {
                    Ok(m) => self.held.push_back(m.detach()),
                    Err(e) => tracing::debug!(task = %self.r.id, "while paused: {e}"),
                },
            }
        };
        let _ = consumer.resume(&consumer.assignment().unwrap_or_default());
        Ok(resumed)
    }

    /// Waits while the connector is paused (target state), keeping group membership.
    /// `Ok(false)` if cancelled meanwhile.
    async fn wait_while_paused(
        &mut self,
        consumer: &Kafka,
        events: &mut Events,
        cancel: &CancellationToken,
        target: &mut watch::Receiver<TargetState>,
    ) -> ConnectResult<bool> {
        self.r.status.put_task(&self.r.id, State::Paused, None);
        let _ = consumer.pause(&consumer.assignment().unwrap_or_default());
        let resumed = loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break false,
                _ = target.changed() => if *target.borrow() != TargetState::Paused { break true },
                event = events.recv() => if let Some(event) = event {
                    self.on_rebalance(event).await?;
                },
                // Keep serving the group protocol while paused.
                m = consumer.recv() => match m {
                    Ok(m) => self.held.push_back(m.detach()),
                    Err(e) => tracing::debug!(task = %self.r.id, "while paused: {e}"),
                },
            }
        };
        let _ = consumer.resume(&consumer.assignment().unwrap_or_default());
        if resumed {
            self.r.status.put_task(&self.r.id, State::Running, None);
        }
        Ok(resumed)
    }
}

impl SinkLoop<'_> {
    /// Commits the offsets of delivered records that the task approves (`pre_commit`).
    async fn commit(
        &mut self,
        consumer: &StreamConsumer<SinkConsumerContext>,
        mode: CommitMode,
    ) -> ConnectResult<()> {
        if self.current.is_empty() || self.dlq_failed {
            return Ok(());
        }
        match self.pending.wait_all(self.errors.flush_timeout()).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(task = %self.r.id, "dead letter queue writes are still pending; offsets will be committed once they are stored");
                return Ok(());
            }
            Err(e) => {
                self.dlq_failed = true;
                return Err(e);
            }
        }
        let approved = self.r.task.pre_commit(self.current.clone()).await?;
        let mut tpl = TopicPartitionList::new();
        for (tp, offset) in &approved {
            let Some(current) = self.current.get(tp) else {
                continue;
            };
            let offset = (*offset).min(*current);
            if self.committed.get(tp) == Some(&offset) {
                continue;
            }
            let _ = tpl.add_partition_offset(&tp.topic, tp.partition, Offset::Offset(offset));
            self.committed.insert(tp.clone(), offset);
        }
        if let Ok(mut s) = self.safe.lock() {
            s.extend(self.committed.iter().map(|(k, v)| (k.clone(), *v)));
        }
        if tpl.count() > 0 {
            let result = match mode {
                CommitMode::Sync => {
                    tokio::task::block_in_place(|| consumer.commit(&tpl, CommitMode::Sync))
                }
                CommitMode::Async => consumer.commit(&tpl, CommitMode::Async),
            };
            if let Err(e) = result {
                tracing::warn!(task = %self.r.id, "offset commit failed, will retry: {e}");
                for e in tpl.elements() {
                    self.committed
                        .remove(&TopicPartition::new(e.topic(), e.partition()));
                }
            }
        }
        Ok(())
    }

    /// Opens newly assigned partitions; closes and forgets revoked ones (their held
    /// messages are dropped: another task consumes them from the committed offset).
    async fn on_rebalance(&mut self, event: RebalanceEvent) -> ConnectResult<()> {
        match event {
            RebalanceEvent::Assigned(parts) => {
                if let Ok(mut a) = self.context.assignment.lock() {
                    a.extend(parts.iter().cloned());
                }
                self.r.task.open(&parts).await
            }
            RebalanceEvent::Revoked(parts) => {
                if let Ok(mut a) = self.context.assignment.lock() {
                    a.retain(|tp| !parts.contains(tp));
                }
                for tp in &parts {
                    self.consumed.remove(tp);
                    self.current.remove(tp);
                    self.committed.remove(tp);
                }
                self.held
                    .retain(|m| !parts.contains(&TopicPartition::new(m.topic(), m.partition())));
                self.r.task.close(&parts).await
            }
        }
    }
}
