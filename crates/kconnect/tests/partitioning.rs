//! End-to-end: keyed records land in the partition the Java producer would choose (on the
//! Apache Kafka broker shared by the test run, in a topic of this test's own).

mod common;

use std::time::Duration;

use common::{append_lines, Kconnect};
use kconnect_kafka::partitioner::partition_for_key;
use kconnect_testkit::{unique, Broker, TopicReader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_partitioned_with_java_murmur2() {
    let broker = Broker::shared();
    let topic = unique("keyed");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    append_lines(&input, 0, 400);
    let mut k = Kconnect::new(dir.path(), &broker, "");
    let source = k.connector_file(
        "keyed.properties",
        &format!(
            "name=keyed\nconnector.class=FileStreamSource\nfile={}\ntopic={topic}\n\
             topic.creation.default.partitions=8\ntopic.creation.default.replication.factor=1\n\
             transforms=hoist,key\n\
             transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField$Value\ntransforms.hoist.field=line\n\
             transforms.key.type=org.apache.kafka.connect.transforms.ValueToKey\ntransforms.key.fields=line\n",
            input.display()
        ),
    );
    k.start(&[&source]);
    let records = TopicReader::new(&broker).read(&topic, 8, 400, Duration::from_secs(60));
    assert_eq!(records.len(), 400, "{}", k.log());
    let mut used = std::collections::HashSet::new();
    for r in &records {
        let key = r.key.as_ref().expect("every record has a key");
        assert_eq!(
            r.partition,
            partition_for_key(key, 8),
            "key {}",
            String::from_utf8_lossy(key)
        );
        used.insert(r.partition);
    }
    assert!(
        used.len() > 4,
        "400 distinct keys should spread over the partitions: {used:?}"
    );
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}
