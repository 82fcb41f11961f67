//! The internal-topic stores against a real broker: topics created compacted with the
//! configured partitions, config/status/offset state written by one worker and read back by
//! another, and records on the topics in Java's format.

#![allow(clippy::unwrap_used)] // test helpers

use std::collections::BTreeMap;
use std::time::Duration;

use kconnect_api::config_map;
use kconnect_kafka::admin::TopicSpec;
use kconnect_kafka::partitioner::partition_for_key;
use kconnect_runtime::storage::config_records::SessionKey;
use kconnect_runtime::storage::config_state::ConfigUpdate;
use kconnect_runtime::storage::internal_topics::{ensure_topic, InternalTopic};
use kconnect_runtime::storage::kafka_config_store::KafkaConfigStore;
use kconnect_runtime::storage::kafka_offset_store::KafkaOffsetStore;
use kconnect_runtime::storage::kafka_status_store::KafkaStatusStore;
use kconnect_runtime::storage::status_records::{StatusKey, StatusRecord, TopicStatus};
use kconnect_runtime::task::TaskId;
use kconnect_runtime::worker::status::State;
use kconnect_runtime::worker::TargetState;
use kconnect_testkit::{unique, Broker, TopicReader};
use tokio::sync::mpsc;

const TIMEOUT: Duration = Duration::from_secs(20);

/// Worker properties with a group and internal topics of the test's own.
fn worker(broker: &Broker) -> BTreeMap<String, String> {
    config_map(&[
        ("bootstrap.servers", &broker.bootstrap()),
        ("group.id", &unique("stores")),
        ("config.storage.topic", &unique("connect-configs")),
        ("config.storage.replication.factor", "1"),
        ("offset.storage.topic", &unique("connect-offsets")),
        ("offset.storage.partitions", "3"),
        ("offset.storage.replication.factor", "1"),
        ("status.storage.topic", &unique("connect-status")),
        ("status.storage.partitions", "2"),
        ("status.storage.replication.factor", "1"),
    ])
}

/// The name of the `kind` topic (`config`, `offset` or `status`) in worker properties `w`.
fn topic<'a>(w: &'a BTreeMap<String, String>, kind: &str) -> &'a str {
    &w[&format!("{kind}.storage.topic")]
}

async fn create_topics(broker: &Broker, w: &BTreeMap<String, String>) {
    let admin = broker.admin();
    for t in [
        InternalTopic::Config,
        InternalTopic::Offsets,
        InternalTopic::Status,
    ] {
        let spec = t.spec(w).unwrap();
        ensure_topic(&admin, t, &spec).await.unwrap();
        // A second worker starting finds the topics there.
        ensure_topic(&admin, t, &spec).await.unwrap();
    }
    assert_eq!(admin.partition_count(topic(w, "config")).unwrap(), Some(1));
    assert_eq!(admin.partition_count(topic(w, "offset")).unwrap(), Some(3));
    assert_eq!(admin.partition_count(topic(w, "status")).unwrap(), Some(2));
}

