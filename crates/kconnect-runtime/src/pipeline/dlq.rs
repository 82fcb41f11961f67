//! The dead letter queue (kafka-connect-spec.md §9, Java `DeadLetterQueueReporter`): failed records go to
//! `errors.deadletterqueue.topic.name`, created with one partition and
//! `errors.deadletterqueue.topic.replication.factor` if missing, through a producer with
//! client id `connector-dlq-producer-<connector>-<task>`.
//!
//! **Sink records** (as Java): the record exactly as consumed — key and value bytes,
//! headers, timestamp — plus, with `errors.deadletterqueue.context.headers.enable=true`,
//! the `__connect.errors.*` headers with Java's names and values.
//!
//! **Source records** (kconnect only; Java has no dead letter queue for sources): a source
//! record has no original bytes, so the record as the task returned it from `poll` (before
//! any transformation) is written with kconnect's JsonConverter and `schemas.enable=true`,
//! whatever the connector's converters are: the key and the value are JSON envelopes
//! `{"schema":...,"payload":...}` (a null key or value stays null), each header value is
//! such an envelope too, and the timestamp is kept. If the record cannot be written as JSON
//! (a value that does not match its schema), the key or value is its Java `toString` text
//! instead. Context headers are the same as for sinks, except: `__connect.errors.topic` is the
//! record's topic as polled; `__connect.errors.partition` only appears when the record named a
//! partition; `__connect.errors.offset` never appears (there is no Kafka offset yet); and two
//! more headers, `__connect.errors.source.partition` and `__connect.errors.source.offset`,
//! hold the record's source partition and offset as schemaless JSON (absent when null).
//!
//! In both cases `__connect.errors.exception.stacktrace` is `<exception class>: <message>`:
//! kconnect has no JVM stack frames to print.

use std::sync::Mutex;
use std::time::Duration;

use kconnect_api::plugin::{Converter, HeaderConverter};
use kconnect_api::{ConfigMap, ConnectError, ConnectResult, SourceRecord, Value};
use kconnect_json::JsonConverter;
use kconnect_kafka::admin::{Admin, TopicSpec};
use kconnect_kafka::rdkafka::error::RDKafkaErrorCode;
use kconnect_kafka::rdkafka::message::{Header, OwnedHeaders};
use kconnect_kafka::rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use kconnect_kafka::{client_config, ClientProps, KafkaError};

use super::dlq_headers::{context_headers, Origin, RawHeaders};
use super::errors::Failure;
use super::report::FailedRecord;
use crate::config::keys::{
    DLQ_CONTEXT_HEADERS_ENABLE, DLQ_TOPIC_NAME, DLQ_TOPIC_REPLICATION_FACTOR,
};
use crate::config::ConnectorConfig;
use crate::task::TaskId;

fn text(s: impl ToString) -> Option<Vec<u8>> {
    Some(s.to_string().into_bytes())
}

/// A connector's dead letter queue settings, if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct DlqSettings {
    /// Topic.
    pub topic: String,
    /// Replication factor when creating it.
    pub replication_factor: i16,
    /// Whether to add the context headers.
    pub context_headers: bool,
    producer: ClientProps,
    admin: ClientProps,
}

impl DlqSettings {
    /// The settings of a connector task; `None` when `errors.deadletterqueue.topic.name` is
    /// blank. Clients are configured like Java's (worker settings, `producer.*`/`admin.*`,
    /// then the connector's overrides).
    pub fn from_config(
        task: &TaskId,
        config: &ConnectorConfig,
        worker: &ConfigMap,
    ) -> Option<Self> {
        let topic = config.parsed().string(DLQ_TOPIC_NAME)?.trim().to_string();
        if topic.is_empty() {
            return None;
        }
        Some(Self {
            topic,
            replication_factor: config
                .parsed()
                .int(DLQ_TOPIC_REPLICATION_FACTOR)
                .and_then(|v| i16::try_from(v).ok())
                .unwrap_or(3),
            context_headers: config.parsed().boolean(DLQ_CONTEXT_HEADERS_ENABLE),
            producer: client_config::source_producer(
                worker,
                &config.props,
                &format!("connector-dlq-producer-{task}"),
            ),
            admin: client_config::admin(worker, &config.props, "connector-dlq-adminclient-"),
        })
    }
}

