//! Reporting failed records (kafka-connect-spec.md §9): the error log (`errors.log.enable`, Java
//! `LogReporter`) and the dead letter queue ([`super::dlq`]), for records consumed from Kafka
//! and for records produced by source tasks.

use std::fmt::Write as _;
use std::sync::Arc;

use kconnect_api::{ConnectRecord, SourceRecord, TimestampType};
use kconnect_kafka::rdkafka::message::{Headers as _, Message, Timestamp};

use super::dlq::{DeadLetterQueue, Delivery};
use super::errors::{Failure, Verdict};
use crate::config::keys::{ERRORS_LOG_ENABLE, ERRORS_LOG_INCLUDE_MESSAGES};
use crate::config::ConnectorConfig;
use crate::task::TaskId;

/// A record as it was consumed from Kafka: what the dead letter queue receives for a sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalRecord {
    /// Topic it was read from.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
    /// Timestamp in ms, if the record had one.
    pub timestamp: Option<i64>,
    /// How the timestamp was set.
    pub timestamp_type: TimestampType,
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Value bytes.
    pub value: Option<Vec<u8>>,
    /// Headers in order, with their raw bytes.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

impl OriginalRecord {
    /// Copies a consumed message.
    pub fn from_message<M: Message>(m: &M) -> Self {
        let (timestamp, timestamp_type) = match m.timestamp() {
            Timestamp::NotAvailable => (None, TimestampType::NoTimestampType),
            Timestamp::CreateTime(t) => (Some(t).filter(|t| *t >= 0), TimestampType::CreateTime),
            Timestamp::LogAppendTime(t) => {
                (Some(t).filter(|t| *t >= 0), TimestampType::LogAppendTime)
            }
        };
        Self {
            topic: m.topic().to_string(),
            partition: m.partition(),
            offset: m.offset(),
            timestamp,
            timestamp_type,
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
        }
    }

    /// Java's description in the error log: `consumed record is {topic='t', partition=0,
    /// offset=5, timestamp=..., timestampType=CreateTime}`.
    pub fn describe(&self) -> String {
        consumed_description(
            &self.topic,
            self.partition,
            self.offset,
            self.timestamp,
            self.timestamp_type,
        )
    }
}

/// Java's `consumed record is {...}` text for a record's coordinates.
pub fn consumed_description(
    topic: &str,
    partition: i32,
    offset: i64,
    timestamp: Option<i64>,
    timestamp_type: TimestampType,
) -> String {
    let mut s =
        format!("consumed record is {{topic='{topic}', partition={partition}, offset={offset}");
    if let (Some(ts), TimestampType::CreateTime | TimestampType::LogAppendTime) =
        (timestamp, timestamp_type)
    {
        let _ = write!(
            s,
            ", timestamp={ts}, timestampType={}",
            timestamp_type.java_name()
        );
    }
    s.push('}');
    s
}

fn java_record(r: &ConnectRecord) -> String {
    let opt = |v: Option<String>| v.unwrap_or_else(|| "null".into());
    let headers: Vec<String> = r
        .headers
        .iter()
        .map(|h| {
            format!(
                "ConnectHeader(key={}, value={}, schema={})",
                h.key,
                h.value,
                opt(h.schema.as_ref().map(ToString::to_string))
            )
        })
        .collect();
    format!(
        "ConnectRecord{{topic='{}', kafkaPartition={}, key={}, keySchema={}, value={}, valueSchema={}, timestamp={}, headers=ConnectHeaders(headers=[{}])}}",
        r.topic,
        opt(r.kafka_partition.map(|p| p.to_string())),
        r.key,
        opt(r.key_schema.as_ref().map(ToString::to_string)),
        r.value,
        opt(r.value_schema.as_ref().map(ToString::to_string)),
        opt(r.timestamp.map(|t| t.to_string())),
        headers.join(", ")
    )
}

/// Java's `source record is = SourceRecord{...} ConnectRecord{...}` text.
pub fn source_description(record: &SourceRecord) -> String {
    let map = |m: Option<&kconnect_api::record::OffsetMap>| match m {
        None => "null".to_string(),
        Some(m) => {
            let entries: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{{{}}}", entries.join(", "))
        }
    };
    format!(
        "source record is = SourceRecord{{sourcePartition={}, sourceOffset={}}} {}",
        map(record.source_partition.as_deref()),
        map(record.source_offset.as_ref()),
        java_record(&record.record)
    )
}

/// The record a failure happened on.
#[derive(Debug, Clone, Copy)]
pub enum FailedRecord<'a> {
    /// Consumed from Kafka by a sink task, with its original bytes.
    Consumed(&'a OriginalRecord),
    /// Polled from a source task, before any transformation.
    Source(&'a SourceRecord),
}

impl FailedRecord<'_> {
    /// The record's description in Java's error log format.
    pub fn describe(&self) -> String {
        match self {
            Self::Consumed(r) => r.describe(),
            Self::Source(r) => source_description(r),
        }
    }
}

/// The reporters of one task: the error log and, if configured, the dead letter queue.
pub struct ErrorReporter {
    task: TaskId,
    log: bool,
    include_messages: bool,
    dlq: Option<Arc<DeadLetterQueue>>,
}

