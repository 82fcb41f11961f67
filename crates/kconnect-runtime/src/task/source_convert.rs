//! From a polled source record to the bytes the producer sends (kafka-connect-spec.md §8.3a-b): the
//! transformation chain, then the header, key and value converters, each under the task's
//! error policy. A failed record is reported (error log, dead letter queue) before it is
//! skipped, or fails the task.

use std::sync::Arc;

use kconnect_api::record::OffsetMap;
use kconnect_api::{ConnectRecord, ConnectResult, SourceRecord};

use crate::pipeline::dlq::Delivery;
use crate::pipeline::report::FailedRecord;
use crate::pipeline::{Failure, Stage, TaskConverters, TaskErrors, TransformChain};

/// A record converted for the producer.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    /// Target topic.
    pub topic: String,
    /// Partition, if the record named one.
    pub partition: Option<i32>,
    /// Timestamp, if set and not negative.
    pub timestamp: Option<i64>,
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Value bytes.
    pub value: Option<Vec<u8>>,
    /// Header keys and bytes.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// What became of a polled record.
pub enum Prepared {
    /// Ready to send.
    Send(Converted),
    /// A transformation dropped it.
    Dropped,
    /// It failed and was skipped (`errors.tolerance=all`); its offset may be committed once
    /// the dead letter queue write, if any, is stored.
    Skipped(Option<Delivery>),
}

/// A record's source partition (shared) and source offset, handed back with the outcome.
pub type SourcePosition = (Option<Arc<OffsetMap>>, Option<OffsetMap>);

/// Transforms and converts `record`. The source partition and offset come back with the
/// outcome; an `Err` fails the task (after the record was reported).
pub async fn prepare(
    chain: &mut TransformChain,
    conv: &mut TaskConverters,
    errors: &TaskErrors,
    record: SourceRecord,
) -> ConnectResult<(Prepared, SourcePosition)> {
    let SourceRecord {
        record,
        source_partition,
        source_offset,
    } = record;
    // The record as polled is what a failure reports; keep a copy only if the chain may
    // change it.
    let polled = (!chain.is_empty()).then(|| record.clone());
    let transformed = chain.apply_with(&errors.operator, record).await;
    let failed =
        |f: Failure, record: ConnectRecord, sp: Option<Arc<OffsetMap>>, so: Option<OffsetMap>| {
            (
                f,
                SourceRecord {
                    record,
                    source_partition: sp,
                    source_offset: so,
                },
            )
        };
    let (failure, original) = match transformed {
        Ok(None) => return Ok((Prepared::Dropped, (source_partition, source_offset))),
        Ok(Some(t)) => match convert(conv, errors, &t).await {
            Ok(mut c) => {
                // The record is done with: its topic moves rather than being copied.
                c.topic = t.topic;
                return Ok((Prepared::Send(c), (source_partition, source_offset)));
            }
            Err(f) => failed(f, polled.unwrap_or(t), source_partition, source_offset),
        },
        Err(f) => {
            let Some(p) = polled else {
                // The chain is empty, so it cannot fail; nothing to report.
                return Ok((Prepared::Dropped, (source_partition, source_offset)));
            };
            failed(f, p, source_partition, source_offset)
        }
    };
    let delivery = errors
        .handle(failure, FailedRecord::Source(&original))
        .await?;
    Ok((
        Prepared::Skipped(delivery),
        (original.source_partition, original.source_offset),
    ))
}

/// Converts headers, key and value (Java's order), each under the error policy. The topic
/// of the result is left empty (the caller moves the record's own into it).
async fn convert(
    conv: &mut TaskConverters,
    errors: &TaskErrors,
    r: &ConnectRecord,
) -> Result<Converted, Failure> {
    let op = &errors.operator;
    let topic = &r.topic;
    let mut headers = Vec::with_capacity(r.headers.len());
    for h in r.headers.iter() {
        let header = &mut conv.header;
        let bytes = op
            .execute(Stage::HeaderConverter, &conv.header_class, || {
                header.serialize_header(topic, &h.key, h.schema.as_ref(), &h.value)
            })
            .await?;
        headers.push((h.key.clone(), bytes));
    }
    let key_converter = &mut conv.key;
    let key = op
        .execute(Stage::KeyConverter, &conv.key_class, || {
            key_converter.serialize(topic, r.key_schema.as_ref(), &r.key)
        })
        .await?;
    let value_converter = &mut conv.value;
    let value = op
        .execute(Stage::ValueConverter, &conv.value_class, || {
            value_converter.serialize(topic, r.value_schema.as_ref(), &r.value)
        })
        .await?;
    Ok(Converted {
        topic: String::new(),
        partition: r.kafka_partition,
        timestamp: r.timestamp.filter(|t| *t >= 0),
        key,
        value,
        headers,
    })
}
