//! Offset commits, rebalances and what the task asked of its context, for the sink loop (spec
//! §8.5, Java's `commitOffsets`, rebalance listener and `rewind`): only offsets of delivered
//! records that `pre_commit` approves are committed, and only after the dead letter queue
//! stored every record skipped before them; revoked partitions are committed and closed before
//! they leave; requested offsets move the consumer; partitions the task paused stay paused
//! across rebalances.

use std::time::Duration;

use kconnect_api::plugin::SinkTaskContext;
use kconnect_api::{ConnectResult, TopicPartition};
use kconnect_kafka::rdkafka::consumer::{CommitMode, Consumer};
use kconnect_kafka::rdkafka::message::Message;
use kconnect_kafka::rdkafka::{Offset, TopicPartitionList};

use super::sink_loop::{Kafka, SinkLoop};
use super::sink_offsets::Offsets;
use super::sink_rebalance::RebalanceEvent;

/// How long a seek may take (it only waits for the consumer's own threads).
const SEEK_TIMEOUT: Duration = Duration::from_secs(5);

fn list<'a>(partitions: impl IntoIterator<Item = &'a TopicPartition>) -> TopicPartitionList {
    let mut tpl = TopicPartitionList::new();
    for tp in partitions {
        tpl.add_partition(&tp.topic, tp.partition);
    }
    tpl
}

