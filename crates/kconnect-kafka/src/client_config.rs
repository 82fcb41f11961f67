//! Kafka client properties, derived like Java Kafka Connect derives them (kafka-connect-spec.md §2.4), and
//! translated for librdkafka: keys only the Java client understands are dropped with a
//! warning instead of failing the client.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;

use crate::error::KafkaError;

/// Java client settings that librdkafka has no equivalent for (or that kconnect sets
/// itself); they are accepted so Java users' files work unchanged, and ignored.
const JAVA_ONLY_KEYS: &[&str] = &[
    "key.serializer",
    "value.serializer",
    "key.deserializer",
    "value.deserializer",
    "buffer.memory",
    "max.block.ms",
    "interceptor.classes",
    "partitioner.class",
    "partitioner.ignore.keys",
    "partitioner.adaptive.partitioning.enable",
    "partitioner.availability.timeout.ms",
    "metric.reporters",
    "metrics.num.samples",
    "metrics.sample.window.ms",
    "metrics.recording.level",
    "auto.include.jmx.reporter",
    "client.dns.lookup",
    "default.api.timeout.ms",
    "retry.backoff.max.ms",
    "exclude.internal.topics",
    "max.poll.records",
    "max.poll.interval.ms.ignored",
    "send.buffer.bytes",
    "receive.buffer.bytes",
    "connections.max.idle.ms",
    "reconnect.backoff.ms",
    "reconnect.backoff.max.ms",
    "metadata.recovery.strategy",
    "socket.connection.setup.timeout.ms",
    "socket.connection.setup.timeout.max.ms",
    "internal.leave.group.on.close",
    "enable.metrics.push",
];

/// An ordered set of client properties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientProps(BTreeMap<String, String>);

impl ClientProps {
    /// No properties.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets one property.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.0.insert(key.into(), value.into());
        self
    }

    /// Sets every property of `other`, overriding.
    pub fn extend<'a>(
        &mut self,
        other: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) -> &mut Self {
        for (k, v) in other {
            self.0.insert(k.clone(), v.clone());
        }
        self
    }

    /// Sets the properties of `props` that start with `prefix`, with the prefix removed.
    pub fn extend_prefixed(&mut self, props: &BTreeMap<String, String>, prefix: &str) -> &mut Self {
        for (k, v) in props {
            if let Some(rest) = k.strip_prefix(prefix) {
                self.0.insert(rest.to_string(), v.clone());
            }
        }
        self
    }

    /// A property's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// All properties.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }

    /// The librdkafka configuration: Java's security settings are translated
    /// ([`crate::security`]), Java-only keys are dropped (logged at debug), the rest passed
    /// through unchanged. Fails on a security setting kconnect cannot honour, naming the key.
    pub fn to_rdkafka(&self) -> Result<ClientConfig, KafkaError> {
        let translated = crate::security::for_librdkafka(self)?;
        let mut config = ClientConfig::new();
        for (k, v) in &translated.0 {
            if JAVA_ONLY_KEYS.contains(&k.as_str()) {
                tracing::debug!(key = %k, "ignoring Java-client-only setting");
                continue;
            }
            config.set(k, v);
        }
        Ok(config)
    }
}

/// Worker keys that are not Kafka client settings and must not be passed to clients.
fn is_worker_only(key: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "key.converter",
        "value.converter",
        "header.converter",
        "internal.key.converter",
        "internal.value.converter",
        "offset.",
        "listeners",
        "rest.",
        "admin.listeners",
        "plugin.",
        "config.",
        "connector.client.config.override.policy",
        "topic.creation.enable",
        "topic.tracking.",
        "task.shutdown.graceful.timeout.ms",
        "access.control.",
        "response.http.headers.config",
        "status.storage.",
        "group.id",
        "session.timeout.ms",
        "heartbeat.interval.ms",
        "rebalance.timeout.ms",
        "worker.",
        "scheduled.rebalance.max.delay.ms",
        "connect.protocol",
        "exactly.once.source.support",
        "inter.worker.",
        "kconnect.",
        "errors.",
        "ssl.client.auth",
    ];
    PREFIXES.iter().any(|p| key.starts_with(p))
}

/// The unprefixed worker properties that are Kafka client settings (`bootstrap.servers`,
/// `security.protocol`, `ssl.*`, `sasl.*`...), as used by Java for internal clients.
pub fn worker_client_base(worker: &BTreeMap<String, String>) -> ClientProps {
    let mut props = ClientProps::new();
    for (k, v) in worker {
        if k.starts_with("producer.") || k.starts_with("consumer.") || k.starts_with("admin.") {
            continue;
        }
        if is_worker_only(k) || k == "client.id" {
            continue;
        }
        props.set(k.clone(), v.clone());
    }
    props
}

