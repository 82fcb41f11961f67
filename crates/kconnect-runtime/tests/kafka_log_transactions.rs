//! An internal topic written in Kafka transactions (as Java's exactly-once workers write the
//! config and offsets topics) is read to its end: transaction markers and aborted records
//! occupy offsets that yield no record, and reading to the end must not wait for them.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kconnect_kafka::rdkafka::consumer::{BaseConsumer, Consumer};
use kconnect_kafka::rdkafka::producer::{
    BaseRecord, DefaultProducerContext, Producer, ThreadedProducer,
};
use kconnect_runtime::storage::kafka_log::KafkaLog;
use kconnect_testkit::{unique, Broker};

const TIMEOUT: Duration = Duration::from_secs(30);

fn transactional_producer(broker: &Broker) -> ThreadedProducer<DefaultProducerContext> {
    let mut props = broker.client_props();
    props.set("transactional.id", unique("tx-log"));
    let producer: ThreadedProducer<DefaultProducerContext> =
        props.to_rdkafka().unwrap().create().unwrap();
    producer.init_transactions(TIMEOUT).unwrap();
    producer
}

fn write(producer: &ThreadedProducer<DefaultProducerContext>, topic: &str, keys: &[&str]) {
    for key in keys {
        producer
            .send(BaseRecord::<str, str>::to(topic).key(key).payload("v"))
            .map_err(|(e, _)| e)
            .unwrap();
    }
}

/// Waits until every partition's transactions are complete: the broker writes the commit and
/// abort markers after `commit_transaction` returns, and until then a `read_committed` reader
/// (as Java's and kconnect's internal-topic readers are) rightly stops before the open
/// records. Complete means the last stable offset equals the high watermark.
fn wait_markers_written(broker: &Broker, topic: &str, partitions: i32) {
    let watermarks = |isolation: &str| -> Vec<i64> {
        let mut props = broker.client_props();
        props
            .set("group.id", unique("tx-watermarks"))
            .set("isolation.level", isolation);
        let consumer: BaseConsumer = props.to_rdkafka().unwrap().create().unwrap();
        (0..partitions)
            .map(|p| consumer.fetch_watermarks(topic, p, TIMEOUT).unwrap().1)
            .collect()
    };
    let deadline = Instant::now() + TIMEOUT;
    while watermarks("read_committed") != watermarks("read_uncommitted") {
        assert!(Instant::now() < deadline, "transaction markers not written");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_to_end_passes_transaction_markers_and_aborted_records() {
    let broker = Broker::shared();
    let topic = unique("tx-internal");
    broker.create_topic(&topic, 2).await;
    let producer = transactional_producer(&broker);
    producer.begin_transaction().unwrap();
    write(&producer, &topic, &["a", "b", "c"]);
    producer.commit_transaction(TIMEOUT).unwrap();
    producer.begin_transaction().unwrap();
    write(&producer, &topic, &["aborted-1", "aborted-2"]);
    producer.flush(TIMEOUT).unwrap();
    producer.abort_transaction(TIMEOUT).unwrap();
    producer.begin_transaction().unwrap();
    write(&producer, &topic, &["d"]);
    producer.commit_transaction(TIMEOUT).unwrap();
    wait_markers_written(&broker, &topic, 2);

    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut consumer = broker.client_props();
    consumer
        .set("group.id", unique("tx-log-reader"))
        .set("enable.auto.commit", "false");
    let log = {
        let seen = seen.clone();
        KafkaLog::start(
            &topic,
            &broker.client_props(),
            &consumer,
            TIMEOUT,
            move |r| {
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8(r.key.unwrap()).unwrap())
            },
        )
        .unwrap()
    };
    // Every partition ends with a commit marker; one holds the aborted records too.
    log.read_to_end().await.unwrap();
    let mut keys = seen.lock().unwrap().clone();
    keys.sort();
    assert_eq!(keys, ["a", "b", "c", "d"]);

    // More transactions after the reader caught up: it reaches the new end as well.
    producer.begin_transaction().unwrap();
    write(&producer, &topic, &["e"]);
    producer.commit_transaction(TIMEOUT).unwrap();
    wait_markers_written(&broker, &topic, 2);
    log.read_to_end().await.unwrap();
    let mut keys = seen.lock().unwrap().clone();
    keys.sort();
    assert_eq!(keys, ["a", "b", "c", "d", "e"]);
}
