//! The source task loop (kafka-connect-spec.md §8.3-8.4): poll the task, transform, convert, produce; track
//! acknowledgements per source partition and commit an offset only once every record before
//! it was acknowledged; commit every `offset.flush.interval.ms` and on shutdown.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kconnect_api::plugin::{SourceTask, SourceTaskContext};
use kconnect_api::record::OffsetMap;
use kconnect_api::{ConfigMap, ConnectError, ConnectResult, SourceRecord};
use kconnect_kafka::rdkafka::error::RDKafkaErrorCode;
use kconnect_kafka::rdkafka::message::{Header, OwnedHeaders};
use kconnect_kafka::rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::source_acks::{AckContext, AckState};
use super::source_convert::{prepare, Converted, Prepared, SourcePosition};
use super::source_poll::{Detached, PolledTask};
use super::topic_creation::TopicCreator;
use super::TaskId;
use crate::pipeline::dlq::Delivery;
use crate::pipeline::errors::trace;
use crate::pipeline::{ErrorHandler, TaskConverters, TaskErrors, TransformChain};
use crate::storage::internal_json::InternalJson;
use crate::worker::fence::{TaskOffsets, TaskStatus};
use crate::worker::status::State;
use crate::worker::TargetState;

pub use super::source_context::SourceContext;

/// Everything a source task loop needs.
pub struct SourceTaskRunner {
    /// Task id.
    pub id: TaskId,
    /// The task.
    pub task: Box<dyn SourceTask>,
    /// Its configuration.
    pub config: ConfigMap,
    /// Context handed to `start`.
    pub context: Arc<dyn SourceTaskContext>,
    /// Transformations.
    pub chain: TransformChain,
    /// Converters.
    pub converters: TaskConverters,
    /// Error handling policy.
    pub errors: ErrorHandler,
    /// Producer properties.
    pub producer_props: kconnect_kafka::ClientProps,
    /// Topic creation, if enabled.
    pub topic_creator: Option<TopicCreator>,
    /// Offsets store.
    pub offsets: TaskOffsets,
    /// Internal JSON encoding.
    pub json: Arc<InternalJson>,
    /// Status reporting.
    pub status: TaskStatus,
    /// `offset.flush.interval.ms`.
    pub flush_interval: Duration,
    /// `offset.flush.timeout.ms`.
    pub flush_timeout: Duration,
    /// Whether `errors.tolerance=all`.
    pub tolerate_all: bool,
}

/// The state of a running source task.
pub(super) struct Loop {
    pub(super) r: SourceTaskRunner,
    /// The task (`r.task` is a stand-in while the loop runs).
    pub(super) task: PolledTask,
    /// Offsets were committed and the task's `commit` was not called yet.
    pub(super) commit_due: bool,
    producer: ThreadedProducer<AckContext>,
    pub(super) acks: Arc<AckState>,
    errors: TaskErrors,
    /// Records skipped after a failure, acknowledged once their dead letter queue write is
    /// stored.
    dlq_acks: JoinSet<()>,
    max_in_flight: usize,
    /// Copies of the records sent and not yet passed to the task's `commit_record`, by opaque
    /// id; `None` for a task that does not want `commit_record` (nothing is copied then).
    pub(super) records: Option<HashMap<usize, SourceRecord>>,
    /// Superseded offsets taken from the acknowledgement tracking, dropped on this thread.
    superseded: Vec<OffsetMap>,
}

impl SourceTaskRunner {
    /// Runs the task until cancelled or failed; reports states to the status store.
    pub async fn run(mut self, cancel: CancellationToken, target: watch::Receiver<TargetState>) {
        let id = self.id.clone();
        let status = self.status.clone();
        let errors = match self.errors.open(cancel.clone()).await {
            Ok(e) => e,
            Err(e) => return status.put_task(&id, State::Failed, Some(trace(&e))),
        };
        let wants_commit_record = self.task.wants_commit_record();
        let mut acks = AckState::new(
            id.clone(),
            errors.operator.policy().tolerate_all,
            errors.reporter.is_active(),
        );
        if wants_commit_record {
            acks = acks.with_record_acks();
        }
        let acks = Arc::new(acks);
        let context = AckContext {
            state: acks.clone(),
        };
        let producer = match self.producer_props.to_rdkafka().and_then(|c| {
            c.create_with_context(context)
                .map_err(kconnect_kafka::KafkaError::from)
        }) {
            Ok(p) => p,
            Err(e) => {
                let e = ConnectError::other(format!("cannot create the Kafka producer: {e}"));
                return status.put_task(&id, State::Failed, Some(trace(&e)));
            }
        };
        let task = std::mem::replace(&mut self.task, Box::new(Detached));
        let mut l = Loop {
            r: self,
            task: PolledTask::new(task),
            commit_due: false,
            producer,
            acks,
            errors,
            dlq_acks: JoinSet::new(),
            max_in_flight: 100_000,
            records: wants_commit_record.then(HashMap::new),
            superseded: Vec::new(),
        };
        let result = l.run(cancel, target).await;
        let stop = l.task.stop().await;
        match result.and(stop) {
            Ok(()) => status.put_task(&id, State::Unassigned, None),
            Err(e) => status.put_task(&id, State::Failed, Some(trace(&e))),
        }
    }
}

