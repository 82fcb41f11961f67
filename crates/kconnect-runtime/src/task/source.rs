//! The source task loop (spec §8.3-8.4): poll the task, transform, convert, produce; track
//! acknowledgements per source partition and commit an offset only once every record before
//! it was acknowledged; commit every `offset.flush.interval.ms` and on shutdown.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kconnect_api::plugin::{OffsetStorageReader, SourceTask, SourceTaskContext};
use kconnect_api::record::OffsetMap;
use kconnect_api::{ConfigMap, ConnectError, ConnectResult, SourceRecord};
use kconnect_kafka::rdkafka::error::RDKafkaErrorCode;
use kconnect_kafka::rdkafka::message::{Header, OwnedHeaders};
use kconnect_kafka::rdkafka::producer::{
    BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer,
};
use kconnect_kafka::rdkafka::ClientContext;
use tokio::sync::{watch, Notify};
use tokio_util::sync::CancellationToken;

use super::submitted::SubmittedRecords;
use super::topic_creation::TopicCreator;
use super::TaskId;
use crate::pipeline::{ErrorHandler, Stage, TaskConverters, TransformChain};
use crate::storage::{internal_json::InternalJson, FileOffsetStore};
use crate::worker::status::{State, StatusStore};
use crate::worker::TargetState;

/// Shared between the loop and the producer's delivery callback.
pub struct AckState {
    submitted: Mutex<SubmittedRecords>,
    failure: Mutex<Option<String>>,
    notify: Notify,
    tolerate_all: bool,
}

/// The producer context: delivery reports acknowledge submitted records.
pub struct AckContext {
    state: Arc<AckState>,
}

impl ClientContext for AckContext {}

impl ProducerContext for AckContext {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, opaque: usize) {
        if let Err((err, _)) = result {
            if self.state.tolerate_all {
                tracing::warn!("record could not be written to Kafka and is skipped (errors.tolerance=all): {err}");
            } else if let Ok(mut failure) = self.state.failure.lock() {
                failure.get_or_insert_with(|| {
                    format!("Unrecoverable exception from producer send callback: {err}")
                });
                self.state.notify.notify_one();
                return;
            }
        }
        if let Ok(mut s) = self.state.submitted.lock() {
            s.ack(opaque);
        }
        self.state.notify.notify_one();
    }
}

/// The runtime's context for a source task.
pub struct SourceContext {
    configs: ConfigMap,
    reader: Arc<dyn OffsetStorageReader>,
}

impl SourceContext {
    /// A context with the task's configuration and offset reader.
    pub fn new(configs: ConfigMap, reader: Arc<dyn OffsetStorageReader>) -> Self {
        Self { configs, reader }
    }
}

impl SourceTaskContext for SourceContext {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }

    fn offset_storage_reader(&self) -> Arc<dyn OffsetStorageReader> {
        self.reader.clone()
    }
}

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
    pub offsets: Arc<FileOffsetStore>,
    /// Internal JSON encoding.
    pub json: Arc<InternalJson>,
    /// Status reporting.
    pub status: Arc<StatusStore>,
    /// `offset.flush.interval.ms`.
    pub flush_interval: Duration,
    /// `offset.flush.timeout.ms`.
    pub flush_timeout: Duration,
    /// Whether `errors.tolerance=all`.
    pub tolerate_all: bool,
}

struct Loop {
    r: SourceTaskRunner,
    producer: ThreadedProducer<AckContext>,
    acks: Arc<AckState>,
    max_in_flight: usize,
}

impl SourceTaskRunner {
    /// Runs the task until cancelled or failed; reports states to the status store.
    pub async fn run(self, cancel: CancellationToken, target: watch::Receiver<TargetState>) {
        let id = self.id.clone();
        let status = self.status.clone();
        let acks = Arc::new(AckState {
            submitted: Mutex::new(SubmittedRecords::new()),
            failure: Mutex::new(None),
            notify: Notify::new(),
            tolerate_all: self.tolerate_all,
        });
        let producer = match self
            .producer_props
            .to_rdkafka()
            .create_with_context(AckContext {
                state: acks.clone(),
            }) {
            Ok(p) => p,
            Err(e) => {
                status.put_task(
                    &id,
                    State::Failed,
                    Some(format!("cannot create the Kafka producer: {e}")),
                );
                return;
            }
        };
        let mut l = Loop {
            r: self,
            producer,
            acks,
            max_in_flight: 100_000,
        };
        let result = l.run(cancel, target).await;
        let stop = l.r.task.stop().await;
        match result.and(stop) {
            Ok(()) => status.put_task(&id, State::Unassigned, None),
            Err(e) => status.put_task(&id, State::Failed, Some(trace(&e))),
        }
    }
}

/// The trace shown for a failure: Java-style exception class and message.
pub fn trace(e: &ConnectError) -> String {
    format!("{}: {}", e.java_class(), e)
}

impl Loop {
    async fn run(
        &mut self,
        cancel: CancellationToken,
        mut target: watch::Receiver<TargetState>,
    ) -> ConnectResult<()> {
        let r = &mut self.r;
        r.task.start(r.context.clone(), &r.config).await?;
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
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break Ok(()),
                _ = target.changed() => {}
                _ = ticker.tick() => self.commit().await?,
                polled = self.r.task.poll() => match polled {
                    Ok(records) => self.send_all(records, &cancel).await?,
                    Err(e) if e.is_retriable() => {
                        tracing::warn!(task = %self.r.id, "poll failed, retrying: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => break Err(e),
                },
            }
        };
        // Drain in-flight sends, then commit what was acknowledged.
        let timeout = self.r.flush_timeout;
        let _ = tokio::task::block_in_place(|| self.producer.flush(timeout));
        self.commit().await?;
        outcome
    }

