//! Reading topics back with a plain consumer, to check what kconnect wrote.

use std::time::{Duration, Instant};

use kconnect_kafka::rdkafka::consumer::{BaseConsumer, Consumer};
use kconnect_kafka::rdkafka::message::{Headers, Message};
use kconnect_kafka::rdkafka::{Offset, TopicPartitionList};

use kconnect_kafka::ClientProps;

use crate::Broker;

/// One record read from a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumedRecord {
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Value bytes.
    pub value: Option<Vec<u8>>,
    /// Headers, in order.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    /// Timestamp in ms, if any.
    pub timestamp: Option<i64>,
}

/// Reads whole topics from the beginning, without a consumer group.
pub struct TopicReader {
    consumer: BaseConsumer,
}

impl TopicReader {
    /// A reader connected to `broker`'s PLAINTEXT listener.
    pub fn new(broker: &Broker) -> Self {
        Self::with_props(broker.client_props())
    }

    /// A reader with these client properties (e.g. [`Broker::secure_client_props`]).
    pub fn with_props(mut props: ClientProps) -> Self {
        props
            .set("group.id", "kconnect-testkit-reader")
            .set("enable.auto.commit", "false");
        let consumer = props
            .to_rdkafka()
            .expect("test consumer settings")
            .create()
            .expect("test consumer");
        Self { consumer }
    }

    /// Reads every partition of `topic` until at least `expected` records arrived or
    /// `timeout` passed (a topic that does not exist yet is waited for); returns what was
    /// read, in partition then offset order.
    pub fn read(
        &self,
        topic: &str,
        partitions: i32,
        expected: usize,
        timeout: Duration,
    ) -> Vec<ConsumedRecord> {
        let mut tpl = TopicPartitionList::new();
        for p in 0..partitions {
            tpl.add_partition_offset(topic, p, Offset::Beginning)
                .expect("partition");
        }
        self.consumer.assign(&tpl).expect("assign");
        let deadline = Instant::now() + timeout;
        let mut out = Vec::new();
        while out.len() < expected && Instant::now() < deadline {
            match self.consumer.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => out.push(ConsumedRecord {
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().map(<[u8]>::to_vec),
                    value: m.payload().map(<[u8]>::to_vec),
                    headers: m
                        .headers()
                        .map(|hs| {
                            hs.iter()
                                .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
                                .collect()
                        })
                        .unwrap_or_default(),
                    timestamp: m.timestamp().to_millis(),
                }),
                // A topic the producer side has not created yet: keep waiting for it.
                Some(Err(e))
                    if e.rdkafka_error_code()
                        == Some(kconnect_kafka::rdkafka::types::RDKafkaErrorCode::UnknownTopicOrPartition) =>
                {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Some(Err(e)) => panic!("reading {topic}: {e}"),
                None => {}
            }
        }
        out.sort_by_key(|r| (r.partition, r.offset));
        out
    }
}
