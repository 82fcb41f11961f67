//! Tasks: the units that move data.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::config::ConfigMap;
use crate::error::{ConnectError, ConnectResult};
use crate::record::{OffsetMap, SinkRecord, SourceRecord, TopicPartition};

/// Reads committed source offsets.
#[async_trait]
pub trait OffsetStorageReader: Send + Sync {
    /// The last committed offset of a source partition.
    async fn offset(&self, partition: &OffsetMap) -> ConnectResult<Option<OffsetMap>>;
}

/// What a source task can ask of the runtime.
pub trait SourceTaskContext: Send + Sync {
    /// The task's configuration.
    fn configs(&self) -> &ConfigMap;
    /// Access to committed offsets.
    fn offset_storage_reader(&self) -> Arc<dyn OffsetStorageReader>;
}

/// Where a produced record landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMetadata {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Offset in the partition.
    pub offset: i64,
}

/// A task that reads records from an external system.
#[async_trait]
pub trait SourceTask: Send {
    /// Starts the task.
    async fn start(
        &mut self,
        context: Arc<dyn SourceTaskContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()>;

    /// Returns the next batch of records; an empty batch when there is nothing yet.
    ///
    /// The runtime polls one batch at a time and keeps a `poll` in progress while it does
    /// other work (offset commits, pausing the connector): it resumes that same future rather
    /// than starting a new one. Only when the task stops is a `poll` in progress dropped — at
    /// whichever `.await` it was waiting — and then `stop` is called; so a task must not keep
    /// anything across an `.await` in `poll` that it cannot afford to lose when stopping
    /// (records it already took from its source, say).
    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>>;

    /// Called after offsets up to the last acknowledged records have been committed (every
    /// `offset.flush.interval.ms` and when stopping), once no `poll` is in progress. An error
    /// is logged; it does not fail the task.
    async fn commit(&mut self) -> ConnectResult<()> {
        Ok(())
    }

    /// Whether the runtime should call [`SourceTask::commit_record`]. Off by default: the
    /// runtime then keeps no copy of the records it sends. A task that overrides
    /// `commit_record` returns `true` here (the answer is read once, before `start`).
    fn wants_commit_record(&self) -> bool {
        false
    }

    /// Called when one record was written to Kafka (`None`: it was dropped by a
    /// transformation, or failed and was skipped under `errors.tolerance=all`), in the order
    /// the records were acknowledged, once no `poll` is in progress and before offsets are
    /// committed. Only called if [`SourceTask::wants_commit_record`] returns `true`. An error
    /// is logged; it does not fail the task.
    async fn commit_record(
        &mut self,
        _record: &SourceRecord,
        _metadata: Option<&RecordMetadata>,
    ) -> ConnectResult<()> {
        Ok(())
    }

    /// Stops the task and releases its resources. Not called for a task that was never
    /// started (one created and stopped while its connector was paused).
    async fn stop(&mut self) -> ConnectResult<()>;
}

/// Reports records a sink task could not process (KIP-610) to the error log and dead letter
/// queue.
#[async_trait]
pub trait ErrantRecordReporter: Send + Sync {
    /// Reports one record and the error it caused. Fails when `errors.tolerance` is `none`.
    async fn report(&self, record: &SinkRecord, error: &ConnectError) -> ConnectResult<()>;
}

/// What a sink task can ask of the runtime.
pub trait SinkTaskContext: Send + Sync {
    /// The task's configuration.
    fn configs(&self) -> &ConfigMap;
    /// Asks to continue these partitions at these offsets (rewind or skip), for tasks that
    /// store their offsets in the target system. Applied before the next batch and before
    /// any offset commit: records from these offsets on are delivered again, and nothing past
    /// them is committed (the offsets also count as the partitions' committed positions, as
    /// in Java). Called from `open`, it sets where newly assigned partitions start.
    fn offset(&self, offsets: HashMap<TopicPartition, i64>);
    /// Asks for `put` to be called again within `millis`, with no records if none arrived; after
    /// a retriable `put` failure, the delay before the batch is delivered again. Once.
    fn timeout(&self, millis: u64);
    /// The partitions currently assigned to this task.
    fn assignment(&self) -> Vec<TopicPartition>;
    /// Stops fetching from these partitions (ignored for partitions not assigned to the
    /// task). They stay paused across rebalances while they remain assigned.
    fn pause(&self, partitions: &[TopicPartition]);
    /// Resumes fetching from these partitions.
    fn resume(&self, partitions: &[TopicPartition]);
    /// Asks for an offset commit as soon as possible.
    fn request_commit(&self);
    /// The errant record reporter, if error reporting is configured.
    fn errant_record_reporter(&self) -> Option<Arc<dyn ErrantRecordReporter>>;
}

/// A task that writes records to an external system.
#[async_trait]
pub trait SinkTask: Send {
    /// Starts the task.
    async fn start(
        &mut self,
        context: Arc<dyn SinkTaskContext>,
        props: &ConfigMap,
    ) -> ConnectResult<()>;

    /// Writes (or buffers) a batch of records.
    async fn put(&mut self, records: Vec<SinkRecord>) -> ConnectResult<()>;

    /// Makes everything given to `put` so far durable.
    async fn flush(&mut self, _offsets: &HashMap<TopicPartition, i64>) -> ConnectResult<()> {
        Ok(())
    }

    /// Returns the offsets that are safe to commit; by default flushes and returns them all.
    /// Offsets past what was delivered, or of partitions not offered, are not committed. An
    /// error does not fail the task: the consumer goes back to the last committed offsets and
    /// the records after them are delivered again.
    async fn pre_commit(
        &mut self,
        offsets: HashMap<TopicPartition, i64>,
    ) -> ConnectResult<HashMap<TopicPartition, i64>> {
        self.flush(&offsets).await?;
        Ok(offsets)
    }

    /// Partitions newly assigned to this task. `SinkTaskContext::offset` called here sets
    /// where they start.
    async fn open(&mut self, _partitions: &[TopicPartition]) -> ConnectResult<()> {
        Ok(())
    }

    /// Partitions taken away from this task: on revocation (after `pre_commit` for them,
    /// before their offsets are committed) and when the task stops (before `stop`).
    async fn close(&mut self, _partitions: &[TopicPartition]) -> ConnectResult<()> {
        Ok(())
    }

    /// Stops the task and releases its resources. Not called for a task that was never
    /// started (one created and stopped while its connector was paused).
    async fn stop(&mut self) -> ConnectResult<()>;
}
