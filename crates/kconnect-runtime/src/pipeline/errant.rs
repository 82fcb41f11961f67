//! The errant record reporter of sink tasks (KIP-610, Java `WorkerErrantRecordReporter`): a
//! task reports records it could not write from `put`; they go to the error log and the dead
//! letter queue like converter failures (stage `TASK_PUT`), and a partition's offsets are not
//! committed before its reports are stored.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::plugin::ErrantRecordReporter;
use kconnect_api::{ConnectError, ConnectResult, SinkRecord, TopicPartition};

use super::dlq::Delivery;
use super::errors::Stage;
use super::report::{ErrorReporter, FailedRecord, OriginalRecord};
use super::retry::RetryWithTolerance;
use super::TaskConverters;
use crate::task::TaskId;

/// Java's executing class for records reported by a sink task.
pub const SINK_TASK_CLASS: &str = "org.apache.kafka.connect.sink.SinkTask";

/// Dead letter queue writes not yet acknowledged, by the partition of the failed record.
#[derive(Default)]
pub struct PendingDeliveries {
    map: Mutex<HashMap<TopicPartition, Vec<Delivery>>>,
}

impl PendingDeliveries {
    /// Tracks a write for a record of `tp`.
    pub fn add(&self, tp: TopicPartition, delivery: Delivery) {
        if let Ok(mut m) = self.map.lock() {
            m.entry(tp).or_default().push(delivery);
        }
    }

    /// Waits up to `timeout` for every tracked write. `Ok(true)`: all stored, offsets may be
    /// committed; `Ok(false)`: some still pending (they stay tracked); `Err`: a write failed
    /// for good, so a record would be lost if its offset were committed.
    pub async fn wait_all(&self, timeout: Duration) -> ConnectResult<bool> {
        let taken: Vec<(TopicPartition, Vec<Delivery>)> = match self.map.lock() {
            Ok(mut m) => m.drain().collect(),
            Err(_) => return Ok(true),
        };
        let deadline = tokio::time::Instant::now() + timeout;
        let mut left: Vec<(TopicPartition, Vec<Delivery>)> = Vec::new();
        let mut failure = None;
        for (tp, deliveries) in taken {
            let mut rest = Vec::new();
            for mut d in deliveries {
                if failure.is_some() || !rest.is_empty() {
                    rest.push(d);
                    continue;
                }
                match tokio::time::timeout_at(deadline, d.wait_mut()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => failure = Some(e),
                    Err(_) => rest.push(d),
                }
            }
            if !rest.is_empty() {
                left.push((tp, rest));
            }
        }
        let complete = left.is_empty();
        if let Ok(mut m) = self.map.lock() {
            for (tp, mut rest) in left {
                let entry = m.entry(tp).or_default();
                rest.append(entry);
                *entry = rest;
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(complete),
        }
    }
}

/// Original bytes of the records handed to the current `put`, by (topic, partition,
/// offset), so reported records reach the dead letter queue exactly as consumed.
pub type BatchOriginals = Arc<Mutex<HashMap<(String, i32, i64), OriginalRecord>>>;

/// The reporter handed to sink tasks.
pub struct SinkErrantReporter {
    task: TaskId,
    operator: RetryWithTolerance,
    reporter: Arc<ErrorReporter>,
    originals: BatchOriginals,
    fallback: Option<Mutex<TaskConverters>>,
    pending: Arc<PendingDeliveries>,
    data_failure: Arc<AtomicBool>,
}

impl SinkErrantReporter {
    /// A reporter for `task`; `fallback` re-serializes records not in `originals`.
    pub fn new(
        task: TaskId,
        operator: RetryWithTolerance,
        reporter: Arc<ErrorReporter>,
        originals: BatchOriginals,
        fallback: Option<TaskConverters>,
        pending: Arc<PendingDeliveries>,
        data_failure: Arc<AtomicBool>,
    ) -> Self {
        Self {
            task,
            operator,
            reporter,
            originals,
            fallback: fallback.map(Mutex::new),
            pending,
            data_failure,
        }
    }

    /// The record as consumed if the runtime still holds it; else the reported record
    /// serialized with the task's converters (Java does the same for records it did not
    /// create).
    fn original(&self, record: &SinkRecord) -> ConnectResult<OriginalRecord> {
        let key = (
            record.original_topic.clone(),
            record.original_kafka_partition,
            record.original_kafka_offset,
        );
        if let Some(o) = self
            .originals
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return Ok(o);
        }
        let r = &record.record;
        let mut conv = self
            .fallback
            .as_ref()
            .and_then(|m| m.lock().ok())
            .ok_or_else(|| ConnectError::other("no converters to serialize the reported record"))?;
        let mut headers = Vec::with_capacity(r.headers.len());
        for h in r.headers.iter() {
            let bytes =
                conv.header
                    .serialize_header(&r.topic, &h.key, h.schema.as_ref(), &h.value)?;
            headers.push((h.key.clone(), bytes));
        }
        Ok(OriginalRecord {
            topic: r.topic.clone(),
            partition: r.kafka_partition.unwrap_or(record.original_kafka_partition),
            offset: record.kafka_offset(),
            timestamp: r.timestamp,
            timestamp_type: record.timestamp_type,
            key: conv
                .key
                .serialize(&r.topic, r.key_schema.as_ref(), &r.key)?,
            value: conv
                .value
                .serialize(&r.topic, r.value_schema.as_ref(), &r.value)?,
            headers,
        })
    }
}

#[async_trait]
impl ErrantRecordReporter for SinkErrantReporter {
    async fn report(&self, record: &SinkRecord, error: &ConnectError) -> ConnectResult<()> {
        let failure = self
            .operator
            .failure(Stage::TaskPut, SINK_TASK_CLASS, error.clone());
        let original = self.original(record)?;
        let delivery = self
            .reporter
            .report(&failure, FailedRecord::Consumed(&original))
            .await?;
        if let Some(d) = delivery {
            let tp = TopicPartition::new(&record.original_topic, record.original_kafka_partition);
            self.pending.add(tp, d);
        }
        if failure.is_fatal() {
            self.data_failure.store(true, Ordering::Relaxed);
            return Err(failure.task_error(&self.task.to_string(), &original.describe()));
        }
        Ok(())
    }
}