impl SinkLoop<'_> {
    /// Offers the delivered positions of `scope` (every partition if `None`) to `pre_commit`
    /// and commits what it approves: asynchronously, or synchronously when `closing`
    /// (revocation, shutdown), in which case the partitions are also closed, after
    /// `pre_commit` and before the commit. A `pre_commit` error does not fail the task: the
    /// consumer goes back to the last committed offsets (Java).
    pub(super) async fn commit(
        &mut self,
        consumer: &Kafka,
        scope: Option<&[TopicPartition]>,
        closing: bool,
    ) -> ConnectResult<()> {
        self.apply_rewinds(consumer);
        let offered = self.positions.to_commit(scope);
        let ready = if offered.is_empty() || self.dlq_failed {
            false
        } else {
            match self.pending.wait_all(self.errors.flush_timeout()).await {
                Ok(true) => true,
                Ok(false) => {
                    tracing::warn!(task = %self.r.id, "dead letter queue writes are still pending; offsets will be committed once they are stored");
                    false
                }
                Err(e) => {
                    self.dlq_failed = true;
                    self.close_if(closing, scope).await?;
                    return Err(e);
                }
            }
        };
        if !ready {
            return self.close_if(closing, scope).await;
        }
        let approved = match self.r.task.pre_commit(offered.clone()).await {
            Ok(approved) => approved,
            Err(e) if closing => {
                tracing::warn!(task = %self.r.id, "Offset commit failed during close: {e}");
                return self.close_if(closing, scope).await;
            }
            Err(e) => {
                tracing::error!(task = %self.r.id, "Offset commit failed, rewinding to last committed offsets: {e}");
                let back = self.positions.back_to_committed(offered.keys());
                self.drop_held(|tp| back.contains_key(tp));
                let failed = self.seek(consumer, &back);
                self.context.restore_rewinds(failed);
                return Ok(());
            }
        };
        self.close_if(closing, scope).await?;
        let commit = self.positions.committable(&offered, &approved);
        if commit.is_empty() || self.r.status.is_cancelled() {
            return Ok(());
        }
        let mut tpl = TopicPartitionList::with_capacity(commit.len());
        for (tp, offset) in &commit {
            let _ = tpl.add_partition_offset(&tp.topic, tp.partition, Offset::Offset(*offset));
        }
        if closing {
            match tokio::task::block_in_place(|| consumer.commit(&tpl, CommitMode::Sync)) {
                Ok(()) => self
                    .positions
                    .confirmed(&commit, &self.context.assignment()),
                Err(e) => tracing::warn!(task = %self.r.id, "offset commit failed: {e}"),
            }
        } else if let Err(e) = consumer.commit(&tpl, CommitMode::Async) {
            // Not confirmed, so the next commit sends these offsets again.
            tracing::warn!(task = %self.r.id, "offset commit failed, will retry: {e}");
        }
        Ok(())
    }

    async fn close_if(
        &mut self,
        closing: bool,
        scope: Option<&[TopicPartition]>,
    ) -> ConnectResult<()> {
        match scope {
            Some(partitions) if closing => self.r.task.close(partitions).await,
            _ => Ok(()),
        }
    }

    /// Serves what the consumer reported: opens newly assigned partitions (starting them
    /// where the task asked in `open`, paused if everything is); commits and closes revoked
    /// ones (only closes lost ones) and forgets them; records confirmed commits.
    pub(super) async fn on_rebalance(
        &mut self,
        consumer: &Kafka,
        event: RebalanceEvent,
    ) -> ConnectResult<()> {
        match event {
            RebalanceEvent::Committed(Ok(offsets)) => {
                let assigned = self.context.assignment();
                self.positions.confirmed(&offsets, &assigned);
                Ok(())
            }
            RebalanceEvent::Committed(Err(e)) => {
                tracing::warn!(task = %self.r.id, "offset commit failed, will retry: {e}");
                Ok(())
            }
            RebalanceEvent::Assigned(parts) => {
                if let Ok(mut a) = self.context.assignment.lock() {
                    a.extend(parts.iter().cloned());
                }
                self.positions.forget(&parts);
                let opened = self.r.task.open(&parts).await;
                let start_at = match opened {
                    Ok(()) => self.context.take_rewinds_of(&parts),
                    Err(_) => Offsets::new(),
                };
                consumer.context().complete(&**consumer, &start_at);
                for (tp, offset) in &start_at {
                    self.positions.rewound(tp, *offset);
                }
                // Pause what the task paused (in `open` too), or everything if all is paused.
                if let Some(paused) = self.context.take_pause_change() {
                    self.task_paused = paused;
                }
                self.sync_pauses(consumer);
                opened
            }
            RebalanceEvent::Revoked { partitions, lost } => {
                self.drop_held(|tp| partitions.contains(tp));
                let closed = if lost {
                    self.r.task.close(&partitions).await
                } else {
                    self.commit(consumer, Some(&partitions), true).await
                };
                self.positions.forget(&partitions);
                self.context.forget(&partitions);
                self.task_paused.retain(|tp| !partitions.contains(tp));
                consumer.context().complete(&**consumer, &Offsets::new());
                closed
            }
        }
    }

    /// Moves the consumer to the offsets the task asked for (`SinkTaskContext::offset`); the
    /// delivered and committed positions follow (Java's `rewind`). Offsets the consumer
    /// cannot seek to yet are tried again later.
    pub(super) fn apply_rewinds(&mut self, consumer: &Kafka) {
        let rewinds = self.context.take_rewinds();
        if rewinds.is_empty() {
            return;
        }
        let assigned = self.context.assignment();
        let (ours, others): (Offsets, Offsets) = rewinds
            .into_iter()
            .partition(|(tp, _)| assigned.contains(tp));
        if !others.is_empty() {
            tracing::warn!(task = %self.r.id, "cannot rewind partitions not assigned to the task: {others:?}");
        }
        let failed = self.seek(consumer, &ours);
        for (tp, offset) in &ours {
            if !failed.contains_key(tp) {
                tracing::debug!(task = %self.r.id, "rewound {tp:?} to offset {offset}");
                self.positions.rewound(tp, *offset);
            }
        }
        self.drop_held(|tp| ours.contains_key(tp) && !failed.contains_key(tp));
        self.context.restore_rewinds(failed);
    }

    /// Seeks partitions; returns those that failed.
    fn seek(&self, consumer: &Kafka, offsets: &Offsets) -> Offsets {
        let mut failed = Offsets::new();
        for (tp, offset) in offsets {
            let seeked = tokio::task::block_in_place(|| {
                consumer.seek(
                    &tp.topic,
                    tp.partition,
                    Offset::Offset(*offset),
                    SEEK_TIMEOUT,
                )
            });
            if let Err(e) = seeked {
                tracing::debug!(task = %self.r.id, "cannot seek {tp:?} to {offset} yet: {e}");
                failed.insert(tp.clone(), *offset);
            }
        }
        failed
    }

    /// Applies the task's pauses and resumes (`SinkTaskContext::pause` and `resume`).
    pub(super) fn apply_task_pauses(&mut self, consumer: &Kafka) {
        if let Some(paused) = self.context.take_pause_change() {
            self.task_paused = paused;
            self.sync_pauses(consumer);
        }
    }

    /// Pauses every assigned partition when everything is paused (the connector is paused, or
    /// a batch waits for redelivery), else those the task paused; resumes the others.
    /// Messages already received from a partition the task paused are fetched again once
    /// it resumes.
    pub(super) fn sync_pauses(&mut self, consumer: &Kafka) {
        let assigned = self.context.assignment();
        let (paused, running): (Vec<&TopicPartition>, Vec<&TopicPartition>) = assigned
            .iter()
            .partition(|tp| self.all_paused || self.task_paused.contains(*tp));
        if let Err(e) = consumer.pause(&list(paused.iter().copied())) {
            tracing::warn!(task = %self.r.id, "cannot pause partitions: {e}");
        }
        if let Err(e) = consumer.resume(&list(running)) {
            tracing::warn!(task = %self.r.id, "cannot resume partitions: {e}");
        }
        if self.all_paused || self.held.is_empty() {
            return;
        }
        let mut back = Offsets::new();
        for m in &self.held {
            let tp = TopicPartition::new(m.topic(), m.partition());
            if self.task_paused.contains(&tp) && !back.contains_key(&tp) {
                back.insert(tp, m.offset());
            }
        }
        if !back.is_empty() {
            let failed = self.seek(consumer, &back);
            let dropped: Offsets = back
                .into_iter()
                .filter(|(tp, _)| !failed.contains_key(tp))
                .collect();
            self.drop_held(|tp| dropped.contains_key(tp));
        }
    }

    fn drop_held(&mut self, drop: impl Fn(&TopicPartition) -> bool) {
        if !self.held.is_empty() {
            self.held
                .retain(|m| !drop(&TopicPartition::new(m.topic(), m.partition())));
        }
    }
}
