//! A topic used as a replicated log (Java's `KafkaBasedLog`): a producer, and a consumer that
//! is assigned every partition, reads from the beginning on its own thread and hands each
//! record to a callback. "Read to end" waits until everything written before the call has
//! been handed over.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use kconnect_api::{ConnectError, ConnectResult};
use kconnect_kafka::rdkafka::consumer::{BaseConsumer, Consumer};
use kconnect_kafka::rdkafka::message::Message;
use kconnect_kafka::rdkafka::producer::{FutureProducer, FutureRecord};
use kconnect_kafka::rdkafka::util::Timeout;
use kconnect_kafka::rdkafka::{Offset, TopicPartitionList};
use kconnect_kafka::ClientProps;
use tokio::sync::watch;

/// One record read back from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Value bytes; `None` is a tombstone.
    pub value: Option<Vec<u8>>,
}

/// A running log over one topic.
pub struct KafkaLog {
    topic: String,
    producer: FutureProducer,
    /// A client of its own for end offsets: requests on the reading consumer's connection
    /// wait behind its long-polling fetches (up to `fetch.wait.max.ms` per partition).
    ends: Arc<BaseConsumer>,
    partitions: Vec<i32>,
    /// Next offset to hand over, per partition.
    progress: watch::Receiver<BTreeMap<i32, i64>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    timeout: Duration,
}

fn kafka_err(what: &str, e: impl std::fmt::Display) -> ConnectError {
    ConnectError::other(format!("{what}: {e}"))
}