impl ErrorReporter {
    /// The reporters for a task of a connector; `dlq` once it is open.
    pub fn new(task: TaskId, config: &ConnectorConfig, dlq: Option<Arc<DeadLetterQueue>>) -> Self {
        Self {
            task,
            log: config.parsed().boolean(ERRORS_LOG_ENABLE),
            include_messages: config.parsed().boolean(ERRORS_LOG_INCLUDE_MESSAGES),
            dlq,
        }
    }

    /// Whether any reporter is configured (Java offers the errant record reporter only then).
    pub fn is_active(&self) -> bool {
        self.log || self.dlq.is_some()
    }

    /// The dead letter queue, if configured.
    pub fn dlq(&self) -> Option<&Arc<DeadLetterQueue>> {
        self.dlq.as_ref()
    }

    /// The error log line (Java `LogReporter.message`).
    pub fn log_message(&self, failure: &Failure, record: FailedRecord<'_>) -> String {
        let details = if self.include_messages {
            format!(", where {}", record.describe())
        } else {
            String::new()
        };
        format!(
            "Error encountered in task {}. Executing stage '{}' with class '{}'{details}.",
            self.task,
            failure.stage.name(),
            failure.class
        )
    }

    /// Reports a failure: logs it if `errors.log.enable`, and sends the record to the dead
    /// letter queue when it is bad data (tolerated or tolerance exceeded; not when retries of
    /// a retriable error ran out: the record itself is fine). Returns the pending dead letter
    /// queue write, if any.
    pub async fn report(
        &self,
        failure: &Failure,
        record: FailedRecord<'_>,
    ) -> Result<Option<Delivery>, kconnect_api::ConnectError> {
        if self.log {
            tracing::error!(
                "{}\n{}: {}",
                self.log_message(failure, record),
                failure.error.java_class(),
                failure.error
            );
        }
        let bad_data = matches!(
            failure.verdict,
            Verdict::Tolerated | Verdict::ToleranceExceeded
        );
        match (&self.dlq, bad_data) {
            (Some(dlq), true) => dlq.send(failure, record).await.map(Some),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConnectorType;
    use crate::pipeline::errors::Stage;
    use kconnect_api::{config_map, ConnectError, Schema, Value};

    fn config(extra: &[(&str, &str)]) -> ConnectorConfig {
        let mut props = config_map(&[("name", "c"), ("connector.class", "X")]);
        props.extend(config_map(extra));
        ConnectorConfig::parse(props, ConnectorType::Source).unwrap()
    }

    fn failure() -> Failure {
        Failure {
            stage: Stage::ValueConverter,
            class: "org.apache.kafka.connect.json.JsonConverter".into(),
            error: ConnectError::data("nope"),
            verdict: Verdict::Tolerated,
        }
    }

    fn task() -> TaskId {
        TaskId {
            connector: "c".into(),
            task: 3,
        }
    }

    #[test]
    fn log_lines_are_javas() {
        let original = OriginalRecord {
            topic: "t".into(),
            partition: 1,
            offset: 42,
            timestamp: Some(1_700_000_000_000),
            timestamp_type: TimestampType::CreateTime,
            key: None,
            value: Some(b"x".to_vec()),
            headers: vec![],
        };
        let quiet = ErrorReporter::new(task(), &config(&[]), None);
        assert!(!quiet.is_active());
        assert_eq!(
            quiet.log_message(&failure(), FailedRecord::Consumed(&original)),
            "Error encountered in task c-3. Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter'."
        );
        let verbose = ErrorReporter::new(
            task(),
            &config(&[
                ("errors.log.enable", "true"),
                ("errors.log.include.messages", "true"),
            ]),
            None,
        );
        assert!(verbose.is_active());
        assert_eq!(
            verbose.log_message(&failure(), FailedRecord::Consumed(&original)),
            "Error encountered in task c-3. Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter', where consumed record is {topic='t', partition=1, offset=42, timestamp=1700000000000, timestampType=CreateTime}."
        );
        let untimed = OriginalRecord {
            timestamp: None,
            timestamp_type: TimestampType::NoTimestampType,
            ..original
        };
        assert_eq!(
            untimed.describe(),
            "consumed record is {topic='t', partition=1, offset=42}"
        );
    }

    #[test]
    fn source_records_are_described_like_java_to_string() {
        let mut partition = kconnect_api::record::OffsetMap::new();
        partition.insert("filename".into(), Value::String("/in".into()));
        let record = SourceRecord {
            record: ConnectRecord::new("lines", Some(Schema::string()), Value::String("a".into())),
            source_partition: Some(std::sync::Arc::new(partition)),
            source_offset: None,
        };
        assert_eq!(
            source_description(&record),
            "source record is = SourceRecord{sourcePartition={filename=/in}, sourceOffset=null} ConnectRecord{topic='lines', kafkaPartition=null, key=null, keySchema=null, value=a, valueSchema=Schema{STRING}, timestamp=null, headers=ConnectHeaders(headers=[])}"
        );
    }
}