fn kafka_error(topic: &str, e: KafkaError) -> ConnectError {
    let text = format!("Could not initialize dead letter queue with topic={topic}: {e}");
    if e.is_retriable() {
        ConnectError::Retriable(text)
    } else {
        ConnectError::other(text)
    }
}

/// A pending write to the dead letter queue.
pub struct Delivery {
    future: DeliveryFuture,
    what: String,
}

impl Delivery {
    /// Waits until the broker acknowledged the write; an error names the record.
    pub async fn wait(mut self) -> ConnectResult<()> {
        self.wait_mut().await
    }

    /// [`Self::wait`] without giving the delivery up, so a timeout can wrap it and try again
    /// later. Call it until it returned once.
    pub async fn wait_mut(&mut self) -> ConnectResult<()> {
        match (&mut self.future).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err((e, _))) => Err(ConnectError::other(format!(
                "Could not produce message to dead letter queue: {} ({e}); its offset is not committed",
                self.what
            ))),
            Err(_) => Err(ConnectError::other(format!(
                "The dead letter queue producer closed before {} was written",
                self.what
            ))),
        }
    }
}

/// An open dead letter queue of one task.
pub struct DeadLetterQueue {
    task: TaskId,
    settings: DlqSettings,
    producer: FutureProducer,
    json: Mutex<JsonConverter>,
}

impl DeadLetterQueue {
    /// Creates the topic if it is missing (a retriable error if the broker is unreachable)
    /// and the producer.
    pub async fn open(task: TaskId, settings: DlqSettings) -> ConnectResult<Self> {
        let topic = settings.topic.clone();
        let admin = Admin::new(&settings.admin).map_err(|e| kafka_error(&topic, e))?;
        let exists = tokio::task::block_in_place(|| admin.partition_count(&topic))
            .map_err(|e| kafka_error(&topic, e))?;
        if exists.is_none() {
            let spec = TopicSpec {
                name: topic.clone(),
                partitions: 1,
                replication_factor: settings.replication_factor,
                configs: vec![],
            };
            if admin
                .create_topic(&spec)
                .await
                .map_err(|e| kafka_error(&topic, e))?
            {
                tracing::info!(task = %task, "created dead letter queue topic {topic}");
            }
        }
        let producer: FutureProducer = settings
            .producer
            .to_rdkafka()
            .and_then(|c| c.create().map_err(Into::into))
            .map_err(|e| kafka_error(&topic, e))?;
        let mut json = JsonConverter::new();
        let props = ConfigMap::from([("schemas.enable".to_string(), "true".to_string())]);
        Converter::configure(&mut json, &props, false)?;
        Ok(Self {
            task,
            settings,
            producer,
            json: Mutex::new(json),
        })
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.settings.topic
    }

    /// The key, value, timestamp and headers written for a source record.
    fn encode_source(
        &self,
        record: &SourceRecord,
    ) -> (Option<Vec<u8>>, Option<Vec<u8>>, RawHeaders) {
        let r = &record.record;
        let Ok(mut json) = self.json.lock() else {
            return (text(&r.key), text(&r.value), Vec::new());
        };
        let mut encode = |schema: Option<&kconnect_api::SchemaRef>, value: &Value| match value {
            Value::Null if schema.is_none() => None,
            _ => Converter::serialize(&mut *json, &r.topic, schema, value)
                .unwrap_or_else(|_| text(value)),
        };
        let key = encode(r.key_schema.as_ref(), &r.key);
        let value = encode(r.value_schema.as_ref(), &r.value);
        let headers = r
            .headers
            .iter()
            .map(|h| {
                let bytes = json
                    .serialize_header(&r.topic, &h.key, h.schema.as_ref(), &h.value)
                    .unwrap_or_else(|_| text(&h.value));
                (h.key.clone(), bytes)
            })
            .collect();
        (key, value, headers)
    }

