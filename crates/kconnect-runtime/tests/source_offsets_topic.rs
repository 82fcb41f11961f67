//! Source offsets in distributed mode, against a real broker: a worker whose offsets store is
//! the offsets topic commits its source task's offsets straight to the topic (nothing copies
//! them there), in Java's byte format, and a task started later by another worker reads
//! them back through its offset reader.

#![allow(clippy::unwrap_used)] // test code

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::plugin::{SourceTask, SourceTaskContext};
use kconnect_api::record::OffsetMap;
use kconnect_api::{ConfigMap, ConnectRecord, ConnectResult, SourceRecord, Value};
use kconnect_runtime::storage::internal_json::InternalJson;
use kconnect_runtime::storage::internal_topics::{ensure_topic, InternalTopic};
use kconnect_runtime::storage::kafka_offset_store::KafkaOffsetStore;
use kconnect_runtime::worker::TargetState;
use kconnect_testkit::{unique, Broker, TopicReader};
use support::{registry, until, Harness, SourceFactory};

const SOURCE: &str = "com.example.TestSourceConnector";
const TIMEOUT: Duration = Duration::from_secs(20);
const RECORDS: i64 = 10;

/// Sends `RECORDS` records of one source partition to `topic`, then nothing; remembers the
/// offset it found committed when it started.
struct Counting {
    topic: String,
    next: i64,
    found: Arc<Mutex<Option<Option<OffsetMap>>>>,
}

fn partition() -> OffsetMap {
    let mut p = OffsetMap::new();
    p.insert("source".into(), Value::String("test".into()));
    p
}

#[async_trait]
impl SourceTask for Counting {
    async fn start(&mut self, ctx: Arc<dyn SourceTaskContext>, _: &ConfigMap) -> ConnectResult<()> {
        let committed = ctx.offset_storage_reader().offset(&partition()).await?;
        if let Some(Value::Int64(p)) = committed.as_ref().and_then(|o| o.get("position")) {
            self.next = p + 1;
        }
        *self.found.lock().unwrap() = Some(committed);
        Ok(())
    }

    async fn poll(&mut self) -> ConnectResult<Vec<SourceRecord>> {
        if self.next >= RECORDS {
            tokio::time::sleep(Duration::from_millis(50)).await;
            return Ok(Vec::new());
        }
        let mut offset = OffsetMap::new();
        offset.insert("position".into(), Value::Int64(self.next));
        self.next += 1;
        Ok(vec![SourceRecord {
            record: ConnectRecord {
                topic: self.topic.clone(),
                value: Value::String(format!("record {}", self.next)),
                ..Default::default()
            },
            source_partition: Some(Arc::new(partition())),
            source_offset: Some(offset),
        }])
    }

    async fn stop(&mut self) -> ConnectResult<()> {
        Ok(())
    }
}

fn factory(topic: &str, found: &Arc<Mutex<Option<Option<OffsetMap>>>>) -> SourceFactory {
    let found = found.clone();
    let topic = topic.to_string();
    Arc::new(move || {
        Box::new(Counting {
            topic: topic.clone(),
            next: 0,
            found: found.clone(),
        })
    })
}

/// Worker properties with a group and an offsets topic of the test's own.
fn worker_props(broker: &Broker) -> BTreeMap<String, String> {
    [
        ("bootstrap.servers", broker.bootstrap()),
        ("group.id", unique("offsets-topic")),
        ("offset.storage.topic", unique("offsets-topic-offsets")),
        ("offset.storage.partitions", "3".to_string()),
        ("offset.storage.replication.factor", "1".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn offsets_store(w: &BTreeMap<String, String>) -> Arc<KafkaOffsetStore> {
    let (producer, consumer) = InternalTopic::Offsets.clients(w);
    Arc::new(
        KafkaOffsetStore::start(&w["offset.storage.topic"], &producer, &consumer, TIMEOUT).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_offsets_go_straight_to_the_offsets_topic_and_are_read_back_elsewhere() {
    let broker = Broker::shared();
    let out = unique("offsets-out");
    broker.create_topic(&out, 1).await;
    let w = worker_props(&broker);
    let spec = InternalTopic::Offsets.spec(&w).unwrap();
    ensure_topic(&broker.admin(), InternalTopic::Offsets, &spec)
        .await
        .unwrap();
    let key = InternalJson::new().offset_key("src", &partition()).unwrap();
    let last = format!(r#"{{"position":{}}}"#, RECORDS - 1).into_bytes();

    // The first worker's task commits to the topic through the worker's store.
    let found = Arc::new(Mutex::new(None));
    let first = Harness::with_offsets(
        &broker.bootstrap(),
        &[],
        registry(Some(factory(&out, &found)), None),
        Some(offsets_store(&w)),
    );
    first.start("src", SOURCE, &[], TargetState::Started).await;
    until("the first task started", TIMEOUT, || {
        found.lock().unwrap().is_some()
    })
    .await;
    assert_eq!(*found.lock().unwrap(), Some(None), "nothing committed yet");

    // Another store reading the topic sees the last offset while the task still runs.
    let observer = offsets_store(&w);
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        observer.read_to_end().await.unwrap();
        if observer.get(&key).as_deref() == Some(last.as_slice()) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "offset never reached the topic: {:?}",
            observer.get(&key).map(String::from_utf8)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // On the topic in Java's format: the JSON key and value bytes.
    let records = TopicReader::new(&broker).read(
        &w["offset.storage.topic"],
        3,
        RECORDS as usize,
        Duration::from_secs(3),
    );
    assert!(records
        .iter()
        .all(|r| r.key.as_deref() == Some(key.as_slice())));
    assert_eq!(
        records.last().and_then(|r| r.value.clone()),
        Some(last.clone())
    );
    {
        let _guard = first.worker.operations().lock().await;
        first.worker.stop_all().await;
    }

    // A task of another worker (its own store) resumes after the committed offset.
    let resumed = Arc::new(Mutex::new(None));
    let second = Harness::with_offsets(
        &broker.bootstrap(),
        &[],
        registry(Some(factory(&out, &resumed)), None),
        Some(offsets_store(&w)),
    );
    second.start("src", SOURCE, &[], TargetState::Started).await;
    until("the second task started", TIMEOUT, || {
        resumed.lock().unwrap().is_some()
    })
    .await;
    let mut expected = OffsetMap::new();
    expected.insert("position".into(), Value::Int64(RECORDS - 1));
    assert_eq!(*resumed.lock().unwrap(), Some(Some(expected)));
}
