//! Connector offsets through the REST API (KIP-875, spec §8.7): source offsets live in the
//! offsets store under `[connector, partition]` keys; sink offsets are the committed offsets
//! of the consumer group `connect-<connector>`.

use std::time::Duration;

use kconnect_api::record::OffsetMap;
use kconnect_api::{ConnectError, ConnectResult, TopicPartition, Value};
use kconnect_kafka::client_config;
use kconnect_kafka::groups::{self, GroupDeletion, PartitionOffset};
use serde_json::{Map, Value as Json};

use super::{plugin_call, Worker};
use crate::config::{ConnectorConfig, ConnectorType};
use crate::herder::{ConnectorOffset, ConnectorOffsets, Message};
use crate::plugins::ConnectorFactory;

const KAFKA_TOPIC: &str = "kafka_topic";
const KAFKA_PARTITION: &str = "kafka_partition";
const KAFKA_OFFSET: &str = "kafka_offset";
const KAFKA_TIMEOUT: Duration = Duration::from_secs(30);

fn bad(msg: impl Into<String>) -> ConnectError {
    ConnectError::IllegalArgument(msg.into())
}

/// Java's success message for an offsets change.
fn modified(handled_by_connector: bool, reset: bool) -> Message {
    let kind = if reset { "reset" } else { "altered" };
    let message = if handled_by_connector {
        format!("The offsets for this connector have been {kind} successfully")
    } else {
        format!("The Connect framework-managed offsets for this connector have been {kind} successfully. However, if this connector manages offsets externally, they will need to be manually {kind} in the system that the connector uses.")
    };
    Message { message }
}

