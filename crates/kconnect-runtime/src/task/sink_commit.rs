//! Offset commits and rebalances of the sink loop (spec §8.5): only offsets of delivered
//! records are committed, and only after the dead letter queue stored every record skipped
//! before them; revoked partitions are closed and forgotten.

use kconnect_api::{ConnectResult, TopicPartition};
use kconnect_kafka::rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use kconnect_kafka::rdkafka::message::Message;
use kconnect_kafka::rdkafka::{Offset, TopicPartitionList};

use super::sink_context::{RebalanceEvent, SinkConsumerContext};
use super::sink_loop::SinkLoop;

impl SinkLoop<'_> {
    /// Commits the offsets of delivered records that the task approves (`pre_commit`).
    pub(super) async fn commit(
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
    pub(super) async fn on_rebalance(&mut self, event: RebalanceEvent) -> ConnectResult<()> {
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
