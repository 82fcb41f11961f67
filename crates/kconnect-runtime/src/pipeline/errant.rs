//! The errant record reporter of sink tasks (KIP-610, Java `WorkerErrantRecordReporter`): a
//! task reports records it could not write from `put`; they go to the error log and the dead
//! letter queue like converter failures (stage `TASK_PUT`), and a partition's offsets are not
//! committed before its reports are stored. A record reported with a retriable error is not a
//! bad record: the error is handed back, so `put` fails retriably and is redelivered.

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
        if error.is_retriable() {
            // The target is unavailable, the record is not bad: hand the error back so `put`
            // fails retriably and the batch is redelivered, instead of a dead letter.
            tracing::warn!(task = %self.task, "a record reported with a retriable error is not sent to the dead letter queue: {error}");
            return Err(error.clone());
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConnectorConfig, ConnectorType};
    use crate::pipeline::retry::ErrorPolicy;
    use kconnect_api::{config_map, ConnectRecord, Schema, Value};
    use tokio_util::sync::CancellationToken;

    fn reporter(tolerate_all: bool) -> (SinkErrantReporter, Arc<AtomicBool>) {
        let props = config_map(&[
            ("name", "s"),
            ("connector.class", "X"),
            ("topics", "t"),
            ("errors.log.enable", "true"),
        ]);
        let config = ConnectorConfig::parse(props, ConnectorType::Sink).unwrap();
        let task = TaskId {
            connector: "s".into(),
            task: 0,
        };
        let policy = ErrorPolicy {
            retry_timeout_ms: Some(0),
            delay_max_ms: 10,
            tolerate_all,
        };
        let flag = Arc::new(AtomicBool::new(false));
        let r = SinkErrantReporter::new(
            task.clone(),
            RetryWithTolerance::new(policy, CancellationToken::new()),
            Arc::new(ErrorReporter::new(task, &config, None)),
            BatchOriginals::default(),
            None,
            Arc::new(PendingDeliveries::default()),
            flag.clone(),
        );
        (r, flag)
    }

    fn record() -> SinkRecord {
        let mut r = ConnectRecord::new("t", Some(Schema::string()), Value::String("v".into()));
        r.kafka_partition = Some(0);
        r.kafka_offset = Some(7);
        SinkRecord {
            record: r,
            original_topic: "t".into(),
            original_kafka_offset: 7,
            ..SinkRecord::default()
        }
    }

    #[tokio::test]
    async fn tolerance_decides_and_retriable_errors_are_handed_back() {
        let (all, flag) = reporter(true);
        let originals = all.originals.clone();
        originals.lock().unwrap().insert(
            ("t".into(), 0, 7),
            OriginalRecord {
                topic: "t".into(),
                partition: 0,
                offset: 7,
                timestamp: None,
                timestamp_type: kconnect_api::TimestampType::NoTimestampType,
                key: None,
                value: Some(b"raw".to_vec()),
                headers: vec![],
            },
        );
        assert_eq!(
            all.report(&record(), &ConnectError::data("no")).await,
            Ok(())
        );
        let down = ConnectError::Retriable("target down".into());
        assert_eq!(all.report(&record(), &down).await, Err(down.clone()));
        assert!(!flag.load(Ordering::Relaxed));
        let (none, flag) = reporter(false);
        // Not in the batch and no converters to rebuild it: an error, not a silent loss.
        assert!(none
            .report(&record(), &ConnectError::data("no"))
            .await
            .is_err());
        none.originals
            .lock()
            .unwrap()
            .extend(originals.lock().unwrap().clone());
        let err = none
            .report(&record(), &ConnectError::data("no"))
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("Tolerance exceeded in error handler"),
            "{err}"
        );
        assert!(err.to_string().contains("offset=7"), "{err}");
        assert!(flag.load(Ordering::Relaxed));
    }

    #[tokio::test]
    async fn nothing_pending_means_offsets_may_be_committed() {
        let pending = PendingDeliveries::default();
        assert_eq!(pending.wait_all(Duration::from_millis(10)).await, Ok(true));
    }
}
