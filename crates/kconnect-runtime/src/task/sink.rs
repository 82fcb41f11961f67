//! The sink task loop (spec §8.5): consume from the connector's consumer group, convert,
//! transform, `put`; every `offset.flush.interval.ms` ask the task what is safe to commit
//! (`pre_commit`) and commit it; commit on partition revocation and on shutdown.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use kconnect_api::plugin::{ErrantRecordReporter, SinkTask, SinkTaskContext};
use kconnect_api::{
    ConfigMap, ConnectError, ConnectRecord, ConnectResult, Headers, SinkRecord, TimestampType,
    TopicPartition,
};
use kconnect_kafka::rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer,
};
use kconnect_kafka::rdkafka::message::{BorrowedMessage, Headers as _, Message, Timestamp};
use kconnect_kafka::rdkafka::{ClientContext, Offset, TopicPartitionList};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::source::trace;
use super::TaskId;
use crate::pipeline::{ErrorHandler, Stage, TaskConverters, TransformChain};
use crate::worker::status::{State, StatusStore};
use crate::worker::TargetState;

type Offsets = HashMap<TopicPartition, i64>;

enum RebalanceEvent {
    Assigned(Vec<TopicPartition>),
    Revoked(Vec<TopicPartition>),
}

/// Consumer context: forwards rebalances to the loop and commits what is known safe on
/// revocation, before the partitions move to another task.
pub struct SinkConsumerContext {
    events: mpsc::UnboundedSender<RebalanceEvent>,
    safe: Arc<Mutex<Offsets>>,
}

impl ClientContext for SinkConsumerContext {}

fn partitions(tpl: &TopicPartitionList) -> Vec<TopicPartition> {
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
    assignment: Mutex<Vec<TopicPartition>>,
    commit_requested: std::sync::atomic::AtomicBool,
}

impl SinkContext {
    /// A context with the task's configuration.
    pub fn new(configs: ConfigMap) -> Self {
        Self {
            configs,
            assignment: Mutex::new(Vec::new()),
            commit_requested: false.into(),
        }
    }
}

impl SinkTaskContext for SinkContext {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }
    fn offset(&self, _offsets: HashMap<TopicPartition, i64>) {
        tracing::warn!("sink task offset rewinds are not supported yet; ignoring");
    }
    fn timeout(&self, _millis: u64) {}
    fn assignment(&self) -> Vec<TopicPartition> {
        self.assignment
            .lock()
            .map(|a| a.clone())
            .unwrap_or_default()
    }
    fn pause(&self, _partitions: &[TopicPartition]) {}
    fn resume(&self, _partitions: &[TopicPartition]) {}
    fn request_commit(&self) {
        self.commit_requested
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
    fn errant_record_reporter(&self) -> Option<Arc<dyn ErrantRecordReporter>> {
        None
    }
}

/// Everything a sink task loop needs.
pub struct SinkTaskRunner {
    /// Task id.
    pub id: TaskId,
    /// The task.
    pub task: Box<dyn SinkTask>,
    /// Its configuration.
    pub config: ConfigMap,
    /// Topics to subscribe to.
    pub topics: Vec<String>,
    /// Or a topic pattern.
    pub topics_regex: Option<String>,
    /// Transformations.
    pub chain: TransformChain,
    /// Converters.
    pub converters: TaskConverters,
    /// Error handling policy.
    pub errors: ErrorHandler,
    /// Consumer properties.
    pub consumer_props: kconnect_kafka::ClientProps,
    /// Status reporting.
    pub status: Arc<StatusStore>,
    /// `offset.flush.interval.ms`.
    pub flush_interval: Duration,
}

const MAX_BATCH: usize = 2000;

impl SinkTaskRunner {
    /// Runs the task until cancelled or failed.
    pub async fn run(mut self, cancel: CancellationToken, target: watch::Receiver<TargetState>) {
        let id = self.id.clone();
        let status = self.status.clone();
        let result = self.run_inner(cancel, target).await;
        let stop = self.task.stop().await;
        match result.and(stop) {
            Ok(()) => status.put_task(&id, State::Unassigned, None),
            Err(e) => status.put_task(&id, State::Failed, Some(trace(&e))),
        }
    }