impl KafkaLog {
    /// Starts reading `topic` from the beginning; `handler` sees every record in partition
    /// order on the log's thread. The topic must exist.
    pub fn start(
        topic: &str,
        producer_props: &ClientProps,
        consumer_props: &ClientProps,
        timeout: Duration,
        mut handler: impl FnMut(LogRecord) + Send + 'static,
    ) -> ConnectResult<Self> {
        let producer: FutureProducer = producer_props
            .to_rdkafka()
            .and_then(|c| c.create().map_err(Into::into))
            .map_err(|e| kafka_err("cannot create the internal producer", e))?;
        let consumer: BaseConsumer = consumer_props
            .to_rdkafka()
            .and_then(|c| c.create().map_err(Into::into))
            .map_err(|e| kafka_err("cannot create the internal consumer", e))?;
        let ends: BaseConsumer = consumer_props
            .to_rdkafka()
            .and_then(|c| c.create().map_err(Into::into))
            .map_err(|e| kafka_err("cannot create the internal consumer", e))?;
        let metadata = consumer
            .fetch_metadata(Some(topic), timeout)
            .map_err(|e| kafka_err(&format!("cannot describe topic {topic}"), e))?;
        let partitions: Vec<i32> = metadata
            .topics()
            .iter()
            .filter(|t| t.name() == topic)
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .collect();
        if partitions.is_empty() {
            return Err(ConnectError::other(format!(
                "topic {topic} has no partitions"
            )));
        }
        let mut tpl = TopicPartitionList::new();
        for p in &partitions {
            tpl.add_partition_offset(topic, *p, Offset::Beginning)
                .map_err(|e| kafka_err("cannot assign partitions", e))?;
        }
        consumer
            .assign(&tpl)
            .map_err(|e| kafka_err("cannot assign partitions", e))?;
        let (progress_tx, progress) = watch::channel(BTreeMap::new());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            let topic = topic.to_string();
            std::thread::Builder::new()
                .name(format!("kafka-log-{topic}"))
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        match consumer.poll(Duration::from_millis(100)) {
                            Some(Ok(m)) => {
                                let record = LogRecord {
                                    partition: m.partition(),
                                    offset: m.offset(),
                                    key: m.key().map(<[u8]>::to_vec),
                                    value: m.payload().map(<[u8]>::to_vec),
                                };
                                handler(record);
                                progress_tx.send_modify(|p| {
                                    p.insert(m.partition(), m.offset() + 1);
                                });
                            }
                            Some(Err(e)) => tracing::warn!(topic, "reading the log failed: {e}"),
                            // Idle: the consumer's positions also move past what yields no
                            // record (transaction markers, compacted-away offsets).
                            None => {
                                if let Ok(positions) = consumer.position() {
                                    progress_tx.send_if_modified(|p| {
                                        let mut moved = false;
                                        for e in positions.elements() {
                                            if let Offset::Offset(o) = e.offset() {
                                                let at = p.entry(e.partition()).or_insert(0);
                                                if o > *at {
                                                    *at = o;
                                                    moved = true;
                                                }
                                            }
                                        }
                                        moved
                                    });
                                }
                            }
                        }
                    }
                })
                .map_err(|e| kafka_err("cannot start the log reader", e))?
        };
        Ok(Self {
            topic: topic.to_string(),
            producer,
            ends: Arc::new(ends),
            partitions,
            progress,
            stop,
            thread: Some(thread),
            timeout,
        })
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Number of partitions.
    pub fn partition_count(&self) -> usize {
        self.partitions.len()
    }

    /// Waits until every record written before this call has been handed to the handler.
    pub async fn read_to_end(&self) -> ConnectResult<()> {
        let consumer = self.ends.clone();
        let topic = self.topic.clone();
        let partitions = self.partitions.clone();
        let timeout = self.timeout;
        let ends = tokio::task::spawn_blocking(move || {
            partitions
                .iter()
                .map(|p| {
                    consumer
                        .fetch_watermarks(&topic, *p, timeout)
                        .map(|(_, high)| (*p, high))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e| kafka_err("read to end", e))?
        .map_err(|e| kafka_err(&format!("cannot read end offsets of {}", self.topic), e))?;
        let mut progress = self.progress.clone();
        let reached = |p: &BTreeMap<i32, i64>| {
            ends.iter()
                .all(|(part, end)| *end <= 0 || p.get(part).is_some_and(|pos| pos >= end))
        };
        tokio::time::timeout(self.timeout, progress.wait_for(reached))
            .await
            .map_err(|_| {
                ConnectError::other(format!("timed out reading topic {} to its end", self.topic))
            })?
            .map_err(|_| ConnectError::other("the log reader stopped"))?;
        Ok(())
    }

    /// Writes one record (default partitioner, like Java's) and waits for its delivery.
    pub async fn send(&self, key: &[u8], value: Option<&[u8]>) -> ConnectResult<(i32, i64)> {
        let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&self.topic).key(key);
        if let Some(v) = value {
            record = record.payload(v);
        }
        self.producer
            .send(record, Timeout::After(self.timeout))
            .await
            .map(|d| (d.partition, d.offset))
            .map_err(|(e, _)| kafka_err(&format!("cannot write to topic {}", self.topic), e))
    }

    /// Hands one record to the producer (default partitioner) without waiting: records
    /// enqueued one after the other keep that order per partition. The returned future
    /// resolves once the record is delivered (or could not be).
    pub fn enqueue(
        &self,
        key: &[u8],
        value: Option<&[u8]>,
    ) -> ConnectResult<impl Future<Output = ConnectResult<(i32, i64)>> + Send + 'static> {
        let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&self.topic).key(key);
        if let Some(v) = value {
            record = record.payload(v);
        }
        let topic = self.topic.clone();
        let delivery = self
            .producer
            .send_result(record)
            .map_err(|(e, _)| kafka_err(&format!("cannot write to topic {topic}"), e))?;
        Ok(async move {
            match delivery.await {
                Ok(Ok(d)) => Ok((d.partition, d.offset)),
                Ok(Err((e, _))) => Err(kafka_err(&format!("cannot write to topic {topic}"), e)),
                Err(_) => Err(ConnectError::other(format!(
                    "the producer of topic {topic} stopped before the write was confirmed"
                ))),
            }
        })
    }

    /// Stops the reader thread.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for KafkaLog {
    fn drop(&mut self) {
        self.stop();
    }
}
