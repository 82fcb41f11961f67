//! Topic administration: describing and creating topics.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::client_config::ClientProps;
use crate::error::KafkaError;

/// How to create a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    /// Topic name.
    pub name: String,
    /// Partition count; `-1` for the broker default.
    pub partitions: i32,
    /// Replication factor; `-1` for the broker default.
    pub replication_factor: i16,
    /// Topic-level configs.
    pub configs: Vec<(String, String)>,
}

/// An admin client.
pub struct Admin {
    client: AdminClient<DefaultClientContext>,
    timeout: Duration,
}

impl Admin {
    /// Creates an admin client. Looking a topic up never creates it: brokers with
    /// `auto.create.topics.enable` would otherwise create it with their defaults before
    /// kconnect can create it with the connector's settings.
    pub fn new(props: &ClientProps) -> Result<Self, KafkaError> {
        let mut config = props.to_rdkafka()?;
        config.set("allow.auto.create.topics", "false");
        let client = config.create()?;
        Ok(Self {
            client,
            timeout: Duration::from_secs(30),
        })
    }

    /// The cluster id the brokers report, if they report one.
    pub fn cluster_id(&self) -> Option<String> {
        self.client.inner().fetch_cluster_id(self.timeout)
    }

    /// Number of partitions of a topic, or `None` if it does not exist.
    pub fn partition_count(&self, topic: &str) -> Result<Option<usize>, KafkaError> {
        let metadata = self
            .client
            .inner()
            .fetch_metadata(Some(topic), self.timeout)?;
        Ok(metadata
            .topics()
            .iter()
            .find(|t| t.name() == topic && t.error().is_none())
            .map(|t| t.partitions().len())
            .filter(|n| *n > 0))
    }

    /// Creates a topic; an already existing topic is not an error. Returns whether this call
    /// created it, once the topic's partitions are visible in the cluster's metadata: a
    /// broker answers the creation before every broker's metadata has the new topic, and a
    /// client that looked it up meanwhile would find no partitions.
    pub async fn create_topic(&self, spec: &TopicSpec) -> Result<bool, KafkaError> {
        let created = self.request_topic(spec).await?;
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            match self.partition_count(&spec.name) {
                Ok(Some(_)) => return Ok(created),
                Err(e) if tokio::time::Instant::now() >= deadline => return Err(e),
                _ if tokio::time::Instant::now() >= deadline => {
                    return Err(KafkaError::Client(format!(
                        "topic {} was created but its partitions did not appear in the metadata within {:?}",
                        spec.name, self.timeout
                    )))
                }
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    async fn request_topic(&self, spec: &TopicSpec) -> Result<bool, KafkaError> {
        // -1 asks the broker for its default partition count / replication factor.
        let replication = i32::from(spec.replication_factor.max(-1));
        let partitions = spec.partitions.max(-1);
        let mut topic = NewTopic::new(&spec.name, partitions, TopicReplication::Fixed(replication));
        for (k, v) in &spec.configs {
            topic = topic.set(k, v);
        }
        let options = AdminOptions::new().operation_timeout(Some(self.timeout));
        let results = self.client.create_topics([&topic], &options).await?;
        match results.into_iter().next() {
            Some(Ok(_)) => Ok(true),
            Some(Err((_, RDKafkaErrorCode::TopicAlreadyExists))) | None => Ok(false),
            Some(Err((name, code))) => Err(KafkaError::Client(format!(
                "could not create topic {name}: {code}"
            ))),
        }
    }
}
