//! From a consumed message to the record a sink task receives (kafka-connect-spec.md §8.5 step 5): the key,
//! value and header converters, then the transformation chain, each under the task's error
//! policy. A failed record is reported with its original bytes (error log, dead letter
//! queue) before it is skipped, or fails the task.

use kconnect_api::{ConnectRecord, ConnectResult, Headers, SinkRecord, TimestampType};
use kconnect_kafka::rdkafka::message::{Headers as _, Message, Timestamp};

use crate::pipeline::dlq::Delivery;
use crate::pipeline::report::{FailedRecord, OriginalRecord};
use crate::pipeline::{Failure, Stage, TaskConverters, TaskErrors, TransformChain};

/// What became of a consumed message.
pub enum Outcome {
    /// A record for `put`.
    Record(SinkRecord),
    /// A transformation dropped it.
    Dropped,
    /// It failed and was skipped (`errors.tolerance=all`); the dead letter queue write, if
    /// any, must be stored before its offset is committed.
    Skipped(Option<Delivery>),
}

/// Converts and transforms one message; `Err` fails the task (after the record was
/// reported).
pub async fn convert_message<M: Message>(
    conv: &mut TaskConverters,
    chain: &mut TransformChain,
    errors: &TaskErrors,
    m: &M,
) -> ConnectResult<Outcome> {
    let failure = match convert(conv, chain, errors, m).await {
        Ok(Some(record)) => return Ok(Outcome::Record(record)),
        Ok(None) => return Ok(Outcome::Dropped),
        Err(f) => f,
    };
    let original = OriginalRecord::from_message(m);
    let delivery = errors
        .handle(failure, FailedRecord::Consumed(&original))
        .await?;
    Ok(Outcome::Skipped(delivery))
}

async fn convert<M: Message>(
    conv: &mut TaskConverters,
    chain: &mut TransformChain,
    errors: &TaskErrors,
    m: &M,
) -> Result<Option<SinkRecord>, Failure> {
    let op = &errors.operator;
    let topic = m.topic();
    let key_converter = &mut conv.key;
    let key = op
        .execute(Stage::KeyConverter, &conv.key_class, || {
            key_converter.deserialize(topic, m.key())
        })
        .await?;
    let value_converter = &mut conv.value;
    let value = op
        .execute(Stage::ValueConverter, &conv.value_class, || {
            value_converter.deserialize(topic, m.payload())
        })
        .await?;
    let header_converter = &mut conv.header;
    let headers = op
        .execute(Stage::HeaderConverter, &conv.header_class, || {
            let mut headers = Headers::new();
            if let Some(hs) = m.headers() {
                for h in hs.iter() {
                    let sv = header_converter.deserialize_header(topic, h.key, h.value)?;
                    headers.add(h.key, sv.schema, sv.value);
                }
            }
            Ok(headers)
        })
        .await?;
    let (timestamp, timestamp_type) = match m.timestamp() {
        Timestamp::NotAvailable => (None, TimestampType::NoTimestampType),
        Timestamp::CreateTime(t) => (Some(t).filter(|t| *t >= 0), TimestampType::CreateTime),
        Timestamp::LogAppendTime(t) => (Some(t).filter(|t| *t >= 0), TimestampType::LogAppendTime),
    };
    let record = ConnectRecord {
        topic: topic.to_string(),
        kafka_partition: Some(m.partition()),
        key_schema: key.schema,
        key: key.value,
        value_schema: value.schema,
        value: value.value,
        timestamp,
        headers,
        kafka_offset: Some(m.offset()),
    };
    let transformed = if chain.is_empty() {
        record
    } else {
        match chain.apply_with(op, record).await? {
            Some(r) => r,
            None => return Ok(None),
        }
    };
    Ok(Some(SinkRecord {
        record: transformed,
        timestamp_type,
        original_topic: topic.to_string(),
        original_kafka_partition: m.partition(),
        original_kafka_offset: m.offset(),
    }))
}
