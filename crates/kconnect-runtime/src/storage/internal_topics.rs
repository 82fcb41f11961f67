//! The internal topics of a distributed cluster (kafka-connect-spec.md §2.3, §6.1): their names, partitions,
//! replication factors and extra settings from the worker configuration, creation at
//! startup (always compacted), and the clients that read and write them.

use std::collections::BTreeMap;

use kconnect_api::{ConfigError, ConnectError, ConnectResult};
use kconnect_kafka::admin::{Admin, TopicSpec};
use kconnect_kafka::client_config::worker_client_base;
use kconnect_kafka::ClientProps;

/// Which internal topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InternalTopic {
    /// `config.storage.topic` (always one partition).
    Config,
    /// `offset.storage.topic`.
    Offsets,
    /// `status.storage.topic`.
    Status,
}

impl InternalTopic {
    fn prefix(self) -> &'static str {
        match self {
            Self::Config => "config.storage",
            Self::Offsets => "offset.storage",
            Self::Status => "status.storage",
        }
    }

    /// Java's default partition count (the config topic always has one).
    fn default_partitions(self) -> i32 {
        match self {
            Self::Config => 1,
            Self::Offsets => 25,
            Self::Status => 5,
        }
    }

    /// Suffix of the client ids of this topic's producer and consumer.
    fn client_suffix(self) -> &'static str {
        match self {
            Self::Config => "configs",
            Self::Offsets => "offsets",
            Self::Status => "statuses",
        }
    }

    /// How to create the topic, from the worker properties.
    pub fn spec(self, worker: &BTreeMap<String, String>) -> ConnectResult<TopicSpec> {
        let prefix = self.prefix();
        let topic_key = format!("{prefix}.topic");
        let name = worker
            .get(&topic_key)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ConnectError::Config(ConfigError::missing(&topic_key)))?;
        let number = |key: &str, default: i64| -> ConnectResult<i64> {
            match worker.get(key) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 1 || *n == -1)
                    .ok_or_else(|| {
                        ConnectError::Config(ConfigError::invalid(
                            key,
                            v,
                            "must be at least 1, or -1 for the broker default",
                        ))
                    }),
            }
        };
        let partitions = match self {
            Self::Config => 1,
            _ => number(
                &format!("{prefix}.partitions"),
                i64::from(self.default_partitions()),
            )? as i32,
        };
        let replication = number(&format!("{prefix}.replication.factor"), 3)? as i16;
        let reserved = ["topic", "partitions", "replication.factor"];
        let mut configs = vec![("cleanup.policy".to_string(), "compact".to_string())];
        for (k, v) in worker {
            let Some(setting) = k.strip_prefix(&format!("{prefix}.")) else {
                continue;
            };
            if reserved.contains(&setting) {
                continue;
            }
            if setting == "cleanup.policy" {
                tracing::warn!(key = %k, "ignoring cleanup.policy: internal topics are always compacted");
                continue;
            }
            configs.push((setting.to_string(), v.clone()));
        }
        Ok(TopicSpec {
            name: name.to_string(),
            partitions,
            replication_factor: replication,
            configs,
        })
    }

    /// Producer and consumer properties for this topic's log (kafka-connect-spec.md §2.4 client ids).
    pub fn clients(self, worker: &BTreeMap<String, String>) -> (ClientProps, ClientProps) {
        let base = worker_client_base(worker);
        let group = worker.get("group.id").map_or("connect", String::as_str);
        let client_id = match worker.get("client.id").filter(|c| !c.is_empty()) {
            Some(c) => format!("{group}-{c}-{}", self.client_suffix()),
            None => format!("{group}-{}", self.client_suffix()),
        };
        let mut producer = base.clone();
        producer
            .set("client.id", client_id.clone())
            .set("enable.idempotence", "false")
            .set("acks", "all")
            // One request in flight: a retried write can never land after a newer one of
            // the same key (offsets, statuses and configs must end with the newest value).
            .set("max.in.flight.requests.per.connection", "1")
            .set("partitioner", "murmur2_random")
            .set("delivery.timeout.ms", "2147483647");
        let mut consumer = base;
        consumer
            .set("client.id", client_id.clone())
            .set("group.id", client_id)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest");
        (producer, consumer)
    }
}

/// Creates the topic if it is missing; the config topic must have exactly one partition.
pub async fn ensure_topic(
    admin: &Admin,
    topic: InternalTopic,
    spec: &TopicSpec,
) -> ConnectResult<()> {
    let created = admin
        .create_topic(spec)
        .await
        .map_err(|e| ConnectError::other(format!("cannot create topic {}: {e}", spec.name)))?;
    if created {
        tracing::info!(topic = %spec.name, partitions = spec.partitions, "created internal topic");
    }
    if topic == InternalTopic::Config {
        let count = admin.partition_count(&spec.name).map_err(|e| {
            ConnectError::other(format!("cannot describe topic {}: {e}", spec.name))
        })?;
        if count != Some(1) {
            return Err(ConnectError::Config(ConfigError::general(format!(
                "Topic '{}' supplied via the 'config.storage.topic' property is required to have a single partition in order to guarantee consistency of connector configurations, but it has {} partitions",
                spec.name,
                count.unwrap_or(0)
            ))));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn specs_follow_java_defaults_and_overrides() {
        let w = config_map(&[
            ("group.id", "cluster"),
            ("config.storage.topic", "cfg"),
            ("config.storage.partitions", "7"),
            ("offset.storage.topic", "off"),
            ("offset.storage.replication.factor", "-1"),
            ("offset.storage.segment.ms", "1000"),
            ("offset.storage.cleanup.policy", "delete"),
            ("status.storage.topic", "st"),
            ("status.storage.partitions", "2"),
            ("bootstrap.servers", "b:1"),
        ]);
        let cfg = InternalTopic::Config.spec(&w).unwrap();
        assert_eq!(
            (cfg.name.as_str(), cfg.partitions, cfg.replication_factor),
            ("cfg", 1, 3)
        );
        let off = InternalTopic::Offsets.spec(&w).unwrap();
        assert_eq!((off.partitions, off.replication_factor), (25, -1));
        assert_eq!(
            off.configs,
            vec![
                ("cleanup.policy".to_string(), "compact".to_string()),
                ("segment.ms".to_string(), "1000".to_string())
            ]
        );
        assert_eq!(InternalTopic::Status.spec(&w).unwrap().partitions, 2);
        let (producer, consumer) = InternalTopic::Status.clients(&w);
        assert_eq!(producer.get("client.id"), Some("cluster-statuses"));
        assert_eq!(producer.get("bootstrap.servers"), Some("b:1"));
        assert_eq!(producer.get("status.storage.topic"), None);
        assert_eq!(consumer.get("enable.auto.commit"), Some("false"));
    }

    #[test]
    fn missing_topic_or_bad_numbers_are_config_errors() {
        assert!(InternalTopic::Config.spec(&config_map(&[])).is_err());
        let w = config_map(&[
            ("status.storage.topic", "s"),
            ("status.storage.partitions", "0"),
        ]);
        assert!(InternalTopic::Status.spec(&w).is_err());
    }
}