    fn failure(&self) -> Option<String> {
        self.acks.failure.lock().ok().and_then(|f| f.clone())
    }

    async fn send_all(
        &mut self,
        records: Vec<SourceRecord>,
        cancel: &CancellationToken,
    ) -> ConnectResult<()> {
        for record in records {
            self.send(record, cancel).await?;
            if cancel.is_cancelled() {
                break;
            }
        }
        Ok(())
    }

    async fn send(
        &mut self,
        record: SourceRecord,
        cancel: &CancellationToken,
    ) -> ConnectResult<()> {
        let SourceRecord {
            record,
            source_partition,
            source_offset,
        } = record;
        let describe = |rec: &kconnect_api::ConnectRecord| {
            format!(
                "source record is = SourceRecord{{topic='{}', value={}}}",
                rec.topic, rec.value
            )
        };
        let transformed = match self.r.chain.apply(record.clone()) {
            Ok(Some(t)) => t,
            Ok(None) => return self.skip(source_partition, source_offset),
            Err(f) => {
                self.r
                    .errors
                    .handle(Stage::Transformation, &f.class, &f.error, || {
                        describe(&record)
                    })?;
                return self.skip(source_partition, source_offset);
            }
        };
        let topic = transformed.topic.clone();
        let conv = &mut self.r.converters;
        let mut headers = OwnedHeaders::new_with_capacity(transformed.headers.len());
        for h in transformed.headers.iter() {
            match conv
                .header
                .serialize_header(&topic, &h.key, h.schema.as_ref(), &h.value)
            {
                Ok(bytes) => {
                    headers = headers.insert(Header {
                        key: &h.key,
                        value: bytes.as_deref(),
                    })
                }
                Err(e) => {
                    self.r
                        .errors
                        .handle(Stage::HeaderConverter, &conv.header_class, &e, || {
                            describe(&transformed)
                        })?;
                    return self.skip(source_partition, source_offset);
                }
            }
        }
        let key =
            match conv
                .key
                .serialize(&topic, transformed.key_schema.as_ref(), &transformed.key)
            {
                Ok(k) => k,
                Err(e) => {
                    self.r
                        .errors
                        .handle(Stage::KeyConverter, &conv.key_class, &e, || {
                            describe(&transformed)
                        })?;
                    return self.skip(source_partition, source_offset);
                }
            };
        let value = match conv.value.serialize(
            &topic,
            transformed.value_schema.as_ref(),
            &transformed.value,
        ) {
            Ok(v) => v,
            Err(e) => {
                self.r
                    .errors
                    .handle(Stage::ValueConverter, &conv.value_class, &e, || {
                        describe(&transformed)
                    })?;
                return self.skip(source_partition, source_offset);
            }
        };
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
        let opaque = self.submit(source_partition, source_offset)?;
        let mut base: BaseRecord<'_, [u8], [u8], usize> =
            BaseRecord::with_opaque_to(&topic, opaque).headers(headers);
        if let Some(k) = key.as_deref() {
            base = base.key(k);
        }
        if let Some(v) = value.as_deref() {
            base = base.payload(v);
        }
        if let Some(p) = transformed.kafka_partition {
            base = base.partition(p);
        }
        if let Some(ts) = transformed.timestamp.filter(|t| *t >= 0) {
            base = base.timestamp(ts);
        }
        loop {
            while self.in_flight() >= self.max_in_flight {
                Self::wait_for_acks(&self.acks, cancel).await;
            }
            match self.producer.send(base) {
                Ok(()) => return Ok(()),
                Err((e, returned))
                    if e.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) =>
                {
                    base = returned;
                    Self::wait_for_acks(&self.acks, cancel).await;
                    if cancel.is_cancelled() && self.failure().is_some() {
                        return Ok(());
                    }
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

    /// Tracks a record that will be sent; returns its opaque id.
    fn submit(
        &mut self,
        partition: Option<OffsetMap>,
        offset: Option<OffsetMap>,
    ) -> ConnectResult<usize> {
        let json = self.r.json.clone();
        let connector = self.r.id.connector.clone();
        let mut s = self
            .acks
            .submitted
            .lock()
            .map_err(|_| ConnectError::other("ack tracking poisoned"))?;
        let index = match &partition {
            Some(p) => s.partition_index(p, || json.offset_key(&connector, p))?,
            None => None,
        };
        Ok(s.submit(index, offset))
    }

    /// A dropped or tolerated record: its offset still becomes committable in order.
    fn skip(
        &mut self,
        partition: Option<OffsetMap>,
        offset: Option<OffsetMap>,
    ) -> ConnectResult<()> {
        let opaque = self.submit(partition, offset)?;
        if let Ok(mut s) = self.acks.submitted.lock() {
            s.ack(opaque);
        }
        Ok(())
    }

    async fn commit(&mut self) -> ConnectResult<()> {
        let committable = self
            .acks
            .submitted
            .lock()
            .map(|mut s| s.take_committable())
            .unwrap_or_default();
        if !committable.is_empty() || self.r.offsets.is_dirty() {
            let mut entries = Vec::with_capacity(committable.len());
            for (key, offset) in committable {
                entries.push((key, Some(self.r.json.offset_value(&offset)?)));
            }
            let store = self.r.offsets.clone();
            if let Err(e) = tokio::task::block_in_place(|| store.put_all(entries)) {
                tracing::error!(task = %self.r.id, "offset commit failed, will retry at the next interval: {e}");
                return Ok(());
            }
            tracing::debug!(task = %self.r.id, "committed offsets");
        }
        self.r.task.commit().await
    }
}
