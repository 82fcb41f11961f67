//! End-to-end tests of `kconnect distributed`: three worker processes on loopback sharing a
//! group on a real Apache Kafka broker. Connectors created through any worker run exactly once
//! across the cluster; leader-only requests reaching a follower are forwarded; the work of
//! a worker killed with SIGKILL moves to the survivors within the documented bound, and the
//! file → topic → file pipeline loses no line (at-least-once). The broker is shared by the
//! test run: the group (hence the internal topics), the topic and the connector names (a
//! sink's consumer group is named after it) are unique to the test.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::cluster::start_cluster;
use common::{append_lines, lines, until_delivered, Kconnect};
use kconnect_testkit::{unique, Broker};
use serde_json::{json, Value};

/// `session.timeout.ms` of the test workers plus the rebalance rounds documented in
/// docs/DISTRIBUTED.md.
const FAILOVER_BOUND: Duration = Duration::from_secs(6 + 10);

/// The worker ids running the connector and its tasks, once all are RUNNING on `on`.
async fn running_on(k: &Kconnect, name: &str, tasks: usize) -> Vec<String> {
    let status = k.until_state(name, "RUNNING", tasks).await;
    let mut ids = vec![status["connector"]["worker_id"]
        .as_str()
        .unwrap()
        .to_string()];
    for t in status["tasks"].as_array().unwrap() {
        ids.push(t["worker_id"].as_str().unwrap().to_string());
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_run_each_connector_once_forward_writes_and_survive_a_kill() {
    let broker = Broker::shared();
    let topic = unique("dist-lines");
    // "sink-..." sorts before "src-...", as "sink" before "src".
    let (src, sink) = (unique("src"), unique("sink"));
    broker.create_topic(&topic, 1).await;
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("input.txt");
    let output = root.path().join("output.txt");
    append_lines(&input, 0, 2_000);
    let mut workers = start_cluster(&broker, root.path(), &unique("dist-e2e"), 3).await;

    // Created through two different workers: at least one of them is a follower, whose
    // request is forwarded to the leader.
    let (status, body) = workers[2]
        .call(
            "POST",
            "/connectors",
            Some(json!({"name": src, "config": {
                "connector.class": "FileStreamSource", "tasks.max": "1",
                "file": input.display().to_string(), "topic": topic}})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = workers[1]
        .call(
            "POST",
            "/connectors",
            Some(json!({"name": sink, "config": {
                "connector.class": "FileStreamSink", "tasks.max": "1",
                "file": output.display().to_string(), "topics": topic}})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = workers[0]
        .call(
            "POST",
            "/connectors",
            Some(json!({"name": sink, "config": {"connector.class": "FileStreamSink", "topics": "x"}})),
        )
        .await;
    assert_eq!(status, 409, "a duplicate is refused wherever it is sent");

    // Every worker sees both connectors running, each instance and task on exactly one
    // worker; instances and tasks are placed separately, each kind balanced.
    for w in &workers {
        // Each worker lists what its copy of the config topic holds (read asynchronously).
        w.until("/connectors", "both connectors listed", |n| {
            n == &json!([sink, src])
        })
        .await;
        let src_on = running_on(w, &src, 1).await;
        let sink_on = running_on(w, &sink, 1).await;
        for (kind, owners) in [
            ("connectors", [&src_on[0], &sink_on[0]]),
            ("tasks", [&src_on[1], &sink_on[1]]),
        ] {
            let per_worker: Vec<usize> = workers
                .iter()
                .map(|k| {
                    owners
                        .iter()
                        .filter(|o| o.as_str() == k.worker_id())
                        .count()
                })
                .collect();
            assert!(
                per_worker.iter().max().unwrap() - per_worker.iter().min().unwrap() <= 1,
                "{kind} balanced over the workers: {per_worker:?}"
            );
        }
    }
    until_delivered(&input, &output, Duration::from_secs(60), &[&workers[0]]).await;
    assert_eq!(
        lines(&output).len(),
        2_000,
        "each line delivered exactly once while no worker fails"
    );

    // Kill the worker running the source task mid-stream, then keep writing.
    let src_owner = running_on(&workers[0], &src, 1).await[1].clone();
    let victim = workers
        .iter()
        .position(|w| w.worker_id() == src_owner)
        .unwrap();
    append_lines(&input, 2_000, 2_000);
    workers[victim].kill9();
    let killed_at = Instant::now();
    append_lines(&input, 4_000, 1_000);
    let survivor = &workers[(victim + 1) % 3];
    let deadline = killed_at + FAILOVER_BOUND;
    loop {
        let (_, s) = survivor.get(&format!("/connectors/{src}/status")).await;
        let (_, k) = survivor.get(&format!("/connectors/{sink}/status")).await;
        let moved = |s: &Value| {
            s["connector"]["state"] == "RUNNING"
                && s["connector"]["worker_id"] != src_owner.as_str()
                && s["tasks"].as_array().is_some_and(|t| {
                    t.len() == 1
                        && t[0]["state"] == "RUNNING"
                        && t[0]["worker_id"] != src_owner.as_str()
                })
        };
        if moved(&s) && moved(&k) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "work of the killed worker not running on the survivors within {FAILOVER_BOUND:?}: {s} {k}\n{}",
            survivor.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    until_delivered(&input, &output, Duration::from_secs(60), &[survivor]).await;
    assert!(lines(&output).len() >= 5_000);
}
