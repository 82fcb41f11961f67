//! The offsets JSON of the REST API (KIP-875, kafka-connect-spec.md §8.7) and what it stands for: source
//! partitions and offsets (maps of primitives), sink partitions (`kafka_topic`,
//! `kafka_partition`) with their `kafka_offset`, and Java's messages.

use kconnect_api::record::OffsetMap;
use kconnect_api::{ConnectError, ConnectResult, TopicPartition, Value};
use kconnect_kafka::groups::PartitionOffset;
use serde_json::{Map, Value as Json};

use crate::herder::{ConnectorOffset, Message};

const KAFKA_TOPIC: &str = "kafka_topic";
const KAFKA_PARTITION: &str = "kafka_partition";
const KAFKA_OFFSET: &str = "kafka_offset";

fn bad(msg: impl Into<String>) -> ConnectError {
    ConnectError::IllegalArgument(msg.into())
}

/// Java's success message for an offsets change.
pub(super) fn modified(handled_by_connector: bool, reset: bool) -> Message {
    let kind = if reset { "reset" } else { "altered" };
    let message = if handled_by_connector {
        format!("The offsets for this connector have been {kind} successfully")
    } else {
        format!("The Connect framework-managed offsets for this connector have been {kind} successfully. However, if this connector manages offsets externally, they will need to be manually {kind} in the system that the connector uses.")
    };
    Message { message }
}

/// A source partition or offset as JSON.
pub(super) fn to_json(map: &OffsetMap) -> Map<String, Json> {
    map.iter()
        .map(|(k, v)| {
            let j = match v {
                Value::Int8(n) => Json::from(*n),
                Value::Int16(n) => Json::from(*n),
                Value::Int32(n) => Json::from(*n),
                Value::Int64(n) => Json::from(*n),
                Value::Float32(n) => Json::from(*n),
                Value::Float64(n) => Json::from(*n),
                Value::Boolean(b) => Json::from(*b),
                Value::String(s) => Json::from(s.clone()),
                _ => Json::Null,
            };
            (k.clone(), j)
        })
        .collect()
}

/// Java's `OffsetUtils.validateFormat`: string keys, primitive (or null) values.
pub(super) fn from_json(map: &Map<String, Json>) -> ConnectResult<OffsetMap> {
    map.iter()
        .map(|(k, v)| {
            let value = match v {
                Json::Null => Value::Null,
                Json::Bool(b) => Value::Boolean(*b),
                Json::String(s) => Value::String(s.clone()),
                Json::Number(n) => match n.as_i64() {
                    Some(i) => Value::Int64(i),
                    None => Value::Float64(n.as_f64().unwrap_or(f64::NAN)),
                },
                Json::Array(_) | Json::Object(_) => {
                    let kind = if v.is_array() { "ARRAY" } else { "MAP" };
                    return Err(bad(format!(
                        "Offsets may only contain primitive types as values, but field {k} contains {kind}"
                    )));
                }
            };
            Ok((k.clone(), value))
        })
        .collect()
}

fn field_string(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Java's `SinkUtils.parseSinkConnectorOffsets`.
pub(super) fn parse_sink_offsets(
    offsets: &[ConnectorOffset],
) -> ConnectResult<Vec<(TopicPartition, Option<i64>)>> {
    offsets
        .iter()
        .map(|o| {
            let p = &o.partition;
            let (Some(topic), Some(partition)) = (p.get(KAFKA_TOPIC), p.get(KAFKA_PARTITION)) else {
                return Err(bad(format!("The partition for a sink connector offset must contain the keys '{KAFKA_TOPIC}' and '{KAFKA_PARTITION}'")));
            };
            if topic.is_null() {
                return Err(bad("Kafka topic names must be valid strings and may not be null"));
            }
            if partition.is_null() {
                return Err(bad("Kafka partitions must be valid numbers and may not be null"));
            }
            let partition: i32 = field_string(partition).parse().map_err(|_| {
                bad(format!("Failed to parse the following Kafka partition value in the provided offsets: '{}'. Partition values for sink connectors need to be integers.", field_string(partition)))
            })?;
            let offset = match &o.offset {
                None => None,
                Some(m) => {
                    let raw = m.get(KAFKA_OFFSET).ok_or_else(|| {
                        bad(format!("The offset for a sink connector should either be null or contain the key '{KAFKA_OFFSET}'"))
                    })?;
                    Some(field_string(raw).parse::<i64>().map_err(|_| {
                        bad(format!("Failed to parse the following Kafka offset value in the provided offsets: '{}'. Offset values for sink connectors need to be integers.", field_string(raw)))
                    })?)
                }
            };
            Ok((TopicPartition::new(field_string(topic), partition), offset))
        })
        .collect()
}

/// A committed sink offset as the REST API shows it.
pub(super) fn sink_offset_json((topic, partition, offset): &PartitionOffset) -> ConnectorOffset {
    let mut p = Map::new();
    p.insert(KAFKA_PARTITION.into(), Json::from(*partition));
    p.insert(KAFKA_TOPIC.into(), Json::from(topic.clone()));
    let mut o = Map::new();
    o.insert(KAFKA_OFFSET.into(), Json::from(*offset));
    ConnectorOffset {
        partition: p,
        offset: Some(o),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn offset(v: Json) -> ConnectorOffset {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn sink_offsets_parse_like_java() {
        let ok = parse_sink_offsets(&[
            offset(json!({"partition": {"kafka_topic": "t", "kafka_partition": "3"}, "offset": {"kafka_offset": 7}})),
            offset(json!({"partition": {"kafka_topic": "t", "kafka_partition": 1}, "offset": null})),
        ])
        .unwrap();
        assert_eq!(
            ok,
            vec![
                (TopicPartition::new("t", 3), Some(7)),
                (TopicPartition::new("t", 1), None)
            ]
        );
        let err = parse_sink_offsets(&[offset(
            json!({"partition": {"kafka_topic": "t"}, "offset": null}),
        )])
        .unwrap_err()
        .to_string();
        assert_eq!(err, "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'");
        let err = parse_sink_offsets(&[offset(
            json!({"partition": {"kafka_topic": "t", "kafka_partition": "x"}, "offset": null}),
        )])
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("'x'. Partition values for sink connectors need to be integers."),
            "{err}"
        );
    }

    #[test]
    fn source_offsets_must_be_primitive() {
        let m: Map<String, Json> =
            serde_json::from_value(json!({"a": 1, "b": "x", "c": null, "d": 1.5})).unwrap();
        assert_eq!(from_json(&m).unwrap().len(), 4);
        let m: Map<String, Json> = serde_json::from_value(json!({"a": {"b": 1}})).unwrap();
        assert_eq!(
            from_json(&m).unwrap_err().to_string(),
            "Offsets may only contain primitive types as values, but field a contains MAP"
        );
        assert_eq!(
            to_json(&from_json(&serde_json::from_value(json!({"p": 3})).unwrap()).unwrap()),
            serde_json::from_value::<Map<String, Json>>(json!({"p": 3})).unwrap()
        );
    }
}
