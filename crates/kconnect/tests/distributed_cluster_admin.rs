//! End-to-end tests of the cluster-wide admin state of `kconnect distributed`: three worker
//! processes on loopback sharing a group on a real Apache Kafka broker. The broker is shared
//! by the test run: the group (hence the internal topics) and the source's topic are unique
//! to the test.
//!
//! * Active topics (KIP-558): the topic a source task writes to is listed by
//!   `GET /connectors/{c}/topics` on every worker, not only the one running the task (the
//!   status topic records it); a reset sent to any worker clears it everywhere and it stays
//!   cleared while the connector is stopped; resumed and producing again, the connector
//!   records it again; deleting the connector forgets it.
//! * Cluster log levels (KIP-976): `PUT /admin/loggers/{name}?scope=cluster` on one worker
//!   answers 204 and the level shows up on every worker; a worker starting later does not
//!   apply it (records read at startup are ignored).

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::cluster::{start_cluster, wait_healthy};
use common::{append_lines, Kconnect};
use kconnect_testkit::{unique, Broker, TopicReader};
use serde_json::{json, Value};

const LOGGER: &str = "kconnect_runtime::herder";

fn topics(name: &str, list: &[&str]) -> Value {
    json!({ name: {"topics": list} })
}

/// Waits until every worker lists `want` as the connector's active topics.
async fn topics_everywhere(workers: &[Kconnect], name: &str, want: &Value, what: &str) {
    for w in workers {
        w.until(&format!("/connectors/{name}/topics"), what, |t| t == want)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_topics_and_cluster_log_levels_are_shared_by_every_worker() {
    let broker = Broker::shared();
    let (group, topic) = (unique("dist-admin"), unique("admin-lines"));
    broker.create_topic(&topic, 1).await;
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("input.txt");
    append_lines(&input, 0, 20);
    let workers = start_cluster(&broker, root.path(), &group, 3).await;

    let (status, body) = workers[0]
        .call(
            "POST",
            "/connectors",
            Some(json!({"name": "src", "config": {
                "connector.class": "FileStreamSource", "tasks.max": "1",
                "file": input.display().to_string(), "topic": topic}})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let running = workers[0].until_state("src", "RUNNING", 1).await;
    let task_worker = running["tasks"][0]["worker_id"]
        .as_str()
        .unwrap()
        .to_string();
    let others: Vec<&Kconnect> = workers
        .iter()
        .filter(|w| w.worker_id() != task_worker)
        .collect();
    assert_eq!(others.len(), 2, "the task runs on one of the workers");

    // Every worker lists the topic, also those that never ran the task.
    topics_everywhere(
        &workers,
        "src",
        &topics("src", &[topic.as_str()]),
        "topic listed",
    )
    .await;
    // An unknown connector has no topics (not a 404).
    assert_eq!(
        workers[1].get("/connectors/nope/topics").await,
        (200, topics("nope", &[]))
    );

    // A cluster log level set through one worker reaches the others.
    let r = workers[1]
        .send(
            "PUT",
            &format!("/admin/loggers/{LOGGER}?scope=cluster"),
            Some("application/json"),
            Some(json!({"level": "debug"}).to_string()),
        )
        .await;
    assert_eq!((r.status, r.body), (204, Value::Null));
    for w in &workers {
        let level = w
            .until(
                &format!("/admin/loggers/{LOGGER}"),
                "cluster level applied",
                |l| l["level"] == "DEBUG",
            )
            .await;
        assert!(level["last_modified"].as_i64().unwrap() > 0, "{level}");
        assert_eq!(
            w.get("/admin/loggers").await.1[LOGGER]["level"],
            "DEBUG",
            "listed with the explicit levels"
        );
    }

    // Reset through a worker that does not run the task, once the connector is stopped (a
    // running task would record the topic again with its next record).
    let (status, body) = others[0].call("PUT", "/connectors/src/stop", None).await;
    assert_eq!(status, 204, "{body}");
    workers[0].until_state("src", "STOPPED", 0).await;
    let (status, _) = others[1]
        .call("PUT", "/connectors/src/topics/reset", None)
        .await;
    assert_eq!(status, 202);
    topics_everywhere(&workers, "src", &topics("src", &[]), "topics reset").await;
    // No worker records it again while nothing uses it.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    for w in &workers {
        assert_eq!(
            w.get("/connectors/src/topics").await,
            (200, topics("src", &[])),
            "{}",
            w.log()
        );
    }

    // Running and producing again, the connector records the topic again.
    let (status, body) = others[1].call("PUT", "/connectors/src/resume", None).await;
    assert_eq!(status, 202, "{body}");
    workers[0].until_state("src", "RUNNING", 1).await;
    append_lines(&input, 20, 20);
    topics_everywhere(
        &workers,
        "src",
        &topics("src", &[topic.as_str()]),
        "topic listed again",
    )
    .await;

    // Deleting the connector forgets its topics.
    let (status, body) = workers[2].call("DELETE", "/connectors/src", None).await;
    assert_eq!(status, 204, "{body}");
    topics_everywhere(&workers, "src", &topics("src", &[]), "topics forgotten").await;
    // A deleted connector has no status anywhere, also once the workers that ran it stopped
    // it (they delete what they reported).
    for w in &workers {
        w.until(
            "/connectors/src/status",
            "no status for a deleted connector",
            |b| b["error_code"] == 404,
        )
        .await;
    }
    let reader = TopicReader::new(&broker);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // The newest record of each key, read from the whole status topic.
        let mut newest: BTreeMap<Vec<u8>, Option<Vec<u8>>> = BTreeMap::new();
        for r in reader.read(
            &format!("{group}-status"),
            2,
            usize::MAX,
            Duration::from_secs(1),
        ) {
            if let Some(key) = r.key {
                newest.insert(key, r.value);
            }
        }
        let live: Vec<String> = newest
            .iter()
            .filter(|(k, v)| {
                v.is_some()
                    && (k.as_slice() == b"status-connector-src"
                        || k.starts_with(b"status-task-src-"))
            })
            .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
            .collect();
        if live.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "statuses of the deleted connector still on the status topic: {live:?}"
        );
    }

    // A worker joining later reads the level record at startup and ignores it.
    let mut late = Kconnect::new_distributed(&root.path().join("late"), &broker, &group, "");
    late.start_distributed();
    wait_healthy(&late).await;
    let (status, level) = late.get(&format!("/admin/loggers/{LOGGER}")).await;
    assert!(
        status == 404 || (level["level"] == "INFO" && level["last_modified"].is_null()),
        "{status} {level}"
    );
    assert!(late.get("/admin/loggers").await.1.get(LOGGER).is_none());
    // Set again, it applies there too.
    let r = workers[2]
        .send(
            "PUT",
            &format!("/admin/loggers/{LOGGER}?scope=cluster"),
            Some("application/json"),
            Some(json!({"level": "WARN"}).to_string()),
        )
        .await;
    assert_eq!(r.status, 204);
    late.until(
        &format!("/admin/loggers/{LOGGER}"),
        "new cluster level applied on the late worker",
        |l| l["level"] == "WARN",
    )
    .await;
}