    async fn run_inner(
        &mut self,
        cancel: CancellationToken,
        mut target: watch::Receiver<TargetState>,
    ) -> ConnectResult<()> {
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let safe = Arc::new(Mutex::new(Offsets::new()));
        let consumer: StreamConsumer<SinkConsumerContext> = self
            .consumer_props
            .to_rdkafka()
            .create_with_context(SinkConsumerContext {
                events: events_tx,
                safe: safe.clone(),
            })
            .map_err(|e| ConnectError::other(format!("cannot create the Kafka consumer: {e}")))?;
        let subscription: Vec<String> = match &self.topics_regex {
            Some(r) => vec![format!("^{r}$")],
            None => self.topics.clone(),
        };
        let refs: Vec<&str> = subscription.iter().map(String::as_str).collect();
        consumer.subscribe(&refs).map_err(|e| {
            ConnectError::other(format!("cannot subscribe to {subscription:?}: {e}"))
        })?;
        let context = Arc::new(SinkContext::new(self.config.clone()));
        self.task.start(context.clone(), &self.config).await?;
        self.status.put_task(&self.id, State::Running, None);
        let mut consumed = Offsets::new();
        let mut committed = Offsets::new();
        let mut ticker = tokio::time::interval_at(
            tokio::time::Instant::now() + self.flush_interval,
            self.flush_interval,
        );
        let outcome: ConnectResult<()> = loop {
            while let Ok(event) = events.try_recv() {
                self.on_rebalance(event, &context, &mut consumed, &mut committed)
                    .await?;
            }
            if *target.borrow() == TargetState::Paused {
                self.status.put_task(&self.id, State::Paused, None);
                let assigned = consumer.assignment().unwrap_or_default();
                let _ = consumer.pause(&assigned);
                loop {
                    tokio::select! {
                        _ = cancel.cancelled() => break,
                        _ = target.changed() => if *target.borrow() != TargetState::Paused { break },
                        // Keep serving the group protocol while paused.
                        m = consumer.recv() => if let Err(e) = m { tracing::debug!("while paused: {e}") },
                    }
                }
                let _ = consumer.resume(&consumer.assignment().unwrap_or_default());
                if cancel.is_cancelled() {
                    break Ok(());
                }
                self.status.put_task(&self.id, State::Running, None);
                continue;
            }
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break Ok(()),
                _ = target.changed() => {}
                event = events.recv() => if let Some(event) = event {
                    self.on_rebalance(event, &context, &mut consumed, &mut committed).await?;
                },
                _ = ticker.tick() => self.commit(&consumer, &consumed, &mut committed, &safe, CommitMode::Async).await?,
                first = consumer.recv() => {
                    let first = first.map_err(|e| ConnectError::Retriable(e.to_string()));
                    let mut batch = Vec::new();
                    match first {
                        Ok(m) => self.convert(&m, &mut batch, &mut consumed)?,
                        Err(e) => { tracing::warn!(task = %self.id, "consumer: {e}"); continue; }
                    }
                    while batch.len() < MAX_BATCH {
                        match consumer.recv().now_or_never() {
                            Some(Ok(m)) => self.convert(&m, &mut batch, &mut consumed)?,
                            _ => break,
                        }
                    }
                    if !batch.is_empty() {
                        self.task.put(batch).await?;
                    }
                }
            }
        };
        if outcome.is_ok() {
            self.commit(
                &consumer,
                &consumed,
                &mut committed,
                &safe,
                CommitMode::Sync,
            )
            .await?;
        }
        outcome
    }

    async fn on_rebalance(
        &mut self,
        event: RebalanceEvent,
        context: &SinkContext,
        consumed: &mut Offsets,
        committed: &mut Offsets,
    ) -> ConnectResult<()> {
        match event {
            RebalanceEvent::Assigned(parts) => {
                if let Ok(mut a) = context.assignment.lock() {
                    a.extend(parts.iter().cloned());
                }
                self.task.open(&parts).await
            }
            RebalanceEvent::Revoked(parts) => {
                if let Ok(mut a) = context.assignment.lock() {
                    a.retain(|tp| !parts.contains(tp));
                }
                for tp in &parts {
                    consumed.remove(tp);
                    committed.remove(tp);
                }
                self.task.close(&parts).await
            }
        }
    }

    fn convert(
        &mut self,
        m: &BorrowedMessage<'_>,
        batch: &mut Vec<SinkRecord>,
        consumed: &mut Offsets,
    ) -> ConnectResult<()> {
        let topic = m.topic().to_string();
        let tp = TopicPartition::new(&topic, m.partition());
        consumed.insert(tp, m.offset() + 1);
        let describe = || {
            format!(
                "consumed record is {{topic='{}', partition={}, offset={}}}",
                m.topic(),
                m.partition(),
                m.offset()
            )
        };
        let conv = &mut self.converters;
        let key = match conv.key.deserialize(&topic, m.key()) {
            Ok(k) => k,
            Err(e) => {
                return self
                    .errors
                    .handle(Stage::KeyConverter, &conv.key_class, &e, describe)
            }
        };
        let value = match conv.value.deserialize(&topic, m.payload()) {
            Ok(v) => v,
            Err(e) => {
                return self
                    .errors
                    .handle(Stage::ValueConverter, &conv.value_class, &e, describe)
            }
        };
        let mut headers = Headers::new();
        if let Some(hs) = m.headers() {
            for h in hs.iter() {
                match conv.header.deserialize_header(&topic, h.key, h.value) {
                    Ok(sv) => {
                        headers.add(h.key, sv.schema, sv.value);
                    }
                    Err(e) => {
                        return self.errors.handle(
                            Stage::HeaderConverter,
                            &conv.header_class,
                            &e,
                            describe,
                        )
                    }
                }
            }
        }
        let (timestamp, timestamp_type) = match m.timestamp() {
            Timestamp::NotAvailable => (None, TimestampType::NoTimestampType),
            Timestamp::CreateTime(t) => (Some(t).filter(|t| *t >= 0), TimestampType::CreateTime),
            Timestamp::LogAppendTime(t) => {
                (Some(t).filter(|t| *t >= 0), TimestampType::LogAppendTime)
            }
        };
        let record = ConnectRecord {
            topic: topic.clone(),
            kafka_partition: Some(m.partition()),
            key_schema: key.schema,
            key: key.value,
            value_schema: value.schema,
            value: value.value,
            timestamp,
            headers,
            kafka_offset: Some(m.offset()),
        };
        let transformed = match self.chain.apply(record) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(()),
            Err(f) => {
                return self
                    .errors
                    .handle(Stage::Transformation, &f.class, &f.error, describe)
            }
        };
        batch.push(SinkRecord {
            record: transformed,
            timestamp_type,
            original_topic: topic,
            original_kafka_partition: m.partition(),
            original_kafka_offset: m.offset(),
        });
        Ok(())
    }

    async fn commit(
        &mut self,
        consumer: &StreamConsumer<SinkConsumerContext>,
        consumed: &Offsets,
        committed: &mut Offsets,
        safe: &Arc<Mutex<Offsets>>,
        mode: CommitMode,
    ) -> ConnectResult<()> {
        if consumed.is_empty() {
            return Ok(());
        }
        let approved = self.task.pre_commit(consumed.clone()).await?;
        let mut tpl = TopicPartitionList::new();
        for (tp, offset) in &approved {
            let Some(current) = consumed.get(tp) else {
                continue;
            };
            let offset = (*offset).min(*current);
            if committed.get(tp) == Some(&offset) {
                continue;
            }
            let _ = tpl.add_partition_offset(&tp.topic, tp.partition, Offset::Offset(offset));
            committed.insert(tp.clone(), offset);
        }
        if let Ok(mut s) = safe.lock() {
            s.extend(committed.iter().map(|(k, v)| (k.clone(), *v)));
        }
        if tpl.count() > 0 {
            let result = match mode {
                CommitMode::Sync => {
                    tokio::task::block_in_place(|| consumer.commit(&tpl, CommitMode::Sync))
                }
                CommitMode::Async => consumer.commit(&tpl, CommitMode::Async),
            };
            if let Err(e) = result {
                tracing::warn!(task = %self.id, "offset commit failed, will retry: {e}");
                for e in tpl.elements() {
                    committed.remove(&TopicPartition::new(e.topic(), e.partition()));
                }
            }
        }
        Ok(())
    }
}
