//! The running sink loop: batches of consumed messages are converted and handed to `put`. A
//! retriable `put` failure pauses the partitions and redelivers the same batch after the
//! task's `timeout` or a growing backoff (the target system is down: nothing is skipped, and
//! nothing goes to the dead letter queue). Commits, rebalances and the task's requests to its
//! context are served by [`super::sink_commit`].

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use kconnect_api::plugin::SinkTaskContext;
use kconnect_api::{ConnectResult, SinkRecord, TopicPartition};
use kconnect_kafka::rdkafka::message::{Message, OwnedMessage};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::sink::SinkTaskRunner;
use super::sink_context::SinkContext;
use super::sink_convert::{convert_message, Outcome};
use super::sink_offsets::Positions;
use super::sink_rebalance::{RebalanceEvent, SinkConsumer};
use crate::pipeline::errant::{BatchOriginals, PendingDeliveries};
use crate::pipeline::report::OriginalRecord;
use crate::pipeline::retry::{backoff_ms, random_below};
use crate::pipeline::TaskErrors;
use crate::worker::status::State;
use crate::worker::TargetState;

/// Most records handed to one `put`.
const MAX_BATCH: usize = 2000;

type Events = mpsc::UnboundedReceiver<RebalanceEvent>;
/// The sink task's consumer.
pub(super) type Kafka = SinkConsumer;

/// The state of a running sink task.
pub(super) struct SinkLoop<'a> {
    pub(super) r: &'a mut SinkTaskRunner,
    pub(super) errors: TaskErrors,
    pub(super) context: Arc<SinkContext>,
    /// Dead letter queue writes to wait for before committing.
    pub(super) pending: Arc<PendingDeliveries>,
    /// Original bytes of the batch in `put`, when there is a dead letter queue.
    pub(super) originals: Option<BatchOriginals>,
    /// Converted, delivered and committed positions by partition.
    pub(super) positions: Positions,
    /// Messages received while partitions were paused, processed first when they resume.
    pub(super) held: VecDeque<OwnedMessage>,
    /// A dead letter queue write failed: no offset may be committed any more.
    pub(super) dlq_failed: bool,
    /// Partitions the task paused (`SinkTaskContext::pause`).
    pub(super) task_paused: HashSet<TopicPartition>,
    /// Every partition is paused: the connector is paused, or a batch waits for redelivery.
    pub(super) all_paused: bool,
    /// When to call `put` again without records, as the task asked with `timeout`.
    pub(super) wake: Option<Instant>,
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
        // As Java on the way out: `pre_commit`, close every partition, commit synchronously.
        let assigned = self.context.assignment();
        let committed = self.commit(consumer, Some(&assigned), true).await;
        self.errors.close(self.errors.flush_timeout());
        let outcome = match outcome {
            // Stopped while retrying a record: a clean stop (the record was not skipped).
            Err(_) if self.errors.stopped_while_retrying() => Ok(()),
            outcome => outcome,
        };
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
            self.apply_rewinds(consumer);
            self.apply_task_pauses(consumer);
            if let Some(ms) = self.context.take_timeout() {
                self.wake = Some(Instant::now() + Duration::from_millis(ms));
            }
            while let Ok(event) = events.try_recv() {
                self.on_rebalance(consumer, event).await?;
            }
            if *target.borrow() == TargetState::Paused {
                if !self
                    .wait_while_paused(consumer, events, cancel, target, ticker)
                    .await?
                {
                    return Ok(());
                }
                continue;
            }
            if self.context.take_commit_request() {
                self.commit(consumer, None, false).await?;
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
                    self.on_rebalance(consumer, event).await?;
                },
                _ = ticker.tick() => self.commit(consumer, None, false).await?,
                // The task asked to be called again by now (`timeout`), records or not.
                _ = tokio::time::sleep_until(self.wake.unwrap_or_else(Instant::now)), if self.wake.is_some() => {
                    self.put_nothing().await?;
                }
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
        self.positions.consumed(&tp, m.offset());
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
        self.positions.delivered();
        // This `put` used up the task's `timeout`, if any.
        self.wake = None;
        if let Some(originals) = &self.originals {
            if let Ok(mut o) = originals.lock() {
                o.clear();
            }
        }
        Ok(true)
    }

    /// Calls `put` without records, as the task asked with `timeout` (Java calls `put` after
    /// every poll, records or not). A retriable error is only logged: no records to redeliver.
    async fn put_nothing(&mut self) -> ConnectResult<()> {
        self.wake = None;
        match self.r.task.put(Vec::new()).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_retriable() => {
                tracing::warn!(task = %self.r.id, "put failed with a retriable error: {e}");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Pauses every assigned partition (also those assigned meanwhile) for `wait`, still
    /// serving rebalances (records of revoked partitions leave `batch`) and holding any
    /// message that arrives anyway. `Ok(false)` if cancelled meanwhile.
    async fn wait_paused(
        &mut self,
        wait: Duration,
        consumer: &Kafka,
        events: &mut Events,
        cancel: &CancellationToken,
        batch: &mut Vec<SinkRecord>,
    ) -> ConnectResult<bool> {
        self.all_paused = true;
        self.sync_pauses(consumer);
        let deadline = tokio::time::Instant::now() + wait;
        let resumed = loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break false,
                _ = tokio::time::sleep_until(deadline) => break true,
                event = events.recv() => if let Some(event) = event {
                    if let RebalanceEvent::Revoked { partitions, .. } = &event {
                        batch.retain(|r| {
                            !partitions.contains(&TopicPartition::new(&r.original_topic, r.original_kafka_partition))
                        });
                    }
                    self.on_rebalance(consumer, event).await?;
                },
                m = consumer.recv() => match m {
                    Ok(m) => self.held.push_back(m.detach()),
                    Err(e) => tracing::debug!(task = %self.r.id, "while paused: {e}"),
                },
            }
        };
        self.all_paused = false;
        self.sync_pauses(consumer);
        Ok(resumed)
    }

    /// Waits while the connector is paused (target state), keeping group membership and
    /// committing (Java requests a commit when pausing). Partitions assigned meanwhile are
    /// paused too. `Ok(false)` if cancelled meanwhile.
    async fn wait_while_paused(
        &mut self,
        consumer: &Kafka,
        events: &mut Events,
        cancel: &CancellationToken,
        target: &mut watch::Receiver<TargetState>,
        ticker: &mut tokio::time::Interval,
    ) -> ConnectResult<bool> {
        self.r.status.put_task(&self.r.id, State::Paused, None);
        self.all_paused = true;
        self.sync_pauses(consumer);
        self.commit(consumer, None, false).await?;
        let resumed = loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break false,
                _ = target.changed() => if *target.borrow() != TargetState::Paused { break true },
                event = events.recv() => if let Some(event) = event {
                    self.on_rebalance(consumer, event).await?;
                },
                _ = ticker.tick() => self.commit(consumer, None, false).await?,
                // Keep serving the group protocol while paused.
                m = consumer.recv() => match m {
                    Ok(m) => self.held.push_back(m.detach()),
                    Err(e) => tracing::debug!(task = %self.r.id, "while paused: {e}"),
                },
            }
        };
        self.all_paused = false;
        self.sync_pauses(consumer);
        if resumed {
            self.r.status.put_task(&self.r.id, State::Running, None);
        }
        Ok(resumed)
    }
}
