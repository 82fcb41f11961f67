//! End-to-end tests of the Datagen source on a real Apache Kafka broker (shared by the test
//! run; each test writes to a topic of its own): the bytes it writes and exact resumption
//! after a restart.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::Kconnect;
use kconnect_api::plugin::Converter;
use kconnect_api::ConfigMap;
use kconnect_datagen::{Shape, ShapeKind};
use kconnect_json::JsonConverter;
use kconnect_testkit::{unique, Broker, TopicReader};

fn datagen_file(k: &Kconnect, topic: &str, max_records: usize) -> std::path::PathBuf {
    k.connector_file(
        "datagen.properties",
        &format!(
            "name=gen\nconnector.class=Datagen\ntasks.max=1\nkafka.topic={topic}\nkey=sequence\nseed=7\nmax.records={max_records}\nbatch.size=250\ntopic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n"
        ),
    )
}

/// What kconnect's JsonConverter (schemas enabled) writes for record `sequence` of `topic`.
fn expected_value(topic: &str, sequence: u64) -> Vec<u8> {
    let shape = Shape::new(ShapeKind::Struct10).unwrap();
    let mut json = JsonConverter::new();
    json.configure(&ConfigMap::new(), false).unwrap();
    json.serialize(topic, Some(shape.schema()), &shape.value(7, sequence))
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_deterministic_records_and_resumes_exactly() {
    let broker = Broker::shared();
    let topic = unique("generated");
    let dir = tempfile::tempdir().unwrap();
    let mut k = Kconnect::new(dir.path(), &broker, "");
    let file = datagen_file(&k, &topic, 3_000);
    k.start(&[&file]);
    k.wait_rest().await;
    let records = TopicReader::new(&broker).read(&topic, 1, 3_000, Duration::from_secs(60));
    assert_eq!(records.len(), 3_000, "{}", k.log());
    assert_eq!(
        records[0].value.as_deref(),
        Some(&expected_value(&topic, 0)[..])
    );
    assert_eq!(
        records[2_999].value.as_deref(),
        Some(&expected_value(&topic, 2_999)[..])
    );
    assert_eq!(
        records[41].key.as_deref(),
        Some(&br#"{"schema":{"type":"int64","optional":false},"payload":41}"#[..])
    );
    assert_eq!(k.stop(), Some(0), "{}", k.log());

    // Raising max.records: the restarted task continues after the committed record 2999.
    let file = datagen_file(&k, &topic, 5_000);
    k.start(&[&file]);
    let records = TopicReader::new(&broker).read(&topic, 1, 5_000, Duration::from_secs(60));
    assert_eq!(k.stop(), Some(0), "{}", k.log());
    assert_eq!(records.len(), 5_000, "{}", k.log());
    for (i, r) in records.iter().enumerate() {
        let key = format!(r#"{{"schema":{{"type":"int64","optional":false}},"payload":{i}}}"#);
        assert_eq!(r.key.as_deref(), Some(key.as_bytes()), "record {i}");
    }
    assert_eq!(
        records[4_999].value.as_deref(),
        Some(&expected_value(&topic, 4_999)[..])
    );
    // Nothing more was written after the 5000th record.
    let again = TopicReader::new(&broker).read(&topic, 1, 5_001, Duration::from_secs(3));
    assert_eq!(again.len(), 5_000);
}
