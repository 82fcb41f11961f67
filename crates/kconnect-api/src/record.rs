//! Records flowing through Connect: the fields every record has, plus the source-side
//! (source partition and offset) and sink-side (Kafka offset, timestamp type) extras.

use std::sync::Arc;

use indexmap::IndexMap;

use crate::header::Headers;
use crate::schema::SchemaRef;
use crate::value::Value;

/// A source partition or source offset map: string keys, primitive values, in the order the
/// connector inserted them (that order decides the bytes of the stored offset key).
pub type OffsetMap = IndexMap<String, Value>;

/// A Kafka topic partition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    /// Topic name.
    pub topic: String,
    /// Partition number.
    pub partition: i32,
}

impl TopicPartition {
    /// A topic partition.
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }
}

impl std::fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// How a Kafka record's timestamp was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampType {
    /// No timestamp.
    #[default]
    NoTimestampType,
    /// Set by the producer.
    CreateTime,
    /// Set by the broker on append.
    LogAppendTime,
}

impl TimestampType {
    /// The name Java prints (`CreateTime`, `LogAppendTime`, `NoTimestampType`).
    pub fn java_name(self) -> &'static str {
        match self {
            Self::NoTimestampType => "NoTimestampType",
            Self::CreateTime => "CreateTime",
            Self::LogAppendTime => "LogAppendTime",
        }
    }
}

/// The fields every Connect record has (Java `ConnectRecord`). Transformations receive and
/// return this; the source- or sink-specific parts stay with the runtime.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectRecord {
    /// Topic.
    pub topic: String,
    /// Partition, if chosen.
    pub kafka_partition: Option<i32>,
    /// Key schema.
    pub key_schema: Option<SchemaRef>,
    /// Key.
    pub key: Value,
    /// Value schema.
    pub value_schema: Option<SchemaRef>,
    /// Value.
    pub value: Value,
    /// Timestamp in epoch milliseconds.
    pub timestamp: Option<i64>,
    /// Headers.
    pub headers: Headers,
    /// The Kafka offset, for records read from Kafka (sink records); `None` for source records.
    pub kafka_offset: Option<i64>,
}

impl ConnectRecord {
    /// A record with a topic, a value and its schema; everything else empty.
    pub fn new(topic: impl Into<String>, value_schema: Option<SchemaRef>, value: Value) -> Self {
        Self {
            topic: topic.into(),
            value_schema,
            value,
            ..Self::default()
        }
    }

    /// Whether this record came from Kafka (a sink record).
    pub fn is_sink_record(&self) -> bool {
        self.kafka_offset.is_some()
    }
}

/// A record produced by a source task (Java `SourceRecord`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceRecord {
    /// The record itself.
    pub record: ConnectRecord,
    /// Where in the source system the record came from (e.g. `{"filename": ...}`). Shared:
    /// a task builds the map of each of its partitions once and clones the `Arc` into every
    /// record, which costs no allocation per record and lets the runtime recognize the
    /// partition by pointer before comparing contents (two distinct maps with equal contents
    /// are still the same partition).
    pub source_partition: Option<Arc<OffsetMap>>,
    /// Position in that source partition after this record (e.g. `{"position": 42}`).
    pub source_offset: Option<OffsetMap>,
}

/// A record delivered to a sink task (Java `SinkRecord`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SinkRecord {
    /// The record itself; `record.kafka_offset` is always set.
    pub record: ConnectRecord,
    /// How the timestamp was set.
    pub timestamp_type: TimestampType,
    /// Topic the record was read from, before any transformation.
    pub original_topic: String,
    /// Partition the record was read from.
    pub original_kafka_partition: i32,
    /// Offset the record was read at.
    pub original_kafka_offset: i64,
}

impl SinkRecord {
    /// The Kafka offset the record was read at.
    pub fn kafka_offset(&self) -> i64 {
        self.record
            .kafka_offset
            .unwrap_or(self.original_kafka_offset)
    }
}