fn config_store(
    w: &BTreeMap<String, String>,
) -> (KafkaConfigStore, mpsc::UnboundedReceiver<ConfigUpdate>) {
    let (producer, consumer) = InternalTopic::Config.clients(w);
    let (tx, rx) = mpsc::unbounded_channel();
    let store =
        KafkaConfigStore::start(topic(w, "config"), &producer, &consumer, TIMEOUT, tx).unwrap();
    (store, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_store_round_trips_through_the_topic_in_java_format() {
    let broker = Broker::shared();
    let w = worker(&broker);
    create_topics(&broker, &w).await;
    let (a, _) = config_store(&w);
    a.read_to_end().await.unwrap();
    let config = config_map(&[
        ("connector.class", "FileStreamSource"),
        ("name", "src"),
        ("tasks.max", "2"),
    ]);
    a.put_connector_config("src", config.clone(), Some(TargetState::Paused))
        .await
        .unwrap();
    a.put_task_configs(
        "src",
        vec![config_map(&[("n", "0")]), config_map(&[("n", "1")])],
    )
    .await
    .unwrap();
    a.put_session_key(SessionKey {
        key: vec![9; 32],
        algorithm: "HmacSHA256".into(),
        creation_timestamp: 42,
    })
    .await
    .unwrap();
    a.put_connector_config("gone", config_map(&[("name", "gone")]), None)
        .await
        .unwrap();
    a.remove_connector("gone").await.unwrap();
    let mine = a.snapshot();
    assert_eq!(mine.connector_config("src"), Some(&config));
    assert_eq!(mine.task_configs("src").len(), 2);
    assert_eq!(mine.offset(), 9);

    // Another worker reads the same state, and is told what changed.
    let (b, mut updates) = config_store(&w);
    b.read_to_end().await.unwrap();
    let theirs = b.snapshot();
    assert_eq!(theirs, mine);
    assert_eq!(theirs.target_state("src"), Some(TargetState::Paused));
    assert_eq!(theirs.session_key().map(|k| k.creation_timestamp), Some(42));
    let mut seen = Vec::new();
    while let Ok(u) = updates.try_recv() {
        seen.push(u);
    }
    assert!(seen.contains(&ConfigUpdate::TasksCommitted("src".into())));
    assert!(seen.contains(&ConfigUpdate::ConnectorRemoved("gone".into())));

    let records = TopicReader::new(&broker).read(topic(&w, "config"), 1, 9, TIMEOUT);
    let kv: Vec<(String, Option<String>)> = records
        .iter()
        .map(|r| {
            (
                String::from_utf8(r.key.clone().unwrap()).unwrap(),
                r.value.clone().map(|v| String::from_utf8(v).unwrap()),
            )
        })
        .collect();
    assert_eq!(
        kv[0],
        (
            "target-state-src".into(),
            Some(r#"{"state":"PAUSED","state.v2":"PAUSED"}"#.into())
        )
    );
    assert_eq!(kv[1].0, "connector-src");
    assert_eq!(
        kv[2],
        (
            "task-src-0".into(),
            Some(r#"{"properties":{"n":"0"}}"#.into())
        )
    );
    assert_eq!(kv[4], ("commit-src".into(), Some(r#"{"tasks":2}"#.into())));
    assert_eq!(kv[7], ("connector-gone".into(), None));
    assert_eq!(kv[8], ("target-state-gone".into(), None));

    // A cluster-wide log level (KIP-976) reaches the other worker as an update.
    a.put_logger_level("org.apache.kafka.connect", "DEBUG")
        .await
        .unwrap();
    b.read_to_end().await.unwrap();
    let mut levels = Vec::new();
    while let Ok(u) = updates.try_recv() {
        levels.push(u);
    }
    assert_eq!(
        levels,
        vec![ConfigUpdate::LoggerLevel(
            "org.apache.kafka.connect".into(),
            "DEBUG".into()
        )]
    );
    let last = TopicReader::new(&broker).read(topic(&w, "config"), 1, 10, TIMEOUT);
    assert_eq!(
        last[9].key.as_deref(),
        Some(&b"logger-cluster-org.apache.kafka.connect"[..])
    );
    assert_eq!(last[9].value.as_deref(), Some(&br#"{"level":"DEBUG"}"#[..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_offset_stores_share_state_between_workers() {
    let broker = Broker::shared();
    let w = worker(&broker);
    create_topics(&broker, &w).await;
    let (sp, sc) = InternalTopic::Status.clients(&w);
    let a = KafkaStatusStore::start(topic(&w, "status"), &sp, &sc, TIMEOUT).unwrap();
    let task = StatusKey::Task(TaskId {
        connector: "my-conn".into(),
        task: 3,
    });
    let running = StatusRecord {
        state: State::Running,
        trace: None,
        worker_id: "a:8083".into(),
        generation: 5,
        version: Some("4.3.1".into()),
    };
    a.put(&task, &running).await.unwrap();
    a.put(&StatusKey::Connector("my-conn".into()), &running)
        .await
        .unwrap();
    a.read_to_end().await.unwrap();
    // A stale worker's UNASSIGNED from an older generation is not written over it.
    let stale = StatusRecord {
        state: State::Unassigned,
        trace: None,
        worker_id: "b:8083".into(),
        generation: 4,
        version: None,
    };
    assert!(!a.put_safe(&task, &stale).await.unwrap());
    let b = KafkaStatusStore::start(topic(&w, "status"), &sp, &sc, TIMEOUT).unwrap();
    b.read_to_end().await.unwrap();
    assert_eq!(b.tasks("my-conn"), vec![(3, running.clone())]);
    assert_eq!(b.connectors(), vec!["my-conn".to_string()]);
    b.delete(&StatusKey::Connector("my-conn".into()))
        .await
        .unwrap();
    a.read_to_end().await.unwrap();
    assert_eq!(a.connector("my-conn"), None);

    // Active topics (KIP-558): one record per connector and topic, read by every worker; a
    // tombstone forgets it.
    let orders = TopicStatus {
        topic: "orders".into(),
        connector: "my-conn".into(),
        task: 1,
        discover_timestamp: 1_700_000_000_123,
    };
    let audit = TopicStatus {
        topic: "audit-log".into(),
        task: 0,
        ..orders.clone()
    };
    a.put_topic(&orders).await.unwrap();
    a.put_topic(&audit).await.unwrap();
    b.read_to_end().await.unwrap();
    assert_eq!(b.topics("my-conn"), vec![audit.clone(), orders.clone()]);
    assert_eq!(b.topic("my-conn", "orders"), Some(orders.clone()));
    assert_eq!(b.topics("other"), vec![]);
    b.delete_topic("my-conn", "orders").await.unwrap();
    a.read_to_end().await.unwrap();
    assert_eq!(a.topics("my-conn"), vec![audit.clone()]);
    assert_eq!(a.topic("my-conn", "orders"), None);
    // A worker starting later sees the same.
    let c = KafkaStatusStore::start(topic(&w, "status"), &sp, &sc, TIMEOUT).unwrap();
    c.read_to_end().await.unwrap();
    assert_eq!(c.topics("my-conn"), vec![audit]);
    // On the topic: Java's key and value bytes, partitioned as Java's producer would.
    let records = TopicReader::new(&broker).read(topic(&w, "status"), 2, 6, TIMEOUT);
    let mut topic_records: Vec<(i64, String, Option<String>)> = records
        .iter()
        .filter_map(|r| {
            let key = String::from_utf8(r.key.clone().unwrap()).unwrap();
            assert_eq!(r.partition, partition_for_key(key.as_bytes(), 2), "{key}");
            key.starts_with("status-topic-").then(|| {
                (
                    r.offset,
                    key,
                    r.value.clone().map(|v| String::from_utf8(v).unwrap()),
                )
            })
        })
        .collect();
    topic_records.sort();
    let orders_key = "status-topic-orders:connector-my-conn".to_string();
    let orders_records: Vec<Option<String>> = topic_records
        .iter()
        .filter(|(_, k, _)| *k == orders_key)
        .map(|(_, _, v)| v.clone())
        .collect();
    assert_eq!(
        orders_records,
        vec![
            Some(
                r#"{"topic":{"name":"orders","connector":"my-conn","task":1,"discoverTimestamp":1700000000123}}"#
                    .to_string()
            ),
            None
        ]
    );
    assert!(topic_records
        .iter()
        .any(|(_, k, v)| k == "status-topic-audit-log:connector-my-conn" && v.is_some()));

    let (op, oc) = InternalTopic::Offsets.clients(&w);
    let offsets = KafkaOffsetStore::start(topic(&w, "offset"), &op, &oc, TIMEOUT).unwrap();
    let entries: Vec<(Vec<u8>, Option<Vec<u8>>)> = (0..6)
        .map(|i| {
            (
                format!(r#"["src",{{"filename":"/tmp/f{i}"}}]"#).into_bytes(),
                Some(format!(r#"{{"position":{i}}}"#).into_bytes()),
            )
        })
        .collect();
    offsets.put_all(entries.clone()).await.unwrap();
    let other = KafkaOffsetStore::start(topic(&w, "offset"), &op, &oc, TIMEOUT).unwrap();
    other.read_to_end().await.unwrap();
    for (k, v) in &entries {
        assert_eq!(other.get(k), v.clone());
    }
    // Keys land where Java's producer would put them.
    for r in TopicReader::new(&broker).read(topic(&w, "offset"), 3, 6, TIMEOUT) {
        assert_eq!(r.partition, partition_for_key(r.key.as_deref().unwrap(), 3));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_topic_with_several_partitions_is_refused() {
    let broker = Broker::shared();
    let w = worker(&broker);
    let admin = broker.admin();
    let wrong = TopicSpec {
        name: topic(&w, "config").into(),
        partitions: 2,
        replication_factor: 1,
        configs: vec![],
    };
    admin.create_topic(&wrong).await.unwrap();
    let spec = InternalTopic::Config.spec(&w).unwrap();
    let err = ensure_topic(&admin, InternalTopic::Config, &spec)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("single partition"), "{err}");
}