    /// Writes a failed record; returns once the producer accepted it. Await the returned
    /// [`Delivery`] to know it is stored.
    pub async fn send(
        &self,
        failure: &Failure,
        record: FailedRecord<'_>,
    ) -> ConnectResult<Delivery> {
        let (key, value, timestamp, mut headers, what) = match record {
            FailedRecord::Consumed(o) => (
                o.key.clone(),
                o.value.clone(),
                o.timestamp,
                o.headers.clone(),
                format!("record {}-{}@{}", o.topic, o.partition, o.offset),
            ),
            FailedRecord::Source(r) => {
                let (k, v, h) = self.encode_source(r);
                (
                    k,
                    v,
                    r.record.timestamp.filter(|t| *t >= 0),
                    h,
                    format!("a record for topic {}", r.record.topic),
                )
            }
        };
        if self.settings.context_headers {
            let origin = match record {
                FailedRecord::Consumed(o) => Origin::Consumed(&o.topic, o.partition, o.offset),
                FailedRecord::Source(r) => Origin::Source(
                    &r.record.topic,
                    r.record.kafka_partition,
                    r.source_partition.as_deref(),
                    r.source_offset.as_ref(),
                ),
            };
            headers.extend(context_headers(&self.task, failure, origin));
        }
        let mut owned = OwnedHeaders::new_with_capacity(headers.len());
        for (k, v) in &headers {
            owned = owned.insert(Header {
                key: k,
                value: v.as_deref(),
            });
        }
        let mut out: FutureRecord<'_, [u8], [u8]> =
            FutureRecord::to(&self.settings.topic).headers(owned);
        if let Some(k) = key.as_deref() {
            out = out.key(k);
        }
        if let Some(v) = value.as_deref() {
            out = out.payload(v);
        }
        if let Some(ts) = timestamp {
            out = out.timestamp(ts);
        }
        loop {
            match self.producer.send_result(out) {
                Ok(future) => return Ok(Delivery { future, what }),
                Err((e, back)) if e.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) => {
                    out = back;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err((e, _)) => {
                    return Err(ConnectError::other(format!(
                        "Could not produce message to dead letter queue. topic={}: {e}",
                        self.settings.topic
                    )))
                }
            }
        }
    }

    /// Waits up to `timeout` for every accepted write to be stored.
    pub fn flush(&self, timeout: Duration) {
        if let Err(e) = tokio::task::block_in_place(|| self.producer.flush(timeout)) {
            tracing::warn!(task = %self.task, "dead letter queue writes still pending after {timeout:?}: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    #[test]
    fn settings_need_a_topic_and_name_the_clients_like_java() {
        use crate::config::{ConnectorConfig, ConnectorType};
        let props = |extra: &[(&str, &str)]| {
            let mut p = config_map(&[("name", "s"), ("connector.class", "X"), ("topics", "in")]);
            p.extend(config_map(extra));
            ConnectorConfig::parse(p, ConnectorType::Sink).unwrap()
        };
        let task = TaskId {
            connector: "s".into(),
            task: 1,
        };
        let worker = ConfigMap::from([("bootstrap.servers".to_string(), "b:9092".to_string())]);
        assert_eq!(DlqSettings::from_config(&task, &props(&[]), &worker), None);
        assert_eq!(
            DlqSettings::from_config(&task, &props(&[(DLQ_TOPIC_NAME, "  ")]), &worker),
            None
        );
        let s = DlqSettings::from_config(
            &task,
            &props(&[
                (DLQ_TOPIC_NAME, "dlq"),
                (DLQ_TOPIC_REPLICATION_FACTOR, "1"),
                (DLQ_CONTEXT_HEADERS_ENABLE, "true"),
            ]),
            &worker,
        )
        .unwrap();
        assert_eq!(
            (s.topic.as_str(), s.replication_factor, s.context_headers),
            ("dlq", 1, true)
        );
        assert_eq!(
            s.producer.get("client.id"),
            Some("connector-dlq-producer-s-1")
        );
        assert_eq!(s.producer.get("bootstrap.servers"), Some("b:9092"));
        assert_eq!(s.admin.get("client.id"), Some("connector-dlq-adminclient-"));
    }
}