fn to_json(map: &OffsetMap) -> Map<String, Json> {
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
fn from_json(map: &Map<String, Json>) -> ConnectResult<OffsetMap> {
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
fn parse_sink_offsets(
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

fn sink_offset_json((topic, partition, offset): &PartitionOffset) -> ConnectorOffset {
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

impl Worker {
    async fn offsets_config(
        &self,
        name: &str,
    ) -> ConnectResult<(ConnectorConfig, ConnectorFactory)> {
        let snapshot = self
            .snapshot(name)
            .ok_or_else(|| ConnectError::NotFound(format!("Connector {name} not found")))?;
        self.validate(&snapshot.config).await
    }

    /// The committed offsets of a connector.
    pub async fn connector_offsets(&self, name: &str) -> ConnectResult<ConnectorOffsets> {
        let (config, _) = self.offsets_config(name).await?;
        match config.connector_type {
            ConnectorType::Source => Ok(ConnectorOffsets {
                offsets: self
                    .source_offsets(name)
                    .into_iter()
                    .map(|(p, o)| ConnectorOffset {
                        partition: to_json(&p),
                        offset: Some(to_json(&o)),
                    })
                    .collect(),
            }),
            ConnectorType::Sink => {
                let committed = self.sink_committed(name, &config).await?;
                Ok(ConnectorOffsets {
                    offsets: committed.iter().map(sink_offset_json).collect(),
                })
            }
        }
    }

    /// Source partitions of a connector with their offsets, in key order.
    fn source_offsets(&self, name: &str) -> Vec<(OffsetMap, OffsetMap)> {
        let mut entries = self.offsets.entries();
        entries.sort();
        entries
            .into_iter()
            .filter_map(|(k, v)| {
                let (connector, partition) = self.json.parse_offset_key(&k)?;
                let offset = self.json.parse_offset_value(&v?).ok()?;
                (connector == name).then_some((partition, offset))
            })
            .collect()
    }

    async fn sink_committed(
        &self,
        name: &str,
        config: &ConnectorConfig,
    ) -> ConnectResult<Vec<PartitionOffset>> {
        let props = self.group_props(name, config);
        let topics = config.topics();
        let regex = config
            .topics_regex()
            .and_then(|r| regex::Regex::new(&format!("^(?:{r})$")).ok());
        tokio::task::spawn_blocking(move || {
            let wants = |t: &str| {
                topics.iter().any(|x| x == t) || regex.as_ref().is_some_and(|r| r.is_match(t))
            };
            groups::committed_offsets(&props, &wants, KAFKA_TIMEOUT)
        })
        .await
        .map_err(|e| ConnectError::other(e.to_string()))?
        .map_err(|e| {
            ConnectError::other(format!(
                "Failed to retrieve consumer group offsets for sink connector {name}: {e}"
            ))
        })
    }

    fn group_props(&self, name: &str, config: &ConnectorConfig) -> kconnect_kafka::ClientProps {
        client_config::sink_consumer(
            &self.config.props,
            &config.props,
            &format!("connect-{name}"),
            &format!("connector-consumer-{name}-offsets"),
        )
    }

    /// Alters (`Some`) or resets (`None`) the offsets of a connector whose tasks are stopped.
    pub async fn modify_offsets(
        &self,
        name: &str,
        offsets: Option<Vec<ConnectorOffset>>,
    ) -> ConnectResult<Message> {
        let (config, factory) = self.offsets_config(name).await?;
        let what = format!("Connector {name}: alterOffsets()");
        match factory {
            ConnectorFactory::Source(f) => {
                let requested: Vec<(OffsetMap, Option<OffsetMap>)> = match &offsets {
                    None => self
                        .source_offsets(name)
                        .into_iter()
                        .map(|(p, _)| (p, None))
                        .collect(),
                    Some(list) => list
                        .iter()
                        .map(|o| {
                            Ok((
                                from_json(&o.partition)?,
                                o.offset.as_ref().map(from_json).transpose()?,
                            ))
                        })
                        .collect::<ConnectResult<_>>()?,
                };
                // Normalize through the internal converter, as Java does.
                let mut entries = Vec::with_capacity(requested.len());
                let mut normalized = Vec::with_capacity(requested.len());
                for (partition, offset) in requested {
                    let key = self.json.offset_key(name, &partition)?;
                    let value = offset
                        .as_ref()
                        .map(|o| self.json.offset_value(o))
                        .transpose()?;
                    let offset = value
                        .as_ref()
                        .map(|v| self.json.parse_offset_value(v))
                        .transpose()?;
                    normalized.push((partition, offset));
                    entries.push((key, value));
                }
                let props = config.props.clone();
                let call = move || f().alter_offsets(&props, &normalized);
                let handled = plugin_call::blocking(&what, self.plugin_timeout, call)
                    .await
                    .and_then(|handled| handled)
                    .map_err(|e| {
                        ConnectError::other(format!(
                            "Failed to modify offsets for source connector {name}: {e}"
                        ))
                    })?;
                if !entries.is_empty() {
                    let store = self.offsets.clone();
                    tokio::task::spawn_blocking(move || store.put_all(entries))
                        .await
                        .map_err(|e| ConnectError::other(e.to_string()))??;
                }
                Ok(modified(handled, offsets.is_none()))
            }
            ConnectorFactory::Sink(f) => {
                let reset = offsets.is_none();
                let requested = match &offsets {
                    Some(list) => parse_sink_offsets(list)?,
                    None => self
                        .sink_committed(name, &config)
                        .await?
                        .into_iter()
                        .map(|(t, p, _)| (TopicPartition::new(t, p), None))
                        .collect(),
                };
                let (props, asked) = (config.props.clone(), requested.clone());
                let call = move || f().alter_offsets(&props, &asked);
                let handled = plugin_call::blocking(&what, self.plugin_timeout, call)
                    .await
                    .and_then(|handled| handled)
                    .map_err(|e| {
                        ConnectError::other(format!(
                            "Failed to modify offsets for sink connector {name}: {e}"
                        ))
                    })?;
                if reset {
                    self.delete_group(name, &config).await?;
                } else {
                    self.commit_sink_offsets(name, &config, requested).await?;
                }
                Ok(modified(handled, reset))
            }
        }
    }

    async fn commit_sink_offsets(
        &self,
        name: &str,
        config: &ConnectorConfig,
        requested: Vec<(TopicPartition, Option<i64>)>,
    ) -> ConnectResult<()> {
        if requested.iter().any(|(_, o)| o.is_none()) {
            return Err(ConnectError::other(format!(
                "Failed to alter consumer group offsets for connector {name}: removing the committed offset of a single partition (a null offset) needs Kafka's OffsetDelete API, which kconnect's Kafka client does not offer yet; reset all offsets with DELETE /connectors/{name}/offsets instead"
            )));
        }
        let commits: Vec<PartitionOffset> = requested
            .into_iter()
            .filter_map(|(tp, o)| o.map(|o| (tp.topic, tp.partition, o)))
            .collect();
        let props = self.group_props(name, config);
        tokio::task::spawn_blocking(move || groups::commit_offsets(&props, &commits))
            .await
            .map_err(|e| ConnectError::other(e.to_string()))?
            .map_err(|e| {
                ConnectError::other(format!(
                    "Failed to alter consumer group offsets for connector {name}: {e}"
                ))
            })
    }

    async fn delete_group(&self, name: &str, config: &ConnectorConfig) -> ConnectResult<()> {
        let props = client_config::admin(
            &self.config.props,
            &config.props,
            &format!("connector-worker-adminclient-{name}"),
        );
        let group = format!("connect-{name}");
        match groups::delete_group(&props, &group, KAFKA_TIMEOUT).await {
            Ok(GroupDeletion::Deleted | GroupDeletion::NotFound) => Ok(()),
            Ok(GroupDeletion::NotEmpty) => Err(ConnectError::other(format!("Failed to reset consumer group offsets for connector {name} either because its tasks haven't stopped completely yet or the connector was resumed before the request to reset its offsets could be successfully completed. If the connector is in a stopped state, this operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be restarted to get rid of the zombie sink tasks."))),
            Err(e) => Err(ConnectError::other(format!("Failed to reset consumer group offsets for sink connector {name}: {e}"))),
        }
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