/// Properties of a source task's producer (Java `Worker.baseProducerConfigs`): worker client
/// settings, Connect's delivery settings, then worker `producer.*`, then connector
/// `producer.override.*`.
pub fn source_producer(
    worker: &BTreeMap<String, String>,
    connector: &BTreeMap<String, String>,
    client_id: &str,
) -> ClientProps {
    let mut props = worker_client_base(worker);
    props
        .set("client.id", client_id)
        .set("acks", "all")
        .set("enable.idempotence", "false")
        .set("max.in.flight.requests.per.connection", "1")
        .set("delivery.timeout.ms", "2147483647")
        .set("partitioner", "murmur2_random")
        .set("linger.ms", "5")
        // At most 8 MiB of record payloads waiting to be sent (librdkafka's own default is
        // 1 GiB; Java's `buffer.memory` is 32 MiB). That is still several full 1 MB produce
        // requests ahead of the one in flight, and it keeps a source worker's memory small:
        // librdkafka keeps a few hundred bytes of its own per record, and the runtime the
        // offsets of every record not yet acknowledged. 16 MiB measured ~70 MiB peak RSS on
        // the benchmark, 8 MiB ~40 MiB, at the same throughput.
        .set(QUEUE_KBYTES, DEFAULT_QUEUE_KBYTES.to_string());
    props.extend_prefixed(worker, "producer.");
    props.extend_prefixed(connector, "producer.override.");
    // A Java `buffer.memory` setting bounds librdkafka's queue the same way, unless the
    // librdkafka setting itself was given.
    let explicit = worker.contains_key(&format!("producer.{QUEUE_KBYTES}"))
        || connector.contains_key(&format!("producer.override.{QUEUE_KBYTES}"));
    if let Some(bytes) = props
        .get("buffer.memory")
        .and_then(|b| b.trim().parse::<u64>().ok())
    {
        if !explicit {
            props.set(QUEUE_KBYTES, bytes.div_ceil(1024).max(1).to_string());
        }
    }
    props
}

/// librdkafka's bound on the producer queue, in KiB.
const QUEUE_KBYTES: &str = "queue.buffering.max.kbytes";

/// kconnect's default bound on the producer queue, in KiB.
const DEFAULT_QUEUE_KBYTES: u64 = 8 * 1024;

/// Properties of a sink task's consumer (Java `Worker.baseConsumerConfigs`).
pub fn sink_consumer(
    worker: &BTreeMap<String, String>,
    connector: &BTreeMap<String, String>,
    group_id: &str,
    client_id: &str,
) -> ClientProps {
    let mut props = worker_client_base(worker);
    props
        .set("group.id", group_id)
        .set("client.id", client_id)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        // librdkafka prefetches up to 64 MiB and 100k records per partition by default,
        // which made that queue most of a sink worker's memory. 8 MiB keeps several fetches
        // ahead of the task; the short backoff resumes fetching as soon as the task has
        // drained it (librdkafka's default waits a whole second once the queue was full).
        .set("queued.max.messages.kbytes", "8192")
        .set("queued.min.messages", "10000")
        .set("fetch.queue.backoff.ms", "10");
    props.extend_prefixed(worker, "consumer.");
    props.extend_prefixed(connector, "consumer.override.");
    props
}

/// Properties of an admin client (Java `Worker.adminConfigs`).
pub fn admin(
    worker: &BTreeMap<String, String>,
    connector: &BTreeMap<String, String>,
    client_id: &str,
) -> ClientProps {
    let mut props = worker_client_base(worker);
    props.set("client.id", client_id);
    props.extend_prefixed(worker, "admin.");
    props.extend_prefixed(connector, "admin.override.");
    props
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn producer_layers_worker_then_override() {
        let worker = map(&[
            ("bootstrap.servers", "b:9092"),
            ("key.converter", "x"),
            ("producer.linger.ms", "20"),
            ("consumer.fetch.min.bytes", "5"),
            ("offset.storage.file.filename", "/tmp/o"),
        ]);
        let connector = map(&[("producer.override.linger.ms", "50"), ("name", "c")]);
        let p = source_producer(&worker, &connector, "connector-producer-c-0");
        assert_eq!(p.get("bootstrap.servers"), Some("b:9092"));
        assert_eq!(p.get("linger.ms"), Some("50"));
        assert_eq!(p.get("acks"), Some("all"));
        assert_eq!(p.get("key.converter"), None);
        assert_eq!(p.get("fetch.min.bytes"), None);
        assert_eq!(p.get("offset.storage.file.filename"), None);
    }

    #[test]
    fn consumer_defaults() {
        let c = sink_consumer(
            &map(&[("bootstrap.servers", "b")]),
            &BTreeMap::new(),
            "connect-s",
            "id",
        );
        assert_eq!(c.get("group.id"), Some("connect-s"));
        assert_eq!(c.get("enable.auto.commit"), Some("false"));
        assert_eq!(c.get("auto.offset.reset"), Some("earliest"));
        assert_eq!(c.get("queued.max.messages.kbytes"), Some("8192"));
        let c = sink_consumer(
            &map(&[("consumer.queued.max.messages.kbytes", "65536")]),
            &BTreeMap::new(),
            "g",
            "id",
        );
        assert_eq!(c.get("queued.max.messages.kbytes"), Some("65536"));
    }

    #[test]
    fn producer_queue_follows_java_buffer_memory() {
        let p = source_producer(&BTreeMap::new(), &BTreeMap::new(), "p");
        assert_eq!(p.get("queue.buffering.max.kbytes"), Some("8192"));
        let worker = map(&[("producer.buffer.memory", "1048577")]);
        let p = source_producer(&worker, &BTreeMap::new(), "p");
        assert_eq!(p.get("queue.buffering.max.kbytes"), Some("1025"));
        assert!(!p
            .to_rdkafka()
            .unwrap()
            .config_map()
            .contains_key("buffer.memory"));
        let connector = map(&[("producer.override.queue.buffering.max.kbytes", "7")]);
        let p = source_producer(&worker, &connector, "p");
        assert_eq!(p.get("queue.buffering.max.kbytes"), Some("7"));
    }
}
