//! `topics.regex` must match whole topic names, as Java's pattern subscription does:
//! `a|b` subscribes to `a` and `b`, not to `ab`.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{lines, produce, wait_lines, Kconnect};
use kconnect_testkit::{unique, Broker};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_regex_alternatives_match_whole_names() {
    let broker = Broker::shared();
    let p = unique("rx");
    let (a, b, ab) = (format!("{p}-a"), format!("{p}-b"), format!("{p}-ab"));
    for topic in [&a, &b, &ab] {
        broker.create_topic(topic, 1).await;
        produce(&broker, topic, 0, &[topic.as_str()]).await;
    }

    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.txt");
    let mut k = Kconnect::new(dir.path(), &broker, "");
    k.start(&[]);
    k.wait_rest().await;
    let sink = unique("rx-sink");
    let (code, body) = k
        .call(
            "PUT",
            &format!("/connectors/{sink}/config"),
            Some(json!({
                "connector.class": "FileStreamSink",
                "file": output.to_str().unwrap(),
                "topics.regex": format!("{a}|{b}"),
                "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            })),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    wait_lines(&output, 2, Duration::from_secs(60), &k);
    // Both matching topics are committed; the one that only starts like one is not read.
    k.until(
        &format!("/connectors/{sink}/offsets"),
        "offsets of a and b",
        |o| o["offsets"].as_array().is_some_and(|l| l.len() == 2),
    )
    .await;
    let mut got = lines(&output);
    got.sort();
    assert_eq!(got, [a.clone(), b.clone()]);
    let (_, offsets) = k.get(&format!("/connectors/{sink}/offsets")).await;
    let topics: Vec<&str> = offsets["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["partition"]["kafka_topic"].as_str().unwrap())
        .collect();
    assert!(!topics.contains(&ab.as_str()), "{offsets}");
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}
