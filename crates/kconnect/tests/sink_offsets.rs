//! End-to-end, on Apache Kafka: one partition's committed sink offset is deleted through
//! `PATCH /connectors/{c}/offsets` with `"offset": null` (Kafka's OffsetDelete), the other
//! partition's offset stays, and the resumed sink reads the deleted partition again from the
//! start (the sink consumer's `auto.offset.reset=earliest`).

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{lines, produce, wait_lines, Kconnect};
use kconnect_testkit::{unique, Broker};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_null_offset_deletes_one_partitions_committed_offset() {
    let broker = Broker::shared();
    let topic = unique("sink-offsets");
    let sink = unique("offsets-sink");
    broker.create_topic(&topic, 2).await;
    produce(&broker, &topic, 0, &["p0-a", "p0-b"]).await;
    produce(&broker, &topic, 1, &["p1-a", "p1-b", "p1-c"]).await;

    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.txt");
    let mut k = Kconnect::new(dir.path(), &broker, "");
    k.start(&[]);
    k.wait_rest().await;
    let config = json!({
        "connector.class": "FileStreamSink",
        "tasks.max": "1",
        "file": output.to_str().unwrap(),
        "topics": topic,
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    });
    let (code, body) = k
        .call("PUT", &format!("/connectors/{sink}/config"), Some(config))
        .await;
    assert_eq!(code, 201, "{body}");
    wait_lines(&output, 5, Duration::from_secs(60), &k);

    let offsets = |p0: Option<i64>, p1: i64| {
        let mut list = Vec::new();
        if let Some(p0) = p0 {
            list.push(json!({"partition": {"kafka_partition": 0, "kafka_topic": topic}, "offset": {"kafka_offset": p0}}));
        }
        list.push(json!({"partition": {"kafka_partition": 1, "kafka_topic": topic}, "offset": {"kafka_offset": p1}}));
        json!({ "offsets": list })
    };
    let path = format!("/connectors/{sink}/offsets");
    k.until(&path, "both partitions committed", |o| {
        o == &offsets(Some(2), 3)
    })
    .await;
    let delete_p0 = json!({"offsets": [{"partition": {"kafka_topic": topic, "kafka_partition": 0}, "offset": null}]});

    // Refused while the connector runs (Java's rule: stop it first).
    let (code, body) = k.call("PATCH", &path, Some(delete_p0.clone())).await;
    assert_eq!(code, 400, "{body}");

    k.stop_connector(&sink).await;
    let (code, body) = k.call("PATCH", &path, Some(delete_p0)).await;
    assert_eq!(
        (code, body),
        (
            200,
            json!({"message": "The offsets for this connector have been altered successfully"})
        )
    );
    assert_eq!(k.get(&path).await, (200, offsets(None, 3)));

    // Resumed, the sink reads partition 0 again from its start, and nothing of partition 1.
    assert_eq!(
        k.call("PUT", &format!("/connectors/{sink}/resume"), None)
            .await
            .0,
        202
    );
    let got = wait_lines(&output, 7, Duration::from_secs(60), &k);
    assert_eq!(got[5..], ["p0-a", "p0-b"], "{got:?}");
    k.until(&path, "partition 0 committed again", |o| {
        o == &offsets(Some(2), 3)
    })
    .await;
    assert_eq!(lines(&output).len(), 7, "partition 1 was read again");
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}