impl Loop {
    async fn run(
        &mut self,
        cancel: CancellationToken,
        mut target: watch::Receiver<TargetState>,
    ) -> ConnectResult<()> {
        if *target.borrow() == TargetState::Paused {
            // Created while its connector is paused: PAUSED, started once resumed (Java).
            self.r.status.put_task(&self.r.id, State::Paused, None);
            if !super::until_unpaused(&cancel, &mut target).await {
                return Ok(());
            }
        }
        let r = &mut self.r;
        self.task.start(r.context.clone(), &r.config).await?;
        r.status.put_task(&r.id, State::Running, None);
        let mut ticker = tokio::time::interval_at(
            tokio::time::Instant::now() + r.flush_interval,
            r.flush_interval,
        );
        let outcome: ConnectResult<()> = loop {
            if let Some(f) = self.failure() {
                break Err(ConnectError::other(f));
            }
            if *target.borrow() == TargetState::Paused {
                self.r.status.put_task(&self.r.id, State::Paused, None);
                tokio::select! {
                    _ = cancel.cancelled() => break Ok(()),
                    _ = target.changed() => {}
                }
                if *target.borrow() != TargetState::Paused {
                    self.r.status.put_task(&self.r.id, State::Running, None);
                }
                continue;
            }
            self.commit_records().await;
            if self.commit_due {
                self.notify_commit().await;
            }
            // A poll in progress survives the other branches (see `PolledTask`).
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break Ok(()),
                _ = target.changed() => {}
                _ = ticker.tick() => if let Err(e) = self.commit().await {
                    // Still drain and commit on the way out.
                    break Err(e);
                },
                polled = self.task.next() => match polled {
                    Ok(records) => if let Err(e) = self.send_all(records, &cancel).await {
                        // Still commit what was acknowledged before the failure.
                        break Err(e);
                    },
                    Err(e) if e.is_retriable() => {
                        tracing::warn!(task = %self.r.id, "poll failed, retrying: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => break Err(e),
                },
            }
        };
        // Drain in-flight sends and dead letter queue writes, then commit what was
        // acknowledged.
        self.task.drop_poll();
        let timeout = self.r.flush_timeout;
        let _ = tokio::task::block_in_place(|| self.producer.flush(timeout));
        self.errors.close(timeout);
        let _ = tokio::time::timeout(timeout, async {
            while self.dlq_acks.join_next().await.is_some() {}
        })
        .await;
        self.commit().await?;
        match outcome {
            // Stopped while retrying a record: a clean stop (the record was not skipped).
            Err(_) if self.errors.stopped_while_retrying() => Ok(()),
            outcome => outcome,
        }
    }

    fn failure(&self) -> Option<String> {
        self.acks.failure()
    }

    /// Whether the task must fail (no lock: checked for every record).
    fn failed(&self) -> bool {
        self.acks.has_failed()
    }

    async fn send_all(
        &mut self,
        records: Vec<SourceRecord>,
        cancel: &CancellationToken,
    ) -> ConnectResult<()> {
        // Once per batch: drop the offsets that acknowledgements superseded since the last.
        if let Ok(mut s) = self.acks.submitted.lock() {
            s.swap_superseded(&mut self.superseded);
        }
        self.superseded.clear();
        // The topic last recorded as used, in this batch: topic tracking is told once per
        // batch and topic rather than for every record (a reset of the connector's topics
        // shows them again with the next batch).
        let mut recorded: Option<String> = None;
        for record in records {
            self.send(record, &mut recorded, cancel).await?;
            if cancel.is_cancelled() || self.failed() {
                break;
            }
        }
        Ok(())
    }

    async fn send(
        &mut self,
        record: SourceRecord,
        recorded: &mut Option<String>,
        cancel: &CancellationToken,
    ) -> ConnectResult<()> {
        // A copy for the task's `commit_record`, only if it wants it.
        let copy = self.records.is_some().then(|| record.clone());
        let (prepared, position) = prepare(
            &mut self.r.chain,
            &mut self.r.converters,
            &self.errors,
            record,
        )
        .await?;
        let converted = match prepared {
            Prepared::Send(c) => c,
            Prepared::Dropped | Prepared::Skipped(None) => return self.skip(copy, position),
            Prepared::Skipped(Some(delivery)) => return self.skip_after(copy, delivery, position),
        };
        let Converted {
            topic,
            partition,
            timestamp,
            key,
            value,
            headers: raw_headers,
        } = converted;
        if recorded.as_deref() != Some(topic.as_str()) {
            self.r.status.topic_used(&self.r.id.connector, &topic);
            *recorded = Some(topic.clone());
        }
        // No header list at all for records without headers: librdkafka allocates (and later
        // frees) one per record otherwise.
        let headers = (!raw_headers.is_empty()).then(|| {
            let mut headers = OwnedHeaders::new_with_capacity(raw_headers.len());
            for (k, v) in &raw_headers {
                headers = headers.insert(Header {
                    key: k,
                    value: v.as_deref(),
                });
            }
            headers
        });
        if let Some(creator) = self.r.topic_creator.as_mut() {
            let mut backoff = Duration::from_millis(100);
            loop {
                match creator.ensure(&topic).await {
                    Ok(()) => break,
                    Err(e) if e.is_retriable() && !cancel.is_cancelled() => {
                        tracing::warn!(task = %self.r.id, "{e}; retrying in {backoff:?} (is the broker up?)");
                        tokio::select! {
                            _ = tokio::time::sleep(backoff) => {}
                            _ = cancel.cancelled() => return Ok(()),
                        }
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let (opaque, mut in_flight) = self.submit(copy, position)?;
        let mut base: BaseRecord<'_, [u8], [u8], usize> =
            BaseRecord::with_opaque_to(&topic, opaque);
        if let Some(headers) = headers {
            base = base.headers(headers);
        }
        if let Some(k) = key.as_deref() {
            base = base.key(k);
        }
        if let Some(v) = value.as_deref() {
            base = base.payload(v);
        }
        if let Some(p) = partition {
            base = base.partition(p);
        }
        if let Some(ts) = timestamp {
            base = base.timestamp(ts);
        }
        // Stopped or failed while waiting for room: give up on this record. It was submitted
        // and is never acknowledged, so no later offset of its partition is committed.
        loop {
            while in_flight >= self.max_in_flight {
                if cancel.is_cancelled() || self.failed() {
                    return Ok(());
                }
                Self::wait_for_acks(&self.acks, cancel).await;
                in_flight = self.in_flight();
            }
            match self.producer.send(base) {
                Ok(()) => return Ok(()),
                Err((e, returned))
                    if e.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) =>
                {
                    base = returned;
                    if cancel.is_cancelled() || self.failed() {
                        return Ok(());
                    }
                    Self::wait_for_acks(&self.acks, cancel).await;
                }
                Err((e, _)) => {
                    return Err(ConnectError::other(format!(
                        "Unrecoverable exception trying to send to topic {topic}: {e}"
                    )))
                }
            }
        }
    }

    fn in_flight(&self) -> usize {
        self.acks
            .submitted
            .lock()
            .map(|s| s.in_flight())
            .unwrap_or(0)
    }

    async fn wait_for_acks(acks: &AckState, cancel: &CancellationToken) {
        tokio::select! {
            _ = acks.notify.notified() => {}
            _ = cancel.cancelled() => {}
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }

    /// Tracks a record that will be sent; returns its opaque id and the number of records in
    /// flight, this one included (one lock for both).
    fn submit(
        &mut self,
        copy: Option<SourceRecord>,
        (partition, offset): SourcePosition,
    ) -> ConnectResult<(usize, usize)> {
        let (json, connector) = (&self.r.json, &self.r.id.connector);
        let mut s = self
            .acks
            .submitted
            .lock()
            .map_err(|_| ConnectError::other("ack tracking poisoned"))?;
        let index = match &partition {
            Some(p) => s.partition_index(p, || json.offset_key(connector, p))?,
            None => None,
        };
        let opaque = s.submit(index, offset);
        let in_flight = s.in_flight();
        drop(s);
        if let (Some(records), Some(copy)) = (self.records.as_mut(), copy) {
            records.insert(opaque, copy);
        }
        Ok((opaque, in_flight))
    }

    /// A dropped or tolerated record: its offset still becomes committable in order.
    fn skip(&mut self, copy: Option<SourceRecord>, position: SourcePosition) -> ConnectResult<()> {
        let (opaque, _) = self.submit(copy, position)?;
        self.acks.record_ack(opaque, || None);
        self.acks.ack(opaque);
        Ok(())
    }

    /// A record skipped after a failure: acknowledged once its dead letter queue write is
    /// stored; a write that fails for good fails the task, so the record is not lost.
    fn skip_after(
        &mut self,
        copy: Option<SourceRecord>,
        delivery: Delivery,
        position: SourcePosition,
    ) -> ConnectResult<()> {
        let (opaque, _) = self.submit(copy, position)?;
        let acks = self.acks.clone();
        self.dlq_acks.spawn(async move {
            match delivery.wait().await {
                Ok(()) => {
                    acks.record_ack(opaque, || None);
                    acks.ack(opaque)
                }
                Err(e) => acks.fail(e.to_string()),
            }
        });
        while self.dlq_acks.try_join_next().is_some() {}
        Ok(())
    }
}
