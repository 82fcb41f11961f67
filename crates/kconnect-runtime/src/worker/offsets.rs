//! Connector offsets through the REST API (KIP-875, kafka-connect-spec.md §8.7): source offsets live in the
//! offsets store under `[connector, partition]` keys; sink offsets are the committed offsets
//! of the consumer group `connect-<connector>`. The connector's configuration is either the
//! one this worker runs it with (standalone) or given by the caller (distributed: a stopped
//! connector runs nowhere, its configuration comes from the config topic).

mod json;

use std::time::Duration;

use kconnect_api::record::OffsetMap;
use kconnect_api::{ConfigMap, ConnectError, ConnectResult, TopicPartition};
use kconnect_kafka::client_config;
use kconnect_kafka::group::{delete_offsets, ConnectionSecurity, GroupConfig};
use kconnect_kafka::groups::{self, GroupDeletion, PartitionOffset};

use super::{plugin_call, Worker};
use crate::config::{ConnectorConfig, ConnectorType};
use crate::herder::{ConnectorOffset, ConnectorOffsets, Message};
use crate::plugins::ConnectorFactory;
use json::{from_json, modified, parse_sink_offsets, sink_offset_json, to_json};

const KAFKA_TIMEOUT: Duration = Duration::from_secs(30);

impl Worker {
    /// The configuration this worker runs connector `name` with.
    fn running_config(&self, name: &str) -> ConnectResult<ConfigMap> {
        self.snapshot(name)
            .map(|s| s.config)
            .ok_or_else(|| ConnectError::NotFound(format!("Connector {name} not found")))
    }

    /// The committed offsets of a connector this worker runs.
    pub async fn connector_offsets(&self, name: &str) -> ConnectResult<ConnectorOffsets> {
        let props = self.running_config(name)?;
        self.connector_offsets_with(name, &props).await
    }

    /// The committed offsets of connector `name` whose configuration is `props` (it need
    /// not run on this worker): source offsets from the offsets store, caught up first;
    /// sink offsets from the consumer group.
    pub async fn connector_offsets_with(
        &self,
        name: &str,
        props: &ConfigMap,
    ) -> ConnectResult<ConnectorOffsets> {
        let (config, _) = self.validate(props).await?;
        match config.connector_type {
            ConnectorType::Source => Ok(ConnectorOffsets {
                offsets: self
                    .source_offsets(name)
                    .await?
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

    /// Source partitions of a connector with their offsets, in key order, once the store
    /// caught up with writes made elsewhere.
    async fn source_offsets(&self, name: &str) -> ConnectResult<Vec<(OffsetMap, OffsetMap)>> {
        self.offsets.refresh().await?;
        let mut entries = self.offsets.entries();
        entries.sort();
        Ok(entries
            .into_iter()
            .filter_map(|(k, v)| {
                let (connector, partition) = self.json.parse_offset_key(&k)?;
                let offset = self.json.parse_offset_value(&v?).ok()?;
                (connector == name).then_some((partition, offset))
            })
            .collect())
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

    /// Alters (`Some`) or resets (`None`) the offsets of a connector this worker knows, whose
    /// tasks are stopped.
    pub async fn modify_offsets(
        &self,
        name: &str,
        offsets: Option<Vec<ConnectorOffset>>,
    ) -> ConnectResult<Message> {
        let props = self.running_config(name)?;
        self.modify_offsets_with(name, &props, offsets).await
    }

    /// Alters (`Some`) or resets (`None`) the offsets of connector `name` whose configuration
    /// is `props` (it need not run on this worker; the caller checked that it is stopped).
    pub async fn modify_offsets_with(
        &self,
        name: &str,
        props: &ConfigMap,
        offsets: Option<Vec<ConnectorOffset>>,
    ) -> ConnectResult<Message> {
        let (config, factory) = self.validate(props).await?;
        let what = format!("Connector {name}: alterOffsets()");
        match factory {
            ConnectorFactory::Source(f) => {
                let requested: Vec<(OffsetMap, Option<OffsetMap>)> = match &offsets {
                    None => self
                        .source_offsets(name)
                        .await?
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
                    self.offsets.put_all(entries).await?;
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
        let deletes: Vec<(String, i32)> = requested
            .iter()
            .filter(|(_, o)| o.is_none())
            .map(|(tp, _)| (tp.topic.clone(), tp.partition))
            .collect();
        if !deletes.is_empty() {
            let props = self.group_props(name, config);
            let mut group = GroupConfig::new(
                props.get("bootstrap.servers").unwrap_or_default(),
                &format!("connect-{name}"),
                "consumer",
            );
            group.client_id = format!("connector-adminclient-{name}");
            group.security = ConnectionSecurity::from_props(&props).map_err(|e| {
                ConnectError::other(format!(
                    "Failed to delete consumer group offsets for connector {name}: {e}"
                ))
            })?;
            delete_offsets(&group, &deletes).await.map_err(|e| {
                ConnectError::other(format!(
                    "Failed to delete consumer group offsets for connector {name}: {e}"
                ))
            })?;
        }
        let commits: Vec<PartitionOffset> = requested
            .into_iter()
            .filter_map(|(tp, o)| o.map(|o| (tp.topic, tp.partition, o)))
            .collect();
        if commits.is_empty() {
            return Ok(());
        }
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
